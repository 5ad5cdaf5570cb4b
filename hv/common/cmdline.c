/* SPDX-License-Identifier: MIT */
/* Parses the hypervisor command line: space-separated key=value options, unknown ones warned and ignored. */
#include <hv/cmdline.h>
#include <hv/lib.h>
#include <hv/log.h>

struct test_name {
	const char *name;
	uint32_t bit;
};

static const struct test_name test_names[] = {
	{ "pagefault", TEST_PAGEFAULT },
	{ "ud", TEST_UD },
	{ "panic", TEST_PANIC },
	{ "divide", TEST_DIVIDE },
	{ "apfault", TEST_APFAULT },
};

static const char *const level_names[] = { "err", "warn", "info", "debug" };

static bool token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(tok, word, len) == 0;
}

bool cmdline_parse_size(const char *s, size_t len, uint64_t *bytes)
{
	uint64_t v, shift = 0;
	size_t n = parse_u64(s, len, &v);

	if (n == 0)
		return false;
	if (n + 1 == len) {
		switch (s[n]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return false;
		}
	} else if (n != len) {
		return false;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*bytes = v << shift;
	return true;
}

static bool parse_loglvl(const char *v, size_t len, int *out)
{
	uint64_t n;

	if (token_is(v, len, "all")) {
		*out = LOG_DEBUG;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (token_is(v, len, level_names[i])) {
			*out = (int)i;
			return true;
		}
	}
	if (parse_u64(v, len, &n) == len && n <= LOG_DEBUG) {
		*out = (int)n;
		return true;
	}
	return false;
}

static bool parse_tests(const char *v, size_t len, uint32_t *out)
{
	while (len) {
		size_t w = 0;
		bool found = false;

		while (w < len && v[w] != ',')
			w++;
		for (size_t i = 0; i < ARRAY_SIZE(test_names); i++) {
			if (token_is(v, w, test_names[i].name)) {
				*out |= test_names[i].bit;
				found = true;
			}
		}
		if (!found)
			return false;
		v += w;
		len -= w;
		if (len) {
			v++;
			len--;
		}
	}
	return true;
}

static bool parse_option(const char *k, size_t klen, const char *v, size_t vlen,
			 struct hv_cmdline *out)
{
	uint64_t n;

	if (token_is(k, klen, "loglvl"))
		return parse_loglvl(v, vlen, &out->loglvl);
	if (token_is(k, klen, "console")) {
		if (vlen == 0 || vlen >= sizeof(out->console))
			return false;
		memcpy(out->console, v, vlen);
		out->console[vlen] = '\0';
		return true;
	}
	if (token_is(k, klen, "dom0_mem"))
		return cmdline_parse_size(v, vlen, &out->dom0_mem);
	if (token_is(k, klen, "maxcpus")) {
		if (parse_u64(v, vlen, &n) != vlen || n == 0 || n > 65536)
			return false;
		out->maxcpus = (unsigned int)n;
		return true;
	}
	if (token_is(k, klen, "test"))
		return parse_tests(v, vlen, &out->tests);
	if (token_is(k, klen, "dump_interval")) {
		if (parse_u64(v, vlen, &n) != vlen || n > 3600)
			return false;
		out->dump_interval = (unsigned int)n;
		return true;
	}
	if (token_is(k, klen, "hypercall_profile")) {
		if (vlen && !(vlen == 1 && (*v == '0' || *v == '1')))
			return false;
		out->hypercall_profile = !vlen || *v == '1';
		return true;
	}
	if (token_is(k, klen, "pv_erms")) {
		if (token_is(v, vlen, "auto"))
			out->pv_erms = PV_ERMS_AUTO;
		else if (token_is(v, vlen, "on"))
			out->pv_erms = PV_ERMS_ON;
		else if (token_is(v, vlen, "off"))
			out->pv_erms = PV_ERMS_OFF;
		else
			return false;
		return true;
	}
	if (token_is(k, klen, "gnttab_max_frames") || token_is(k, klen, "gnttab_max_maptrack_frames")) {
		bool maptrack = klen > 18;

		if (parse_u64(v, vlen, &n) != vlen || n == 0 || n > (maptrack ? 65536u : 4096u))
			return false;
		*(maptrack ? &out->gnttab_max_maptrack_frames : &out->gnttab_max_frames) = (unsigned int)n;
		return true;
	}
	out->nr_unknown++;
	return false;
}

void cmdline_parse(const char *s, struct hv_cmdline *out, cmdline_warn_fn warn)
{
	memset(out, 0, sizeof(*out));
	out->loglvl = LOG_INFO;
	memcpy(out->console, "com1", 5);
	if (!s)
		return;
	while (*s) {
		const char *tok, *eq;
		size_t len, klen;

		while (*s == ' ' || *s == '\t')
			s++;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - tok);
		if (!len)
			continue;
		eq = memchr(tok, '=', len);
		klen = eq ? (size_t)(eq - tok) : len;
		if (!parse_option(tok, klen, eq ? eq + 1 : tok + len, eq ? len - klen - 1 : 0, out) && warn)
			warn("ignoring bad or unknown option", tok, len);
	}
}

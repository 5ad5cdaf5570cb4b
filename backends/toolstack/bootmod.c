/* SPDX-License-Identifier: MIT */
/* Domains from boot modules: parses the '@' options of a module's string (portable; dom0 and host tests). */
#include "bootmod.h"
#include <stdio.h>
#include <string.h>

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

/* A decimal number filling exactly len bytes, at most max; false otherwise. */
static bool parse_num(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || n > max / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (n > max)
		return false;
	*out = n;
	return true;
}

/* "256M", "1G", "65536K", or bytes. */
static bool parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t n;

	if (len && (s[len - 1] == 'K' || s[len - 1] == 'k'))
		shift = 10;
	else if (len && (s[len - 1] == 'M' || s[len - 1] == 'm'))
		shift = 20;
	else if (len && (s[len - 1] == 'G' || s[len - 1] == 'g'))
		shift = 30;
	if (!parse_num(s, shift ? len - 1 : len, (1ULL << 40) >> shift, &n))
		return false;
	*out = n << shift;
	return true;
}

/* "1", "0-2", "0,3": a mask of CPUs below 64. */
static bool parse_cpus(const char *s, size_t len, uint64_t *out)
{
	uint64_t mask = 0, lo, hi;
	size_t i = 0;

	while (i < len) {
		size_t n = 0, m = 0;

		while (i + n < len && s[i + n] >= '0' && s[i + n] <= '9')
			n++;
		if (!parse_num(s + i, n, 63, &lo))
			return false;
		i += n;
		hi = lo;
		if (i < len && s[i] == '-') {
			while (i + 1 + m < len && s[i + 1 + m] >= '0' && s[i + 1 + m] <= '9')
				m++;
			if (!parse_num(s + i + 1, m, 63, &hi) || hi < lo)
				return false;
			i += m + 1;
		}
		for (uint64_t c = lo; c <= hi; c++)
			mask |= 1ULL << c;
		if (i < len && (s[i++] != ',' || i == len))
			return false;
	}
	*out = mask;
	return mask != 0;
}

static bool has_prefix(const char *w, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len > n && strncmp(w, p, n) == 0;
}

static bool parse_name(const char *s, size_t len, char *out)
{
	if (!len || len >= BOOTMOD_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 64 hex digits. */
static bool parse_sha256(const char *s, size_t len, uint8_t out[32])
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < 32; i++) {
		if (hex_value(s[2 * i]) < 0 || hex_value(s[2 * i + 1]) < 0)
			return false;
		out[i] = (uint8_t)(hex_value(s[2 * i]) << 4 | hex_value(s[2 * i + 1]));
	}
	return true;
}

/* 8-4-4-4-12 hex digits. */
static bool parse_uuid(const char *s, size_t len, uint8_t out[16])
{
	unsigned int b = 0;

	if (len != 36)
		return false;
	for (size_t i = 0; i < len;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		if (hex_value(s[i]) < 0 || hex_value(s[i + 1]) < 0)
			return false;
		out[b++] = (uint8_t)(hex_value(s[i]) << 4 | hex_value(s[i + 1]));
		i += 2;
	}
	return true;
}

/* "crash", "poweroff+reboot": the words the hypervisor's @expect takes, as a mask. */
static bool parse_expect(const char *s, size_t len, uint32_t *out)
{
	static const char *const words[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
	uint32_t mask = 0;
	size_t i = 0;

	while (i < len) {
		size_t j = i, n;
		uint32_t bit = 0;

		while (j < len && s[j] != '+')
			j++;
		n = j - i;
		for (unsigned int r = 0; r < sizeof(words) / sizeof(words[0]); r++)
			if (n == strlen(words[r]) && strncmp(s + i, words[r], n) == 0)
				bit = 1u << r;
		if (n == 7 && strncmp(s + i, "refused", 7) == 0)
			bit = BOOTMOD_EXPECT_REFUSED;
		if (n == 9 && strncmp(s + i, "destroyed", 9) == 0)
			bit = BOOTMOD_EXPECT_DESTROYED;
		if (!bit)
			return false;
		mask |= bit;
		i = j + 1;
	}
	*out = mask;
	return mask != 0;
}

/* "128M:256M": up to BOOTMOD_MAX_BALLOON sizes, none zero. */
static bool parse_balloon(const char *s, size_t len, struct bootmod_spec *sp)
{
	size_t i = 0;

	sp->nr_balloon = 0;
	/* Every ':' opens one more size, so "128M:" has an empty (bad) last one. */
	for (;;) {
		size_t j = i;

		while (j < len && s[j] != ':')
			j++;
		if (sp->nr_balloon == BOOTMOD_MAX_BALLOON || !parse_size(s + i, j - i, &sp->balloon[sp->nr_balloon]) ||
		    !sp->balloon[sp->nr_balloon])
			return sp->nr_balloon = 0, false;
		sp->nr_balloon++;
		if (j == len)
			return true;
		i = j + 1;
	}
}

static bool parse_option(const char *w, size_t len, struct bootmod_spec *sp)
{
	uint64_t v;

	if (len == 6 && strncmp(w, "initrd", 6) == 0)
		return sp->is_initrd = true;
	if ((len == 8 && strncmp(w, "backends", 8) == 0) || (len == 9 && strncmp(w, "toolstack", 9) == 0))
		return true;
	if (len == 4 && strncmp(w, "data", 4) == 0)
		return sp->is_data = true;
	if (len == 7 && strncmp(w, "domfile", 7) == 0)
		return sp->is_domfile = true;
	if (has_prefix(w, len, "expect="))
		return parse_expect(w + 7, len - 7, &sp->expect);
	if (has_prefix(w, len, "uuid="))
		return sp->uuid_set = parse_uuid(w + 5, len - 5, sp->uuid);
	if (has_prefix(w, len, "sha256="))
		return sp->sha256_set = parse_sha256(w + 7, len - 7, sp->sha256);
	if (has_prefix(w, len, "mem="))
		return parse_size(w + 4, len - 4, &sp->mem) && sp->mem;
	if (has_prefix(w, len, "maxmem="))
		return parse_size(w + 7, len - 7, &sp->maxmem) && sp->maxmem;
	if (has_prefix(w, len, "balloon="))
		return parse_balloon(w + 8, len - 8, sp);
	if (has_prefix(w, len, "name="))
		return parse_name(w + 5, len - 5, sp->name);
	if (has_prefix(w, len, "gnttab_frames=") && parse_num(w + 14, len - 14, 65536, &v))
		return sp->gnttab_frames = (uint32_t)v, true;
	if (has_prefix(w, len, "maptrack_frames=") && parse_num(w + 16, len - 16, 65536, &v))
		return sp->maptrack_frames = (uint32_t)v, true;
	if (has_prefix(w, len, "weight=") && parse_num(w + 7, len - 7, 65535, &v) && v)
		return sp->weight = (uint32_t)v, true;
	if (has_prefix(w, len, "cap=") && parse_num(w + 4, len - 4, 6400, &v))
		return sp->cap = (uint32_t)v, true;
	if (has_prefix(w, len, "cpus="))
		return parse_cpus(w + 5, len - 5, &sp->cpus);
	if (has_prefix(w, len, "vcpus=") && parse_num(w + 6, len - 6, 128, &v) && v)
		return sp->vcpus = (uint32_t)v, true;
	return false;
}

static bool known_key(const char *w, size_t len)
{
	static const char *const keys[] = { "mem=", "name=", "gnttab_frames=", "maptrack_frames=", "weight=",
					    "cap=", "cpus=", "uuid=", "vcpus=", "maxmem=", "balloon=", "sha256=" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(w, keys[i], strlen(keys[i])) == 0 && len >= strlen(keys[i]))
			return true;
	return false;
}

void bootmod_parse(const char *s, struct bootmod_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	s = skip_spaces(s ? s : "");
	while (*s == '@') {
		const char *w = s + 1;
		size_t len = word_len(w);

		if (!parse_option(w, len, sp)) {
			if (known_key(w, len))
				sp->bad_value = true;
			else if (!sp->unknown[0])
				snprintf(sp->unknown, sizeof(sp->unknown), "%.*s", (int)len, w);
		}
		s = skip_spaces(w + len);
	}
	sp->cmdline = s;
}

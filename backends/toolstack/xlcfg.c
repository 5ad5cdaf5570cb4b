/* SPDX-License-Identifier: MIT */
/* Domain files in xl.cfg syntax parsed into struct xlcfg_domain, with line-numbered errors and warnings; no allocation. */
#include <stdio.h>
#include <string.h>
#include "xlcfg_int.h"

/* ---- diagnostics ---- */

void xl_diag(struct xl_parser *p, uint32_t line, bool err, const char *fmt, const char *a, const char *b)
{
	struct xlcfg_diags *dg = p->dg;
	struct xlcfg_diag *d;

	if (err)
		dg->nr_errors++;
	if (dg->nr == XLCFG_MAX_DIAG) {
		dg->dropped++;
		return;
	}
	d = &dg->d[dg->nr++];
	d->line = line;
	d->is_error = err;
	/* Quoted text is the file's: bound it so the message keeps its end. */
	snprintf(d->msg, sizeof(d->msg), fmt, a ? a : "", b ? b : "");
}


/* ---- small text helpers (the runtime's libc has no ctype or strtoul) ---- */

bool xl_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool xl_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool xl_is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && xl_is_digit(c));
}

int xl_hex(char c)
{
	if (xl_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whole string as a decimal or 0x number; false on junk, empty or overflow. */
static bool xl_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0, base = 10;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		int d = xl_hex(s[i]);

		if (d < 0 || (uint64_t)d >= base || n > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		n = n * base + (uint64_t)d;
	}
	*out = n;
	return true;
}

bool xl_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* Copies a bounded string; false (dst untouched) if it does not fit. */
bool xl_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* ---- lexer ---- */

static bool xl_at_end(const struct xl_parser *p)
{
	return p->pos >= p->len;
}

static char xl_peek(const struct xl_parser *p)
{
	return xl_at_end(p) ? '\0' : p->text[p->pos];
}

/* Blanks and comments; with newlines too when inside a list. */
static void xl_skip(struct xl_parser *p, bool newlines)
{
	while (!xl_at_end(p)) {
		char c = p->text[p->pos];

		if (c == '#') {
			while (!xl_at_end(p) && p->text[p->pos] != '\n')
				p->pos++;
		} else if (c == '\n' && newlines) {
			p->line++;
			p->pos++;
		} else if (xl_is_space(c)) {
			p->pos++;
		} else {
			return;
		}
	}
}

/* Drops the rest of a broken statement: up to the end of its line. */
static void xl_skip_line(struct xl_parser *p)
{
	while (!xl_at_end(p) && p->text[p->pos] != '\n')
		p->pos++;
}

static bool xl_escape(char c, char *out)
{
	switch (c) {
	case 'n': *out = '\n'; return true;
	case 't': *out = '\t'; return true;
	case 'r': *out = '\r'; return true;
	case '\\': case '"': case '\'': *out = c; return true;
	default: return false;
	}
}

/* A quoted string into p->v; strings do not span lines. */
static bool xl_lex_string(struct xl_parser *p)
{
	char q = p->text[p->pos++];
	struct xl_value *v = &p->v;

	v->kind = XL_STRING;
	v->len = 0;
	while (!xl_at_end(p) && p->text[p->pos] != q) {
		char c = p->text[p->pos++];

		if (c == '\n' || c == '\0') {
			xl_err(p, p->line, "unterminated string%s%s", NULL, NULL);
			return false;
		}
		if (c == '\\' && q == '"') {
			if (xl_at_end(p) || !xl_escape(p->text[p->pos], &c)) {
				xl_err(p, p->line, "bad escape in string%s%s", NULL, NULL);
				return false;
			}
			p->pos++;
		}
		if (v->len + 1 >= sizeof(v->s)) {
			xl_err(p, p->line, "string longer than the longest value Skiff takes%s%s", NULL, NULL);
			return false;
		}
		v->s[v->len++] = c;
	}
	if (xl_at_end(p)) {
		xl_err(p, p->line, "unterminated string%s%s", NULL, NULL);
		return false;
	}
	p->pos++;
	v->s[v->len] = '\0';
	return true;
}

/* A bare number (xl's only unquoted values) into p->v as text; "256M" is read whole, to be refused whole. */
static bool xl_lex_number(struct xl_parser *p)
{
	struct xl_value *v = &p->v;

	v->kind = XL_NUMBER;
	v->len = 0;
	while (!xl_at_end(p) && (xl_is_ident(p->text[p->pos], false) || p->text[p->pos] == '.')) {
		if (v->len + 1 >= 32) {
			xl_err(p, p->line, "number too long%s%s", NULL, NULL);
			return false;
		}
		v->s[v->len++] = p->text[p->pos++];
	}
	v->s[v->len] = '\0';
	return true;
}

/* One scalar value at the current position. */
static bool xl_lex_scalar(struct xl_parser *p)
{
	char c = xl_peek(p);

	p->v.line = p->line;
	if (c == '"' || c == '\'')
		return xl_lex_string(p);
	if (xl_is_digit(c))
		return xl_lex_number(p);
	if (c == '\0' || c == '\n' || c == ';')
		xl_err(p, p->line, "a value is missing%s%s", NULL, NULL);
	else
		xl_err(p, p->line, "a value must be a \"string\", a number or a [ list ]%s%s", NULL, NULL);
	return false;
}

/* ---- key handlers ---- */

static bool xl_val_count(struct xl_parser *p, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t n;

	if (!xl_number(p->v.s, p->v.len, &n)) {
		xl_err(p, p->v.line, "'%s': '%s' is not a number", key, p->v.s);
		return false;
	}
	if (n < lo || n > hi) {
		xl_err(p, p->v.line, "'%s': %s is out of range", key, p->v.s);
		return false;
	}
	*out = n;
	return true;
}

static bool xl_name_char(char c)
{
	return xl_is_ident(c, false) || c == '.' || c == '-';
}

/* A required key that is present but wrong gets its own error, not also "is required". */
static bool xl_key_name(struct xl_parser *p, const struct xl_key *k)
{
	p->seen_name = true;
	for (size_t i = 0; i < p->v.len; i++) {
		if (!xl_name_char(p->v.s[i])) {
			xl_err(p, p->v.line, "'%s': '%s' has a character outside A-Z a-z 0-9 . _ -", k->name,
			       p->v.s);
			return false;
		}
	}
	if (p->v.len == 0 || !xl_copy(p->out->name, sizeof(p->out->name), p->v.s, p->v.len)) {
		xl_err(p, p->v.line, "'%s': a name is 1 to 31 characters%s", k->name, NULL);
		return false;
	}
	return true;
}

/* 8-4-4-4-12 hex digits, as libxl_uuid_from_string reads them. */
static bool xl_parse_uuid(const char *s, size_t len, uint8_t out[16])
{
	unsigned int b = 0;

	if (len != 36)
		return false;
	for (size_t i = 0; i < len;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		hi = xl_hex(s[i]);
		lo = xl_hex(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[b++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return b == 16;
}

static bool xl_key_uuid(struct xl_parser *p, const struct xl_key *k)
{
	if (!xl_parse_uuid(p->v.s, p->v.len, p->out->uuid)) {
		xl_err(p, p->v.line, "'%s': '%s' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", k->name,
		       p->v.s);
		return false;
	}
	p->out->uuid_set = true;
	return true;
}

/* Memory in MiB: 1 MiB to 1 TiB. */
static bool xl_key_mem(struct xl_parser *p, const struct xl_key *k)
{
	uint64_t n;

	p->seen_memory = p->seen_memory || k->slot == 0;
	if (!xl_val_count(p, k->name, 1, 1u << 20, &n))
		return false;
	if (k->slot == 0) {
		p->out->memory_mib = n;
		p->memory_line = p->v.line;
	} else {
		p->out->maxmem_mib = n;
		p->maxmem_line = p->v.line;
	}
	return true;
}

static bool xl_key_vcpus(struct xl_parser *p, const struct xl_key *k)
{
	uint64_t n;

	if (!xl_val_count(p, k->name, 1, 64, &n))
		return false;
	if (k->slot == 0)
		p->out->vcpus = (uint32_t)n;
	else
		p->out->maxvcpus = (uint32_t)n;
	if (k->slot == 1)
		p->maxvcpus_line = p->v.line;
	return true;
}

static bool xl_key_weight(struct xl_parser *p, const struct xl_key *k)
{
	uint64_t n;

	if (!xl_val_count(p, k->name, 1, 65535, &n))
		return false;
	p->out->weight = (uint32_t)n;
	return true;
}

/* Percent of one CPU, 0 = no cap; at most every one of 64 CPUs. */
static bool xl_key_cap(struct xl_parser *p, const struct xl_key *k)
{
	uint64_t n;

	if (!xl_val_count(p, k->name, 0, 6400, &n))
		return false;
	p->out->cap = (uint32_t)n;
	return true;
}

/* One element of cpus=: "all", "N", "N-M", "^N" or "^N-M" (removed from the mask). */
static bool xl_cpu_elem(const char *s, size_t len, uint64_t *mask)
{
	bool neg = len && s[0] == '^';
	uint64_t lo, hi, bits;
	size_t dash = 0;

	if (neg) {
		s++;
		len--;
	}
	if (!neg && xl_eq(s, len, "all")) {
		*mask = ~0ULL;
		return true;
	}
	while (dash < len && s[dash] != '-')
		dash++;
	if (!xl_number(s, dash, &lo))
		return false;
	hi = lo;
	if (dash < len && !xl_number(s + dash + 1, len - dash - 1, &hi))
		return false;
	if (lo > hi || hi >= 64)
		return false;
	bits = (hi == 63 ? ~0ULL : (1ULL << (hi + 1)) - 1) & ~((1ULL << lo) - 1);
	*mask = neg ? *mask & ~bits : *mask | bits;
	return true;
}

static bool xl_key_cpus(struct xl_parser *p, const struct xl_key *k)
{
	const char *s = p->v.s;
	size_t i = 0;

	while (i <= p->v.len) {
		size_t j = i, a, b;

		while (j < p->v.len && s[j] != ',')
			j++;
		for (a = i; a < j && xl_is_space(s[a]); a++)
			;
		for (b = j; b > a && xl_is_space(s[b - 1]); b--)
			;
		if (!xl_cpu_elem(s + a, b - a, &p->out->cpumask)) {
			xl_err(p, p->v.line, "'%s': '%s' is not a CPU list (all, 3, 0-2, ^1; CPUs 0 to 63)", k->name, s);
			return false;
		}
		i = j + 1;
	}
	if (p->out->cpumask == 0)
		xl_err(p, p->v.line, "'%s': '%s' leaves no CPU", k->name, s);
	return p->out->cpumask != 0;
}

static bool xl_key_path(struct xl_parser *p, const struct xl_key *k)
{
	char *dst = k->slot == 0 ? p->out->kernel : p->out->ramdisk;

	p->seen_kernel = p->seen_kernel || k->slot == 0;
	if (p->v.len == 0) {
		xl_err(p, p->v.line, "'%s': the path is empty%s", k->name, NULL);
		return false;
	}
	if (!xl_copy(dst, XLCFG_PATH_MAX, p->v.s, p->v.len)) {
		xl_err(p, p->v.line, "'%s': the path is longer than 255 bytes%s", k->name, NULL);
		return false;
	}
	if (k->slot == 0) {
		p->out->kernel_line = p->v.line;
	} else {
		p->out->ramdisk_line = p->v.line;
	}
	return true;
}

/* cmdline, root and extra are combined at the end, as xl combines them. */
static bool xl_key_cmdline(struct xl_parser *p, const struct xl_key *k)
{
	char *dst = k->slot == 0 ? p->out->cmdline : k->slot == 1 ? p->root : p->extra;
	bool *seen = k->slot == 0 ? &p->seen_cmdline : k->slot == 1 ? &p->seen_root : &p->seen_extra;

	if (!xl_copy(dst, XLCFG_CMDLINE_MAX, p->v.s, p->v.len)) {
		xl_err(p, p->v.line, "'%s': longer than 1023 bytes%s", k->name, NULL);
		return false;
	}
	*seen = true;
	p->seen_line[k->slot] = p->v.line;
	return true;
}

static const char *const xl_action_names[] = {
	[XLCFG_ACTION_DESTROY] = "destroy",
	[XLCFG_ACTION_RESTART] = "restart",
	[XLCFG_ACTION_PRESERVE] = "preserve",
	[XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
	[XLCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[XLCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[XLCFG_ACTION_SOFT_RESET] = "soft-reset",
};

static bool xl_key_action(struct xl_parser *p, const struct xl_key *k)
{
	enum xlcfg_action *slots[] = { &p->out->on_poweroff, &p->out->on_reboot, &p->out->on_crash,
				       &p->out->on_watchdog };

	for (size_t i = 0; i < sizeof(xl_action_names) / sizeof(xl_action_names[0]); i++) {
		if (xl_eq(p->v.s, p->v.len, xl_action_names[i])) {
			*slots[k->slot] = (enum xlcfg_action)i;
			return true;
		}
	}
	xl_err(p, p->v.line, "'%s': unknown action '%s' (destroy, restart, preserve, rename-restart, "
	       "coredump-*, soft-reset)", k->name, p->v.s);
	return false;
}

/*
 * type= and builder=: PV, or HVM (fully virtual on AMD SVM); xl's older
 * builder= spells them generic and hvm. type= wins over builder= in
 * either order, as in xl.
 */
static bool xl_key_type(struct xl_parser *p, const struct xl_key *k)
{
	bool builder = k->slot == 1;

	if (xl_eq(p->v.s, p->v.len, "pv") || (builder && (xl_eq(p->v.s, p->v.len, "generic") ||
							  xl_eq(p->v.s, p->v.len, "linux")))) {
		if (!builder || !p->seen_type)
			p->out->hvm = false;
		p->seen_type |= !builder;
		return true;
	}
	if (xl_eq(p->v.s, p->v.len, "hvm")) {
		if (!builder || !p->seen_type)
			p->out->hvm = true;
		p->seen_type |= !builder;
		return true;
	}
	xl_err(p, p->v.line, "'%s': '%s' is not supported: Skiff builds pv and hvm guests", k->name, p->v.s);
	return false;
}

/* Keys xl knows and Skiff does not implement: read, warned about, ignored. */
static bool xl_key_ignored(struct xl_parser *p, const struct xl_key *k)
{
	(void)p;
	(void)k;
	return true;
}

static const struct xl_key xl_keys[] = {
	{ "name", XL_SCALAR, xl_key_name, 0 },
	{ "uuid", XL_SCALAR, xl_key_uuid, 0 },
	{ "memory", XL_SCALAR, xl_key_mem, 0 },
	{ "maxmem", XL_SCALAR, xl_key_mem, 1 },
	{ "vcpus", XL_SCALAR, xl_key_vcpus, 0 },
	{ "maxvcpus", XL_SCALAR, xl_key_vcpus, 1 },
	{ "cpus", XL_ANY, xl_key_cpus, 0 },
	{ "cpu_weight", XL_SCALAR, xl_key_weight, 0 },
	{ "weight", XL_SCALAR, xl_key_weight, 0 },
	{ "cap", XL_SCALAR, xl_key_cap, 0 },
	{ "kernel", XL_SCALAR, xl_key_path, 0 },
	{ "ramdisk", XL_SCALAR, xl_key_path, 1 },
	{ "cmdline", XL_SCALAR, xl_key_cmdline, 0 },
	{ "root", XL_SCALAR, xl_key_cmdline, 1 },
	{ "extra", XL_SCALAR, xl_key_cmdline, 2 },
	{ "on_poweroff", XL_SCALAR, xl_key_action, 0 },
	{ "on_reboot", XL_SCALAR, xl_key_action, 1 },
	{ "on_crash", XL_SCALAR, xl_key_action, 2 },
	{ "on_watchdog", XL_SCALAR, xl_key_action, 3 },
	{ "disk", XL_LIST_ONLY, xl_key_disk, 0 },
	{ "vif", XL_LIST_ONLY, xl_key_vif, 0 },
	{ "type", XL_SCALAR, xl_key_type, 0 },
	{ "builder", XL_SCALAR, xl_key_type, 1 },
};

/* Known to xl (xl.cfg(5)), not (yet) to Skiff: a warning each. */
static const char *const xl_unimplemented[] = {
	"bootloader", "bootloader_args", "cpus_soft", "pool", "node", "nodes", "numa", "vnuma",
	"on_soft_reset", "seclabel", "init_seclabel", "max_grant_frames", "max_maptrack_frames",
	"max_event_channels", "driver_domain", "pci", "vfb", "vkb", "vtpm", "channel", "p9",
	"pvcalls", "vdispl", "vsnd", "usbctrl", "usbdev", "iomem", "ioports", "irqs", "e820_host",
	"tsc_mode", "localtime", "rtc_timeoffset", "claim_mode", "device_model_version",
	"device_model_override", "device_model_stubdomain_override", "serial", "acpi", "apic", "pae",
	"hap", "nestedhvm", "viridian", "boot", "sdl", "vnc", "vnclisten", "vncpasswd", "vncdisplay",
	"vncunused", "spice", "usb", "usbdevice", "videoram", "stdvga", "vga", "soundhw", "gfx_passthru",
	"shadow_memory", "xen_platform_pci", "altp2m", "nomigrate", "dm_restrict", "cpuid", "vif_rate",
	"dtdev", "device_tree", "passthrough", "smbios", "firmware", "kernel_args", "xenstore_mem",
	"event_channels", "maxvcpu", "gic_version", "vuart", "mca_caps", "msr_relaxed", "vpmu",
	"timer_mode", "hpet", "vpt_align", "mmio_hole", "rdm", "rdm_mem_boundary", "blkif_keys",
	"console", "extra_config", "dm_user", "vkb_device", "trap_unmapped_accesses",
};

static const struct xl_key *xl_find_key(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(xl_keys) / sizeof(xl_keys[0]); i++)
		if (xl_eq(s, len, xl_keys[i].name))
			return &xl_keys[i];
	return NULL;
}

static bool xl_known_unimplemented(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(xl_unimplemented) / sizeof(xl_unimplemented[0]); i++)
		if (xl_eq(s, len, xl_unimplemented[i]))
			return true;
	return false;
}

/* ---- statements ---- */

static const struct xl_key xl_ignore_key = { "", XL_ANY, xl_key_ignored, 0 };

/* After a broken list item: on to the list's ']' (strings skipped whole), so its other lines are not statements. */
static void xl_list_recover(struct xl_parser *p)
{
	char quote = 0;

	while (!xl_at_end(p)) {
		char c = p->text[p->pos++];

		if (c == '\n')
			p->line++;
		if (quote && (c == quote || c == '\n'))
			quote = 0;
		else if (!quote && (c == '"' || c == '\''))
			quote = c;
		else if (!quote && c == ']')
			return;
	}
}

/* "[ a, b, ... ]", across lines, a trailing comma allowed; each item goes to the handler. */
static bool xl_parse_list(struct xl_parser *p, const struct xl_key *k, const char *key)
{
	bool ok = true, want_item = true;

	p->pos++;	/* '[' */
	for (;;) {
		char c;

		xl_skip(p, true);
		c = xl_peek(p);
		if (c == ']') {
			p->pos++;
			return ok;
		}
		if (c == '\0') {
			xl_err(p, p->line, "'%s': the list has no closing ']'%s", key, NULL);
			return false;
		}
		if (c == ',' && !want_item) {
			p->pos++;
			want_item = true;
			continue;
		}
		if (!want_item) {
			xl_err(p, p->line, "'%s': list items are separated by commas%s", key, NULL);
			xl_list_recover(p);
			return false;
		}
		if (!xl_lex_scalar(p)) {
			xl_list_recover(p);
			return false;
		}
		want_item = false;
		if (k->shape == XL_SCALAR) {
			xl_err(p, p->v.line, "'%s' takes one value, not a list%s", key, NULL);
			ok = false;
			continue;
		}
		ok = k->fn(p, k) && ok;
	}
}

/* The rest of a statement after its value: ';', a comment, or the end of the line. */
static bool xl_end_statement(struct xl_parser *p)
{
	xl_skip(p, false);
	if (xl_peek(p) == ';') {
		p->pos++;
		return true;
	}
	if (xl_at_end(p) || xl_peek(p) == '\n')
		return true;
	xl_err(p, p->line, "unexpected text after the value%s%s", NULL, NULL);
	return false;
}

/* Resolves which handler a key gets, warning for keys Skiff ignores. */
static const struct xl_key *xl_key_for(struct xl_parser *p, const char *key, size_t klen, uint32_t line)
{
	const struct xl_key *k = xl_find_key(key, klen);
	char name[40];

	if (k)
		return k;
	snprintf(name, sizeof(name), "%.*s", (int)(klen < 39 ? klen : 39), key);
	if (xl_known_unimplemented(key, klen))
		xl_warn(p, line, "'%s' is not implemented by Skiff (ignored)%s", name, NULL);
	else
		xl_warn(p, line, "unknown key '%s' (ignored)%s", name, NULL);
	return &xl_ignore_key;
}

static bool xl_parse_statement(struct xl_parser *p)
{
	size_t kstart = p->pos, klen;
	uint32_t line = p->line;
	const struct xl_key *k;
	char key[40];

	while (!xl_at_end(p) && xl_is_ident(p->text[p->pos], p->pos == kstart))
		p->pos++;
	klen = p->pos - kstart;
	if (klen == 0) {
		xl_err(p, line, "a line must be KEY = VALUE%s%s", NULL, NULL);
		return false;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(klen < 39 ? klen : 39), p->text + kstart);
	xl_skip(p, false);
	if (xl_peek(p) != '=') {
		xl_err(p, line, "'%s': '=' expected after the key%s", key, NULL);
		return false;
	}
	p->pos++;
	xl_skip(p, false);
	k = xl_key_for(p, p->text + kstart, klen, line);
	if (k->fn == xl_key_vif && !p->vif_line)
		p->vif_line = line;
	if (xl_peek(p) == '[') {
		if (k->shape == XL_SCALAR) {
			xl_err(p, line, "'%s' takes one value, not a list%s", key, NULL);
			return false;
		}
		return xl_parse_list(p, k, key) && xl_end_statement(p);
	}
	if (!xl_lex_scalar(p))
		return false;
	if (k->shape == XL_LIST_ONLY) {
		xl_err(p, line, "'%s' takes a list: %s = [ '...', ... ]", key, key);
		return false;
	}
	return k->fn(p, k) && xl_end_statement(p);
}

/* ---- whole file ---- */

/* xl's rule: cmdline wins; else "root=" + root, then a space and extra. */
static void xl_join_cmdline(struct xl_parser *p)
{
	struct xlcfg_domain *o = p->out;
	int n;

	if (p->seen_cmdline) {
		if (p->seen_root || p->seen_extra)
			xl_warn(p, p->seen_line[0], "'cmdline' is set: 'root' and 'extra' are ignored, as xl does%s%s",
				NULL, NULL);
		return;
	}
	if (p->seen_root && p->seen_extra)
		n = snprintf(o->cmdline, sizeof(o->cmdline), "root=%s %s", p->root, p->extra);
	else if (p->seen_root)
		n = snprintf(o->cmdline, sizeof(o->cmdline), "root=%s", p->root);
	else if (p->seen_extra)
		n = snprintf(o->cmdline, sizeof(o->cmdline), "%s", p->extra);
	else
		return;
	if (n < 0 || (size_t)n >= sizeof(o->cmdline))
		xl_err(p, p->seen_line[p->seen_extra ? 2 : 1], "root= and extra= together are longer than 1023 bytes%s%s",
		       NULL, NULL);
}

/*
 * What a fully virtual guest cannot have yet: disks and vifs need PV drivers
 * inside it (the Xen platform device, not there yet), RAM must end below the
 * MMIO hole, and it has no balloon for maxmem to leave room for.
 */
static void xl_hvm_checks(struct xl_parser *p)
{
	struct xlcfg_domain *o = p->out;

	if (!o->hvm)
		return;
	for (uint32_t i = 0; i < o->nr_disks; i++)
		xl_err(p, o->disks[i].line, "'disk': an hvm guest has no PV drivers yet (no Xen platform device)%s%s",
		       NULL, NULL);
	if (o->nr_vifs)
		xl_err(p, p->vif_line, "'vif': an hvm guest has no PV drivers yet (no Xen platform device)%s%s", NULL,
		       NULL);
	if (o->memory_mib > XLCFG_HVM_MEMORY_MAX)
		xl_err(p, p->memory_line, "'memory': an hvm guest's RAM must end below the MMIO hole at 3072 MiB%s%s",
		       NULL, NULL);
	if (o->maxmem_mib > o->memory_mib)
		xl_err(p, p->maxmem_line, "'maxmem': an hvm guest has no balloon: it gets 'memory' only%s%s", NULL,
		       NULL);
}

static void xl_final_checks(struct xl_parser *p)
{
	struct xlcfg_domain *o = p->out;

	/* A missing key has no line of its own: the file's first line stands for the file. */
	if (!p->seen_name)
		xl_err(p, 1, "'name' is required%s%s", NULL, NULL);
	if (!p->seen_kernel)
		xl_err(p, 1, "'kernel' is required%s%s", NULL, NULL);
	if (!p->seen_memory)
		xl_err(p, 1, "'memory' is required%s%s", NULL, NULL);
	if (o->maxmem_mib && p->seen_memory && o->maxmem_mib < o->memory_mib)
		xl_err(p, p->maxmem_line, "'maxmem' is below 'memory'%s%s", NULL, NULL);
	if (o->maxvcpus && o->maxvcpus < o->vcpus)
		xl_err(p, p->maxvcpus_line, "'maxvcpus' is below 'vcpus'%s%s", NULL, NULL);
	xl_join_cmdline(p);
	xl_hvm_checks(p);
}

void xlcfg_defaults(struct xlcfg_domain *out)
{
	memset(out, 0, sizeof(*out));
	out->vcpus = 1;
	out->on_poweroff = XLCFG_ACTION_DESTROY;
	out->on_reboot = XLCFG_ACTION_RESTART;
	out->on_crash = XLCFG_ACTION_DESTROY;
	out->on_watchdog = XLCFG_ACTION_DESTROY;
}

int xlcfg_parse(const char *text, size_t len, struct xlcfg_domain *out, struct xlcfg_diags *diags)
{
	/* Static, not on the stack: about 3 KiB, and dom0's stacks are small. Not reentrant. */
	static struct xl_parser p;

	memset(&p, 0, sizeof(p));
	memset(diags, 0, sizeof(*diags));
	xlcfg_defaults(out);
	p.text = text;
	p.len = len;
	p.line = 1;
	p.out = out;
	p.dg = diags;
	for (;;) {
		xl_skip(&p, false);
		if (xl_at_end(&p))
			break;
		if (p.text[p.pos] == '\n' || p.text[p.pos] == ';') {
			p.line += p.text[p.pos] == '\n';
			p.pos++;
			continue;
		}
		if (!xl_parse_statement(&p))
			xl_skip_line(&p);
	}
	xl_final_checks(&p);
	return diags->nr_errors ? -1 : 0;
}

const char *xlcfg_action_name(enum xlcfg_action a)
{
	if ((size_t)a < sizeof(xl_action_names) / sizeof(xl_action_names[0]))
		return xl_action_names[a];
	return "?";
}

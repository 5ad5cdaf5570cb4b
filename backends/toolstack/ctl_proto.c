/* SPDX-License-Identifier: MIT */
/* The control channel's frames and records: header codec, in-place record reader, bounded record writer. */
#include "ctl_proto.h"

/* The few libc routines this needs, declared as loader_lib.h does: host glibc and dom0's runtime both have them. */
size_t strlen(const char *s);
void *memcpy(void *dst, const void *src, size_t n);

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | ((uint32_t)get_le16(p + 2) << 16);
}

void ctl_hdr_encode(const struct ctl_hdr *h, uint8_t out[CTL_HDR_LEN])
{
	put_le32(out, h->magic);
	put_le16(out + 4, h->version);
	put_le16(out + 6, h->kind);
	put_le32(out + 8, h->id);
	put_le32(out + 12, h->len);
}

/* The order matters: a bad magic or length makes the rest meaningless, a bad version the kind. */
enum ctl_hdr_verdict ctl_hdr_decode(const uint8_t in[CTL_HDR_LEN], struct ctl_hdr *h)
{
	h->magic = get_le32(in);
	h->version = get_le16(in + 4);
	h->kind = get_le16(in + 6);
	h->id = get_le32(in + 8);
	h->len = get_le32(in + 12);
	if (h->magic != CTL_MAGIC)
		return CTL_HDR_BAD_MAGIC;
	if (h->len > CTL_MAX_PAYLOAD)
		return CTL_HDR_TOO_LONG;
	if (h->version != CTL_VERSION)
		return CTL_HDR_BAD_VERSION;
	if (h->kind < CTL_REQUEST || h->kind > CTL_EVENT)
		return CTL_HDR_BAD_KIND;
	return CTL_HDR_OK;
}

bool ctl_next_record(const char **p, const char *end, const char **rec, size_t *len)
{
	const char *s = *p, *e = s;

	if (s >= end)
		return false;
	while (e < end && *e != '\n')
		e++;
	*rec = s;
	*len = (size_t)(e - s);
	*p = e < end ? e + 1 : e;
	return true;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* A raw value byte: escapes cover space, '=', '%'-less control bytes; '%' only as an escape's start. */
static bool raw_value_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 0x20 && u != 0x7f && c != '=';
}

int ctl_next_field(const char **p, const char *end, struct ctl_field *f)
{
	const char *s = *p;

	if (s >= end)
		return 0;
	f->key = s;
	while (s < end && key_char(*s))
		s++;
	f->key_len = (size_t)(s - f->key);
	if (f->key_len == 0 || s >= end || *s != '=')
		return -1;
	f->val = ++s;
	while (s < end && *s != ' ') {
		if (!raw_value_char(*s))
			return -1;
		s++;
	}
	f->val_len = (size_t)(s - f->val);
	if (s < end) {
		s++;			/* the single separating space */
		if (s >= end || *s == ' ')
			return -1;	/* a trailing or doubled space */
	}
	*p = s;
	return 1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long ctl_unescape(const char *val, size_t len, char *buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = val[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_digit(val[i + 1]);
			lo = hex_digit(val[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (n + 1 >= cap)
			return -1;
		buf[n++] = c;
	}
	if (cap == 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

bool ctl_key_is(const struct ctl_field *f, const char *key)
{
	size_t n = strlen(key);

	if (n != f->key_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (f->key[i] != key[i])
			return false;
	return true;
}

bool ctl_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool ctl_parse_i64(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;

	if (!ctl_parse_u64(s + neg, &v))
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

void ctl_buf_init(struct ctl_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
	b->mid_record = false;
}

static void put_char(struct ctl_buf *b, char c)
{
	if (b->len >= b->cap) {
		b->overflow = true;
		return;
	}
	b->p[b->len++] = c;
}

static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%' || c == '=';
}

void ctl_put_bytes(struct ctl_buf *b, const char *key, const void *val, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v = val;

	if (b->mid_record)
		put_char(b, ' ');
	for (const char *k = key; *k; k++)
		put_char(b, *k);
	put_char(b, '=');
	for (size_t i = 0; i < len; i++) {
		if (needs_escape(v[i])) {
			put_char(b, '%');
			put_char(b, hex[v[i] >> 4]);
			put_char(b, hex[v[i] & 15]);
		} else {
			put_char(b, (char)v[i]);
		}
	}
	b->mid_record = true;
}

void ctl_put_str(struct ctl_buf *b, const char *key, const char *val)
{
	ctl_put_bytes(b, key, val, strlen(val));
}

void ctl_put_u64(struct ctl_buf *b, const char *key, uint64_t val)
{
	char digits[21];
	size_t n = sizeof(digits);

	digits[--n] = '\0';
	do {
		digits[--n] = (char)('0' + val % 10);
		val /= 10;
	} while (val);
	ctl_put_str(b, key, digits + n);
}

void ctl_put_i64(struct ctl_buf *b, const char *key, int64_t val)
{
	char digits[22];
	uint64_t u = val < 0 ? 0 - (uint64_t)val : (uint64_t)val;
	size_t n = sizeof(digits);

	digits[--n] = '\0';
	do {
		digits[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (val < 0)
		digits[--n] = '-';
	ctl_put_str(b, key, digits + n);
}

void ctl_end_record(struct ctl_buf *b)
{
	put_char(b, '\n');
	b->mid_record = false;
}

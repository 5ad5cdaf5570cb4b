/* SPDX-License-Identifier: MIT */
/* The control channel's frames and records (docs/CONTROL.md): portable C shared by dom0's server and host tools. */
#ifndef SKIFF_CTL_PROTO_H
#define SKIFF_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC		0x54434b53u	/* "SKCT" little-endian */
#define CTL_VERSION		1
#define CTL_HDR_LEN		16
#define CTL_MAX_PAYLOAD		(1u << 20)

enum ctl_kind {
	CTL_REQUEST = 1,
	CTL_RESPONSE = 2,
	CTL_DATA = 3,
	CTL_EVENT = 4,
};

struct ctl_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;
	uint32_t id;
	uint32_t len;
};

/* What a receiver does with a header (ctl_hdr_decode). */
enum ctl_hdr_verdict {
	CTL_HDR_OK = 0,
	CTL_HDR_BAD_MAGIC,	/* framing lost: close the connection */
	CTL_HDR_TOO_LONG,	/* len over CTL_MAX_PAYLOAD: close */
	CTL_HDR_BAD_VERSION,	/* answer -EPROTO, skip len bytes */
	CTL_HDR_BAD_KIND,	/* answer -EINVAL (if id), skip len bytes */
};

void ctl_hdr_encode(const struct ctl_hdr *h, uint8_t out[CTL_HDR_LEN]);
enum ctl_hdr_verdict ctl_hdr_decode(const uint8_t in[CTL_HDR_LEN], struct ctl_hdr *h);

/*
 * Reading records. A record is one line of the payload; its fields are
 * "key=value" separated by single spaces, values %XX-escaped. The reader
 * works in place: a field points into the payload, still escaped.
 */
struct ctl_field {
	const char *key;
	size_t key_len;
	const char *val;	/* escaped */
	size_t val_len;
};

/* Next record of [*p, end): its text without the newline. False at the end. */
bool ctl_next_record(const char **p, const char *end, const char **rec, size_t *len);
/* Next field of a record; 1 got one, 0 end of record, -1 malformed (bad key, no '=', raw control byte). */
int ctl_next_field(const char **p, const char *end, struct ctl_field *f);
/* Unescapes a value into buf with a NUL; its length, or -1 for a bad escape, an escaped NUL or no room. */
long ctl_unescape(const char *val, size_t len, char *buf, size_t cap);
/* Does the field have this key? */
bool ctl_key_is(const struct ctl_field *f, const char *key);
/* Decimal values: unsigned and signed, whole field, no overflow. */
bool ctl_parse_u64(const char *s, uint64_t *out);
bool ctl_parse_i64(const char *s, int64_t *out);

/* Writing records into a bounded buffer; overflow is sticky and reported once at the end. */
struct ctl_buf {
	char *p;
	size_t len, cap;
	bool overflow;
	bool mid_record;	/* a field was written since the last newline */
};

void ctl_buf_init(struct ctl_buf *b, char *mem, size_t cap);
void ctl_put_str(struct ctl_buf *b, const char *key, const char *val);
void ctl_put_bytes(struct ctl_buf *b, const char *key, const void *val, size_t len);
void ctl_put_u64(struct ctl_buf *b, const char *key, uint64_t val);
void ctl_put_i64(struct ctl_buf *b, const char *key, int64_t val);
void ctl_end_record(struct ctl_buf *b);

#endif

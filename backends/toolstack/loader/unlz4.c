/* SPDX-License-Identifier: MIT */
/* LZ4 in the legacy container Linux uses for its kernels (and skiff-xl for kernels it prepares for dom0). */
#include "loader_lib.h"
#include "decompress.h"

#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_LEGACY_BLOCK_MAX	(8u << 20)	/* what one block decompresses to at most */
#define LZ4_MIN_MATCH		4
#define LZ4_PROGRESS_STEP	(1u << 20)	/* output bytes between progress calls */

struct lz4_block {
	const uint8_t *ip, *iend;
	uint8_t *start, *op, *oend;	/* start: the block's first output byte, the furthest back a match may reach */
	uint8_t *next_progress;
	const struct decomp_progress *progress;
};

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A length nibble of 15 goes on in bytes of 255 and one below it; bounded by the input, checked against overflow. */
static int lz4_length(struct lz4_block *b, size_t *len)
{
	uint8_t v;

	do {
		if (b->ip >= b->iend)
			return DECOMP_ETRUNC;
		v = *b->ip++;
		if (*len > SIZE_MAX - 255)
			return DECOMP_ECORRUPT;
		*len += v;
	} while (v == 255);
	return 0;
}

/* A match may overlap what it writes (offset < length): copied in runs that never overlap, each twice the last. */
static void lz4_copy_match(uint8_t *op, const uint8_t *match, size_t len)
{
	while (len) {
		size_t n = (size_t)(op - match);

		if (n > len)
			n = len;
		memcpy(op, match, n);
		op += n;
		len -= n;
	}
}

static int lz4_sequence(struct lz4_block *b, bool *end)
{
	size_t lit, mlen;
	uint32_t off;
	uint8_t token;
	int rc;

	token = *b->ip++;
	lit = token >> 4;
	if (lit == 15 && (rc = lz4_length(b, &lit)) != 0)
		return rc;
	if (lit > (size_t)(b->iend - b->ip))
		return DECOMP_ETRUNC;
	if (lit > (size_t)(b->oend - b->op))
		return DECOMP_ENOSPC;
	memcpy(b->op, b->ip, lit);
	b->op += lit;
	b->ip += lit;
	/* The last sequence of a block is literals alone. */
	if (b->ip == b->iend) {
		*end = true;
		return 0;
	}
	if (b->iend - b->ip < 2)
		return DECOMP_ETRUNC;
	off = (uint32_t)b->ip[0] | (uint32_t)b->ip[1] << 8;
	b->ip += 2;
	if (off == 0)
		return DECOMP_ECORRUPT;
	if (off > (size_t)(b->op - b->start))
		return DECOMP_EDIST;
	mlen = token & 15;
	if (mlen == 15 && (rc = lz4_length(b, &mlen)) != 0)
		return rc;
	mlen += LZ4_MIN_MATCH;
	if (mlen > (size_t)(b->oend - b->op))
		return DECOMP_ENOSPC;
	lz4_copy_match(b->op, b->op - off, mlen);
	b->op += mlen;
	/* A match may end the input too (the reference encoder never does it; nothing is wrong with it). */
	*end = b->ip == b->iend;
	return 0;
}

/* One independent block: its matches reach no further back than its own first byte. */
static int lz4_block_decode(struct lz4_block *b)
{
	bool end = false;
	int rc;

	if (b->ip == b->iend)
		return DECOMP_ECORRUPT;
	while (!end) {
		rc = lz4_sequence(b, &end);
		if (rc)
			return rc;
		if (b->op >= b->next_progress) {
			decomp_progress_call(b->progress);
			b->next_progress = b->op + LZ4_PROGRESS_STEP;
		}
	}
	return 0;
}

int unlz4_legacy_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
		     size_t *in_used, void (*fn)(void *ctx), void *ctx)
{
	const struct decomp_progress progress = { .fn = fn, .ctx = ctx };
	size_t pos = 0, done = 0, next_progress = LZ4_PROGRESS_STEP;
	int rc = 0;

	if (out_len)
		*out_len = 0;
	if (in_used)
		*in_used = 0;
	if (!in || (!out && out_cap))
		return DECOMP_EINVAL;
	if (in_len < 4 || rd_le32(in) != LZ4_LEGACY_MAGIC)
		return DECOMP_EFORMAT;
	pos = 4;
	while (pos < in_len) {
		struct lz4_block b;
		uint32_t csize;

		if (in_len - pos < 4) {
			rc = DECOMP_ETRUNC;
			break;
		}
		csize = rd_le32(in + pos);
		pos += 4;
		/* Streams may be concatenated: a new one starts with the magic where a block size would be. */
		if (csize == LZ4_LEGACY_MAGIC)
			continue;
		if (csize > in_len - pos) {
			rc = DECOMP_ETRUNC;
			break;
		}
		b.ip = in + pos;
		b.iend = b.ip + csize;
		b.start = b.op = out + done;
		b.oend = out + done + MIN(out_cap - done, (size_t)LZ4_LEGACY_BLOCK_MAX);
		/* Counted over the whole output: a stream of small blocks calls the hook every MiB too. */
		b.next_progress = out + MAX(next_progress, done);
		b.progress = &progress;
		rc = lz4_block_decode(&b);
		next_progress = (size_t)(b.next_progress - out);
		/* A block that wants more than 8 MiB is corrupt, unless the buffer ended first. */
		if (rc == DECOMP_ENOSPC && b.oend - b.start == (ptrdiff_t)LZ4_LEGACY_BLOCK_MAX)
			rc = DECOMP_ECORRUPT;
		if (rc)
			break;
		done += (size_t)(b.op - b.start);
		pos += csize;
	}
	if (out_len)
		*out_len = done;
	if (in_used)
		*in_used = pos;
	return rc;
}

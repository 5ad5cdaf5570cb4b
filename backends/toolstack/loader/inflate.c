/* SPDX-License-Identifier: MIT */
/* gzip (RFC 1952) member parsing and deflate (RFC 1951) decoding into a flat output buffer. */
#include "loader_lib.h"
#include "decompress.h"

#define GZ_FTEXT	0x01
#define GZ_FHCRC	0x02
#define GZ_FEXTRA	0x04
#define GZ_FNAME	0x08
#define GZ_FCOMMENT	0x10
#define GZ_FRESERVED	0xe0
#define GZ_METHOD_DEFLATE 8

#define INFLATE_MAX_BITS	15
#define INFLATE_NUM_LIT		288	/* includes the two unused fixed-code symbols */
#define INFLATE_NUM_DIST	30
#define INFLATE_NUM_CLEN	19
#define INFLATE_END_BLOCK	256
#define INFLATE_FAST_SHIFT	12	/* fast entry: length above this, symbol below */

_Static_assert(sizeof(struct gunzip_work) <= 4096, "gunzip_work grew past its documented bound");

/* Length symbols 257..285 and distance symbols 0..29: base value and extra bits (RFC 1951 3.2.5). */
static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
};
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
/* Order in which a dynamic block sends the code-length code's lengths. */
static const uint8_t clen_order[INFLATE_NUM_CLEN] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};

/*
 * LSB-first bit reader. Reading past the input feeds zero bytes and counts
 * them in phantom; the decoder checks bits_overrun() once per symbol, so a
 * truncated stream is reported without a bounds branch on every bit.
 */
struct inflate_bits {
	const uint8_t *in;
	size_t len;
	size_t pos;		/* next real input byte to load */
	uint64_t buf;
	uint32_t cnt;		/* bits in buf, phantom ones included */
	uint32_t phantom;	/* zero bits appended past the end of input */
};

/* Everything one gunzip_buf call decodes with. */
struct inflate_ctx {
	struct inflate_bits bits;
	uint8_t *out;
	size_t out_cap;
	size_t pos;
	size_t next_progress;	/* output position at which the progress hook is called next */
	struct gunzip_work *work;
};

#define INFLATE_PROGRESS_STEP	(1u << 20)	/* output bytes between progress calls */

static inline void bits_fill(struct inflate_bits *b)
{
	while (b->cnt <= 56) {
		uint64_t byte = 0;

		if (likely(b->pos < b->len))
			byte = b->in[b->pos++];
		else
			b->phantom += 8;
		b->buf |= byte << b->cnt;
		b->cnt += 8;
	}
}

static inline bool bits_overrun(const struct inflate_bits *b)
{
	return b->phantom > b->cnt;
}

/* Takes n (<= 32) bits; the caller keeps at least n bits buffered or calls bits_fill first. */
static inline uint32_t bits_take(struct inflate_bits *b, uint32_t n)
{
	uint32_t v = (uint32_t)(b->buf & ((1ull << n) - 1));

	b->buf >>= n;
	b->cnt -= n;
	return v;
}

static inline uint32_t bits_get(struct inflate_bits *b, uint32_t n)
{
	if (b->cnt < n)
		bits_fill(b);
	return bits_take(b, n);
}

/* Drops bits up to the next byte boundary and returns the offset of the next unread real byte. */
static size_t bits_align(struct inflate_bits *b)
{
	uint32_t real;

	bits_take(b, b->cnt & 7);
	real = b->cnt > b->phantom ? b->cnt - b->phantom : 0;
	return b->pos - real / 8;
}

static void bits_restart(struct inflate_bits *b, size_t pos)
{
	b->pos = pos;
	b->buf = 0;
	b->cnt = 0;
	b->phantom = 0;
}

static uint32_t reverse_bits(uint32_t code, uint32_t len)
{
	uint32_t r = 0;

	while (len--) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

/* Fills the direct lookup for codes of at most INFLATE_FAST_BITS bits (stream order is bit-reversed). */
static void huff_fill_fast(struct inflate_huff *h)
{
	uint32_t code = 0, idx = 0;

	memset(h->fast, 0, sizeof(h->fast));
	for (uint32_t len = 1; len <= INFLATE_FAST_BITS; len++) {
		for (uint32_t k = 0; k < h->count[len]; k++, idx++, code++) {
			uint32_t r = reverse_bits(code, len);
			uint16_t entry = (uint16_t)(len << INFLATE_FAST_SHIFT | h->symbol[idx]);

			for (uint32_t j = r; j < (1u << INFLATE_FAST_BITS); j += 1u << len)
				h->fast[j] = entry;
		}
		code <<= 1;
	}
}

/*
 * Builds a canonical Huffman decoder from code lengths. Over-subscribed
 * sets are always rejected; incomplete ones only pass when allow_single
 * and the set is one code of length one (RFC 1951 permits that for a
 * single distance code; encoders also emit it for a block holding only
 * the end-of-block code). An empty set passes; decoding with it fails.
 */
static int huff_build(struct inflate_huff *h, const uint8_t *lens, uint32_t n, bool allow_single)
{
	uint16_t offs[INFLATE_MAX_BITS + 2];
	int32_t left = 1;
	uint32_t used = 0;

	memset(h->count, 0, sizeof(h->count));
	for (uint32_t s = 0; s < n; s++)
		h->count[lens[s]]++;
	for (uint32_t len = 1; len <= INFLATE_MAX_BITS; len++) {
		left = (left << 1) - h->count[len];
		if (left < 0)
			return DECOMP_ECORRUPT;
		used += h->count[len];
	}
	if (left > 0 && used > 0 && !(allow_single && used == 1 && h->count[1] == 1))
		return DECOMP_ECORRUPT;
	offs[1] = 0;
	for (uint32_t len = 1; len <= INFLATE_MAX_BITS; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (uint32_t s = 0; s < n; s++)
		if (lens[s])
			h->symbol[offs[lens[s]]++] = (uint16_t)s;
	h->count[0] = 0;
	huff_fill_fast(h);
	return DECOMP_OK;
}

/* Decodes one symbol; returns it, or a negative error for a code not in the set. */
static int huff_decode(struct inflate_bits *b, const struct inflate_huff *h)
{
	uint32_t entry, code = 0, first = 0, idx = 0;

	if (b->cnt < INFLATE_MAX_BITS)
		bits_fill(b);
	entry = h->fast[b->buf & ((1u << INFLATE_FAST_BITS) - 1)];
	if (likely(entry)) {
		bits_take(b, entry >> INFLATE_FAST_SHIFT);
		return (int)(entry & ((1u << INFLATE_FAST_SHIFT) - 1));
	}
	/* Longer code: walk the canonical code one bit at a time. */
	for (uint32_t len = 1; len <= INFLATE_MAX_BITS; len++) {
		uint32_t count = h->count[len];

		code |= (uint32_t)(b->buf >> (len - 1)) & 1;
		if (code - first < count) {
			bits_take(b, len);
			return h->symbol[idx + code - first];
		}
		idx += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return DECOMP_ECORRUPT;
}

static int inflate_stored(struct inflate_ctx *c)
{
	struct inflate_bits *b = &c->bits;
	size_t pos = bits_align(b);
	uint32_t len, nlen;

	if (b->len - pos < 4)
		return DECOMP_ETRUNC;
	len = b->in[pos] | (uint32_t)b->in[pos + 1] << 8;
	nlen = b->in[pos + 2] | (uint32_t)b->in[pos + 3] << 8;
	if ((len ^ 0xffff) != nlen)
		return DECOMP_ECORRUPT;
	pos += 4;
	if (b->len - pos < len)
		return DECOMP_ETRUNC;
	if (c->out_cap - c->pos < len)
		return DECOMP_ENOSPC;
	if (len) {
		memcpy(c->out + c->pos, b->in + pos, len);
		c->pos += len;
	}
	bits_restart(b, pos + len);
	return DECOMP_OK;
}

static int inflate_copy(struct inflate_ctx *c, uint32_t len, uint32_t dist)
{
	uint8_t *dst, *src;

	if (dist > c->pos)
		return DECOMP_EDIST;
	if (len > c->out_cap - c->pos)
		return DECOMP_ENOSPC;
	dst = c->out + c->pos;
	src = dst - dist;
	c->pos += len;
	if (dist >= len) {
		memcpy(dst, src, len);
		return DECOMP_OK;
	}
	while (len--)
		*dst++ = *src++;
	return DECOMP_OK;
}

/* Decodes symbols with the current tables up to the end-of-block code. */
static int inflate_codes(struct inflate_ctx *c)
{
	struct inflate_bits *b = &c->bits;
	const struct inflate_huff *lit = &c->work->lit, *dist = &c->work->dist;

	for (;;) {
		int sym = huff_decode(b, lit), dsym;
		uint32_t len;
		int err;

		if (sym < 0)
			return sym;
		if (bits_overrun(b))
			return DECOMP_ETRUNC;
		if (sym < INFLATE_END_BLOCK) {
			if (c->pos >= c->out_cap)
				return DECOMP_ENOSPC;
			c->out[c->pos++] = (uint8_t)sym;
			continue;
		}
		if (sym == INFLATE_END_BLOCK)
			return DECOMP_OK;
		sym -= INFLATE_END_BLOCK + 1;
		if (sym >= (int)ARRAY_SIZE(len_base))
			return DECOMP_ECORRUPT;
		len = len_base[sym] + bits_get(b, len_extra[sym]);
		dsym = huff_decode(b, dist);
		if (dsym < 0)
			return dsym;
		if (dsym >= INFLATE_NUM_DIST)
			return DECOMP_ECORRUPT;
		err = inflate_copy(c, len, dist_base[dsym] + bits_get(b, dist_extra[dsym]));
		if (bits_overrun(b))
			return DECOMP_ETRUNC;
		if (err)
			return err;
		/* Inside the block too: one Huffman block may fill the whole buffer (a hand-made stream can). */
		if (c->pos >= c->next_progress) {
			decomp_progress_call(&c->work->progress);
			c->next_progress = c->pos + INFLATE_PROGRESS_STEP;
		}
	}
}

static int inflate_fixed(struct inflate_ctx *c)
{
	uint8_t *lens = c->work->lens;
	int err;

	memset(lens, 8, 144);
	memset(lens + 144, 9, 112);
	memset(lens + 256, 7, 24);
	memset(lens + 280, 8, 8);
	err = huff_build(&c->work->lit, lens, INFLATE_NUM_LIT, false);
	if (err)
		return err;
	memset(lens, 5, 32);
	err = huff_build(&c->work->dist, lens, 32, false);
	return err ? err : inflate_codes(c);
}

/* Reads the literal/length and distance code lengths, coded with the code-length code in work->dist. */
static int inflate_read_lengths(struct inflate_ctx *c, uint32_t total)
{
	struct inflate_bits *b = &c->bits;
	uint8_t *lens = c->work->lens;
	uint32_t n = 0;

	while (n < total) {
		int sym = huff_decode(b, &c->work->dist);
		uint32_t rep;
		uint8_t val = 0;

		if (sym < 0)
			return sym;
		if (sym < 16) {
			lens[n++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (n == 0)
				return DECOMP_ECORRUPT;	/* nothing to repeat */
			val = lens[n - 1];
			rep = 3 + bits_get(b, 2);
		} else if (sym == 17) {
			rep = 3 + bits_get(b, 3);
		} else {
			rep = 11 + bits_get(b, 7);
		}
		if (bits_overrun(b))
			return DECOMP_ETRUNC;
		if (rep > total - n)
			return DECOMP_ECORRUPT;
		memset(lens + n, val, rep);
		n += rep;
	}
	return bits_overrun(b) ? DECOMP_ETRUNC : DECOMP_OK;
}

static int inflate_dynamic(struct inflate_ctx *c)
{
	struct inflate_bits *b = &c->bits;
	uint8_t *lens = c->work->lens;
	uint32_t nlit, ndist, nclen;
	int err;

	nlit = bits_get(b, 5) + 257;
	ndist = bits_get(b, 5) + 1;
	nclen = bits_get(b, 4) + 4;
	if (nlit > 286 || ndist > INFLATE_NUM_DIST)
		return DECOMP_ECORRUPT;
	memset(lens, 0, INFLATE_NUM_CLEN);
	for (uint32_t i = 0; i < nclen; i++)
		lens[clen_order[i]] = (uint8_t)bits_get(b, 3);
	if (bits_overrun(b))
		return DECOMP_ETRUNC;
	err = huff_build(&c->work->dist, lens, INFLATE_NUM_CLEN, false);
	if (err)
		return err;
	err = inflate_read_lengths(c, nlit + ndist);
	if (err)
		return err;
	if (lens[INFLATE_END_BLOCK] == 0)
		return DECOMP_ECORRUPT;	/* a block that cannot end */
	err = huff_build(&c->work->lit, lens, nlit, true);
	if (err)
		return err;
	err = huff_build(&c->work->dist, lens + nlit, ndist, true);
	return err ? err : inflate_codes(c);
}

static int inflate_blocks(struct inflate_ctx *c)
{
	uint32_t last;

	do {
		struct inflate_bits *b = &c->bits;
		uint32_t type;
		int err;

		last = bits_get(b, 1);
		type = bits_get(b, 2);
		if (bits_overrun(b))
			return DECOMP_ETRUNC;
		if (type == 0)
			err = inflate_stored(c);
		else if (type == 1)
			err = inflate_fixed(c);
		else if (type == 2)
			err = inflate_dynamic(c);
		else
			err = DECOMP_ECORRUPT;
		if (err)
			return err;
		if (c->pos >= c->next_progress) {
			decomp_progress_call(&c->work->progress);
			c->next_progress = c->pos + INFLATE_PROGRESS_STEP;
		}
	} while (!last);
	return DECOMP_OK;
}

/* CRC-32 of the output in 1 MiB pieces, the hook between them (a kernel is tens of MiB). */
static uint32_t inflate_crc(const struct inflate_ctx *c)
{
	uint32_t crc = 0;

	for (size_t at = 0; at < c->pos; at += INFLATE_PROGRESS_STEP) {
		crc = crc32_update(crc, c->out + at, MIN(c->pos - at, (size_t)INFLATE_PROGRESS_STEP));
		if (c->pos - at > INFLATE_PROGRESS_STEP)
			decomp_progress_call(&c->work->progress);
	}
	return crc;
}

/* Skips a zero-terminated header string; returns the offset after it or 0 when unterminated. */
static size_t gz_skip_string(const uint8_t *in, size_t len, size_t pos)
{
	while (pos < len)
		if (in[pos++] == 0)
			return pos;
	return 0;
}

/* Parses the member header; returns the offset of the deflate data or a negative error. */
static int gz_header(const uint8_t *in, size_t len, size_t *data)
{
	size_t pos = 10;
	uint8_t flg;

	if (len == 0)
		return DECOMP_ETRUNC;
	if (in[0] != 0x1f || (len > 1 && in[1] != 0x8b))
		return DECOMP_EFORMAT;
	if (len < 10)
		return DECOMP_ETRUNC;
	flg = in[3];
	if (in[2] != GZ_METHOD_DEFLATE || (flg & GZ_FRESERVED))
		return DECOMP_EUNSUPP;
	if (flg & GZ_FEXTRA) {
		size_t xlen;

		if (len - pos < 2)
			return DECOMP_ETRUNC;
		xlen = in[pos] | (size_t)in[pos + 1] << 8;
		pos += 2;
		if (len - pos < xlen)
			return DECOMP_ETRUNC;
		pos += xlen;
	}
	if ((flg & GZ_FNAME) && !(pos = gz_skip_string(in, len, pos)))
		return DECOMP_ETRUNC;
	if ((flg & GZ_FCOMMENT) && !(pos = gz_skip_string(in, len, pos)))
		return DECOMP_ETRUNC;
	if (flg & GZ_FHCRC) {
		if (len - pos < 2)
			return DECOMP_ETRUNC;
		if ((crc32_update(0, in, pos) & 0xffff) != (in[pos] | (uint32_t)in[pos + 1] << 8))
			return DECOMP_ECHECK;
		pos += 2;
	}
	*data = pos;
	return DECOMP_OK;
}

static int gz_member(struct inflate_ctx *c, size_t *in_pos)
{
	const uint8_t *in = c->bits.in;
	size_t len = c->bits.len, pos;
	uint32_t crc, isize;
	int err = gz_header(in, len, &pos);

	if (err)
		return err;
	*in_pos = pos;
	bits_restart(&c->bits, pos);
	err = inflate_blocks(c);
	*in_pos = bits_align(&c->bits);
	if (err)
		return err;
	pos = *in_pos;
	if (len - pos < 8)
		return DECOMP_ETRUNC;
	crc = in[pos] | (uint32_t)in[pos + 1] << 8 | (uint32_t)in[pos + 2] << 16 | (uint32_t)in[pos + 3] << 24;
	isize = in[pos + 4] | (uint32_t)in[pos + 5] << 8 | (uint32_t)in[pos + 6] << 16 |
		(uint32_t)in[pos + 7] << 24;
	if (crc != inflate_crc(c) || isize != (uint32_t)c->pos)
		return DECOMP_ECHECK;
	*in_pos = pos + 8;
	return DECOMP_OK;
}

int gunzip_buf_progress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
			size_t *in_used, struct gunzip_work *work, void (*fn)(void *ctx), void *ctx)
{
	struct inflate_ctx c = {
		.bits = { .in = in, .len = in_len },
		.out = out, .out_cap = out_cap, .pos = 0, .next_progress = INFLATE_PROGRESS_STEP, .work = work,
	};
	size_t used = 0;
	int err;

	if (!in || !work || (!out && out_cap)) {
		err = DECOMP_EINVAL;
	} else {
		work->progress.fn = fn;
		work->progress.ctx = ctx;
		err = gz_member(&c, &used);
	}
	if (out_len)
		*out_len = c.pos;
	if (in_used)
		*in_used = used;
	return err;
}

int gunzip_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	       size_t *out_len, size_t *in_used, struct gunzip_work *work)
{
	return gunzip_buf_progress(in, in_len, out, out_cap, out_len, in_used, work, NULL, NULL);
}

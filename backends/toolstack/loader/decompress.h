/* SPDX-License-Identifier: MIT */
/* Single-call gzip, xz (LZMA2, x86 BCJ) and lz4 (legacy container) decompressors into a flat buffer, for unwrapping guest kernels. */
#ifndef LOADER_DECOMPRESS_H
#define LOADER_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Both decoders work the same way:
 *
 *  - The whole compressed input is in memory (in, in_len) and the whole
 *    output goes to one flat buffer (out, out_cap). The output buffer is
 *    the LZ77/LZMA dictionary: there is no separate window, so a match may
 *    reach back anywhere in what was produced so far (for xz: since the
 *    last dictionary reset of the current block), and never further.
 *  - No allocation and no global mutable state: everything mutable lives
 *    in a caller-provided work struct, so several CPUs may decompress at
 *    once with one work struct each. Stack use per call is under 1 KiB
 *    (the freestanding build checks each frame with -Wstack-usage=512).
 *  - The input is hostile. Every read is bounded by in_len, every write by
 *    out_cap, every loop by the input or output size. Corrupt input gives
 *    a negative DECOMP_E* code, never a read or write outside the buffers.
 *  - On success the return value is 0, *out_len is the number of bytes
 *    written and *in_used the number of input bytes consumed (one gzip
 *    member or one xz stream; trailing bytes are left to the caller, e.g.
 *    the 4-byte size Linux appends to its xz payload). On failure
 *    *out_len and *in_used tell roughly how far the decoder got (for xz,
 *    offsets at the start of the failing block or its data), and the
 *    contents of out are unspecified. Any of out_len / in_used may be NULL.
 */

/* Error codes: all negative; decompress_strerror() names each one. */
#define DECOMP_OK		0
#define DECOMP_EINVAL		(-1)	/* NULL pointer or unusable argument */
#define DECOMP_EFORMAT		(-2)	/* not this format (bad magic) */
#define DECOMP_ETRUNC		(-3)	/* input ended before the stream did */
#define DECOMP_ECORRUPT		(-4)	/* invalid compressed data */
#define DECOMP_ECHECK		(-5)	/* CRC or size check failed */
#define DECOMP_ENOSPC		(-6)	/* output does not fit in out_cap */
#define DECOMP_EUNSUPP		(-7)	/* valid but unsupported option (filter, check, flag) */
#define DECOMP_EHEADER		(-8)	/* malformed container header/footer/index */
#define DECOMP_EDIST		(-9)	/* match distance reaches before the output start */

/* Returns a static, human-readable message for any return value of this API. */
const char *decompress_strerror(int err);

/* CRC-32 (IEEE 802.3, as in gzip and xz): pass 0 to start; returns the updated CRC. */
uint32_t crc32_update(uint32_t crc, const uint8_t *buf, size_t len);
/* CRC-64 (ECMA-182, as in xz): pass 0 to start; returns the updated CRC. */
uint64_t crc64_update(uint64_t crc, const uint8_t *buf, size_t len);
/* SHA-256 of one whole buffer (xz's strongest block check). */
void sha256_buf(const uint8_t *data, size_t len, uint8_t digest[32]);

/*
 * A hook a decoder calls between its steps (LZMA2 chunks of at most 2 MiB
 * of output, 1 MiB pieces of a block's check and of the BCJ pass; deflate
 * blocks once 1 MiB more was produced, 1 MiB pieces of gzip's CRC-32), so
 * a program with other work (dom0's event loop) need not wait for a whole
 * kernel. fn NULL: none.
 */
struct decomp_progress {
	void (*fn)(void *ctx);
	void *ctx;
};

static inline void decomp_progress_call(const struct decomp_progress *p)
{
	if (p && p->fn)
		p->fn(p->ctx);
}

/* ---------------------------------------------------------------- gzip -- */

/* Huffman decoding table for one alphabet: a direct lookup for short codes, canonical walk for the rest. */
#define INFLATE_FAST_BITS	9
struct inflate_huff {
	uint16_t fast[1 << INFLATE_FAST_BITS];	/* (len << 12) | symbol; 0 = code longer than FAST_BITS */
	uint16_t count[16];			/* number of codes of each bit length */
	uint16_t symbol[288];			/* symbols ordered by (length, value) */
};

/* Work area for gunzip_buf: 3,600 bytes (at most 4 KiB, asserted); contents need no initialising. */
struct gunzip_work {
	struct inflate_huff lit;	/* literal/length codes */
	struct inflate_huff dist;	/* distance codes */
	uint8_t lens[320];		/* code lengths while building the dynamic tables */
	struct decomp_progress progress;	/* set by gunzip_buf / gunzip_buf_progress */
};

/*
 * Decompresses one gzip member (RFC 1952 header with FEXTRA, FNAME,
 * FCOMMENT and FHCRC; RFC 1951 stored, fixed and dynamic blocks) and checks
 * its CRC-32 and ISIZE. Reserved flag bits and methods other than deflate
 * give DECOMP_EUNSUPP.
 */
int gunzip_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	       size_t *out_len, size_t *in_used, struct gunzip_work *work);
/* The same, calling fn(ctx) between its steps (struct decomp_progress). */
int gunzip_buf_progress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
			size_t *in_used, struct gunzip_work *work, void (*fn)(void *ctx), void *ctx);

/* ------------------------------------------------------------------ xz -- */

/* LZMA probability model sizes (LZMA2 limits lc + lp to 4). */
#define LZMA_STATES		12
#define LZMA_POS_STATES_MAX	16
#define LZMA_LEN_LOW_SYMS	8
#define LZMA_LEN_MID_SYMS	8
#define LZMA_LEN_HIGH_SYMS	256
#define LZMA_DIST_STATES	4
#define LZMA_DIST_SLOTS		64
#define LZMA_FULL_DISTANCES	128
#define LZMA_DIST_MODEL_END	14
#define LZMA_ALIGN_SIZE		16
#define LZMA_LITERAL_CODER_SIZE	0x300
#define LZMA_LCLP_MAX		4

/* One length decoder (match lengths or repeated-match lengths). */
struct lzma_len_probs {
	uint16_t choice;
	uint16_t choice2;
	uint16_t low[LZMA_POS_STATES_MAX][LZMA_LEN_LOW_SYMS];
	uint16_t mid[LZMA_POS_STATES_MAX][LZMA_LEN_MID_SYMS];
	uint16_t high[LZMA_LEN_HIGH_SYMS];
};

/* All adaptive probabilities of the LZMA model; reset on every LZMA2 state reset. */
struct lzma_probs {
	uint16_t is_match[LZMA_STATES][LZMA_POS_STATES_MAX];
	uint16_t is_rep[LZMA_STATES];
	uint16_t is_rep0[LZMA_STATES];
	uint16_t is_rep1[LZMA_STATES];
	uint16_t is_rep2[LZMA_STATES];
	uint16_t is_rep0_long[LZMA_STATES][LZMA_POS_STATES_MAX];
	uint16_t dist_slot[LZMA_DIST_STATES][LZMA_DIST_SLOTS];
	uint16_t dist_special[LZMA_FULL_DISTANCES - LZMA_DIST_MODEL_END];
	uint16_t dist_align[LZMA_ALIGN_SIZE];
	struct lzma_len_probs match_len;
	struct lzma_len_probs rep_len;
	uint16_t literal[LZMA_LITERAL_CODER_SIZE << LZMA_LCLP_MAX];
};

/* LZMA decoder state that survives from one LZMA2 chunk to the next. */
struct lzma_state {
	uint32_t state;		/* 0..11: what the last few symbols were */
	uint32_t rep[4];	/* last four match distances, minus one */
	uint32_t lc, lp, pb;	/* literal context / literal position / position bits */
};

/* Work area for unxz_buf: 28,300 bytes (at most 32 KiB, asserted); contents need no initialising. */
struct unxz_work {
	struct lzma_state lzma;
	struct lzma_probs probs;
	struct decomp_progress progress;	/* set by unxz_buf / unxz_buf_progress */
};

/*
 * Decompresses one .xz stream: stream header and footer (CRC-32 checked),
 * any number of blocks whose filter chain is LZMA2 alone or x86 BCJ then
 * LZMA2, per-block checks of type none, CRC-32, CRC-64 or SHA-256 (all
 * verified; other check types give DECOMP_EUNSUPP), and the index (record
 * count, every record's unpadded and uncompressed size, its CRC-32, and the
 * footer's backward size). Stream padding or concatenated streams after the
 * footer are not consumed: *in_used tells where the stream ended.
 * The LZMA2 dictionary size in the filter properties is not enforced, as
 * the whole output is the dictionary.
 */
int unxz_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	     size_t *out_len, size_t *in_used, struct unxz_work *work);
/* The same, calling fn(ctx) between its steps (struct decomp_progress). */
int unxz_buf_progress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
		      size_t *in_used, struct unxz_work *work, void (*fn)(void *ctx), void *ctx);

/*
 * Reads the uncompressed size of the one .xz stream that ends exactly at
 * in + in_len (strip Linux's appended 4-byte size first) from its footer
 * and index, without decoding, so the caller can size the output buffer.
 * Checks the footer and index CRC-32s; unxz_buf re-verifies everything.
 */
int unxz_uncompressed_size(const uint8_t *in, size_t in_len, uint64_t *size);

/*
 * Decodes raw LZMA2 data (no container) into out[0..out_cap), as used
 * inside one xz block. Returns 0 with *out_len and *in_used set, or a
 * negative DECOMP_E* code. Exposed for tests and for the xz container.
 */
int lzma2_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
		 size_t *out_len, size_t *in_used, struct unxz_work *work);
/* The same with work->progress called between chunks (the xz container's). */
int lzma2_decode_chunks(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
			size_t *out_len, size_t *in_used, struct unxz_work *work);

/* Undoes the x86 BCJ filter in place; start is the stream offset of buf[0]. */
void bcj_x86_decode(uint8_t *buf, size_t len, uint32_t start);
/* The same, calling p between 1 MiB pieces (p may be NULL). */
void bcj_x86_decode_progress(uint8_t *buf, size_t len, uint32_t start, const struct decomp_progress *p);

/* ----------------------------------------------------------------- lz4 -- */

/*
 * Decompresses LZ4 data in the legacy container (magic 0x184c2102, then
 * blocks of a 32-bit compressed size and an independent LZ4 block of at
 * most 8 MiB of output; a repeated magic starts a concatenated stream), as
 * Linux's lz4 kernels and the kernels skiff-xl prepares for dom0 carry it.
 * The container has no end marker and no check: all of in_len is consumed
 * (strip Linux's appended 4-byte size first) and the caller compares
 * *out_len with the size it expects. fn(ctx), if fn is set, is called
 * every 1 MiB of output. Needs no work area.
 */
int unlz4_legacy_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
		     size_t *in_used, void (*fn)(void *ctx), void *ctx);

#endif

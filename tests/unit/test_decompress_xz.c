/* SPDX-License-Identifier: MIT */
/* unxz_buf against the host's xz: byte-exact round trips, truncation, corruption, small buffers, bad containers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decompress.h>
#include "test_decompress_util.h"

struct xz_variant {
	const char *name;
	const char *cmd;
	int checked;		/* the stream carries a CRC we verify */
};

static const struct xz_variant xz_variants[] = {
	{ "default", "xz -c", 1 },
	{ "x86", "xz -c --x86 --lzma2", 1 },
	{ "kernel", "xz -c --check=crc32 --x86 --lzma2=dict=32MiB", 1 },
	{ "crc64", "xz -c --check=crc64", 1 },
	{ "none", "xz -c --check=none", 0 },
	{ "sha256", "xz -c --check=sha256", 1 },
	{ "blocks", "xz -c --block-size=65536", 1 },
	{ "blocks-x86-crc64", "xz -c --x86 --lzma2 --check=crc64 --block-size=100000", 1 },
	{ "threaded-sized", "xz -c -T2 --block-size=131072", 1 },
	{ "preset0", "xz -c -0", 1 },
	{ "lc1-lp3-pb4", "xz -c --lzma2=lc=1,lp=3,pb=4", 1 },
	{ "lc4-pb0", "xz -c --lzma2=lc=4,lp=0,pb=0", 1 },
	{ "x86-start", "xz -c --x86=start=4096 --lzma2", 1 },
	{ "extreme", "xz -c -6e", 1 },
};
#define XZ_NVARIANTS ARRAY_SIZE(xz_variants)

static struct unxz_work xz_work;

static uint8_t *xz_compress(const char *cmd, const uint8_t *in, size_t len, size_t *clen)
{
	return td_run_filter(cmd, in, len, clen);
}

START_TEST(test_xz_roundtrip)
{
	enum td_kind kind = (enum td_kind)(_i / XZ_NVARIANTS);
	const struct xz_variant *v = &xz_variants[_i % XZ_NVARIANTS];
	size_t len, clen, out_len = 12345, used = 0;
	uint8_t *in = td_input(kind, &len);
	uint8_t *xz = xz_compress(v->cmd, in, len, &clen);
	struct td_outbuf o;
	int r;

	td_outbuf_init(&o, len);
	r = unxz_buf(xz, clen, o.buf, o.cap, &out_len, &used, &xz_work);
	ck_assert_msg(r == 0, "%s/%s: %s", td_kind_name(kind), v->name, decompress_strerror(r));
	ck_assert_uint_eq(out_len, len);
	ck_assert_uint_eq(used, clen);
	ck_assert_msg(memcmp(o.buf, in, len) == 0, "%s/%s: output differs", td_kind_name(kind), v->name);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(xz);
	free(in);
}
END_TEST

/* Every cut of a stream must fail: the footer, index and block sizes make a short stream detectable. */
static void xz_check_truncations(enum td_kind kind, const char *cmd, size_t prefix)
{
	size_t len, clen;
	uint8_t *in = td_input(kind, &len);
	uint8_t *xz;
	struct td_outbuf o;

	if (prefix && prefix < len)
		len = prefix;
	xz = xz_compress(cmd, in, len, &clen);
	td_outbuf_init(&o, len);
	for (size_t cut = 0; cut < clen; cut += (cut < 256 || clen - cut < 256) ? 1 : 97) {
		size_t out_len, used;
		int r = unxz_buf(xz, cut, o.buf, o.cap, &out_len, &used, &xz_work);

		ck_assert_msg(r < 0, "cut at %zu of %zu decoded", cut, clen);
		ck_assert_uint_le(out_len, len);
		ck_assert_uint_le(used, cut);
		ck_assert(td_guard_ok(&o));
	}
	td_outbuf_free(&o);
	free(xz);
	free(in);
}

/*
 * The progress hook (dom0 serves other guests from it during a long
 * decompression): called between LZMA2 chunks, so at least once per 2 MiB
 * of output, the output unchanged; plain unxz_buf on the same work area calls none.
 */
START_TEST(test_xz_progress_hook)
{
	size_t len = 6u << 20, clen, out_len = 0, used = 0;
	uint8_t *in = malloc(len), *xz;
	struct td_outbuf o;

	for (size_t i = 0; i < len; i++)
		in[i] = (uint8_t)((i * 2654435761u) >> 13);
	xz = xz_compress("xz -c -1", in, len, &clen);
	td_outbuf_init(&o, len);
	ck_assert_int_eq(unxz_buf_progress(xz, clen, o.buf, o.cap, &out_len, &used, &xz_work, td_count_progress,
					   &td_progress_calls), 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert(memcmp(o.buf, in, len) == 0);
	ck_assert_uint_ge(td_progress_calls, len >> 21);
	td_progress_calls = 0;
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(td_progress_calls, 0);
	td_outbuf_free(&o);
	free(xz);
	free(in);
}
END_TEST

START_TEST(test_xz_truncated)
{
	xz_check_truncations(TD_X86_BINARY, "xz -c --check=crc32 --x86 --lzma2", 64 * 1024);
	xz_check_truncations(TD_TEXT_SMALL, "xz -c", 0);
	xz_check_truncations(TD_REPETITIVE, "xz -c --block-size=8192 --check=crc64", 40000);
	xz_check_truncations(TD_ONE_BYTE, "xz -c --check=none", 0);
}
END_TEST

/* Single-byte corruptions: each must give an error or, for checked streams, exactly the right output. */
static void xz_check_flips(enum td_kind kind, const char *cmd, size_t prefix, int checked, unsigned int flips)
{
	size_t len, clen;
	uint8_t *in = td_input(kind, &len);
	uint8_t *xz, *bad;
	uint64_t seed = 0xf11bf11bull + flips;
	unsigned int errors = 0, kinds[1 - DECOMP_EDIST] = { 0 };
	struct td_outbuf o;

	if (prefix && prefix < len)
		len = prefix;
	xz = xz_compress(cmd, in, len, &clen);
	bad = malloc(clen);
	ck_assert_ptr_nonnull(bad);
	td_outbuf_init(&o, len);
	for (unsigned int i = 0; i < flips; i++) {
		size_t at = (size_t)(td_rand(&seed) % clen), out_len, used;
		uint8_t x = (uint8_t)(1 + td_rand(&seed) % 255);
		int r;

		memcpy(bad, xz, clen);
		bad[at] ^= x;
		r = unxz_buf(bad, clen, o.buf, o.cap, &out_len, &used, &xz_work);
		ck_assert(td_guard_ok(&o));
		ck_assert_uint_le(used, clen);
		if (r < 0) {
			errors++;
			if (r >= DECOMP_EDIST)
				kinds[-r]++;
			continue;
		}
		ck_assert_msg(out_len == len, "flip at %zu: success with %zu bytes, want %zu", at, out_len, len);
		if (checked)
			ck_assert_msg(memcmp(o.buf, in, len) == 0, "flip at %zu: wrong output passed the check", at);
	}
	/* Most flips must be caught; a decoder that ignores its input would not be. */
	ck_assert_uint_ge(errors, flips * 9 / 10);
	fprintf(stderr, "%s: %u flips, %u errors: corrupt %u, dist %u, check %u, header %u, trunc %u\n",
		cmd, flips, errors, kinds[-DECOMP_ECORRUPT], kinds[-DECOMP_EDIST], kinds[-DECOMP_ECHECK],
		kinds[-DECOMP_EHEADER], kinds[-DECOMP_ETRUNC]);
	/* Each line of defence must have fired at least once (this is how a dropped check shows up). */
	if (flips >= 1000) {
		ck_assert_uint_gt(kinds[-DECOMP_ECORRUPT], 0);
		ck_assert_uint_gt(kinds[-DECOMP_EDIST], 0);
		ck_assert_uint_gt(kinds[-DECOMP_ECHECK], 0);
	}
	td_outbuf_free(&o);
	free(bad);
	free(xz);
	free(in);
}

START_TEST(test_xz_corrupt_kernel_style)
{
	xz_check_flips(TD_X86_BINARY, "xz -c --check=crc32 --x86 --lzma2=dict=32MiB", 48 * 1024, 1,
		       td_flip_count(2000));
}
END_TEST

START_TEST(test_xz_corrupt_multiblock)
{
	xz_check_flips(TD_REPETITIVE, "xz -c --check=crc64 --block-size=16384", 64 * 1024, 1,
		       td_flip_count(1000));
}
END_TEST

START_TEST(test_xz_corrupt_sha256)
{
	xz_check_flips(TD_TEXT_SMALL, "xz -c --check=sha256", 0, 1, td_flip_count(500));
}
END_TEST

START_TEST(test_xz_corrupt_unchecked)
{
	xz_check_flips(TD_TEXT_SMALL, "xz -c --check=none", 0, 0, td_flip_count(1000));
}
END_TEST

START_TEST(test_xz_out_too_small)
{
	size_t len, clen;
	uint8_t *in = td_input(TD_X86_BINARY, &len);
	uint8_t *xz = xz_compress("xz -c --x86 --lzma2", in, len, &clen);
	const size_t caps[] = { 0, 1, 4096, len / 2, len - 1 };

	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		struct td_outbuf o;
		size_t out_len;
		int r;

		td_outbuf_init(&o, caps[i]);
		r = unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work);
		ck_assert_int_eq(r, DECOMP_ENOSPC);
		ck_assert_uint_le(out_len, caps[i]);
		ck_assert(td_guard_ok(&o));
		td_outbuf_free(&o);
	}
	free(xz);
	free(in);
}
END_TEST

/* Linux appends the uncompressed size after its xz stream; a second stream may follow too. */
START_TEST(test_xz_trailing_data)
{
	size_t len, clen1, clen2, out_len, used;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	uint8_t *a = xz_compress("xz -c", in, len, &clen1);
	uint8_t *b = xz_compress("xz -c --check=crc64", in, 100, &clen2);
	uint8_t *cat = malloc(clen1 + clen2 + 4);
	struct td_outbuf o;

	ck_assert_ptr_nonnull(cat);
	memcpy(cat, a, clen1);
	memcpy(cat + clen1, "\x10\x20\x30\x00", 4);
	td_outbuf_init(&o, len);
	ck_assert_int_eq(unxz_buf(cat, clen1 + 4, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(used, clen1);
	ck_assert_uint_eq(out_len, len);
	memcpy(cat + clen1, b, clen2);
	ck_assert_int_eq(unxz_buf(cat, clen1 + clen2, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(used, clen1);
	ck_assert_int_eq(memcmp(o.buf, in, len), 0);
	ck_assert_int_eq(unxz_buf(cat + clen1, clen2, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(out_len, 100);
	ck_assert_uint_eq(used, clen2);
	td_outbuf_free(&o);
	free(cat);
	free(a);
	free(b);
	free(in);
}
END_TEST

static int xz_decode_cmd(const char *cmd, size_t len)
{
	size_t ilen, clen, out_len;
	uint8_t *in = td_input(TD_X86_BINARY, &ilen);
	uint8_t *xz = xz_compress(cmd, in, MIN(len, ilen), &clen);
	struct td_outbuf o;
	int r;

	td_outbuf_init(&o, ilen);
	r = unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(xz);
	free(in);
	return r;
}

START_TEST(test_xz_unsupported)
{
	ck_assert_int_eq(xz_decode_cmd("xz -c --delta=dist=4 --lzma2", 5000), DECOMP_EUNSUPP);
	ck_assert_int_eq(xz_decode_cmd("xz -c --arm --lzma2", 5000), DECOMP_EUNSUPP);
	ck_assert_int_eq(xz_decode_cmd("xz -c --x86 --delta --lzma2", 5000), DECOMP_EUNSUPP);
	ck_assert_int_eq(xz_decode_cmd("xz -c --format=lzma", 5000), DECOMP_EFORMAT);
	ck_assert_int_eq(xz_decode_cmd("gzip -c", 5000), DECOMP_EFORMAT);
}
END_TEST

START_TEST(test_xz_bad_container)
{
	size_t len, clen, out_len;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	uint8_t *xz = xz_compress("xz -c", in, len, &clen);
	struct td_outbuf o;

	td_outbuf_init(&o, len);
	ck_assert_int_eq(unxz_buf(xz, 0, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_ETRUNC);
	ck_assert_int_eq(unxz_buf(xz, 3, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_ETRUNC);
	ck_assert_int_eq(unxz_buf((const uint8_t *)"PK\x03", 3, o.buf, o.cap, &out_len, NULL, &xz_work),
			 DECOMP_EFORMAT);
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, NULL), DECOMP_EINVAL);
	ck_assert_int_eq(unxz_buf(xz, clen, NULL, 10, &out_len, NULL, &xz_work), DECOMP_EINVAL);
	xz[0] ^= 1;
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_EFORMAT);
	xz[0] ^= 1;
	xz[7] ^= 0x02;		/* check type changed: header CRC no longer matches */
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_ECHECK);
	xz[7] ^= 0x02;
	xz[clen - 1] ^= 0xff;	/* footer magic */
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_EHEADER);
	xz[clen - 1] ^= 0xff;
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), 0);
	td_outbuf_free(&o);
	free(xz);
	free(in);
}
END_TEST

START_TEST(test_xz_uncompressed_size)
{
	static const struct { enum td_kind kind; const char *cmd; } cases[] = {
		{ TD_EMPTY, "xz -c" }, { TD_TEXT_SMALL, "xz -c --check=none" },
		{ TD_REPETITIVE, "xz -c --block-size=50000" }, { TD_RANDOM, "xz -c -T2 --block-size=100000" },
		{ TD_X86_BINARY, "xz -c --check=crc32 --x86 --lzma2=dict=32MiB" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len, clen;
		uint8_t *in = td_input(cases[i].kind, &len);
		uint8_t *xz = xz_compress(cases[i].cmd, in, len, &clen);
		uint8_t *longer = malloc(clen + 4);
		uint64_t size = 0;

		ck_assert_ptr_nonnull(longer);
		ck_assert_int_eq(unxz_uncompressed_size(xz, clen, &size), 0);
		ck_assert_uint_eq(size, len);
		/* The stream must end exactly at in_len. */
		memcpy(longer, xz, clen);
		memcpy(longer + clen, "\x01\x02\x03\x04", 4);
		ck_assert_int_lt(unxz_uncompressed_size(longer, clen + 4, &size), 0);
		ck_assert_int_lt(unxz_uncompressed_size(xz, clen - 1, &size), 0);
		xz[clen - 14] ^= 0x10;		/* last byte of the index CRC */
		ck_assert_int_eq(unxz_uncompressed_size(xz, clen, &size), DECOMP_EHEADER);
		free(longer);
		free(xz);
		free(in);
	}
	ck_assert_int_eq(unxz_uncompressed_size((const uint8_t *)"\x1f\x8b", 2, (uint64_t[1]){ 0 }),
			 DECOMP_EFORMAT);
}
END_TEST

/* An empty stream needs no output buffer at all. */
START_TEST(test_xz_empty_null_out)
{
	static const char *cmds[] = { "xz -c", "xz -c --x86 --lzma2 --check=sha256", "xz -c --check=none" };
	size_t clen, out_len = 1, used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		uint8_t *xz = xz_compress(cmds[i], (const uint8_t *)"", 0, &clen);

		ck_assert_int_eq(unxz_buf(xz, clen, NULL, 0, &out_len, &used, &xz_work), 0);
		ck_assert_uint_eq(out_len, 0);
		ck_assert_uint_eq(used, clen);
		free(xz);
	}
}
END_TEST

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An index that disagrees with the blocks is caught even when its own CRC is made to match. */
START_TEST(test_xz_index_mismatch)
{
	size_t len, clen, out_len, isize, istart;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	uint8_t *xz = xz_compress("xz -c --check=crc32", in, len, &clen);
	uint8_t *f;
	struct td_outbuf o;

	f = xz + clen - 12;
	isize = ((size_t)(f[4] | f[5] << 8 | f[6] << 16 | (uint32_t)f[7] << 24) + 1) * 4;
	istart = clen - 12 - isize;
	ck_assert_uint_eq(xz[istart], 0x00);	/* index indicator */
	ck_assert_uint_eq(xz[istart + 1], 1);	/* one record */
	/* Record: unpadded size (2-byte VLI for this input), then uncompressed size (2 bytes). */
	ck_assert(xz[istart + 2] & 0x80);
	ck_assert(xz[istart + 4] & 0x80);
	xz[istart + 4] ^= 0x01;			/* uncompressed size off by one */
	put_le32(xz + clen - 12 - 4, crc32_update(0, xz + istart, isize - 4));
	td_outbuf_init(&o, len + 16);
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_ECHECK);
	xz[istart + 4] ^= 0x01;
	put_le32(xz + clen - 12 - 4, crc32_update(0, xz + istart, isize - 4));
	ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), 0);
	td_outbuf_free(&o);
	free(xz);
	free(in);
}
END_TEST

/* A damaged check field (just before the index) is caught for every verified check type. */
START_TEST(test_xz_check_field)
{
	static const struct { const char *cmd; size_t size; } kinds[] = {
		{ "xz -c --check=crc32", 4 }, { "xz -c --check=crc64", 8 }, { "xz -c --check=sha256", 32 },
	};
	size_t len, out_len;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	struct td_outbuf o;

	td_outbuf_init(&o, len);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		size_t clen, isize, istart;
		uint8_t *xz = xz_compress(kinds[k].cmd, in, len, &clen);
		uint8_t *f = xz + clen - 12;

		isize = ((size_t)(f[4] | f[5] << 8 | f[6] << 16 | (uint32_t)f[7] << 24) + 1) * 4;
		istart = clen - 12 - isize;
		for (size_t i = 1; i <= kinds[k].size; i += 3) {
			xz[istart - i] ^= 0x40;
			ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), DECOMP_ECHECK);
			xz[istart - i] ^= 0x40;
		}
		ck_assert_int_eq(unxz_buf(xz, clen, o.buf, o.cap, &out_len, NULL, &xz_work), 0);
		free(xz);
	}
	td_outbuf_free(&o);
	free(in);
}
END_TEST

START_TEST(test_lzma2_raw)
{
	size_t len, clen, out_len, used;
	uint8_t *in = td_input(TD_REPETITIVE, &len);
	uint8_t *raw = xz_compress("xz -c --format=raw --lzma2=preset=6", in, len, &clen);
	struct td_outbuf o;

	td_outbuf_init(&o, len);
	ck_assert_int_eq(lzma2_decode(raw, clen, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert_uint_eq(used, clen);
	ck_assert_int_eq(memcmp(o.buf, in, len), 0);
	/* A stream whose first chunk does not reset the dictionary is invalid. */
	ck_assert_int_eq(lzma2_decode((const uint8_t *)"\x02\x00\x00x\x00", 5, o.buf, o.cap,
				      &out_len, &used, &xz_work), DECOMP_ECORRUPT);
	/* Uncompressed chunks alone: "ab" then "cd" then end. */
	ck_assert_int_eq(lzma2_decode((const uint8_t *)"\x01\x00\x01" "ab" "\x02\x00\x01" "cd" "\x00", 11,
				      o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(out_len, 4);
	ck_assert_int_eq(memcmp(o.buf, "abcd", 4), 0);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(raw);
	free(in);
}
END_TEST

/*
 * A dictionary reset in the middle: after it the previous byte counts as
 * zero for the literal context, whatever the buffer holds before it. The
 * 3-byte uncompressed chunk in front has its top bits set so a decoder
 * that looked back across the reset would pick other literal
 * probabilities (lc=1) and go wrong.
 */
START_TEST(test_lzma2_dict_reset_midway)
{
	size_t len, clen, out_len, used;
	uint8_t *in = td_input(TD_X86_BINARY, &len);
	uint8_t *raw, *cat;
	struct td_outbuf o;

	len = MIN(len, (size_t)50000);
	raw = xz_compress("xz -c --format=raw --lzma2=lc=1,lp=2,pb=2", in, len, &clen);
	ck_assert_uint_ge(raw[0], 0xe0);	/* the encoder starts with a dictionary reset */
	cat = malloc(clen + 6);
	ck_assert_ptr_nonnull(cat);
	memcpy(cat, "\x01\x00\x02\xff\xfe\xfd", 6);
	memcpy(cat + 6, raw, clen);
	td_outbuf_init(&o, len + 3);
	ck_assert_int_eq(lzma2_decode(cat, clen + 6, o.buf, o.cap, &out_len, &used, &xz_work), 0);
	ck_assert_uint_eq(out_len, len + 3);
	ck_assert_uint_eq(used, clen + 6);
	ck_assert_int_eq(memcmp(o.buf, "\xff\xfe\xfd", 3), 0);
	ck_assert_int_eq(memcmp(o.buf + 3, in, len), 0);
	td_outbuf_free(&o);
	free(cat);
	free(raw);
	free(in);
}
END_TEST

START_TEST(test_bcj_x86_known)
{
	/* call with stored absolute target 0x1000 at offset 0: relative = 0x1000 - 5. */
	uint8_t call[8] = { 0xe8, 0x00, 0x10, 0x00, 0x00, 0x90, 0x90, 0x90 };
	/* Same at stream offset 0x2000 (filter start), target below: a negative relative jump. */
	uint8_t jmp[5] = { 0xe9, 0x00, 0x10, 0x00, 0x00 };
	/* Operand top byte 0x12 is not a near branch: left alone. */
	uint8_t far[5] = { 0xe8, 0x00, 0x10, 0x00, 0x12 };

	bcj_x86_decode(call, sizeof(call), 0);
	ck_assert_uint_eq(call[1], 0xfb);
	ck_assert_uint_eq(call[2], 0x0f);
	ck_assert_uint_eq(call[3], 0x00);
	ck_assert_uint_eq(call[4], 0x00);
	bcj_x86_decode(jmp, sizeof(jmp), 0x2000);
	/* 0x1000 - 0x2005 = -0x1005 = 0xffffeffb */
	ck_assert_uint_eq(jmp[1], 0xfb);
	ck_assert_uint_eq(jmp[2], 0xef);
	ck_assert_uint_eq(jmp[3], 0xff);
	ck_assert_uint_eq(jmp[4], 0xff);
	bcj_x86_decode(far, sizeof(far), 0);
	ck_assert_uint_eq(far[1], 0x00);
	ck_assert_uint_eq(far[4], 0x12);
}
END_TEST

static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0xedb88320u : 0);
	}
	return ~c;
}

static uint64_t ref_crc64(const uint8_t *p, size_t n)
{
	uint64_t c = ~0ull;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? 0xc96c5795d7870f42ull : 0);
	}
	return ~c;
}

START_TEST(test_crc)
{
	const uint8_t *check = (const uint8_t *)"123456789";
	uint8_t buf[4099];
	uint64_t seed = 7;

	ck_assert_uint_eq(crc32_update(0, check, 9), 0xcbf43926u);
	ck_assert_uint_eq(crc64_update(0, check, 9), 0x995dc9bbdf1939faull);
	ck_assert_uint_eq(crc32_update(0, check, 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)td_rand(&seed);
	ck_assert_uint_eq(crc32_update(0, buf, sizeof(buf)), ref_crc32(buf, sizeof(buf)));
	ck_assert_uint_eq(crc64_update(0, buf, sizeof(buf)), ref_crc64(buf, sizeof(buf)));
	ck_assert_uint_eq(crc32_update(crc32_update(0, buf, 1000), buf + 1000, sizeof(buf) - 1000),
			  ref_crc32(buf, sizeof(buf)));
	ck_assert_uint_eq(crc64_update(crc64_update(0, buf, 17), buf + 17, sizeof(buf) - 17),
			  ref_crc64(buf, sizeof(buf)));
	/* The sliced CRC-32 path: every start alignment and every tail length. */
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n < 41; n++)
			ck_assert_uint_eq(crc32_update(0, buf + off, n), ref_crc32(buf + off, n));
}
END_TEST

static void hex_digest(const uint8_t *d, char *hex)
{
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

START_TEST(test_sha256)
{
	static const size_t lens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100003 };
	uint8_t d[32], *buf = malloc(100003);
	char hex[65];
	uint64_t seed = 99;

	ck_assert_ptr_nonnull(buf);
	sha256_buf((const uint8_t *)"abc", 3, d);
	hex_digest(d, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (size_t i = 0; i < 100003; i++)
		buf[i] = (uint8_t)td_rand(&seed);
	/* Every padding case against the host's sha256sum. */
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t olen;
		uint8_t *ref = td_run_filter("sha256sum", buf, lens[i], &olen);

		ck_assert_uint_ge(olen, 64);
		sha256_buf(buf, lens[i], d);
		hex_digest(d, hex);
		ck_assert_msg(memcmp(hex, ref, 64) == 0, "length %zu: %s", lens[i], hex);
		free(ref);
	}
	free(buf);
}
END_TEST

START_TEST(test_strerror)
{
	const int codes[] = {
		DECOMP_OK, DECOMP_EINVAL, DECOMP_EFORMAT, DECOMP_ETRUNC, DECOMP_ECORRUPT,
		DECOMP_ECHECK, DECOMP_ENOSPC, DECOMP_EUNSUPP, DECOMP_EHEADER, DECOMP_EDIST,
	};
	const char *unknown = decompress_strerror(-1000);

	ck_assert_ptr_nonnull(unknown);
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		const char *s = decompress_strerror(codes[i]);

		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, unknown);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(s, decompress_strerror(codes[j]));
	}
}
END_TEST

static Suite *xz_suite(void)
{
	Suite *s = suite_create("decompress_xz");
	TCase *tc = tcase_create("xz");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_xz_progress_hook);
	tcase_add_test(tc, test_crc);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_bcj_x86_known);
	tcase_add_test(tc, test_lzma2_raw);
	tcase_add_test(tc, test_lzma2_dict_reset_midway);
	tcase_add_loop_test(tc, test_xz_roundtrip, 0, (int)(TD_KINDS * XZ_NVARIANTS));
	tcase_add_test(tc, test_xz_truncated);
	tcase_add_test(tc, test_xz_corrupt_kernel_style);
	tcase_add_test(tc, test_xz_corrupt_multiblock);
	tcase_add_test(tc, test_xz_corrupt_sha256);
	tcase_add_test(tc, test_xz_corrupt_unchecked);
	tcase_add_test(tc, test_xz_out_too_small);
	tcase_add_test(tc, test_xz_trailing_data);
	tcase_add_test(tc, test_xz_unsupported);
	tcase_add_test(tc, test_xz_bad_container);
	tcase_add_test(tc, test_xz_index_mismatch);
	tcase_add_test(tc, test_xz_check_field);
	tcase_add_test(tc, test_xz_empty_null_out);
	tcase_add_test(tc, test_xz_uncompressed_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!td_have("xz --version") || !td_have("gzip --version")) {
		fprintf(stderr, "xz and gzip are needed to generate test data\n");
		return 1;
	}
	td_setup();
	sr = srunner_create(xz_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	td_teardown();
	return failed ? 1 : 0;
}

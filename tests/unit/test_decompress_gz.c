/* SPDX-License-Identifier: MIT */
/* gunzip_buf against the host's gzip and hand-built deflate streams: round trips, bad codes, truncation, corruption. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decompress.h>
#include "test_decompress_util.h"

static const char *const gz_cmds[] = { "gzip -9 -c", "gzip -1 -c", "gzip -n -c", "gzip -6 --rsyncable -c" };
#define GZ_NCMDS ARRAY_SIZE(gz_cmds)

static struct gunzip_work gz_work;

/*
 * The progress hook (dom0 serves other guests from it while it unpacks a
 * gzip kernel): between deflate blocks once 1 MiB more was produced and
 * between 1 MiB pieces of the CRC, the output unchanged; plain gunzip_buf
 * on the same work area calls none.
 */
START_TEST(test_gz_progress_hook)
{
	size_t len = 6u << 20, clen, out_len = 0, used = 0;
	uint8_t *in = malloc(len), *gz;
	struct td_outbuf o;

	for (size_t i = 0; i < len; i++)
		in[i] = (uint8_t)((i * 2654435761u) >> 13);
	gz = td_run_filter("gzip -1 -c", in, len, &clen);
	td_outbuf_init(&o, len);
	td_progress_calls = 0;
	ck_assert_int_eq(gunzip_buf_progress(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work, td_count_progress,
					     &td_progress_calls), 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert(memcmp(o.buf, in, len) == 0);
	/* After blocks that ended each further MiB (how many depends on gzip's blocks) and between the CRC's MiBs. */
	ck_assert_uint_ge(td_progress_calls, len >> 20);
	td_progress_calls = 0;
	ck_assert_int_eq(gunzip_buf(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work), 0);
	ck_assert_uint_eq(td_progress_calls, 0);
	td_outbuf_free(&o);
	free(gz);
	free(in);
}
END_TEST

static const uint8_t *watched;
static size_t watched_len, first_call_at;

/* The first call notes how much output existed then: the buffer starts zeroed and the data has no zero byte. */
static void note_first_call(void *ctx)
{
	const uint8_t *z;

	(void)ctx;
	if (first_call_at != (size_t)-1)
		return;
	z = memchr(watched, 0, watched_len);
	first_call_at = z ? (size_t)(z - watched) : watched_len;
}

/* Inside one deflate block too: zlib's blocks of a repetitive input run to megabytes; the first call comes at 1 MiB. */
START_TEST(test_gz_progress_in_block)
{
	size_t len = 16u << 20, clen, out_len = 0, used = 0;
	uint8_t *in = malloc(len), *gz;
	struct td_outbuf o;

	memset(in, 'A', len);
	gz = td_run_filter("gzip -9 -c", in, len, &clen);
	td_outbuf_init(&o, len);
	memset(o.buf, 0, len);
	watched = o.buf;
	watched_len = len;
	first_call_at = (size_t)-1;
	ck_assert_int_eq(gunzip_buf_progress(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work, note_first_call, NULL),
			 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert_uint_ge(first_call_at, 1u << 20);
	ck_assert_uint_le(first_call_at, (1u << 20) + 258);
	td_outbuf_free(&o);
	free(gz);
	free(in);
}
END_TEST

START_TEST(test_gz_roundtrip)
{
	enum td_kind kind = (enum td_kind)(_i / GZ_NCMDS);
	const char *cmd = gz_cmds[_i % GZ_NCMDS];
	size_t len, clen, out_len = 999, used = 0;
	uint8_t *in = td_input(kind, &len);
	uint8_t *gz = td_run_filter(cmd, in, len, &clen);
	struct td_outbuf o;
	int r;

	td_outbuf_init(&o, len);
	r = gunzip_buf(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work);
	ck_assert_msg(r == 0, "%s/%s: %s", td_kind_name(kind), cmd, decompress_strerror(r));
	ck_assert_uint_eq(out_len, len);
	ck_assert_uint_eq(used, clen);
	ck_assert_int_eq(memcmp(o.buf, in, len), 0);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(gz);
	free(in);
}
END_TEST

static void gz_check_truncations(enum td_kind kind, const char *cmd, size_t prefix)
{
	size_t len, clen;
	uint8_t *in = td_input(kind, &len);
	uint8_t *gz;
	struct td_outbuf o;

	if (prefix && prefix < len)
		len = prefix;
	gz = td_run_filter(cmd, in, len, &clen);
	td_outbuf_init(&o, len);
	for (size_t cut = 0; cut < clen; cut += (cut < 256 || clen - cut < 256) ? 1 : 61) {
		size_t out_len, used;
		int r = gunzip_buf(gz, cut, o.buf, o.cap, &out_len, &used, &gz_work);

		ck_assert_msg(r < 0, "cut at %zu of %zu decoded", cut, clen);
		ck_assert_uint_le(out_len, len);
		ck_assert_uint_le(used, cut);
		ck_assert(td_guard_ok(&o));
	}
	td_outbuf_free(&o);
	free(gz);
	free(in);
}

START_TEST(test_gz_truncated)
{
	gz_check_truncations(TD_X86_BINARY, "gzip -9 -c", 64 * 1024);
	gz_check_truncations(TD_TEXT_SMALL, "gzip -1 -c", 0);
	gz_check_truncations(TD_RANDOM, "gzip -c", 70000);	/* stored blocks */
	gz_check_truncations(TD_ONE_BYTE, "gzip -c", 0);
}
END_TEST

/* gzip always carries a CRC-32 and size: every flip must give an error or exactly the right output. */
static void gz_check_flips(enum td_kind kind, const char *cmd, size_t prefix, unsigned int flips)
{
	size_t len, clen;
	uint8_t *in = td_input(kind, &len);
	uint8_t *gz, *bad;
	uint64_t seed = 0xbadc0ffeull + flips;
	unsigned int errors = 0, kinds[1 - DECOMP_EDIST] = { 0 };
	struct td_outbuf o;

	if (prefix && prefix < len)
		len = prefix;
	gz = td_run_filter(cmd, in, len, &clen);
	bad = malloc(clen);
	ck_assert_ptr_nonnull(bad);
	td_outbuf_init(&o, len);
	for (unsigned int i = 0; i < flips; i++) {
		/* Skip MTIME/XFL/OS (bytes 4..9): nothing checks them, by design of the format. */
		size_t at = 10 + (size_t)(td_rand(&seed) % (clen - 10)), out_len, used;
		int r;

		if (td_rand(&seed) % 8 == 0)
			at = (size_t)(td_rand(&seed) % 4);
		memcpy(bad, gz, clen);
		bad[at] ^= (uint8_t)(1 + td_rand(&seed) % 255);
		r = gunzip_buf(bad, clen, o.buf, o.cap, &out_len, &used, &gz_work);
		ck_assert(td_guard_ok(&o));
		ck_assert_uint_le(used, clen);
		if (r < 0) {
			errors++;
			if (r >= DECOMP_EDIST)
				kinds[-r]++;
			continue;
		}
		ck_assert_msg(out_len == len && memcmp(o.buf, in, len) == 0,
			      "flip at %zu: wrong output passed the checks", at);
	}
	ck_assert_uint_ge(errors, flips * 9 / 10);
	fprintf(stderr, "%s: %u flips, %u errors: corrupt %u, dist %u, check %u, trunc %u, nospc %u\n",
		cmd, flips, errors, kinds[-DECOMP_ECORRUPT], kinds[-DECOMP_EDIST], kinds[-DECOMP_ECHECK],
		kinds[-DECOMP_ETRUNC], kinds[-DECOMP_ENOSPC]);
	/* Each line of defence must have fired at least once (this is how a dropped check shows up). */
	if (flips >= 1000) {
		ck_assert_uint_gt(kinds[-DECOMP_ECORRUPT], 0);
		ck_assert_uint_gt(kinds[-DECOMP_EDIST], 0);
		ck_assert_uint_gt(kinds[-DECOMP_ECHECK], 0);
	}
	td_outbuf_free(&o);
	free(bad);
	free(gz);
	free(in);
}

START_TEST(test_gz_corrupt)
{
	gz_check_flips(TD_X86_BINARY, "gzip -9 -c", 48 * 1024, td_flip_count(2000));
	gz_check_flips(TD_TEXT_SMALL, "gzip -1 -c", 0, td_flip_count(1000));
	gz_check_flips(TD_REPETITIVE, "gzip -c", 30000, td_flip_count(1000));
}
END_TEST

START_TEST(test_gz_out_too_small)
{
	size_t len, clen;
	uint8_t *in = td_input(TD_X86_BINARY, &len);
	uint8_t *gz = td_run_filter("gzip -c", in, len, &clen);
	uint8_t *rnd = td_input(TD_RANDOM, &len);
	uint8_t *gzr;
	size_t rlen;
	const size_t caps[] = { 0, 1, 777, 65535, 65536 + 3 };

	gzr = td_run_filter("gzip -c", rnd, 200000, &rlen);	/* stored blocks */
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		struct td_outbuf o;
		size_t out_len;

		td_outbuf_init(&o, caps[i]);
		ck_assert_int_eq(gunzip_buf(gz, clen, o.buf, o.cap, &out_len, NULL, &gz_work), DECOMP_ENOSPC);
		ck_assert_uint_le(out_len, caps[i]);
		ck_assert_int_eq(gunzip_buf(gzr, rlen, o.buf, o.cap, &out_len, NULL, &gz_work), DECOMP_ENOSPC);
		ck_assert_uint_le(out_len, caps[i]);
		ck_assert(td_guard_ok(&o));
		td_outbuf_free(&o);
	}
	free(gzr);
	free(rnd);
	free(gz);
	free(in);
}
END_TEST

START_TEST(test_gz_trailing_data)
{
	size_t len, clen, out_len, used;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	uint8_t *gz = td_run_filter("gzip -c", in, len, &clen);
	uint8_t *buf = malloc(clen * 2);
	struct td_outbuf o;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, gz, clen);
	memcpy(buf + clen, gz, clen);
	td_outbuf_init(&o, len);
	ck_assert_int_eq(gunzip_buf(buf, clen * 2, o.buf, o.cap, &out_len, &used, &gz_work), 0);
	ck_assert_uint_eq(used, clen);
	ck_assert_uint_eq(out_len, len);
	td_outbuf_free(&o);
	free(buf);
	free(gz);
	free(in);
}
END_TEST

START_TEST(test_gz_empty_null_out)
{
	size_t clen, out_len = 1, used = 0;
	uint8_t *gz = td_run_filter("gzip -c", (const uint8_t *)"", 0, &clen);

	ck_assert_int_eq(gunzip_buf(gz, clen, NULL, 0, &out_len, &used, &gz_work), 0);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_uint_eq(used, clen);
	free(gz);
}
END_TEST

/* Header with every optional field, built around a gzip -n body. */
START_TEST(test_gz_header_fields)
{
	size_t len, clen, out_len, used, n = 0;
	uint8_t *in = td_input(TD_TEXT_SMALL, &len);
	uint8_t *gz = td_run_filter("gzip -n -c", in, len, &clen);
	uint8_t *buf = malloc(clen + 64);
	uint32_t hcrc;
	struct td_outbuf o;

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(gz[3], 0);		/* -n: no optional fields */
	memcpy(buf, gz, 10);
	buf[3] = 0x02 | 0x04 | 0x08 | 0x10;	/* FHCRC FEXTRA FNAME FCOMMENT */
	n = 10;
	memcpy(buf + n, "\x06\x00" "AB\x02\x00xy", 8);	/* XLEN 6: one subfield */
	n += 8;
	memcpy(buf + n, "kernel.img", 11);
	n += 11;
	memcpy(buf + n, "a comment", 10);
	n += 10;
	hcrc = crc32_update(0, buf, n);
	buf[n++] = (uint8_t)hcrc;
	buf[n++] = (uint8_t)(hcrc >> 8);
	memcpy(buf + n, gz + 10, clen - 10);
	n += clen - 10;
	td_outbuf_init(&o, len);
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, &gz_work), 0);
	ck_assert_uint_eq(used, n);
	ck_assert_int_eq(memcmp(o.buf, in, len), 0);
	buf[12] ^= 1;				/* inside FEXTRA: header CRC catches it */
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ECHECK);
	buf[12] ^= 1;
	buf[3] |= 0x20;				/* reserved flag */
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_EUNSUPP);
	buf[3] &= (uint8_t)~0x20;
	buf[2] = 7;				/* not deflate */
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_EUNSUPP);
	buf[2] = 8;
	buf[1] = 0x8c;
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_EFORMAT);
	ck_assert_int_eq(gunzip_buf(buf, 0, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ETRUNC);
	ck_assert_int_eq(gunzip_buf(gz, 1, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ETRUNC);
	ck_assert_int_eq(gunzip_buf(gz, 7, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ETRUNC);
	ck_assert_int_eq(gunzip_buf(buf, n, o.buf, o.cap, &out_len, &used, NULL), DECOMP_EINVAL);
	/* Trailer: CRC and ISIZE each checked. */
	gz[clen - 8] ^= 1;
	ck_assert_int_eq(gunzip_buf(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ECHECK);
	gz[clen - 8] ^= 1;
	gz[clen - 4] ^= 1;
	ck_assert_int_eq(gunzip_buf(gz, clen, o.buf, o.cap, &out_len, &used, &gz_work), DECOMP_ECHECK);
	td_outbuf_free(&o);
	free(buf);
	free(gz);
	free(in);
}
END_TEST

/* A tiny LSB-first bit writer for hand-made deflate streams. */
struct bitw {
	uint8_t buf[256];
	size_t bits;
};

static void bw_put(struct bitw *w, uint32_t value, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, w->bits++) {
		ck_assert_uint_lt(w->bits / 8, sizeof(w->buf));
		if ((value >> i) & 1)
			w->buf[w->bits / 8] |= (uint8_t)(1u << (w->bits % 8));
	}
}

/* Huffman codes go most-significant bit first. */
static void bw_code(struct bitw *w, uint32_t code, uint32_t len)
{
	while (len--)
		bw_put(w, (code >> len) & 1, 1);
}

/* Wraps raw deflate bits in a gzip member whose trailer describes expect/elen, then decodes it. */
static int gz_decode_raw(const struct bitw *w, const char *expect, size_t elen, size_t *out_len)
{
	uint8_t buf[300];
	size_t n = (w->bits + 7) / 8;
	uint32_t crc = crc32_update(0, (const uint8_t *)expect, elen);
	struct td_outbuf o;
	int r;

	memcpy(buf, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	memcpy(buf + 10, w->buf, n);
	for (int i = 0; i < 4; i++) {
		buf[10 + n + i] = (uint8_t)(crc >> (8 * i));
		buf[14 + n + i] = (uint8_t)(elen >> (8 * i));
	}
	td_outbuf_init(&o, 64);
	r = gunzip_buf(buf, n + 18, o.buf, o.cap, out_len, NULL, &gz_work);
	if (r == 0)
		ck_assert_int_eq(memcmp(o.buf, expect, elen), 0);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	return r;
}

/* Fixed-code helpers: literals 0..143 are 8 bits from 0x30, 256..279 are 7 bits from 0. */
static void bw_fixed_lit(struct bitw *w, uint32_t sym)
{
	bw_code(w, 0x30 + sym, 8);
}

static void bw_fixed_len3_dist(struct bitw *w, uint32_t dist_sym)
{
	bw_code(w, 257 - 256, 7);
	bw_code(w, dist_sym, 5);
}

START_TEST(test_inflate_fixed_handmade)
{
	struct bitw w = { .bits = 0 };
	size_t out_len;

	bw_put(&w, 1, 1);	/* BFINAL */
	bw_put(&w, 1, 2);	/* fixed Huffman */
	bw_fixed_lit(&w, 'a');
	bw_fixed_len3_dist(&w, 0);	/* copy 3 from distance 1 */
	bw_code(&w, 0, 7);	/* end of block */
	ck_assert_int_eq(gz_decode_raw(&w, "aaaa", 4, &out_len), 0);
	ck_assert_uint_eq(out_len, 4);

	/* The same match with nothing produced yet reaches before the output. */
	memset(&w, 0, sizeof(w));
	bw_put(&w, 1, 1);
	bw_put(&w, 1, 2);
	bw_fixed_len3_dist(&w, 0);
	bw_code(&w, 0, 7);
	ck_assert_int_eq(gz_decode_raw(&w, "", 0, &out_len), DECOMP_EDIST);

	/* Distance symbol 30 exists in the fixed code but is invalid. */
	memset(&w, 0, sizeof(w));
	bw_put(&w, 1, 1);
	bw_put(&w, 1, 2);
	bw_fixed_lit(&w, 'a');
	bw_fixed_len3_dist(&w, 30);
	ck_assert_int_eq(gz_decode_raw(&w, "aaaa", 4, &out_len), DECOMP_ECORRUPT);

	/* Block type 3 is reserved. */
	memset(&w, 0, sizeof(w));
	bw_put(&w, 1, 1);
	bw_put(&w, 3, 2);
	ck_assert_int_eq(gz_decode_raw(&w, "", 0, &out_len), DECOMP_ECORRUPT);

	/* Stored block whose NLEN is not the complement of LEN. */
	memset(&w, 0, sizeof(w));
	bw_put(&w, 1, 1);
	bw_put(&w, 0, 2);
	bw_put(&w, 0, 5);	/* pad to the byte boundary */
	bw_put(&w, 2, 16);
	bw_put(&w, 0xfffd ^ 1, 16);
	bw_put(&w, 'h', 8);
	bw_put(&w, 'i', 8);
	ck_assert_int_eq(gz_decode_raw(&w, "hi", 2, &out_len), DECOMP_ECORRUPT);
}
END_TEST

/*
 * Dynamic block whose code-length code is {0: "0", 1: "10", 2: "11"}; the
 * literal/length lengths set only 'a' and end-of-block to the given
 * lengths (from {1, 2}); one distance code of length 1.
 */
static int gz_dynamic(uint32_t len_a, uint32_t len_eob, uint32_t clen1_len, size_t *out_len)
{
	static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	struct bitw w = { .bits = 0 };

	bw_put(&w, 1, 1);
	bw_put(&w, 2, 2);	/* dynamic */
	bw_put(&w, 0, 5);	/* 257 literal/length codes */
	bw_put(&w, 0, 5);	/* 1 distance code */
	bw_put(&w, 18 - 4, 4);	/* 18 code-length lengths: reaches symbol 1 */
	for (int i = 0; i < 18; i++)
		bw_put(&w, order[i] == 0 ? 1 : order[i] == 1 ? clen1_len : order[i] == 2 ? 2 : 0, 3);
	for (uint32_t s = 0; s < 258; s++) {
		uint32_t l = s == 'a' ? len_a : s == 256 ? len_eob : s == 257 ? 1 : 0;

		if (l == 0)
			bw_code(&w, 0, 1);
		else if (l == 1)
			bw_code(&w, 2, 2);
		else
			bw_code(&w, 3, 2);
	}
	/* 'a' then end of block, with whatever codes those lengths give (canonical: 'a' first). */
	if (len_a == 1 && len_eob == 1) {
		bw_code(&w, 0, 1);
		bw_code(&w, 1, 1);
	}
	return gz_decode_raw(&w, "a", 1, out_len);
}

START_TEST(test_inflate_dynamic_handmade)
{
	size_t out_len;

	ck_assert_int_eq(gz_dynamic(1, 1, 2, &out_len), 0);
	ck_assert_uint_eq(out_len, 1);
	/* Two codes of length two: an incomplete literal/length set. */
	ck_assert_int_eq(gz_dynamic(2, 2, 2, &out_len), DECOMP_ECORRUPT);
	/* No end-of-block code at all. */
	ck_assert_int_eq(gz_dynamic(1, 0, 2, &out_len), DECOMP_ECORRUPT);
	/* Code-length code over-subscribed: lengths 1, 1 and 2. */
	ck_assert_int_eq(gz_dynamic(1, 1, 1, &out_len), DECOMP_ECORRUPT);
}
END_TEST

static Suite *gz_suite(void)
{
	Suite *s = suite_create("decompress_gz");
	TCase *tc = tcase_create("gz");

	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_gz_roundtrip, 0, (int)(TD_KINDS * GZ_NCMDS));
	tcase_add_test(tc, test_gz_progress_hook);
	tcase_add_test(tc, test_gz_progress_in_block);
	tcase_add_test(tc, test_gz_truncated);
	tcase_add_test(tc, test_gz_corrupt);
	tcase_add_test(tc, test_gz_out_too_small);
	tcase_add_test(tc, test_gz_trailing_data);
	tcase_add_test(tc, test_gz_header_fields);
	tcase_add_test(tc, test_gz_empty_null_out);
	tcase_add_test(tc, test_inflate_fixed_handmade);
	tcase_add_test(tc, test_inflate_dynamic_handmade);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!td_have("gzip --version")) {
		fprintf(stderr, "gzip is needed to generate test data\n");
		return 1;
	}
	td_setup();
	sr = srunner_create(gz_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	td_teardown();
	return failed ? 1 : 0;
}

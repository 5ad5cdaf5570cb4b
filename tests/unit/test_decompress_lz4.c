/* SPDX-License-Identifier: MIT */
/* unlz4_legacy_buf against the host's lz4 -l: byte-exact round trips, several blocks, truncation, corruption, hostile blocks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decompress.h>
#include "test_decompress_util.h"

static const char *const lz4_cmds[] = { "lz4 -l -1 -c", "lz4 -l -9 -c", "lz4 -l -12 -c" };
#define LZ4_NCMDS ARRAY_SIZE(lz4_cmds)

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

START_TEST(test_lz4_roundtrip)
{
	enum td_kind kind = (enum td_kind)(_i / LZ4_NCMDS);
	const char *cmd = lz4_cmds[_i % LZ4_NCMDS];
	size_t len, clen, out_len = 1, used = 0;
	uint8_t *in = td_input(kind, &len);
	uint8_t *c = td_run_filter(cmd, in, len, &clen);
	struct td_outbuf o;
	int r;

	td_outbuf_init(&o, len);
	r = unlz4_legacy_buf(c, clen, o.buf, o.cap, &out_len, &used, NULL, NULL);
	ck_assert_msg(r == 0, "%s/%s: %s", td_kind_name(kind), cmd, decompress_strerror(r));
	ck_assert_uint_eq(out_len, len);
	ck_assert_uint_eq(used, clen);
	ck_assert_msg(memcmp(o.buf, in, len) == 0, "%s/%s: output differs", td_kind_name(kind), cmd);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(c);
	free(in);
}
END_TEST

/* 20 MiB: three 8 MiB blocks, matches that must not reach into the block before; the hook at least once per MiB. */
START_TEST(test_lz4_blocks_and_progress)
{
	size_t len = 20u << 20, clen, out_len, used;
	uint8_t *in = malloc(len), *c;
	uint64_t seed = 7;
	struct td_outbuf o;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = td_rand(&seed);

		memcpy(in + i, &v, 8);
		if ((i >> 12) & 1)
			memset(in + i, (int)(i >> 20), 8);	/* half compressible */
	}
	c = td_run_filter("lz4 -l -1 -c", in, len, &clen);
	td_outbuf_init(&o, len);
	td_progress_calls = 0;
	ck_assert_int_eq(unlz4_legacy_buf(c, clen, o.buf, o.cap, &out_len, &used, td_count_progress, &td_progress_calls), 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert_mem_eq(o.buf, in, len);
	ck_assert_uint_ge(td_progress_calls, (len >> 20) - 3);
	ck_assert(td_guard_ok(&o));
	/* One byte short of room: refused, nothing past the buffer. */
	td_outbuf_free(&o);
	td_outbuf_init(&o, len - 1);
	ck_assert_int_eq(unlz4_legacy_buf(c, clen, o.buf, o.cap, &out_len, &used, NULL, NULL), DECOMP_ENOSPC);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(c);
	free(in);
}
END_TEST

/*
 * Many small blocks (about 64 KiB out of 263 bytes in each): the hook still comes once per MiB of the whole output,
 * not once per MiB of a block; and a match in the second block that reaches back into the first is refused.
 */
START_TEST(test_lz4_small_blocks)
{
	enum { NBLK = 256, BLK = 263, BLK_OUT = 1 + 19 + 255 * 256 + 1 };
	uint8_t *s = calloc(1, 4 + NBLK * (4 + BLK)), *p = s, two[32];
	size_t out_len, used;
	struct td_outbuf o;

	put32(p, 0x184c2102u);
	p += 4;
	for (unsigned int k = 0; k < NBLK; k++) {
		put32(p, BLK);
		p += 4;
		*p++ = 0x1f;			/* one literal, a match of 15 + the extension */
		*p++ = 'x';
		*p++ = 1;			/* offset 1 */
		*p++ = 0;
		memset(p, 255, 256);
		p += 256;
		*p++ = 0;
		*p++ = 0x10;			/* the last sequence: literals only */
		*p++ = 'y';
	}
	td_outbuf_init(&o, (size_t)NBLK * BLK_OUT);
	td_progress_calls = 0;
	ck_assert_int_eq(unlz4_legacy_buf(s, (size_t)(p - s), o.buf, o.cap, &out_len, &used, td_count_progress,
					  &td_progress_calls), 0);
	ck_assert_uint_eq(out_len, (size_t)NBLK * BLK_OUT);
	ck_assert_uint_ge(td_progress_calls, ((size_t)NBLK * BLK_OUT >> 20) - 1);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
	free(s);
	/* "ab", then a block whose match (offset 3 after its one literal) would read the first block's 'a'. */
	put32(two, 0x184c2102u);
	put32(two + 4, 3);
	memcpy(two + 8, "\x20" "ab", 3);
	put32(two + 11, 6);
	memcpy(two + 15, "\x10" "c\x03\x00\x10" "d", 6);
	td_outbuf_init(&o, 64);
	ck_assert_int_eq(unlz4_legacy_buf(two, 21, o.buf, o.cap, &out_len, &used, NULL, NULL), DECOMP_EDIST);
	ck_assert(td_guard_ok(&o));
	td_outbuf_free(&o);
}
END_TEST

/* Every cut inside a block fails; a cut between blocks is a shorter valid stream (the caller checks the size). */
START_TEST(test_lz4_truncated)
{
	size_t len, clen;
	uint8_t *in = td_input(TD_X86_BINARY, &len);
	uint8_t *c = td_run_filter("lz4 -l -9 -c", in, len, &clen);
	struct td_outbuf o;

	ck_assert_uint_le(len, 8u << 20);	/* one block */
	td_outbuf_init(&o, len);
	for (size_t cut = 0; cut < clen; cut += (cut < 300 || clen - cut < 300) ? 1 : 101) {
		size_t out_len, used;
		int r = unlz4_legacy_buf(c, cut, o.buf, o.cap, &out_len, &used, NULL, NULL);

		if (cut == 4) {	/* the magic alone: an empty stream */
			ck_assert_int_eq(r, 0);
			ck_assert_uint_eq(out_len, 0);
			continue;
		}
		ck_assert_msg(r < 0, "cut at %zu of %zu decoded", cut, clen);
		ck_assert_uint_le(out_len, len);
		ck_assert(td_guard_ok(&o));
	}
	td_outbuf_free(&o);
	free(c);
	free(in);
}
END_TEST

/* Random byte flips: any result, but never a write outside the buffer and never more than it holds. */
START_TEST(test_lz4_corrupt)
{
	size_t len, clen;
	uint8_t *in = td_input(TD_X86_BINARY, &len);
	uint8_t *c = td_run_filter("lz4 -l -1 -c", in, len, &clen);
	uint8_t *bad = malloc(clen);
	uint64_t seed = 99;
	unsigned int n = td_flip_count(3000), failed = 0;
	struct td_outbuf o;

	td_outbuf_init(&o, len);
	for (unsigned int i = 0; i < n; i++) {
		size_t out_len, used, at = 8 + td_rand(&seed) % (clen - 8);

		memcpy(bad, c, clen);
		bad[at] ^= (uint8_t)(1 + td_rand(&seed) % 255);
		if (unlz4_legacy_buf(bad, clen, o.buf, o.cap, &out_len, &used, NULL, NULL) < 0)
			failed++;
		else
			ck_assert_uint_le(out_len, o.cap);
		ck_assert(td_guard_ok(&o));
	}
	ck_assert_uint_gt(failed, 0);
	td_outbuf_free(&o);
	free(bad);
	free(c);
	free(in);
}
END_TEST

/* Hand-made blocks: each hostile form gets its own error. */
START_TEST(test_lz4_hostile_blocks)
{
	static const struct {
		const char *what;
		uint8_t block[24];
		size_t len;
		int want;
	} cases[] = {
		{ "literals only", { 0x30, 'a', 'b', 'c' }, 4, 0 },
		{ "a match overlapping itself", { 0x12, 'x', 1, 0, 0x20, 'y', 'z' }, 7, 0 },
		{ "offset 0", { 0x10, 'x', 0, 0, 0x10, 'y' }, 6, DECOMP_ECORRUPT },
		{ "a match before the block", { 0x10, 'x', 2, 0, 0x10, 'y' }, 6, DECOMP_EDIST },
		{ "literals past the input", { 0x50, 'a', 'b' }, 3, DECOMP_ETRUNC },
		{ "a long literal run cut", { 0xf0, 255, 255 }, 3, DECOMP_ETRUNC },
		{ "half an offset", { 0x10, 'x', 1 }, 3, DECOMP_ETRUNC },
		{ "an empty block", { 0 }, 0, DECOMP_ECORRUPT },
		{ "a match longer than the room", { 0x1f, 'x', 1, 0, 255, 255, 255, 255, 0x00 }, 9, DECOMP_ENOSPC },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t s[64];
		size_t out_len = 99, used;
		struct td_outbuf o;
		int r;

		put32(s, 0x184c2102u);
		put32(s + 4, (uint32_t)cases[i].len);
		memcpy(s + 8, cases[i].block, cases[i].len);
		td_outbuf_init(&o, 64);
		r = unlz4_legacy_buf(s, 8 + cases[i].len, o.buf, o.cap, &out_len, &used, NULL, NULL);
		ck_assert_msg(r == cases[i].want, "%s: %d (%s)", cases[i].what, r, decompress_strerror(r));
		ck_assert(td_guard_ok(&o));
		if (i == 1) {
			ck_assert_uint_eq(out_len, 9);
			ck_assert_mem_eq(o.buf, "xxxxxxxyz", 9);
		}
		td_outbuf_free(&o);
	}
}
END_TEST

/* The container: magic, a block size past the input, concatenated streams, an arguments check. */
START_TEST(test_lz4_container)
{
	uint8_t s[64], out[16];
	size_t out_len, used;

	memset(s, 0, sizeof(s));
	ck_assert_int_eq(unlz4_legacy_buf(s, 8, out, sizeof(out), &out_len, &used, NULL, NULL), DECOMP_EFORMAT);
	ck_assert_int_eq(unlz4_legacy_buf(NULL, 8, out, sizeof(out), &out_len, &used, NULL, NULL), DECOMP_EINVAL);
	put32(s, 0x184c2102u);
	put32(s + 4, 1000);
	s[8] = 0x10;
	ck_assert_int_eq(unlz4_legacy_buf(s, 12, out, sizeof(out), &out_len, &used, NULL, NULL), DECOMP_ETRUNC);
	/* A block, the magic again, a block. */
	put32(s + 4, 2);
	s[8] = 0x10;
	s[9] = 'a';
	put32(s + 10, 0x184c2102u);
	put32(s + 14, 2);
	s[18] = 0x10;
	s[19] = 'b';
	ck_assert_int_eq(unlz4_legacy_buf(s, 20, out, sizeof(out), &out_len, &used, NULL, NULL), 0);
	ck_assert_uint_eq(out_len, 2);
	ck_assert_uint_eq(used, 20);
	ck_assert_mem_eq(out, "ab", 2);
	/* Three bytes where a block size would be. */
	ck_assert_int_eq(unlz4_legacy_buf(s, 13, out, sizeof(out), &out_len, &used, NULL, NULL), DECOMP_ETRUNC);
}
END_TEST

static Suite *lz4_suite(void)
{
	Suite *s = suite_create("decompress_lz4");
	TCase *tc = tcase_create("lz4");

	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_lz4_roundtrip, 0, (int)(TD_KINDS * LZ4_NCMDS));
	tcase_add_test(tc, test_lz4_blocks_and_progress);
	tcase_add_test(tc, test_lz4_small_blocks);
	tcase_add_test(tc, test_lz4_truncated);
	tcase_add_test(tc, test_lz4_corrupt);
	tcase_add_test(tc, test_lz4_hostile_blocks);
	tcase_add_test(tc, test_lz4_container);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (!td_have("lz4 --version")) {
		fprintf(stderr, "lz4 is needed to generate test data\n");
		return 1;
	}
	td_setup();
	sr = srunner_create(lz4_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	td_teardown();
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/* Unit tests for frame_free_range (hv/common/frame.c): pages given back one by one from inside big blocks. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <hv/frame.h>
#include <hv/log.h>
#include <hv/mm.h>
#include "host_mm.h"

/* 64 MiB of "machine memory" at MFN 0x4000: one free order-14 block at boot. */
#define BASE		((mfn_t)0x4000)
#define FRAMES		((mfn_t)0x4000)

static struct frame_owner guest;

static void boot(void)
{
	host_mm_boot(BASE, FRAMES);
	frame_owner_register(&guest, "guest", FRAMES);
}

static void teardown(void)
{
	host_mm_fini();
}


/* The whole arena free again, merged back into its single order-14 block. */
static void expect_all_merged(void)
{
	struct frame_stats st;

	frame_stats_get(&st);
	ck_assert_uint_eq(st.free, FRAMES);
	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++)
		ck_assert_uint_eq(st.free_blocks[o], o == 14 ? 1 : 0);
	host_mm_expect_consistent();
}

/* Pages of one 2 MiB block given back one at a time, in a scattered order: the charge falls by one each time. */
START_TEST(test_pages_of_a_big_block)
{
	mfn_t m = frame_alloc(9, &guest);
	unsigned int order;

	ck_assert_uint_ne(m, MFN_INVALID);
	ck_assert_uint_eq(frame_owner_frames(&guest), 512);
	for (uint64_t k = 0; k < 512; k++) {
		/* 37 is odd, so k * 37 mod 512 visits every page once. */
		mfn_t p = m + ((k * 37) % 512);

		ck_assert_ptr_eq(frame_owner_of(p), &guest);
		frame_free_range(p, 1);
		ck_assert_ptr_null(frame_owner_of(p));
		ck_assert_uint_eq(frame_owner_frames(&guest), 511 - k);
		if (k % 61 == 0)
			host_mm_expect_consistent();
	}
	expect_all_merged();
	/* And the memory is whole: a 2 MiB block can be allocated at once again. */
	m = frame_alloc(9, &guest);
	ck_assert_uint_ne(m, MFN_INVALID);
	ck_assert_uint_eq(frame_block_head(m + 300, &order), m);
	ck_assert_uint_eq(order, 9);
	frame_free(m, 9);
	expect_all_merged();
}
END_TEST

/* After one page leaves, the rest of the block is the largest buddy blocks left: heads and orders say so. */
START_TEST(test_split_shape)
{
	mfn_t m = frame_alloc(3, &guest);
	unsigned int order = 99;

	frame_free_range(m + 5, 1);
	/* 8 frames minus frame 5: blocks [0,4) order 2, [4,5) order 0, [6,8) order 1. */
	ck_assert_uint_eq(frame_block_head(m + 3, &order), m);
	ck_assert_uint_eq(order, 2);
	ck_assert_uint_eq(frame_block_head(m + 4, &order), m + 4);
	ck_assert_uint_eq(order, 0);
	ck_assert_uint_eq(frame_block_head(m + 7, &order), m + 6);
	ck_assert_uint_eq(order, 1);
	ck_assert_uint_eq(frame_block_head(m + 5, NULL), MFN_INVALID);
	ck_assert_uint_eq(frame_owner_frames(&guest), 7);
	host_mm_expect_consistent();
	/* The pieces are ordinary blocks now: frame_free takes them at their own order. */
	frame_free(m, 2);
	frame_free(m + 4, 0);
	frame_free(m + 6, 1);
	expect_all_merged();
}
END_TEST

/* A range cutting several blocks: whole blocks inside go, the straddling ones are split at its edges. */
START_TEST(test_range_across_blocks)
{
	mfn_t a = frame_alloc(4, &guest), b;
	struct frame_stats st;

	/* Free the upper half so that the next order-3 allocation takes it: a and b adjacent. */
	frame_free_range(a + 8, 8);
	b = frame_alloc(3, &guest);
	ck_assert_uint_eq(b, a + 8);
	ck_assert_uint_eq(frame_owner_frames(&guest), 16);
	frame_free_range(a + 3, 10);		/* frames 3..12: cuts a's [0,8) and b */
	ck_assert_uint_eq(frame_owner_frames(&guest), 6);
	for (mfn_t p = a; p < a + 16; p++)
		ck_assert_ptr_eq(frame_owner_of(p), p >= a + 3 && p < a + 13 ? NULL : &guest);
	host_mm_expect_consistent();
	frame_free_range(a, 3);
	frame_free_range(a + 13, 3);
	frame_stats_get(&st);
	ck_assert_uint_eq(frame_owner_frames(&guest), 0);
	expect_all_merged();
}
END_TEST

/* A whole block through frame_free_range is one free, as frame_free. */
START_TEST(test_whole_block)
{
	mfn_t m = frame_alloc(9, &guest);

	frame_free_range(m, 512);
	ck_assert_uint_eq(frame_owner_frames(&guest), 0);
	expect_all_merged();
}
END_TEST

/*
 * Fragmentation as a hostile balloon makes it: many 2 MiB blocks, every
 * other page given back, then the rest in reverse. Nothing is lost and
 * everything merges back.
 */
START_TEST(test_checkerboard)
{
	enum { NR = 8 };
	mfn_t m[NR];

	for (int i = 0; i < NR; i++) {
		m[i] = frame_alloc(9, &guest);
		ck_assert_uint_ne(m[i], MFN_INVALID);
	}
	for (int i = 0; i < NR; i++)
		for (uint64_t p = 0; p < 512; p += 2)
			frame_free_range(m[i] + p, 1);
	ck_assert_uint_eq(frame_owner_frames(&guest), NR * 256);
	host_mm_expect_consistent();
	/* The freed odd pages are new allocations' now: they come back as single pages in the holes. */
	for (int k = 0; k < 16; k++) {
		mfn_t p = frame_alloc(0, &guest);

		ck_assert_uint_ne(p, MFN_INVALID);
		frame_free_range(p, 1);
	}
	for (int i = NR - 1; i >= 0; i--)
		for (uint64_t p = 511; p < 512; p -= 2)
			frame_free_range(m[i] + p, 1);
	ck_assert_uint_eq(frame_owner_frames(&guest), 0);
	expect_all_merged();
}
END_TEST

/* Random blocks, random pieces of them given back: audit after each step, all frames return. */
START_TEST(test_random)
{
	enum { NR = 40 };
	struct { mfn_t mfn; unsigned int order; uint8_t gone[512]; } live[NR];
	uint64_t charged = 0;
	unsigned int seed = 7;

	for (int i = 0; i < NR; i++) {
		live[i].order = (unsigned int)rand_r(&seed) % 10;
		live[i].mfn = frame_alloc(live[i].order, &guest);
		ck_assert_uint_ne(live[i].mfn, MFN_INVALID);
		memset(live[i].gone, 0, sizeof(live[i].gone));
		charged += 1ULL << live[i].order;
	}
	for (int step = 0; step < 4000; step++) {
		int i = rand_r(&seed) % NR;
		uint64_t n = 1ULL << live[i].order, s = (uint64_t)rand_r(&seed) % n, len = 1;

		/* Extend the run over frames still held (a run never includes a freed one). */
		if (live[i].gone[s])
			continue;
		while (s + len < n && !live[i].gone[s + len] && rand_r(&seed) % 3)
			len++;
		frame_free_range(live[i].mfn + s, len);
		memset(live[i].gone + s, 1, len);
		charged -= len;
		ck_assert_uint_eq(frame_owner_frames(&guest), charged);
		if (step % 400 == 0)
			host_mm_expect_consistent();
	}
	for (int i = 0; i < NR; i++)
		for (uint64_t p = 0; p < (1ULL << live[i].order); p++)
			if (!live[i].gone[p])
				frame_free_range(live[i].mfn + p, 1);
	ck_assert_uint_eq(frame_owner_frames(&guest), 0);
	expect_all_merged();
}
END_TEST

/* The release claim's mark: set only on a frame still allocated to the owner, under the allocator lock. */
START_TEST(test_mark_owned)
{
	mfn_t m = frame_alloc(1, &guest), h = frame_alloc(0, &frame_owner_hv);
	uint64_t old = 99;

	ck_assert(frame_mark_owned(m + 1, &guest, PGC_LEAVING, &old));
	ck_assert_uint_eq(old, 0);
	ck_assert(frame_mark_owned(m + 1, &guest, PGC_LEAVING, &old));
	ck_assert_uint_eq(old, PGC_LEAVING);		/* a second claimer sees the first one's mark */
	mfn_to_page(m + 1)->count_info = 0;
	frame_free_range(m + 1, 1);
	old = 99;
	ck_assert(!frame_mark_owned(m + 1, &guest, PGC_LEAVING, &old));	/* freed: nothing set */
	ck_assert_uint_eq(old, 99);
	ck_assert(!frame_mark_owned(h, &guest, PGC_LEAVING, &old));		/* someone else's */
	ck_assert_uint_eq(mfn_to_page(h)->count_info, 0);
	ck_assert(!frame_mark_owned(BASE + FRAMES, &guest, PGC_LEAVING, &old));
	frame_free(m, 0);
	frame_free(h, 0);
	expect_all_merged();
}
END_TEST

START_TEST(test_panic_free_frame)
{
	mfn_t m = frame_alloc(2, &guest);

	frame_free_range(m + 1, 1);
	EXPECT_PANIC(frame_free_range(m, 2), "mfn 0x");
	ck_assert_ptr_nonnull(strstr(host_panic_msg, "is not allocated"));
}
END_TEST

START_TEST(test_panic_two_owners)
{
	mfn_t a = frame_alloc(1, &guest), b;

	frame_free_range(a + 1, 1);
	b = frame_alloc(0, &frame_owner_hv);
	ck_assert_uint_eq(b, a + 1);
	EXPECT_PANIC(frame_free_range(a, 2), "belongs to hypervisor, not guest");
}
END_TEST

START_TEST(test_panic_referenced)
{
	mfn_t m = frame_alloc(9, &guest);

	mfn_to_page(m + 100)->count_info = 1;
	EXPECT_PANIC(frame_free_range(m + 100, 1), "still has 1 references");
}
END_TEST

START_TEST(test_panic_past_table)
{
	EXPECT_PANIC(frame_free_range(BASE + FRAMES - 1, 2), "outside the frame table");
}
END_TEST

static Suite *split_suite(void)
{
	Suite *s = suite_create("frame_split");
	TCase *tc = tcase_create("range"), *pan = tcase_create("panic");

	tcase_add_checked_fixture(tc, boot, teardown);
	tcase_add_checked_fixture(pan, boot, teardown);
	tcase_add_test(tc, test_pages_of_a_big_block);
	tcase_add_test(tc, test_split_shape);
	tcase_add_test(tc, test_range_across_blocks);
	tcase_add_test(tc, test_whole_block);
	tcase_add_test(tc, test_checkerboard);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_mark_owned);
	tcase_add_test(pan, test_panic_free_frame);
	tcase_add_test(pan, test_panic_two_owners);
	tcase_add_test(pan, test_panic_referenced);
	tcase_add_test(pan, test_panic_past_table);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, pan);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(split_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

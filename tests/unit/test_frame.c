/* SPDX-License-Identifier: MIT */
/* Unit tests for the frame table and buddy allocator (hv/common/frame.c) over an arena of fake machine memory. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/frame.h>
#include <hv/log.h>
#include <hv/mm.h>
#include "host_mm.h"

/* 64 MiB of "machine memory" starting at MFN 0x4000 (64 MiB), so MFN 0 is never valid memory. */
#define BASE		((mfn_t)0x4000)
#define FRAMES		((mfn_t)0x4000)

static void boot_default(void)
{
	host_mm_boot(BASE, FRAMES);
}

static void teardown(void)
{
	host_mm_fini();
}


START_TEST(test_boot_stats)
{
	struct frame_stats st;

	frame_stats_get(&st);
	ck_assert_uint_eq(st.table_frames, BASE + FRAMES);
	ck_assert_uint_eq(st.total, FRAMES);
	ck_assert_uint_eq(st.free, FRAMES);
	ck_assert_uint_eq(st.hv, 0);
	ck_assert_uint_eq(st.nr_owners, 1);
	/* 0x4000 frames at an 0x4000-aligned base: one order-14 block and nothing else. */
	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++)
		ck_assert_uint_eq(st.free_blocks[o], o == 14 ? 1 : 0);
	ck_assert_ptr_null(frame_owner_of(BASE - 1));
	ck_assert_ptr_null(frame_owner_of(BASE));
	ck_assert_ptr_null(frame_owner_of(MFN_INVALID));
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_unaligned_range_split)
{
	struct frame_stats st;

	frame_table_init(host_mm_table(32), 32);
	/* MFNs 3..15: blocks 3 (order 0), 4..7 (order 2), 8..15 (order 3). */
	frame_add_free_range(3, 13);
	frame_stats_get(&st);
	ck_assert_uint_eq(st.total, 13);
	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++)
		ck_assert_uint_eq(st.free_blocks[o], (o == 0 || o == 2 || o == 3) ? 1 : 0);
	host_mm_expect_consistent();
	/* Adding 0..2 completes 0..15: everything must merge into one order-4 block. */
	frame_add_free_range(0, 3);
	frame_stats_get(&st);
	for (unsigned int o = 0; o < FRAME_NR_ORDERS; o++)
		ck_assert_uint_eq(st.free_blocks[o], o == 4 ? 1 : 0);
	ck_assert_uint_eq(frame_alloc(4, &frame_owner_hv), 0);
	ck_assert_uint_eq(frame_alloc(0, &frame_owner_hv), MFN_INVALID);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_unaligned_range_exact)
{
	const mfn_t first = 0x1003, count = 0x2345;
	unsigned char *seen = calloc(count, 1);
	mfn_t mfn, n = 0;

	frame_table_init(host_mm_table(0x4000), 0x4000);
	frame_add_free_range(first, count);
	host_mm_expect_consistent();
	while ((mfn = frame_alloc(0, &frame_owner_hv)) != MFN_INVALID) {
		ck_assert_msg(mfn >= first && mfn < first + count, "mfn %#lx outside the range", mfn);
		ck_assert(!seen[mfn - first]);
		seen[mfn - first] = 1;
		n++;
	}
	ck_assert_uint_eq(n, count);
	ck_assert_ptr_null(frame_owner_of(first - 1));
	ck_assert_ptr_null(frame_owner_of(first + count));
	ck_assert_ptr_eq(frame_owner_of(first), &frame_owner_hv);
	ck_assert_ptr_eq(frame_owner_of(first + count - 1), &frame_owner_hv);
	host_mm_expect_consistent();
	free(seen);
}
END_TEST

START_TEST(test_alignment_and_heads)
{
	for (unsigned int order = 0; order <= 10; order++) {
		unsigned int got = 99;
		mfn_t mfn = frame_alloc(order, &frame_owner_hv);

		ck_assert_uint_ne(mfn, MFN_INVALID);
		ck_assert_uint_eq(mfn & ((1UL << order) - 1), 0);
		ck_assert(mfn >= BASE && mfn + (1UL << order) <= BASE + FRAMES);
		for (mfn_t i = 0; i < (1UL << order); i++)
			ck_assert_ptr_eq(frame_owner_of(mfn + i), &frame_owner_hv);
		ck_assert_uint_eq(frame_block_head(mfn + (1UL << order) - 1, &got), mfn);
		ck_assert_uint_eq(got, order);
	}
	ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), (1UL << 11) - 1);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_exhaustion)
{
	struct frame_stats before, after;
	mfn_t *all = malloc(FRAMES * sizeof(*all));
	mfn_t n = 0, mfn;

	while ((mfn = frame_alloc(0, &frame_owner_hv)) != MFN_INVALID)
		all[n++] = mfn;
	ck_assert_uint_eq(n, FRAMES);
	frame_stats_get(&before);
	ck_assert_uint_eq(before.free, 0);
	ck_assert_uint_eq(frame_alloc(3, &frame_owner_hv), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc_below(0, &frame_owner_hv, BASE + 16), MFN_INVALID);
	frame_stats_get(&after);
	ck_assert_uint_eq(after.free, before.free);
	ck_assert_uint_eq(after.hv, FRAMES);
	ck_assert_uint_eq(frame_owner_hv.failed_allocs, 3);
	host_mm_expect_consistent();
	for (mfn_t i = 0; i < n; i++)
		frame_free(all[i], 0);
	frame_stats_get(&after);
	ck_assert_uint_eq(after.free, FRAMES);
	ck_assert_uint_eq(after.hv, 0);
	host_mm_expect_consistent();
	free(all);
}
END_TEST

START_TEST(test_order_too_big)
{
	struct frame_stats st;

	ck_assert_uint_eq(frame_alloc(FRAME_MAX_ORDER + 1, &frame_owner_hv), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc(64, &frame_owner_hv), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc(UINT32_MAX, &frame_owner_hv), MFN_INVALID);
	/* The whole arena is order 14: order 15 cannot be satisfied. */
	ck_assert_uint_eq(frame_alloc(15, &frame_owner_hv), MFN_INVALID);
	frame_stats_get(&st);
	ck_assert_uint_eq(st.free, FRAMES);
	ck_assert_uint_eq(st.hv, 0);
}
END_TEST

START_TEST(test_max_order_block)
{
	const mfn_t nr = (mfn_t)1 << (FRAME_MAX_ORDER + 1);
	mfn_t mfn;

	/* No arena: the allocator itself never touches the frames it manages. */
	frame_table_init(host_mm_table(nr), nr);
	frame_add_free_range(5, nr - 5);
	mfn = frame_alloc(FRAME_MAX_ORDER, &frame_owner_hv);
	ck_assert_uint_eq(mfn, nr / 2);
	ck_assert_uint_eq(frame_alloc(FRAME_MAX_ORDER, &frame_owner_hv), MFN_INVALID);
	ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), 1UL << FRAME_MAX_ORDER);
	host_mm_expect_consistent();
	frame_free(mfn, FRAME_MAX_ORDER);
	ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), 0);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_owner_limits)
{
	struct frame_owner dom;
	struct frame_stats st;
	mfn_t a, b, c, free_before;

	memset(&dom, 0, sizeof(dom));
	frame_owner_register(&dom, "dom1", 10);
	a = frame_alloc(3, &dom);
	ck_assert_uint_ne(a, MFN_INVALID);
	frame_stats_get(&st);
	free_before = st.free;
	ck_assert_uint_eq(frame_alloc(2, &dom), MFN_INVALID);	/* 8 + 4 > 10 */
	frame_stats_get(&st);
	ck_assert_uint_eq(st.free, free_before);
	ck_assert_uint_eq(frame_owner_frames(&dom), 8);
	ck_assert_uint_eq(dom.failed_allocs, 1);
	b = frame_alloc(1, &dom);				/* exactly 10 */
	ck_assert_uint_ne(b, MFN_INVALID);
	ck_assert_uint_eq(frame_alloc(0, &dom), MFN_INVALID);
	/* The limit is the owner's: the hypervisor can still allocate. */
	c = frame_alloc(0, &frame_owner_hv);
	ck_assert_uint_ne(c, MFN_INVALID);
	ck_assert_ptr_eq(frame_owner_of(a + 7), &dom);
	ck_assert_ptr_eq(frame_owner_of(c), &frame_owner_hv);
	ck_assert(!frame_owner_unregister(&dom));
	frame_owner_set_max(&dom, 11);
	ck_assert_uint_ne(frame_alloc(0, &dom), MFN_INVALID);
	frame_stats_get(&st);
	ck_assert_uint_eq(st.nr_owners, 2);
	ck_assert_uint_eq(st.owners_sum, 12);
	host_mm_expect_consistent();
	frame_free(a, 3);
	ck_assert_uint_eq(frame_owner_frames(&dom), 3);
	ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), 1);
	ck_assert_uint_eq(dom.peak_frames, 11);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_owner_unregister)
{
	struct frame_owner d1, d2;
	struct frame_stats st;
	mfn_t m;

	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	frame_owner_register(&d1, "dom1", 100);
	frame_owner_register(&d2, "dom2", 100);
	m = frame_alloc(2, &d2);
	ck_assert(frame_owner_unregister(&d1));
	ck_assert(!frame_owner_unregister(&d2));
	frame_free(m, 2);
	ck_assert(frame_owner_unregister(&d2));
	frame_stats_get(&st);
	ck_assert_uint_eq(st.nr_owners, 1);
	EXPECT_PANIC(frame_alloc(0, &d2), "not registered");
}
END_TEST

START_TEST(test_coalesce_all)
{
	mfn_t *all = malloc(FRAMES * sizeof(*all));
	struct frame_stats st;
	mfn_t n = 0, mfn;

	while ((mfn = frame_alloc(0, &frame_owner_hv)) != MFN_INVALID)
		all[n++] = mfn;
	ck_assert_uint_eq(n, FRAMES);
	/* Free in a shuffled order so merges happen in every pattern. */
	srand(12345);
	for (mfn_t i = n - 1; i > 0; i--) {
		mfn_t j = (mfn_t)rand() % (i + 1), t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	for (mfn_t i = 0; i < n; i++)
		frame_free(all[i], 0);
	frame_stats_get(&st);
	ck_assert_uint_eq(st.free_blocks[14], 1);
	ck_assert_uint_eq(frame_alloc(14, &frame_owner_hv), BASE);
	host_mm_expect_consistent();
	free(all);
}
END_TEST

START_TEST(test_alloc_below)
{
	mfn_t m, n = 0;

	frame_table_init(host_mm_table(0x8000), 0x8000);
	frame_add_free_range(0x1000, 0x7000);
	ck_assert_uint_eq(frame_alloc_below(0, &frame_owner_hv, 0x1000), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc_below(0, &frame_owner_hv, 0), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc_below(4, &frame_owner_hv, 0x100f), MFN_INVALID);
	ck_assert_uint_eq(frame_alloc_below(4, &frame_owner_hv, 0x1010), 0x1000);
	ck_assert_uint_eq(frame_alloc_below(4, &frame_owner_hv, 0x1010), MFN_INVALID);
	while ((m = frame_alloc_below(0, &frame_owner_hv, 0x2000)) != MFN_INVALID) {
		ck_assert(m >= 0x1010 && m < 0x2000);
		n++;
	}
	ck_assert_uint_eq(n, 0x1000 - 0x10);
	/* Memory above the limit is untouched and still usable. */
	m = frame_alloc(12, &frame_owner_hv);
	ck_assert(m >= 0x2000);
	ck_assert_uint_eq(frame_alloc_below(5, &frame_owner_hv, MFN_INVALID) & 31, 0);
	host_mm_expect_consistent();
}
END_TEST

/* frame_alloc uses memory above 4 GiB first, keeping low memory for frame_alloc_below. */
START_TEST(test_high_memory_first)
{
	const mfn_t first = FRAME_LOW_LIMIT - 0x400, nr = FRAME_LOW_LIMIT + 0x400;
	mfn_t m;

	frame_table_init(host_mm_table(nr), nr);
	frame_add_free_range(first, 0x400);
	frame_add_free_range(FRAME_LOW_LIMIT + 1, 0x3ff);
	frame_add_free_range(FRAME_LOW_LIMIT, 1);
	/* Splitting the low block leaves small low blocks; a small high one must still win. */
	m = frame_alloc_below(0, &frame_owner_hv, FRAME_LOW_LIMIT);
	ck_assert(m >= first && m < FRAME_LOW_LIMIT);
	for (int i = 0; i < 0x400; i++) {
		m = frame_alloc(0, &frame_owner_hv);
		ck_assert_msg(m >= FRAME_LOW_LIMIT, "allocation %d took low mfn %#lx", i, m);
	}
	m = frame_alloc_below(0, &frame_owner_hv, FRAME_LOW_LIMIT);
	ck_assert(m >= first && m < FRAME_LOW_LIMIT);
	m = frame_alloc(0, &frame_owner_hv);
	ck_assert(m >= first && m < FRAME_LOW_LIMIT);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_zeroed)
{
	mfn_t m = frame_alloc(2, &frame_owner_hv);
	unsigned char *p = mfn_to_virt(m);

	/* The harness fills memory with 0xa5: frame_alloc must leave it alone. */
	ck_assert_uint_eq(p[0], 0xa5);
	memset(p, 0x5a, 4 * PAGE_SIZE);
	frame_free(m, 2);
	/* Dirty frames go back to the pool; whatever block comes out next must read as zero. */
	for (int round = 0; round < 3; round++) {
		mfn_t z = frame_alloc_zeroed(2, &frame_owner_hv);
		unsigned char *q = mfn_to_virt(z);

		for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
			ck_assert_msg(q[i] == 0, "byte %zu of block %#lx is %#x", i, z, q[i]);
		memset(q, 0x77, 4 * PAGE_SIZE);
		frame_free(z, 2);
	}
	ck_assert_uint_eq(frame_alloc_zeroed(15, &frame_owner_hv), MFN_INVALID);
}
END_TEST

START_TEST(test_type_info_layout)
{
	mfn_t m = frame_alloc(0, &frame_owner_hv);
	struct page_info *pg = mfn_to_page(m);

	ck_assert_uint_eq(pg->count_info, 0);
	ck_assert_uint_eq(pg->type_info, 0);
	pg->type_info = page_type_info_make(PAGE_TYPE_L2, 3, PGT_PINNED | PGT_VALIDATED | 1);
	ck_assert_uint_eq(pg->type_info, (3ULL << 48) | (1ULL << 56) | (1ULL << 57) | 3);
	ck_assert_int_eq(page_type_of(pg), PAGE_TYPE_L2);
	ck_assert_uint_eq(page_type_count(pg), 3);
	pg->type_info = page_type_info_make(PAGE_TYPE_SEGDESC, UINT32_MAX, 0);
	ck_assert_int_eq(page_type_of(pg), PAGE_TYPE_SEGDESC);
	ck_assert_uint_eq(page_type_count(pg), UINT32_MAX);
	pg->count_info = PGC_ALLOCATED | 7;
	ck_assert_uint_eq(page_ref_count(pg), 7);
	/* Counts must be dropped before the free; flags and tag need not be. */
	pg->count_info = PGC_ALLOCATED | PGC_SHARED_HV;
	pg->type_info = page_type_info_make(PAGE_TYPE_L4, 0, PGT_PINNED);
	pg->user_tag = 0x1234;
	frame_free(m, 0);
	/* A reallocated frame starts with no references, no type and no tag. */
	m = frame_alloc(14, &frame_owner_hv);
	ck_assert_uint_eq(m, BASE);
	for (mfn_t i = 0; i < FRAMES; i++) {
		pg = mfn_to_page(m + i);
		ck_assert(pg->count_info == 0 && pg->type_info == 0 && pg->user_tag == 0);
	}
	ck_assert_uint_eq(page_to_mfn(mfn_to_page(BASE + 5)), BASE + 5);
	ck_assert(mfn_valid(BASE + FRAMES - 1));
	ck_assert(!mfn_valid(BASE + FRAMES));
}
END_TEST

START_TEST(test_stats_print_names_owners)
{
	struct frame_owner dom;
	char line[128];

	memset(&dom, 0, sizeof(dom));
	frame_owner_register(&dom, "guest-7", 1000);
	ck_assert_uint_ne(frame_alloc(4, &dom), MFN_INVALID);
	ck_assert_uint_ne(frame_alloc(1, &frame_owner_hv), MFN_INVALID);
	host_log_clear();
	frame_stats_print();
	ck_assert_ptr_nonnull(strstr(host_log_buf, "16384 managed"));
	ck_assert_ptr_nonnull(strstr(host_log_buf, "16366 free"));
	snprintf(line, sizeof(line), "owner %-16s %u frames", "guest-7", 16);
	ck_assert_msg(strstr(host_log_buf, line), "no '%s' in:\n%s", line, host_log_buf);
	snprintf(line, sizeof(line), "owner %-16s %u frames (peak 2, max unlimited, 0 refused)",
		 "hypervisor", 2);
	ck_assert_msg(strstr(host_log_buf, line), "no '%s' in:\n%s", line, host_log_buf);
	ck_assert_ptr_nonnull(strstr(host_log_buf, "max 1000, 0 refused"));
	/* 16384 - 16 - 2 free frames: 0x3fee = orders 1, 2, 3, 5, ... 13, one block each. */
	ck_assert_msg(strstr(host_log_buf, "free blocks by order: 1:1 2:1 3:1 5:1 6:1 7:1 8:1 9:1 "
				       "10:1 11:1 12:1 13:1\n"), "got:\n%s", host_log_buf);
}
END_TEST

/* The audit is what the other tests lean on, so it must itself notice damage. */
START_TEST(test_audit_detects_damage)
{
	mfn_t m = frame_alloc(2, &frame_owner_hv);
	struct page_info *head = mfn_to_page(m), *tail = mfn_to_page(m + 3);
	struct page_info *free_head = mfn_to_page(BASE + FRAMES / 2);
	unsigned long errors = host_log_errors;
	uint32_t saved;

	ck_assert_int_eq(frame_audit(), 0);
	frame_owner_hv.frames++;
	ck_assert_int_eq(frame_audit(), -12);
	frame_owner_hv.frames--;
	saved = tail->alloc_info;
	tail->alloc_info |= FRAME_HEAD;
	ck_assert_int_eq(frame_audit(), -10);
	tail->alloc_info = saved;
	head->u.owner = NULL;
	ck_assert_int_eq(frame_audit(), -9);
	head->u.owner = &frame_owner_hv;
	/* The upper half of the arena is one free order-13 block after the split. */
	ck_assert_uint_eq(page_state(free_head), FRAME_STATE_FREE);
	saved = free_head->alloc_info;
	free_head->alloc_info = (saved & ~FRAME_ORDER_MASK) | (12u << FRAME_ORDER_SHIFT);
	ck_assert_int_eq(frame_audit(), -2);
	free_head->alloc_info = saved;
	mfn_to_page(BASE - 7)->alloc_info = 3;
	ck_assert_int_eq(frame_audit(), -11);
	mfn_to_page(BASE - 7)->alloc_info = FRAME_STATE_RESERVED;
	ck_assert_int_eq(frame_audit(), 0);
	ck_assert_uint_eq(host_log_errors, errors + 5);
}
END_TEST

START_TEST(test_panic_before_init)
{
	EXPECT_PANIC(frame_alloc(0, &frame_owner_hv), "not initialised");
}
END_TEST

START_TEST(test_panic_bad_table)
{
	EXPECT_PANIC(frame_table_init(NULL, 16), "bad table");
}
END_TEST

START_TEST(test_panic_register_twice)
{
	static struct frame_owner dom;

	frame_owner_register(&dom, "dom1", 1);
	EXPECT_PANIC(frame_owner_register(&dom, "dom1", 1), "registered twice");
}
END_TEST

START_TEST(test_panic_free_referenced)
{
	mfn_t m = frame_alloc(1, &frame_owner_hv);

	mfn_to_page(m + 1)->count_info = PGC_ALLOCATED | 2;
	EXPECT_PANIC(frame_free(m, 1), "still has 2 references");
}
END_TEST

START_TEST(test_panic_free_typed)
{
	mfn_t m = frame_alloc(0, &frame_owner_hv);

	mfn_to_page(m)->type_info = page_type_info_make(PAGE_TYPE_L1, 1, PGT_VALIDATED);
	EXPECT_PANIC(frame_free(m, 0), "type 2 count 1");
}
END_TEST

START_TEST(test_panic_free_order_too_big)
{
	EXPECT_PANIC(frame_free(BASE, FRAME_MAX_ORDER + 1), "order 19 > max 18");
}
END_TEST

struct live_block {
	mfn_t mfn;
	unsigned int order;
	struct frame_owner *owner;
};

/* Random alloc/free with a fixed seed; a shadow bitmap catches any frame handed out twice. */
START_TEST(test_random_invariants)
{
	enum { NR_LIVE = 256, STEPS = 20000 };
	static struct live_block live[NR_LIVE];
	struct frame_owner d1, d2, *owners[3] = { &frame_owner_hv, &d1, &d2 };
	unsigned char *used = calloc(FRAMES, 1);
	unsigned int seed = 42, nr = 0;
	struct frame_stats st;

	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	frame_owner_register(&d1, "d1", 3000);
	frame_owner_register(&d2, "d2", 6000);
	for (int step = 0; step < STEPS; step++) {
		unsigned int r = (unsigned int)rand_r(&seed);

		if (nr < NR_LIVE && (nr == 0 || r % 3 != 0)) {
			struct frame_owner *o = owners[(r >> 4) % 3];
			unsigned int order = (r >> 8) % 7;
			mfn_t m = (r >> 12) % 4 ? frame_alloc(order, o)
						: frame_alloc_below(order, o, BASE + FRAMES / 2);

			if (m == MFN_INVALID)
				continue;
			ck_assert_uint_eq(m & ((1UL << order) - 1), 0);
			for (mfn_t i = 0; i < (1UL << order); i++) {
				ck_assert_msg(!used[m - BASE + i], "mfn %#lx handed out twice", m + i);
				used[m - BASE + i] = 1;
			}
			live[nr++] = (struct live_block){ m, order, o };
		} else {
			unsigned int k = (r >> 4) % nr;

			ck_assert_ptr_eq(frame_owner_of(live[k].mfn), live[k].owner);
			frame_free(live[k].mfn, live[k].order);
			memset(used + (live[k].mfn - BASE), 0, 1UL << live[k].order);
			live[k] = live[--nr];
		}
		frame_stats_get(&st);
		ck_assert_uint_eq(st.free + st.owners_sum, st.total);
		if (step % 1000 == 0)
			ck_assert_int_eq(frame_audit(), 0);
	}
	ck_assert_uint_le(frame_owner_frames(&d1), 3000);
	ck_assert_uint_le(d2.peak_frames, 6000);
	host_mm_expect_consistent();
	while (nr) {
		nr--;
		frame_free(live[nr].mfn, live[nr].order);
	}
	frame_stats_get(&st);
	ck_assert_uint_eq(st.free, FRAMES);
	ck_assert_uint_eq(st.free_blocks[14], 1);
	host_mm_expect_consistent();
	free(used);
}
END_TEST

/* Released once every worker exists, so the threads really run at the same time. */
static pthread_barrier_t start_line;

struct worker {
	pthread_t thread;
	struct frame_owner owner;
	unsigned int seed;
	unsigned long allocs, failures;
};

/*
 * Each thread stamps its allocated frames with a tag and checks the tag is
 * intact when it frees them: two threads getting the same frame shows up.
 */
static void *worker_main(void *arg)
{
	enum { KEEP = 32, ITERS = 100000 };
	struct worker *w = arg;
	struct live_block live[KEEP];
	unsigned int nr = 0;

	pthread_barrier_wait(&start_line);
	for (int it = 0; it < ITERS; it++) {
		unsigned int r = (unsigned int)rand_r(&w->seed);

		if (nr < KEEP && (nr == 0 || r & 1)) {
			unsigned int order = (r >> 1) % 5;
			mfn_t m = frame_alloc(order, (r >> 5) & 1 ? &w->owner : &frame_owner_hv);

			if (m == MFN_INVALID) {
				w->failures++;
				continue;
			}
			for (mfn_t i = 0; i < (1UL << order); i++)
				*(uintptr_t *)mfn_to_virt(m + i) = (uintptr_t)w ^ (m + i);
			live[nr++] = (struct live_block){ m, order, NULL };
			w->allocs++;
		} else {
			unsigned int k = (r >> 1) % nr;

			for (mfn_t i = 0; i < (1UL << live[k].order); i++)
				if (*(uintptr_t *)mfn_to_virt(live[k].mfn + i) !=
				    ((uintptr_t)w ^ (live[k].mfn + i)))
					return (void *)1;
			frame_free(live[k].mfn, live[k].order);
			live[k] = live[--nr];
		}
	}
	while (nr) {
		nr--;
		frame_free(live[nr].mfn, live[nr].order);
	}
	return NULL;
}

START_TEST(test_threads)
{
	enum { NR_THREADS = 2 };
	static struct worker w[NR_THREADS];
	struct frame_stats st;
	void *ret;

	ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, NR_THREADS), 0);
	for (int i = 0; i < NR_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = 1000u + (unsigned int)i;
		frame_owner_register(&w[i].owner, "worker", 1000);
	}
	for (int i = 0; i < NR_THREADS; i++)
		ck_assert_int_eq(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < NR_THREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].thread, &ret), 0);
		ck_assert_msg(ret == NULL, "thread %d found a frame overwritten by another", i);
		ck_assert_uint_gt(w[i].allocs, 2500);
		ck_assert_uint_eq(frame_owner_frames(&w[i].owner), 0);
		ck_assert_uint_le(w[i].owner.peak_frames, 1000);
	}
	frame_stats_get(&st);
	ck_assert_uint_eq(st.free, FRAMES);
	ck_assert_uint_eq(st.hv, 0);
	ck_assert_uint_eq(st.free_blocks[14], 1);
	host_mm_expect_consistent();
}
END_TEST

START_TEST(test_panic_double_free)
{
	mfn_t m = frame_alloc(1, &frame_owner_hv);

	frame_free(m, 1);
	EXPECT_PANIC(frame_free(m, 1), "double free");
}
END_TEST

START_TEST(test_panic_tail_frame)
{
	mfn_t m = frame_alloc(2, &frame_owner_hv);

	EXPECT_PANIC(frame_free(m + 1, 0), "not its head");
}
END_TEST

START_TEST(test_panic_wrong_order)
{
	mfn_t m = frame_alloc(2, &frame_owner_hv);

	EXPECT_PANIC(frame_free(m, 1), "allocated with order 2");
}
END_TEST

START_TEST(test_panic_outside_table)
{
	EXPECT_PANIC(frame_free(BASE + FRAMES, 0), "outside the frame table");
}
END_TEST

START_TEST(test_panic_reserved)
{
	EXPECT_PANIC(frame_free(BASE - 1, 0), "never given to the allocator");
}
END_TEST

START_TEST(test_panic_add_twice)
{
	EXPECT_PANIC(frame_add_free_range(BASE + 10, 1), "added twice");
}
END_TEST

START_TEST(test_panic_range_past_table)
{
	EXPECT_PANIC(frame_add_free_range(BASE + FRAMES - 1, 2), "outside the frame table");
}
END_TEST

/* Without a catcher the harness's panic aborts, as the real one stops the machine. */
START_TEST(test_panic_aborts)
{
	mfn_t m = frame_alloc(0, &frame_owner_hv);

	frame_free(m, 0);
	frame_free(m, 0);
}
END_TEST

static TCase *tcase(const char *name, bool with_arena)
{
	TCase *tc = tcase_create(name);

	if (with_arena)
		tcase_add_checked_fixture(tc, boot_default, teardown);
	else
		tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	return tc;
}

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase("core", true), *raw = tcase("layouts", false), *pan = tcase("panic", true);

	tcase_add_test(tc, test_boot_stats);
	tcase_add_test(tc, test_alignment_and_heads);
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_order_too_big);
	tcase_add_test(tc, test_owner_limits);
	tcase_add_test(tc, test_owner_unregister);
	tcase_add_test(tc, test_coalesce_all);
	tcase_add_test(tc, test_zeroed);
	tcase_add_test(tc, test_type_info_layout);
	tcase_add_test(tc, test_stats_print_names_owners);
	tcase_add_test(tc, test_audit_detects_damage);
	tcase_add_test(tc, test_random_invariants);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	tcase_add_test(raw, test_unaligned_range_split);
	tcase_add_test(raw, test_unaligned_range_exact);
	tcase_add_test(raw, test_max_order_block);
	tcase_add_test(raw, test_alloc_below);
	tcase_add_test(raw, test_high_memory_first);
	tcase_add_test(raw, test_panic_before_init);
	tcase_add_test(raw, test_panic_bad_table);
	suite_add_tcase(s, raw);
	tcase_add_test(pan, test_panic_double_free);
	tcase_add_test(pan, test_panic_tail_frame);
	tcase_add_test(pan, test_panic_wrong_order);
	tcase_add_test(pan, test_panic_outside_table);
	tcase_add_test(pan, test_panic_reserved);
	tcase_add_test(pan, test_panic_add_twice);
	tcase_add_test(pan, test_panic_range_past_table);
	tcase_add_test(pan, test_panic_register_twice);
	tcase_add_test(pan, test_panic_free_order_too_big);
	tcase_add_test(pan, test_panic_free_referenced);
	tcase_add_test(pan, test_panic_free_typed);
	tcase_add_test_raise_signal(pan, test_panic_aborts, SIGABRT);
	suite_add_tcase(s, pan);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

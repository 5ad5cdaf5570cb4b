/* SPDX-License-Identifier: MIT */
/* Unit tests for the hypervisor heap (hv/common/heap.c) over the real frame allocator and an arena. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/mm.h>
#include "host_mm.h"

#define BASE	((mfn_t)0x2340)	/* deliberately not aligned to large orders */
#define FRAMES	((mfn_t)0x4000)

static void setup(void)
{
	host_mm_boot(BASE, FRAMES);
	hv_heap_init();
}

static void teardown(void)
{
	host_mm_fini();
}

/* Heap and frame accounting are back where they started: nothing leaked, nothing held. */
static void expect_baseline(void)
{
	struct hv_heap_stats st;

	hv_heap_stats(&st);
	ck_assert_uint_eq(st.slab_frames, 0);
	ck_assert_uint_eq(st.big_frames, 0);
	ck_assert_uint_eq(st.big_allocs, 0);
	ck_assert_uint_eq(st.bytes_in_use, 0);
	for (int c = 0; c < HEAP_NR_CLASSES; c++)
		ck_assert(st.live[c] == 0 && st.slabs[c] == 0);
	ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), 0);
	ck_assert_int_eq(frame_audit(), 0);
}

START_TEST(test_every_class)
{
	enum { PER_CLASS = 300 };	/* more than one slab's worth for every class */
	static unsigned char *p[PER_CLASS];
	struct hv_heap_stats st;

	for (size_t size = 1; size <= HEAP_MAX_SMALL; size = size * 2 + 1) {
		for (int i = 0; i < PER_CLASS; i++) {
			p[i] = hv_alloc(size);
			ck_assert_ptr_nonnull(p[i]);
			ck_assert_uint_eq((uintptr_t)p[i] % HEAP_ALIGN, 0);
			ck_assert_ptr_eq(frame_owner_of(virt_to_mfn(p[i])), &frame_owner_hv);
			memset(p[i], i & 0xff, size);
		}
		hv_heap_stats(&st);
		ck_assert_uint_gt(st.slab_frames, 1);
		/* No two objects overlap: every one still holds its own byte. */
		for (int i = 0; i < PER_CLASS; i++)
			for (size_t b = 0; b < size; b++)
				ck_assert_uint_eq(p[i][b], i & 0xff);
		for (int i = 0; i < PER_CLASS; i++)
			hv_free(p[i]);
		expect_baseline();
	}
}
END_TEST

START_TEST(test_class_boundaries)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 511, 512, 513, 1024, 1025, 2047, 2048 };
	static const unsigned int cls[] = { 0, 0, 0, 1, 1, 1, 2, 5, 5, 6, 6, 7, 7, 7 };
	struct hv_heap_stats st;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = hv_alloc(sizes[i]);

		hv_heap_stats(&st);
		ck_assert_msg(st.live[cls[i]] == 1, "size %zu not in class %u", sizes[i], cls[i]);
		ck_assert_uint_eq(st.bytes_in_use, 16UL << cls[i]);
		hv_free(p);
	}
	expect_baseline();
}
END_TEST

START_TEST(test_alignment)
{
	static void *p[600];

	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = hv_alloc(i * 7 + 1);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_msg((uintptr_t)p[i] % HEAP_ALIGN == 0, "size %zu at %p", i * 7 + 1, p[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		hv_free(p[i]);
	expect_baseline();
}
END_TEST

START_TEST(test_reuse)
{
	void *keep = hv_alloc(100), *p = hv_alloc(100), *q;
	struct hv_heap_stats st;

	hv_free(p);
	q = hv_alloc(128);
	ck_assert_ptr_eq(q, p);
	hv_heap_stats(&st);
	ck_assert_uint_eq(st.slabs[3], 1);
	ck_assert_uint_eq(st.live[3], 2);
	hv_free(q);
	hv_free(keep);
	expect_baseline();
}
END_TEST

START_TEST(test_big)
{
	static const size_t sizes[] = { 2049, 4096, 4097, 3 * 4096, 1 << 20, (1 << 20) + 1 };
	static const unsigned int orders[] = { 0, 0, 1, 2, 8, 9 };
	struct hv_heap_stats st;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = hv_alloc(sizes[i]);
		unsigned int order = 99;
		mfn_t m = virt_to_mfn(p);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % PAGE_SIZE, 0);
		ck_assert_uint_eq(frame_block_head(m, &order), m);
		ck_assert_uint_eq(order, orders[i]);
		ck_assert_ptr_eq(frame_owner_of(m), &frame_owner_hv);
		memset(p, 0x3c, sizes[i]);
		hv_heap_stats(&st);
		ck_assert_uint_eq(st.big_frames, 1UL << orders[i]);
		ck_assert_uint_eq(st.big_allocs, 1);
		ck_assert_uint_eq(frame_owner_frames(&frame_owner_hv), 1UL << orders[i]);
		hv_free(p);
		expect_baseline();
	}
	ck_assert_ptr_null(hv_alloc(0));
	ck_assert_ptr_null(hv_alloc((PAGE_SIZE << FRAME_MAX_ORDER) + 1));
	ck_assert_ptr_null(hv_alloc(SIZE_MAX));
	/* 128 MiB is a valid size but more than the 64 MiB arena holds. */
	ck_assert_ptr_null(hv_alloc(128UL << 20));
	hv_free(NULL);
	expect_baseline();
}
END_TEST

START_TEST(test_zalloc)
{
	void *keep = hv_alloc(64);
	unsigned char *p = hv_alloc(64), *q, *big;

	memset(p, 0xff, 64);
	hv_free(p);
	q = hv_zalloc(64);
	ck_assert_ptr_eq(q, p);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(q[i], 0);
	big = hv_zalloc(3 * PAGE_SIZE);
	for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
		ck_assert_uint_eq(big[i], 0);
	hv_free(big);
	hv_free(q);
	hv_free(keep);
	expect_baseline();
}
END_TEST

START_TEST(test_random_mix_baseline)
{
	enum { N = 5000 };
	static void *p[N];
	unsigned int seed = 7;

	for (int i = 0; i < N; i++) {
		size_t size = (size_t)rand_r(&seed) % 3000 + 1;

		p[i] = hv_alloc(i % 50 == 0 ? size * 10 : size);
		ck_assert_ptr_nonnull(p[i]);
	}
	for (int i = N - 1; i > 0; i--) {
		int j = rand_r(&seed) % (i + 1);
		void *t = p[i];

		p[i] = p[j];
		p[j] = t;
	}
	for (int i = 0; i < N; i++)
		hv_free(p[i]);
	expect_baseline();
}
END_TEST

START_TEST(test_out_of_frames)
{
	struct hv_heap_stats st;
	int n = 0;

	/* Three frames for the heap: three 16-byte slabs of (4096 - 64) / 16 objects. */
	frame_owner_set_max(&frame_owner_hv, 3);
	while (hv_alloc(16))
		n++;
	ck_assert_int_eq(n, 3 * 252);
	ck_assert_ptr_null(hv_alloc(4096));
	hv_heap_stats(&st);
	ck_assert_uint_eq(st.slab_frames, 3);
	ck_assert_uint_eq(st.live[0], 3 * 252);
	ck_assert_uint_eq(st.big_allocs, 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

START_TEST(test_stats_print)
{
	void *p = hv_alloc(200), *b = hv_alloc(10000);

	host_log_clear();
	hv_heap_stats_print();
	ck_assert_msg(strstr(host_log_buf, "16640 bytes in use"), "got:\n%s", host_log_buf);
	ck_assert_msg(strstr(host_log_buf, " 256-byte class: 1 live in 1 slabs"), "got:\n%s",
		      host_log_buf);
	hv_free(p);
	hv_free(b);
}
END_TEST

/* Released once every worker exists, so the threads really run at the same time. */
static pthread_barrier_t start_line;

struct heap_worker {
	pthread_t thread;
	unsigned int seed;
	unsigned long allocs;
};

/* Objects carry a per-thread pattern over their whole size; any overlap between threads breaks it. */
static void *heap_worker_main(void *arg)
{
	enum { KEEP = 64, ITERS = 100000 };
	struct heap_worker *w = arg;
	unsigned char *live[KEEP];
	size_t sizes[KEEP];
	unsigned int nr = 0;
	unsigned char tag = (unsigned char)(uintptr_t)w;

	pthread_barrier_wait(&start_line);
	for (int it = 0; it < ITERS; it++) {
		unsigned int r = (unsigned int)rand_r(&w->seed);

		if (nr < KEEP && (nr == 0 || r & 1)) {
			size_t size = (r >> 1) % 16 ? (r >> 5) % 2048 + 1 : (r >> 5) % 20000 + 1;

			live[nr] = hv_alloc(size);
			if (live[nr] == NULL)
				return (void *)2;
			memset(live[nr], tag ^ (unsigned char)size, size);
			sizes[nr++] = size;
			w->allocs++;
		} else {
			unsigned int k = (r >> 1) % nr;

			for (size_t b = 0; b < sizes[k]; b++)
				if (live[k][b] != (unsigned char)(tag ^ (unsigned char)sizes[k]))
					return (void *)1;
			hv_free(live[k]);
			live[k] = live[nr - 1];
			sizes[k] = sizes[--nr];
		}
	}
	while (nr)
		hv_free(live[--nr]);
	return NULL;
}

START_TEST(test_threads)
{
	enum { NR_THREADS = 2 };
	static struct heap_worker w[NR_THREADS];
	void *ret;

	ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, NR_THREADS), 0);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct heap_worker){ .seed = 77u + (unsigned int)i };
		ck_assert_int_eq(pthread_create(&w[i].thread, NULL, heap_worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		ck_assert_int_eq(pthread_join(w[i].thread, &ret), 0);
		ck_assert_msg(ret == NULL, "thread %d: %s", i,
			      ret == (void *)1 ? "object overwritten" : "out of memory");
		ck_assert_uint_gt(w[i].allocs, 2500);
	}
	expect_baseline();
}
END_TEST

START_TEST(test_panic_double_free_small)
{
	void *keep = hv_alloc(48), *p = hv_alloc(48);

	(void)keep;
	hv_free(p);
	EXPECT_PANIC(hv_free(p), "double free");
}
END_TEST

START_TEST(test_panic_double_free_last_in_slab)
{
	void *p = hv_alloc(48);

	/* The slab went back to the frame allocator: the pointer is now plain free memory. */
	hv_free(p);
	EXPECT_PANIC(hv_free(p), "not allocated hypervisor memory");
}
END_TEST

START_TEST(test_panic_double_free_big)
{
	void *p = hv_alloc(3 * PAGE_SIZE);

	hv_free(p);
	EXPECT_PANIC(hv_free(p), "not allocated hypervisor memory");
}
END_TEST

START_TEST(test_panic_interior_small)
{
	char *p = hv_alloc(64);

	EXPECT_PANIC(hv_free(p + 16), "not the start");
}
END_TEST

START_TEST(test_panic_interior_big)
{
	char *p = hv_alloc(2 * PAGE_SIZE);

	EXPECT_PANIC(hv_free(p + PAGE_SIZE), "inside the big allocation");
}
END_TEST

START_TEST(test_panic_slab_header_in_pointer)
{
	char *p = hv_alloc(64);

	/* The first bytes of a slab block are its header, never an object. */
	EXPECT_PANIC(hv_free((void *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1))), "not the start");
}
END_TEST

START_TEST(test_panic_foreign_pointer)
{
	static char not_heap[64];

	EXPECT_PANIC(hv_free(not_heap), "not allocated hypervisor memory");
}
END_TEST

START_TEST(test_panic_domain_frame)
{
	static struct frame_owner dom;
	mfn_t m;

	frame_owner_register(&dom, "dom1", 16);
	m = frame_alloc(0, &dom);
	EXPECT_PANIC(hv_free(mfn_to_virt(m)), "not allocated hypervisor memory");
}
END_TEST

START_TEST(test_panic_untagged_hv_frame)
{
	mfn_t m = frame_alloc(0, &frame_owner_hv);

	EXPECT_PANIC(hv_free(mfn_to_virt(m)), "did not allocate");
}
END_TEST

START_TEST(test_panic_corrupt_header)
{
	char *p = hv_alloc(64);

	memset((void *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1)), 0, 4);
	EXPECT_PANIC(hv_free(p), "corrupted");
}
END_TEST

START_TEST(test_panic_use_after_free)
{
	void *keep = hv_alloc(32), *p = hv_alloc(32);

	(void)keep;
	hv_free(p);
	*(uint16_t *)p = 0x7777;
	EXPECT_PANIC(hv_alloc(32), "overwritten after free");
}
END_TEST

START_TEST(test_panic_aborts)
{
	void *p = hv_alloc(24), *q = hv_alloc(24);

	(void)q;
	hv_free(p);
	hv_free(p);
}
END_TEST

static Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("core"), *pan = tcase_create("panic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(pan, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_class);
	tcase_add_test(tc, test_class_boundaries);
	tcase_add_test(tc, test_alignment);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_big);
	tcase_add_test(tc, test_zalloc);
	tcase_add_test(tc, test_random_mix_baseline);
	tcase_add_test(tc, test_out_of_frames);
	tcase_add_test(tc, test_stats_print);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	tcase_add_test(pan, test_panic_double_free_small);
	tcase_add_test(pan, test_panic_double_free_last_in_slab);
	tcase_add_test(pan, test_panic_double_free_big);
	tcase_add_test(pan, test_panic_interior_small);
	tcase_add_test(pan, test_panic_interior_big);
	tcase_add_test(pan, test_panic_slab_header_in_pointer);
	tcase_add_test(pan, test_panic_foreign_pointer);
	tcase_add_test(pan, test_panic_domain_frame);
	tcase_add_test(pan, test_panic_untagged_hv_frame);
	tcase_add_test(pan, test_panic_corrupt_header);
	tcase_add_test(pan, test_panic_use_after_free);
	tcase_add_test_raise_signal(pan, test_panic_aborts, SIGABRT);
	suite_add_tcase(s, pan);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(heap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

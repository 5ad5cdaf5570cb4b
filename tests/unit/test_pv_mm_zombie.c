/* SPDX-License-Identifier: MIT */
/* Unit tests of a dying domain's frames in hv/common/pv_mm.c: giving them up, zombies, the zombie list, the per-frame teardown walk. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>
#include <pvabi/errno.h>
#include "test_pv_mm_util.h"

#define PG(m)	mfn_to_page(m)

/* Empties the zombie list into out[]; returns how many. */
static unsigned int take_all(mfn_t *out, unsigned int max)
{
	unsigned int n = 0;

	for (struct page_info *pg = pv_mm_zombies_take(); pg; pg = pv_mm_zombie_next(pg)) {
		ck_assert_uint_lt(n, max);
		out[n++] = page_to_mfn(pg);
	}
	return n;
}

START_TEST(test_claim_dead)
{
	mfn_t free_one = pvt_alloc(&dom_a), used = pvt_alloc(&dom_a);

	ck_assert_int_eq(get_page(PG(used), &dom_a, false), 0);
	ck_assert(!pv_mm_claim_dead(PG(used)));
	ck_assert(!(PG(used)->count_info & PGC_LEAVING));	/* a refused claim changes nothing */
	ck_assert(pv_mm_claim_dead(PG(free_one)));
	ck_assert(PG(free_one)->count_info & PGC_LEAVING);
	/* Claimed: nothing can take a reference any more, so the frame can be freed at once. */
	ck_assert_int_eq(get_page(PG(free_one), &dom_a, false), -XEN_EINVAL);
	frame_free(free_one, 0);
	put_page(PG(used));
	ck_assert(!pv_mm_zombies_pending());	/* an ordinary last put queues nothing */
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/* A frame another domain still uses (a grant: a general and a writable reference) stays until the last put. */
START_TEST(test_zombie_lives_until_last_put)
{
	mfn_t m = pvt_alloc(&dom_a), got[4];

	ck_assert_int_eq(get_page(PG(m), &dom_a, false), 0);
	ck_assert_int_eq(get_page_type(PG(m), PAGE_TYPE_WRITABLE), 0);
	ck_assert_int_eq(get_page(PG(m), &dom_a, false), 0);	/* the mapping's own general reference */
	ck_assert(!pv_mm_claim_dead(PG(m)));
	ck_assert(pv_mm_make_zombie(PG(m)));
	ck_assert(PG(m)->count_info & PGC_ZOMBIE);
	ck_assert_uint_eq(pvt_gen(m), 2);
	/* Still allocated, charged to its dying owner, and no new reference. */
	ck_assert(frame_owner_of(m) == &dom_a.mem);
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), 1);
	ck_assert_int_eq(get_page(PG(m), &dom_a, false), -XEN_EINVAL);
	put_page(PG(m));
	ck_assert(!pv_mm_zombies_pending());
	put_page_type(PG(m));
	ck_assert(!pv_mm_zombies_pending());
	put_page(PG(m));
	ck_assert(pv_mm_zombies_pending());
	ck_assert_uint_eq(take_all(got, 4), 1);
	ck_assert_uint_eq(got[0], m);
	ck_assert(!pv_mm_zombies_pending());
	ck_assert_uint_eq(pvt_gen(m), 0);
	ck_assert_uint_eq(pvt_tcount(m), 0);
	frame_free(m, 0);
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

START_TEST(test_zombie_without_references)
{
	mfn_t m = pvt_alloc(&dom_a);

	/* Nothing held it after all: the caller frees it, and it is marked so nobody takes one now. */
	ck_assert(!pv_mm_make_zombie(PG(m)));
	ck_assert(!(PG(m)->count_info & PGC_ZOMBIE));
	ck_assert(PG(m)->count_info & PGC_LEAVING);
	ck_assert_int_eq(get_page(PG(m), &dom_a, false), -XEN_EINVAL);
	frame_free(m, 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

START_TEST(test_zombie_list_many)
{
	mfn_t m[8], got[8];
	bool seen[8] = { false };

	for (unsigned int i = 0; i < 8; i++) {
		m[i] = pvt_alloc(&dom_a);
		ck_assert_int_eq(get_page(PG(m[i]), &dom_a, false), 0);
		ck_assert(pv_mm_make_zombie(PG(m[i])));
	}
	for (unsigned int i = 0; i < 8; i++)
		put_page(PG(m[i]));
	ck_assert_uint_eq(take_all(got, 8), 8);
	for (unsigned int i = 0; i < 8; i++)
		for (unsigned int j = 0; j < 8; j++)
			seen[j] |= got[i] == m[j];
	for (unsigned int j = 0; j < 8; j++) {
		ck_assert(seen[j]);
		frame_free(m[j], 0);
	}
	ck_assert_uint_eq(take_all(got, 8), 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/*
 * The teardown's mark against the user's last put on another thread: exactly
 * one of them ends up owning the free (make_zombie says "no references"
 * and the caller frees, or the put queues it), never both, never neither.
 */
struct race {
	struct page_info *volatile pg;
	volatile unsigned int go, done;	/* round numbers: the putter runs round go, then sets done */
	unsigned int rounds;
};

static void *race_put(void *arg)
{
	struct race *r = arg;

	for (unsigned int round = 1; round <= r->rounds; round++) {
		while (__atomic_load_n(&r->go, __ATOMIC_ACQUIRE) != round)
			;
		put_page(r->pg);
		__atomic_store_n(&r->done, round, __ATOMIC_RELEASE);
	}
	return NULL;
}

START_TEST(test_zombie_race_with_last_put)
{
	struct race r = { .rounds = 3000 };
	unsigned int by_teardown = 0, by_put = 0;
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, race_put, &r), 0);
	for (unsigned int round = 1; round <= r.rounds; round++) {
		mfn_t m = pvt_alloc(&dom_a), got[2];
		bool zombie;
		unsigned int n;

		ck_assert_int_eq(get_page(PG(m), &dom_a, false), 0);
		r.pg = PG(m);
		__atomic_store_n(&r.go, round, __ATOMIC_RELEASE);
		/* A varying head start for the other thread, so both orders (and overlaps) happen. */
		for (volatile unsigned int spin = (round * 2654435761u) % 400; spin; spin--)
			;
		zombie = pv_mm_make_zombie(PG(m));
		while (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) != round)
			;
		n = take_all(got, 2);
		ck_assert_msg(zombie ? n == 1 && got[0] == m : n == 0, "round %u: zombie %d, queued %u", round, zombie,
			      n);
		by_put += zombie;
		by_teardown += !zombie;
		frame_free(m, 0);
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(frame_audit(), 0);
	/* Which side wins depends on the host's scheduling: only reported. */
	fprintf(stderr, "zombie race: %u freed by the teardown, %u by the last put\n", by_teardown, by_put);
}
END_TEST

/* The per-frame walk, in any order, releases what a whole-list relinquish does. */
START_TEST(test_relinquish_frame_any_order)
{
	struct pvt_tree t, u;
	struct pv_mm_teardown td = { 0 };
	mfn_t all[32];
	size_t n = 0;

	pvt_tree_build(&dom_a, &t, 4);
	pvt_tree_build(&dom_a, &u, 2);
	pvt_tbl(u.l2)[9] = pvt_pte(t.l1, F_TABLE);
	pvt_tbl(t.l1)[40] = pvt_pte(u.l1, F_RO);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, u.l4, 4), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, u.l2, 2), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l4, 400, pvt_pte(u.l4, F_RO), false), 0);
	mfn_t ids[] = { t.l4, t.l3, t.l2, t.l1, u.l4, u.l3, u.l2, u.l1 };
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		all[n++] = ids[i];
	for (unsigned int i = 0; i < t.n; i++)
		all[n++] = t.data[i];
	for (unsigned int i = 0; i < u.n; i++)
		all[n++] = u.data[i];
	/* Leaves first, roots last: the walk meets frames before the tables holding them. */
	for (size_t i = n; i-- > 0;)
		ck_assert_int_eq(pv_mm_relinquish_frame(&dom_a, PG(all[i]), &td), 0);
	ck_assert_uint_eq(td.phase, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(pvt_gen(all[i]) == 0 && pvt_tcount(all[i]) == 0 && pvt_linear(all[i]) == 0,
			      "frame %zu: general %u type %u linear %d", i, pvt_gen(all[i]), pvt_tcount(all[i]),
			      pvt_linear(all[i]));
		ck_assert(pv_mm_claim_dead(PG(all[i])));
		frame_free(all[i], 0);
	}
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

static Suite *zombie_suite(void)
{
	Suite *s = suite_create("pv_mm_zombie");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, pvt_setup, pvt_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_claim_dead);
	tcase_add_test(tc, test_zombie_lives_until_last_put);
	tcase_add_test(tc, test_zombie_without_references);
	tcase_add_test(tc, test_zombie_list_many);
	tcase_add_test(tc, test_zombie_race_with_last_put);
	tcase_add_test(tc, test_relinquish_frame_any_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(zombie_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

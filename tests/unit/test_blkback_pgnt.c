/* SPDX-License-Identifier: MIT */
/* Host tests of blkback's persistent-grant table: lookups, the bound a flood meets, refs picked to collide. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <pvabi/grant_table.h>
#include "blkback_pgnt.h"

static struct blkback_pgnts t;

START_TEST(test_add_find)
{
	blkback_pgnt_init(&t);
	ck_assert_ptr_null(blkback_pgnt_find(&t, 0));
	ck_assert(blkback_pgnt_add(&t, 0, 7, 0x1000));
	ck_assert(blkback_pgnt_add(&t, 0xffffffffu, 8, 0x2000));
	ck_assert(!blkback_pgnt_add(&t, 0, 9, 0x3000));		/* kept already: the first mapping stays */
	ck_assert_uint_eq(t.nr, 2);
	ck_assert_uint_eq(blkback_pgnt_find(&t, 0)->handle, 7);
	ck_assert_uint_eq(blkback_pgnt_find(&t, 0)->frame, 0x1000);
	ck_assert_uint_eq(blkback_pgnt_find(&t, 0xffffffffu)->handle, 8);
	ck_assert_ptr_null(blkback_pgnt_find(&t, 1));
}
END_TEST

/* A frontend naming ever more refs: the first BLKBACK_PGNT_MAX are kept, every later one refused, all still found. */
START_TEST(test_bound)
{
	uint32_t ref = 12345;

	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++, ref += 977)
		ck_assert(blkback_pgnt_add(&t, ref, i, (uint64_t)i << 12));
	for (unsigned int i = 0; i < 5000; i++, ref += 977)
		ck_assert(!blkback_pgnt_add(&t, ref, 0, 0));
	ck_assert_uint_eq(t.nr, BLKBACK_PGNT_MAX);
	ref = 12345;
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++, ref += 977) {
		const struct blkback_pgnt *e = blkback_pgnt_find(&t, ref);

		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->handle, i);
	}
	for (unsigned int i = 0; i < 5000; i++, ref += 977)
		ck_assert_ptr_null(blkback_pgnt_find(&t, ref));
}
END_TEST

/*
 * Refs chosen to share one home slot (the hash is public): each lookup
 * walks a long chain, but every one is found and the table still ends at
 * the bound (the probe always meets an empty slot).
 */
START_TEST(test_colliding_refs)
{
	uint32_t refs[BLKBACK_PGNT_MAX];
	unsigned int n = 0, home0 = (unsigned int)((12u * 0x9e3779b1u) >> 21) & (BLKBACK_PGNT_SLOTS - 1);

	blkback_pgnt_init(&t);
	for (uint32_t r = 12; n < BLKBACK_PGNT_MAX; r++)
		if ((((r * 0x9e3779b1u) >> 21) & (BLKBACK_PGNT_SLOTS - 1)) == home0)
			refs[n++] = r;
	for (unsigned int i = 0; i < n; i++)
		ck_assert(blkback_pgnt_add(&t, refs[i], i, 0));
	ck_assert(!blkback_pgnt_add(&t, 1, 0, 0));
	for (unsigned int i = 0; i < n; i++)
		ck_assert_uint_eq(blkback_pgnt_find(&t, refs[i])->handle, i);
	ck_assert_ptr_null(blkback_pgnt_find(&t, 2));
}
END_TEST

/* Draining hands back every kept mapping exactly once, in batches, and leaves an empty table that fills again. */
START_TEST(test_drain)
{
	struct blkback_pgnt out[100];
	static bool seen[BLKBACK_PGNT_MAX];
	unsigned int n, total = 0;

	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++)
		ck_assert(blkback_pgnt_add(&t, i * 3, i, 0));
	while ((n = blkback_pgnt_drain(&t, out, 100)) > 0) {
		ck_assert_uint_le(n, 100);
		for (unsigned int i = 0; i < n; i++) {
			ck_assert_uint_lt(out[i].handle, BLKBACK_PGNT_MAX);
			ck_assert(!seen[out[i].handle]);
			ck_assert_uint_eq(out[i].gref, out[i].handle * 3);
			seen[out[i].handle] = true;
		}
		total += n;
	}
	ck_assert_uint_eq(total, BLKBACK_PGNT_MAX);
	ck_assert_uint_eq(t.nr, 0);
	ck_assert_ptr_null(blkback_pgnt_find(&t, 3));
	ck_assert(blkback_pgnt_add(&t, 3, 1, 0));
	ck_assert_uint_eq(blkback_pgnt_drain(&t, out, 100), 1);
}
END_TEST

/*
 * A full table and a frontend moving on: refs turned away count as misses;
 * eviction hands back the least recently used (a find counts as a use),
 * oldest first, and the new refs are then kept; every other kept ref is
 * still found.
 */
START_TEST(test_evict_lru)
{
	struct blkback_pgnt out[BLKBACK_PGNT_EVICT];
	unsigned int n;

	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++)
		ck_assert(blkback_pgnt_add(&t, 1000 + i, i, (uint64_t)i << 12));
	/* The first 10 are used again: they are now the most recent. */
	for (unsigned int i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(blkback_pgnt_find(&t, 1000 + i));
	ck_assert(!blkback_pgnt_add(&t, 5000, 0, 0));
	ck_assert(!blkback_pgnt_add(&t, 5001, 0, 0));
	ck_assert_uint_eq(t.misses, 2);
	n = blkback_pgnt_evict(&t, out, BLKBACK_PGNT_EVICT);
	ck_assert_uint_eq(n, BLKBACK_PGNT_EVICT);
	ck_assert_uint_eq(t.misses, 0);
	ck_assert_uint_eq(t.nr, BLKBACK_PGNT_MAX - BLKBACK_PGNT_EVICT);
	for (unsigned int k = 0; k < n; k++)
		ck_assert_uint_eq(out[k].gref, 1010 + k);	/* the oldest after the 10 used again */
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++) {
		bool gone = i >= 10 && i < 10 + BLKBACK_PGNT_EVICT;

		ck_assert(gone == (blkback_pgnt_find(&t, 1000 + i) == NULL));
	}
	ck_assert(blkback_pgnt_add(&t, 5000, 1, 0x5000));
	ck_assert_uint_eq(blkback_pgnt_find(&t, 5000)->frame, 0x5000);
}
END_TEST

/*
 * Refs sharing one home slot, evicted from the middle of their chain in
 * LRU order over many rounds: no entry is ever lost (each eviction moves
 * the run back over its hole), and the table fills to the bound again.
 */
START_TEST(test_evict_colliding)
{
	static uint32_t refs[3 * BLKBACK_PGNT_MAX];
	static bool kept[3 * BLKBACK_PGNT_MAX];
	struct blkback_pgnt out[BLKBACK_PGNT_EVICT];
	unsigned int n = 0, next = 0, home0 = (unsigned int)((12u * 0x9e3779b1u) >> 21) & (BLKBACK_PGNT_SLOTS - 1);

	for (uint32_t r = 12; n < 3 * BLKBACK_PGNT_MAX; r++)
		if ((((r * 0x9e3779b1u) >> 21) & (BLKBACK_PGNT_SLOTS - 1)) == home0 || r % 3 == 0)
			refs[n++] = r;
	blkback_pgnt_init(&t);
	for (unsigned int round = 0; round < 40; round++) {
		while (next < n && blkback_pgnt_add(&t, refs[next], next, 0))
			kept[next++] = true;
		ck_assert_uint_eq(t.nr, next < n ? BLKBACK_PGNT_MAX : t.nr);
		/* Every third kept ref used again, so evictions come from all over the chains. */
		for (unsigned int i = 0; i < next; i += 3)
			if (kept[i])
				ck_assert_uint_eq(blkback_pgnt_find(&t, refs[i])->handle, i);
		for (unsigned int k = blkback_pgnt_evict(&t, out, BLKBACK_PGNT_EVICT); k-- > 0;) {
			ck_assert(kept[out[k].handle]);
			kept[out[k].handle] = false;
		}
		for (unsigned int i = 0; i < next; i++)
			ck_assert(kept[i] == (blkback_pgnt_find(&t, refs[i]) != NULL));
	}
	ck_assert_uint_gt(next, BLKBACK_PGNT_MAX + 20 * BLKBACK_PGNT_EVICT);
}
END_TEST

/*
 * Evicted mappings whose unmap failed go back: still counted and found
 * (they still exist), tried first by the next eviction, ahead of every
 * mapping in use; a ref kept again in between is not restored twice.
 */
START_TEST(test_restore_failed_unmap)
{
	struct blkback_pgnt out[BLKBACK_PGNT_EVICT], again[BLKBACK_PGNT_EVICT];
	unsigned int n;

	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++)
		ck_assert(blkback_pgnt_add(&t, 1000 + i, i, (uint64_t)i << 12));
	ck_assert(!blkback_pgnt_add(&t, 9000, 0, 0));
	n = blkback_pgnt_evict(&t, out, BLKBACK_PGNT_EVICT);
	ck_assert_uint_eq(n, BLKBACK_PGNT_EVICT);
	/* Three of them would not unmap. */
	for (unsigned int k = 5; k < 8; k++)
		ck_assert(blkback_pgnt_restore(&t, &out[k]));
	ck_assert_uint_eq(t.nr, BLKBACK_PGNT_MAX - BLKBACK_PGNT_EVICT + 3);
	ck_assert(!blkback_pgnt_restore(&t, &out[6]));
	ck_assert_uint_eq(t.nr, BLKBACK_PGNT_MAX - BLKBACK_PGNT_EVICT + 3);
	for (unsigned int k = 0; k < n; k++) {
		const struct blkback_pgnt *e = blkback_pgnt_find(&t, out[k].gref);

		ck_assert((k >= 5 && k < 8) == (e != NULL));
		if (e) {
			ck_assert_uint_eq(e->handle, out[k].handle);
			ck_assert_uint_eq(e->frame, out[k].frame);
		}
	}
	/* In a table of 100 kept: the two restored ones are older than all of them, so they go first. */
	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < 100; i++)
		ck_assert(blkback_pgnt_add(&t, 2000 + i, i, 0));
	ck_assert(blkback_pgnt_restore(&t, &(struct blkback_pgnt){ 7, 77, 0x7000, 99, 0 }));
	ck_assert(blkback_pgnt_restore(&t, &(struct blkback_pgnt){ 8, 88, 0x8000, 99, 0 }));
	n = blkback_pgnt_evict(&t, again, 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(again[0].gref + again[1].gref, 7 + 8);	/* the restored ones first */
	ck_assert_uint_eq(again[2].gref, 2000);
	ck_assert_uint_eq(t.nr, 99);
}
END_TEST

/* Only a status that leaves the mapping in place keeps it: bad_handle says there is none to point the disk at. */
START_TEST(test_unmap_left_mapped)
{
	ck_assert(blkback_pgnt_unmap_left_mapped(GNTST_general_error));
	ck_assert(blkback_pgnt_unmap_left_mapped(GNTST_bad_dev_addr));
	ck_assert(blkback_pgnt_unmap_left_mapped(GNTST_eagain));
	ck_assert(!blkback_pgnt_unmap_left_mapped(GNTST_okay));
	ck_assert(!blkback_pgnt_unmap_left_mapped(GNTST_bad_handle));
	ck_assert(!blkback_pgnt_unmap_left_mapped(GNTST_bad_domain));
	ck_assert(!blkback_pgnt_unmap_left_mapped(GNTST_bad_gntref));
	ck_assert(!blkback_pgnt_unmap_left_mapped(GNTST_permission_denied));
}
END_TEST

/*
 * A full table whose 64 oldest mappings never unmap: each is restored
 * BLKBACK_PGNT_RETRIES - 1 times, then given up, so eviction frees other
 * slots again instead of cycling the same stuck ones for ever.
 */
START_TEST(test_restore_gives_up)
{
	struct blkback_pgnt out[BLKBACK_PGNT_EVICT];
	unsigned int n, given_up = 0;

	blkback_pgnt_init(&t);
	for (unsigned int i = 0; i < BLKBACK_PGNT_MAX; i++)
		ck_assert(blkback_pgnt_add(&t, 1000 + i, i, 0));
	for (unsigned int round = 0; round < BLKBACK_PGNT_RETRIES; round++) {
		n = blkback_pgnt_evict(&t, out, BLKBACK_PGNT_EVICT);
		ck_assert_uint_eq(n, BLKBACK_PGNT_EVICT);
		for (unsigned int k = 0; k < n; k++) {
			ck_assert_uint_eq(out[k].gref, 1000 + out[k].handle);
			ck_assert_uint_lt(out[k].handle, BLKBACK_PGNT_EVICT);	/* the failing ones first */
			ck_assert_uint_eq(out[k].fails, round);
			if (!blkback_pgnt_restore(&t, &out[k]))
				given_up++;
		}
		ck_assert_uint_eq(given_up, round + 1 < BLKBACK_PGNT_RETRIES ? 0 : BLKBACK_PGNT_EVICT);
	}
	ck_assert_uint_eq(t.nr, BLKBACK_PGNT_MAX - BLKBACK_PGNT_EVICT);
	for (unsigned int i = 0; i < BLKBACK_PGNT_EVICT; i++)
		ck_assert_ptr_null(blkback_pgnt_find(&t, 1000 + i));
	/* The next eviction reaches mappings that were never restored. */
	n = blkback_pgnt_evict(&t, out, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_ge(out[0].handle, BLKBACK_PGNT_EVICT);
	ck_assert_uint_eq(out[0].fails, 0);
	/* A ref kept afresh starts with no failures. */
	ck_assert(blkback_pgnt_add(&t, 1000, 5, 0));
	ck_assert_uint_eq(blkback_pgnt_find(&t, 1000)->fails, 0);
}
END_TEST

static Suite *pgnt_suite(void)
{
	Suite *s = suite_create("blkback_pgnt");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_add_find);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_colliding_refs);
	tcase_add_test(tc, test_drain);
	tcase_add_test(tc, test_evict_lru);
	tcase_add_test(tc, test_evict_colliding);
	tcase_add_test(tc, test_restore_failed_unmap);
	tcase_add_test(tc, test_unmap_left_mapped);
	tcase_add_test(tc, test_restore_gives_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pgnt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

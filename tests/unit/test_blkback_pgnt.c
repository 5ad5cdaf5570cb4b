/* SPDX-License-Identifier: MIT */
/* Host tests of blkback's persistent-grant table: lookups, the bound a flood meets, refs picked to collide. */
#include <check.h>
#include <stdlib.h>
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

static Suite *pgnt_suite(void)
{
	Suite *s = suite_create("blkback_pgnt");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_add_find);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_colliding_refs);
	tcase_add_test(tc, test_drain);
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

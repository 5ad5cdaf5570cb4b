/* SPDX-License-Identifier: MIT */
/* Unit tests of the domid allocator (lowest free id, no reuse while held, the reserved range) and of the privilege policy. */
#include <check.h>
#include <pthread.h>
#include <hv/domain.h>
#include <hv/priv.h>
#include <pvabi/errno.h>

/* Check forks each test: every test starts with no id taken. */

START_TEST(lowest_free_from_one)
{
	ck_assert_int_eq(domid_claim(0), 0);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 1);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 2);
	ck_assert_int_eq(domid_claim(5), 5);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 3);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 4);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 6);
	domid_release(2);
	ck_assert(!domid_in_use(2));
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 2);
}
END_TEST

START_TEST(zero_never_handed_out)
{
	/* Without dom0 (a failed boot build released it) automatic ids still start at 1. */
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 1);
	ck_assert(!domid_in_use(0));
}
END_TEST

START_TEST(held_id_refused)
{
	ck_assert_int_eq(domid_claim(7), 7);
	ck_assert_int_eq(domid_claim(7), -XEN_EEXIST);
	ck_assert(domid_in_use(7));
	domid_release(7);
	ck_assert_int_eq(domid_claim(7), 7);
}
END_TEST

START_TEST(reserved_refused)
{
	ck_assert_int_eq(domid_claim(DOMID_FIRST_RESERVED), -XEN_EINVAL);
	ck_assert_int_eq(domid_claim(DOMID_SELF), -XEN_EINVAL);
	ck_assert_int_eq(domid_claim(0x7ff2), -XEN_EINVAL);	/* DOMID_XEN */
	ck_assert_int_eq(domid_claim(0xffff), -XEN_EINVAL);
	ck_assert(!domid_in_use(DOMID_FIRST_RESERVED));
	domid_release(DOMID_SELF);	/* harmless */
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 1);
}
END_TEST

START_TEST(exhaustion)
{
	int last = 0;

	for (unsigned int i = 1; i < DOMID_FIRST_RESERVED; i++) {
		last = domid_claim(DOMID_INVALID);
		ck_assert_int_eq(last, (int)i);
	}
	ck_assert_int_eq(last, DOMID_FIRST_RESERVED - 1);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), -XEN_ENOMEM);
	/* One freed in the middle is the next one given, and only once. */
	domid_release(4000);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 4000);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), -XEN_ENOMEM);
	domid_release(DOMID_FIRST_RESERVED - 1);
	domid_release(63);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), 63);
	ck_assert_int_eq(domid_claim(DOMID_INVALID), DOMID_FIRST_RESERVED - 1);
}
END_TEST

/*
 * Small on purpose: the host ticket lock hands over in order, so on a
 * loaded 2-core host every handover to a descheduled waiter costs a time
 * slice (4 x 1000 took over 120 s at load 20).
 */
#define THREADS		2
#define PER_THREAD	200

static int got[THREADS][PER_THREAD];

static void *claimer(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++)
		got[t][i] = domid_claim(DOMID_INVALID);
	return NULL;
}

START_TEST(concurrent_claims_unique)
{
	static bool seen[DOMID_FIRST_RESERVED];
	pthread_t th[THREADS];

	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, claimer, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < THREADS; t++) {
		for (int i = 0; i < PER_THREAD; i++) {
			int id = got[t][i];

			ck_assert_msg(id >= 1 && id <= THREADS * PER_THREAD, "id %d", id);
			ck_assert_msg(!seen[id], "id %d handed out twice", id);
			seen[id] = true;
		}
	}
	ck_assert_int_eq(domid_claim(DOMID_INVALID), THREADS * PER_THREAD + 1);
}
END_TEST

START_TEST(policy)
{
	struct domain dom0 = { .domid = 0, .is_privileged = true };
	struct domain a = { .domid = 1 }, b = { .domid = 2 };

	ck_assert(priv_may_control(&dom0, &a));
	ck_assert(priv_may_control(&dom0, &dom0));
	ck_assert(priv_may_control(&a, &a));
	ck_assert(!priv_may_control(&a, &b));
	ck_assert(!priv_may_control(&a, &dom0));
	ck_assert(!priv_may_control(&a, NULL));
	ck_assert(!priv_may_control(NULL, &a));
	ck_assert(priv_is_control(&dom0));
	ck_assert(!priv_is_control(&a));
	ck_assert(!priv_is_control(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("domid");
	TCase *tc = tcase_create("core");
	SRunner *r;
	int failed;

	tcase_add_test(tc, lowest_free_from_one);
	tcase_add_test(tc, zero_never_handed_out);
	tcase_add_test(tc, held_id_refused);
	tcase_add_test(tc, reserved_refused);
	tcase_add_test(tc, exhaustion);
	tcase_add_test(tc, concurrent_claims_unique);
	tcase_add_test(tc, policy);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}

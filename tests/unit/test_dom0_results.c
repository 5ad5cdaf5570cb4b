/* SPDX-License-Identifier: MIT */
/* Host tests of dom0's results (backends/dom0/results.c): every build it refused or could not follow counts against it. */
#include <check.h>
#include <stdlib.h>
#include <pvabi/sched.h>
#include "bootmod.h"
#include "dom0.h"

long dom0_getdomaininfo(domid_t domid, struct skiff_dominfo *info)
{
	(void)domid, (void)info;
	return -3;	/* no such domain: nothing here is preserved */
}

/* A refused build (too many kernels, a bad domain file) is a failure unless the module expected the refusal. */
START_TEST(refused_counts_unless_expected)
{
	dom0_result_expect(1, "ok", 0, false);
	dom0_result_ended(1, SHUTDOWN_poweroff);
	ck_assert_uint_eq(dom0_results_report(), 0);
	dom0_result_expect(0, "domU17", 0, true);
	ck_assert_uint_eq(dom0_results_report(), 1);
	dom0_result_expect(0, "bad-file", BOOTMOD_EXPECT_REFUSED, true);
	ck_assert_uint_eq(dom0_results_report(), 1);
}
END_TEST

/* Past the table's 64 entries a build is not followed: it counts as unexpected, not as nothing. */
START_TEST(unfollowed_builds_count_against)
{
	for (domid_t d = 1; d <= 64; d++) {
		dom0_result_expect(d, "guest", 0, false);
		dom0_result_ended(d, SHUTDOWN_poweroff);
	}
	ck_assert_uint_eq(dom0_results_report(), 0);
	dom0_result_expect(65, "guest65", 0, false);
	dom0_result_ended(65, SHUTDOWN_poweroff);
	dom0_result_expect(66, "guest66", 0, false);
	ck_assert_uint_eq(dom0_results_report(), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dom0_results");
	TCase *a = tcase_create("refused"), *b = tcase_create("full");
	SRunner *sr;
	int failed;

	/* results.c keeps its table in statics: each test runs in its own process (Check's fork mode). */
	tcase_add_test(a, refused_counts_unless_expected);
	tcase_add_test(b, unfollowed_builds_count_against);
	suite_add_tcase(s, a);
	suite_add_tcase(s, b);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

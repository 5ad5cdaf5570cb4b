/* SPDX-License-Identifier: MIT */
/* The toolstack's shutdown policy (backends/toolstack/lifecycle.c): what each end calls for, and the loop bound. */
#include <check.h>
#include <string.h>
#include "lifecycle.h"

#define S(n)	((uint64_t)(n) * 1000000000ULL)

/* SHUTDOWN_* as pvabi/sched.h numbers them. */
enum { POWEROFF, REBOOT, SUSPEND, CRASH, WATCHDOG, SOFT_RESET };

static struct lc_actions from_file(const char *text)
{
	static struct xlcfg_domain d;
	static struct xlcfg_diags dg;
	struct lc_actions a;

	ck_assert_int_eq(xlcfg_parse(text, strlen(text), &d, &dg), 0);
	lc_actions_from(&a, &d);
	return a;
}

#define BASE "name = 'g'\nkernel = '/k'\nmemory = 64\n"

/* xl's defaults: destroy on poweroff, crash and watchdog, restart on reboot; suspend left alone. */
START_TEST(defaults)
{
	struct lc_actions a = from_file(BASE);
	struct lc_state s = { .started_ns = 0 };

	ck_assert_ptr_null(lc_unsupported(&a));
	ck_assert_int_eq(lc_decide(&s, &a, POWEROFF, S(100)), LC_DESTROY);
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, S(100)), LC_DESTROY);
	ck_assert_int_eq(lc_decide(&s, &a, WATCHDOG, S(100)), LC_DESTROY);
	ck_assert_int_eq(lc_decide(&s, &a, SUSPEND, S(100)), LC_LEAVE);
	ck_assert_int_eq(lc_decide(&s, &a, SOFT_RESET, S(100)), LC_DESTROY);
	ck_assert_int_eq(lc_decide(&s, &a, 99, S(100)), LC_DESTROY);
	ck_assert_uint_eq(s.restarts, 0);
	ck_assert_int_eq(lc_decide(&s, &a, REBOOT, S(100)), LC_RESTART);
	ck_assert_uint_eq(s.restarts, 1);
	ck_assert_uint_eq(s.fast_in_row, 0);
}
END_TEST

/* Each reason reads its own key. */
START_TEST(each_key)
{
	struct lc_actions a = from_file(BASE "on_poweroff = 'preserve'\non_reboot = 'destroy'\n"
					     "on_crash = 'rename-restart'\non_watchdog = 'restart'\n");
	struct lc_state s = { 0 };

	ck_assert_ptr_null(lc_unsupported(&a));
	ck_assert_int_eq(lc_decide(&s, &a, POWEROFF, S(50)), LC_PRESERVE);
	ck_assert_int_eq(lc_decide(&s, &a, REBOOT, S(50)), LC_DESTROY);
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, S(50)), LC_RENAME_RESTART);
	ck_assert_int_eq(lc_decide(&s, &a, WATCHDOG, S(50)), LC_RESTART);
	ck_assert_uint_eq(s.restarts, 2);
}
END_TEST

/* Core dumps and soft reset are refused, naming the key and the action. */
START_TEST(refused_actions)
{
	struct lc_actions a = from_file(BASE "on_crash = 'coredump-restart'\n");
	const char *why = lc_unsupported(&a);

	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, "on_crash = coredump-restart") && strstr(why, "core dumps"), "%s", why);
	a = from_file(BASE "on_watchdog = 'coredump-destroy'\n");
	why = lc_unsupported(&a);
	ck_assert_msg(why && strstr(why, "on_watchdog = coredump-destroy"), "%s", why ? why : "NULL");
	a = from_file(BASE "on_poweroff = 'soft-reset'\n");
	why = lc_unsupported(&a);
	ck_assert_msg(why && strstr(why, "on_poweroff = soft-reset"), "%s", why ? why : "NULL");
}
END_TEST

/*
 * A guest that crashes at once with on_crash=restart: LC_MAX_FAST restarts,
 * then the next fast end is a loop; the decision that refuses counts no
 * restart. A run past LC_FAST_NS resets the count.
 */
START_TEST(loop_bound)
{
	struct lc_actions a = from_file(BASE "on_crash = 'restart'\n");
	struct lc_state s = { .started_ns = S(1) };
	uint64_t now = S(1);

	for (unsigned int i = 0; i < LC_MAX_FAST; i++) {
		now += S(1);
		ck_assert_int_eq(lc_decide(&s, &a, CRASH, now), LC_RESTART);
		s.started_ns = now;
	}
	ck_assert_uint_eq(s.fast_in_row, LC_MAX_FAST);
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, now + S(1)), LC_LOOP);
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, now + S(2)), LC_LOOP);
	ck_assert_uint_eq(s.restarts, LC_MAX_FAST);
	/* A run that lasted: restarted, and the count starts again. */
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, now + LC_FAST_NS), LC_RESTART);
	ck_assert_uint_eq(s.fast_in_row, 0);
	s.started_ns = now + LC_FAST_NS;
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, s.started_ns + S(1)), LC_RESTART);
	ck_assert_uint_eq(s.fast_in_row, 1);
	/* Just under the threshold is fast; a clock behind the start counts as fast too. */
	s.fast_in_row = LC_MAX_FAST;
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, s.started_ns + LC_FAST_NS - 1), LC_LOOP);
	ck_assert_int_eq(lc_decide(&s, &a, CRASH, s.started_ns - 1), LC_LOOP);
	/* Slow reboots never hit the bound. */
	a = from_file(BASE);
	s = (struct lc_state){ .started_ns = 0 };
	for (unsigned int i = 0; i < 3 * LC_MAX_FAST; i++) {
		now = s.started_ns + LC_FAST_NS + S(i);
		ck_assert_int_eq(lc_decide(&s, &a, REBOOT, now), LC_RESTART);
		s.started_ns = now;
	}
	ck_assert_uint_eq(s.restarts, 3 * LC_MAX_FAST);
}
END_TEST

/* xl's rename-restart name: NAME-YYYYMMDDTHHMMZ in UTC, NAME cut to fit 32 bytes. */
START_TEST(preserved_name)
{
	char out[32];

	lc_preserved_name("web", 0, out, sizeof(out));
	ck_assert_str_eq(out, "web-19700101T0000Z");
	/* 2026-12-07 14:21:59 UTC */
	lc_preserved_name("web", 1796653319ULL, out, sizeof(out));
	ck_assert_str_eq(out, "web-20261207T1421Z");
	/* 2024-02-29 23:59 (a leap day) */
	lc_preserved_name("g", 1709251140ULL, out, sizeof(out));
	ck_assert_str_eq(out, "g-20240229T2359Z");
	lc_preserved_name("a-name-of-thirty-one-characters", 0, out, sizeof(out));
	ck_assert_str_eq(out, "a-name-of-thirty-19700101T0000Z");
	ck_assert_uint_eq(strlen(out), 31);
	lc_preserved_name("abc", 0, out, 4);
	ck_assert_str_eq(out, "-19");
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, each_key);
	tcase_add_test(tc, refused_actions);
	tcase_add_test(tc, loop_bound);
	tcase_add_test(tc, preserved_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lifecycle_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

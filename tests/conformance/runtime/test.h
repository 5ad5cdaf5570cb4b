/* SPDX-License-Identifier: MIT */
/* What a conformance test guest sees: the runtime core (frontends/runtime) plus the verdict helpers of the test layer. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include "rt.h"

/* Each test defines this; the test layer prints the verdict line after it returns. */
void test_main(void);

/*
 * Verdict bookkeeping. A check that holds counts as a pass; tc_fail marks
 * the hypervisor as misbehaving, tc_error the harness as broken, tc_skip a
 * property that cannot be checked here. The verdict is the most severe
 * (success < skip < error < failure). A test that checked nothing ends in
 * ERROR, so a test cannot pass by doing nothing.
 */
void tc_pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks `actual == expected` for hypercall results and other integers. */
#define tc_expect_eq(actual, expected, what) \
	tc_check_eq((long)(actual), (long)(expected), (what))
void tc_check_eq(long actual, long expected, const char *what);
/* Checks a condition (bool, so a 64-bit flag test is not truncated); `what` says what was expected to hold. */
void tc_check(bool cond, const char *what, ...) __attribute__((format(printf, 2, 3)));

/*
 * For a test whose last act ends its own domain (the runner then counts
 * dom0's end with the expected reason, without a result line, as SUCCESS,
 * see run): true if checks passed and none failed so far. Print "Test
 * expects: dom0 poweroff" (or reboot, watchdog) only then, right before the
 * act; if the act returns, report it and rt_finish.
 */
int rt_clean_so_far(void);

/*
 * A #GP handler in C, for tests that check privileged instructions: point a
 * trap_info at conf_gp_entry and set conf_gp_hook first. The hook gets the
 * bounce frame (rcx, r11, error code, rip, cs, rflags, rsp, ss) and returns
 * the rip to resume at; caller-saved registers are kept.
 */
extern uint64_t (*conf_gp_hook)(const uint64_t *frame);
void conf_gp_entry(void);

/* Prints the tally and the verdict line and powers off: for tests that end outside test_main. */
void rt_finish(void) __attribute__((noreturn));

#endif

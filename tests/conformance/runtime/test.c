/* SPDX-License-Identifier: MIT */
/* The test layer over the guest runtime: verdict bookkeeping, the verdict line, and the test's entry. */
#include <pvabi/sched.h>
#include "test.h"

uint64_t (*conf_gp_hook)(const uint64_t *frame);

static unsigned int tc_nr_pass, tc_nr_fail, tc_nr_error, tc_nr_skip;

static void tc_vreport(const char *tag, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	rt_printf("%s: %s\n", tag, line);
}

void tc_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vreport("pass", fmt, ap);
	va_end(ap);
	tc_nr_pass++;
}

void tc_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vreport("FAIL", fmt, ap);
	va_end(ap);
	tc_nr_fail++;
}

void tc_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vreport("ERROR", fmt, ap);
	va_end(ap);
	tc_nr_error++;
}

void tc_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tc_vreport("skip", fmt, ap);
	va_end(ap);
	tc_nr_skip++;
}

void tc_check_eq(long actual, long expected, const char *what)
{
	if (actual == expected)
		tc_pass("%s == %ld", what, expected);
	else
		tc_fail("%s: got %ld (%#lx), expected %ld", what, actual, (unsigned long)actual,
			expected);
}

void tc_check(bool cond, const char *what, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, what);
	vsnprintf(line, sizeof(line), what, ap);
	va_end(ap);
	if (cond)
		tc_pass("%s", line);
	else
		tc_fail("%s", line);
}

static const char *tc_verdict(void)
{
	/* Most severe wins, in the order success < skip < error < failure. */
	if (tc_nr_fail)
		return "FAILURE";
	if (tc_nr_error)
		return "ERROR";
	if (tc_nr_skip)
		return "SKIP";
	if (tc_nr_pass == 0) {
		rt_printf("ERROR: the test checked nothing\n");
		return "ERROR";
	}
	return "SUCCESS";
}

int rt_clean_so_far(void)
{
	return tc_nr_pass > 0 && !tc_nr_fail && !tc_nr_error;
}

void rt_finish(void)
{
	rt_printf("checks: %u passed, %u failed, %u errors, %u skipped\n", tc_nr_pass, tc_nr_fail,
		  tc_nr_error, tc_nr_skip);
	rt_printf("Test result: %s\n", tc_verdict());
	rt_shutdown(SHUTDOWN_poweroff);
}

/* An unexpected exception ends the test as a failure whatever was checked before. */
static void tc_fatal(void)
{
	rt_printf("Test result: FAILURE\n");
}

void rt_app_main(void)
{
	rt_fatal_hook = tc_fatal;
	test_main();
	rt_finish();
}

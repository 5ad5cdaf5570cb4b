/* SPDX-License-Identifier: MIT */
/* Command-line parsing: every option, sizes with suffixes, bad and unknown input warned about and ignored. */
#include <check.h>
#include <hv/cmdline.h>
#include <hv/log.h>
#include <stdio.h>
#include <string.h>

static int warnings;
static char last_warning[128];

static void warn(const char *what, const char *tok, size_t len)
{
	(void)what;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%.*s", (int)len, tok);
}

static struct hv_cmdline parse(const char *s)
{
	struct hv_cmdline c;

	warnings = 0;
	last_warning[0] = '\0';
	cmdline_parse(s, &c, warn);
	return c;
}

START_TEST(defaults)
{
	struct hv_cmdline c = parse("");

	ck_assert_int_eq(c.loglvl, LOG_INFO);
	ck_assert_str_eq(c.console, "com1");
	ck_assert_uint_eq(c.dom0_mem, 0);
	ck_assert_uint_eq(c.maxcpus, 0);
	ck_assert_uint_eq(c.tests, 0);
	ck_assert_int_eq(warnings, 0);
	c = parse("   \t  ");
	ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(all_options)
{
	struct hv_cmdline c = parse("loglvl=debug console=none dom0_mem=64M maxcpus=3 test=panic,ud");

	ck_assert_int_eq(c.loglvl, LOG_DEBUG);
	ck_assert_str_eq(c.console, "none");
	ck_assert_uint_eq(c.dom0_mem, 64ULL << 20);
	ck_assert_uint_eq(c.maxcpus, 3);
	ck_assert_uint_eq(c.tests, TEST_PANIC | TEST_UD);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(loglvl_forms)
{
	ck_assert_int_eq(parse("loglvl=err").loglvl, LOG_ERR);
	ck_assert_int_eq(parse("loglvl=warn").loglvl, LOG_WARN);
	ck_assert_int_eq(parse("loglvl=all").loglvl, LOG_DEBUG);
	ck_assert_int_eq(parse("loglvl=1").loglvl, LOG_WARN);
	ck_assert_int_eq(parse("loglvl=9").loglvl, LOG_INFO);	/* out of range: default kept */
	ck_assert_int_eq(warnings, 1);
}
END_TEST

START_TEST(sizes)
{
	uint64_t b;

	ck_assert(cmdline_parse_size("4096", 4, &b) && b == 4096);
	ck_assert(cmdline_parse_size("4k", 2, &b) && b == 4096);
	ck_assert(cmdline_parse_size("2G", 2, &b) && b == (2ULL << 30));
	ck_assert(cmdline_parse_size("0x10M", 5, &b) && b == (16ULL << 20));
	ck_assert(!cmdline_parse_size("", 0, &b));
	ck_assert(!cmdline_parse_size("M", 1, &b));
	ck_assert(!cmdline_parse_size("12X", 3, &b));
	ck_assert(!cmdline_parse_size("1MB", 3, &b));
	ck_assert(!cmdline_parse_size("99999999999999999999", 20, &b));	/* overflows u64 */
	ck_assert(!cmdline_parse_size("17179869184G", 12, &b));		/* overflows on shift */
}
END_TEST

START_TEST(bad_and_unknown)
{
	struct hv_cmdline c = parse("frobnicate=1 maxcpus=0 maxcpus=abc dom0_mem=lots test=explode quiet");

	ck_assert_int_eq(warnings, 6);
	ck_assert_str_eq(last_warning, "quiet");
	ck_assert_uint_eq(c.maxcpus, 0);
	ck_assert_uint_eq(c.dom0_mem, 0);
	ck_assert_uint_eq(c.tests, 0);
	ck_assert_uint_eq(c.nr_unknown, 2);
}
END_TEST

START_TEST(grant_table_limits)
{
	struct hv_cmdline c = parse("gnttab_max_frames=128 gnttab_max_maptrack_frames=2048");

	ck_assert_uint_eq(c.gnttab_max_frames, 128);
	ck_assert_uint_eq(c.gnttab_max_maptrack_frames, 2048);
	c = parse("gnttab_max_frames=0 gnttab_max_maptrack_frames=70000 gnttab_max_frames=5000");
	ck_assert_uint_eq(c.gnttab_max_frames, 0);
	ck_assert_uint_eq(c.gnttab_max_maptrack_frames, 0);
}
END_TEST

START_TEST(pv_erms_values)
{
	struct hv_cmdline c = parse("");

	ck_assert_int_eq(c.pv_erms, PV_ERMS_AUTO);
	c = parse("pv_erms=off");
	ck_assert_int_eq(c.pv_erms, PV_ERMS_OFF);
	c = parse("pv_erms=off pv_erms=on");
	ck_assert_int_eq(c.pv_erms, PV_ERMS_ON);
	c = parse("pv_erms=on pv_erms=auto");
	ck_assert_int_eq(c.pv_erms, PV_ERMS_AUTO);
	ck_assert_int_eq(warnings, 0);
	/* Junk (a prefix, a longer word, no value) is refused and leaves the earlier choice. */
	c = parse("pv_erms=off pv_erms=of pv_erms=offf pv_erms=");
	ck_assert_int_eq(c.pv_erms, PV_ERMS_OFF);
	ck_assert_int_eq(warnings, 3);
}
END_TEST

START_TEST(console_too_long)
{
	struct hv_cmdline c = parse("console=abcdefghijklmnopqrstuvwxyz");

	ck_assert_str_eq(c.console, "com1");
	ck_assert_int_eq(warnings, 1);
}
END_TEST

START_TEST(later_wins_and_whitespace)
{
	struct hv_cmdline c = parse("  maxcpus=2\t\tmaxcpus=4  ");

	ck_assert_uint_eq(c.maxcpus, 4);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, pv_erms_values);
	tcase_add_test(tc, all_options);
	tcase_add_test(tc, grant_table_limits);
	tcase_add_test(tc, loglvl_forms);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, bad_and_unknown);
	tcase_add_test(tc, console_too_long);
	tcase_add_test(tc, later_wins_and_whitespace);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

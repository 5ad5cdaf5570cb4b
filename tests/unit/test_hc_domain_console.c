/* SPDX-License-Identifier: MIT */
/* Domain console: line assembly, splitting of long lines, escaping of bytes a terminal would act on, and locking between vCPUs. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <hv/log.h>

#include "hc_harness.h"

/* Declared in domain.h by the lead once it lands there. */
void domain_console_flush(struct domain *d);

static struct domain *d0, *d1;

static void setup(void)
{
	hc_reset();
	d0 = hc_domain(0, "dom0", true);
	d1 = hc_domain(12, "guest-1", false);
}

static void out(struct domain *d, const char *s)
{
	domain_console_write(d, s, strlen(s));
}

START_TEST(test_whole_line)
{
	out(d1, "hello\n");
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d12 guest-1) hello");
	ck_assert_int_eq(hc_log_level(0), LOG_INFO);
	ck_assert_uint_eq(d1->console_len, 0);
}
END_TEST

START_TEST(test_nothing_until_newline)
{
	out(d1, "par");
	out(d1, "tial");
	ck_assert_uint_eq(hc_log_count(), 0);
	out(d1, " line\nnext");
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d12 guest-1) partial line");
	ck_assert_uint_eq(d1->console_len, 4);
}
END_TEST

START_TEST(test_several_lines_and_empty_lines)
{
	out(d0, "a\n\nb\n");
	ck_assert_uint_eq(hc_log_count(), 3);
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) a");
	ck_assert_str_eq(hc_log_line(1), "(d0 dom0) ");
	ck_assert_str_eq(hc_log_line(2), "(d0 dom0) b");
}
END_TEST

START_TEST(test_zero_length_write)
{
	domain_console_write(d0, NULL, 0);
	domain_console_write(d0, "x", 0);
	ck_assert_uint_eq(hc_log_count(), 0);
	ck_assert_uint_eq(d0->console_len, 0);
}
END_TEST

START_TEST(test_carriage_return_dropped)
{
	out(d0, "one\r\ntw\ro\n");
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) one");
	ck_assert_str_eq(hc_log_line(1), "(d0 dom0) two");
}
END_TEST

START_TEST(test_control_bytes_escaped)
{
	static const char raw[] = "a\x1b[31mred\x07\x9b" "1;1H\x7f\tz\xff";

	domain_console_write(d1, raw, sizeof(raw) - 1);
	domain_console_write(d1, "\0\n", 2);
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0),
			 "(d12 guest-1) a\\x1b[31mred\\x07\\x9b1;1H\\x7f\tz\\xff\\x00");
}
END_TEST

START_TEST(test_no_raw_control_byte_ever_printed)
{
	char all[256];

	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	domain_console_write(d1, all, sizeof(all));
	domain_console_flush(d1);
	for (unsigned int l = 0; l < hc_log_count(); l++) {
		const unsigned char *s = (const unsigned char *)hc_log_line(l);

		for (size_t i = 0; s[i]; i++)
			ck_assert_msg((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\t',
				      "line %u byte %zu is %#x", l, i, s[i]);
	}
	/* Bytes 0..9 end at the '\n'; the other 244 (no '\r') make 691 characters, none lost. */
	ck_assert_uint_eq(hc_log_count(), 4);
	{
		size_t total = 0, p = strlen("(d12 guest-1) ");

		for (unsigned int l = 1; l < 4; l++) {
			ck_assert_uint_le(strlen(hc_log_line(l)) - p, DOMAIN_CONSOLE_LINE - 1);
			total += strlen(hc_log_line(l)) - p;
		}
		ck_assert_uint_eq(total, 20 * 4 + 95 + 129 * 4);
	}
	ck_assert_str_eq(hc_log_line(0), "(d12 guest-1) \\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\t");
}
END_TEST

static void assert_line_of(unsigned int i, const char *prefix, char c, size_t n)
{
	const char *s = hc_log_line(i);
	size_t p = strlen(prefix);

	ck_assert_int_eq(strncmp(s, prefix, p), 0);
	ck_assert_uint_eq(strlen(s + p), n);
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(s[p + k], c);
}

START_TEST(test_long_line_split_when_full)
{
	char buf[600];

	memset(buf, 'a', sizeof(buf));
	domain_console_write(d0, buf, sizeof(buf));
	/* 255 characters per printed line: the buffer keeps one byte for the NUL. */
	ck_assert_uint_eq(hc_log_count(), 2);
	assert_line_of(0, "(d0 dom0) ", 'a', DOMAIN_CONSOLE_LINE - 1);
	assert_line_of(1, "(d0 dom0) ", 'a', DOMAIN_CONSOLE_LINE - 1);
	ck_assert_uint_eq(d0->console_len, 600 - 2 * (DOMAIN_CONSOLE_LINE - 1));
	out(d0, "\n");
	assert_line_of(2, "(d0 dom0) ", 'a', 600 - 2 * (DOMAIN_CONSOLE_LINE - 1));
}
END_TEST

START_TEST(test_exactly_full_line_then_newline)
{
	char buf[DOMAIN_CONSOLE_LINE - 1];

	memset(buf, 'b', sizeof(buf));
	domain_console_write(d0, buf, sizeof(buf));
	ck_assert_uint_eq(hc_log_count(), 0);
	out(d0, "\n");
	ck_assert_uint_eq(hc_log_count(), 1);
	assert_line_of(0, "(d0 dom0) ", 'b', DOMAIN_CONSOLE_LINE - 1);
}
END_TEST

START_TEST(test_escape_never_split)
{
	char buf[DOMAIN_CONSOLE_LINE - 3];

	/* 252 bytes leave room for 3 more: a 4-byte escape goes to the next line whole. */
	memset(buf, 'c', sizeof(buf));
	domain_console_write(d0, buf, sizeof(buf));
	out(d0, "\x1b\n");
	ck_assert_uint_eq(hc_log_count(), 2);
	assert_line_of(0, "(d0 dom0) ", 'c', DOMAIN_CONSOLE_LINE - 3);
	ck_assert_str_eq(hc_log_line(1), "(d0 dom0) \\x1b");
}
END_TEST

START_TEST(test_domains_do_not_mix)
{
	out(d0, "zero-");
	out(d1, "one-");
	out(d0, "end\n");
	out(d1, "end\n");
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) zero-end");
	ck_assert_str_eq(hc_log_line(1), "(d12 guest-1) one-end");
}
END_TEST

START_TEST(test_flush)
{
	domain_console_flush(d1);
	ck_assert_uint_eq(hc_log_count(), 0);
	out(d1, "no newline");
	domain_console_flush(d1);
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d12 guest-1) no newline");
	domain_console_flush(d1);
	ck_assert_uint_eq(hc_log_count(), 1);
}
END_TEST

START_TEST(test_name_escaped)
{
	struct domain *d = hc_domain(5, "x", false);

	memset(d->name, 0x1b, sizeof(d->name));	/* not even NUL-terminated */
	out(d, "hi\n");
	{
		char want[256] = "(d5 ";

		for (int i = 0; i < DOMAIN_NAME_MAX; i++)
			strcat(want, "\\x1b");
		strcat(want, ") hi");
		ck_assert_str_eq(hc_log_line(0), want);
	}
}
END_TEST

START_TEST(test_longest_line_fits_printk)
{
	/* hv/common/printk.c formats into 512 bytes after a timestamp/CPU header of at most ~32. */
	struct domain *d = hc_domain(65535, "x", false);
	char buf[DOMAIN_CONSOLE_LINE - 1];

	memset(d->name, 0x9b, sizeof(d->name));
	memset(buf, 0x1b, sizeof(buf));
	domain_console_write(d, buf, sizeof(buf));
	domain_console_flush(d);
	ck_assert_uint_ge(hc_log_count(), 1);
	for (unsigned int i = 0; i < hc_log_count(); i++)
		ck_assert_uint_lt(strlen(hc_log_line(i)), 512 - 32);
	ck_assert_int_eq(strncmp(hc_log_line(0), "(d65535 \\x9b", 12), 0);
}
END_TEST

#define THREAD_LINES 500

static void *writer(void *arg)
{
	char line[81];

	memset(line, *(const char *)arg, 80);
	line[80] = '\n';
	for (int i = 0; i < THREAD_LINES; i++)
		domain_console_write(d1, line, sizeof(line));
	return NULL;
}

START_TEST(test_two_vcpus_lines_stay_whole)
{
	pthread_t a, b;
	char ca = 'A', cb = 'B';
	unsigned int na = 0, nb = 0;

	pthread_create(&a, NULL, writer, &ca);
	pthread_create(&b, NULL, writer, &cb);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_uint_eq(hc_log_count(), 2 * THREAD_LINES);
	for (unsigned int i = 0; i < hc_log_count(); i++) {
		const char *s = hc_log_line(i) + strlen("(d12 guest-1) ");
		char c = s[0];

		ck_assert(c == 'A' || c == 'B');
		assert_line_of(i, "(d12 guest-1) ", c, 80);
		if (c == 'A')
			na++;
		else
			nb++;
	}
	ck_assert_uint_eq(na, THREAD_LINES);
	ck_assert_uint_eq(nb, THREAD_LINES);
}
END_TEST

static Suite *domain_console_suite(void)
{
	Suite *s = suite_create("domain_console");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_whole_line);
	tcase_add_test(tc, test_nothing_until_newline);
	tcase_add_test(tc, test_several_lines_and_empty_lines);
	tcase_add_test(tc, test_zero_length_write);
	tcase_add_test(tc, test_carriage_return_dropped);
	tcase_add_test(tc, test_control_bytes_escaped);
	tcase_add_test(tc, test_no_raw_control_byte_ever_printed);
	tcase_add_test(tc, test_long_line_split_when_full);
	tcase_add_test(tc, test_exactly_full_line_then_newline);
	tcase_add_test(tc, test_escape_never_split);
	tcase_add_test(tc, test_domains_do_not_mix);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_name_escaped);
	tcase_add_test(tc, test_longest_line_fits_printk);
	tcase_add_test(tc, test_two_vcpus_lines_stay_whole);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(domain_console_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

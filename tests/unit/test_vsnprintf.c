/* SPDX-License-Identifier: MIT */
/* The hypervisor's formatter against libc's on the conversions it supports, plus truncation. */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...);

#define SAME(fmt, ...) do { \
	char a[128], b[128]; \
	int na = hv_snprintf(a, sizeof(a), fmt, __VA_ARGS__); \
	int nb = snprintf(b, sizeof(b), fmt, __VA_ARGS__); \
	ck_assert_str_eq(a, b); \
	ck_assert_int_eq(na, nb); \
} while (0)

START_TEST(matches_libc)
{
	SAME("%d %i %u", -42, 7, 4000000000u);
	SAME("%x %X %lx", 0xbeefu, 0xbeefu, 0xffff82d040000000UL);
	SAME("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	SAME("%s|%10s|%-10s|%.3s", "abc", "right", "left", "truncate");
	SAME("%c%c %%", 'o', 'k');
	SAME("%lu %ld %zu", 18446744073709551615UL, (long)INT64_MIN, (size_t)12345);
	SAME("%016lx", 0x1234UL);
	SAME("%.*s", 2, "xyz");
	SAME("%*d", 6, 17);
	/* '#' (the guest runtime's tests print with it): 0x only before a non-zero value, inside zero padding. */
	SAME("%#x %#lx %#X %#x", 0xbeefu, 0xffff82d040000000UL, 0xbeefu, 0u);
	SAME("[%#010x] [%#10x] [%-#10x] [%#06lx]", 0x1234u, 0x1234u, 0x1234u, 0UL);
}
END_TEST

START_TEST(pointers_and_null)
{
	char a[64];
	const char *volatile nul = NULL;	/* volatile: keep the compiler from flagging the NULL */

	hv_snprintf(a, sizeof(a), "%p", (void *)0xffff830000001000UL);
	ck_assert_str_eq(a, "0xffff830000001000");
	hv_snprintf(a, sizeof(a), "%s", nul);
	ck_assert_str_eq(a, "(null)");
}
END_TEST

START_TEST(truncation)
{
	char a[8];
	int n;

	memset(a, 'Z', sizeof(a));
	n = hv_snprintf(a, 5, "%s", "abcdefgh");
	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(a, "abcd");
	ck_assert_int_eq(a[5], 'Z');
	n = hv_snprintf(NULL, 0, "%d", 12345);
	ck_assert_int_eq(n, 5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vsnprintf");
	TCase *tc = tcase_create("format");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, matches_libc);
	tcase_add_test(tc, pointers_and_null);
	tcase_add_test(tc, truncation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

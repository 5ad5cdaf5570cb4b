/* SPDX-License-Identifier: MIT */
/* console_io handler: writes reach the domain console in bounded chunks, bad buffers print nothing, reads and other sub-ops need privilege. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/hypercall.h>
#include <hv/log.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

#include "hc_harness.h"

/* The handler's limits this test holds it to. */
#define CHUNK_MAX	128
#define WRITE_MAX	(16 * 1024)

static struct domain *dom0, *domu;

static void setup(void)
{
	hc_reset();
	dom0 = hc_domain(0, "dom0", true);
	domu = hc_domain(7, "web", false);
	hc_set_current(dom0);
}

static long cio(uint64_t cmd, uint64_t count, uint64_t buf)
{
	return do_console_io(current_vcpu(), cmd, count, buf, 0, 0);
}

/* Puts s into guest memory at va and returns va. */
static uint64_t put(uint64_t va, const char *s)
{
	memcpy(hc_host(va), s, strlen(s));
	return va;
}

START_TEST(test_write_line)
{
	uint64_t va = put(hc_va(0, 0), "hello from dom0\n");

	ck_assert_int_eq(cio(CONSOLEIO_write, 16, va), 0);
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) hello from dom0");
	ck_assert_int_eq(hc_log_level(0), LOG_INFO);
}
END_TEST

START_TEST(test_write_domu_has_its_prefix)
{
	uint64_t va = put(hc_va(1, 10), "up\n");

	hc_set_current(domu);
	ck_assert_int_eq(cio(CONSOLEIO_write, 3, va), 0);
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d7 web) up");
}
END_TEST

START_TEST(test_write_zero_reads_nothing)
{
	ck_assert_int_eq(cio(CONSOLEIO_write, 0, HC_VA_UNMAPPED), 0);
	ck_assert_int_eq(cio(CONSOLEIO_write, 0, HC_VA_HV), 0);
	/* Only the low 32 bits are the count. */
	ck_assert_int_eq(cio(CONSOLEIO_write, 1ULL << 32, HC_VA_NONCANON), 0);
	ck_assert_uint_eq(hc_copy_from_calls(), 0);
	ck_assert_uint_eq(dom0->console_len, 0);
	ck_assert_uint_eq(hc_log_count(), 0);
}
END_TEST

static const uint64_t bad_ptrs[] = {
	HC_VA_UNMAPPED, HC_VA_HV, HC_VA_NONCANON, HC_VA_HOLE, 0xfffffffffffffff8ULL,
	0x0000900000000000ULL, HC_VA_HV - 8,
};

START_TEST(test_write_bad_pointer_prints_nothing)
{
	uint64_t bad = bad_ptrs[_i];
	uint64_t nl = put(hc_va(0, 0), "\n");

	for (int who = 0; who < 2; who++) {
		hc_set_current(who ? domu : dom0);
		ck_assert_int_eq(cio(CONSOLEIO_write, 16, bad), -XEN_EFAULT);
		ck_assert_int_eq(cio(CONSOLEIO_write, 1, bad), -XEN_EFAULT);
		/* Nothing was buffered either: a newline now prints an empty line. */
		ck_assert_int_eq(cio(CONSOLEIO_write, 1, nl), 0);
	}
	ck_assert_uint_eq(hc_log_count(), 2);
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) ");
	ck_assert_str_eq(hc_log_line(1), "(d7 web) ");
}
END_TEST

START_TEST(test_write_from_read_only_page)
{
	uint64_t va = put(HC_VA_RO, "ro text\n");

	ck_assert_int_eq(cio(CONSOLEIO_write, 8, va), 0);
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) ro text");
}
END_TEST

START_TEST(test_count_is_32_bit)
{
	uint64_t va = put(hc_va(0, 0), "abc\nNOT PRINTED\n");

	ck_assert_int_eq(cio((1ULL << 32) | CONSOLEIO_write, 0xffffffff00000004ULL, va), 0);
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_str_eq(hc_log_line(0), "(d0 dom0) abc");
}
END_TEST

/* Writes n bytes of numbered 99-character lines from va; returns the number of lines. */
static unsigned int fill_lines(uint64_t va, size_t n)
{
	char *p = hc_host(va);
	unsigned int lines = 0;

	for (size_t i = 0; i < n; i += 100, lines++) {
		char line[101];

		snprintf(line, sizeof(line), "%05u%094d\n", lines, 0);
		memcpy(p + i, line, MIN((size_t)100, n - i));
	}
	return lines;
}

START_TEST(test_large_write_in_chunks)
{
	size_t n = 8000;		/* crosses page 0 -> 1 */
	unsigned int lines = fill_lines(hc_va(0, 50), n);

	ck_assert_int_eq(cio(CONSOLEIO_write, n, hc_va(0, 50)), 0);
	ck_assert_uint_le(hc_copy_from_max(), CHUNK_MAX);
	ck_assert_uint_eq(hc_copy_from_calls(), (n + CHUNK_MAX - 1) / CHUNK_MAX);
	ck_assert_uint_eq(hc_log_count(), lines);
	for (unsigned int i = 0; i < lines; i++) {
		char want[128];

		snprintf(want, sizeof(want), "(d0 dom0) %05u%094d", i, 0);
		ck_assert_str_eq(hc_log_line(i), want);
	}
}
END_TEST

START_TEST(test_write_is_capped)
{
	size_t n = 30000;		/* pages 0..7 are mapped: 32 KiB */
	unsigned int last;

	fill_lines(hc_va(0, 0), n);
	ck_assert_int_eq(cio(CONSOLEIO_write, n, hc_va(0, 0)), 0);
	ck_assert_uint_eq(hc_copy_from_calls(), WRITE_MAX / CHUNK_MAX);
	/* WRITE_MAX / 100 whole lines, then a warning; the cut line stays buffered. */
	last = hc_log_count() - 1;
	ck_assert_uint_eq(last, WRITE_MAX / 100);
	ck_assert_int_eq(hc_log_level(last), LOG_WARN);
	ck_assert_ptr_nonnull(strstr(hc_log_line(last), "30000"));
	ck_assert_uint_eq(dom0->console_len, WRITE_MAX % 100);
}
END_TEST

START_TEST(test_write_running_into_hole)
{
	/* 300 bytes of which 200 are mapped: Xen prints the chunks before the fault, then -EFAULT. */
	uint64_t va = hc_va(HC_PAGE_HOLE, 0) - 200;

	memset(hc_host(va), 'z', 200);
	ck_assert_int_eq(cio(CONSOLEIO_write, 300, va), -XEN_EFAULT);
	ck_assert_uint_eq(hc_copy_from_calls(), 2);
	ck_assert_uint_eq(dom0->console_len, 128);
}
END_TEST

START_TEST(test_write_running_off_canonical_prints_nothing)
{
	/* 296 mapped bytes, then non-canonical addresses: the range check comes before any copy. */
	uint64_t va = HC_VA_TOP + PAGE_SIZE - 296;

	memset(hc_host(va), 'q', 296);
	ck_assert_int_eq(cio(CONSOLEIO_write, 400, va), -XEN_EFAULT);
	ck_assert_uint_eq(hc_copy_from_calls(), 0);
	ck_assert_uint_eq(dom0->console_len, 0);
	ck_assert_int_eq(cio(CONSOLEIO_write, 296, va), 0);
	/* 296 bytes without a newline: one full 255-byte line printed, 41 kept. */
	ck_assert_uint_eq(hc_log_count(), 1);
	ck_assert_uint_eq(dom0->console_len, 296 - 255);
}
END_TEST

START_TEST(test_read_dom0)
{
	memset(hc_host(hc_va(0, 0)), 0x5a, 64);
	ck_assert_int_eq(cio(CONSOLEIO_read, 64, hc_va(0, 0)), 0);
	ck_assert_int_eq(cio(CONSOLEIO_read, 0, 0), 0);
	ck_assert_int_eq(cio(CONSOLEIO_read, 0x7fffffff, hc_va(0, 0)), 0);
	ck_assert_int_eq(cio(CONSOLEIO_read, 0x80000000, hc_va(0, 0)), -XEN_E2BIG);
	ck_assert_int_eq(cio(CONSOLEIO_read, 0xffffffff, hc_va(0, 0)), -XEN_E2BIG);
	/* Count is 32-bit: this is 16. */
	ck_assert_int_eq(cio(CONSOLEIO_read, 0x8000000000000010ULL, hc_va(0, 0)), 0);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(((uint8_t *)hc_host(hc_va(0, 0)))[i], 0x5a);
}
END_TEST

START_TEST(test_read_domu_eperm)
{
	hc_set_current(domu);
	ck_assert_int_eq(cio(CONSOLEIO_read, 64, hc_va(0, 0)), -XEN_EPERM);
	ck_assert_int_eq(cio(CONSOLEIO_read, 0x80000000, hc_va(0, 0)), -XEN_EPERM);
}
END_TEST

START_TEST(test_unknown_subops)
{
	static const uint64_t ops[] = { 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, (1ULL << 32) | 2 };
	uint64_t va = put(hc_va(0, 0), "x\n");

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		hc_set_current(dom0);
		ck_assert_int_eq(cio(ops[i], 2, va), -XEN_ENOSYS);
		hc_set_current(domu);
		ck_assert_int_eq(cio(ops[i], 2, va), -XEN_EPERM);
	}
	ck_assert_uint_eq(hc_copy_from_calls(), 0);
	ck_assert_uint_eq(hc_log_count(), 0);
}
END_TEST

START_TEST(test_escapes_reach_the_console)
{
	uint64_t va = put(hc_va(0, 0), "\x1b[2Jboom\r\n");

	hc_set_current(domu);
	ck_assert_int_eq(cio(CONSOLEIO_write, 11, va), 0);
	ck_assert_str_eq(hc_log_line(0), "(d7 web) \\x1b[2Jboom");
}
END_TEST

static Suite *console_io_suite(void)
{
	Suite *s = suite_create("console_io");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_write_line);
	tcase_add_test(tc, test_write_domu_has_its_prefix);
	tcase_add_test(tc, test_write_zero_reads_nothing);
	tcase_add_loop_test(tc, test_write_bad_pointer_prints_nothing, 0,
			    (int)(sizeof(bad_ptrs) / sizeof(bad_ptrs[0])));
	tcase_add_test(tc, test_write_from_read_only_page);
	tcase_add_test(tc, test_count_is_32_bit);
	tcase_add_test(tc, test_large_write_in_chunks);
	tcase_add_test(tc, test_write_is_capped);
	tcase_add_test(tc, test_write_running_into_hole);
	tcase_add_test(tc, test_write_running_off_canonical_prints_nothing);
	tcase_add_test(tc, test_read_dom0);
	tcase_add_test(tc, test_read_domu_eperm);
	tcase_add_test(tc, test_unknown_subops);
	tcase_add_test(tc, test_escapes_reach_the_console);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(console_io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

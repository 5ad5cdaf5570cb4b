/* SPDX-License-Identifier: MIT */
/* Serial console input (hv/common/console_input.c): dom0's ring and CONSOLEIO_read, the hypervisor's own Ctrl-A switch, hostile rings. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <hv/console.h>
#include <hv/hypercall.h>
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/xen.h>

#include "hc_console_stubs.h"
#include "hc_harness.h"

static struct domain *dom0, *d1, *d2;
static struct xencons_interface ring1, ring2;

static void setup(void)
{
	hc_reset();
	stub_reset();
	memset(&ring1, 0, sizeof(ring1));
	memset(&ring2, 0, sizeof(ring2));
	dom0 = hc_domain(0, "dom0", true);
	d1 = hc_domain(1, "one", false);
	d2 = hc_domain(2, "two", false);
	stub_give_ring(dom0, NULL);
	stub_give_ring(d1, &ring1);
	stub_give_ring(d2, &ring2);
	hc_set_current(dom0);
	console_input_start();
}

static void type(const char *s, size_t n)
{
	stub_serial_feed(s, n);
	/* The poll takes at most 256 bytes a time, as the hypervisor's does. */
	for (size_t done = 0; done <= n; done += 256)
		ck_assert(stub_run_poll());
}

static long rd(uint32_t count, uint64_t va)
{
	return do_console_io(current_vcpu(), CONSOLEIO_read, count, va, 0, 0);
}

static void expect_ring(struct xencons_interface *r, const char *s, size_t n)
{
	ck_assert_uint_eq(r->in_prod - r->in_cons, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(r->in[xencons_in_pos(r->in_cons + (XENCONS_RING_IDX)i)], s[i]);
}

START_TEST(to_dom0_verbatim)
{
	char *buf = hc_host(hc_va(0, 0));

	stub_set_console_in_dom0(true);
	type("ab\x01\x01\x01x", 6);
	/* dom0's backend switches: the Ctrl-As reach it as typed, and nothing goes to a domU ring. */
	ck_assert_uint_ge(stub_virq_console(), 1);
	ck_assert_int_eq(rd(2, hc_va(0, 0)), 2);
	ck_assert(memcmp(buf, "ab", 2) == 0);
	ck_assert_int_eq(rd(100, hc_va(0, 0)), 4);
	ck_assert(memcmp(buf, "\x01\x01\x01x", 4) == 0);
	ck_assert_int_eq(rd(100, hc_va(0, 0)), 0);
	ck_assert_uint_eq(ring1.in_prod, 0);
	ck_assert_uint_eq(stub_set_pending(), 0);
}
END_TEST

START_TEST(read_fault_loses_nothing)
{
	stub_set_console_in_dom0(true);
	type("keep", 4);
	ck_assert_int_eq(rd(4, HC_VA_RO), -XEN_EFAULT);
	ck_assert_int_eq(rd(4, HC_VA_UNMAPPED), -XEN_EFAULT);
	ck_assert_int_eq(rd(4, HC_VA_HV), -XEN_EFAULT);
	ck_assert_int_eq(rd(4, hc_va(1, 0)), 4);
	ck_assert(memcmp(hc_host(hc_va(1, 0)), "keep", 4) == 0);
}
END_TEST

START_TEST(full_ring_keeps_the_oldest)
{
	char *in = malloc(5000), *buf = hc_host(hc_va(0, 0));
	long total = 0, n;

	for (int i = 0; i < 5000; i++)
		in[i] = (char)('a' + i % 26);
	stub_set_console_in_dom0(true);
	type(in, 5000);
	/* 4096 kept, in order; one read returns at most 512. */
	while ((n = rd(4096, hc_va(0, 0))) > 0) {
		ck_assert_int_le(n, 512);
		ck_assert(memcmp(buf, in + total, (size_t)n) == 0);
		total += n;
	}
	ck_assert_int_eq(total, 4096);
	free(in);
}
END_TEST

START_TEST(domu_cannot_read)
{
	stub_set_console_in_dom0(true);
	type("secret", 6);
	hc_set_current(d1);
	ck_assert_int_eq(rd(6, hc_va(0, 0)), -XEN_EPERM);
	hc_set_current(dom0);
	ck_assert_int_eq(rd(6, hc_va(0, 0)), 6);
}
END_TEST

/* No console backend in dom0: the hypervisor writes into the chosen domU's ring and switches on Ctrl-A x3. */
START_TEST(local_switch)
{
	type("hi", 2);
	expect_ring(&ring1, "hi", 2);
	ck_assert_uint_eq(stub_set_pending(), 1);
	type("\x01\x01\x01", 3);
	ck_assert_str_eq(hc_log_line(hc_log_count() - 1), "console: input goes to d2 (two); Ctrl-A three times switches");
	type("yo", 2);
	expect_ring(&ring2, "yo", 2);
	expect_ring(&ring1, "hi", 2);
	/* Two Ctrl-As and another key: the Ctrl-As are the guest's after all. */
	type("\x01\x01z", 3);
	expect_ring(&ring2, "yo\x01\x01z", 5);
	/* Next: dom0 (through CONSOLEIO_read), then round to d1. */
	type("\x01\x01\x01" "0", 4);
	ck_assert_int_eq(rd(10, hc_va(0, 0)), 1);
	ck_assert_int_eq(*(char *)hc_host(hc_va(0, 0)), '0');
	type("\x01\x01\x01" "1", 4);
	expect_ring(&ring1, "hi1", 3);
}
END_TEST

/* The guest owns its ring page: lying indices get it nothing, a nearly full ring only what fits. */
START_TEST(hostile_ring)
{
	ring1.in_cons = 100;
	ring1.in_prod = 100 + 5000;
	type("abc", 3);
	ck_assert_uint_eq(ring1.in_prod, 5100);
	ring1.in_cons = 7;
	ring1.in_prod = 7 + XENCONS_IN_SIZE - 1;
	type("xyz", 3);
	ck_assert_uint_eq(ring1.in_prod, 7 + XENCONS_IN_SIZE);
	ck_assert_int_eq(ring1.in[xencons_in_pos(7 + XENCONS_IN_SIZE - 1)], 'x');
	/* Indices wrapping through 2^32 work as any others. */
	ring1.in_cons = ring1.in_prod = 0xfffffffe;
	type("wrap", 4);
	ck_assert_uint_eq(ring1.in_prod, 2);
	ck_assert_int_eq(ring1.in[xencons_in_pos(0xffffffff)], 'r');
	ck_assert_int_eq(ring1.in[xencons_in_pos(1)], 'p');
}
END_TEST

static Suite *console_input_suite(void)
{
	Suite *s = suite_create("console_input");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, to_dom0_verbatim);
	tcase_add_test(tc, read_fault_loses_nothing);
	tcase_add_test(tc, full_ring_keeps_the_oldest);
	tcase_add_test(tc, domu_cannot_read);
	tcase_add_test(tc, local_switch);
	tcase_add_test(tc, hostile_ring);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(console_input_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

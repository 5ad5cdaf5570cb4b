/* SPDX-License-Identifier: MIT */
/* Hypercall dispatch: each argument narrowed once to the width Xen 4.17 declares, the calling vCPU handed on, counters, unknown numbers. */
#include <check.h>
#include <stdlib.h>

#include <hv/hypercall.h>
#include <hv/log.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

#include "hc_harness.h"

/* Stand-ins for the handlers record what reached them. */
static uint64_t seen[5];
static struct vcpu *seen_vcpu;
static unsigned int calls;
int log_threshold = LOG_INFO;

static long record(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	seen[0] = a1;
	seen[1] = a2;
	seen[2] = a3;
	seen[3] = a4;
	seen[4] = a5;
	seen_vcpu = v;
	calls++;
	return 7;
}

/* Every handler in the table is a stand-in here: the test sees what the dispatcher passed on. */
#define STAND_IN(name) \
	long do_##name(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) \
	{ return record(v, a1, a2, a3, a4, a5); }
STAND_IN(console_io)
STAND_IN(xen_version)
STAND_IN(sched_op)
STAND_IN(sched_op_compat)
STAND_IN(vm_assist)
STAND_IN(event_channel_op)
STAND_IN(event_channel_op_compat)
STAND_IN(grant_table_op)
STAND_IN(skiff_domctl)
STAND_IN(set_trap_table)
STAND_IN(set_callbacks)
STAND_IN(callback_op)
STAND_IN(stack_switch)
STAND_IN(set_segment_base)
STAND_IN(fpu_taskswitch)
STAND_IN(set_debugreg)
STAND_IN(get_debugreg)
STAND_IN(physdev_op)
STAND_IN(mmu_update)
STAND_IN(mmuext_op)
STAND_IN(update_va_mapping)
STAND_IN(update_va_mapping_otherdomain)
STAND_IN(multicall)
STAND_IN(set_gdt)
STAND_IN(memory_op)
STAND_IN(vcpu_op)
STAND_IN(update_descriptor)
STAND_IN(set_timer_op)

#define G 0xdeadbeef00000000ULL
#define ALL 0xfedcba9876543210ULL

static struct domain *d, *other;

static void setup(void)
{
	hc_reset();
	d = hc_domain(1, "guest", false);
	other = hc_domain(2, "other", false);
	hc_set_current(d);
	calls = 0;
	seen_vcpu = NULL;
}

static long call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return hypercall_dispatch(d->vcpu[0], nr, a1, a2, a3, ALL, ALL);
}

START_TEST(test_int_arguments_lose_their_upper_half)
{
	ck_assert_int_eq(call(__HYPERVISOR_sched_op, G | 3, ALL, ALL), 7);
	ck_assert_uint_eq(seen[0], 3);
	ck_assert_uint_eq(seen[1], ALL);		/* the argument pointer is whole */
	ck_assert_int_eq(call(__HYPERVISOR_sched_op_compat, G | 2, ALL, ALL), 7);
	ck_assert_uint_eq(seen[0], 2);
	ck_assert_uint_eq(seen[1], ALL);		/* the shutdown reason's word is whole (Xen takes its low byte) */
	ck_assert_int_eq(call(__HYPERVISOR_console_io, G | 0, G | 12, ALL), 7);
	ck_assert_uint_eq(seen[0], 0);
	ck_assert_uint_eq(seen[1], 12);
	ck_assert_uint_eq(seen[2], ALL);
	ck_assert_int_eq(call(__HYPERVISOR_vm_assist, G | 1, G | 32, ALL), 7);
	ck_assert_uint_eq(seen[0], 1);
	ck_assert_uint_eq(seen[1], 32);
	ck_assert_int_eq(call(__HYPERVISOR_event_channel_op, G | 4, ALL, ALL), 7);
	ck_assert_uint_eq(seen[0], 4);
	ck_assert_uint_eq(seen[1], ALL);
	ck_assert_int_eq(call(__HYPERVISOR_xen_version, G | 0xffffffffULL, ALL, ALL), 7);
	ck_assert_uint_eq(seen[0], 0xffffffffULL);	/* zero-extended: handlers compare as unsigned */
}
END_TEST

START_TEST(test_whole_arguments_stay_whole)
{
	ck_assert_int_eq(call(__HYPERVISOR_event_channel_op_compat, ALL, ALL, ALL), 7);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(seen[i], ALL);	/* unused arguments pass through untouched too */
}
END_TEST

/* The widths of Xen 4.17's C prototypes for the rest of the table: int arguments narrowed, the others whole. */
static const struct {
	uint64_t nr;
	uint64_t mask[3];
} widths[] = {
	{ __HYPERVISOR_grant_table_op, { 0xffffffffULL, ~0ULL, 0xffffffffULL } },
	{ __HYPERVISOR_mmu_update, { ~0ULL, 0xffffffffULL, ~0ULL } },
	{ __HYPERVISOR_mmuext_op, { ~0ULL, 0xffffffffULL, ~0ULL } },
	{ __HYPERVISOR_update_va_mapping, { ~0ULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_multicall, { ~0ULL, 0xffffffffULL, ~0ULL } },
	{ __HYPERVISOR_set_gdt, { ~0ULL, 0xffffffffULL, ~0ULL } },
	{ __HYPERVISOR_vcpu_op, { 0xffffffffULL, 0xffffffffULL, ~0ULL } },
	{ __HYPERVISOR_set_segment_base, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_physdev_op, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_callback_op, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_fpu_taskswitch, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_set_debugreg, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_get_debugreg, { 0xffffffffULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_memory_op, { ~0ULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_set_callbacks, { ~0ULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_domctl, { ~0ULL, ~0ULL, ~0ULL } },
	{ __HYPERVISOR_set_timer_op, { ~0ULL, ~0ULL, ~0ULL } },
};

START_TEST(test_each_handler_gets_its_prototype_widths)
{
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		calls = 0;
		ck_assert_int_eq(call(widths[i].nr, ALL, ALL, ALL), 7);
		ck_assert_uint_eq(calls, 1);
		for (int a = 0; a < 3; a++)
			ck_assert_msg(seen[a] == (ALL & widths[i].mask[a]), "hypercall %lu argument %d: %#lx",
				      (unsigned long)widths[i].nr, a + 1, (unsigned long)seen[a]);
	}
	/* domid_t is 16 bits: the fourth argument of update_va_mapping_otherdomain. */
	ck_assert_int_eq(hypercall_dispatch(d->vcpu[0], __HYPERVISOR_update_va_mapping_otherdomain, ALL, ALL, ALL,
					    ALL, ALL), 7);
	ck_assert_uint_eq(seen[3], ALL & 0xffff);
}
END_TEST

/*
 * Every handler gets the vCPU the dispatcher was given, whatever this
 * CPU's current one is: a handler that looked it up again would see d's.
 */
START_TEST(test_each_handler_gets_the_calling_vcpu)
{
	unsigned int handlers = 0;

	for (uint64_t nr = 0; nr < PVABI_NR_HYPERCALLS; nr++) {
		long rc;

		calls = 0;
		seen_vcpu = NULL;
		rc = hypercall_dispatch(other->vcpu[0], nr, 1, 2, 3, 4, 5);
		if (rc == -XEN_ENOSYS) {
			ck_assert_uint_eq(calls, 0);
			continue;
		}
		ck_assert_int_eq(rc, 7);
		ck_assert_msg(seen_vcpu == other->vcpu[0], "hypercall %lu got vCPU %p, not the caller's",
			      (unsigned long)nr, (void *)seen_vcpu);
		handlers++;
	}
	ck_assert_uint_eq(handlers, 28);	/* every STAND_IN above was reached */
	ck_assert_uint_eq(other->vcpu[0]->hypercalls, PVABI_NR_HYPERCALLS);
	ck_assert_uint_eq(d->vcpu[0]->hypercalls, 0);
}
END_TEST

START_TEST(test_unknown_numbers)
{
	ck_assert_int_eq(call(__HYPERVISOR_kexec_op, 0, 0, 0), -XEN_ENOSYS);	/* not in the table */
	ck_assert_int_eq(call(G | __HYPERVISOR_sched_op, 0, 0, 0), -XEN_ENOSYS);	/* the number is whole */
	ck_assert_int_eq(call(PVABI_NR_HYPERCALLS, 0, 0, 0), -XEN_ENOSYS);
	ck_assert_uint_eq(calls, 0);
	ck_assert_uint_eq(d->hypercall_count[__HYPERVISOR_kexec_op], 1);
	ck_assert_uint_eq(d->hypercall_bad, 2);
	ck_assert_uint_eq(d->vcpu[0]->hypercalls, 3);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hc_dispatch");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_int_arguments_lose_their_upper_half);
	tcase_add_test(tc, test_whole_arguments_stay_whole);
	tcase_add_test(tc, test_each_handler_gets_its_prototype_widths);
	tcase_add_test(tc, test_each_handler_gets_the_calling_vcpu);
	tcase_add_test(tc, test_unknown_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

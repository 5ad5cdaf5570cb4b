/* SPDX-License-Identifier: MIT */
/* vm_assist handler: the seven assist types of 64-bit PV toggle their bit; everything else is refused without a change. */
#include <check.h>
#include <stdlib.h>

#include <hv/hypercall.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

#include "hc_harness.h"

static struct domain *dom0, *domu;

static const unsigned int valid_types[] = {
	VMASST_TYPE_4gb_segments,	 VMASST_TYPE_4gb_segments_notify,
	VMASST_TYPE_writable_pagetables, VMASST_TYPE_pae_extended_cr3,
	VMASST_TYPE_architectural_iopl,	 VMASST_TYPE_runstate_update_flag,
	VMASST_TYPE_m2p_strict,
};

static void setup(void)
{
	hc_reset();
	dom0 = hc_domain(0, "dom0", true);
	domu = hc_domain(1, "guest", false);
	hc_set_current(domu);
}

static long assist(uint64_t cmd, uint64_t type)
{
	return do_vm_assist(current_vcpu(), cmd, type, 0, 0, 0);
}

START_TEST(test_enable_disable_each_type)
{
	unsigned int t = valid_types[_i];

	ck_assert_int_eq(assist(VMASST_CMD_enable, t), 0);
	ck_assert_uint_eq(domu->vm_assist, 1UL << t);
	ck_assert_int_eq(assist(VMASST_CMD_enable, t), 0);
	ck_assert_uint_eq(domu->vm_assist, 1UL << t);
	ck_assert_int_eq(assist(VMASST_CMD_disable, t), 0);
	ck_assert_uint_eq(domu->vm_assist, 0);
	ck_assert_int_eq(assist(VMASST_CMD_disable, t), 0);
	ck_assert_uint_eq(domu->vm_assist, 0);
	ck_assert_uint_eq(dom0->vm_assist, 0);
}
END_TEST

START_TEST(test_bits_are_independent)
{
	unsigned long all = 0;

	for (size_t i = 0; i < sizeof(valid_types) / sizeof(valid_types[0]); i++) {
		ck_assert_int_eq(assist(VMASST_CMD_enable, valid_types[i]), 0);
		all |= 1UL << valid_types[i];
	}
	ck_assert_uint_eq(domu->vm_assist, all);
	ck_assert_int_eq(assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables), 0);
	ck_assert_uint_eq(domu->vm_assist, all & ~(1UL << VMASST_TYPE_writable_pagetables));
	ck_assert_uint_eq(dom0->vm_assist, 0);
}
END_TEST

static const uint64_t bad_types[] = { 6, 7, 31, 33, 63, 64, 65, 0x7fffffff, 0xffffffffULL,
				      (1ULL << 32) | 6, (1ULL << 32) | 64 };

START_TEST(test_bad_type_is_einval_for_any_command)
{
	uint64_t t = bad_types[_i];
	static const uint64_t cmds[] = { VMASST_CMD_enable, VMASST_CMD_disable, 2, 0xffffffff };

	domu->vm_assist = 1UL << VMASST_TYPE_m2p_strict;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ck_assert_int_eq(assist(cmds[i], t), -XEN_EINVAL);
	ck_assert_uint_eq(domu->vm_assist, 1UL << VMASST_TYPE_m2p_strict);
}
END_TEST

START_TEST(test_bad_command_on_valid_type_is_enosys)
{
	domu->vm_assist = 1UL << VMASST_TYPE_writable_pagetables;
	ck_assert_int_eq(assist(2, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);
	ck_assert_int_eq(assist(0xffffffff, VMASST_TYPE_runstate_update_flag), -XEN_ENOSYS);
	ck_assert_int_eq(assist(0x7fffffff, VMASST_TYPE_m2p_strict), -XEN_ENOSYS);
	ck_assert_uint_eq(domu->vm_assist, 1UL << VMASST_TYPE_writable_pagetables);
}
END_TEST

START_TEST(test_upper_halves_ignored)
{
	ck_assert_int_eq(assist((1ULL << 32) | VMASST_CMD_enable,
				(1ULL << 32) | VMASST_TYPE_writable_pagetables), 0);
	ck_assert_uint_eq(domu->vm_assist, 1UL << VMASST_TYPE_writable_pagetables);
	ck_assert_int_eq(assist(0xffffffff00000000ULL | VMASST_CMD_disable,
				0xdead000000000000ULL | VMASST_TYPE_writable_pagetables), 0);
	ck_assert_uint_eq(domu->vm_assist, 0);
	/* 2 in the low half is an unknown command even with a zero-looking upper half elsewhere. */
	ck_assert_int_eq(assist((1ULL << 33) | 2, VMASST_TYPE_m2p_strict), -XEN_ENOSYS);
}
END_TEST

START_TEST(test_acts_on_the_calling_domain)
{
	hc_set_current(dom0);
	ck_assert_int_eq(assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
	ck_assert_uint_eq(dom0->vm_assist, 1UL << VMASST_TYPE_runstate_update_flag);
	ck_assert_uint_eq(domu->vm_assist, 0);
}
END_TEST

/* The handler acts for the vCPU the dispatcher hands it, not for whichever this CPU calls current. */
START_TEST(test_acts_for_the_vcpu_it_is_given)
{
	hc_set_current(dom0);
	ck_assert_int_eq(do_vm_assist(domu->vcpu[0], VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0, 0, 0), 0);
	ck_assert_uint_eq(domu->vm_assist, 1UL << VMASST_TYPE_m2p_strict);
	ck_assert_uint_eq(dom0->vm_assist, 0);
}
END_TEST

static Suite *vm_assist_suite(void)
{
	Suite *s = suite_create("vm_assist");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_enable_disable_each_type, 0,
			    (int)(sizeof(valid_types) / sizeof(valid_types[0])));
	tcase_add_test(tc, test_bits_are_independent);
	tcase_add_loop_test(tc, test_bad_type_is_einval_for_any_command, 0,
			    (int)(sizeof(bad_types) / sizeof(bad_types[0])));
	tcase_add_test(tc, test_bad_command_on_valid_type_is_enosys);
	tcase_add_test(tc, test_upper_halves_ignored);
	tcase_add_test(tc, test_acts_on_the_calling_domain);
	tcase_add_test(tc, test_acts_for_the_vcpu_it_is_given);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vm_assist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

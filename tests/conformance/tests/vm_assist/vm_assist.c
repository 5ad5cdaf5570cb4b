/* SPDX-License-Identifier: MIT */
/*
 * vm_assist: enabling and disabling each assist type a 64-bit PV guest may
 * use returns 0 (4gb_segments, 4gb_segments_notify, writable_pagetables,
 * pae_extended_cr3, architectural_iopl, runstate_update_flag, m2p_strict);
 * any other type gives -EINVAL whatever the command; a valid type with an
 * unknown command gives -ENOSYS. Both arguments are 32-bit in the ABI
 * (Xen's handler takes unsigned ints): the upper halves of rdi/rsi are
 * ignored, so type (1 << 32) | 2 is writable_pagetables. Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "test.h"

static const unsigned int valid_types[] = {
	VMASST_TYPE_4gb_segments,	 VMASST_TYPE_4gb_segments_notify,
	VMASST_TYPE_writable_pagetables, VMASST_TYPE_pae_extended_cr3,
	VMASST_TYPE_architectural_iopl,	 VMASST_TYPE_runstate_update_flag,
	VMASST_TYPE_m2p_strict,
};

/* Assists Linux turns on at boot, left on as Linux would have them. */
static int linux_enables(unsigned int type)
{
	return type == VMASST_TYPE_writable_pagetables || type == VMASST_TYPE_runstate_update_flag ||
	       type == VMASST_TYPE_4gb_segments || type == VMASST_TYPE_pae_extended_cr3;
}

static void check_valid(void)
{
	for (size_t i = 0; i < sizeof(valid_types) / sizeof(valid_types[0]); i++) {
		unsigned int t = valid_types[i];
		long en = hyp_vm_assist(VMASST_CMD_enable, t);
		long dis = hyp_vm_assist(VMASST_CMD_disable, t);
		long again = hyp_vm_assist(VMASST_CMD_disable, t);

		tc_check(en == 0 && dis == 0 && again == 0,
			 "type %u: enable, disable, disable again give 0 (%ld, %ld, %ld)", t, en, dis,
			 again);
		if (linux_enables(t))
			tc_expect_eq(hyp_vm_assist(VMASST_CMD_enable, t), 0, "re-enable");
	}
}

static void check_invalid_type(void)
{
	static const uint64_t bad_types[] = { 6, 7, 31, 33, 63, 64, 0xffffffffULL, (1ULL << 32) | 6 };

	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		uint64_t t = bad_types[i];
		long en = hyp_vm_assist(VMASST_CMD_enable, t);
		long dis = hyp_vm_assist(VMASST_CMD_disable, t);
		long other = hyp_vm_assist(2, t);

		tc_check(en == -XEN_EINVAL && dis == -XEN_EINVAL && other == -XEN_EINVAL,
			 "type %#llx: enable/disable/cmd 2 give -EINVAL (%ld, %ld, %ld)",
			 (unsigned long long)t, en, dis, other);
	}
}

static void check_width(void)
{
	tc_expect_eq(hyp_vm_assist((1ULL << 32) | VMASST_CMD_enable,
				   (1ULL << 32) | VMASST_TYPE_writable_pagetables),
		     0, "enable writable_pagetables with junk in the upper 32 bits of both arguments");
}

static void check_invalid_cmd(void)
{
	tc_expect_eq(hyp_vm_assist(2, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS,
		     "command 2 on a valid type");
	tc_expect_eq(hyp_vm_assist(0xffffffffULL, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS,
		     "command 0xffffffff on a valid type");
}

void test_main(void)
{
	check_valid();
	check_invalid_type();
	check_invalid_cmd();
	check_width();
}

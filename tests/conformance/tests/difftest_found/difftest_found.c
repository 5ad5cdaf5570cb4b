/* SPDX-License-Identifier: MIT */
/*
 * difftest_found: behaviours of Xen 4.17 the differential tester
 * (tests/conformance/diff) found Skiff lacking, kept here once fixed. Not
 * Skiff-specific; passes on Xen 4.17.
 *
 * - set_segment_base(SEGBASE_GS_USER_SEL) never fails: a non-null selector
 *   gets RPL 3 (0x28 loads as 0x2b), and a selector that cannot be loaded
 *   (beyond the GDT, a code segment) loads the null selector, return 0.
 * - MMUEXT_MARK_SUPER and MMUEXT_UNMARK_SUPER are known commands that
 *   return -EOPNOTSUPP (an unknown command is -ENOSYS), whatever the frame.
 */
#include <pvabi/errno.h>
#include "test.h"

#define SEGBASE_GS_USER_SEL	3
#define MMUEXT_MARK_SUPER_	19
#define MMUEXT_UNMARK_SUPER_	20

static void check_gs_user_sel(void)
{
	static const struct { uint16_t sel; const char *what; } cases[] = {
		{ 0xe02b, "the flat ring-3 data selector" },
		{ 0xe028, "the same selector with RPL 0 (Xen sets RPL 3)" },
		{ 0x2b, "GDT entry 5, empty in a guest without its own GDT" },
		{ 0, "the null selector" },
		{ 0xfff8, "a selector beyond the GDT" },
		{ FLAT_KERNEL_CS, "a code selector" },
		{ 0x4, "an LDT selector without an LDT" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long rc = rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, cases[i].sel);

		tc_expect_eq(rc, 0, cases[i].what);
	}
	/* Leave the user GS as it was at boot. */
	rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0);
}

static void check_mark_super(void)
{
	static uint64_t page[512] __attribute__((aligned(4096)));
	struct mmuext_op op;
	uint64_t mfn = ((const uint64_t *)(uintptr_t)rt_boot.si->mfn_list)[(RT_PTR(page) - RT_VIRT_BASE) >> 12];
	long rc;

	for (uint32_t cmd = MMUEXT_MARK_SUPER_; cmd <= MMUEXT_UNMARK_SUPER_; cmd++) {
		memset(&op, 0, sizeof(op));
		op.cmd = cmd;
		op.arg1.mfn = mfn;
		rc = hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
		tc_expect_eq(rc, -XEN_EOPNOTSUPP, cmd == MMUEXT_MARK_SUPER_ ? "MMUEXT_MARK_SUPER of an own frame"
									     : "MMUEXT_UNMARK_SUPER of an own frame");
		op.arg1.mfn = 0x7ffff;
		rc = hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
		tc_expect_eq(rc, -XEN_EOPNOTSUPP, "the same command naming nobody's frame");
	}
	memset(&op, 0, sizeof(op));
	op.cmd = 21;
	rc = hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
	tc_expect_eq(rc, -XEN_ENOSYS, "an unknown mmuext command (21)");
}

void test_main(void)
{
	check_gs_user_sel();
	check_mark_super();
}

/* SPDX-License-Identifier: MIT */
/*
 * hvm_foreign (dom0, Skiff-specific): a fully virtual domain's frames
 * include its nested page tables, so the privileged domain may not reach
 * them through the PV foreign interfaces: a foreign mapping, a pin, a
 * reservation change or an update_va_mapping_otherdomain naming the HVM
 * domain is refused with -EOPNOTSUPP, and the HVM guest runs on to its own
 * clean end (checked by the boot test).
 */
#include <pvabi/memory.h>
#include <pvabi/xen.h>
#include "privops_util.h"

#define HVM_DOMID	1

static uint8_t window[4096] __attribute__((aligned(4096)));

void test_main(void)
{
	struct skiff_dominfo info;
	uint64_t list[1] = { 0 };
	uint64_t frame;

	tc_expect_eq(po_info(HVM_DOMID, &info), 0, "the HVM domain is there");
	/* Any frame number: the refusal comes before the frame is looked at. */
	frame = info.shared_info_mfn;
	tc_expect_eq(po_map_foreign(window, frame, true, HVM_DOMID), -XEN_EOPNOTSUPP,
		     "mmu_update mapping a frame of the HVM domain");
	tc_expect_eq(po_map_foreign(window, frame, false, HVM_DOMID), -XEN_EOPNOTSUPP, "the same, read-only");
	tc_expect_eq(po_pin(MMUEXT_PIN_L1_TABLE, frame, HVM_DOMID), -XEN_EOPNOTSUPP, "mmuext_op pin as its table");
	/* The reservation calls answer extents done (as Xen), so the refusal is 0 of 1. */
	tc_expect_eq(po_reservation(XENMEM_decrease_reservation, HVM_DOMID, list, 1, 0), 0,
		     "decrease_reservation of its guest frame 0: 0 extents");
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, HVM_DOMID, list, 1, 0), 0,
		     "populate_physmap for it: 0 extents");
	tc_expect_eq(rt_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, RT_PTR(window),
				   (frame << 12) | PO_PTE_P | PO_PTE_RW, 0, HVM_DOMID, 0),
		     -XEN_EOPNOTSUPP, "update_va_mapping_otherdomain");
	tc_check(window[0] == 0, "the window still maps our own page");
}

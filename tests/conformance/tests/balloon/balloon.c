/* SPDX-License-Identifier: MIT */
/*
 * balloon: the memory_op calls Linux's balloon driver makes on a PV guest.
 * decrease_reservation hands back frames by MFN and returns how many it
 * released (the reservation shrinks, a frame no longer owned is not
 * released again); populate_physmap takes guest PFNs, returns the new
 * MFNs in the same array, points their M2P entries at those PFNs, and the
 * new frames can be mapped. Requests that cannot be done are not errors:
 * the result is the number of extents completed, 0, for growing past
 * maximum_reservation, an extent order of 30 and an extent list in the
 * hypervisor's range. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include "test.h"

#define PTE_FLAGS	0x063ULL	/* P RW A D */
#define N		2

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
static uint8_t window[4096] __attribute__((aligned(4096)));

static long reservation(uint64_t cmd, uint64_t *list, uint64_t n, uint32_t order)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n,
					    .extent_order = order, .domid = DOMID_SELF };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self));
}

void test_main(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	uint64_t nr = rt_boot.si->nr_pages, pfns[N], list[N];
	long before = current_pages(), rc;

	/* The last PFNs lie far past the initial mapping: nothing maps them. */
	for (int i = 0; i < N; i++) {
		pfns[i] = nr - 1 - (uint64_t)i;
		list[i] = p2m[pfns[i]];
	}
	rc = reservation(XENMEM_decrease_reservation, list, N, 0);
	tc_expect_eq(rc, N, "decrease_reservation of two unmapped frames releases both");
	tc_expect_eq(current_pages(), before - N, "current_reservation shrank by two");
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0);
	tc_expect_eq(rc, 0, "releasing a frame no longer owned releases nothing");

	list[0] = pfns[0];
	list[1] = pfns[1];
	rc = reservation(XENMEM_populate_physmap, list, N, 0);
	tc_expect_eq(rc, N, "populate_physmap of the two PFNs");
	tc_check(m2p[list[0]] == pfns[0] && m2p[list[1]] == pfns[1],
		 "the returned MFNs (%#llx, %#llx) map back to their PFNs in the M2P",
		 (unsigned long long)list[0], (unsigned long long)list[1]);
	tc_expect_eq(current_pages(), before, "current_reservation is back");
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(window), (list[0] << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		     "a new frame can be mapped");
	window[0] = 1;

	/* Room for exactly one page: give back the second new frame (mapped nowhere). */
	long max = hyp_memory_op(XENMEM_maximum_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
	uint64_t one[1] = { list[1] };

	tc_expect_eq(reservation(XENMEM_decrease_reservation, one, 1, 0), 1, "release one frame again");
	/* Requests that cannot be done are not errors: the result counts completed extents, 0. */
	one[0] = pfns[1];
	rc = reservation(XENMEM_populate_physmap, one, 1, 30);
	tc_expect_eq(rc, 0, "populate_physmap with extent order 30 populates nothing");
	rc = reservation(XENMEM_populate_physmap, (uint64_t *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 1, 0);
	tc_expect_eq(rc, 0, "populate_physmap with the extent list in the hypervisor's range does nothing");
	tc_expect_eq(reservation(XENMEM_populate_physmap, one, 1, 0), 1, "a proper request still works");
	if (current_pages() == max) {
		one[0] = nr + 10;
		rc = reservation(XENMEM_populate_physmap, one, 1, 0);
		tc_expect_eq(rc, 0, "populating past maximum_reservation populates nothing");
		tc_expect_eq(current_pages(), max, "the reservation stays at the maximum");
	} else {
		tc_skip("the guest does not start at its maximum reservation");
	}
}

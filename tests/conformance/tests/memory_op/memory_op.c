/* SPDX-License-Identifier: MIT */
/*
 * memory_op, the queries a PV kernel makes at boot: XENMEM_machphys_mapping
 * places the read-only M2P at 0xffff800000000000 with a max_mfn that covers
 * every frame the guest owns; current/maximum_reservation for DOMID_SELF
 * agree with start_info.nr_pages; XENMEM_memory_map answers with a
 * consistent count, or -ENOSYS (Xen 4.17 for dom0, which Linux tolerates);
 * XENMEM_machine_memory_map gives the initial domain the host's map, with
 * RAM in it; bad pointers give
 * -EFAULT, unknown commands -ENOSYS, another domain's figures need
 * privilege. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include "test.h"

static void check_machphys_mapping(void)
{
	const struct start_info *si = rt_boot.si;
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)si->mfn_list;
	struct xen_machphys_mapping m;
	uint64_t top = 0;

	memset(&m, 0xa5, sizeof(m));
	tc_expect_eq(hyp_memory_op(XENMEM_machphys_mapping, RT_PTR(&m)), 0, "XENMEM_machphys_mapping");
	rt_printf("machphys_mapping: %#llx-%#llx max_mfn %#llx\n", (unsigned long long)m.v_start,
		  (unsigned long long)m.v_end, (unsigned long long)m.max_mfn);
	tc_check(m.v_start == MACH2PHYS_VIRT_START, "v_start is MACH2PHYS_VIRT_START");
	tc_check(m.v_end == MACH2PHYS_VIRT_END, "v_end is MACH2PHYS_VIRT_END");
	for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++)
		top = p2m[pfn] > top ? p2m[pfn] : top;
	tc_check(m.max_mfn >= top && m.max_mfn < MACH2PHYS_NR_ENTRIES,
		 "max_mfn (%#llx) covers the guest's highest frame (%#llx) and fits the table",
		 (unsigned long long)m.max_mfn, (unsigned long long)top);
	tc_expect_eq(hyp_memory_op(XENMEM_machphys_mapping, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "machphys_mapping into the hypervisor's range");
}

static void check_reservations(void)
{
	domid_t self = DOMID_SELF;
	long cur = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self));
	long max = hyp_memory_op(XENMEM_maximum_reservation, RT_PTR(&self));

	rt_printf("reservation: current %ld maximum %ld nr_pages %llu\n", cur, max,
		  (unsigned long long)rt_boot.si->nr_pages);
	tc_check(cur == (long)rt_boot.si->nr_pages, "current_reservation(DOMID_SELF) == nr_pages");
	tc_check(max >= cur, "maximum_reservation >= current_reservation");
	tc_expect_eq(hyp_memory_op(XENMEM_current_reservation, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "current_reservation with an unmapped domid pointer");
}

/*
 * The reservation calls answer extents done, never an error code (as Xen
 * 4.17): whatever stops them before their first extent answers the start
 * extent carried in cmd's bits 6 and up, and changes nothing.
 */
static void check_reservation_refusals(void)
{
	static uint64_t list[2] = { 0x100, 0x101 };
	domid_t self = DOMID_SELF;
	long before = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self));
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = 2, .domid = DOMID_SELF };
	struct xen_memory_reservation hv = { .extent_start = RT_BAD_PTR_HYPERVISOR, .nr_extents = 2,
					     .domid = DOMID_SELF };
	struct xen_memory_reservation tail = { .extent_start = RT_BAD_PTR_NONCANON - 8, .nr_extents = 2,
					       .domid = DOMID_SELF };

	tc_expect_eq(hyp_memory_op(XENMEM_decrease_reservation, RT_BAD_PTR_HYPERVISOR), 0,
		     "decrease_reservation with its argument in the hypervisor's range: 0 extents");
	tc_expect_eq(hyp_memory_op(XENMEM_populate_physmap | (3u << MEMOP_EXTENT_SHIFT), RT_BAD_PTR_UNMAPPED), 3,
		     "populate_physmap from extent 3 with an unmapped argument: 3");
	tc_expect_eq(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&hv)), 0,
		     "decrease_reservation of a list in the hypervisor's range: 0 extents");
	tc_expect_eq(hyp_memory_op(XENMEM_populate_physmap, RT_PTR(&hv)), 0,
		     "populate_physmap of a list in the hypervisor's range: 0 extents");
	tc_expect_eq(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&tail)), 0,
		     "decrease_reservation of a list running into non-canonical space: 0 extents");
	tc_expect_eq(hyp_memory_op(XENMEM_decrease_reservation | (2u << MEMOP_EXTENT_SHIFT), RT_PTR(&r)), 2,
		     "decrease_reservation starting at its extent count: 2, nothing read");
	tc_check(list[0] == 0x100 && list[1] == 0x101, "the extent list is untouched");
	tc_expect_eq(hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self)), before, "our reservation unchanged");
}

static void check_memory_map(void)
{
	static struct e820entry map[128];
	struct xen_memory_map arg = { .nr_entries = 128, .buffer = RT_PTR(map) };
	long rc = hyp_memory_op(XENMEM_memory_map, RT_PTR(&arg));
	uint64_t ram = 0;

	rt_printf("memory_map: rc %ld nr_entries %u\n", rc, arg.nr_entries);
	if (rc == -XEN_ENOSYS) {
		tc_pass("XENMEM_memory_map gives -ENOSYS (Linux then assumes one RAM region)");
		return;
	}
	tc_expect_eq(rc, 0, "XENMEM_memory_map");
	tc_check(arg.nr_entries >= 1 && arg.nr_entries <= 128, "memory_map entry count in range");
	for (unsigned int i = 0; i < arg.nr_entries && i < 128; i++) {
		rt_printf("  e820 %#llx+%#llx type %u\n", (unsigned long long)map[i].addr,
			  (unsigned long long)map[i].size, map[i].type);
		if (map[i].type == E820_RAM)
			ram += map[i].size;
	}
	tc_check(ram >= rt_boot.si->nr_pages * 4096, "memory_map RAM covers nr_pages");
	arg.nr_entries = 128;
	arg.buffer = RT_BAD_PTR_HYPERVISOR;
	tc_expect_eq(hyp_memory_op(XENMEM_memory_map, RT_PTR(&arg)), -XEN_EFAULT,
		     "memory_map into the hypervisor's range");
}

static void check_machine_memory_map(void)
{
	static struct e820entry map[128];
	struct xen_memory_map arg = { .nr_entries = 128, .buffer = RT_PTR(map) };
	unsigned int ram = 0;
	long rc;

	if (!(rt_boot.si->flags & SIF_INITDOMAIN))
		return;
	rc = hyp_memory_op(XENMEM_machine_memory_map, RT_PTR(&arg));
	tc_expect_eq(rc, 0, "XENMEM_machine_memory_map as the initial domain");
	if (rc != 0)
		return;
	tc_check(arg.nr_entries >= 1 && arg.nr_entries <= 128, "machine map entry count in range (%u)",
		 arg.nr_entries);
	for (unsigned int i = 0; i < arg.nr_entries && i < 128; i++)
		ram += map[i].type == E820_RAM && map[i].size > 0;
	tc_check(ram >= 1, "the machine map has RAM");
	arg.nr_entries = 128;
	arg.buffer = RT_BAD_PTR_HYPERVISOR;
	tc_expect_eq(hyp_memory_op(XENMEM_machine_memory_map, RT_PTR(&arg)), -XEN_EFAULT,
		     "machine_memory_map into the hypervisor's range");
}

static void check_bad_commands(void)
{
	domid_t self = DOMID_SELF;

	tc_expect_eq(hyp_memory_op(XENMEM_machphys_mapping, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "machphys_mapping to an unmapped address");
	tc_expect_eq(hyp_memory_op(63, RT_PTR(&self)), -XEN_ENOSYS, "memory_op command 63");
	tc_expect_eq(hyp_memory_op(0xffff, RT_PTR(&self)), -XEN_ENOSYS, "memory_op command 0xffff");
}

void test_main(void)
{
	check_machphys_mapping();
	check_reservations();
	check_reservation_refusals();
	check_memory_map();
	check_machine_memory_map();
	check_bad_commands();
}

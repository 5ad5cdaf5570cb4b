/* SPDX-License-Identifier: MIT */
/*
 * guest_access: the hypervisor reads and writes guest buffers only through
 * the guest's own mappings and permissions. A buffer that runs from a
 * mapped page into an unmapped one gives -EFAULT (input and output); output
 * into a page the guest mapped read-only, into one of its page-table pages
 * (always read-only to the guest) or into the read-only M2P gives -EFAULT
 * and leaves the page unchanged; even input from the M2P, which the guest
 * can read itself, is refused (-EFAULT): no guest handle may point into
 * the hypervisor's reserved range. Not Skiff-specific; checked on real
 * Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include <pvabi/version.h>
#include "test.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL

static uint8_t pages[2][4096] __attribute__((aligned(4096)));
static uint8_t ro_page[4096] __attribute__((aligned(4096)));

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static void check_straddle(void)
{
	uint8_t *edge = pages[0] + 4096;
	long rc;

	memset(pages[0], 'x', sizeof(pages[0]));
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(pages[1]), 0, UVMF_INVLPG), 0,
		     "unmap the second page (PTE 0)");
	rc = hyp_console_io(CONSOLEIO_write, 64, RT_PTR(edge - 32));
	tc_expect_eq(rc, -XEN_EFAULT, "console write from a buffer running into an unmapped page");
	rc = hyp_xen_version(XENVER_capabilities, RT_PTR(edge - 512));
	tc_expect_eq(rc, -XEN_EFAULT, "capabilities (1024 bytes) into a buffer running into an unmapped page");
	rc = hyp_xen_version(XENVER_extraversion, RT_PTR(edge - 16));
	tc_expect_eq(rc, 0, "extraversion (16 bytes) ending exactly at the page boundary");
}

static void check_read_only_output(void)
{
	uint64_t pte = (mfn_of(ro_page) << 12) | PTE_P | PTE_A | PTE_D;
	uint8_t before[16];
	long rc;

	memset(ro_page, 0x3c, sizeof(ro_page));
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(ro_page), pte, UVMF_INVLPG), 0,
		     "map an own page read-only");
	rc = hyp_xen_version(XENVER_extraversion, RT_PTR(ro_page));
	tc_expect_eq(rc, -XEN_EFAULT, "extraversion into a read-only page");
	tc_check(ro_page[0] == 0x3c && ro_page[15] == 0x3c, "the read-only page is unchanged");
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 8, RT_PTR(ro_page)), 0,
		     "but it can be read: console write from it");

	memcpy(before, (const void *)(uintptr_t)rt_boot.si->pt_base, sizeof(before));
	rc = hyp_xen_version(XENVER_extraversion, rt_boot.si->pt_base);
	tc_expect_eq(rc, -XEN_EFAULT, "extraversion into the guest's own L4 page-table page");
	tc_check(memcmp(before, (const void *)(uintptr_t)rt_boot.si->pt_base, sizeof(before)) == 0,
		 "the L4 is unchanged");
	rc = hyp_xen_version(XENVER_extraversion, MACH2PHYS_VIRT_START);
	tc_expect_eq(rc, -XEN_EFAULT, "extraversion into the read-only M2P");
	/* The guest can read the M2P itself, but no guest handle may point into the reserved range. */
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	uint64_t entry = MACH2PHYS_VIRT_START + p2m[0] * 8;

	rc = hyp_memory_op(XENMEM_current_reservation, entry);
	tc_expect_eq(rc, -XEN_EFAULT, "hypercall input taken from the (guest-readable) M2P");
}

void test_main(void)
{
	check_straddle();
	check_read_only_output();
}

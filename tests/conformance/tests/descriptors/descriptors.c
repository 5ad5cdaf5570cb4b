/* SPDX-License-Identifier: MIT */
/*
 * descriptors: set_gdt and update_descriptor, which Linux needs at boot.
 * A GDT page the guest still maps writable is refused; once mapped
 * read-only, set_gdt installs it and a selector of a DPL-3 flat data
 * descriptor in it loads into %es; update_descriptor rewrites an entry of
 * the installed GDT (a new data descriptor loads) and refuses descriptors
 * a 64-bit PV guest may not have (a 32-bit call gate, a DPL-0 code
 * segment... whatever Xen refuses is recorded below); set_gdt refuses more
 * entries than the guest part of the GDT holds and an unreadable frame
 * list. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "test.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL

/* Flat descriptors: 64-bit code and data, DPL 3. */
#define DESC_DATA_DPL3	0x00cff2000000ffffULL
#define DESC_CODE64_DPL3 0x00affa000000ffffULL
#define DESC_DATA_DPL0	0x00cf92000000ffffULL
#define DESC_CALLGATE	0x0000ec0000000000ULL	/* 32-bit call gate, DPL 3, present */

static uint64_t gdt[512] __attribute__((aligned(4096)));

static uint64_t gdt_mfn(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[(RT_PTR(gdt) - RT_VIRT_BASE) >> 12];
}

static long set_gdt(const uint64_t *frames, uint64_t entries)
{
	return rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(frames), entries);
}

static long update_descriptor(unsigned int index, uint64_t desc)
{
	return rt_hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn() << 12) + index * 8, desc);
}

static uint16_t load_es(uint16_t sel)
{
	uint16_t got;

	__asm__ volatile("movw %1, %%es\n\tmovw %%es, %0" : "=r"(got) : "r"(sel) : "memory");
	return got;
}

void test_main(void)
{
	uint64_t frame = gdt_mfn();
	long rc;

	gdt[1] = DESC_CODE64_DPL3;
	gdt[2] = DESC_DATA_DPL3;
	rc = set_gdt(&frame, 16);
	tc_check(rc == -XEN_EINVAL, "set_gdt refuses a page the guest maps writable (%ld)", rc);
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(gdt), (frame << 12) | PTE_P | PTE_A | PTE_D,
					   UVMF_INVLPG),
		     0, "map the GDT page read-only");
	rc = set_gdt(&frame, 16);
	tc_expect_eq(rc, 0, "set_gdt of a read-only page with 16 entries");
	/* Loading a selector of a GDT that is not installed would #GP and end the test. */
	if (rc != 0)
		return;
	tc_expect_eq(load_es(0x13), 0x13, "selector 0x13 (entry 2, flat data DPL 3) loads into %es");
	load_es(0);

	rc = update_descriptor(3, DESC_DATA_DPL3);
	tc_expect_eq(rc, 0, "update_descriptor writes entry 3 of the live GDT");
	tc_check(gdt[3] == DESC_DATA_DPL3, "the entry reads back (%#llx)", (unsigned long long)gdt[3]);
	if (gdt[3] == DESC_DATA_DPL3) {
		tc_expect_eq(load_es(0x1b), 0x1b, "and its selector loads");
		load_es(0);
	}
	rc = update_descriptor(4, DESC_CALLGATE);
	tc_check(rc == 0 && ((gdt[4] >> 45) & 3) == 0 && ((gdt[4] >> 47) & 1),
		 "a DPL-3 call gate is stored present with DPL 0 (%ld, %#llx)", rc,
		 (unsigned long long)gdt[4]);
	rc = update_descriptor(5, DESC_DATA_DPL0);
	tc_check(rc == 0 && gdt[5] == DESC_DATA_DPL3,
		 "a DPL-0 data descriptor is stored with DPL 3 (%ld, %#llx)", rc,
		 (unsigned long long)gdt[5]);
	rc = rt_hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn() << 12) + 3, DESC_DATA_DPL3);
	tc_check(rc == -XEN_EINVAL, "a misaligned descriptor address is refused (%ld)", rc);

	tc_expect_eq(set_gdt(&frame, 7169), -XEN_EINVAL, "set_gdt with 7169 entries");
	tc_expect_eq(set_gdt((const uint64_t *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 16), -XEN_EFAULT,
		     "set_gdt with the frame list in the hypervisor's range");
}

/* SPDX-License-Identifier: MIT */
/*
 * set_gdt_atomic: a refused set_gdt changes nothing a guest relies on. With
 * GDT A installed (16 entries), set_gdt of [C, B] (1024 entries), where C is
 * acceptable and B holds a TSS descriptor (no 64-bit PV guest may have one),
 * returns -EINVAL; then A is still the GDT (its selector 0x13 loads; C's
 * entry 2 is not present, so C in force would fault), A is still a
 * descriptor page (a writable mapping of it is refused), and C and B are
 * ordinary pages again (writable mappings succeed: no type reference was
 * left behind). The same holds with the bad frame first. Whether C's DPL-0
 * entry was fixed up in place differs and is only printed: Xen 4.17 fixes
 * the frames it validated before the bad one, Skiff checks all before it
 * writes any. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "test.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL

#define DESC_CODE64_DPL3 0x00affa000000ffffULL
#define DESC_DATA_DPL3	0x00cff2000000ffffULL
#define DESC_DATA_DPL0	0x00cf92000000ffffULL
#define DESC_TSS	0x0000890000000067ULL	/* present 64-bit TSS: refused */

static uint64_t gdt_a[512] __attribute__((aligned(4096)));
static uint64_t gdt_b[512] __attribute__((aligned(4096)));
static uint64_t gdt_c[512] __attribute__((aligned(4096)));

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
}

static long map(const void *va, uint64_t rw)
{
	return hyp_update_va_mapping(RT_PTR(va), (mfn_of(va) << 12) | PTE_P | PTE_A | PTE_D | rw,
				     UVMF_INVLPG);
}

static long set_gdt(const uint64_t *frames, uint64_t entries)
{
	return rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(frames), entries);
}

static uint16_t load_es(uint16_t sel)
{
	uint16_t got;

	__asm__ volatile("movw %1, %%es\n\tmovw %%es, %0" : "=r"(got) : "r"(sel) : "memory");
	return got;
}

static void refused(const char *what, const uint64_t *frames)
{
	long rc = set_gdt(frames, 1024);

	tc_expect_eq(rc, -XEN_EINVAL, what);
	tc_expect_eq(load_es(0x13), 0x13, "GDT A is still in force: selector 0x13 loads");
	load_es(0);
	tc_check(map(gdt_a, PTE_RW) < 0, "A is still a descriptor page: no writable mapping");
	rt_printf("C's DPL-0 entry after the refused call: %#llx\n", (unsigned long long)gdt_c[1]);
	tc_expect_eq(map(gdt_c, PTE_RW), 0, "C can be mapped writable again");
	tc_expect_eq(map(gdt_b, PTE_RW), 0, "B can be mapped writable again");
	gdt_c[1] = DESC_DATA_DPL0;
	tc_expect_eq(map(gdt_c, 0), 0, "C read-only again");
	tc_expect_eq(map(gdt_b, 0), 0, "B read-only again");
}

void test_main(void)
{
	uint64_t a = mfn_of(gdt_a), cb[2] = { mfn_of(gdt_c), mfn_of(gdt_b) }, bc[2] = { cb[1], cb[0] };

	gdt_a[1] = DESC_CODE64_DPL3;
	gdt_a[2] = DESC_DATA_DPL3;
	gdt_b[0] = DESC_TSS;
	gdt_c[1] = DESC_DATA_DPL0;
	tc_expect_eq(map(gdt_a, 0), 0, "A read-only");
	tc_expect_eq(map(gdt_b, 0), 0, "B read-only");
	tc_expect_eq(map(gdt_c, 0), 0, "C read-only");
	tc_expect_eq(set_gdt(&a, 16), 0, "install GDT A");
	tc_expect_eq(load_es(0x13), 0x13, "selector 0x13 loads from A");
	load_es(0);
	if (!rt_clean_so_far())
		return;
	refused("set_gdt [C, B]: B holds a TSS", cb);
	refused("set_gdt [B, C]: the bad frame first", bc);
}

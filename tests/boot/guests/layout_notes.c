/* SPDX-License-Identifier: MIT */
/*
 * layout_notes (Skiff boot test): the builder honours XEN_ELFNOTE_INIT_P2M and
 * MOD_START_PFN as Linux uses them, and maps nothing executable but the text.
 * The P2M list is at 0x8000000000 with page tables of its own in the PFNs
 * after the region; the initrd is unmapped, after those, passed as a PFN;
 * every page the builder mapped outside the image's text is NX.
 */
#include "test.h"

#define P2M_VA		0x0000008000000000ULL
#define PTE_P		1ULL
#define PTE_RW		2ULL
#define PTE_NX		(1ULL << 63)
#define ADDR_MASK	0x000ffffffffff000ULL

static const char magic[] = "skiff-initrd-test";
static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
/* A page of our own whose mapping is borrowed to look at the unmapped initrd. */
static uint8_t window[4096] __attribute__((aligned(4096)));

static uint64_t window_pte;	/* its own mapping, restored after each borrow */

/*
 * Entry index of the table in frame mfn. The builder's tables lie in the
 * region (mapped read-only, PFN -> VA by the region's rule); the P2M's
 * tables lie past it and are looked at through the borrowed window.
 */
static uint64_t table_entry(uint64_t mfn, unsigned int index)
{
	uint64_t pfn = m2p[mfn], region_end = (rt_boot.si->pt_base - RT_VIRT_BASE) / 4096 + rt_boot.si->nr_pt_frames;
	uint64_t va = (uint64_t)(uintptr_t)window, e;

	if (pfn < region_end)
		return ((const uint64_t *)(uintptr_t)(RT_VIRT_BASE + (pfn << 12)))[index];
	if (hyp_update_va_mapping(va, (mfn << 12) | PTE_P | PTE_NX, UVMF_INVLPG) != 0)
		return 0;
	e = ((const volatile uint64_t *)window)[index];
	hyp_update_va_mapping(va, window_pte, UVMF_INVLPG);
	return e;
}

/* The L1 entry that maps va in the boot page tables, or 0. */
static uint64_t l1_entry(uint64_t va)
{
	const uint64_t *l4 = (const uint64_t *)(uintptr_t)rt_boot.si->pt_base;
	uint64_t e = l4[(va >> 39) & 511];

	for (int shift = 30; shift >= 12 && (e & PTE_P); shift -= 9)
		e = table_entry((e & ADDR_MASK) >> 12, (va >> shift) & 511);
	return e;
}

static void check_p2m(const struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)si->mfn_list;
	uint64_t pages = (si->nr_pages * 8 + 4095) / 4096, bad = 0;
	uint64_t region_end = (si->pt_base - RT_VIRT_BASE) / 4096 + si->nr_pt_frames;

	tc_expect_eq(si->mfn_list, P2M_VA, "mfn_list is the INIT_P2M address");
	tc_check(si->first_p2m_pfn >= region_end, "the P2M's PFNs (%lx) follow the region (page tables end at %lx)",
		 (unsigned long)si->first_p2m_pfn, (unsigned long)region_end);
	/* One L3, one L2 and one L1 cover a small guest's list. */
	tc_expect_eq(si->nr_p2m_frames, pages + 3, "nr_p2m_frames: the list and its L3, L2 and L1");
	for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++)
		bad += m2p[p2m[pfn]] != pfn;
	tc_expect_eq(bad, 0, "every P2M entry agrees with the M2P");
	tc_expect_eq(m2p[p2m[si->first_p2m_pfn]], si->first_p2m_pfn, "the list's first page is PFN first_p2m_pfn");
	tc_check((l1_entry(P2M_VA) & (PTE_P | PTE_RW | PTE_NX)) == (PTE_P | PTE_RW | PTE_NX),
		 "the list is mapped writable and NX");
}

static void check_initrd(const struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)si->mfn_list;
	uint64_t va = (uint64_t)(uintptr_t)window;
	long rc;

	tc_check((si->flags & SIF_MOD_START_PFN) != 0, "SIF_MOD_START_PFN is set");
	tc_check(si->mod_start >= si->first_p2m_pfn + si->nr_p2m_frames && si->mod_start < si->nr_pages,
		 "the initrd's PFN %lx lies after the P2M area", (unsigned long)si->mod_start);
	tc_check(si->mod_len > sizeof(magic), "mod_len %lu", (unsigned long)si->mod_len);
	if (!(si->flags & SIF_MOD_START_PFN) || si->mod_start >= si->nr_pages)
		return;
	rc = hyp_update_va_mapping(va, (p2m[si->mod_start] << 12) | PTE_P | PTE_NX, UVMF_INVLPG);
	tc_expect_eq(rc, 0, "map the initrd's first page");
	tc_check(rc == 0 && memcmp(window, magic, sizeof(magic) - 1) == 0, "the initrd's bytes are the module's");
	tc_expect_eq(hyp_update_va_mapping(va, window_pte, UVMF_INVLPG), 0, "restore the window");
}

static void check_nx(const struct start_info *si)
{
	uint64_t text = (uint64_t)(uintptr_t)test_main, end_of_region = si->pt_base + si->nr_pt_frames * 4096;

	tc_check(!(l1_entry(text) & PTE_NX), "the text is executable");
	tc_check((l1_entry((uint64_t)(uintptr_t)window) & PTE_NX) != 0, "the bss is NX");
	tc_check((l1_entry((uint64_t)(uintptr_t)si) & PTE_NX) != 0, "start_info is NX");
	tc_check((l1_entry(si->pt_base) & PTE_NX) != 0, "the page tables are NX");
	tc_check((l1_entry(end_of_region + 64 * 4096) & PTE_NX) != 0, "the padding past the boot stack is NX");
	tc_check((l1_entry(RT_VIRT_BASE) & PTE_NX) != 0, "the padding below the image is NX");
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;

	window_pte = l1_entry((uint64_t)(uintptr_t)window);
	tc_check((window_pte & PTE_P) != 0, "the window page is mapped");
	check_p2m(si);
	check_initrd(si);
	check_nx(si);
}

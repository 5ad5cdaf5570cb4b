/* SPDX-License-Identifier: MIT */
/*
 * start_of_day: what a 64-bit PV kernel finds at its first instruction
 * follows the ABI's start-of-day rules.
 * - start_info: magic "xen-3.0-x86_64" (the image has no PAE_MODE note),
 *   flags SIF_PRIVILEGED|SIF_INITDOMAIN (the initial domain, no module),
 *   nr_pages, a page-aligned shared_info machine address, cmd_line = the
 *   module's argument string without the module's file name.
 * - Layout: kernel image, P2M list (mfn_list), start_info, bootstrap page
 *   tables (pt_base, nr_pt_frames), one stack page; packed in this order,
 *   4 KiB aligned, mapped 1:1 onto PFNs from VIRT_BASE, every page RW except
 *   the page tables (RO), no superpages, ending on a 4 MiB boundary with
 *   at least 512 KiB of padding. mfn_list agrees with the read-only M2P at
 *   0xffff800000000000 for every PFN.
 * - Registers: rsp at the top of the stack page, CS/SS = FLAT_KERNEL_CS/SS
 *   (0xe033/0xe02b), data selectors null, IF set, DF clear, IOPL 0.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include "test.h"

#define PAGE_SIZE	4096ULL
#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define DOM0_MARKER	"conformance-dom0-marker"

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

/* Region facts gathered once and shared by the checks. */
static struct {
	uint64_t si_va, p2m_va, p2m_end, pt_va, pt_end, stack_va;
	uint64_t end;		/* first VA past the mapped initial region */
} lay;

static uint64_t page_up(uint64_t x)
{
	return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void check_start_info(const struct start_info *si)
{
	tc_check(memcmp(si->magic, XEN_START_INFO_MAGIC, sizeof(XEN_START_INFO_MAGIC)) == 0,
		 "magic is \"" XEN_START_INFO_MAGIC "\" (got \"%.31s\")", si->magic);
	rt_printf("start_info at %p: nr_pages %llu shared_info %#llx flags %#x pt_base %#llx "
		  "nr_pt_frames %llu mfn_list %#llx mod %#llx+%llu\n",
		  (const void *)si, (unsigned long long)si->nr_pages,
		  (unsigned long long)si->shared_info, si->flags, (unsigned long long)si->pt_base,
		  (unsigned long long)si->nr_pt_frames, (unsigned long long)si->mfn_list,
		  (unsigned long long)si->mod_start, (unsigned long long)si->mod_len);
	tc_check((si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)) == (SIF_PRIVILEGED | SIF_INITDOMAIN),
		 "flags has SIF_PRIVILEGED|SIF_INITDOMAIN (the test image is the initial domain)");
	tc_check((si->flags & (SIF_MULTIBOOT_MOD | SIF_MOD_START_PFN)) == 0 && si->mod_start == 0 &&
			 si->mod_len == 0,
		 "no initial module: no SIF_MOD flags, mod_start and mod_len 0");
	tc_check(si->nr_pages >= 256 && si->nr_pages < (1ULL << 32), "nr_pages plausible (%llu)",
		 (unsigned long long)si->nr_pages);
	tc_check(si->shared_info != 0 && (si->shared_info & (PAGE_SIZE - 1)) == 0,
		 "shared_info is a page-aligned machine address");
	/* Xen's dom0 builder sets first_p2m_pfn to the first PFN past the region even so. */
	tc_check(si->nr_p2m_frames == 0, "no separate P2M area without an INIT_P2M note");
	rt_printf("first_p2m_pfn %#llx nr_p2m_frames %#llx store %#llx/%u console %#llx/%u\n",
		  (unsigned long long)si->first_p2m_pfn, (unsigned long long)si->nr_p2m_frames,
		  (unsigned long long)si->store_mfn, si->store_evtchn,
		  (unsigned long long)si->console.domU.mfn, si->console.domU.evtchn);
	/* The module string is "path args"; the builder drops the path, as Xen does for dom0. */
	tc_check(rt_strnlen(si->cmd_line, MAX_GUEST_CMDLINE) < MAX_GUEST_CMDLINE &&
			 strncmp(si->cmd_line, DOM0_MARKER, sizeof(DOM0_MARKER) - 1) == 0,
		 "cmd_line is the module's argument without its file name (\"%.80s\")",
		 si->cmd_line);
}

static void check_registers(void)
{
	rt_printf("entry: rsp %#llx rflags %#llx cs %#x ss %#x ds %#x es %#x fs %#x gs %#x\n",
		  (unsigned long long)rt_boot.rsp, (unsigned long long)rt_boot.rflags, rt_boot.cs,
		  rt_boot.ss, rt_boot.ds, rt_boot.es, rt_boot.fs, rt_boot.gs);
	tc_expect_eq(rt_boot.cs, FLAT_KERNEL_CS, "CS at entry");
	tc_expect_eq(rt_boot.ss, FLAT_KERNEL_SS, "SS at entry");
	tc_check(rt_boot.ds == FLAT_KERNEL_DS64 && rt_boot.es == FLAT_KERNEL_DS64 &&
			 rt_boot.fs == 0 && rt_boot.gs == 0,
		 "DS, ES, FS, GS are null selectors");
	tc_check(rt_boot.rflags & 0x200, "IF set in rflags (events are masked in vcpu_info instead)");
	tc_check(!(rt_boot.rflags & 0x400), "DF clear in rflags");
	tc_check((rt_boot.rflags & 0x3000) == 0, "IOPL 0 in the real rflags");
	tc_check((rt_boot.rsp & (PAGE_SIZE - 1)) == 0, "rsp is the top of a page (%#llx)",
		 (unsigned long long)rt_boot.rsp);
}

/* Elements in ABI order: kernel, P2M list, start_info, page tables, stack; 4 KiB aligned and packed. */
static void check_order(const struct start_info *si)
{
	uint64_t img_end = page_up((uint64_t)(uintptr_t)rt_image_end);

	lay.si_va = (uint64_t)(uintptr_t)si;
	lay.p2m_va = si->mfn_list;
	lay.p2m_end = page_up(si->mfn_list + si->nr_pages * 8);
	lay.pt_va = si->pt_base;
	lay.pt_end = si->pt_base + si->nr_pt_frames * PAGE_SIZE;
	lay.stack_va = rt_boot.rsp - PAGE_SIZE;
	tc_check(lay.p2m_va == img_end, "mfn_list (%#llx) follows the image (ends %#llx)",
		 (unsigned long long)lay.p2m_va, (unsigned long long)img_end);
	tc_check(lay.si_va == lay.p2m_end, "start_info (%#llx) follows mfn_list (ends %#llx)",
		 (unsigned long long)lay.si_va, (unsigned long long)lay.p2m_end);
	tc_check(lay.pt_va == lay.si_va + PAGE_SIZE, "pt_base (%#llx) follows start_info",
		 (unsigned long long)lay.pt_va);
	tc_check(si->nr_pt_frames >= 4 && si->nr_pt_frames < 512,
		 "nr_pt_frames covers L4, L3, L2 and L1 (%llu)", (unsigned long long)si->nr_pt_frames);
	tc_check(lay.stack_va == lay.pt_end, "the stack page (%#llx) follows the page tables",
		 (unsigned long long)lay.stack_va);
}

/* Machine frame -> VA in the initial region, or 0 if the frame is not one of its pages. */
static uint64_t mfn_to_region_va(uint64_t mfn, uint64_t nr_pages)
{
	uint64_t pfn = m2p[mfn];

	return pfn < nr_pages ? RT_VIRT_BASE + pfn * PAGE_SIZE : 0;
}

/* Returns the L1 entry mapping va (0 if not mapped); sets *bad on a structural violation. */
static uint64_t walk(const struct start_info *si, uint64_t va, int *bad)
{
	uint64_t table = si->pt_base;

	for (int level = 4; level >= 1; level--) {
		unsigned int idx = (va >> (12 + 9 * (level - 1))) & 511;
		uint64_t e = ((const uint64_t *)(uintptr_t)table)[idx];

		if (!(e & PTE_P))
			return 0;
		if (level == 1)
			return e;
		if (e & PTE_PS) {
			tc_fail("superpage at level %d for %#llx", level, (unsigned long long)va);
			*bad = 1;
			return 0;
		}
		table = mfn_to_region_va((e & PTE_ADDR) >> 12, si->nr_pages);
		if (!table || table < lay.pt_va || table >= lay.pt_end) {
			tc_fail("level-%d table for %#llx is not a bootstrap page-table page",
				level - 1, (unsigned long long)va);
			*bad = 1;
			return 0;
		}
	}
	return 0;
}

/* Every page from VIRT_BASE on is mapped to PFN (va - VIRT_BASE) / 4 KiB until the 4 MiB-aligned end. */
static void check_mapping(const struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)si->mfn_list;
	unsigned long wrong_frame = 0, wrong_rw = 0;
	uint64_t va;
	int bad = 0;

	for (va = RT_VIRT_BASE; va < RT_VIRT_BASE + (1ULL << 30); va += PAGE_SIZE) {
		uint64_t pfn = (va - RT_VIRT_BASE) / PAGE_SIZE;
		uint64_t e = walk(si, va, &bad);
		int is_pt = va >= lay.pt_va && va < lay.pt_end;

		if (bad || !e)
			break;
		if (pfn >= si->nr_pages || ((e & PTE_ADDR) >> 12) != p2m[pfn])
			wrong_frame++;
		if (!!(e & PTE_RW) == is_pt)
			wrong_rw++;
	}
	if (bad)
		return;
	lay.end = va;
	rt_printf("initial region %#llx-%#llx\n", (unsigned long long)RT_VIRT_BASE,
		  (unsigned long long)lay.end);
	tc_check(wrong_frame == 0, "every page maps the frame mfn_list gives its PFN (%lu differ)",
		 wrong_frame);
	tc_check(wrong_rw == 0, "pages RW except the bootstrap page tables, which are RO (%lu differ)",
		 wrong_rw);
	tc_check((lay.end & ((4ULL << 20) - 1)) == 0, "the region ends on a 4 MiB boundary");
	tc_check(lay.end >= rt_boot.rsp + (512ULL << 10), "at least 512 KiB of padding after the stack");
	tc_check(lay.end - RT_VIRT_BASE <= si->nr_pages * PAGE_SIZE,
		 "the region fits in nr_pages");
}

static void check_p2m(const struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)si->mfn_list;
	uint64_t shared_mfn = si->shared_info >> 12;
	unsigned long mismatches = 0, first_bad = 0;
	int shared_in_p2m = 0;

	for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++) {
		uint64_t mfn = p2m[pfn];

		if (mfn >= MACH2PHYS_NR_ENTRIES || m2p[mfn] != pfn) {
			if (!mismatches++)
				first_bad = pfn;
		}
		shared_in_p2m |= mfn == shared_mfn;
	}
	tc_check(mismatches == 0, "M2P[mfn_list[pfn]] == pfn for all %llu PFNs (%lu differ, first %lu)",
		 (unsigned long long)si->nr_pages, mismatches, first_bad);
	tc_check(!shared_in_p2m, "the shared_info frame is not one of the guest's RAM pages");
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;

	tc_check(si != NULL && ((uint64_t)(uintptr_t)si & (PAGE_SIZE - 1)) == 0,
		 "rsi at entry points to a page-aligned start_info");
	if (!si)
		return;
	check_start_info(si);
	check_registers();
	check_order(si);
	check_p2m(si);
	check_mapping(si);
}

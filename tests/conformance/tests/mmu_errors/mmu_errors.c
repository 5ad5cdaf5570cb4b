/* SPDX-License-Identifier: MIT */
/*
 * mmu_errors: return values of PV MMU calls in corners where Skiff and Xen
 * 4.17 differed (found by the differential tester, DT3), as Xen answers:
 * - update_va_mapping reads a vCPU mask from the flags' upper bits only
 *   for the flush types TLB_FLUSH and INVLPG: type 3 (like 0) flushes and
 *   reads nothing, so a bad "pointer" there is no error; with INVLPG an
 *   unreadable mask is -EFAULT (after the update);
 * - mmuext_op's TLB_FLUSH_MULTI and INVLPG_MULTI read their vCPU mask
 *   whatever the address: an unreadable one is -EINVAL there;
 * - mmu_update and mmuext_op check where the list starts before they look
 *   up the foreign domain: a bad list and a bad domain is -EFAULT;
 * - mmuext_op's foreigndom is a domid_t: the upper 16 bits are dropped;
 *   mmu_update's upper 16 bits name the page tables' owner plus one: the
 *   caller itself is accepted, a domain that does not exist is -ESRCH;
 * - an L1 entry naming a frame past the machine's addresses is -EPERM (I/O
 *   memory the domain may not map), an L4 entry naming one -EINVAL.
 * Run as dom0 (domid 0). Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/xen.h>
#include "rt_page.h"
#include "test.h"

static volatile uint64_t window[512] __attribute__((aligned(4096)));
static volatile uint64_t sink[512] __attribute__((aligned(4096)));

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long uvm(uint64_t flags)
{
	uint64_t pte = (mfn_of(window) << 12) | 0x63 | (1ULL << 63);	/* P RW A D NX: as the builders map data */

	return hyp_update_va_mapping(RT_PTR(window), pte, flags);
}

static void check_flush_types(void)
{
	tc_expect_eq(uvm(3 | 0xdead0000ULL), 0, "update_va_mapping, flush type 3 with garbage above it");
	tc_expect_eq(uvm(3 | RT_BAD_PTR_HYPERVISOR), 0, "flush type 3 with a hypervisor address above it");
	tc_expect_eq(uvm(0 | 0xdead0000ULL), 0, "flush type 0 with garbage above it");
	tc_expect_eq(uvm(UVMF_INVLPG | RT_BAD_PTR_UNMAPPED), -XEN_EFAULT, "INVLPG with an unmapped vCPU mask");
	tc_expect_eq(uvm(UVMF_INVLPG | UVMF_ALL), 0, "INVLPG on all vCPUs");
	window[0] = 1;
	tc_expect_eq(window[0], 1, "the window still maps its own page");
}

static void check_order_and_domids(void)
{
	struct mmu_update u = { .ptr = (mfn_of(sink) << 12) | MMU_NORMAL_PT_UPDATE, .val = 42 };
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	tc_expect_eq(hyp_mmu_update(RT_BAD_PTR_HYPERVISOR, 1, 0, 0x7ff5), -XEN_EFAULT,
		     "mmu_update: bad list and a reserved domid: the list first");
	tc_expect_eq(hyp_mmuext_op(RT_BAD_PTR_HYPERVISOR, 1, 0, 0x7ff5), -XEN_EFAULT,
		     "mmuext_op: bad list and a reserved domid: the list first");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), 1, 0, (1ULL << 16) | DOMID_SELF), 0,
		     "mmuext_op foreigndom (1 << 16) | DOMID_SELF is DOMID_SELF");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), 1, 0, 0xffff0000ULL | DOMID_SELF), 0,
		     "mmuext_op foreigndom 0xffff0000 | DOMID_SELF is DOMID_SELF");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, (1ULL << 16) | DOMID_SELF), 0,
		     "mmu_update with page-table owner 1 - 1 = ourselves");
	tc_expect_eq(sink[0], 42, "and the entry landed");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, (0x7000ULL << 16) | DOMID_SELF), -XEN_ESRCH,
		     "mmu_update with a page-table owner that does not exist");
}

/* An entry in the L4's hypervisor slots (256-271), as it is or pointed elsewhere: -EINVAL, the table unchanged. */
static void check_hypervisor_slots(void)
{
	const uint64_t *l4 = (const uint64_t *)(uintptr_t)rt_boot.si->pt_base;
	int64_t pfn = rt_va_pfn(l4);
	uint64_t l4_ma, before;
	struct mmu_update u;

	if (pfn < 0) {
		tc_check(false, "the L4's frame is known");
		return;
	}
	l4_ma = rt_pfn_to_mfn((uint64_t)pfn) << 12;
	for (unsigned int slot = 256; slot <= 271; slot += 15) {
		before = l4[slot];
		u = (struct mmu_update){ .ptr = l4_ma + slot * 8, .val = before };
		tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_SELF), -XEN_EINVAL,
			     "mmu_update of an L4 hypervisor slot, rewritten as it is");
		u.val = 0;
		tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_SELF), -XEN_EINVAL,
			     "mmu_update clearing an L4 hypervisor slot");
		tc_check(l4[slot] == before, "the slot is unchanged");
	}
}

static long ext_multi(uint32_t cmd, uint64_t addr, uint64_t mask)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.linear_addr = addr;
	op.arg2.vcpumask = mask;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static void check_multi_masks(void)
{
	static uint64_t all = 1;

	tc_expect_eq(ext_multi(MMUEXT_TLB_FLUSH_MULTI, 0, RT_BAD_PTR_UNMAPPED), -XEN_EINVAL,
		     "TLB_FLUSH_MULTI with an unmapped vCPU mask");
	tc_expect_eq(ext_multi(MMUEXT_TLB_FLUSH_MULTI, 0, RT_BAD_PTR_HYPERVISOR), -XEN_EINVAL,
		     "TLB_FLUSH_MULTI with the mask in the hypervisor's range");
	tc_expect_eq(ext_multi(MMUEXT_INVLPG_MULTI, RT_PTR(window), RT_BAD_PTR_UNMAPPED), -XEN_EINVAL,
		     "INVLPG_MULTI with an unmapped vCPU mask");
	tc_expect_eq(ext_multi(MMUEXT_INVLPG_MULTI, RT_BAD_PTR_NONCANON, RT_BAD_PTR_UNMAPPED), -XEN_EINVAL,
		     "INVLPG_MULTI of a non-canonical address still reads the mask");
	tc_expect_eq(ext_multi(MMUEXT_INVLPG_MULTI, RT_BAD_PTR_NONCANON, RT_PTR(&all)), 0,
		     "INVLPG_MULTI of a non-canonical address with a good mask");
	tc_expect_eq(ext_multi(MMUEXT_TLB_FLUSH_MULTI, 0, RT_PTR(&all)), 0, "TLB_FLUSH_MULTI of vCPU 0");
}

/*
 * An entry naming a frame past the machine's physical addresses (QEMU's 40
 * bits here). At L1 it is I/O memory no domain may map: -EPERM (on Xen not
 * in dom0's I/O range either), up to address bit 51; the all-ones frame
 * number (Xen's INVALID_MFN) is -EINVAL. As a table (L4 here) -EINVAL.
 */
static void check_far_frames(void)
{
	static const uint64_t far[] = { 0xfffffffffULL, 0x10000000ULL, 0x8000000000ULL, 0xfffffffffeULL, 0xffffffffffULL };
	const uint64_t *l4 = (const uint64_t *)(uintptr_t)rt_boot.si->pt_base;
	int64_t l4_pfn = rt_va_pfn(l4);
	unsigned int slot = 300;

	for (unsigned int i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		uint64_t pte = (far[i] << 12) | 0x63 | (1ULL << 63);
		long want = far[i] == 0xffffffffffULL ? -XEN_EINVAL : -XEN_EPERM;
		long rc = hyp_update_va_mapping(RT_PTR(window), pte, 0);

		tc_check(rc == want, "update_va_mapping to frame %#llx: %ld (got %ld)", (unsigned long long)far[i], want,
			 rc);
	}
	window[0] = 1;
	tc_expect_eq(window[0], 1, "the window still maps its own page");
	if (l4_pfn < 0 || l4[slot] != 0) {
		tc_check(false, "the L4's frame is known and slot %u is free", slot);
		return;
	}
	for (unsigned int i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		struct mmu_update u = { .ptr = (rt_pfn_to_mfn((uint64_t)l4_pfn) << 12) + slot * 8,
					.val = (far[i] << 12) | 0x67 };
		long rc = hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_SELF);

		tc_check(rc == -XEN_EINVAL, "an L4 entry naming frame %#llx: -EINVAL (got %ld)",
			 (unsigned long long)far[i], rc);
	}
	tc_check(l4[slot] == 0, "the L4 slot stays empty");
}

void test_main(void)
{
	check_flush_types();
	check_order_and_domids();
	check_multi_masks();
	check_hypervisor_slots();
	check_far_frames();
}

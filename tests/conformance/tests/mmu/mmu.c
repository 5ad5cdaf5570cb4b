/* SPDX-License-Identifier: MIT */
/*
 * mmu: the PV MMU calls validate what a guest asks for. update_va_mapping
 * and mmu_update(MMU_NORMAL_PT_UPDATE) can point a guest PTE at another of
 * the guest's own frames (and back); a writable mapping of one of the
 * guest's page-table pages is refused while a read-only one is allowed;
 * VAs in the hypervisor's range or without an L1 table, an L4 entry that
 * would make a writable page a page table, and a bad request array are
 * refused; mmu_update aimed at an ordinary writable page of the guest is a
 * plain store (Xen's "writable mmu update");
 * MMU_MACHPHYS_UPDATE of an own frame works; mmuext_op local TLB flushes
 * work, pinning a writable page, unpinning an unpinned one, switching to a
 * non-L4 base pointer and unknown commands are refused. Every refusal
 * leaves the original mapping in place. Not Skiff-specific; checked on
 * real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "test.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_FLAGS	(PTE_P | PTE_RW | PTE_A | PTE_D)

static volatile uint64_t window[512] __attribute__((aligned(4096)));
static volatile uint64_t target[512] __attribute__((aligned(4096)));

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static const uint64_t *va_of_mfn(uint64_t mfn)
{
	return (const uint64_t *)(uintptr_t)(RT_VIRT_BASE + (m2p[mfn] << 12));
}

/* Machine address of the L1 entry that maps va, found by walking the bootstrap tables. */
static uint64_t l1e_maddr(uint64_t va, uint64_t *l1_mfn)
{
	uint64_t mfn = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);

	for (int level = 4; level > 1; level--) {
		unsigned int idx = (va >> (12 + 9 * (level - 1))) & 511;

		mfn = (va_of_mfn(mfn)[idx] & PTE_ADDR) >> 12;
	}
	*l1_mfn = mfn;
	return (mfn << 12) + ((va >> 12) & 511) * 8;
}

static int window_maps(uint64_t mfn)
{
	uint64_t l1_mfn;
	uint64_t maddr = l1e_maddr(RT_PTR(window), &l1_mfn);

	return (va_of_mfn(l1_mfn)[(maddr & 0xfff) / 8] & PTE_ADDR) >> 12 == mfn;
}

static long uvm(uint64_t mfn, uint64_t flags)
{
	return hyp_update_va_mapping(RT_PTR(window), (mfn << 12) | flags, UVMF_INVLPG);
}

static void check_update_va_mapping(uint64_t own, uint64_t other, uint64_t l1_mfn)
{
	long rc;

	target[0] = 0x1122334455667788ULL;
	tc_expect_eq(uvm(other, PTE_FLAGS), 0, "update_va_mapping to another own frame");
	tc_check(window[0] == 0x1122334455667788ULL, "the window now shows that frame");
	tc_expect_eq(uvm(own, PTE_FLAGS), 0, "update_va_mapping back to the original frame");
	rc = uvm(l1_mfn, PTE_FLAGS);
	tc_check(rc == -XEN_EBUSY, "a writable mapping of an L1 page-table page: -EBUSY (%ld)", rc);
	tc_check(window_maps(own), "and the original mapping stays");
	tc_expect_eq(uvm(l1_mfn, PTE_P | PTE_A), 0, "a read-only mapping of it is allowed");
	tc_expect_eq(uvm(own, PTE_FLAGS), 0, "restore");
	rc = hyp_update_va_mapping(HYPERVISOR_VIRT_START + 0x1000, (other << 12) | PTE_FLAGS, UVMF_INVLPG);
	tc_check(rc == -XEN_EINVAL, "update_va_mapping of a hypervisor VA: -EINVAL (%ld)", rc);
	rc = hyp_update_va_mapping(RT_BAD_PTR_UNMAPPED, (other << 12) | PTE_FLAGS, UVMF_INVLPG);
	tc_check(rc == -XEN_EINVAL, "update_va_mapping of a VA with no L1 table: -EINVAL (%ld)", rc);
	tc_check(window_maps(own), "the window still maps its own frame");
}

static long mmuext1(uint32_t cmd, uint64_t arg1)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = arg1;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static void check_mmu_update(uint64_t own, uint64_t other, uint64_t pte_maddr)
{
	struct mmu_update req;
	uint32_t done = 0xdead;
	long rc;

	req.ptr = pte_maddr | MMU_NORMAL_PT_UPDATE;
	req.val = (other << 12) | PTE_FLAGS;
	tc_expect_eq(hyp_mmu_update(RT_PTR(&req), 1, RT_PTR(&done), DOMID_SELF), 0,
		     "mmu_update of the window's PTE");
	tc_check(done == 1 && window_maps(other), "one update done, the window moved");
	/* mmu_update does not flush; invlpg is privileged, so ask the hypervisor. */
	mmuext1(MMUEXT_INVLPG_LOCAL, RT_PTR(window));
	tc_check(window[0] == 0x1122334455667788ULL, "the window shows the other frame");
	req.val = (own << 12) | PTE_FLAGS;
	tc_expect_eq(hyp_mmu_update(RT_PTR(&req), 1, RT_PTR(&done), DOMID_SELF), 0, "and back");
	/* A target that is an ordinary writable page is just written (Xen's "writable mmu update"). */
	req.ptr = (other << 12) | MMU_NORMAL_PT_UPDATE;
	req.val = 0x0123456789abcdefULL;
	tc_expect_eq(hyp_mmu_update(RT_PTR(&req), 1, 0, DOMID_SELF), 0,
		     "mmu_update aimed at an ordinary own page");
	tc_check(target[0] == 0x0123456789abcdefULL, "it wrote the value there like a store");
	target[0] = 0x1122334455667788ULL;
	/* A page-table entry that would make a writable page a page table must be refused. */
	req.ptr = (mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base) << 12) | MMU_NORMAL_PT_UPDATE;
	req.val = (other << 12) | PTE_P | PTE_RW | PTE_A;
	rc = hyp_mmu_update(RT_PTR(&req), 1, 0, DOMID_SELF);
	tc_check(rc == -XEN_EINVAL, "an L4 entry pointing at a writable page: -EINVAL (%ld)", rc);
	tc_expect_eq(hyp_mmu_update(RT_PTR(&req), 0, 0, DOMID_SELF), 0, "mmu_update of 0 requests");
	tc_expect_eq(hyp_mmu_update(RT_BAD_PTR_HYPERVISOR, 1, 0, DOMID_SELF), -XEN_EFAULT,
		     "mmu_update with the requests in the hypervisor's range");
	req.ptr = (other << 12) | MMU_MACHPHYS_UPDATE;
	req.val = m2p[other];
	tc_expect_eq(hyp_mmu_update(RT_PTR(&req), 1, 0, DOMID_SELF), 0,
		     "MMU_MACHPHYS_UPDATE of an own frame to its own PFN");
	tc_check(window_maps(own), "the window maps its own frame again");
}

static void check_mmuext(uint64_t other)
{
	long rc;

	tc_expect_eq(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0, "MMUEXT_TLB_FLUSH_LOCAL");
	tc_expect_eq(mmuext1(MMUEXT_INVLPG_LOCAL, RT_PTR(window)), 0, "MMUEXT_INVLPG_LOCAL");
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, other);
	tc_check(rc == -XEN_EINVAL, "pinning a writably mapped page as L1: -EINVAL (%ld)", rc);
	rc = mmuext1(MMUEXT_UNPIN_TABLE, other);
	tc_check(rc == -XEN_EINVAL, "unpinning a page that is not pinned: -EINVAL (%ld)", rc);
	rc = mmuext1(MMUEXT_NEW_BASEPTR, other);
	tc_check(rc == -XEN_EINVAL, "NEW_BASEPTR to a page that is not an L4: -EINVAL (%ld)", rc);
	rc = mmuext1(14, 0);
	tc_check(rc == -XEN_ENOSYS, "mmuext_op command 14 (unused): -ENOSYS (%ld)", rc);
	rc = hyp_mmuext_op(RT_BAD_PTR_HYPERVISOR, 1, 0, DOMID_SELF);
	tc_check(rc == -XEN_EFAULT, "mmuext_op with the ops in the hypervisor's range: -EFAULT (%ld)", rc);
	tc_expect_eq(target[0], 0x1122334455667788ULL, "refused operations left the target page alone");
}

void test_main(void)
{
	uint64_t own = mfn_of(window), other = mfn_of(target), l1_mfn;
	uint64_t pte_maddr = l1e_maddr(RT_PTR(window), &l1_mfn);

	tc_check(window_maps(own), "the walk finds the window's PTE (frame %#llx, L1 %#llx)",
		 (unsigned long long)own, (unsigned long long)l1_mfn);
	check_update_va_mapping(own, other, l1_mfn);
	check_mmu_update(own, other, pte_maddr);
	check_mmuext(other);
}

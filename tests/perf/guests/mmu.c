/* SPDX-License-Identifier: MIT */
/* Benchmark guest: TSC cycles per one-entry mmu_update, per emulated store to an L1 entry, per pin+unpin of an L1. */
#include <pvabi/errno.h>
#include "test.h"

#define BATCHES	64
#define CALLS	1000

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_FLAGS	(PTE_P | PTE_RW | PTE_A | PTE_D)

static volatile uint64_t window[512] __attribute__((aligned(4096)));
static volatile uint64_t other[512] __attribute__((aligned(4096)));
/* Becomes the pinned L1: filled while writable, then mapped read-only for the pin loop. */
static uint64_t spare_l1[512] __attribute__((aligned(4096)));
static uint64_t readonly_a[512] __attribute__((aligned(4096)));
static uint64_t writable_b[512] __attribute__((aligned(4096)));

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

/* Machine address of the L1 entry mapping va, through the bootstrap tables and the M2P. */
static uint64_t l1e_maddr(uint64_t va)
{
	uint64_t mfn = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);

	for (int level = 4; level > 1; level--)
		mfn = (va_of_mfn(mfn)[(va >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR) >> 12;
	return (mfn << 12) + ((va >> 12) & 511) * 8;
}

static uint64_t l1e_value(uint64_t va)
{
	uint64_t maddr = l1e_maddr(va);

	return va_of_mfn(maddr >> 12)[(maddr & 0xfff) / 8];
}

static void sort_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void report(const char *what, uint64_t *per_op)
{
	sort_u64(per_op, BATCHES);
	rt_printf("bench mmu: %s median %llu cycles (min %llu, max %llu; %u batches of %u)\n", what,
		  (unsigned long long)per_op[BATCHES / 2], (unsigned long long)per_op[0],
		  (unsigned long long)per_op[BATCHES - 1], BATCHES, CALLS);
}

static long mmuext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* One batch of CALLS updates, alternating the window between the two frames; returns the failures. */
static unsigned long update_batch(uint64_t pte_maddr, uint64_t own, uint64_t alt)
{
	struct mmu_update req = { .ptr = pte_maddr | MMU_NORMAL_PT_UPDATE };
	unsigned long bad = 0;

	for (int i = 0; i < CALLS; i++) {
		req.val = (((i & 1) ? own : alt) << 12) | PTE_FLAGS;
		bad += hyp_mmu_update(RT_PTR(&req), 1, 0, DOMID_SELF) != 0;
	}
	return bad;
}

/* (a): CALLS is even, so every batch leaves the window on its own frame. No flush in the loop. */
static void bench_update(void)
{
	static uint64_t per_op[BATCHES];
	uint64_t own = mfn_of(window), alt = mfn_of(other), pte = l1e_maddr(RT_PTR(window));
	unsigned long bad = update_batch(pte, own, alt);

	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		bad += update_batch(pte, own, alt);
		per_op[b] = (rt_rdtsc() - t0) / CALLS;
	}
	tc_expect_eq(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0, "TLB flush after the update loop");
	tc_check(bad == 0, "all %u mmu_updates returned 0 (%lu did not)", (BATCHES + 1) * CALLS, bad);
	tc_check((l1e_value(RT_PTR(window)) & PTE_ADDR) >> 12 == own && window[0] == 0x77696e646f77ULL,
		 "the window maps its own frame again and reads back");
	report("mmu_update", per_op);
}

/* One batch of CALLS plain stores into the L1 entry through the table's read-only mapping: each one faults and is emulated. */
static void ptwr_batch(volatile uint64_t *pte, uint64_t own, uint64_t alt)
{
	for (int i = 0; i < CALLS; i++)
		*pte = (((i & 1) ? own : alt) << 12) | PTE_FLAGS;
}

/* (c): writable page tables, as Linux's set_pte writes: the same alternation as (a), by store instead of hypercall. */
static void bench_ptwr(void)
{
	static uint64_t per_op[BATCHES];
	uint64_t own = mfn_of(window), alt = mfn_of(other), maddr = l1e_maddr(RT_PTR(window));
	volatile uint64_t *pte = (volatile uint64_t *)(uintptr_t)&va_of_mfn(maddr >> 12)[(maddr & 0xfff) / 8];

	ptwr_batch(pte, own, alt);
	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		ptwr_batch(pte, own, alt);
		per_op[b] = (rt_rdtsc() - t0) / CALLS;
	}
	tc_expect_eq(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0, "TLB flush after the store loop");
	tc_check((l1e_value(RT_PTR(window)) & PTE_ADDR) >> 12 == own && window[0] == 0x77696e646f77ULL,
		 "after the emulated stores the window maps its own frame again and reads back");
	report("ptwr store", per_op);
}

static unsigned long pin_batch(uint64_t l1_mfn)
{
	unsigned long bad = 0;

	for (int i = 0; i < CALLS; i++) {
		bad += mmuext1(MMUEXT_PIN_L1_TABLE, l1_mfn) != 0;
		bad += mmuext1(MMUEXT_UNPIN_TABLE, l1_mfn) != 0;
	}
	return bad;
}

/* (b): each pin validates the table (taking its entries' references), each unpin drops them again. */
static void bench_pin(void)
{
	static uint64_t per_op[BATCHES];
	uint64_t l1_mfn = mfn_of(spare_l1), ro = mfn_of(readonly_a), rw = mfn_of(writable_b);
	unsigned long bad;

	for (int i = 0; i < 8; i++) {
		spare_l1[i] = (ro << 12) | PTE_P | PTE_A;
		spare_l1[8 + i] = (rw << 12) | PTE_FLAGS;
	}
	spare_l1[16] = (mfn_of(other) << 12) | PTE_P | PTE_A;
	if (hyp_update_va_mapping(RT_PTR(spare_l1), (l1_mfn << 12) | PTE_P | PTE_A, UVMF_INVLPG) != 0) {
		tc_error("could not map the spare page read-only");
		return;
	}
	bad = pin_batch(l1_mfn);
	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		bad += pin_batch(l1_mfn);
		per_op[b] = (rt_rdtsc() - t0) / CALLS;
	}
	tc_check(bad == 0, "all %u pins and unpins returned 0 (%lu did not)", 2 * (BATCHES + 1) * CALLS, bad);
	/* Unpinned for good: the page is an ordinary one again and may be mapped writable. */
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(spare_l1), (l1_mfn << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		     "the unpinned page can be mapped writable again");
	spare_l1[0] = 0;
	/* Validation may add flags (US), so only the frame is compared. */
	tc_check((spare_l1[8] & PTE_ADDR) >> 12 == rw && spare_l1[0] == 0, "and its contents are intact");
	report("pin+unpin L1", per_op);
}

void test_main(void)
{
	window[0] = 0x77696e646f77ULL;
	other[0] = 0x6f74686572ULL;
	bench_update();
	bench_ptwr();
	bench_pin();
}

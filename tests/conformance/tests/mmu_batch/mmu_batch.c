/* SPDX-License-Identifier: MIT */
/*
 * mmu_batch: mmu_update and mmuext_op batches of any count, as Xen 4.17
 * takes them (hypercall continuations, invisible to the guest but for
 * *pdone):
 * - 10,000 mmu_update entries (each stores into an ordinary page of ours,
 *   which mmu_update writes as plain memory) all land, in order, *pdone
 *   10,000; 5,000 mmuext_op local TLB flushes return 0, *pdone 5,000;
 * - a count of 2^31 - 1 over a list of 1,024 entries followed by an
 *   unmapped page: -EFAULT with *pdone 1,024, the entries before it done;
 * - count with bit 31 set on a first call (MMU_UPDATE_PREEMPTED) takes
 *   *pdone as the count already done: it adds to it (modulo 2^32); an
 *   unreadable pdone then counts from 0, and a pdone that cannot be
 *   written does not change the result; count's upper 32 bits are ignored
 *   (unsigned int);
 * - a list starting in the hypervisor's range or at a non-canonical address
 *   is -EFAULT before any entry, *pdone untouched.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/xen.h>
#include "test.h"
#include "rt_page.h"

#define PREEMPTED	0x80000000ULL

static volatile uint64_t sink[512] __attribute__((aligned(4096)));

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

/* Entry i stores tag + i into sink[i % 512]. */
static void fill(struct mmu_update *u, uint64_t n, uint64_t tag)
{
	uint64_t base = mfn_of(sink) << 12;

	for (uint64_t i = 0; i < n; i++) {
		u[i].ptr = (base + (i % 512) * 8) | MMU_NORMAL_PT_UPDATE;
		u[i].val = tag + i;
	}
}

/* After entries [0, n) with tag: each slot holds the last entry that named it. */
static bool sink_holds(uint64_t n, uint64_t tag)
{
	for (uint64_t k = 0; k < 512 && k < n; k++) {
		uint64_t last = k + ((n - 1 - k) / 512) * 512;

		if (sink[k] != tag + last)
			return false;
	}
	return true;
}

static void clear_sink(void)
{
	for (int k = 0; k < 512; k++)
		sink[k] = 0;
}

static void check_big(struct mmu_update *u)
{
	uint32_t done = 0xdead;
	struct mmuext_op *ops = (struct mmuext_op *)u;

	clear_sink();
	fill(u, 10000, 0x1000000);
	tc_expect_eq(hyp_mmu_update(RT_PTR(u), 10000, RT_PTR(&done), DOMID_SELF), 0, "mmu_update of 10,000 entries");
	tc_expect_eq(done, 10000, "*pdone");
	tc_check(sink_holds(10000, 0x1000000), "every entry landed, in order");

	for (int i = 0; i < 5000; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	}
	done = 0xdead;
	tc_expect_eq(hyp_mmuext_op(RT_PTR(ops), 5000, RT_PTR(&done), DOMID_SELF), 0,
		     "mmuext_op of 5,000 local flushes");
	tc_expect_eq(done, 5000, "*pdone");
}

/* tail: 1,024 entries that end where the buffer's unmapped successor page starts. */
static void check_huge_counts(struct mmu_update *tail)
{
	uint32_t done = 0xdead;

	clear_sink();
	fill(tail, 1024, 0x2000000);
	tc_expect_eq(hyp_mmu_update(RT_PTR(tail), 0x7fffffff, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "mmu_update count 2^31-1 running into an unmapped page");
	tc_expect_eq(done, 1024, "*pdone: the entries before the page");
	tc_check(sink_holds(1024, 0x2000000), "and they landed");

	done = 0xfffffff0;
	tc_expect_eq(hyp_mmu_update(RT_PTR(tail), 0xffffffffULL, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "count 2^32-1 (bit 31: a continuation) over the same list");
	tc_expect_eq(done, (uint32_t)(0xfffffff0U + 1024U), "*pdone adds to what it held, modulo 2^32");

	done = 0xdead;
	tc_expect_eq(hyp_mmu_update(RT_PTR(tail), PREEMPTED | 3, RT_BAD_PTR_HYPERVISOR, DOMID_SELF), 0,
		     "a continuation with an unreadable pdone (3 entries)");
	done = 0xdead;
	clear_sink();
	tc_expect_eq(hyp_mmu_update(RT_PTR(tail), (1ULL << 32) | 3, RT_PTR(&done), DOMID_SELF), 0,
		     "count (1 << 32) | 3");
	tc_expect_eq(done, 3, "is a count of 3");
	tc_check(sink_holds(3, 0x2000000) && sink[3] == 0, "3 entries landed, not more");
}

static void check_bad_lists(void)
{
	uint32_t done = 0x1234;

	tc_expect_eq(hyp_mmu_update(RT_BAD_PTR_HYPERVISOR, 5, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "mmu_update with the list in the hypervisor's range");
	tc_expect_eq(done, 0x1234, "*pdone untouched");
	tc_expect_eq(hyp_mmu_update(RT_BAD_PTR_NONCANON, 5, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "mmu_update with a non-canonical list");
	tc_expect_eq(done, 0x1234, "*pdone untouched");
	tc_expect_eq(hyp_mmuext_op(RT_BAD_PTR_HYPERVISOR, 5, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "mmuext_op with the list in the hypervisor's range");
	tc_expect_eq(done, 0x1234, "*pdone untouched");
	tc_expect_eq(hyp_mmu_update(RT_BAD_PTR_UNMAPPED, 5, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		     "mmu_update with an unmapped list");
	tc_expect_eq(done, 0, "*pdone 0: the first entry failed");
}

void test_main(void)
{
	struct mmu_update *u, *tail;
	size_t len = 10000 * sizeof(struct mmu_update);

	len = (len + 4095) & ~4095UL;
	if (rt_page_init() != 0 || !(u = rt_vmem_alloc(len))) {
		tc_error("no buffer for the batches");
		return;
	}
	/* The page after the last buffer is unmapped (the next buffer would start there). */
	tail = (struct mmu_update *)((char *)u + len) - 1024;
	check_big(u);
	check_huge_counts(tail);
	check_bad_lists();
}

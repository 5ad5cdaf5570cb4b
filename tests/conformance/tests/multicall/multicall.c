/* SPDX-License-Identifier: MIT */
/*
 * multicall: a batch runs every entry in order and stores each result in
 * its entry, whatever earlier entries returned: xen_version, vm_assist,
 * update_va_mapping (the mapping really changes, as Linux's batched MMU
 * updates expect), sched_op yield; an unknown op (-ENOSYS), a nested
 * multicall (-EINVAL) and a bad pointer inside an entry (-EFAULT) fail only
 * that entry. The hypercall itself
 * returns 0; an empty batch is fine; an unreadable list gives -EFAULT. A
 * batch of 5,000 entries runs whole (Xen has no bound; preempted, it
 * continues), and the count is 32 bits wide (nr_calls). Not Skiff-specific;
 * checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/version.h>
#include "test.h"

#define PTE_FLAGS	0x063ULL	/* P RW A D */
#define MAGIC		0x0badc0ffee0ddf00ULL

static volatile uint64_t window[512] __attribute__((aligned(4096)));
static volatile uint64_t target[512] __attribute__((aligned(4096)));

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static void set(struct multicall_entry *e, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->result = 0x5a5a5a5a;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
}

static long multicall(struct multicall_entry *list, uint64_t n)
{
	return rt_hypercall2(__HYPERVISOR_multicall, RT_PTR(list), n);
}

#define BIG	5000

/* More entries than any bound a hypervisor might set, each one's result checked. */
static void big_batch(void)
{
	static struct multicall_entry big[BIG];
	unsigned int right = 0;

	for (unsigned int i = 0; i < BIG; i++)
		set(&big[i], __HYPERVISOR_xen_version, i % 2 ? XENVER_pagesize : XENVER_version, 0, 0);
	tc_expect_eq(multicall(big, BIG), 0, "a multicall of 5000 entries");
	for (unsigned int i = 0; i < BIG; i++)
		right += big[i].result == (i % 2 ? 4096 : (uint64_t)hyp_xen_version(XENVER_version, 0));
	tc_check(right == BIG, "every entry of the 5000 ran and has its own result (%u right)", right);
	/* nr_calls is an unsigned int: the upper half of the count is not looked at. */
	for (unsigned int i = 0; i < 3; i++)
		set(&big[i], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	tc_expect_eq(multicall(big, (1ULL << 32) | 2), 0, "a count of 2 with its upper 32 bits set");
	tc_check(big[0].result == 4096 && big[1].result == 4096 && big[2].result == 0x5a5a5a5a,
		 "two entries ran, the third did not (%ld %ld %#lx)", (long)big[0].result, (long)big[1].result,
		 (unsigned long)big[2].result);
}

void test_main(void)
{
	static struct multicall_entry mc[8];
	long version = hyp_xen_version(XENVER_version, 0);
	uint64_t own = mfn_of(window);
	long rc;

	target[0] = MAGIC;
	set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	set(&mc[1], __HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0);
	set(&mc[2], 99, 0, 0, 0);
	set(&mc[3], __HYPERVISOR_xen_version, XENVER_extraversion, RT_BAD_PTR_HYPERVISOR, 0);
	set(&mc[4], __HYPERVISOR_update_va_mapping, RT_PTR(window), (mfn_of(target) << 12) | PTE_FLAGS,
	    UVMF_INVLPG);
	set(&mc[5], __HYPERVISOR_multicall, RT_PTR(&mc[0]), 1, 0);
	set(&mc[6], __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
	set(&mc[7], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	rc = multicall(mc, 8);
	tc_expect_eq(rc, 0, "multicall of 8 entries");
	tc_expect_eq(mc[0].result, version, "entry 0: xen_version");
	tc_expect_eq(mc[1].result, 0, "entry 1: vm_assist");
	tc_expect_eq(mc[2].result, -XEN_ENOSYS, "entry 2: unknown op 99");
	tc_expect_eq(mc[3].result, -XEN_EFAULT, "entry 3: xen_version into the hypervisor's range");
	tc_expect_eq(mc[4].result, 0, "entry 4: update_va_mapping");
	tc_check(window[0] == MAGIC, "the batched update_va_mapping took effect");
	tc_expect_eq(mc[5].result, -XEN_EINVAL, "entry 5: a nested multicall");
	tc_expect_eq(mc[6].result, 0, "entry 6: sched_op yield");
	tc_expect_eq(mc[7].result, 4096, "entry 7: xen_version pagesize, after the failures");
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(window), (own << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		     "restore the window");
	tc_expect_eq(multicall(mc, 0), 0, "an empty multicall");
	tc_expect_eq(multicall((struct multicall_entry *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 1), -XEN_EFAULT,
		     "a multicall list in the hypervisor's range");
	/* Xen checks where the list starts before it looks at the count (found by the differential tester). */
	tc_expect_eq(multicall((struct multicall_entry *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 0), -XEN_EFAULT,
		     "an empty multicall whose list is in the hypervisor's range");
	tc_expect_eq(multicall((struct multicall_entry *)(uintptr_t)RT_BAD_PTR_NONCANON, 1ULL << 32), -XEN_EFAULT,
		     "a multicall of 2^32 (0) entries at a non-canonical list");
	tc_expect_eq(multicall((struct multicall_entry *)(uintptr_t)RT_BAD_PTR_UNMAPPED, 0), 0,
		     "an empty multicall at an unmapped user address reads nothing");
	big_batch();
}

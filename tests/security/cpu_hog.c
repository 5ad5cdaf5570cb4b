/* SPDX-License-Identifier: MIT */
/*
 * cpu_hog (security guest, domU): hypercalls that cost a lot of validation
 * work each, beside a heartbeat domain (cpu_hog_heartbeat.c) that records
 * how long it was kept off the only CPU. The hog pins and unpins an L2 whose
 * 512 entries map 512 distinct L1s (each 512 read-only entries) many times
 * in one mmuext_op, does the same through a multicall of such batches and
 * through one mmu_update that removes and re-installs it in a pinned L3,
 * and switches its base pointer to a fresh L4 whose extra slot reaches
 * that L2 and back, again many times in one call; then one grant_table_op
 * copying page after page between two of its own frames. Every result must be as if no
 * preemption happened: rc 0, *pdone exact, and at the end every frame of
 * the tree can be mapped writable again (no type, no pin left). Then it
 * tells the heartbeat it is done through an interdomain event channel.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "test.h"
#include "guests/sec_util.h"

/* The attack was 400 operations in one call; fewer keep CI short and still hold a CPU for seconds. */
#define PAIRS		40
#define MC_CALLS	4
#define MC_PAIRS	8
#define BASE_ROUNDS	8
#define MMU_PAIRS	8
#define DEEP_SLOT	1	/* an L4 slot the runtime leaves empty */
#define COPIES		500000	/* 4 KiB each: seconds of copying under TCG in one grant_table_op (20 MB of elements) */

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define F_RO		(PTE_P | PTE_US | PTE_A)
#define F_TABLE		(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

typedef uint64_t page_t[512] __attribute__((aligned(4096)));

static page_t l1s[512], l2w, l3d, l4d, data;
static struct mmuext_op ops[2 * PAIRS], mc_ops[MC_CALLS][2 * MC_PAIRS], base_ops[2 * BASE_ROUNDS];
static struct multicall_entry mc[MC_CALLS];
static uint32_t mc_done[MC_CALLS];
static page_t copy_src, copy_dst;
static struct gnttab_copy copies[COPIES];

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long remap(void *va, uint64_t flags)
{
	return hyp_update_va_mapping(RT_PTR(va), (mfn_of(va) << 12) | flags, UVMF_INVLPG);
}

static uint64_t now_ns(volatile struct shared_info *sh)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

/* Fills the tree while it is ordinary memory, then maps every page of it read-only so it can be typed. */
static int build_tree(void)
{
	const uint64_t *l4 = (const uint64_t *)(uintptr_t)rt_boot.si->pt_base;
	uint64_t d = mfn_of(data);

	for (unsigned int i = 0; i < 512; i++) {
		for (unsigned int j = 0; j < 512; j++)
			l1s[i][j] = (d << 12) | F_RO;
		l2w[i] = (mfn_of(l1s[i]) << 12) | F_TABLE;
	}
	memset(l3d, 0, sizeof(l3d));
	l3d[0] = (mfn_of(l2w) << 12) | F_TABLE;
	/* The guest's own kernel mappings, so it keeps running on this L4; the hypervisor slots are its own. */
	for (unsigned int i = 0; i < 512; i++)
		l4d[i] = (i >= 256 && i <= 271) ? 0 : l4[i];
	if (l4d[DEEP_SLOT]) {
		tc_error("L4 slot %u is in use: no room for the deep tree", DEEP_SLOT);
		return -1;
	}
	l4d[DEEP_SLOT] = (mfn_of(l3d) << 12) | F_TABLE;
	for (unsigned int i = 0; i < 512; i++)
		if (remap(l1s[i], F_RO))
			return -1;
	if (remap(l2w, F_RO) || remap(l3d, F_RO) || remap(l4d, F_RO))
		return -1;
	return 0;
}

static long ext1(unsigned int cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static void pin_unpin(struct mmuext_op *o, unsigned int pairs)
{
	for (unsigned int i = 0; i < pairs; i++) {
		o[2 * i] = (struct mmuext_op){ .cmd = MMUEXT_PIN_L2_TABLE };
		o[2 * i].arg1.mfn = mfn_of(l2w);
		o[2 * i + 1] = (struct mmuext_op){ .cmd = MMUEXT_UNPIN_TABLE };
		o[2 * i + 1].arg1.mfn = mfn_of(l2w);
	}
}

/* Frame-to-frame copies within the caller (no grant refs): every element must run exactly once. */
static void phase_grant_copy(volatile struct shared_info *sh)
{
	uint64_t t, bad = 0;
	long rc;

	for (unsigned int i = 0; i < 512; i++)
		copy_src[i] = 0x5eed0000ULL + i;
	for (unsigned int i = 0; i < COPIES; i++) {
		copies[i] = (struct gnttab_copy){ .len = 4096, .status = 0x7777 };
		copies[i].source.u.gmfn = mfn_of(copy_src);
		copies[i].source.domid = DOMID_SELF;
		copies[i].dest.u.gmfn = mfn_of(copy_dst);
		copies[i].dest.domid = DOMID_SELF;
	}
	t = now_ns(sh);
	rc = rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, RT_PTR(copies), COPIES);
	rt_printf("cpu_hog: %u page copies in one grant_table_op: rc %ld, %llu ms\n", COPIES, rc,
		  (unsigned long long)((now_ns(sh) - t) / 1000000));
	tc_expect_eq(rc, 0, "grant_table_op copy batch");
	for (unsigned int i = 0; i < COPIES; i++)
		bad += copies[i].status != GNTST_okay;
	tc_expect_eq(bad, 0, "elements whose status is not okay (each ran once)");
	tc_check(memcmp(copy_src, copy_dst, sizeof(copy_src)) == 0, "the destination holds the source");
}

static void phase_pins(volatile struct shared_info *sh)
{
	uint32_t done = 0xdead;
	uint64_t t = now_ns(sh);
	long rc;

	pin_unpin(ops, PAIRS);
	rc = hyp_mmuext_op(RT_PTR(ops), 2 * PAIRS, RT_PTR(&done), DOMID_SELF);
	rt_printf("cpu_hog: %u pin/unpin of a 512-L1 L2 in one mmuext_op: rc %ld, done %u, %llu ms\n",
		  PAIRS, rc, done, (unsigned long long)((now_ns(sh) - t) / 1000000));
	tc_expect_eq(rc, 0, "mmuext_op of pin/unpin pairs");
	tc_expect_eq(done, 2 * PAIRS, "its *pdone");
}

static void phase_multicall(volatile struct shared_info *sh)
{
	uint64_t t = now_ns(sh);
	long rc;

	for (unsigned int c = 0; c < MC_CALLS; c++) {
		pin_unpin(mc_ops[c], MC_PAIRS);
		mc_done[c] = 0xdead;
		mc[c] = (struct multicall_entry){ .op = __HYPERVISOR_mmuext_op, .result = 0xbad };
		mc[c].args[0] = RT_PTR(mc_ops[c]);
		mc[c].args[1] = 2 * MC_PAIRS;
		mc[c].args[2] = RT_PTR(&mc_done[c]);
		mc[c].args[3] = DOMID_SELF;
	}
	rc = rt_hypercall2(__HYPERVISOR_multicall, RT_PTR(mc), MC_CALLS);
	rt_printf("cpu_hog: multicall of %u such mmuext_ops (%u pairs each): rc %ld, %llu ms\n", MC_CALLS,
		  MC_PAIRS, rc, (unsigned long long)((now_ns(sh) - t) / 1000000));
	tc_expect_eq(rc, 0, "multicall");
	for (unsigned int c = 0; c < MC_CALLS; c++) {
		tc_expect_eq((long)mc[c].result, 0, "a nested mmuext_op's result");
		tc_expect_eq(mc_done[c], 2 * MC_PAIRS, "a nested mmuext_op's *pdone");
	}
}

/* Through mmu_update: an L3 entry that installs and removes the wide L2, validating and releasing it each time. */
static void phase_mmu_update(volatile struct shared_info *sh)
{
	static struct mmu_update u[2 * MMU_PAIRS];
	uint64_t ptr = mfn_of(l3d) << 12, t;
	uint32_t done = 0xdead;
	long rc;

	for (unsigned int i = 0; i < MMU_PAIRS; i++) {
		u[2 * i] = (struct mmu_update){ .ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = 0 };
		u[2 * i + 1] = (struct mmu_update){ .ptr = ptr | MMU_NORMAL_PT_UPDATE,
						    .val = (mfn_of(l2w) << 12) | F_TABLE };
	}
	tc_expect_eq(ext1(MMUEXT_PIN_L3_TABLE, mfn_of(l3d)), 0, "pin of the L3 holding the wide L2");
	t = now_ns(sh);
	rc = hyp_mmu_update(RT_PTR(u), 2 * MMU_PAIRS, RT_PTR(&done), DOMID_SELF);
	rt_printf("cpu_hog: %u removals and re-installs of the wide L2 in one mmu_update: rc %ld, done %u, %llu ms\n",
		  MMU_PAIRS, rc, done, (unsigned long long)((now_ns(sh) - t) / 1000000));
	tc_expect_eq(rc, 0, "mmu_update of L3 entries");
	tc_expect_eq(done, 2 * MMU_PAIRS, "its *pdone");
	tc_expect_eq(ext1(MMUEXT_UNPIN_TABLE, mfn_of(l3d)), 0, "unpin of that L3");
}

static void phase_baseptr(volatile struct shared_info *sh)
{
	uint64_t own = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base), t = now_ns(sh);
	uint32_t done = 0xdead;
	long rc;

	for (unsigned int i = 0; i < BASE_ROUNDS; i++) {
		base_ops[2 * i] = (struct mmuext_op){ .cmd = MMUEXT_NEW_BASEPTR };
		base_ops[2 * i].arg1.mfn = mfn_of(l4d);
		base_ops[2 * i + 1] = (struct mmuext_op){ .cmd = MMUEXT_NEW_BASEPTR };
		base_ops[2 * i + 1].arg1.mfn = own;
	}
	rc = hyp_mmuext_op(RT_PTR(base_ops), 2 * BASE_ROUNDS, RT_PTR(&done), DOMID_SELF);
	rt_printf("cpu_hog: %u switches to a fresh deep L4 and back in one mmuext_op: rc %ld, done %u, %llu ms\n",
		  BASE_ROUNDS, rc, done, (unsigned long long)((now_ns(sh) - t) / 1000000));
	tc_expect_eq(rc, 0, "mmuext_op of new_baseptr pairs");
	tc_expect_eq(done, 2 * BASE_ROUNDS, "its *pdone");
}

/* No pin, no type left anywhere in the tree: every page maps writable again. */
static void check_released(void)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < 512; i++)
		bad += remap(l1s[i], F_RO | PTE_RW | PTE_D) != 0;
	bad += remap(l2w, F_RO | PTE_RW | PTE_D) != 0;
	bad += remap(l3d, F_RO | PTE_RW | PTE_D) != 0;
	bad += remap(l4d, F_RO | PTE_RW | PTE_D) != 0;
	tc_expect_eq(bad, 0, "tree pages that cannot be mapped writable again");
	l2w[0] ^= 0;	/* and really writable */
}

/*
 * A guest can hand the continuation encodings in itself: they must be
 * checked like any argument, and bind nothing but its own progress counter.
 */
static void forged_continuations(void)
{
	struct xen_memory_reservation r = { .nr_extents = 3, .domid = DOMID_SELF };
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	uint64_t pfns[3] = { 0, 0, 0 };
	uint32_t done = 7;

	static struct mmuext_op many[5000];

	for (unsigned int i = 0; i < 5000; i++)
		many[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
	/* Batches of any count run in rounds, as on Xen: a forged continuation of 5000 is just 5000 ops. */
	tc_expect_eq(hyp_mmuext_op(RT_PTR(many), MMU_UPDATE_PREEMPTED | 5000, RT_PTR(&done), DOMID_SELF), 0,
		     "forged continuation of a batch of 5000");
	tc_expect_eq(done, 5007, "*pdone counts on from what the guest said");
	done = 7;
	/* As Xen: an unreadable *pdone counts from 0, an unwritable one is lost; the op itself is done. */
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), MMU_UPDATE_PREEMPTED | 1, RT_BAD_PTR_HYPERVISOR, DOMID_SELF), 0,
		     "forged continuation with *pdone in the hypervisor");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), MMU_UPDATE_PREEMPTED | 1, RT_PTR(&done), DOMID_SELF), 0,
		     "forged continuation of one op");
	tc_expect_eq(done, 8, "*pdone counts on from what the guest said");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&op), MMU_UPDATE_PREEMPTED | 0, RT_BAD_PTR_UNMAPPED, DOMID_SELF), 0,
		     "forged mmu_update continuation of nothing with an unmapped *pdone");
	/* A start extent past the end does nothing and says so. */
	r.extent_start = RT_PTR(pfns);
	tc_expect_eq(hyp_memory_op(XENMEM_decrease_reservation | (5u << MEMOP_EXTENT_SHIFT), RT_PTR(&r)), 5,
		     "decrease_reservation starting past its extents");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_multicall, RT_BAD_PTR_HYPERVISOR, 1), -XEN_EFAULT,
		     "multicall list in the hypervisor");
}

/* The heartbeat (dom0, or peer=N) offers a port for us; which one depends on its runtime, so look for it. */
static long bind_heartbeat(evtchn_port_t *local)
{
	domid_t heartbeat = (domid_t)sec_cmdline_num("peer=", 0);

	for (unsigned int tries = 0; tries < 20000; tries++) {
		for (evtchn_port_t p = 1; p < 64; p++) {
			struct evtchn_bind_interdomain bi = { .remote_dom = heartbeat, .remote_port = p };

			if (hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)) == 0) {
				*local = bi.local_port;
				return 0;
			}
		}
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	return -1;
}

void test_main(void)
{
	volatile struct shared_info *sh;
	struct evtchn_send s;
	evtchn_port_t port;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_error("no shared_info (%ld)", rc);
		return;
	}
	if (bind_heartbeat(&port)) {
		tc_error("the heartbeat domain never offered a port");
		return;
	}
	if (build_tree()) {
		tc_error("could not build the tree");
		return;
	}
	rt_printf("cpu_hog: attack starts at %llu ms\n", (unsigned long long)(now_ns(sh) / 1000000));
	phase_pins(sh);
	phase_multicall(sh);
	phase_mmu_update(sh);
	phase_baseptr(sh);
	phase_grant_copy(sh);
	rt_printf("cpu_hog: attack ends at %llu ms\n", (unsigned long long)(now_ns(sh) / 1000000));
	check_released();
	forged_continuations();
	s.port = port;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&s)), 0, "event to the heartbeat");
}

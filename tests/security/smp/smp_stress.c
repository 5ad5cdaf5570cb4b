/* SPDX-License-Identifier: MIT */
/*
 * smp_stress (hostile-guest suite, Skiff): four vCPUs of one domain hammer
 * shared page tables, event channels and grant copies at once, beside the
 * heartbeat domain, for secs= seconds. Each vCPU maps and unmaps its own
 * page (all four in one L1 table) by update_va_mapping (with a whole
 * flush or one page's on all CPUs), mmu_update with MMUEXT_TLB_FLUSH_MULTI,
 * INVLPG_MULTI naming every vCPU or INVLPG_ALL, or update_va_mapping with
 * a UVMF_MULTI vCPU mask (alone or in a multicall),
 * while its neighbour reads
 * through that address. Checked:
 *  - no vCPU ever reads through a mapping its owner removed and flushed
 *    (the neighbour's TLB entry must be shot down on its CPU);
 *  - each frame keeps exactly what its owner wrote while it was unmapped;
 *  - a token passed round the vCPUs by IPI event channels is never lost
 *    (a vCPU that owns it always finds its port pending);
 *  - grant copies of one granted page by all vCPUs at once all return
 *    the page, and leave the entry unpinned.
 * domid= on the command line is the domain's own id (the grant entry names it).
 */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "../guests/sec_util.h"

#define NV		4
#define GREF		8
#define COPY_LEN	256
#define LOST_NS		(5 * SEC_NS)
#define HANDSHAKE_NS	(2 * SEC_NS)
#define PROBE_FAULT	0xfa017fa017fa017fULL
#define ST_UNMAPPED	0
#define ST_MAPPING	1
#define ST_MAPPED	2
#define ST_UNMAPPING	3
#define STATE(gen, st)	(((gen) << 2) | (st))
#define STAMP(v, gen)	(0x5354000000000000ULL | ((uint64_t)(v) << 40) | (gen))

uint64_t smp_probe_load(const volatile uint64_t *p);
void smp_probe_pf_entry(void);

struct vstats {
	uint64_t cycles, reads, probes, stale, stamp_bad, own_stale, passes, token_bad, lost, copies, copy_bad;
	uint64_t hc_bad, timeouts;
} __attribute__((aligned(64)));

static uint64_t slots[NV][512] __attribute__((aligned(4096)));
static uint64_t src[512] __attribute__((aligned(4096)));
static uint64_t dst[NV][512] __attribute__((aligned(4096)));
static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t stacks[NV][RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t frames[NV][2], orig[NV], pte_ma[NV];
static volatile uint64_t state[NV];
static volatile unsigned int owner;
static volatile bool stop, started;
static volatile uint64_t done[NV];
/* Generation + 1 that the vCPU before each one last read mapped / probed unmapped. */
static volatile uint64_t read_gen[NV], probe_gen[NV];
static evtchn_port_t ipi[NV];
static uint64_t all_vcpus = (1ULL << NV) - 1, end_ns;
static domid_t self_id;
static struct vstats st[NV];

static void store_fence(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static long ext(unsigned int cmd, uint64_t arg1, uint64_t mask)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.linear_addr = arg1;
	op.arg2.vcpumask = mask;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };

	return hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_SELF);
}

/* update_va_mapping inside a multicall: the vCPU mask comes through the entry's flags argument. */
static long multicall_uvm(uint64_t va, uint64_t pte, uint64_t flags)
{
	struct multicall_entry mc = { .op = __HYPERVISOR_update_va_mapping, .args = { va, pte, flags } };
	long rc = rt_hypercall2(__HYPERVISOR_multicall, RT_PTR(&mc), 1);

	return rc ? rc : (long)mc.result;
}

/* Seven ways to change the entry; every removal flushes every vCPU's CPU (whole TLBs, or the one page). */
static long set_entry(unsigned int i, uint64_t n, uint64_t pte, bool removal)
{
	uint64_t va = RT_PTR(slots[i]);
	long rc;

	switch (n % 7) {
	case 5:
		return hyp_update_va_mapping(va, pte, UVMF_INVLPG | (removal ? UVMF_ALL : 0));
	case 6:
		rc = mmu1(pte_ma[i], pte);
		return rc ? rc : removal ? ext(MMUEXT_INVLPG_ALL, va, 0) : 0;
	case 4:
		return multicall_uvm(va, pte, UVMF_INVLPG | (removal ? RT_PTR(&all_vcpus) : 0));
	case 0:
		return hyp_update_va_mapping(va, pte, removal ? UVMF_TLB_FLUSH | UVMF_ALL : UVMF_INVLPG);
	case 1:
		rc = mmu1(pte_ma[i], pte);
		return rc ? rc : removal ? ext(MMUEXT_TLB_FLUSH_MULTI, 0, RT_PTR(&all_vcpus)) : 0;
	case 2:
		rc = mmu1(pte_ma[i], pte);
		return rc ? rc : removal ? ext(MMUEXT_INVLPG_MULTI, va, RT_PTR(&all_vcpus)) : 0;
	default:
		return hyp_update_va_mapping(va, pte, UVMF_INVLPG | (removal ? RT_PTR(&all_vcpus) : 0));
	}
}

static void neighbour_check(unsigned int i);
static void token_step(unsigned int i, uint64_t *owned_since);

/*
 * The owner waits (up to HANDSHAKE_NS) for the vCPU before it to have read
 * this generation while mapped, then probed it once unmapped: every cycle
 * then tests a TLB entry that really was on the other CPU. Waiting, it
 * serves its own neighbour and the token, so the ring cannot deadlock.
 */
static void await_seen(unsigned int i, volatile uint64_t *seen, uint64_t gen, uint64_t *owned_since)
{
	uint64_t t0 = rt_now_ns();

	while (__atomic_load_n(seen, __ATOMIC_ACQUIRE) != gen + 1 && !stop) {
		neighbour_check(i);
		token_step(i, owned_since);
		if (rt_now_ns() - t0 > HANDSHAKE_NS) {
			st[i].timeouts++;
			return;
		}
	}
}

static void page_cycle(unsigned int i, uint64_t n, uint64_t *owned_since)
{
	volatile uint64_t *p = slots[i];
	uint64_t f = frames[i][n & 1];

	store_fence(&state[i], STATE(n, ST_MAPPING));
	st[i].hc_bad += set_entry(i, n, (f << 12) | SEC_PTE_KDATA, false) != 0;
	if (n >= 2 && (p[0] != STAMP(i, n - 2) || p[1] != ~STAMP(i, n - 2) || p[2] != 0))
		st[i].stamp_bad++;
	p[0] = STAMP(i, n);
	p[1] = ~STAMP(i, n);
	p[2] = 0;
	store_fence(&state[i], STATE(n, ST_MAPPED));
	await_seen(i, &read_gen[i], n, owned_since);
	store_fence(&state[i], STATE(n, ST_UNMAPPING));
	st[i].hc_bad += set_entry(i, n, 0, true) != 0;
	store_fence(&state[i], STATE(n, ST_UNMAPPED));
	st[i].own_stale += smp_probe_load(p) != PROBE_FAULT;
	await_seen(i, &probe_gen[i], n, owned_since);
}

/* Reads the neighbour's page: its stamp while it says mapped, a fault while it says unmapped. */
static void neighbour_check(unsigned int i)
{
	unsigned int j = (i + 1) % NV;
	uint64_t s1 = __atomic_load_n(&state[j], __ATOMIC_SEQ_CST), v, s2;

	if ((s1 & 3) != ST_MAPPED && (s1 & 3) != ST_UNMAPPED)
		return;
	/* Once per generation and state: a fault bounce costs much under TCG, and one read is enough for a TLB entry. */
	if (__atomic_load_n((s1 & 3) == ST_MAPPED ? &read_gen[j] : &probe_gen[j], __ATOMIC_ACQUIRE) == (s1 >> 2) + 1)
		return;
	v = smp_probe_load(slots[j]);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s2 = __atomic_load_n(&state[j], __ATOMIC_SEQ_CST);
	if (s1 != s2)
		return;
	if ((s1 & 3) == ST_MAPPED) {
		st[i].reads++;
		st[i].stamp_bad += v != STAMP(j, s1 >> 2);
		__atomic_store_n(&read_gen[j], (s1 >> 2) + 1, __ATOMIC_RELEASE);
	} else {
		st[i].probes++;
		st[i].stale += v != PROBE_FAULT;
		__atomic_store_n(&probe_gen[j], (s1 >> 2) + 1, __ATOMIC_RELEASE);
	}
}

/* The token: whoever owns it finds its port pending (the sender set owner before it sent). */
static void token_step(unsigned int i, uint64_t *owned_since)
{
	unsigned int next = (i + 1) % NV;

	if (rt_evtchn_test_and_clear(ipi[i])) {
		if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) != i) {
			st[i].token_bad++;
			return;
		}
		__atomic_store_n(&owner, next, __ATOMIC_SEQ_CST);
		rt_event_send(ipi[next]);
		st[i].passes++;
		*owned_since = 0;
	} else if (__atomic_load_n(&owner, __ATOMIC_ACQUIRE) == i && !stop) {
		uint64_t now = rt_now_ns();

		if (!*owned_since)
			*owned_since = now;
		else if (now - *owned_since > LOST_NS) {
			st[i].lost++;
			*owned_since = now;
		}
	}
}

static void grant_copy(unsigned int i)
{
	struct gnttab_copy c = { .len = COPY_LEN, .flags = GNTCOPY_source_gref };
	long rc;

	c.source.u.ref = GREF;
	c.source.domid = self_id;
	c.dest.u.gmfn = sec_mfn_of(dst[i]);
	c.dest.domid = DOMID_SELF;
	rc = rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, RT_PTR(&c), 1);
	st[i].copies++;
	if (rc != 0 || c.status != GNTST_okay || memcmp(dst[i], src, COPY_LEN) != 0)
		st[i].copy_bad++;
	memset(dst[i], 0, COPY_LEN);
}

static void worker(void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	uint64_t n = 0, owned_since = 0;

	if (i)
		rt_smp_vcpu_info(i)->evtchn_upcall_mask = 1;
	while (!started)
		;
	while (!stop) {
		page_cycle(i, n++, &owned_since);
		neighbour_check(i);
		token_step(i, &owned_since);
		if (n % 4 == 0)
			grant_copy(i);
		/* Now and then wait for the token in SCHEDOP_poll: the wake-up path too. */
		if (n % 128 == 0 && __atomic_load_n(&owner, __ATOMIC_ACQUIRE) != i)
			rt_evtchn_poll(ipi[i], 1000000);
		if (i == 0 && rt_now_ns() >= end_ns)
			stop = true;
	}
	st[i].cycles = n;
	__atomic_store_n(&done[i], 1, __ATOMIC_RELEASE);
	if (i)
		for (;;)
			hyp_vcpu_op(VCPUOP_down, i, 0);
}

static struct vcpu_guest_context ctx;

static long start_vcpu(unsigned int i)
{
	long rc;

	rt_smp_context(&ctx, worker, (void *)(uintptr_t)i, stacks[i], sizeof(stacks[i]));
	ctx.trap_ctxt[14].address = RT_PTR(smp_probe_pf_entry);
	rc = hyp_vcpu_op(VCPUOP_initialise, i, RT_PTR(&ctx));
	return rc ? rc : hyp_vcpu_op(VCPUOP_up, i, 0);
}

static bool setup_grant(void)
{
	uint64_t frame = 0;
	struct gnttab_setup_table t = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_PTR(&frame) };
	volatile struct grant_entry_v1 *e;

	if (rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, RT_PTR(&t), 1) != 0 ||
	    t.status != GNTST_okay ||
	    hyp_update_va_mapping(RT_PTR(table_window), (frame << 12) | SEC_PTE_KDATA, UVMF_INVLPG) != 0)
		return false;
	for (unsigned int k = 0; k < 512; k++)
		src[k] = 0x6772616e74000000ULL | k;
	e = &((volatile struct grant_entry_v1 *)table_window)[GREF];
	e->domid = self_id;
	e->frame = (uint32_t)sec_mfn_of(src);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	e->flags = GTF_permit_access | GTF_readonly;
	return true;
}

static bool setup(void)
{
	static struct trap_info traps[2];
	uint64_t pfns[2 * NV], walk[5];

	ctx.trap_ctxt[0].address = 0;
	traps[0] = (struct trap_info){ .vector = 14, .cs = FLAT_KERNEL_CS, .address = RT_PTR(smp_probe_pf_entry) };
	if (hyp_set_trap_table(RT_PTR(traps)) != 0 || sec_scratch_pfns(pfns, 2 * NV) != 2 * NV || !setup_grant())
		return false;
	for (unsigned int i = 0; i < NV; i++) {
		long p = rt_evtchn_bind_ipi(i);

		if (p <= 0 || sec_walk(RT_PTR(slots[i]), walk) != 0)
			return false;
		ipi[i] = (evtchn_port_t)p;
		rt_event_unmask(ipi[i]);
		frames[i][0] = sec_p2m(pfns[2 * i]);
		frames[i][1] = sec_p2m(pfns[2 * i + 1]);
		orig[i] = sec_mfn_of(slots[i]);
		pte_ma[i] = (walk[1] << 12) | (((RT_PTR(slots[i]) >> 12) & 511) * 8);
		/* Unmapped to begin with: generation 0 maps it first. */
		if (hyp_update_va_mapping(RT_PTR(slots[i]), 0, UVMF_INVLPG) != 0)
			return false;
	}
	return true;
}

static void report(void)
{
	struct vstats t = { 0 };
	volatile struct grant_entry_v1 *e = &((volatile struct grant_entry_v1 *)table_window)[GREF];

	for (unsigned int i = 0; i < NV; i++) {
		uint64_t *a = (uint64_t *)&t, *b = (uint64_t *)&st[i];

		for (unsigned int k = 0; k < sizeof(t) / 8; k++)
			a[k] += b[k];
		rt_printf("vCPU %u: %lu map/unmap cycles, %lu reads and %lu probes of its neighbour, %lu token passes, "
			  "%lu grant copies\n", i, (unsigned long)st[i].cycles, (unsigned long)st[i].reads,
			  (unsigned long)st[i].probes, (unsigned long)st[i].passes, (unsigned long)st[i].copies);
	}
	tc_check(t.cycles >= 20 * NV, "the vCPUs worked (%lu cycles)", (unsigned long)t.cycles);
	/* Each handshake that did not time out is a generation read mapped, then probed unmapped, by the other vCPU. */
	tc_check(t.reads > 0 && t.probes > 0 && t.timeouts * 10 <= 2 * t.cycles,
		 "the neighbours read and probed nearly every generation (%lu of %lu handshakes timed out)",
		 (unsigned long)t.timeouts, 2 * (unsigned long)t.cycles);
	tc_check(t.stale == 0, "no read through a removed mapping on another vCPU (%lu)", (unsigned long)t.stale);
	tc_check(t.own_stale == 0, "none on the vCPU that removed it (%lu)", (unsigned long)t.own_stale);
	tc_check(t.stamp_bad == 0, "every page held what its owner wrote (%lu bad)", (unsigned long)t.stamp_bad);
	tc_check(t.hc_bad == 0, "every page-table hypercall succeeded (%lu failed)", (unsigned long)t.hc_bad);
	tc_check(t.passes > NV && t.token_bad == 0 && t.lost == 0,
		 "the token went round %lu times, never lost (%lu) nor doubled (%lu)", (unsigned long)t.passes,
		 (unsigned long)t.lost, (unsigned long)t.token_bad);
	tc_check(t.copies > 0 && t.copy_bad == 0, "%lu grant copies, %lu wrong", (unsigned long)t.copies,
		 (unsigned long)t.copy_bad);
	tc_check(e->flags == (GTF_permit_access | GTF_readonly), "the grant entry is left unpinned (flags %#x)",
		 e->flags);
}

void test_main(void)
{
	uint64_t secs = sec_cmdline_num("secs=", 20), t0;
	unsigned int n = rt_smp_count();
	bool all = true;

	self_id = (domid_t)sec_cmdline_num("domid=", 1);
	if (n < NV || !setup()) {
		tc_error("need %u vCPUs (have %u) and a working set-up", NV, n);
		return;
	}
	for (unsigned int i = 1; i < NV; i++)
		tc_expect_eq(start_vcpu(i), 0, "a worker vCPU started");
	end_ns = rt_now_ns() + secs * SEC_NS;
	rt_event_send(ipi[0]);		/* vCPU 0 owns the token first */
	started = true;
	worker((void *)0);
	t0 = rt_now_ns();
	for (unsigned int i = 1; i < NV; i++) {
		while (!__atomic_load_n(&done[i], __ATOMIC_ACQUIRE) && rt_now_ns() - t0 < 30 * SEC_NS)
			hyp_sched_op(SCHEDOP_yield, 0);
		all = all && done[i];
	}
	tc_check(all, "every worker vCPU finished");
	report();
	for (unsigned int i = 0; i < NV; i++)
		hyp_update_va_mapping(RT_PTR(slots[i]), (orig[i] << 12) | SEC_PTE_KDATA, UVMF_INVLPG);
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark guest for ./skiff bench smp (dom0 with 2 vCPUs on 2 CPUs): the
 * IPI round trip between the vCPUs (both blocking in SCHEDOP_poll, and both
 * spinning on the pending bit), a TLB shootdown that must reach the other
 * vCPU's CPU against a local one, and a parallel-make-like job set (compute
 * plus page-table hypercalls per job) on 1 and on 2 vCPUs. Also the round
 * trip over an interdomain channel whose two ends are this domain's (bound
 * with DOMID_SELF, one end notifying each vCPU): the send path of a channel
 * between two domains, measured where the runner can boot only dom0 (Xen);
 * tests/perf/guests/evtpair.c takes the same figure between two domains on
 * Skiff. Medians of batches, in ns of guest system time.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "test.h"

#define AP		1
#define BATCHES		15
#define ROUNDS		50
#define FLUSHES		200
#define JOBS		240
#define JOB_WORK	200000
#define WAIT_NS		5000000000ULL
#define PTE_KDATA	(0x063ULL | (1ULL << 63))

enum { M_IDLE, M_BLOCK_PONG, M_SPIN_PONG, M_SPIN, M_JOBS, M_INTERDOMAIN_PONG };

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t pages[2][512] __attribute__((aligned(4096)));
static evtchn_port_t cmd_port, ack_port;
/* The interdomain loopback pair: idom_ap notifies vCPU 1, idom_bsp vCPU 0; a send on one sets the other. */
static evtchn_port_t idom_ap, idom_bsp;
static volatile int mode;
static volatile unsigned int next_job, jobs_done;
static volatile uint64_t sink[2];

static uint64_t mfn_of(const void *va)
{
	return ((const uint64_t *)rt_boot.si->mfn_list)[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
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

/* One "compile": arithmetic over a page, then its mapping made read-only and writable again. */
static void job(unsigned int me, unsigned int n)
{
	uint64_t h = n, va = RT_PTR(pages[me]), m = mfn_of(pages[me]);

	for (unsigned int k = 0; k < JOB_WORK; k++)
		h = (h ^ pages[me][k & 511]) * 0x100000001b3ULL + k;
	pages[me][n & 511] = h;
	hyp_update_va_mapping(va, (m << 12) | (PTE_KDATA & ~2ULL), UVMF_INVLPG);
	hyp_update_va_mapping(va, (m << 12) | PTE_KDATA, UVMF_INVLPG);
	sink[me] += h;
}

static void run_jobs(unsigned int me)
{
	unsigned int n;

	while ((n = __atomic_fetch_add(&next_job, 1, __ATOMIC_RELAXED)) < JOBS) {
		job(me, n);
		__atomic_fetch_add(&jobs_done, 1, __ATOMIC_RELEASE);
	}
}

static void ap_main(void *arg)
{
	(void)arg;
	rt_smp_vcpu_info(AP)->evtchn_upcall_mask = 1;
	for (;;) {
		switch (mode) {
		case M_BLOCK_PONG:
			if (rt_evtchn_wait(cmd_port, WAIT_NS))
				rt_event_send(ack_port);
			break;
		case M_INTERDOMAIN_PONG:
			if (rt_evtchn_wait(idom_ap, WAIT_NS))
				rt_event_send(idom_ap);
			break;
		case M_SPIN_PONG:
			if (rt_evtchn_test_and_clear(cmd_port))
				rt_event_send(ack_port);
			break;
		case M_JOBS:
			run_jobs(AP);
			mode = M_SPIN;
			break;
		case M_SPIN:
			break;
		default:
			rt_evtchn_wait(cmd_port, WAIT_NS);
			break;
		}
	}
}

/* The other vCPU changes mode; a blocked one is woken by the command port. */
static void set_mode(int m)
{
	mode = m;
	rt_event_send(cmd_port);
	/* A vCPU 1 polling the loopback's end waits for that port alone. */
	if (idom_bsp)
		rt_event_send(idom_bsp);
	for (uint64_t t0 = rt_now_ns(); rt_now_ns() - t0 < 20000000;)
		;
	rt_evtchn_test_and_clear(ack_port);
	rt_evtchn_test_and_clear(cmd_port);
	if (idom_bsp) {
		rt_evtchn_test_and_clear(idom_ap);
		rt_evtchn_test_and_clear(idom_bsp);
	}
}

/* Round trips to vCPU 1, which answers in mode m: out on send, back on wait. */
static uint64_t pingpong_on(int m, evtchn_port_t send, evtchn_port_t wait, bool block, unsigned int *lost)
{
	static uint64_t per[BATCHES];

	set_mode(m);
	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_now_ns();

		for (unsigned int r = 0; r < ROUNDS; r++) {
			rt_event_send(send);
			if (block) {
				*lost += !rt_evtchn_wait(wait, WAIT_NS);
			} else {
				uint64_t w = rt_now_ns();

				while (!rt_evtchn_test_and_clear(wait))
					if (rt_now_ns() - w > WAIT_NS) {
						(*lost)++;
						break;
					}
			}
		}
		per[b] = (rt_now_ns() - t0) / ROUNDS;
	}
	sort_u64(per, BATCHES);
	return per[BATCHES / 2];
}

/* Runs once before and once after each timed window of interest: tools/tb-profile's PCPROF_MARK (its address). */
__attribute__((noinline, used)) void bench_smp_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

static uint64_t pingpong(bool block, unsigned int *lost)
{
	return pingpong_on(block ? M_BLOCK_PONG : M_SPIN_PONG, cmd_port, ack_port, block, lost);
}

/* An interdomain channel between this domain's two vCPUs (DOMID_SELF at both ends): false if refused. */
static bool bind_loopback(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au));

	tc_check(rc == 0, "alloc_unbound for DOMID_SELF (%ld)", rc);
	if (rc)
		return false;
	bi.remote_port = au.port;
	rc = hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi));
	tc_check(rc == 0, "bind_interdomain to our own port (%ld)", rc);
	if (rc)
		return false;
	idom_ap = au.port;
	idom_bsp = bi.local_port;
	rc = rt_evtchn_bind_vcpu(idom_ap, AP);
	tc_check(rc == 0, "bind_vcpu of the loopback's end to vCPU 1 (%ld)", rc);
	return rc == 0;
}

static uint64_t flush_cost(uint64_t flags)
{
	static uint64_t per[BATCHES];
	uint64_t va = RT_PTR(pages[0]), pte = (mfn_of(pages[0]) << 12) | PTE_KDATA;

	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_now_ns();

		for (unsigned int i = 0; i < FLUSHES; i++)
			hyp_update_va_mapping(va, pte, flags);
		per[b] = (rt_now_ns() - t0) / FLUSHES;
	}
	sort_u64(per, BATCHES);
	return per[BATCHES / 2];
}

static uint64_t jobs(bool both)
{
	uint64_t t0 = rt_now_ns();

	next_job = 0;
	jobs_done = 0;
	if (both)
		mode = M_JOBS;
	run_jobs(0);
	while (__atomic_load_n(&jobs_done, __ATOMIC_ACQUIRE) < JOBS)
		;
	return rt_now_ns() - t0;
}

void test_main(void)
{
	unsigned int lost = 0;
	uint64_t block, spin, remote, local, one, two, idom = 0;
	long p;

	if (rt_smp_count() < 2) {
		tc_error("bench smp needs dom0 with 2 vCPUs");
		return;
	}
	hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	hyp_vcpu_op(VCPUOP_stop_periodic_timer, AP, 0);
	rt_smp_vcpu_info(0)->evtchn_upcall_mask = 1;
	p = rt_evtchn_bind_ipi(AP);
	cmd_port = (evtchn_port_t)p;
	tc_check(p > 0, "IPI port for vCPU 1 (%ld)", p);
	p = rt_evtchn_bind_ipi(0);
	ack_port = (evtchn_port_t)p;
	tc_check(p > 0, "IPI port for vCPU 0 (%ld)", p);
	tc_expect_eq(rt_smp_start(AP, ap_main, NULL, ap_stack, sizeof(ap_stack)), 0, "vCPU 1 up");
	one = jobs(false);
	block = pingpong(true, &lost);
	bench_smp_mark();
	spin = pingpong(false, &lost);
	bench_smp_mark();
	if (bind_loopback()) {
		bench_smp_mark();
		idom = pingpong_on(M_INTERDOMAIN_PONG, idom_bsp, idom_bsp, true, &lost);
		bench_smp_mark();
	}
	set_mode(M_SPIN);
	bench_smp_mark();
	remote = flush_cost(UVMF_INVLPG | UVMF_ALL);
	bench_smp_mark();
	bench_smp_mark();
	local = flush_cost(UVMF_INVLPG);
	bench_smp_mark();
	set_mode(M_IDLE);
	two = jobs(true);
	/* A benchmark, not a test: a round trip that took over 5 s (a loaded host can stall a QEMU vCPU) is counted. */
	tc_pass("measured");
	rt_printf("bench smp: round trips over 5 s: %u\n", lost);
	rt_printf("bench smp: ipi round trip blocking median %lu ns\n", (unsigned long)block);
	rt_printf("bench smp: ipi round trip spinning median %lu ns\n", (unsigned long)spin);
	rt_printf("bench smp: interdomain loopback round trip blocking median %lu ns\n", (unsigned long)idom);
	rt_printf("bench smp: update_va_mapping with shootdown to the other vCPU median %lu ns, local flush %lu ns\n",
		  (unsigned long)remote, (unsigned long)local);
	rt_printf("bench smp: %u jobs on 1 vCPU %lu ms, on 2 vCPUs %lu ms\n", JOBS, (unsigned long)(one / 1000000),
		  (unsigned long)(two / 1000000));
	hyp_vcpu_op(VCPUOP_down, AP, 0);
}

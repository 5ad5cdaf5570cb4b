/* SPDX-License-Identifier: MIT */
/*
 * wake_late (hostile-guest suite, Skiff; issue 16): four vCPUs of one
 * domain on two CPUs, beside the heartbeat domain, sleep and wake as an
 * idle Linux does, for secs= seconds. Each vCPU arms its one-shot timer
 * 20 us to 2 ms ahead and blocks in SCHEDOP_poll on its VIRQ_TIMER port and
 * its IPI port (no poll timeout: only the timer or an IPI can wake it);
 * before one sleep in four it sends an IPI to another vCPU, so events land while
 * their target is between looking and blocking, and timers fire on CPUs
 * their vCPU has left. Checked: no vCPU stalls (vCPU 0 watches the others'
 * progress), and no wake-up comes later than 2 s after its timer's
 * deadline (Linux saw 22 s soft lockups, a CPU idle in a hypercall, under
 * host load). Both count only while the rest of the domain made progress
 * (ALIVE_POLLS): a loaded host stops the whole machine for a second or
 * more at times (the heartbeat's worst gap shows it), which is not a late
 * wake-up. Prints the polls and the worst lateness per vCPU.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "../guests/sec_util.h"

#define NV		4
#define MIN_NS		20000ULL
#define SPREAD_NS	2000000ULL
#define LATE_NS		(2 * SEC_NS)
/* Polls the rest of the domain must make meanwhile for a late wake or a stall to count: the host starving the whole machine (as the heartbeat's gap shows) is not ours. */
#define ALIVE_POLLS	200

struct vstats {
	uint64_t polls, timer_wakes, ipi_wakes, sent, worst_late, worst_late_alive, bad_rc;
} __attribute__((aligned(64)));

static uint8_t stacks[NV][RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context ctx;
static evtchn_port_t ipi[NV], tmr[NV];
static struct vstats st[NV];
static volatile uint64_t progress[NV];
static volatile uint64_t done[NV];
static volatile uint64_t all_polls;
static uint64_t end_ns, worst_stall;
static volatile bool go;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* vCPU 0 only: the longest time another vCPU made no progress while vCPU 0 itself went on polling. */
static void watch(uint64_t now, uint64_t last[NV], uint64_t seen_at[NV], uint64_t mine_at[NV])
{
	for (unsigned int i = 1; i < NV; i++) {
		uint64_t p = __atomic_load_n(&progress[i], __ATOMIC_ACQUIRE);

		if (p != last[i] || done[i]) {
			last[i] = p;
			seen_at[i] = now;
			mine_at[i] = st[0].polls;
		} else if (st[0].polls - mine_at[i] >= ALIVE_POLLS && now - seen_at[i] > worst_stall) {
			worst_stall = now - seen_at[i];
		}
	}
}

static void sleep_once(unsigned int me, uint64_t *seed)
{
	struct vstats *s = &st[me];
	struct vcpu_set_singleshot_timer one = { .flags = 0 };
	uint32_t ports[2] = { tmr[me], ipi[me] };
	struct sched_poll p = { .ports = RT_PTR(ports), .nr_ports = 2, .timeout = 0 };
	unsigned int to = (unsigned int)(next_rand(seed) % (NV - 1));
	uint64_t deadline, now, before;

	rt_evtchn_test_and_clear(tmr[me]);
	deadline = rt_now_ns() + MIN_NS + next_rand(seed) % SPREAD_NS;
	one.timeout_abs_ns = deadline;
	s->bad_rc += hyp_vcpu_op(VCPUOP_set_singleshot_timer, me, RT_PTR(&one)) != 0;
	/* One sleep in four: most wake-ups must come from the timer, on whichever CPU it is queued. */
	if (next_rand(seed) % 4 == 0) {
		rt_event_send(ipi[to >= me ? to + 1 : to]);
		s->sent++;
	}
	before = __atomic_load_n(&all_polls, __ATOMIC_ACQUIRE);
	while (!rt_evtchn_pending(tmr[me]) && !rt_evtchn_pending(ipi[me]))
		s->bad_rc += hyp_sched_op(SCHEDOP_poll, RT_PTR(&p)) != 0;
	now = rt_now_ns();
	if (rt_evtchn_test_and_clear(ipi[me]))
		s->ipi_wakes++;
	if (rt_evtchn_pending(tmr[me])) {
		s->timer_wakes++;
		if (now > deadline && now - deadline > s->worst_late)
			s->worst_late = now - deadline;
		if (now > deadline && now - deadline > s->worst_late_alive &&
		    __atomic_load_n(&all_polls, __ATOMIC_ACQUIRE) - before >= ALIVE_POLLS)
			s->worst_late_alive = now - deadline;
	}
	s->polls++;
	__atomic_fetch_add(&all_polls, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&progress[me], s->polls, __ATOMIC_RELEASE);
}

static void worker(void *arg)
{
	unsigned int me = (unsigned int)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (me + 1), last[NV] = { 0 }, seen_at[NV] = { 0 }, mine_at[NV] = { 0 };

	rt_smp_vcpu_info(me)->evtchn_upcall_mask = 1;
	hyp_vcpu_op(VCPUOP_stop_periodic_timer, me, 0);
	while (!go)
		;
	while (rt_now_ns() < end_ns) {
		sleep_once(me, &seed);
		if (me == 0)
			watch(rt_now_ns(), last, seen_at, mine_at);
	}
	__atomic_store_n(&done[me], 1, __ATOMIC_RELEASE);
	if (me)
		for (;;)
			hyp_vcpu_op(VCPUOP_down, me, 0);
}

static bool setup(void)
{
	for (unsigned int i = 0; i < NV; i++) {
		long a = rt_evtchn_bind_ipi(i), b = rt_evtchn_bind_virq_vcpu(VIRQ_TIMER, i);

		if (a <= 0 || b <= 0) {
			tc_error("ports for vCPU %u: ipi %ld, timer %ld", i, a, b);
			return false;
		}
		ipi[i] = (evtchn_port_t)a;
		tmr[i] = (evtchn_port_t)b;
	}
	return true;
}

static void report(void)
{
	uint64_t polls = 0, worst = 0, worst_alive = 0;

	for (unsigned int i = 0; i < NV; i++) {
		rt_printf("wake_late: vCPU %u: %lu polls, %lu timer and %lu IPI wake-ups, worst lateness %lu us "
			  "(%lu us while the others ran)\n", i, (unsigned long)st[i].polls,
			  (unsigned long)st[i].timer_wakes, (unsigned long)st[i].ipi_wakes,
			  (unsigned long)(st[i].worst_late / 1000), (unsigned long)(st[i].worst_late_alive / 1000));
		worst_alive = st[i].worst_late_alive > worst_alive ? st[i].worst_late_alive : worst_alive;
		polls += st[i].polls;
		worst = st[i].worst_late > worst ? st[i].worst_late : worst;
		tc_check(st[i].bad_rc == 0, "vCPU %u: every set_singleshot_timer and poll returned 0 (%lu did not)", i,
			 (unsigned long)st[i].bad_rc);
		tc_check(st[i].polls > 100 && st[i].timer_wakes > 0, "vCPU %u slept and woke (%lu polls)", i,
			 (unsigned long)st[i].polls);
	}
	rt_printf("wake_late: %lu polls, worst lateness %lu us (%lu us while the others ran), longest stall of "
		  "vCPU 1-3 while vCPU 0 ran %lu us\n", (unsigned long)polls, (unsigned long)(worst / 1000),
		  (unsigned long)(worst_alive / 1000), (unsigned long)(worst_stall / 1000));
	tc_check(worst_alive < LATE_NS, "no timer wake-up 2 s late while the rest of the domain ran (worst %lu us)",
		 (unsigned long)(worst_alive / 1000));
	tc_check(worst_stall < LATE_NS, "no vCPU stalled for 2 s while vCPU 0 ran (longest %lu us)",
		 (unsigned long)(worst_stall / 1000));
}

void test_main(void)
{
	uint64_t secs = sec_cmdline_num("secs=", 20), t0;
	bool all = true;

	if (rt_smp_count() < NV || !setup()) {
		tc_error("need %u vCPUs (have %u) and their ports", NV, rt_smp_count());
		return;
	}
	for (unsigned int i = 1; i < NV; i++) {
		rt_smp_context(&ctx, worker, (void *)(uintptr_t)i, stacks[i], sizeof(stacks[i]));
		tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, i, RT_PTR(&ctx)), 0, "a worker vCPU initialised");
		tc_expect_eq(hyp_vcpu_op(VCPUOP_up, i, 0), 0, "and up");
	}
	end_ns = rt_now_ns() + secs * SEC_NS;
	go = true;
	worker((void *)0);
	t0 = rt_now_ns();
	for (unsigned int i = 1; i < NV; i++) {
		while (!__atomic_load_n(&done[i], __ATOMIC_ACQUIRE) && rt_now_ns() - t0 < 10 * SEC_NS)
			hyp_sched_op(SCHEDOP_yield, 0);
		all = all && done[i];
	}
	tc_check(all, "every worker vCPU finished");
	report();
}

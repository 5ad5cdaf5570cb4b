/* SPDX-License-Identifier: MIT */
/*
 * smp_runstate: when a vCPU's runstate changes on a wake-up, seen from the
 * other vCPU. dom0 has 2 vCPUs on 1 CPU (vcpus file "2 1"), so whenever
 * vCPU 0 runs, vCPU 1 does not: what vCPU 0 reads right after waking it is
 * the state the wake-up itself gave. As Xen 4.17 (vcpu_wake): VCPUOP_up of
 * a vCPU that is offline makes it runnable at once, and an event on the
 * port a vCPU polls makes it runnable at once, with its blocked stretch
 * ending then (state_entry_time at the send), not when a CPU takes it.
 * Five rounds; after each wake vCPU 1 spins without blocking until vCPU 0
 * saw it run. smp_runstate2 builds this file with RUNSTATE_CPUS 2 (vcpus
 * "2 2"): vCPU 1 then has a CPU of its own, so right after the wake it may
 * already be running, but its new state still began at the send, and while
 * it spins vCPU 0 sees it running at the same time as itself. Not
 * Skiff-specific; both checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "test.h"

#ifndef RUNSTATE_CPUS
#define RUNSTATE_CPUS	1	/* physical CPUs the runner gives (the vcpus file's second number) */
#endif
#define AP		1
#define ROUNDS		5
#define WAIT_NS		5000000000ULL
#define BLOCKED_NS	10000000ULL	/* how long vCPU 1 stays blocked before the wake */
#define SLACK_NS	1000000ULL	/* clock reads on the two sides of a hypercall */

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static evtchn_port_t cmd_port;
static volatile unsigned int ap_waiting, ap_woken, released, stop;
static volatile uint64_t ap_spins;

static void ap_main(void *arg)
{
	(void)arg;
	rt_smp_vcpu_info(AP)->evtchn_upcall_mask = 1;
	for (unsigned int round = 1;; round++) {
		__atomic_store_n(&ap_waiting, round, __ATOMIC_RELEASE);
		while (!rt_evtchn_test_and_clear(cmd_port))
			rt_evtchn_poll(cmd_port, 0);
		__atomic_store_n(&ap_woken, round, __ATOMIC_RELEASE);
		/* Runnable from here on: it never blocks until vCPU 0 lets it. */
		while (__atomic_load_n(&released, __ATOMIC_ACQUIRE) < round)
			ap_spins++;
		if (stop)
			for (;;)
				hyp_vcpu_op(VCPUOP_down, AP, 0);
	}
}

static long runstate_of(unsigned int id, struct vcpu_runstate_info *rs)
{
	return hyp_vcpu_op(VCPUOP_get_runstate_info, id, RT_PTR(rs));
}

/* Yields the CPU to vCPU 1 until it is blocked waiting for round: true, or false after WAIT_NS. */
static bool wait_blocked(unsigned int round)
{
	struct vcpu_runstate_info rs;
	uint64_t end = rt_now_ns() + WAIT_NS;

	while (rt_now_ns() < end) {
		if (__atomic_load_n(&ap_waiting, __ATOMIC_ACQUIRE) == round && runstate_of(AP, &rs) == 0 &&
		    rs.state == RUNSTATE_blocked)
			return true;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	return false;
}

static bool wait_woken(unsigned int round)
{
	uint64_t end = rt_now_ns() + WAIT_NS;

	while (__atomic_load_n(&ap_woken, __ATOMIC_ACQUIRE) != round && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	return ap_woken == round;
}

/* vCPU 1 spins on its own CPU: vCPU 0, never yielding here, sees it running within WAIT_NS. */
static bool seen_running_beside(void)
{
	struct vcpu_runstate_info rs;
	uint64_t end = rt_now_ns() + WAIT_NS;

	while (rt_now_ns() < end)
		if (runstate_of(AP, &rs) == 0 && rs.state == RUNSTATE_running)
			return true;
	return false;
}

static void start(void)
{
	struct vcpu_guest_context ctx;
	struct vcpu_runstate_info rs;
	struct evtchn_unmask um;
	long p;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop vCPU 0's periodic timer");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_periodic_timer, AP, 0), 0, "stop vCPU 1's periodic timer");
	p = rt_evtchn_bind_ipi(AP);
	tc_check(p > 0, "bind_ipi for vCPU 1 (%ld)", p);
	cmd_port = (evtchn_port_t)p;
	um.port = cmd_port;
	hyp_event_channel_op(EVTCHNOP_unmask, RT_PTR(&um));
	rt_smp_context(&ctx, ap_main, NULL, ap_stack, sizeof(ap_stack));
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_PTR(&ctx)), 0, "initialise vCPU 1");
	tc_expect_eq(runstate_of(AP, &rs), 0, "runstate of vCPU 1, initialised");
	tc_check(rs.state == RUNSTATE_offline, "offline before VCPUOP_up (%d)", rs.state);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), 0, "VCPUOP_up");
	tc_expect_eq(runstate_of(AP, &rs), 0, "its runstate right after");
	/* Blocked if the scheduler ran it at once (it polls first thing); never still offline. */
	tc_check(rs.state == RUNSTATE_runnable || rs.state == RUNSTATE_blocked ||
		 (RUNSTATE_CPUS > 1 && rs.state == RUNSTATE_running),
		 "VCPUOP_up made it runnable at once (%d)", rs.state);
}

static void round_trip(unsigned int round)
{
	struct vcpu_runstate_info rs;
	uint64_t t0, t1;
	long rc;

	if (!wait_blocked(round)) {
		tc_fail("round %u: vCPU 1 never blocked in SCHEDOP_poll", round);
		return;
	}
	t0 = rt_now_ns();
	while (rt_now_ns() - t0 < BLOCKED_NS)
		;
	t0 = rt_now_ns();
	rt_event_send(cmd_port);
	rc = runstate_of(AP, &rs);
	t1 = rt_now_ns();
	/* On a CPU of its own it may be running already: that state too began after the send. */
	tc_check(rc == 0 && (rs.state == RUNSTATE_runnable || (RUNSTATE_CPUS > 1 && rs.state == RUNSTATE_running)),
		 "round %u: woken by an event, runnable at once, seen from vCPU 0 (rc %ld, state %d)", round, rc,
		 rs.state);
	tc_check(rs.state_entry_time + SLACK_NS >= t0 && rs.state_entry_time <= t1 + SLACK_NS,
		 "round %u: in that state since the send (entered %ld ns after it)", round,
		 (long)(rs.state_entry_time - t0));
	tc_check(rs.time[RUNSTATE_blocked] >= round * BLOCKED_NS,
		 "round %u: its blocked time counted, every round's (%lu ns)", round, (unsigned long)rs.time[RUNSTATE_blocked]);
	tc_check(wait_woken(round), "round %u: and it runs", round);
	if (RUNSTATE_CPUS > 1)
		tc_check(seen_running_beside(), "round %u: spinning, it is running while vCPU 0 runs too", round);
	if (round == ROUNDS)
		stop = 1;
	__atomic_store_n(&released, round, __ATOMIC_RELEASE);
}

void test_main(void)
{
	unsigned int n = rt_smp_count();
	uint64_t end;

	rt_printf("vCPUs: %u\n", n);
	if (n < 2) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs 2", n);
		return;
	}
	start();
	for (unsigned int r = 1; r <= ROUNDS; r++)
		round_trip(r);
	end = rt_now_ns() + WAIT_NS;
	while (hyp_vcpu_op(VCPUOP_is_up, AP, 0) != 0 && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "vCPU 1 down at the end");
}

/* SPDX-License-Identifier: MIT */
/*
 * smp_events: event channels across the two vCPUs of dom0 (the runner
 * boots it with 2). An IPI bound to vCPU 1 and one bound to vCPU 0 carry
 * 200 ping-pong round trips with none lost; the event sets the pending
 * flags (evtchn_upcall_pending, the selector bit) of the vCPU the port is
 * bound to and not the other's. EVTCHNOP_bind_vcpu moves an interdomain
 * port to vCPU 1 and back (status reports the vCPU; the flags follow); IPI
 * and per-vCPU VIRQ ports cannot move (-EINVAL), a vCPU that does not exist
 * is -ENOENT. VIRQ_TIMER is per vCPU: each vCPU's one-shot timer fires on
 * its own port only, not before its deadline; a VIRQ bound twice for one
 * vCPU is -EEXIST. A vCPU blocked in SCHEDOP_poll is "blocked" in the
 * runstate the other vCPU reads. Prints the round-trip time. Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "test.h"

#define AP		1
#define ROUNDS		200
#define WAIT_NS		2000000000ULL
#define TIMER_NS	5000000ULL

enum { CMD_PING = 1, CMD_TIMER, CMD_SNAPSHOT, CMD_BLOCK };

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static evtchn_port_t cmd_port, ack_port, timer0, timer1;
static volatile int cmd;
/* What vCPU 1 saw, written before it acks. */
static volatile uint64_t ap_elapsed, ap_fired, ap_other_timer, ap_sel, ap_pending, ap_vcpu0_pending;

static void ap_timer(void)
{
	struct vcpu_set_singleshot_timer one;
	uint64_t start = rt_now_ns();

	one.timeout_abs_ns = start + TIMER_NS;
	one.flags = 0;
	hyp_vcpu_op(VCPUOP_set_singleshot_timer, AP, RT_PTR(&one));
	ap_fired = rt_evtchn_wait(timer1, WAIT_NS);
	ap_elapsed = rt_now_ns() - start;
	ap_other_timer = rt_evtchn_pending(timer0);
}

static void ap_main(void *arg)
{
	volatile struct vcpu_info *me = rt_smp_vcpu_info(AP);

	(void)arg;
	me->evtchn_upcall_mask = 1;
	for (;;) {
		if (!rt_evtchn_wait(cmd_port, WAIT_NS))
			continue;
		switch (cmd) {
		case CMD_TIMER:
			ap_timer();
			break;
		case CMD_SNAPSHOT:
			ap_pending = me->evtchn_upcall_pending;
			ap_sel = me->evtchn_pending_sel;
			ap_vcpu0_pending = rt_smp_vcpu_info(0)->evtchn_upcall_pending;
			break;
		case CMD_BLOCK:
			/* Until the next command: blocked in SCHEDOP_poll for the other vCPU to see. */
			rt_evtchn_poll(cmd_port, WAIT_NS);
			break;
		default:
			break;
		}
		rt_event_send(ack_port);
	}
}

static void clear_flags(void)
{
	for (unsigned int i = 0; i < 2; i++) {
		rt_smp_vcpu_info(i)->evtchn_upcall_pending = 0;
		rt_smp_vcpu_info(i)->evtchn_pending_sel = 0;
	}
}

static bool command(int c)
{
	cmd = c;
	rt_event_send(cmd_port);
	return rt_evtchn_wait(ack_port, WAIT_NS);
}

static long unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return hyp_event_channel_op(EVTCHNOP_unmask, RT_PTR(&op));
}

static void setup(void)
{
	long p;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop vCPU 0's periodic timer");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_periodic_timer, AP, 0), 0, "stop vCPU 1's periodic timer");
	rt_smp_vcpu_info(0)->evtchn_upcall_mask = 1;
	p = rt_evtchn_bind_ipi(AP);
	tc_check(p > 0, "bind_ipi for vCPU 1 (%ld)", p);
	cmd_port = (evtchn_port_t)p;
	p = rt_evtchn_bind_ipi(0);
	tc_check(p > 0, "bind_ipi for vCPU 0 (%ld)", p);
	ack_port = (evtchn_port_t)p;
	p = rt_evtchn_bind_virq_vcpu(VIRQ_TIMER, 0);
	tc_check(p > 0, "VIRQ_TIMER for vCPU 0 (%ld)", p);
	timer0 = (evtchn_port_t)p;
	p = rt_evtchn_bind_virq_vcpu(VIRQ_TIMER, AP);
	tc_check(p > 0 && p != timer0, "VIRQ_TIMER for vCPU 1, a port of its own (%ld)", p);
	timer1 = (evtchn_port_t)p;
	tc_expect_eq(rt_evtchn_bind_virq_vcpu(VIRQ_TIMER, AP), -XEN_EEXIST, "VIRQ_TIMER bound twice for vCPU 1");
	tc_expect_eq(rt_evtchn_bind_ipi(7), -XEN_ENOENT, "bind_ipi for a vCPU that does not exist");
	unmask(cmd_port);
	unmask(ack_port);
	unmask(timer0);
	unmask(timer1);
}

static void ping_pong(void)
{
	unsigned int lost = 0;
	uint64_t t0 = rt_now_ns(), ns;

	for (unsigned int i = 0; i < ROUNDS; i++)
		lost += !command(CMD_PING);
	ns = rt_now_ns() - t0;
	rt_printf("IPI round trip between vCPUs: %lu ns (%u rounds)\n", (unsigned long)(ns / ROUNDS), ROUNDS);
	tc_check(lost == 0, "every ping answered (%u of %u lost)", lost, ROUNDS);
}

static void delivery_target(void)
{
	clear_flags();
	tc_check(command(CMD_SNAPSHOT), "snapshot command answered");
	tc_check(ap_pending == 1 && (ap_sel >> (cmd_port / 64)) & 1,
		 "an IPI to vCPU 1 raises vCPU 1's upcall_pending and selector bit (%lu, %#lx)",
		 (unsigned long)ap_pending, (unsigned long)ap_sel);
	tc_check(ap_vcpu0_pending == 0, "and not vCPU 0's (%lu)", (unsigned long)ap_vcpu0_pending);
}

static void check_status_vcpu(evtchn_port_t port, unsigned int want)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long rc = hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st));

	tc_check(rc == 0 && st.vcpu == want, "status of port %u: vCPU %u (rc %ld, vcpu %u)", port, want, rc,
		 st.vcpu);
}

/* Sends on local; remote's flags must show up on vCPU want only. */
static void send_and_look(evtchn_port_t local, evtchn_port_t remote, unsigned int want)
{
	volatile struct vcpu_info *w = rt_smp_vcpu_info(want), *o = rt_smp_vcpu_info(!want);

	clear_flags();
	rt_evtchn_test_and_clear(remote);
	rt_event_send(local);
	tc_check(rt_evtchn_pending(remote), "the loopback port %u is pending", remote);
	tc_check(w->evtchn_upcall_pending && ((w->evtchn_pending_sel >> (remote / 64)) & 1),
		 "its flags are on vCPU %u", want);
	tc_check(!o->evtchn_upcall_pending, "and not on vCPU %u", !want);
	rt_evtchn_test_and_clear(remote);
}

static void bind_vcpu(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	evtchn_port_t local, remote;

	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)), 0, "alloc_unbound to ourselves");
	remote = au.port;
	bi.remote_port = remote;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)), 0, "loopback bind_interdomain");
	local = bi.local_port;
	unmask(local);
	unmask(remote);
	check_status_vcpu(remote, 0);
	send_and_look(local, remote, 0);
	tc_expect_eq(rt_evtchn_bind_vcpu(remote, AP), 0, "bind_vcpu moves the port to vCPU 1");
	check_status_vcpu(remote, AP);
	send_and_look(local, remote, AP);
	tc_expect_eq(rt_evtchn_bind_vcpu(remote, 0), 0, "and back to vCPU 0");
	send_and_look(local, remote, 0);
	tc_expect_eq(rt_evtchn_bind_vcpu(remote, 7), -XEN_ENOENT, "bind_vcpu to a vCPU that does not exist");
	tc_expect_eq(rt_evtchn_bind_vcpu(cmd_port, 0), -XEN_EINVAL, "an IPI port cannot move");
	tc_expect_eq(rt_evtchn_bind_vcpu(timer1, 0), -XEN_EINVAL, "a per-vCPU VIRQ cannot move");
	check_status_vcpu(cmd_port, AP);
}

static void timers(void)
{
	struct vcpu_set_singleshot_timer one = { .flags = 0 };
	uint64_t start;
	bool fired;

	rt_evtchn_test_and_clear(timer0);
	rt_evtchn_test_and_clear(timer1);
	tc_check(command(CMD_TIMER), "timer command answered");
	tc_check(ap_fired, "vCPU 1's one-shot timer fired on its VIRQ_TIMER port");
	tc_check(ap_elapsed >= TIMER_NS, "not before its deadline (%lu ns)", (unsigned long)ap_elapsed);
	tc_check(!ap_other_timer, "vCPU 0's timer port stayed quiet");
	start = rt_now_ns();
	one.timeout_abs_ns = start + 4 * TIMER_NS;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&one)), 0, "vCPU 0 arms its own");
	fired = rt_evtchn_wait(timer0, WAIT_NS);
	tc_check(fired && rt_now_ns() - start >= 4 * TIMER_NS, "vCPU 0's timer fired on its port, on time");
	tc_check(!rt_evtchn_pending(timer1), "vCPU 1's timer port stayed quiet");
}

static void runstate_blocked(void)
{
	struct vcpu_runstate_info rs;
	struct vcpu_set_singleshot_timer one = { .flags = 0 };

	cmd = CMD_BLOCK;
	rt_event_send(cmd_port);
	one.timeout_abs_ns = rt_now_ns() + 50000000ULL;
	hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&one));
	rt_evtchn_wait(timer0, WAIT_NS);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_get_runstate_info, AP, RT_PTR(&rs)), 0, "runstate of vCPU 1");
	tc_check(rs.state == RUNSTATE_blocked, "blocked in SCHEDOP_poll (state %d)", rs.state);
	tc_check(rs.time[RUNSTATE_blocked] > 0 && rs.time[RUNSTATE_running] > 0,
		 "with blocked and running time counted (%lu, %lu ns)", (unsigned long)rs.time[RUNSTATE_blocked],
		 (unsigned long)rs.time[RUNSTATE_running]);
	tc_check(command(CMD_PING), "it wakes for the next command");
	rt_evtchn_test_and_clear(ack_port);
}

void test_main(void)
{
	unsigned int n = rt_smp_count();
	long rc;

	rt_printf("vCPUs: %u\n", n);
	if (n < 2) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs 2", n);
		return;
	}
	setup();
	rc = rt_smp_start(AP, ap_main, NULL, ap_stack, sizeof(ap_stack));
	tc_expect_eq(rc, 0, "vCPU 1 initialised and up");
	if (rc)
		return;
	ping_pong();
	delivery_target();
	bind_vcpu();
	timers();
	runstate_blocked();
	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, AP, 0), 0, "vCPU 1 down at the end");
}

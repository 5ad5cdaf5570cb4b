/* SPDX-License-Identifier: MIT */
/*
 * console_vcpu (Skiff boot tests, domU with 2 vCPUs, no dom0 backend): the
 * hypervisor drains the console ring itself and then signals the ring's
 * port. After the guest moves that port to vCPU 1 (EVTCHNOP_bind_vcpu, as
 * an SMP Linux may move the console IRQ), the signal must raise vCPU 1's
 * upcall flags and not vCPU 0's: raised on vCPU 0 whatever the binding, it
 * reached no vCPU that scans the port. Both vCPUs keep events masked, so
 * the flags stay as the hypervisor left them. vCPU 1 need not run.
 */
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/sched.h>
#include "rt_page.h"
#include "rt_smp.h"
#include "test.h"

static volatile struct xencons_interface *ring;

static bool write_and_drain(const char *s)
{
	size_t n = strlen(s);
	XENCONS_RING_IDX prod = ring->out_prod;
	uint64_t t0;

	for (size_t i = 0; i < n; i++)
		ring->out[(prod + i) % sizeof(ring->out)] = s[i];
	__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
	t0 = rt_now_ns();
	while (ring->out_cons != ring->out_prod && rt_now_ns() - t0 < 2000000000ULL)
		hyp_sched_op(SCHEDOP_yield, 0);
	return ring->out_cons == ring->out_prod;
}

static void check_target(evtchn_port_t port, unsigned int want, const char *line)
{
	volatile struct vcpu_info *w = rt_smp_vcpu_info(want), *o = rt_smp_vcpu_info(!want);

	for (unsigned int i = 0; i < 2; i++) {
		rt_smp_vcpu_info(i)->evtchn_upcall_pending = 0;
		rt_smp_vcpu_info(i)->evtchn_pending_sel = 0;
	}
	rt_evtchn_test_and_clear(port);
	tc_check(write_and_drain(line), "the hypervisor drained the ring");
	tc_check(rt_evtchn_pending(port), "and signalled the console port %u", port);
	tc_check(w->evtchn_upcall_pending && ((w->evtchn_pending_sel >> (port / 64)) & 1),
		 "on vCPU %u, the one the port is bound to", want);
	tc_check(!o->evtchn_upcall_pending, "not on vCPU %u", !want);
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	evtchn_port_t port = si->console.domU.evtchn;
	struct evtchn_unmask um = { .port = port };
	void *va;

	if (rt_smp_count() < 2 || !si->console.domU.mfn || !port || rt_page_init() != 0) {
		tc_error("needs 2 vCPUs and a console ring");
		return;
	}
	va = rt_window_get();
	if (!va || rt_window_map(va, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map the console ring");
		return;
	}
	ring = va;
	rt_smp_vcpu_info(0)->evtchn_upcall_mask = 1;
	rt_smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	hyp_event_channel_op(EVTCHNOP_unmask, RT_PTR(&um));
	check_target(port, 0, "console_vcpu: a line while the port is on vCPU 0\n");
	tc_expect_eq(rt_evtchn_bind_vcpu(port, 1), 0, "move the console port to vCPU 1");
	check_target(port, 1, "console_vcpu: a line while the port is on vCPU 1\n");
}

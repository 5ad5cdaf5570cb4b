/* SPDX-License-Identifier: MIT */
/*
 * port_exhaust (hostile guest, both roles): the domU allocates event-channel
 * ports until the hypervisor refuses, then keeps asking; the worker (dom0,
 * or "first" on its command line) meanwhile allocates, binds, signals and
 * closes ports of its own in a loop. The domU must be stopped at its limit
 * (port 1023, -ENOSPC, as Xen's default for a domU) instead of making the
 * hypervisor hold 4,095 ports' tables for it, and the worker must never see
 * a refusal.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include "refs_common.h"

#define DOM0_RUNS_MS	2000
#define DOMU_MAX_PORT	1023

static long alloc_unbound(uint32_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&op));

	*port = op.port;
	return rc;
}

static long evtchn_close(uint32_t port)
{
	struct evtchn_close op = { .port = port };

	return hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&op));
}

static void hog(void)
{
	uint32_t port = 0, highest = 0, got = 0;
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	long rc;

	while ((rc = alloc_unbound(&port)) == 0 && got < 5000) {
		got++;
		highest = port > highest ? port : highest;
	}
	rt_printf("port_exhaust: domU got %u ports, highest %u, then %ld\n", got, highest, rc);
	tc_expect_eq(rc, -XEN_ENOSPC, "alloc_unbound past the limit");
	tc_expect_eq(highest, DOMU_MAX_PORT, "the highest port handed out");
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_bind_ipi, RT_PTR(&ipi)), -XEN_ENOSPC,
		     "bind_ipi past the limit");
	for (int i = 0; i < 1000; i++)
		if (alloc_unbound(&port) != -XEN_ENOSPC)
			tc_fail("a later allocation past the limit was not refused");
	tc_expect_eq(evtchn_close(500), 0, "closing a port");
	tc_expect_eq(alloc_unbound(&port), 0, "the freed port can be taken again");
	tc_expect_eq(port, 500, "and it is the one freed");
	refs_sleep_ms(DOM0_RUNS_MS / 2);
}

/* One round of ordinary event-channel use: a loopback pair, a send, the pending bit seen, both closed. */
static int dom0_round(volatile struct shared_info *sh)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_send send;
	uint32_t a;
	int ok;

	if (alloc_unbound(&a) != 0)
		return 0;
	bi.remote_port = a;
	if (hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)) != 0) {
		evtchn_close(a);
		return 0;
	}
	send.port = bi.local_port;
	ok = hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&send)) == 0 &&
	     ((sh->evtchn_pending[a / 64] >> (a % 64)) & 1);
	ok &= evtchn_close(bi.local_port) == 0;
	ok &= evtchn_close(a) == 0;
	return ok;
}

static void worker(void)
{
	volatile struct shared_info *sh = rt_map_shared_info(NULL);
	uint64_t end = refs_now_ns() + DOM0_RUNS_MS * 1000000ULL;
	unsigned long rounds = 0, bad = 0;

	if (!sh) {
		tc_error("cannot map shared_info");
		return;
	}
	while (refs_now_ns() < end) {
		rounds++;
		bad += !dom0_round(sh);
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	rt_printf("port_exhaust: the worker did %lu event-channel rounds, %lu failed\n", rounds, bad);
	tc_check(rounds > 100, "the worker kept running (%lu rounds)", rounds);
	tc_expect_eq(bad, 0, "the worker's own event channels never failed");
}

void test_main(void)
{
	if (refs_first_role())
		worker();
	else
		hog();
}

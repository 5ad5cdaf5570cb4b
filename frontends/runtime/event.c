/* SPDX-License-Identifier: MIT */
/* Event channels for runtime programs: hypercall helpers, the per-port handler table and the 2-level dispatcher. */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "rt_event.h"

#define RT_NR_PORTS	(EVTCHN_2L_WORDS * 64)

struct rt_port {
	rt_event_handler fn;
	void *arg;
};

/* The 2-level ABI caps ports at 4096: one slot each costs 64 KiB of bss, no allocation on the event path. */
static struct rt_port rt_ports[RT_NR_PORTS];
static volatile struct shared_info *rt_ev_shared;
struct rt_event_stats rt_event_stats;

extern char rt_upcall_entry[];

static volatile struct vcpu_info *rt_vcpu0(void)
{
	return &rt_ev_shared->vcpu_info[0];
}

long rt_event_init(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event,
		.flags = CALLBACKF_mask_events,
		.address = RT_PTR(rt_upcall_entry),
	};
	long rc;

	if (rt_ev_shared)
		return 0;
	rt_ev_shared = rt_map_shared_info(&rc);
	if (!rt_ev_shared)
		return rc;
	rt_vcpu0()->evtchn_upcall_mask = 1;
	rc = hyp_callback_op(CALLBACKOP_register, RT_PTR(&cb));
	if (rc < 0)
		rt_ev_shared = NULL;
	return rc;
}

void rt_event_set_handler(evtchn_port_t port, rt_event_handler fn, void *arg)
{
	if (port >= RT_NR_PORTS)
		return;
	rt_ports[port].fn = fn;
	rt_ports[port].arg = arg;
}

static long rt_event_bound(long rc, evtchn_port_t port, rt_event_handler fn, void *arg)
{
	if (rc < 0)
		return rc;
	if (port >= RT_NR_PORTS)
		return -XEN_ENOSPC;
	rt_event_set_handler(port, fn, arg);
	rt_event_unmask(port);
	return (long)port;
}

long rt_event_bind_virq(uint32_t virq, rt_event_handler fn, void *arg)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	long rc = hyp_event_channel_op(EVTCHNOP_bind_virq, RT_PTR(&op));

	return rt_event_bound(rc, op.port, fn, arg);
}

long rt_event_alloc_unbound(domid_t remote, rt_event_handler fn, void *arg)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&op));

	return rt_event_bound(rc, op.port, fn, arg);
}

long rt_event_bind_interdomain(domid_t remote, evtchn_port_t remote_port, rt_event_handler fn,
			       void *arg)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = remote_port };
	long rc = hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&op));

	return rt_event_bound(rc, op.local_port, fn, arg);
}

long rt_event_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&op));
}

long rt_event_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	/* The hypercall re-raises the upcall for an event that arrived while masked. */
	return hyp_event_channel_op(EVTCHNOP_unmask, RT_PTR(&op));
}

long rt_event_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	rt_event_set_handler(port, NULL, NULL);
	return hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&op));
}

/* Clears and returns the pending, unmasked bits of one selector word. */
static uint64_t rt_take_word(unsigned int w)
{
	volatile uint64_t *pending = (volatile uint64_t *)&rt_ev_shared->evtchn_pending[w];
	uint64_t ready = *pending & ~rt_ev_shared->evtchn_mask[w];

	if (ready)
		__atomic_fetch_and(pending, ~ready, __ATOMIC_SEQ_CST);
	return ready;
}

unsigned int rt_event_dispatch(void)
{
	unsigned int ran = 0;
	uint64_t sel;

	if (!rt_ev_shared)
		return 0;
	/* Clear the summary flags first: an event set after this raises them again and is seen next time. */
	rt_vcpu0()->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n((uint64_t *)&rt_vcpu0()->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	/* A handler may bind or send: rescan every word once the selector has told us nothing of them. */
	sel |= ~0ULL >> (64 - EVTCHN_2L_WORDS);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzll(sel);
		uint64_t ready = rt_take_word(w);

		sel &= sel - 1;
		while (ready) {
			unsigned int port = w * 64 + (unsigned int)__builtin_ctzll(ready);

			ready &= ready - 1;
			if (rt_ports[port].fn) {
				rt_ports[port].fn(port, rt_ports[port].arg);
				rt_event_stats.handled++;
				ran++;
			} else {
				rt_event_stats.stray++;
			}
		}
	}
	return ran;
}

void rt_event_upcall(void)
{
	rt_event_stats.upcalls++;
	rt_event_dispatch();
}

void rt_event_block(void)
{
	if (!rt_ev_shared) {
		hyp_sched_op(SCHEDOP_yield, 0);
		return;
	}
	/* SCHEDOP_block unmasks and returns at once if something is pending; the callback then runs. */
	hyp_sched_op(SCHEDOP_block, 0);
	rt_vcpu0()->evtchn_upcall_mask = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* Anything that became pending after the callback returned is handled here, masked. */
	rt_event_dispatch();
}

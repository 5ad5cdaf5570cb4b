/* SPDX-License-Identifier: MIT */
/* The runtime's xenstore client: glue between libxenstore's ring transport and the runtime's events and timers. */
#include <pvabi/errno.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "rt_xs.h"

struct rt_xs {
	evtchn_port_t port;
	volatile bool kicked;
	volatile bool timed_out;
	struct rt_timer timer;
};

static struct rt_xs rt_xs_state;

static void rt_xs_event(evtchn_port_t port, void *arg)
{
	struct rt_xs *x = arg;

	(void)port;
	x->kicked = true;
}

static void rt_xs_timeout(struct rt_timer *t, void *arg)
{
	struct rt_xs *x = arg;

	(void)t;
	x->timed_out = true;
}

static void rt_xs_notify(void *ctx)
{
	struct rt_xs *x = ctx;

	rt_event_send(x->port);
}

/* Returns 1 once the port fired, 0 when timeout_ms passed first (< 0: no limit). */
static int rt_xs_wait(void *ctx, int timeout_ms)
{
	struct rt_xs *x = ctx;

	x->timed_out = false;
	if (timeout_ms >= 0)
		rt_timer_arm(&x->timer, rt_now_ns() + (uint64_t)timeout_ms * 1000000ULL, rt_xs_timeout, x);
	while (!x->kicked && !x->timed_out)
		rt_event_block();
	rt_timer_cancel(&x->timer);
	if (!x->kicked)
		return 0;
	x->kicked = false;
	return 1;
}

struct xs_handle *rt_xs_open(long *rc)
{
	const struct start_info *si = rt_boot.si;
	struct xs_ring_ops ops = { .ctx = &rt_xs_state, .notify = rt_xs_notify, .wait = rt_xs_wait,
				   .alloc = malloc, .free = free };
	struct xs_handle *h;
	void *va;
	long err;

	*rc = -XEN_ENOENT;
	if (!si->store_mfn || !si->store_evtchn)
		return NULL;
	*rc = -XEN_ENOMEM;
	va = rt_window_get();
	if (!va)
		return NULL;
	err = rt_window_map(va, si->store_mfn, true);
	if (err) {
		rt_window_put(va);
		*rc = err;
		return NULL;
	}
	rt_xs_state.port = si->store_evtchn;
	rt_event_set_handler(rt_xs_state.port, rt_xs_event, &rt_xs_state);
	rt_event_unmask(rt_xs_state.port);
	h = xs_open_ring(va, &ops);
	*rc = h ? 0 : -XEN_ENOMEM;
	return h;
}

/* SPDX-License-Identifier: MIT */
/*
 * ring_console (Skiff boot tests, domU): writes through its console ring
 * as hvc_xen does, not through console_io, so the lines reach the log only
 * if a console backend (dom0's) serves the ring. It writes more than the
 * ring holds (waiting for the backend to make room), a line longer than
 * the backend's line, and then lies about out_prod once to show that the
 * backend survives and serves the next line. Powers off.
 */
#include <pvabi/errno.h>
#include <pvabi/io/console.h>
#include <pvabi/sched.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"

static volatile struct xencons_interface *ring;
static evtchn_port_t port;
static volatile unsigned int kicks;

static void on_console(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
	kicks++;
}

static void on_nap(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Sleeps until an event or 20 ms, whichever comes first: the backend need not notify. */
static void nap(void)
{
	static struct rt_timer t;

	rt_timer_arm(&t, rt_now_ns() + 20000000ULL, on_nap, NULL);
	rt_event_block();
	rt_timer_cancel(&t);
}

/* Waits up to about 1 s for the backend to take everything written. */
static bool drained(void)
{
	for (unsigned int i = 0; i < 50 && ring->out_cons != ring->out_prod; i++)
		nap();
	return ring->out_cons == ring->out_prod;
}

/* Waits (for the backend to consume) up to about 2 s; false if it never made room. */
static bool ring_put(const char *s, size_t n)
{
	uint64_t give_up = rt_now_ns() + 2000000000ULL;

	while (n) {
		XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod = ring->out_prod;

		if (prod - cons >= XENCONS_OUT_SIZE) {
			hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&(struct evtchn_send){ .port = port }));
			if (rt_now_ns() > give_up)
				return false;
			nap();
			continue;
		}
		ring->out[xencons_out_pos(prod)] = *s++;
		n--;
		__atomic_store_n(&ring->out_prod, prod + 1, __ATOMIC_RELEASE);
	}
	rt_event_send(port);
	return true;
}

static bool ring_printf(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	return ring_put(line, (size_t)n);
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	char longline[451];
	bool ok = true;
	void *va;

	tc_expect_eq(rt_event_init(), 0, "event setup");
	tc_expect_eq(rt_timer_init(), 0, "timer setup");
	port = si->console.domU.evtchn;
	tc_check(si->console.domU.mfn && port, "start_info names a console ring and port");
	va = rt_window_get();
	if (!va || rt_window_map(va, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map the console ring");
		return;
	}
	ring = va;
	rt_event_set_handler(port, on_console, NULL);
	rt_event_unmask(port);
	for (unsigned int i = 1; i <= 60 && ok; i++)
		ok = ring_printf("ring line %u of 60: the quick brown fox jumps over the lazy dog\r\n", i);
	tc_check(ok, "60 lines (about 4 KiB, twice the ring) went through: the backend made room");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	ok = ring_printf("long: %s|end\n", longline);
	tc_check(ok && drained(), "a 460-byte line went through");
	/* A producer index far ahead of the consumer: the backend must skip, not read past the ring. */
	__atomic_store_n(&ring->out_prod, ring->out_prod + 100000, __ATOMIC_RELEASE);
	rt_event_send(port);
	tc_check(drained(), "the backend resynchronised to the lying producer");
	ok = ring_printf("after the lie: still served\n");
	tc_check(ok, "a line after the lie went through");
	ring_printf("ring_console: done, %u notifications from the backend\n", kicks);
	tc_check(drained(), "the backend took the last line before we shut down");
}

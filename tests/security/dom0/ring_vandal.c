/* SPDX-License-Identifier: MIT */
/*
 * ring_vandal (hostile-guest suite, Skiff-specific): a domU attacks dom0's
 * backends through the pages and ports it shares with them. It lies about
 * its xenstore ring's producer index and writes a request header claiming
 * a 4 GiB payload, floods its console and store ports with events, and
 * fills its console ring with bytes that never end a line. dom0 must
 * survive all of it, give up on the vandal's store ring alone, and keep
 * serving the well-behaved domain beside it (checked by the log).
 */
#include <pvabi/io/console.h>
#include <pvabi/io/xs_wire.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"

static void *map_own(uint64_t mfn)
{
	void *va = rt_window_get();

	if (!va || rt_window_map(va, mfn, true) != 0)
		return NULL;
	return va;
}

static void woke(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/*
 * Sleeps with a one-shot timer rather than spinning on SCHEDOP_yield: a
 * yield-spinner was once seen to keep dom0 off its CPU for 250 ms (a
 * scheduler matter, reported, not this test's subject).
 */
static void nap_ms(unsigned int ms)
{
	static struct rt_timer t;
	uint64_t end = rt_now_ns() + ms * 1000000ULL;

	while (rt_now_ns() < end) {
		rt_timer_arm(&t, end, woke, NULL);
		rt_event_block();
	}
	rt_timer_cancel(&t);
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	volatile struct xenstore_domain_interface *xs = map_own(si->store_mfn);
	volatile struct xencons_interface *cons = map_own(si->console.domU.mfn);
	struct xsd_sockmsg evil = { .type = XS_WRITE, .req_id = 1, .tx_id = 0, .len = 0xffffffffu };
	unsigned int sent = 0;

	tc_check(xs && cons && si->store_evtchn && si->console.domU.evtchn, "our store and console rings map");
	tc_check(rt_event_init() == 0 && rt_timer_init() == 0, "events and timers");
	if (!xs || !cons)
		return;
	/* Let dom0 attach first, so the attack hits a live connection. */
	nap_ms(300);
	for (unsigned int i = 0; i < sizeof(evil); i++)
		xs->req[i] = ((const char *)&evil)[i];
	__atomic_store_n(&xs->req_prod, xs->req_cons + sizeof(evil), __ATOMIC_RELEASE);
	rt_event_send(si->store_evtchn);
	nap_ms(50);
	__atomic_store_n(&xs->req_prod, xs->req_cons + 0x40000000u, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 20000; i++) {
		sent += rt_event_send(si->store_evtchn) == 0;
		sent += rt_event_send(si->console.domU.evtchn) == 0;
	}
	tc_check(sent == 40000, "40000 notifications sent to dom0's backends");
	/* A console that never ends a line: dom0 must cut it, not buffer it without bound. */
	for (unsigned int round = 0; round < 20; round++) {
		XENCONS_RING_IDX prod = cons->out_prod;

		for (unsigned int i = 0; i < 1024; i++)
			cons->out[xencons_out_pos(prod + i)] = 'v';
		__atomic_store_n(&cons->out_prod, prod + 1024, __ATOMIC_RELEASE);
		rt_event_send(si->console.domU.evtchn);
		nap_ms(10);
	}
	tc_check(true, "the vandal ran to the end");
	nap_ms(200);
	rt_printf("ring_vandal: store ring error field reads %u\n", xs->error);
}

/* SPDX-License-Identifier: MIT */
/*
 * console_scribble (security suite, domU): while input is typed to it, it
 * rewrites every index of its own console ring (in_prod, in_cons, out_prod,
 * out_cons) with random values, thousands of times a second, and sends
 * console notifications. Whoever writes input into the ring (dom0's
 * backend, or the hypervisor without one) must neither write outside the
 * page nor stop serving the other domains. It cannot observe a failure
 * itself: the other domain's echo and the machine's status are the check.
 */
#include <pvabi/io/console.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	volatile struct xencons_interface *ring;
	uint64_t rng = 0x2545f4914f6cdd1dULL, end, writes = 0;
	void *va;

	tc_expect_eq(rt_event_init(), 0, "event setup");
	tc_expect_eq(rt_timer_init(), 0, "timer setup");
	va = rt_window_get();
	if (!si->console.domU.mfn || !va || rt_window_map(va, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map the console ring");
		return;
	}
	ring = va;
	rt_printf("scribble: scribbling over the console ring's indices\n");
	end = rt_now_ns() + 8000000000ULL;
	while (rt_now_ns() < end) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		switch (rng & 7) {
		case 0: ring->in_prod = (uint32_t)(rng >> 32); break;
		case 1: ring->in_cons = (uint32_t)(rng >> 32); break;
		case 2: ring->in_prod = ring->in_cons + XENCONS_IN_SIZE - (uint32_t)(rng >> 60); break;
		case 3: ring->out_prod = (uint32_t)(rng >> 32); break;
		case 4: ring->out_cons = (uint32_t)(rng >> 32); break;
		case 5: ring->in_cons = ring->in_prod; break;
		case 6: rt_event_send(si->console.domU.evtchn); break;
		default: ring->in[(rng >> 20) & (XENCONS_IN_SIZE - 1)] = (char)rng; break;
		}
		writes++;
	}
	rt_printf("scribble: %lu index writes\n", (unsigned long)writes);
	tc_pass("scribbled for 8 s");
}

/* SPDX-License-Identifier: MIT */
/*
 * cpu_hog_heartbeat (security guest): spins reading guest system time and
 * records the longest gap between two reads, i.e. the longest time another
 * domain kept it off the CPU, until cpu_hog signals the end of its attack on
 * an event channel offered here (to domain 1, or peer=N). The gap must stay
 * under 1 s (TCG; the target on idle hardware is far lower).
 */
#include <pvabi/event_channel.h>
#include "test.h"
#include "guests/sec_util.h"

#define GAP_LIMIT_NS	1000000000ULL
#define GIVE_UP_NS	(300ULL * 1000000000ULL)

void test_main(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = (domid_t)sec_cmdline_num("peer=", 1) };
	volatile struct shared_info *sh;
	uint64_t t0, last, worst = 0, worst_at = 0, ticks = 0, now, over[3] = { 0, 0, 0 };
	int signalled = 0;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_error("no shared_info (%ld)", rc);
		return;
	}
	rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au));
	if (rc) {
		tc_error("alloc_unbound for d%u: %ld", au.remote_dom, rc);
		return;
	}
	t0 = last = rt_pvclock_ns(&sh->vcpu_info[0].time);
	for (;;) {
		now = rt_pvclock_ns(&sh->vcpu_info[0].time);
		/* How often, not just how bad: one host hiccup differs from a pattern. */
		over[0] += now - last > 20000000ULL;
		over[1] += now - last > 50000000ULL;
		over[2] += now - last > 100000000ULL;
		if (now - last > worst) {
			worst = now - last;
			worst_at = now;
		}
		last = now;
		ticks++;
		if ((sh->evtchn_pending[au.port / 64] >> (au.port % 64)) & 1) {
			signalled = 1;
			break;
		}
		if (now - t0 > GIVE_UP_NS)
			break;
	}
	rt_printf("heartbeat: %llu ticks in %llu ms; worst gap %llu us at %llu ms\n", (unsigned long long)ticks,
		  (unsigned long long)((now - t0) / 1000000), (unsigned long long)(worst / 1000),
		  (unsigned long long)(worst_at / 1000000));
	rt_printf("heartbeat: gaps over 20 ms: %llu, over 50 ms: %llu, over 100 ms: %llu\n",
		  (unsigned long long)over[0], (unsigned long long)over[1], (unsigned long long)over[2]);
	tc_check(signalled, "the hog signalled the end of its attack");
	tc_check(worst < GAP_LIMIT_NS, "worst heartbeat gap %llu us under 1 s", (unsigned long long)(worst / 1000));
}

/* SPDX-License-Identifier: MIT */
/*
 * shared_info: the guest can map the frame start_info.shared_info names
 * with update_va_mapping (as Linux does through a fixmap), and finds the
 * start-of-day contents Linux relies on: every legacy vcpu_info has
 * evtchn_upcall_mask = 1 (events off until the guest enables them),
 * vcpu_info[0].time is valid (even version, non-zero multiplier) and
 * advances, the pvclock formula gives a monotonic time, and the wallclock
 * (wc_version even, wc_sec) is set. Not Skiff-specific; checked on real
 * Xen 4.17.
 */
#include "test.h"

static volatile struct shared_info *map_shared_info(void)
{
	long rc;
	volatile struct shared_info *s = rt_map_shared_info(&rc);

	tc_expect_eq(rc, 0, "update_va_mapping of the shared_info frame");
	return s;
}

static void check_masks(volatile struct shared_info *s)
{
	unsigned int unmasked = 0;

	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		unmasked += s->vcpu_info[i].evtchn_upcall_mask != 1;
	tc_check(unmasked == 0, "evtchn_upcall_mask is 1 in all %u vcpu_info slots (%u are not)",
		 XEN_LEGACY_MAX_VCPUS, unmasked);
}

static void check_time(volatile struct shared_info *s)
{
	volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;
	uint64_t st0 = t->system_time, ns0, ns1;

	rt_printf("time: version %u system_time %llu tsc_timestamp %llu mul %u shift %d flags %#x\n",
		  t->version, (unsigned long long)st0, (unsigned long long)t->tsc_timestamp,
		  t->tsc_to_system_mul, t->tsc_shift, t->flags);
	tc_check(t->tsc_to_system_mul != 0, "vcpu_info[0].time has a TSC multiplier");
	tc_check(t->tsc_shift >= -32 && t->tsc_shift <= 32, "tsc_shift is sane (%d)", t->tsc_shift);
	tc_check(st0 > 0, "system_time is set");
	ns0 = rt_pvclock_ns(t);
	for (int i = 0; i < 200; i++)
		hyp_sched_op(0, 0);
	ns1 = rt_pvclock_ns(t);
	tc_check(ns1 > ns0, "pvclock time advances across 200 yields (%llu -> %llu ns)",
		 (unsigned long long)ns0, (unsigned long long)ns1);
	tc_check(ns1 - ns0 < 10ULL * 1000000000ULL, "and by less than 10 s");
}

static void check_wallclock(volatile struct shared_info *s)
{
	uint32_t v = s->wc_version;

	rt_printf("wallclock: version %u sec %u nsec %u\n", v, s->wc_sec, s->wc_nsec);
	tc_check(!(v & 1), "wc_version is even (no update in progress)");
	tc_check(s->wc_sec > 1500000000U, "wc_sec is a plausible date (%u)", s->wc_sec);
	tc_check(s->wc_nsec < 1000000000U, "wc_nsec < 1e9");
}

void test_main(void)
{
	volatile struct shared_info *s = map_shared_info();

	if (!s)
		return;
	check_masks(s);
	check_time(s);
	check_wallclock(s);
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark guest for ./skiff bench smp, booted twice as two domains pinned
 * to different CPUs (Skiff only: the Xen runner boots dom0 alone): the
 * round trip of an event over an interdomain channel between them, both
 * ends blocked in SCHEDOP_poll. "role=a" (domain 0) allocates the channel
 * for domain 1 and measures; "role=b" (domain 1) binds it and answers every
 * event with one, ROUNDS_TOTAL times, then ends. Medians of batches, in ns
 * of guest system time.
 */
#include <pvabi/event_channel.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_event.h"
#include "rt_smp.h"
#include "test.h"

#define BATCHES		15
#define ROUNDS		50
#define ROUNDS_TOTAL	(1 + BATCHES * ROUNDS)	/* the hello, then the measured ones */
#define WAIT_NS		5000000000ULL
#define BIND_NS		30000000000ULL
#define START_NS	3000000000ULL

static void sort_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static bool role_is(char r)
{
	const char *s = rt_boot.si->cmd_line;

	for (size_t i = 0; s[i] && i + 6 < MAX_GUEST_CMDLINE; i++)
		if ((i == 0 || s[i - 1] == ' ') && strncmp(s + i, "role=", 5) == 0)
			return s[i + 5] == r;
	return false;
}

/* Runs once before and once after the timed window: tools/tb-profile's PCPROF_MARK (its address). */
__attribute__((noinline, used)) void bench_evtpair_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

static void role_a(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };
	static uint64_t per[BATCHES];
	unsigned int lost = 0;
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au));

	tc_check(rc == 0, "a channel for domain 1 (%ld)", rc);
	if (rc)
		return;
	/* Domain 1 says hello once it has bound the other end. */
	if (!rt_evtchn_wait(au.port, BIND_NS)) {
		tc_error("domain 1 never bound the channel");
		return;
	}
	/* Past the boot CPU's one-time wait for the RTC's seconds edge (up to two ticks, about 1-2 s after boot). */
	while (rt_now_ns() < START_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	bench_evtpair_mark();
	for (unsigned int b = 0; b < BATCHES; b++) {
		uint64_t t0 = rt_now_ns();

		for (unsigned int r = 0; r < ROUNDS; r++) {
			rt_event_send(au.port);
			lost += !rt_evtchn_wait(au.port, WAIT_NS);
		}
		per[b] = (rt_now_ns() - t0) / ROUNDS;
	}
	bench_evtpair_mark();
	sort_u64(per, BATCHES);
	/* A benchmark, not a test: a round trip that took over 5 s (a loaded host can stall a QEMU vCPU) is counted. */
	tc_pass("measured");
	rt_printf("bench evtpair: round trips over 5 s: %u\n", lost);
	rt_printf("bench evtpair: interdomain round trip between two domains median %lu ns\n",
		  (unsigned long)per[BATCHES / 2]);
}

static void role_b(void)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = 0 };
	uint64_t t0 = rt_now_ns();
	unsigned int answered = 0;
	long rc = -1;

	/* Domain 0's port number is not told: the only one it offers us is the one to bind. */
	while (rc && rt_now_ns() - t0 < BIND_NS)
		for (bi.remote_port = 1; bi.remote_port < 16 && rc; bi.remote_port++)
			if ((rc = hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi))) != 0)
				hyp_sched_op(SCHEDOP_yield, 0);
	if (rc) {
		tc_error("could not bind domain 0's channel (%ld)", rc);
		return;
	}
	/* Binding marks our end pending (as on Xen): drop that, or we would answer once ahead of domain 0. */
	rt_evtchn_test_and_clear(bi.local_port);
	rt_event_send(bi.local_port);
	while (answered + 1 < ROUNDS_TOTAL && rt_evtchn_wait(bi.local_port, WAIT_NS)) {
		rt_event_send(bi.local_port);
		answered++;
	}
	tc_check(answered + 1 == ROUNDS_TOTAL, "answered %u of %u events", answered, ROUNDS_TOTAL - 1);
}

void test_main(void)
{
	hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	rt_smp_vcpu_info(0)->evtchn_upcall_mask = 1;
	if (role_is('a'))
		role_a();
	else if (role_is('b'))
		role_b();
	else
		tc_error("no role=a or role=b on the command line");
}

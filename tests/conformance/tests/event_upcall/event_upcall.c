/* SPDX-License-Identifier: MIT */
/*
 * event_upcall: event delivery to a registered event callback, the path
 * every Linux interrupt takes. With upcalls masked (vcpu_info
 * evtchn_upcall_mask = 1) a pending port causes no callback; clearing the
 * mask and entering the hypervisor (xen_version, as Linux does after sti)
 * delivers it on the way out, with the mask set on entry (CALLBACKF_mask_events)
 * and restored by the iret hypercall. A port masked in shared_info
 * evtchn_mask is not delivered until EVTCHNOP_unmask, which delivers it.
 * SCHEDOP_block re-enables events, sleeps until the VIRQ_TIMER single-shot
 * timer fires, returns 0 and the event is delivered. The interrupted code's
 * registers survive every delivery. bind_interdomain leaves the new local
 * port pending (Xen signals it in case the peer sent early). Not Skiff-specific; checked on real
 * Xen 4.17.
 */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/version.h>
#include "test.h"

void ev_upcall_entry(void);

static volatile struct shared_info *sh;
static volatile unsigned int upcalls;
static volatile uint8_t mask_at_entry;
static volatile uint64_t seen[EVTCHN_2L_WORDS];	/* ports the callback consumed */

/* Called from ev_upcall_entry: consume every pending, unmasked port (2-level scan). */
void ev_upcall_c(void)
{
	volatile struct vcpu_info *v = &sh->vcpu_info[0];
	uint64_t sel;

	upcalls++;
	mask_at_entry = v->evtchn_upcall_mask;
	v->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzll(sel);
		uint64_t bits = sh->evtchn_pending[w] & ~sh->evtchn_mask[w];

		sel &= sel - 1;
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzll(bits);

			bits &= bits - 1;
			__atomic_and_fetch(&sh->evtchn_pending[w], ~(1ULL << b), __ATOMIC_SEQ_CST);
			seen[w] |= 1ULL << b;
		}
	}
}

static int was_seen(evtchn_port_t p)
{
	return (seen[p / 64] >> (p % 64)) & 1;
}

static void forget_seen(void)
{
	memset((void *)seen, 0, sizeof(seen));
}

static void set_mask(uint8_t m)
{
	__asm__ volatile("" ::: "memory");
	sh->vcpu_info[0].evtchn_upcall_mask = m;
	__asm__ volatile("" ::: "memory");
}

static void poke(void)
{
	hyp_xen_version(XENVER_version, 0);
}

static long evtchn(uint64_t cmd, void *arg)
{
	return hyp_event_channel_op(cmd, RT_PTR(arg));
}

static int setup(evtchn_port_t *a, evtchn_port_t *b)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event, .flags = CALLBACKF_mask_events,
					.address = RT_PTR(ev_upcall_entry) };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh || rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)) != 0 ||
	    evtchn(EVTCHNOP_alloc_unbound, &au) != 0)
		return -1;
	bi.remote_port = au.port;
	if (evtchn(EVTCHNOP_bind_interdomain, &bi) != 0)
		return -1;
	*a = au.port;
	*b = bi.local_port;
	return 0;
}

static void check_mask_and_delivery(evtchn_port_t a, evtchn_port_t b)
{
	struct evtchn_send snd = { .port = b };
	uint64_t r12_before = 0x1234abcd5678ef00ULL, r12_after;

	tc_check(sh->vcpu_info[0].evtchn_upcall_mask == 1, "events start masked");
	tc_check((sh->evtchn_pending[b / 64] >> (b % 64)) & 1,
		 "bind_interdomain left the new local port pending");
	tc_expect_eq(evtchn(EVTCHNOP_send, &snd), 0, "send with events masked");
	poke();
	tc_expect_eq(upcalls, 0, "no callback while evtchn_upcall_mask is 1");
	tc_check(sh->vcpu_info[0].evtchn_upcall_pending == 1, "but upcall_pending is set");
	set_mask(0);
	/* A register the callback must not disturb, live across the delivery. */
	__asm__ volatile("movq %1, %%r12\n\t"
			 "push %%rcx\n\tpush %%r11\n\tsyscall\n\tpop %%r11\n\tpop %%rcx\n\t"
			 "movq %%r12, %0"
			 : "=r"(r12_after)
			 : "r"(r12_before), "a"((uint64_t)__HYPERVISOR_xen_version), "D"(0ULL), "S"(0ULL)
			 : "r12", "rdx", "r8", "r9", "r10", "memory", "cc");
	tc_expect_eq(upcalls, 1, "unmasking and entering the hypervisor delivers one callback");
	tc_check(was_seen(a), "the callback found the loopback port pending");
	tc_expect_eq(mask_at_entry, 1, "events were masked on entry (CALLBACKF_mask_events)");
	tc_expect_eq(sh->vcpu_info[0].evtchn_upcall_mask, 0, "the iret hypercall unmasked them again");
	tc_check(r12_after == r12_before, "the interrupted code's r12 survived the delivery");
}

static void check_port_mask(evtchn_port_t a, evtchn_port_t b)
{
	struct evtchn_send snd = { .port = b };
	struct evtchn_unmask um = { .port = a };
	unsigned int before = upcalls;

	/* Events enabled, only the port masked: EVTCHNOP_unmask must deliver on its own return. */
	set_mask(0);
	forget_seen();
	__atomic_or_fetch(&sh->evtchn_mask[a / 64], 1ULL << (a % 64), __ATOMIC_SEQ_CST);
	tc_expect_eq(evtchn(EVTCHNOP_send, &snd), 0, "send to a port masked in evtchn_mask");
	poke();
	tc_expect_eq(upcalls, before, "a masked port is not delivered");
	tc_check((sh->evtchn_pending[a / 64] >> (a % 64)) & 1, "though it is pending");
	tc_expect_eq(evtchn(EVTCHNOP_unmask, &um), 0, "EVTCHNOP_unmask");
	tc_check(upcalls == before + 1 && was_seen(a), "unmask delivered the pending port");
	tc_check(!((sh->evtchn_mask[a / 64] >> (a % 64)) & 1), "and cleared its mask bit");
}

static void check_block(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct vcpu_set_singleshot_timer one = { .flags = 0 };
	unsigned int before;
	uint64_t deadline, t1;
	long rc;

	hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	tc_expect_eq(evtchn(EVTCHNOP_bind_virq, &bv), 0, "bind VIRQ_TIMER");
	set_mask(1);
	if (sh->vcpu_info[0].evtchn_upcall_pending || sh->vcpu_info[0].evtchn_pending_sel) {
		tc_error("an event is still pending before SCHEDOP_block: block would return at once");
		return;
	}
	forget_seen();
	before = upcalls;
	deadline = rt_pvclock_ns(&sh->vcpu_info[0].time) + 5000000;
	one.timeout_abs_ns = deadline;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&one)), 0,
		     "single-shot timer 5 ms ahead");
	rc = hyp_sched_op(SCHEDOP_block, 0);
	t1 = rt_pvclock_ns(&sh->vcpu_info[0].time);
	set_mask(1);
	tc_expect_eq(rc, 0, "SCHEDOP_block returns 0");
	tc_check(upcalls == before + 1 && was_seen(bv.port),
		 "the timer event was delivered on return (%u callbacks)", upcalls - before);
	tc_check(t1 >= deadline, "not before the deadline (%lld ns after)", (long long)(t1 - deadline));
}

void test_main(void)
{
	evtchn_port_t a, b;

	if (setup(&a, &b) != 0) {
		tc_fail("could not map shared_info, register the callback or make a loopback pair");
		return;
	}
	check_mask_and_delivery(a, b);
	set_mask(1);
	check_port_mask(a, b);
	set_mask(1);
	check_block();
}

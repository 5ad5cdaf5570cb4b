/* SPDX-License-Identifier: MIT */
/* Unit tests for the 2-level event channels (hv/common/event_channel.c): every EVTCHNOP, its errors, delivery and teardown. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <pvabi/errno.h>
#include <pvabi/event_channel.h>

#include "evtchn_harness.h"
#include "evtchn_ops.h"

START_TEST(test_port0_reserved)
{
	struct evtchn_status st;
	uint32_t p;

	ck_assert_int_eq(status(DOMID_SELF, 0, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_closed);
	ck_assert_int_eq(ev_close(0), -XEN_EINVAL);
	ck_assert_int_eq(ev_send(0), -XEN_EINVAL);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(p, 1);
}
END_TEST

START_TEST(test_alloc_unbound_self)
{
	struct evtchn_status st;
	uint32_t a, b, c;

	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0);
	ck_assert_int_eq(alloc_unbound(1, 7, &b), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 0x7ff2, &c), 0);
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_uint_eq(c, 3);
	ck_assert_int_eq(status(DOMID_SELF, a, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 1);	/* DOMID_SELF becomes the caller's id */
	ck_assert_uint_eq(st.vcpu, 0);
	ck_assert_int_eq(status(1, b, &st), 0);
	ck_assert_uint_eq(st.u.unbound.dom, 7);	/* the remote need not exist yet */
	ck_assert_int_eq(status(DOMID_SELF, c, &st), 0);
	ck_assert_uint_eq(st.u.unbound.dom, 0x7ff2);
	ck_assert(!eh_pending(d1, a) && !eh_pending(d1, b));
}
END_TEST

START_TEST(test_alloc_unbound_foreign)
{
	struct domain *d2 = eh_domain(2, false, 1);
	struct domain *d0 = eh_domain(0, true, 1);
	struct evtchn_status st;
	uint32_t p = 0;

	ck_assert_int_eq(alloc_unbound(2, 1, &p), -XEN_EPERM);
	ck_assert_uint_eq(p, 0xdead);
	ck_assert_int_eq(alloc_unbound(99, 1, NULL), -XEN_ESRCH);
	ck_assert_int_eq(alloc_unbound(DOMID_XEN, 1, NULL), -XEN_ESRCH);
	/* Nothing was allocated in d2 by the refused call. */
	as(d2, 0);
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_closed);

	as(d0, 0);
	ck_assert_int_eq(alloc_unbound(2, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(p, 1);
	ck_assert_int_eq(status(2, p, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 0);	/* DOMID_SELF is the caller (dom0), as Xen */
	as(d2, 0);
	ck_assert_uint_eq(status_of(p), EVTCHNSTAT_unbound);
	ck_assert_int_eq(status(0, p, &st), -XEN_EPERM);
}
END_TEST

/* ---- interdomain ---- */

START_TEST(test_loopback)
{
	struct evtchn_status st;
	uint32_t a = new_unbound(), b;

	ck_assert_int_eq(bind_inter(DOMID_SELF, a, &b), 0);
	ck_assert(b != a && b != 0);
	/* The new local end starts pending, and the upcall is raised for it. */
	ck_assert(eh_pending(d1, b));
	ck_assert(!eh_pending(d1, a));
	ck_assert(sel_bit(d1, 0, b));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_mask, 1);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 1);
	ck_assert_int_eq(status(DOMID_SELF, b, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.dom, 1);
	ck_assert_uint_eq(st.u.interdomain.port, a);
	ck_assert_int_eq(status(DOMID_SELF, a, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.port, b);

	eh_clear_pending(d1, b);
	eh_ack_upcalls(d1);
	ck_assert_int_eq(ev_send(b), 0);
	ck_assert(eh_pending(d1, a) && !eh_pending(d1, b));
	ck_assert(sel_bit(d1, 0, a));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 2);
	ck_assert(evtchn_port_pending(d1, a));

	ck_assert_int_eq(ev_close(a), 0);
	ck_assert_uint_eq(status_of(a), EVTCHNSTAT_closed);
	ck_assert(!eh_pending(d1, a));		/* close drops the stale pending bit */
	ck_assert_int_eq(status(DOMID_SELF, b, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 1);
	ck_assert_int_eq(ev_send(b), 0);	/* unbound: dropped silently */
	ck_assert_int_eq(ev_close(b), 0);
	ck_assert_int_eq(ev_send(b), -XEN_EINVAL);
	ck_assert_int_eq(ev_close(b), -XEN_EINVAL);
}
END_TEST

START_TEST(test_interdomain_two_domains)
{
	struct domain *d2 = eh_domain(2, false, 1);
	struct evtchn_status st;
	uint32_t p2, p1;

	as(d2, 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &p2), 0);
	as(d1, 0);
	ck_assert_int_eq(bind_inter(2, p2, &p1), 0);
	ck_assert(eh_pending(d1, p1));
	ck_assert(!eh_pending(d2, p2));
	ck_assert_int_eq(status(DOMID_SELF, p1, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.dom, 2);
	ck_assert_uint_eq(st.u.interdomain.port, p2);
	as(d2, 0);
	ck_assert_int_eq(status(DOMID_SELF, p2, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.dom, 1);
	ck_assert_uint_eq(st.u.interdomain.port, p1);

	eh_clear_pending(d1, p1);
	eh_ack_upcalls(d1);
	ck_assert_int_eq(ev_send(p2), 0);
	ck_assert(eh_pending(d1, p1) && !eh_pending(d2, p2));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vi(d2, 0)->evtchn_upcall_pending, 0);
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 0);
	as(d1, 0);
	ck_assert_int_eq(ev_send(p1), 0);
	ck_assert(eh_pending(d2, p2));
	ck_assert(sel_bit(d2, 0, p2));
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 1);

	/* The remote closes: our end becomes unbound, offered to the closer again. */
	as(d2, 0);
	ck_assert_int_eq(ev_close(p2), 0);
	as(d1, 0);
	ck_assert_int_eq(status(DOMID_SELF, p1, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 2);
	/* ... and d2 may bind to it again. */
	as(d2, 0);
	ck_assert_int_eq(bind_inter(1, p1, &p2), 0);
	as(d1, 0);
	ck_assert_int_eq(status(DOMID_SELF, p1, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.port, p2);
}
END_TEST

START_TEST(test_bind_interdomain_refusals)
{
	struct domain *d2 = eh_domain(2, false, 1);
	uint32_t mine, for3, lp = 0;

	as(d2, 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 3, &for3), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &mine), 0);
	as(d1, 0);
	ck_assert_int_eq(bind_inter(9, mine, &lp), -XEN_ESRCH);
	ck_assert_uint_eq(lp, 0xdead);
	ck_assert_int_eq(bind_inter(2, for3, NULL), -XEN_EINVAL);	/* offered to dom3 */
	ck_assert_int_eq(bind_inter(2, 0, NULL), -XEN_EINVAL);		/* reserved */
	ck_assert_int_eq(bind_inter(2, 40, NULL), -XEN_EINVAL);	/* free, in a bucket */
	ck_assert_int_eq(bind_inter(2, 3000, NULL), -XEN_EINVAL);	/* no bucket */
	ck_assert_int_eq(bind_inter(2, 4096, NULL), -XEN_EINVAL);
	ck_assert_int_eq(bind_inter(2, 0xffffffffu, NULL), -XEN_EINVAL);
	ck_assert_int_eq(bind_inter(DOMID_SELF, 1, NULL), -XEN_EINVAL);	/* our own free port */
	/* None of that allocated a local port or raised anything. */
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_closed);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 0);
	ck_assert_int_eq(bind_inter(2, mine, &lp), 0);
	ck_assert_uint_eq(lp, 1);
	/* Bound already: a second bind to the same remote port fails. */
	ck_assert_int_eq(bind_inter(2, mine, NULL), -XEN_EINVAL);
	/* A port of ours that is interdomain cannot be bound by us either. */
	ck_assert_int_eq(bind_inter(DOMID_SELF, lp, NULL), -XEN_EINVAL);
}
END_TEST

/* ---- send, mask, unmask ---- */

START_TEST(test_masked_port_then_unmask)
{
	uint32_t p;
	unsigned int polls;

	ck_assert_int_eq(bind_ipi(0, &p), 0);
	eh_set_mask(d1, p, true);
	polls = eh_poll_calls();
	ck_assert_int_eq(ev_send(p), 0);
	ck_assert(eh_pending(d1, p));
	ck_assert(!sel_bit(d1, 0, p));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 0);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 0);
	ck_assert(!evtchn_any_pending_unmasked(d1->vcpu[0]));
	/* A poller is told even though the port is masked (Linux polls masked ports). */
	ck_assert_uint_eq(eh_poll_calls(), polls + 1);
	ck_assert_uint_eq(eh_poll_last_port(), p);

	ck_assert_int_eq(ev_unmask(p), 0);
	ck_assert(!eh_masked(d1, p));
	ck_assert(sel_bit(d1, 0, p));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 1);
	ck_assert(evtchn_any_pending_unmasked(d1->vcpu[0]));
	/* Unmasking an unmasked port does nothing more. */
	ck_assert_int_eq(ev_unmask(p), 0);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 1);
	/* Masked and not pending: unmask just clears the mask. */
	eh_ack_upcalls(d1);
	eh_clear_pending(d1, p);
	eh_set_mask(d1, p, true);
	ck_assert_int_eq(ev_unmask(p), 0);
	ck_assert(!eh_masked(d1, p));
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 0);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 1);
	/* Any existing port may be unmasked, even a free one in an allocated bucket (Xen). */
	eh_set_mask(d1, 50, true);
	ck_assert_int_eq(ev_unmask(50), 0);
	ck_assert(!eh_masked(d1, 50));
	ck_assert_int_eq(ev_unmask(4000), -XEN_EINVAL);
	ck_assert_int_eq(ev_unmask(4096), -XEN_EINVAL);
}
END_TEST

START_TEST(test_upcall_raised_once)
{
	uint32_t a, b;

	ck_assert_int_eq(bind_ipi(0, &a), 0);
	ck_assert_int_eq(bind_ipi(0, &b), 0);
	ck_assert_uint_eq(a / 64, b / 64);
	ck_assert_int_eq(ev_send(a), 0);
	ck_assert_int_eq(ev_send(a), 0);
	ck_assert_int_eq(ev_send(b), 0);
	/* Same word, upcall already pending: one kick for all three. */
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 1);
	ck_assert(eh_pending(d1, a) && eh_pending(d1, b));
	/* The guest scans; the next event kicks again. */
	eh_ack_upcalls(d1);
	eh_clear_pending(d1, a);
	eh_clear_pending(d1, b);
	ck_assert_int_eq(ev_send(b), 0);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 2);
	/* Still pending (not cleared by the guest): a send changes nothing. */
	eh_ack_upcalls(d1);
	ck_assert_int_eq(ev_send(b), 0);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 2);
	ck_assert_uint_eq(vi(d1, 0)->evtchn_upcall_pending, 0);
}
END_TEST

START_TEST(test_send_refusals)
{
	uint32_t v;

	ck_assert_int_eq(ev_send(4096), -XEN_EINVAL);
	ck_assert_int_eq(ev_send(4000), -XEN_EINVAL);
	ck_assert_int_eq(ev_send(5), -XEN_EINVAL);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &v), 0);
	ck_assert_int_eq(ev_send(v), -XEN_EINVAL);	/* VIRQs are the hypervisor's to send */
	ck_assert(!eh_pending(d1, v));
	ck_assert_int_eq(ev_close(4097), -XEN_EINVAL);
	ck_assert_int_eq(ev_close(7), -XEN_EINVAL);
}
END_TEST

/* ---- VIRQs ---- */

START_TEST(test_virq_rules)
{
	struct domain *d2 = eh_domain(2, false, 2);
	struct evtchn_status st;
	uint32_t t0, t1, g, x;

	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &t0), 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &x), -XEN_EEXIST);
	ck_assert_uint_eq(x, 0xdead);
	ck_assert_int_eq(bind_virq(NR_VIRQS, 0, NULL), -XEN_EINVAL);
	ck_assert_int_eq(bind_virq(0xffffffffu, 0, NULL), -XEN_EINVAL);
	ck_assert_int_eq(bind_virq(VIRQ_DEBUG, 1, NULL), -XEN_ENOENT);	/* per-vCPU, no vCPU 1 */
	ck_assert_int_eq(bind_virq(VIRQ_CONSOLE, 1, NULL), -XEN_EINVAL);	/* global, not vCPU 0 */
	ck_assert_int_eq(status(DOMID_SELF, t0, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_virq);
	ck_assert_uint_eq(st.u.virq, VIRQ_TIMER);
	ck_assert_uint_eq(st.vcpu, 0);

	as(d2, 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &t0), 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 1, &t1), 0);
	ck_assert(t0 != t1);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 1, NULL), -XEN_EEXIST);
	ck_assert_int_eq(bind_virq(VIRQ_DOM_EXC, 1, NULL), -XEN_EINVAL);
	ck_assert_int_eq(bind_virq(VIRQ_DOM_EXC, 0, &g), 0);
	ck_assert_int_eq(bind_virq(VIRQ_DOM_EXC, 0, NULL), -XEN_EEXIST);
	ck_assert_int_eq(bind_virq(VIRQ_ARCH_0, 1, NULL), -XEN_EINVAL);	/* x86 arch VIRQs are global */
	ck_assert_int_eq(status(DOMID_SELF, t1, &st), 0);
	ck_assert_uint_eq(st.vcpu, 1);

	/* The timer of vCPU 1 fires on vCPU 1's port and upcall only. */
	evtchn_send_virq(d2->vcpu[1], VIRQ_TIMER);
	ck_assert(eh_pending(d2, t1) && !eh_pending(d2, t0));
	ck_assert_uint_eq(vi(d2, 1)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vi(d2, 0)->evtchn_upcall_pending, 0);
	ck_assert_uint_eq(eh_kicks(d2->vcpu[1]), 1);
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 0);
	/* A global VIRQ fires whichever vCPU it is asked through. */
	evtchn_send_virq(d2->vcpu[1], VIRQ_DOM_EXC);
	ck_assert(eh_pending(d2, g));
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 1);
	/* Unbound VIRQs and bad numbers: nothing. */
	eh_ack_upcalls(d2);
	evtchn_send_virq(d2->vcpu[0], VIRQ_DEBUG);
	evtchn_send_virq(d2->vcpu[0], NR_VIRQS);
	evtchn_send_virq(NULL, VIRQ_TIMER);
	ck_assert_uint_eq(vi(d2, 0)->evtchn_upcall_pending, 0);

	/* Closing frees the binding: the VIRQ can be bound again and the old port stays quiet. */
	ck_assert_int_eq(ev_close(t1), 0);
	evtchn_send_virq(d2->vcpu[1], VIRQ_TIMER);
	ck_assert(!eh_pending(d2, t1));
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 1, &x), 0);
	ck_assert_uint_eq(x, t1);
}
END_TEST

START_TEST(test_bind_vcpu)
{
	struct domain *d2 = eh_domain(2, false, 2);
	struct evtchn_status st;
	uint32_t u, ipi, tim, g, p1, p2;

	as(d2, 0);
	u = new_unbound();
	ck_assert_int_eq(bind_ipi(0, &ipi), 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &tim), 0);
	ck_assert_int_eq(bind_virq(VIRQ_CONSOLE, 0, &g), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &p2), 0);
	as(d1, 0);
	ck_assert_int_eq(bind_inter(2, p2, &p1), 0);
	as(d2, 0);

	ck_assert_int_eq(bind_vcpu(u, 1), 0);
	ck_assert_int_eq(status(DOMID_SELF, u, &st), 0);
	ck_assert_uint_eq(st.vcpu, 1);
	ck_assert_int_eq(bind_vcpu(ipi, 1), -XEN_EINVAL);
	ck_assert_int_eq(bind_vcpu(tim, 1), -XEN_EINVAL);
	ck_assert_int_eq(bind_vcpu(4096, 2), -XEN_ENOENT);	/* vCPU checked first, as Xen */
	ck_assert_int_eq(bind_vcpu(g, 2), -XEN_ENOENT);
	ck_assert_int_eq(bind_vcpu(4096, 1), -XEN_EINVAL);
	ck_assert_int_eq(bind_vcpu(60, 1), -XEN_EINVAL);	/* free port */
	ck_assert_int_eq(bind_vcpu(g, 1), 0);
	ck_assert_int_eq(bind_vcpu(p2, 1), 0);

	evtchn_send_virq(d2->vcpu[0], VIRQ_CONSOLE);
	ck_assert(eh_pending(d2, g));
	ck_assert_uint_eq(vi(d2, 1)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vi(d2, 0)->evtchn_upcall_pending, 0);
	eh_ack_upcalls(d2);
	as(d1, 0);
	ck_assert_int_eq(ev_send(p1), 0);
	ck_assert(eh_pending(d2, p2));
	ck_assert(sel_bit(d2, 1, p2) && !sel_bit(d2, 0, p2));
	ck_assert_uint_eq(eh_kicks(d2->vcpu[1]), 2);
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 0);
	/* Closing resets the vCPU: the next user of the port gets vCPU 0. */
	as(d2, 0);
	ck_assert_int_eq(ev_close(u), 0);
	ck_assert_uint_eq(new_unbound(), u);
	ck_assert_int_eq(status(DOMID_SELF, u, &st), 0);
	ck_assert_uint_eq(st.vcpu, 0);
}
END_TEST

START_TEST(test_bind_ipi)
{
	struct domain *d2 = eh_domain(2, false, 2);
	struct evtchn_status st;
	uint32_t p, q;

	ck_assert_int_eq(bind_ipi(0, &p), 0);
	ck_assert_int_eq(status(DOMID_SELF, p, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_ipi);
	ck_assert_uint_eq(st.vcpu, 0);
	ck_assert_int_eq(ev_send(p), 0);
	ck_assert(eh_pending(d1, p));
	ck_assert_int_eq(bind_ipi(1, &q), -XEN_ENOENT);
	ck_assert_uint_eq(q, 0xdead);
	ck_assert_int_eq(bind_ipi(0xffffffffu, NULL), -XEN_ENOENT);

	as(d2, 1);
	ck_assert_int_eq(bind_ipi(1, &q), 0);
	ck_assert_int_eq(ev_send(q), 0);
	ck_assert(sel_bit(d2, 1, q));
	ck_assert_uint_eq(vi(d2, 1)->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vi(d2, 0)->evtchn_upcall_pending, 0);
	ck_assert_int_eq(ev_close(q), 0);
	ck_assert_int_eq(ev_send(q), -XEN_EINVAL);
}
END_TEST

/* ---- status ---- */

START_TEST(test_status_every_state)
{
	struct domain *d2 = eh_domain(2, false, 1);
	struct domain *d0 = eh_domain(0, true, 1);
	struct evtchn_status st;
	uint32_t u, a, b, v, i;

	u = new_unbound();
	a = new_unbound();
	ck_assert_int_eq(bind_inter(DOMID_SELF, a, &b), 0);
	ck_assert_int_eq(bind_virq(VIRQ_DEBUG, 0, &v), 0);
	ck_assert_int_eq(bind_ipi(0, &i), 0);

	ck_assert_int_eq(status(DOMID_SELF, u, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.dom, DOMID_SELF);	/* inputs are left as given */
	ck_assert_uint_eq(st.port, u);
	ck_assert_int_eq(status(DOMID_SELF, b, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_int_eq(status(DOMID_SELF, v, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_virq);
	ck_assert_uint_eq(st.u.virq, VIRQ_DEBUG);
	ck_assert_int_eq(status(DOMID_SELF, i, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_ipi);
	ck_assert_uint_eq(st.u.virq, 0xeeeeeeee);	/* as Xen: an IPI writes no union field, the caller's bytes stay */
	ck_assert_int_eq(status(DOMID_SELF, 63, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_closed);
	ck_assert_int_eq(status(DOMID_SELF, 64, &st), -XEN_EINVAL);	/* no second bucket yet */
	ck_assert_int_eq(status(DOMID_SELF, 4000, &st), -XEN_EINVAL);
	ck_assert_int_eq(status(DOMID_SELF, EVTCHN_2L_NR_CHANNELS + 5, &st), -XEN_EINVAL);
	ck_assert_int_eq(status(2, 0, &st), -XEN_EPERM);
	ck_assert_int_eq(status(42, 0, &st), -XEN_ESRCH);
	ck_assert_int_eq(status(DOMID_IO, 0, &st), -XEN_ESRCH);

	as(d0, 0);
	ck_assert_int_eq(status(1, b, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.dom, 1);
	ck_assert_uint_eq(st.u.interdomain.port, a);
	ck_assert_int_eq(status(2, 0, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_closed);
	(void)d2;
}
END_TEST

/* ---- hostile arguments ---- */

START_TEST(test_bad_pointers)
{
	static const uint32_t cmds[] = {
		EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,
		EVTCHNOP_bind_ipi, EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_status,
		EVTCHNOP_bind_vcpu, EVTCHNOP_unmask, EVTCHNOP_reset,
	};

	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ck_assert_int_eq(eh_op_raw(cmds[i], EH_VA_UNMAPPED), -XEN_EFAULT);
		ck_assert_int_eq(eh_op_raw(cmds[i], EH_VA_HV), -XEN_EFAULT);
		ck_assert_int_eq(eh_op_raw(cmds[i], 0x0000800000000000ULL), -XEN_EFAULT);
		/* Starts mapped, runs off the end of the mapped range. */
		ck_assert_int_eq(eh_op_raw(cmds[i], EH_VA_RO + PAGE_SIZE - 1), -XEN_EFAULT);
	}
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_closed);
	ck_assert_uint_eq(eh_kicks(d1->vcpu[0]), 0);
}
END_TEST

/* Results that cannot be written back: the op is undone, so a fault leaves nothing behind. */
START_TEST(test_readonly_result_undone)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER };
	struct evtchn_bind_ipi bp = { .vcpu = 0 };
	struct evtchn_status st;
	uint32_t a, p;

	memcpy(eh_host(EH_VA_RO), &au, sizeof(au));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_alloc_unbound, EH_VA_RO), -XEN_EFAULT);
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_closed);

	a = new_unbound();
	bi.remote_port = a;
	memcpy(eh_host(EH_VA_RO), &bi, sizeof(bi));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_bind_interdomain, EH_VA_RO), -XEN_EFAULT);
	ck_assert_int_eq(status(DOMID_SELF, a, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 1);
	ck_assert_uint_eq(status_of(a + 1), EVTCHNSTAT_closed);

	memcpy(eh_host(EH_VA_RO), &bv, sizeof(bv));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_bind_virq, EH_VA_RO), -XEN_EFAULT);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, &p), 0);	/* not left bound */
	ck_assert_uint_eq(p, a + 1);

	memcpy(eh_host(EH_VA_RO), &bp, sizeof(bp));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_bind_ipi, EH_VA_RO), -XEN_EFAULT);
	ck_assert_uint_eq(status_of(a + 2), EVTCHNSTAT_closed);

	/* status reads its input from a read-only page and fails only on the write. */
	st.dom = DOMID_SELF;
	st.port = a;
	memcpy(eh_host(EH_VA_RO), &st, sizeof(st));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_status, EH_VA_RO), -XEN_EFAULT);
	/* Ops without results work from read-only memory. */
	memcpy(eh_host(EH_VA_RO), &a, sizeof(a));
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_send, EH_VA_RO), 0);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_close, EH_VA_RO), 0);
	ck_assert_uint_eq(status_of(a), EVTCHNSTAT_closed);
}
END_TEST

START_TEST(test_unknown_and_unsupported)
{
	struct evtchn_bind_pirq bp = { .pirq = 1 };
	uint32_t p;

	ck_assert_int_eq(eh_op_raw(64, EH_BASE), -XEN_ENOSYS);
	ck_assert_int_eq(eh_op_raw(15, EH_BASE), -XEN_ENOSYS);
	ck_assert_int_eq(eh_op_raw(0xffffffffu, EH_BASE), -XEN_ENOSYS);
	/* FIFO (event_fifo.c): the harness has no guest frames, so init_control fails and the ABI stays 2-level. */
	memset(eh_host(EH_BASE), 0, 24);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_init_control, EH_BASE), -XEN_EINVAL);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_expand_array, EH_BASE), -XEN_EOPNOTSUPP);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_set_priority, EH_BASE), -XEN_ENOSYS);
	ck_assert_int_eq(eh_op(EVTCHNOP_bind_pirq, &bp, sizeof(bp)), -XEN_EPERM);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_bind_pirq, EH_VA_UNMAPPED), -XEN_EFAULT);
	/* The command is a 32-bit int: upper register bits are ignored. */
	memset(eh_host(EH_BASE), 0, 8);
	ck_assert_int_eq(do_event_channel_op(current_vcpu(), (1ULL << 32) | EVTCHNOP_bind_ipi, EH_BASE, 0, 0, 0), 0);
	memcpy(&p, eh_host(EH_BASE + 4), sizeof(p));
	ck_assert_uint_eq(p, 1);
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_ipi);
}
END_TEST

START_TEST(test_compat_hypercall)
{
	struct evtchn_op op = { .cmd = EVTCHNOP_alloc_unbound };
	struct evtchn_status st;

	op.u.alloc_unbound.dom = DOMID_SELF;
	op.u.alloc_unbound.remote_dom = 5;
	memcpy(eh_host(EH_BASE), &op, sizeof(op));
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_BASE, 0, 0, 0, 0), 0);
	memcpy(&op, eh_host(EH_BASE), sizeof(op));
	ck_assert_uint_eq(op.u.alloc_unbound.port, 1);
	ck_assert_int_eq(status(DOMID_SELF, 1, &st), 0);
	ck_assert_uint_eq(st.u.unbound.dom, 5);

	op.cmd = EVTCHNOP_close;
	op.u.close.port = 1;
	memcpy(eh_host(EH_BASE), &op, sizeof(op));
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_BASE, 0, 0, 0, 0), 0);
	ck_assert_uint_eq(status_of(1), EVTCHNSTAT_closed);
	memcpy(eh_host(EH_BASE), &op, sizeof(op));	/* status_of used the same page */
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_BASE, 0, 0, 0, 0), -XEN_EINVAL);

	op.cmd = EVTCHNOP_reset;	/* newer than the compat union */
	op.u.close.port = DOMID_SELF;
	memcpy(eh_host(EH_BASE), &op, sizeof(op));
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_BASE, 0, 0, 0, 0), -XEN_ENOSYS);
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_VA_HV, 0, 0, 0, 0), -XEN_EFAULT);
	/* The command is readable, its argument runs off the mapping. */
	op.cmd = EVTCHNOP_send;
	memcpy(eh_host(EH_VA_RO + PAGE_SIZE - 4), &op.cmd, 4);
	ck_assert_int_eq(do_event_channel_op_compat(current_vcpu(), EH_VA_RO + PAGE_SIZE - 4, 0, 0, 0, 0),
			 -XEN_EFAULT);
}
END_TEST

/* ---- capacity and memory ---- */

/* ---- teardown ---- */

START_TEST(test_destroy_with_peers)
{
	struct domain *d2 = eh_domain(2, false, 1);
	struct evtchn_status st;
	uint32_t p2, p1, q2, l1, l2, other;

	as(d2, 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &p2), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &q2), 0);
	l1 = new_unbound();
	ck_assert_int_eq(bind_inter(DOMID_SELF, l1, &l2), 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, NULL), 0);
	as(d1, 0);
	ck_assert_int_eq(bind_inter(2, p2, &p1), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 2, &other), 0);
	as(d2, 0);
	ck_assert_int_eq(bind_inter(1, other, NULL), 0);

	/* Destroy d2's table (domain still findable, as mid-teardown). */
	evtchn_domain_destroy(d2);
	ck_assert_ptr_null(d2->evtchn);
	evtchn_domain_destroy(d2);
	as(d1, 0);
	ck_assert_int_eq(status(DOMID_SELF, p1, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 2);
	ck_assert_int_eq(status(DOMID_SELF, other, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_int_eq(ev_send(p1), 0);	/* dropped, nothing touched in d2 */
	ck_assert_int_eq(bind_inter(2, q2, NULL), -XEN_ESRCH);
	evtchn_send_virq(d2->vcpu[0], VIRQ_TIMER);	/* no table: ignored */
	ck_assert_uint_eq(eh_kicks(d2->vcpu[0]), 1);	/* only the loopback bind's */
	/* d2's whole table is gone: only d1's three (table, bucket 0, VIRQ slots) remain. */
	ck_assert_int_eq(eh_live_allocs(), 3);
	as(d2, 0);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_alloc_unbound, EH_BASE), -XEN_ENOSYS);
}
END_TEST

START_TEST(test_reset)
{
	struct domain *d2 = eh_domain(2, false, 1);
	struct domain *d0 = eh_domain(0, true, 1);
	struct evtchn_status st;
	uint32_t p2, p1, a, b;

	as(d2, 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, 1, &p2), 0);
	as(d1, 0);
	ck_assert_int_eq(bind_inter(2, p2, &p1), 0);
	a = new_unbound();
	ck_assert_int_eq(bind_inter(DOMID_SELF, a, &b), 0);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, NULL), 0);
	ck_assert_int_eq(bind_ipi(0, NULL), 0);

	ck_assert_int_eq(reset(2), -XEN_EPERM);
	ck_assert_int_eq(reset(77), -XEN_ESRCH);
	ck_assert_int_eq(reset(DOMID_SELF), 0);
	for (uint32_t p = 0; p < 64; p++)
		ck_assert_uint_eq(status_of(p), EVTCHNSTAT_closed);
	as(d2, 0);
	ck_assert_int_eq(status(DOMID_SELF, p2, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 1);
	as(d1, 0);
	ck_assert_uint_eq(new_unbound(), 1);	/* port 0 is still reserved */
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, NULL), 0);

	/* A privileged caller may reset another domain only while it is paused (Xen). */
	as(d0, 0);
	ck_assert_int_eq(reset(2), -XEN_EINVAL);
	d2->state = DOM_PAUSED;
	ck_assert_int_eq(reset(2), 0);
	as(d2, 0);
	ck_assert_uint_eq(status_of(p2), EVTCHNSTAT_closed);
	ck_assert_int_eq(eh_op_raw(EVTCHNOP_reset_cont, EH_VA_UNMAPPED), -XEN_EFAULT);
	{
		struct evtchn_reset op = { .dom = DOMID_SELF };

		/* A reset runs whole: as Xen with no reset in progress, reset_cont is -EBUSY (after the same checks). */
		ck_assert_int_eq(eh_op(EVTCHNOP_reset_cont, &op, sizeof(op)), -XEN_EBUSY);
		op.dom = 77;
		ck_assert_int_eq(eh_op(EVTCHNOP_reset_cont, &op, sizeof(op)), -XEN_ESRCH);
	}
}
END_TEST

/* ---- the delivery API the rest of the hypervisor calls ---- */

START_TEST(test_set_pending_api)
{
	struct vcpu *v = d1->vcpu[0];
	unsigned int polls = eh_poll_calls();

	ck_assert(evtchn_set_pending(v, 130));
	ck_assert(eh_pending(d1, 130) && sel_bit(d1, 0, 130));
	ck_assert_uint_eq(eh_poll_calls(), polls + 1);
	ck_assert(!evtchn_set_pending(v, 130));	/* already pending */
	ck_assert_uint_eq(eh_poll_calls(), polls + 1);
	ck_assert(!evtchn_set_pending(v, 131));	/* upcall already pending */
	ck_assert(evtchn_port_pending(d1, 131));
	ck_assert(evtchn_any_pending_unmasked(v));
	eh_ack_upcalls(d1);
	ck_assert(!evtchn_any_pending_unmasked(v));
	eh_set_mask(d1, 4095, true);
	ck_assert(!evtchn_set_pending(v, 4095));
	ck_assert(eh_pending(d1, 4095) && !sel_bit(d1, 0, 4095));
	ck_assert(!evtchn_set_pending(v, 4096));
	ck_assert(!evtchn_set_pending(NULL, 1));
	ck_assert(!evtchn_port_pending(d1, 4096));
	ck_assert(!evtchn_port_pending(d1, 5));
	ck_assert(!evtchn_any_pending_unmasked(NULL));
	/* A vCPU without a vcpu_info gets the pending bit but no upcall. */
	v->vcpu_info = NULL;
	ck_assert(!evtchn_set_pending(v, 7));
	ck_assert(eh_pending(d1, 7));
	ck_assert(!evtchn_any_pending_unmasked(v));
	ck_assert_uint_eq(eh_kicks(v), 1);
}
END_TEST

static Suite *evtchn_suite(void)
{
	Suite *s = suite_create("evtchn");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_port0_reserved);
	tcase_add_test(tc, test_alloc_unbound_self);
	tcase_add_test(tc, test_alloc_unbound_foreign);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_interdomain_two_domains);
	tcase_add_test(tc, test_bind_interdomain_refusals);
	tcase_add_test(tc, test_masked_port_then_unmask);
	tcase_add_test(tc, test_upcall_raised_once);
	tcase_add_test(tc, test_send_refusals);
	tcase_add_test(tc, test_virq_rules);
	tcase_add_test(tc, test_bind_vcpu);
	tcase_add_test(tc, test_bind_ipi);
	tcase_add_test(tc, test_status_every_state);
	tcase_add_test(tc, test_bad_pointers);
	tcase_add_test(tc, test_readonly_result_undone);
	tcase_add_test(tc, test_unknown_and_unsupported);
	tcase_add_test(tc, test_compat_hypercall);
	tcase_add_test(tc, test_destroy_with_peers);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_set_pending_api);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evtchn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

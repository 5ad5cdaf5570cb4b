/* SPDX-License-Identifier: MIT */
/* Concurrency tests for the event channels: no lost upcall against a guest scanning like Linux, and interdomain churn while a peer dies. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <pvabi/errno.h>
#include <pvabi/event_channel.h>

#include "evtchn_harness.h"

#define NR_SENDERS	2
#define PORTS_PER	40	/* spans two bitmap words per sender */
#define SENDS		3000

static struct domain *dg;
static uint32_t ports[NR_SENDERS][PORTS_PER];
static volatile bool senders_done;
static unsigned long delivered;

static long op1(uint32_t cmd, uint32_t port)
{
	struct evtchn_send op = { .port = port };

	return eh_op(cmd, &op, sizeof(op));
}

static void *sender(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	unsigned int seed = id + 1;

	eh_set_current(dg->vcpu[0]);
	for (unsigned int i = 0; i < SENDS; i++) {
		uint32_t p = ports[id][rand_r(&seed) % PORTS_PER];

		ck_assert_int_eq(op1(EVTCHNOP_send, p), 0);
		/* Host threads outnumber the 2 CPUs: a preempted ticket-lock holder stalls every waiter. */
		if ((i & 15) == 0)
			sched_yield();
	}
	return NULL;
}

/* One pass of the guest's 2-level scan (Linux's order: clear upcall, xchg selector, consume pending & ~mask). */
static void guest_scan(struct domain *d)
{
	struct vcpu_info *vi = &d->shared_info->vcpu_info[0];
	uint64_t sel;

	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzll(sel);
		uint64_t bits = __atomic_load_n(&d->shared_info->evtchn_pending[w], __ATOMIC_SEQ_CST) &
				~__atomic_load_n(&d->shared_info->evtchn_mask[w], __ATOMIC_SEQ_CST);

		sel &= sel - 1;
		__atomic_fetch_and(&d->shared_info->evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
		delivered += (unsigned long)__builtin_popcountll(bits);
	}
}

/* The guest: scans on every upcall, and keeps masking a port and unmasking it through the hypercall. */
static void *guest(void *arg)
{
	struct vcpu_info *vi = &dg->shared_info->vcpu_info[0];
	unsigned int seed = 99, n = 0;

	(void)arg;
	eh_set_current(dg->vcpu[0]);
	while (!__atomic_load_n(&senders_done, __ATOMIC_SEQ_CST)) {
		uint32_t p = ports[n % NR_SENDERS][rand_r(&seed) % PORTS_PER];

		if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
			guest_scan(dg);
		if ((n++ & 7) == 0) {
			eh_set_mask(dg, p, true);
			ck_assert_int_eq(op1(EVTCHNOP_unmask, p), 0);
			sched_yield();
		}
	}
	return NULL;
}

START_TEST(test_no_lost_upcall)
{
	pthread_t s[NR_SENDERS], g;

	eh_reset();
	dg = eh_domain(1, false, 1);
	eh_set_current(dg->vcpu[0]);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		for (unsigned int j = 0; j < PORTS_PER; j++) {
			struct evtchn_bind_ipi op = { .vcpu = 0 };

			ck_assert_int_eq(eh_op(EVTCHNOP_bind_ipi, &op, sizeof(op)), 0);
			ports[i][j] = op.port;
		}
	senders_done = false;
	delivered = 0;
	ck_assert_int_eq(pthread_create(&g, NULL, guest, NULL), 0);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		ck_assert_int_eq(pthread_create(&s[i], NULL, sender, (void *)(uintptr_t)i), 0);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		pthread_join(s[i], NULL);
	__atomic_store_n(&senders_done, true, __ATOMIC_SEQ_CST);
	pthread_join(g, NULL);

	/* Every port still pending must have raised the upcall: drain by the protocol only. */
	while (dg->shared_info->vcpu_info[0].evtchn_upcall_pending)
		guest_scan(dg);
	for (unsigned int w = 0; w < EVTCHN_2L_WORDS; w++)
		ck_assert_msg(dg->shared_info->evtchn_pending[w] == 0,
			      "word %u still pending %#llx with no upcall: an event was lost", w,
			      (unsigned long long)dg->shared_info->evtchn_pending[w]);
	ck_assert_uint_gt(delivered, 0);
	ck_assert_uint_gt(eh_kicks(dg->vcpu[0]), 0);
	eh_reset();
	ck_assert_int_eq(eh_live_allocs(), 0);
}
END_TEST

/* ---- interdomain churn ---- */

#define CHURN_ITERS	1500
#define OFFER_SLOTS	16

static struct domain *da, *db;
static uint32_t offers[OFFER_SLOTS];	/* ports da offered to db (0 = empty) */
static uint32_t offers_b[OFFER_SLOTS];	/* and db to da: both lock orders get exercised */
static volatile bool a_done;

static long ev(uint32_t cmd, void *op, size_t len)
{
	return eh_op(cmd, op, len);
}

/* Binds one offered port, if any. The offerer may have closed (or closed and re-offered) it, or died. */
static void take_offer(uint32_t *slots, unsigned int slot, domid_t from)
{
	uint32_t p = __atomic_exchange_n(&slots[slot], 0, __ATOMIC_SEQ_CST);
	struct evtchn_bind_interdomain bi = { .remote_dom = from, .remote_port = p };
	long rc;

	if (!p)
		return;
	rc = ev(EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
	ck_assert(rc == 0 || rc == -XEN_EINVAL || rc == -XEN_ESRCH || rc == -XEN_ENOSPC);
}

static void *side_a(void *arg)
{
	unsigned int seed = 7;

	(void)arg;
	eh_set_current(da->vcpu[0]);
	for (unsigned int i = 0; i < CHURN_ITERS; i++) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
		struct evtchn_send snd = { .port = 1 + rand_r(&seed) % 100 };
		long rc = ev(EVTCHNOP_alloc_unbound, &au, sizeof(au));

		ck_assert(rc == 0 || rc == -XEN_ENOSPC);
		if (rc == 0)
			__atomic_store_n(&offers[i % OFFER_SLOTS], au.port, __ATOMIC_SEQ_CST);
		take_offer(offers_b, i % OFFER_SLOTS, 2);
		rc = ev(EVTCHNOP_send, &snd, sizeof(snd));
		ck_assert(rc == 0 || rc == -XEN_EINVAL);
		if (rand_r(&seed) % 3 == 0) {
			rc = ev(EVTCHNOP_close, &snd, sizeof(snd));
			ck_assert(rc == 0 || rc == -XEN_EINVAL);
		}
		if ((i & 15) == 0)
			sched_yield();
	}
	__atomic_store_n(&a_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *side_b(void *arg)
{
	unsigned int seed = 11;

	(void)arg;
	eh_set_current(db->vcpu[0]);
	/* Runs at least as long as da, then takes da's last offers (which da no longer closes). */
	for (unsigned int i = 0; i < CHURN_ITERS || !__atomic_load_n(&a_done, __ATOMIC_SEQ_CST); i++) {
		struct evtchn_send snd = { .port = 1 + rand_r(&seed) % 100 };
		long rc;

		take_offer(offers, i % OFFER_SLOTS, 1);
		if ((i & 3) == 0) {
			struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };

			rc = ev(EVTCHNOP_alloc_unbound, &au, sizeof(au));
			ck_assert(rc == 0 || rc == -XEN_ENOSPC);
			if (rc == 0)
				__atomic_store_n(&offers_b[i % OFFER_SLOTS], au.port, __ATOMIC_SEQ_CST);
		}
		rc = ev(EVTCHNOP_send, &snd, sizeof(snd));
		ck_assert(rc == 0 || rc == -XEN_EINVAL);
		if (rand_r(&seed) % 4 == 0) {
			rc = ev(EVTCHNOP_close, &snd, sizeof(snd));
			ck_assert(rc == 0 || rc == -XEN_EINVAL);
		}
		if ((i & 15) == 0)
			sched_yield();
	}
	for (unsigned int i = 0; i < OFFER_SLOTS; i++)
		take_offer(offers, i, 1);
	return NULL;
}

/* Timer interrupts: VIRQs into one domain until told to stop. The caller stops them before the domain dies. */
static volatile bool virqs_stop;

static void *virq_source(void *arg)
{
	struct domain *d = arg;

	while (!__atomic_load_n(&virqs_stop, __ATOMIC_SEQ_CST)) {
		evtchn_send_virq(d->vcpu[0], VIRQ_TIMER);
		sched_yield();	/* a timer, not a spinning CPU: leave the 2 cores to the churn */
	}
	return NULL;
}

static long status_in(struct domain *d, uint32_t port, struct evtchn_status *st)
{
	eh_set_current(d->vcpu[0]);
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return ev(EVTCHNOP_status, st, sizeof(*st));
}

/* Every interdomain end in either domain points at an end that points back. */
static unsigned int check_links(struct domain *x, struct domain *y)
{
	unsigned int links = 0;

	for (uint32_t p = 1; p < EVTCHN_2L_NR_CHANNELS; p++) {
		struct evtchn_status st, peer;

		if (status_in(x, p, &st) != 0 || st.status != EVTCHNSTAT_interdomain)
			continue;
		links++;
		ck_assert_uint_eq(st.u.interdomain.dom, y->domid);
		ck_assert_int_eq(status_in(y, st.u.interdomain.port, &peer), 0);
		ck_assert_uint_eq(peer.status, EVTCHNSTAT_interdomain);
		ck_assert_uint_eq(peer.u.interdomain.dom, x->domid);
		ck_assert_uint_eq(peer.u.interdomain.port, p);
	}
	return links;
}

START_TEST(test_interdomain_churn_and_peer_death)
{
	pthread_t a, b, va, vb;
	unsigned int links;

	eh_reset();
	da = eh_domain(1, false, 1);
	db = eh_domain(2, false, 1);
	virqs_stop = false;
	a_done = false;
	memset(offers, 0, sizeof(offers));
	memset(offers_b, 0, sizeof(offers_b));
	eh_set_current(da->vcpu[0]);
	ck_assert_int_eq(ev(EVTCHNOP_bind_virq, &(struct evtchn_bind_virq){ .virq = VIRQ_TIMER },
			    sizeof(struct evtchn_bind_virq)), 0);

	/* Both sides churn under timer VIRQs. */
	ck_assert_int_eq(pthread_create(&va, NULL, virq_source, da), 0);
	ck_assert_int_eq(pthread_create(&vb, NULL, virq_source, db), 0);
	ck_assert_int_eq(pthread_create(&a, NULL, side_a, NULL), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, side_b, NULL), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	__atomic_store_n(&virqs_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(va, NULL);
	pthread_join(vb, NULL);
	links = check_links(db, da);
	ck_assert_uint_eq(check_links(da, db), links);
	ck_assert_msg(links > 0, "the churn never connected a pair");

	/* db dies (its own vCPUs and timers stopped) while da keeps sending, closing and offering. */
	virqs_stop = false;
	ck_assert_int_eq(pthread_create(&va, NULL, virq_source, da), 0);
	ck_assert_int_eq(pthread_create(&a, NULL, side_a, NULL), 0);
	evtchn_domain_destroy(db);
	pthread_join(a, NULL);
	__atomic_store_n(&virqs_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(va, NULL);
	ck_assert_uint_eq(check_links(da, db), 0);
	eh_reset();
	ck_assert_int_eq(eh_live_allocs(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evtchn_stress");
	TCase *tc = tcase_create("smp");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_no_lost_upcall);
	tcase_add_test(tc, test_interdomain_churn_and_peer_death);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

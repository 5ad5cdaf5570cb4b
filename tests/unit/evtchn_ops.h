/* SPDX-License-Identifier: MIT */
/* Shared by the event-channel unit tests: fixture and one wrapper per EVTCHNOP over the harness (evtchn_harness.c). */
#ifndef EVTCHN_OPS_H
#define EVTCHN_OPS_H

#include <check.h>
#include <stdbool.h>
#include <string.h>

#include <pvabi/errno.h>
#include <pvabi/event_channel.h>

#include "evtchn_harness.h"

static struct domain *d1 __attribute__((unused));

static inline void setup(void)
{
	eh_reset();
	d1 = eh_domain(1, false, 1);
	eh_set_current(d1->vcpu[0]);
}

/* Every test ends with all domains destroyed: anything still allocated is a leak. */
static inline void teardown(void)
{
	eh_reset();
	ck_assert_int_eq(eh_live_allocs(), 0);
}

static inline void as(struct domain *d, unsigned int vcpu)
{
	eh_set_current(d->vcpu[vcpu]);
}

static inline long alloc_unbound(domid_t dom, domid_t remote, uint32_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = dom, .remote_dom = remote, .port = 0xdead };
	long rc = eh_op(EVTCHNOP_alloc_unbound, &op, sizeof(op));

	if (port)
		*port = op.port;
	return rc;
}

static inline uint32_t new_unbound(void)
{
	uint32_t p;

	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	return p;
}

static inline long bind_inter(domid_t rdom, uint32_t rport, uint32_t *lport)
{
	struct evtchn_bind_interdomain op = { .remote_dom = rdom, .remote_port = rport,
					      .local_port = 0xdead };
	long rc = eh_op(EVTCHNOP_bind_interdomain, &op, sizeof(op));

	if (lport)
		*lport = op.local_port;
	return rc;
}

static inline long bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu, .port = 0xdead };
	long rc = eh_op(EVTCHNOP_bind_virq, &op, sizeof(op));

	if (port)
		*port = op.port;
	return rc;
}

static inline long bind_ipi(uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu, .port = 0xdead };
	long rc = eh_op(EVTCHNOP_bind_ipi, &op, sizeof(op));

	if (port)
		*port = op.port;
	return rc;
}

static inline long port_op(uint32_t cmd, uint32_t port)
{
	struct evtchn_send op = { .port = port };	/* close, send and unmask share this layout */

	return eh_op(cmd, &op, sizeof(op));
}

static inline long ev_close(uint32_t port)
{
	return port_op(EVTCHNOP_close, port);
}

static inline long ev_send(uint32_t port)
{
	return port_op(EVTCHNOP_send, port);
}

static inline long ev_unmask(uint32_t port)
{
	return port_op(EVTCHNOP_unmask, port);
}

static inline long bind_vcpu(uint32_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };

	return eh_op(EVTCHNOP_bind_vcpu, &op, sizeof(op));
}

static inline long status(domid_t dom, uint32_t port, struct evtchn_status *st)
{
	memset(st, 0xee, sizeof(*st));
	st->dom = dom;
	st->port = port;
	return eh_op(EVTCHNOP_status, st, sizeof(*st));
}

static inline uint32_t status_of(uint32_t port)
{
	struct evtchn_status st;

	ck_assert_int_eq(status(DOMID_SELF, port, &st), 0);
	return st.status;
}

static inline long reset(domid_t dom)
{
	struct evtchn_reset op = { .dom = dom };

	return eh_op(EVTCHNOP_reset, &op, sizeof(op));
}

static inline struct vcpu_info *vi(struct domain *d, unsigned int vcpu)
{
	return &d->shared_info->vcpu_info[vcpu];
}

static inline bool sel_bit(struct domain *d, unsigned int vcpu, unsigned int port)
{
	return (vi(d, vcpu)->evtchn_pending_sel >> (port / 64)) & 1;
}

/* ---- port 0, alloc_unbound ---- */

#endif

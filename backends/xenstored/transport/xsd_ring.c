/* SPDX-License-Identifier: MIT */
/* xenstore ring transport: request/response byte rings of struct xenstore_domain_interface. */
#include "xsd_ring.h"

#include <errno.h>
#include <string.h>

int xsd_ring_attach(struct xsd_ring *r, struct xsd_store *s, uint32_t domid,
		    struct xenstore_domain_interface *intf, void (*notify)(void *ctx), void *ctx)
{
	struct xsd_domain *d;

	memset(r, 0, sizeof(*r));
	r->intf = intf;
	r->notify = notify;
	r->ctx = ctx;
	r->req_cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
	r->rsp_prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);
	r->conn = xsd_conn_new(s, domid);
	if (!r->conn)
		return ENOMEM;
	r->conn->transport = r;
	d = xsd_domain_get(s, domid, false);
	if (d)
		d->conn = r->conn;
	return 0;
}

void xsd_ring_detach(struct xsd_ring *r)
{
	if (r->conn)
		xsd_conn_free(r->conn);
	r->conn = NULL;
}

static void xsd_ring_fail(struct xsd_ring *r, uint32_t why)
{
	r->broken = true;
	r->intf->error = why;
}

/* Takes what the guest produced; returns bytes consumed or -1. */
static long xsd_ring_take(struct xsd_ring *r)
{
	uint8_t copy[XENSTORE_RING_SIZE];
	XENSTORE_RING_IDX prod = __atomic_load_n(&r->intf->req_prod, __ATOMIC_ACQUIRE);
	uint32_t avail = prod - r->req_cons, off, n;
	long total = 0;

	if (avail > XENSTORE_RING_SIZE) {
		xsd_ring_fail(r, XENSTORE_ERROR_RINGIDX);
		return -1;
	}
	while (avail && xsd_conn_want_input(r->conn)) {
		off = xs_ring_mask(r->req_cons);
		n = XENSTORE_RING_SIZE - off < avail ? XENSTORE_RING_SIZE - off : avail;
		memcpy(copy, r->intf->req + off, n);
		r->req_cons += n;
		avail -= n;
		total += n;
		/* Publish the space before parsing so a blocked writer can go on. */
		__atomic_store_n(&r->intf->req_cons, r->req_cons, __ATOMIC_RELEASE);
		if (xsd_conn_feed(r->conn, copy, n) < 0) {
			xsd_ring_fail(r, XENSTORE_ERROR_PROTO);
			return -1;
		}
	}
	return total;
}

/* Copies queued output into the response ring; returns bytes produced or -1. */
static long xsd_ring_give(struct xsd_ring *r)
{
	long total = 0;

	for (;;) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&r->intf->rsp_cons, __ATOMIC_ACQUIRE);
		uint32_t used = r->rsp_prod - cons, off, n;
		const uint8_t *p;
		size_t have;

		if (used > XENSTORE_RING_SIZE) {
			xsd_ring_fail(r, XENSTORE_ERROR_RINGIDX);
			return -1;
		}
		have = xsd_conn_out_peek(r->conn, &p);
		if (!have || used == XENSTORE_RING_SIZE)
			return total;
		off = xs_ring_mask(r->rsp_prod);
		n = XENSTORE_RING_SIZE - used;
		n = XENSTORE_RING_SIZE - off < n ? XENSTORE_RING_SIZE - off : n;
		n = have < n ? (uint32_t)have : n;
		memcpy(r->intf->rsp + off, p, n);
		r->rsp_prod += n;
		__atomic_store_n(&r->intf->rsp_prod, r->rsp_prod, __ATOMIC_RELEASE);
		xsd_conn_out_consume(r->conn, n);
		total += n;
	}
}

int xsd_ring_poll(struct xsd_ring *r)
{
	long in, out;

	if (r->broken || !r->conn)
		return -1;
	/* Draining replies may unblock input held back by the high-water mark; the
	 * round limit keeps one busy guest from starving the others. */
	for (int round = 0; round < 16; round++) {
		in = xsd_ring_take(r);
		out = in < 0 ? -1 : xsd_ring_give(r);
		if (in < 0 || out < 0)
			return -1;
		if (!in && !out)
			break;
		if (r->notify)
			r->notify(r->ctx);
	}
	return 0;
}

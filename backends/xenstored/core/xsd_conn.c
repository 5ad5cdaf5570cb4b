/* SPDX-License-Identifier: MIT */
/* xenstore connections: byte-stream framing of requests and the queue of replies and events. */
#include "xsd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Past this much unsent output the transport stops reading: the client must catch up. */
#define XSD_OUT_HIGH_WATER (512u * 1024u)

struct xsd_conn *xsd_conn_new(struct xsd_store *s, uint32_t domid)
{
	struct xsd_conn *c;

	if (domid > XSD_DOMID_MAX || !xsd_domain_get(s, domid, true))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->store = s;
	c->domid = domid;
	xsd_list_init(&c->out);
	xsd_list_init(&c->watches);
	xsd_list_init(&c->txns);
	xsd_list_add_tail(&s->conns, &c->link);
	return c;
}

static void xsd_conn_drop_txns(struct xsd_conn *c)
{
	struct xsd_domain *d = xsd_domain_get(c->store, c->domid, false);

	while (!xsd_list_empty(&c->txns)) {
		xsd_txn_free(xsd_container_of(c->txns.next, struct xsd_txn, link));
		if (d && d->txns)
			d->txns--;
	}
}

void xsd_conn_free(struct xsd_conn *c)
{
	struct xsd_domain *d = xsd_domain_get(c->store, c->domid, false);

	xsd_watch_remove_all(c);
	xsd_conn_drop_txns(c);
	while (!xsd_list_empty(&c->out)) {
		struct xsd_list *l = c->out.next;

		xsd_list_del(l);
		free(xsd_container_of(l, struct xsd_out, link));
	}
	if (d && d->conn == c)
		d->conn = NULL;
	xsd_list_del(&c->link);
	free(c->payload);
	free(c);
}

struct xsd_txn *xsd_conn_find_txn(struct xsd_conn *c, uint32_t id)
{
	struct xsd_list *l;

	for (l = c->txns.next; l != &c->txns; l = l->next) {
		struct xsd_txn *t = xsd_container_of(l, struct xsd_txn, link);

		if (t->id == id)
			return t;
	}
	return NULL;
}

int xsd_conn_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		   const void *payload, uint32_t len, bool is_event)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = len };
	struct xsd_out *o;

	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	o = malloc(sizeof(*o) + sizeof(h) + len);
	if (!o)
		return ENOMEM;
	o->len = (uint32_t)sizeof(h) + len;
	o->off = 0;
	o->is_event = is_event;
	memcpy(o->data, &h, sizeof(h));
	if (len)
		memcpy(o->data + sizeof(h), payload, len);
	xsd_list_add_tail(&c->out, &o->link);
	c->out_bytes += o->len;
	if (is_event)
		c->out_events++;
	else
		c->out_replies++;
	if (c->store->plat.output)
		c->store->plat.output(c->store->plat.ctx, c);
	return 0;
}

size_t xsd_conn_out_peek(struct xsd_conn *c, const uint8_t **p)
{
	struct xsd_out *o;

	if (xsd_list_empty(&c->out))
		return 0;
	o = xsd_container_of(c->out.next, struct xsd_out, link);
	*p = o->data + o->off;
	return o->len - o->off;
}

void xsd_conn_out_consume(struct xsd_conn *c, size_t n)
{
	while (n && !xsd_list_empty(&c->out)) {
		struct xsd_out *o = xsd_container_of(c->out.next, struct xsd_out, link);
		size_t take = o->len - o->off < n ? o->len - o->off : n;

		o->off += (uint32_t)take;
		c->out_bytes -= take;
		n -= take;
		if (o->off < o->len)
			break;
		if (o->is_event)
			c->out_events--;
		else
			c->out_replies--;
		xsd_list_del(&o->link);
		free(o);
	}
}

bool xsd_conn_want_input(const struct xsd_conn *c)
{
	return !c->broken && c->out_bytes < XSD_OUT_HIGH_WATER;
}

/*
 * A header with an impossible length cannot be resynchronised (we would not
 * know where the next message starts), so it breaks the connection; every
 * other malformation is answered with an error reply.
 */
static int xsd_conn_take_header(struct xsd_conn *c)
{
	struct xsd_sockmsg h;

	memcpy(&h, c->hdr_buf, sizeof(h));
	if (h.len > XENSTORE_PAYLOAD_MAX) {
		xsd_log(c->store, "dom%u: message length %u too large, closing", c->domid, h.len);
		c->broken = true;
		return -1;
	}
	c->payload = malloc(h.len + 1);
	if (!c->payload) {
		c->broken = true;
		return -1;
	}
	c->pay_got = 0;
	return 0;
}

long xsd_conn_feed(struct xsd_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t used = 0;

	while (used < len && !c->broken) {
		struct xsd_sockmsg h;

		if (c->hdr_got < sizeof(h)) {
			size_t n = sizeof(h) - c->hdr_got;

			n = n < len - used ? n : len - used;
			memcpy(c->hdr_buf + c->hdr_got, p + used, n);
			c->hdr_got += (uint32_t)n;
			used += n;
			if (c->hdr_got < sizeof(h) || xsd_conn_take_header(c) < 0)
				continue;
		}
		memcpy(&h, c->hdr_buf, sizeof(h));
		if (c->pay_got < h.len) {
			size_t n = h.len - c->pay_got;

			n = n < len - used ? n : len - used;
			memcpy(c->payload + c->pay_got, p + used, n);
			c->pay_got += (uint32_t)n;
			used += n;
		}
		if (c->pay_got == h.len) {
			uint8_t *pl = c->payload;

			pl[h.len] = '\0';  /* guard byte; never counted as payload */
			c->payload = NULL;
			c->hdr_got = 0;
			c->pay_got = 0;
			xsd_process(c, &h, pl);
			free(pl);
		}
	}
	return c->broken ? -1 : (long)used;
}

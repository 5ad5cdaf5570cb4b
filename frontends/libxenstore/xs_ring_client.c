/* SPDX-License-Identifier: MIT */
/* Guest transport for the xenstore client: the request/response rings of the store page. Freestanding. */
#include "xs_client.h"

/*
 * The daemon is trusted less than usual here too: indices are read once and
 * checked, so a broken daemon cannot make us read outside the ring.
 */

struct xs_ring_client {
	struct xenstore_domain_interface *intf;
	struct xs_ring_ops ops;
};

static uint32_t xs_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static int xs_ring_send(void *ctx, const void *buf, size_t len)
{
	struct xs_ring_client *c = ctx;
	const uint8_t *p = buf;

	while (len) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&c->intf->req_cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX prod = c->intf->req_prod;
		uint32_t used = prod - cons, off = xs_ring_mask(prod), n;

		if (used > XENSTORE_RING_SIZE)
			return -1;
		if (used == XENSTORE_RING_SIZE) {
			c->ops.notify(c->ops.ctx);
			if (c->ops.wait(c->ops.ctx, -1) < 0)
				return -1;
			continue;
		}
		n = xs_min(XENSTORE_RING_SIZE - used, XENSTORE_RING_SIZE - off);
		n = xs_min(n, (uint32_t)(len < 0xffffffffu ? len : 0xffffffffu));
		for (uint32_t i = 0; i < n; i++)
			c->intf->req[off + i] = (char)p[i];
		__atomic_store_n(&c->intf->req_prod, prod + n, __ATOMIC_RELEASE);
		p += n;
		len -= n;
	}
	c->ops.notify(c->ops.ctx);
	return 0;
}

static long xs_ring_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct xs_ring_client *c = ctx;
	uint8_t *p = buf;

	for (;;) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&c->intf->rsp_prod, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX cons = c->intf->rsp_cons;
		uint32_t avail = prod - cons, off = xs_ring_mask(cons), n;

		if (avail > XENSTORE_RING_SIZE)
			return -1;
		if (avail == 0) {
			int w = c->ops.wait(c->ops.ctx, timeout_ms);

			if (w <= 0)
				return w;
			continue;
		}
		n = xs_min(avail, XENSTORE_RING_SIZE - off);
		n = xs_min(n, (uint32_t)(len < 0xffffffffu ? len : 0xffffffffu));
		for (uint32_t i = 0; i < n; i++)
			p[i] = (uint8_t)c->intf->rsp[off + i];
		__atomic_store_n(&c->intf->rsp_cons, cons + n, __ATOMIC_RELEASE);
		c->ops.notify(c->ops.ctx);
		return (long)n;
	}
}

static void xs_ring_close(void *ctx)
{
	struct xs_ring_client *c = ctx;

	c->ops.free(c);
}

struct xs_handle *xs_open_ring(struct xenstore_domain_interface *intf,
			       const struct xs_ring_ops *ops)
{
	struct xs_ring_client *c = ops->alloc(sizeof(*c));
	struct xs_transport t = { .send = xs_ring_send, .recv = xs_ring_recv,
				  .close = xs_ring_close, .alloc = ops->alloc, .free = ops->free };
	struct xs_handle *h;

	if (!c)
		return (void *)0;
	c->intf = intf;
	c->ops = *ops;
	t.ctx = c;
	h = xs_open_transport(&t);
	if (!h)
		ops->free(c);
	return h;
}

/* SPDX-License-Identifier: MIT */
/* blkback's xenbus handshake: backend nodes, frontend nodes read and checked, states moved as xen-blkfront expects. */
#include <stdio.h>
#include <string.h>
#include "blkback.h"
#include "blkback_xenbus.h"

#define VDISK_READONLY_FLAG	0x4	/* blkif.h's VDISK_READONLY, for the "info" node */

/* A decimal node value of at most max, nothing else in it; -1 if missing or malformed. */
static int read_uint(struct blkback_vbd *v, const char *dir, const char *node, uint64_t max, uint64_t *out)
{
	char path[128], buf[32];
	uint64_t n = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, node) >= (int)sizeof(path) ||
	    v->ops->read(v->ctx, path, buf, sizeof(buf)) || !buf[0])
		return -1;
	for (const char *p = buf; *p; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		/* n * 10 + d <= max, decided without computing anything that could wrap. */
		if (*p < '0' || *p > '9' || d > max || n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static int write_node(struct blkback_vbd *v, const char *node, const char *fmt, uint64_t val)
{
	char path[128], buf[32];

	if (snprintf(path, sizeof(path), "%s/%s", v->be_path, node) >= (int)sizeof(path))
		return -1;
	snprintf(buf, sizeof(buf), fmt, (unsigned long long)val);
	return v->ops->write(v->ctx, path, buf);
}

static void set_state(struct blkback_vbd *v, enum xenbus_state s)
{
	if (write_node(v, "state", "%llu", (uint64_t)s) == 0)
		v->state = s;
}

int blkback_xb_start(struct blkback_vbd *v, uint16_t frontend, uint32_t devid, uint64_t sectors, unsigned int flags,
		     unsigned int max_queues, const struct blkback_xs_ops *ops, void *ctx)
{
	bool read_only = flags & BLKBACK_XB_READ_ONLY, fua = flags & BLKBACK_XB_FUA;
	char mode[2] = { read_only ? 'r' : 'w', 0 };
	char path[128];

	*v = (struct blkback_vbd){ .frontend = frontend, .devid = devid, .sectors = sectors, .read_only = read_only,
				   .state = XenbusStateUnknown, .ops = ops, .ctx = ctx,
				   .max_queues = max_queues < 1 ? 1 : max_queues > BLKBACK_MAX_QUEUES ? BLKBACK_MAX_QUEUES
												  : max_queues };
	snprintf(v->be_path, sizeof(v->be_path), "backend/vbd/%u/%u", frontend, devid);
	snprintf(v->fe_path, sizeof(v->fe_path), "/local/domain/%u/device/vbd/%u", frontend, devid);
	snprintf(path, sizeof(path), "%s/mode", v->be_path);
	if (write_node(v, "sectors", "%llu", sectors) || write_node(v, "sector-size", "%llu", 512) ||
	    write_node(v, "info", "%llu", read_only ? VDISK_READONLY_FLAG : 0) ||
	    write_node(v, "feature-flush-cache", "%llu", read_only || fua ? 0 : 1) ||
	    write_node(v, "feature-barrier", "%llu", read_only ? 0 : 1) ||
	    write_node(v, "feature-max-indirect-segments", "%llu", BLKBACK_MAX_SEGS) ||
	    write_node(v, "feature-persistent", "%llu", (flags & BLKBACK_XB_NO_PERSIST) ? 0 : 1) ||
	    write_node(v, "max-ring-page-order", "%llu", BLKBACK_MAX_RING_ORDER) ||
	    write_node(v, "multi-queue-max-queues", "%llu", v->max_queues) ||
	    ops->write(ctx, path, mode))
		return -1;
	/* blkfront reads the granularity, alignment and secure nodes only where feature-discard is 1. */
	if (!read_only && (flags & BLKBACK_XB_DISCARD) &&
	    (write_node(v, "discard-granularity", "%llu", BLKBACK_DISCARD_SECTORS * 512) ||
	     write_node(v, "discard-alignment", "%llu", 0) || write_node(v, "discard-secure", "%llu", 0) ||
	     write_node(v, "feature-discard", "%llu", 1)))
		return -1;
	set_state(v, XenbusStateInitWait);
	return v->state == XenbusStateInitWait ? 0 : -1;
}

/* Refuses the frontend's nodes: why is kept for the log. -1. */
static int refuse(struct blkback_vbd *v, const char *why)
{
	v->refused = why;
	return -1;
}

/* One queue's ring refs and event channel, in dir (the frontend's directory, or its queue-N/ below it). */
static int read_queue(struct blkback_vbd *v, const char *dir, bool multi_ref, struct blkback_xb_queue *q)
{
	unsigned int pages = 1u << v->ring_order;
	uint64_t val;

	for (unsigned int i = 0; i < pages; i++) {
		char name[16] = "ring-ref";

		if (multi_ref)
			snprintf(name, sizeof(name), "ring-ref%u", i);
		/* Order 0 named with ring-page-order: ring-ref0, or ring-ref as without it. */
		if (read_uint(v, dir, name, UINT32_MAX, &val) &&
		    (!multi_ref || pages > 1 || read_uint(v, dir, "ring-ref", UINT32_MAX, &val)))
			return refuse(v, "a ring-ref node is missing or not a 32-bit decimal");
		q->ring_ref[i] = (uint32_t)val;
	}
	if (read_uint(v, dir, "event-channel", UINT32_MAX, &val))
		return refuse(v, "an event-channel node is missing or not a 32-bit decimal");
	q->evtchn = (uint32_t)val;
	return 0;
}

/*
 * No grant ref named twice (two slots of one ring, or two queues, on one
 * ref would serve each other's requests as their own) and no event channel
 * given to two queues. Two different refs of one frame are accepted on
 * purpose: the ring then shows the frontend's own page twice, so our
 * responses may overwrite its own requests, and a queue sharing another's
 * header shares its indices. Every slot is copied privately and checked
 * before use and a lying index gives up that queue alone, so only that
 * frontend's requests are garbled (blk.rings connects such a ring, uses
 * it and closes it). Refusing it would need each page's frame after the
 * mapping, which a host mapping does not return; Linux's blkback does not
 * look either.
 */
static int check_distinct(struct blkback_vbd *v)
{
	unsigned int pages = 1u << v->ring_order;

	for (unsigned int a = 0; a < v->nr_queues * pages; a++) {
		for (unsigned int b = 0; b < a; b++)
			if (v->q[a / pages].ring_ref[a % pages] == v->q[b / pages].ring_ref[b % pages])
				return refuse(v, "a ring ref is given twice");
	}
	for (unsigned int a = 0; a < v->nr_queues; a++)
		for (unsigned int b = 0; b < a; b++)
			if (v->q[a].evtchn == v->q[b].evtchn)
				return refuse(v, "an event channel is given to two queues");
	return 0;
}

/*
 * The frontend's rings (as Linux's blkfront writes them, see
 * blkback_xb_frontend_changed) in the native 64-bit layout, and whether it
 * keeps its grants.
 */
static int read_ring(struct blkback_vbd *v)
{
	char path[128], proto[32];
	uint64_t fp, val;
	bool multi_ref;

	v->refused = NULL;
	v->nr_queues = 1;
	v->ring_order = 0;
	snprintf(path, sizeof(path), "%s/multi-queue-num-queues", v->fe_path);
	if (v->ops->read(v->ctx, path, proto, sizeof(proto)) == 0) {
		if (read_uint(v, v->fe_path, "multi-queue-num-queues", UINT32_MAX, &val) || val < 1 || val > v->max_queues)
			return refuse(v, "multi-queue-num-queues must be from 1 to multi-queue-max-queues");
		v->nr_queues = (unsigned int)val;
	}
	snprintf(path, sizeof(path), "%s/ring-page-order", v->fe_path);
	multi_ref = v->ops->read(v->ctx, path, proto, sizeof(proto)) == 0;
	if (multi_ref) {
		if (read_uint(v, v->fe_path, "ring-page-order", UINT32_MAX, &val) || val > BLKBACK_MAX_RING_ORDER)
			return refuse(v, "ring-page-order must be from 0 to max-ring-page-order");
		v->ring_order = (unsigned int)val;
	}
	for (unsigned int i = 0; i < v->nr_queues; i++) {
		char dir[96];

		if (v->nr_queues == 1)
			snprintf(dir, sizeof(dir), "%s", v->fe_path);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe_path, i);
		if (read_queue(v, dir, multi_ref, &v->q[i]))
			return -1;
	}
	if (check_distinct(v))
		return -1;
	snprintf(path, sizeof(path), "%s/protocol", v->fe_path);
	/* No node means the native protocol; the 32-bit layouts are not served. */
	if (v->ops->read(v->ctx, path, proto, sizeof(proto)) == 0 && strcmp(proto, "x86_64-abi") != 0)
		return refuse(v, "only the x86_64-abi protocol is served");
	/* Both ends offer it: blkfront then keeps granting the same pages, and we keep them mapped. Missing or odd: no. */
	v->persistent = read_uint(v, v->fe_path, "feature-persistent", 1, &fp) == 0 && fp == 1;
	return 0;
}

static void disconnect(struct blkback_vbd *v)
{
	if (v->connected)
		v->ops->disconnect(v->ctx);
	v->connected = false;
}

enum xenbus_state blkback_xb_frontend_changed(struct blkback_vbd *v)
{
	uint64_t fe;

	if (read_uint(v, v->fe_path, "state", XENBUS_STATE_MAX, &fe))
		fe = XenbusStateUnknown;
	switch (fe) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (v->connected || v->state != XenbusStateInitWait)
			break;
		if (read_ring(v) || (v->ops->connect(v->ctx, v) && refuse(v, "its rings cannot be mapped or bound"))) {
			set_state(v, XenbusStateClosing);
			break;
		}
		v->connected = true;
		set_state(v, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		disconnect(v);
		set_state(v, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		disconnect(v);
		set_state(v, XenbusStateClosed);
		break;
	case XenbusStateInitialising:
		/* A frontend that starts over (a rebooted guest) finds us waiting again, as Linux's blkback does. */
		if (v->state == XenbusStateClosed)
			set_state(v, XenbusStateInitWait);
		break;
	default:
		break;		/* InitWait, Unknown, reconfiguration: nothing for us to do */
	}
	return v->state;
}

void blkback_xb_close(struct blkback_vbd *v)
{
	if (v->state != XenbusStateClosed)
		set_state(v, XenbusStateClosing);
}

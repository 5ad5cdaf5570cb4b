/* SPDX-License-Identifier: MIT */
/* blkback's xenbus side: the backend nodes a current xen-blkfront reads, and the state handshake with it. */
#ifndef BLKBACK_XENBUS_H
#define BLKBACK_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/xenbus.h>

/*
 * Multi-page rings (max-ring-page-order): a ring of up to 2^4 pages, as
 * Linux's blkback offers; the frontend names each page's grant
 * (ring-ref0 .. ring-refN-1 with ring-page-order N's log, or ring-ref
 * alone for one page) and the backend maps them as one contiguous area.
 */
#define BLKBACK_MAX_RING_ORDER	4
#define BLKBACK_MAX_RING_PAGES	(1u << BLKBACK_MAX_RING_ORDER)
/*
 * Queues a frontend may ask for (multi-queue-num-queues), each a ring with
 * its own event channel, served in turn. Linux's blkfront asks for one per
 * vCPU up to what is offered, as netback's NB_MAX_QUEUES. Not dom0's vCPU
 * count, as Linux's blkback offers (its xenblk_max_queues defaults to its
 * online CPUs): dom0 serves every queue from its one vCPU, so that rule
 * would give every guest one queue. What queues buy is the frontend's: its
 * vCPUs submit on rings of their own (no ring lock shared between them)
 * and a 4-vCPU guest gets four rings of slots. dom0's cost is one mapped
 * ring per queue and a turn in the round, and one per-disk budget per
 * round (blk.c) keeps four queues from taking more of dom0 than one.
 */
#define BLKBACK_MAX_QUEUES	4

/* One queue's ring as the frontend named it: 2^ring_order grant refs (all different) and an event channel. */
struct blkback_xb_queue {
	uint32_t ring_ref[BLKBACK_MAX_RING_PAGES];
	uint32_t evtchn;
};

struct blkback_vbd;

/*
 * The store and the connection, as dom0 provides them (or a host test).
 * read: the node's value NUL-terminated in buf, 0; -1 if missing or too
 * long. connect: map every queue's ring (v->nr_queues of them, each
 * 2^v->ring_order grants in v->q) and bind their event channels; 0, or -1
 * with nothing left held. disconnect: undo connect (only called after it).
 */
struct blkback_xs_ops {
	int (*read)(void *ctx, const char *path, char *buf, size_t len);
	int (*write)(void *ctx, const char *path, const char *val);
	int (*connect)(void *ctx, const struct blkback_vbd *v);
	void (*disconnect)(void *ctx);
};

/* One virtual block device: backend/vbd/<frontend>/<devid> for /local/domain/<frontend>/device/vbd/<devid>. */
struct blkback_vbd {
	uint16_t frontend;
	uint32_t devid;
	uint64_t sectors;
	bool read_only;
	bool connected;
	enum xenbus_state state;	/* ours, as last written */
	/* The frontend's rings, valid while connected: nr_queues queues of 2^ring_order pages. */
	unsigned int max_queues;	/* offered */
	unsigned int nr_queues, ring_order;
	struct blkback_xb_queue q[BLKBACK_MAX_QUEUES];
	const char *refused;		/* why the frontend's nodes were last refused (NULL: not), for the log */
	bool persistent;		/* the frontend also offered feature-persistent (valid while connected) */
	char be_path[64], fe_path[64];
	const struct blkback_xs_ops *ops;
	void *ctx;
};

#define BLKBACK_XB_READ_ONLY	1u	/* refuses writes, flushes and barriers */
#define BLKBACK_XB_FUA		2u	/* offers barriers only: blkfront then sends FUA writes as barriers */
#define BLKBACK_XB_DISCARD	4u	/* offers discard of BLKBACK_DISCARD_SECTORS granules (not secure) */
#define BLKBACK_XB_NO_PERSIST	8u	/* feature-persistent 0: the backend will not keep grants */

/*
 * Writes the backend's nodes (sectors, sector-size, info, mode, the
 * features) and state InitWait. A writable disk offers
 * feature-flush-cache and feature-barrier, as Xen's blkback does (a
 * current blkfront then flushes and has the block layer emulate FUA);
 * with BLKBACK_XB_FUA only feature-barrier, which a current blkfront
 * takes as flush and FUA both, sent as BLKIF_OP_WRITE_BARRIER. A
 * read-only disk offers neither. Every disk offers indirect requests of
 * up to BLKBACK_MAX_SEGS segments (feature-max-indirect-segments) and
 * persistent grants (feature-persistent: used when the frontend offers it too),
 * rings of up to 2^BLKBACK_MAX_RING_ORDER pages (max-ring-page-order) and
 * up to max_queues queues (multi-queue-max-queues; 1 to BLKBACK_MAX_QUEUES,
 * more is taken as the most, 0 as 1); a
 * writable one with BLKBACK_XB_DISCARD feature-discard (with
 * discard-granularity, discard-alignment 0, discard-secure 0). The toolstack has written the
 * frontend/backend links and the frontend's own directory. 0 or -1.
 */
int blkback_xb_start(struct blkback_vbd *v, uint16_t frontend, uint32_t devid, uint64_t sectors, unsigned int flags,
		     unsigned int max_queues, const struct blkback_xs_ops *ops, void *ctx);

/*
 * The frontend's state node changed (a watch fired): reads it and moves
 * ours. Initialised or Connected: its rings and protocol are read and
 * checked (multi-queue-num-queues absent or 1 to the offer, one queue's
 * nodes in the frontend's directory and more under queue-N/;
 * ring-page-order absent, with ring-ref, or up to the offer, with
 * ring-ref0 .. ring-refN-1 (or ring-ref for order 0); every ring ref and
 * every event channel different; the 64-bit protocol), connect is
 * called, our state becomes Connected; a bad node closes our end instead
 * (v->refused says why).
 * Closing: disconnect, Closing. Closed: disconnect, Closed; a frontend
 * that is Initialising again then finds us in InitWait (a reboot).
 * Returns our state.
 */
enum xenbus_state blkback_xb_frontend_changed(struct blkback_vbd *v);
/*
 * The toolstack takes the disk away (xl block-detach): our state goes to
 * Closing; the frontend answers with Closed, which frontend_changed then
 * follows (ring let go, our state Closed).
 */
void blkback_xb_close(struct blkback_vbd *v);

#endif

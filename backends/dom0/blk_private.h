/* SPDX-License-Identifier: MIT */
/* dom0's block backend's disk and queue state, shared by blk.c and blk_pool.c (the run-time slots) only. */
#ifndef DOM0_BLK_PRIVATE_H
#define DOM0_BLK_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include "rt_grant.h"
#include "blkback.h"
#include "blkback_pgnt.h"
#include "blkback_xenbus.h"
#include "dom0.h"
#include "virtio_blk.h"

#define BLK_DETACH_NS	(10ULL * 1000000000ULL)
#define BLK_MAX_DISKS	24	/* blk= items and the run-time pool together */

struct blk_disk;

/*
 * One queue of a connection: its ring (2^ring_order pages, one area), channel and ring state (in the connection's
 * vmem area: about 50 KiB each). Queues share the disk and data pages: each serve call ends with nothing on the disk.
 */
struct blk_queue {
	struct blk_disk *d;
	struct blkback *back;
	struct rt_grant_area ring;
	evtchn_port_t port;
	bool bound;
	bool kicked;
	uint64_t served;		/* requests answered on this queue */
};

struct blk_disk {
	bool up;
	bool pool;			/* a run-time slot: bound to a domain by xl create, not by the command line */
	char want[32];			/* the domain to serve; a pool slot's is empty while it is free */
	uint32_t devid;
	bool fua;
	bool unkicked;			/* requests queued that the device has not been told of */
	struct vblk vb;
	struct vblk_req reqs[BLKBACK_MAX_INFLIGHT];	/* reqs[i] carries back.io[i] */
	struct dom0_domain *dd;		/* the frontend's domain, once seen */
	struct blkback_vbd vbd;
	struct blk_queue q[BLKBACK_MAX_QUEUES];
	unsigned int nq;		/* queues of this connection */
	unsigned int next_q;		/* the queue served first at the next poll: the turn goes round */
	struct blkback *backs;		/* nq ring states, one vmem area */
	bool detaching;			/* xl block-detach: our state is Closing, the frontend's Closed is awaited */
	uint64_t detach_by_ns;		/* then it goes regardless, as libxl's removal times out */
	bool persist;			/* this connection keeps the frontend's grants mapped (pg) */
	uint64_t served, copies, maps;
	uint64_t pg_hits;		/* segments served from a kept mapping */
	uint64_t pg_evicted;		/* kept mappings let go when the bound turned refs away */
	uint64_t pg_stuck;		/* kept mappings given up unreleased (unmap failed at disconnect, too often, or with no mapping) */
	/* Where a connection's time went (dom0's clock): moving data by grant, waiting for the disk to end one. */
	uint64_t copy_ns, wait_ns;
	/* reqs[i]'s grants mapped for the device while it is on the disk: handles and machine addresses. */
	grant_handle_t handle[BLKBACK_MAX_INFLIGHT][BLKBACK_MAX_SEGS];
	uint64_t frame[BLKBACK_MAX_INFLIGHT][BLKBACK_MAX_SEGS];
	struct blkback_pgnts pg;	/* the kept mappings, with persist */
};

extern struct blk_disk blk_disks[BLK_MAX_DISKS];
extern unsigned int blk_pool_first, blk_pool_nr;	/* the pool's slots: blk_disks[first ... first + nr - 1] */

/* Ends d's connection (if any) and forgets its domain. */
void blk_let_go(struct blk_disk *d);

#endif

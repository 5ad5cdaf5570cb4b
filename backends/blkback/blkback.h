/* SPDX-License-Identifier: MIT */
/* blkback's ring core: serves one blkif ring (Linux's xen-blkfront) against a disk, treating the frontend as hostile. */
#ifndef BLKBACK_H
#define BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/ring.h>

#define BLKBACK_MAX_INFLIGHT	16	/* requests of one ring on the disk at once */
/*
 * Requests one serve call takes at most: a one-page ring's worth. A
 * multi-page ring holds up to 512, and one call per queue in turn keeps
 * the queues and disks served by one dom0 fair whatever their size.
 */
#define BLKBACK_SERVE_BUDGET	32
/*
 * Segments of an indirect request (feature-max-indirect-segments): 128,
 * 512 KiB per request. The disk takes a request as one virtio request of
 * seg_max data segments at most, which QEMU sets to its queue size less 2
 * (254 for 256): 256 (1 MiB) would not fit, 128 does, and a 1 MiB write
 * is then two requests instead of eight. It also fits the first indirect
 * page (512 entries) and one 1 KiB block of io->seg below.
 */
#define BLKBACK_MAX_SEGS	128

/*
 * One request between its check and its response: the private copy taken
 * from the ring, then its meaning in one form for direct and indirect
 * requests (op is what is done: READ, WRITE, FLUSH_DISKCACHE or
 * WRITE_BARRIER; the segments are the ring slot's or those copied once
 * from the indirect page), and where its data lives: segment i in pages[i]
 * at the same offset as in the frontend's page (first_sect * 512), so a
 * request is a scatter list of whole sectors the disk moves directly. The
 * pages are the caller's (DMA memory in dom0), given at blkback_attach.
 */
/* The discard-granularity offered (in sectors): a page, what a host file's holes are made of. */
#define BLKBACK_DISCARD_SECTORS	8

_Static_assert(BLKBACK_MAX_SEGS * 8 == 1024, "io->seg's alignment is its size");

struct blkback_io {
	union {
		struct blkif_request req;
		struct blkif_request_indirect ind;
		struct blkif_request_discard discard;
	} slot;
	uint8_t op;
	uint16_t nr_segs;
	uint64_t id, sector;
	uint32_t sectors;
	uint64_t discard_sectors;	/* a discard's length (sectors is a read's or write's) */
	bool busy;			/* on the disk, not yet answered */
	int result;			/* the disk's answer: 0 or -1 */
	/* 1 KiB on a 1 KiB boundary: inside one page, so one grant copy fills it. */
	struct blkif_request_segment seg[BLKBACK_MAX_SEGS] __attribute__((aligned(1024)));
	void *pages[BLKBACK_MAX_SEGS];
};

/* One segment's copy: len bytes between the frontend's granted page gref (at offset) and buf, inside one page. */
struct blkback_copy {
	uint32_t gref;
	uint32_t offset;
	void *buf;
	uint32_t len;
};

/*
 * What the core needs from dom0 (or from a host test). grant_copy does n
 * segment copies (a request's, at most BLKBACK_MAX_SEGS),
 * towards the frontend when to_frontend, failing if any fails:
 * GNTTABOP_copy in dom0, one hypercall for them all, so the frontend's
 * pages are never mapped and a revoked grant is an error, not a fault. disk_start puts one checked read or write on the
 * disk (io->sector, io->sectors, the segments io->seg in io->pages):
 * 0 started, 1 the disk has no room now (the core retries after a
 * completion), -1 failed. disk_wait returns a started request that has
 * ended, io->result set, in whatever order the disk finishes them; the
 * core calls it only with requests started. disk_flush makes every ended
 * write durable; the core calls it with nothing on the disk. disk_discard
 * (NULL if the disk has none) tells the disk nr sectors from sector on
 * hold nothing worth keeping, with nothing else on the disk; 0 or -1.
 * With disk_maps_grants the disk reaches the frontend's granted pages
 * itself (dom0: GNTTABOP_map_grant_ref with GNTMAP_device_map in
 * disk_start, read-only for a write, undone before disk_wait returns the
 * request): the core then copies no data and io->pages are not used.
 */
struct blkback_ops {
	int (*grant_copy)(void *ctx, const struct blkback_copy *c, unsigned int n, bool to_frontend);
	int (*disk_start)(void *ctx, struct blkback_io *io, bool write);
	struct blkback_io *(*disk_wait)(void *ctx);
	int (*disk_flush)(void *ctx);
	int (*disk_discard)(void *ctx, uint64_t sector, uint64_t nr);
	bool disk_maps_grants;
};

struct blkback_stats {
	uint64_t ok, error, unsupported;
	uint64_t barriers, flushes;	/* BLKIF_OP_WRITE_BARRIER and BLKIF_OP_FLUSH_DISKCACHE served */
	uint64_t discards;		/* BLKIF_OP_DISCARD passed to the disk */
	uint64_t indirect;		/* BLKIF_OP_INDIRECT requests served */
	uint64_t max_segs;		/* the most segments a well-formed request had */
	uint64_t batches, max_inflight;	/* serve calls that started I/O; the most requests on the disk at once */
};

/* Adds one ring's counters to a total (several queues of one disk): sums, and the larger of each maximum. */
void blkback_stats_add(struct blkback_stats *total, const struct blkback_stats *s);

struct blkback {
	struct pvabi_ring ring;
	unsigned int serve_cap;		/* the caller's share for the next call (several queues of one disk); 0: none */
	const struct blkback_ops *ops;
	void *ctx;
	uint64_t capacity;		/* in 512-byte sectors */
	bool read_only;
	uint32_t discard_granularity;	/* in sectors; 0: discard not offered (blkback_offer_discard) */
	bool broken;			/* the frontend's req_prod lied: the ring is no longer served */
	unsigned int inflight;
	struct blkback_stats stats;
	struct blkback_io io[BLKBACK_MAX_INFLIGHT];
};

/*
 * Attaches the mapped shared ring (ring_bytes long, as the frontend
 * initialised it). pages: BLKBACK_MAX_INFLIGHT * BLKBACK_MAX_SEGS pages
 * for the requests' data, kept across attaches (NULL with
 * ops->disk_maps_grants). false if no slot fits.
 */
bool blkback_attach(struct blkback *b, void *ring, size_t ring_bytes, uint64_t capacity, bool read_only,
		    const struct blkback_ops *ops, void *ctx, void *const *pages);

/*
 * Serves BLKIF_OP_DISCARD from now on (feature-discard): a discard must
 * start and end on a multiple of granularity sectors (a power of two, the
 * discard-granularity offered) inside the disk; a secure discard is not
 * offered (EOPNOTSUPP). Without it, or on a read-only disk, discard is
 * answered EOPNOTSUPP / an error. blkback_attach withdraws it.
 */
void blkback_offer_discard(struct blkback *b, uint32_t granularity);

/*
 * Serves every request the frontend has published: each is copied out of
 * the ring once and checked; reads and writes go to the disk together (up
 * to BLKBACK_MAX_INFLIGHT at once) and are answered as they end, in any
 * order; a flush or barrier first waits for everything before it, and
 * nothing after it starts until it is answered. A bad request is answered
 * BLKIF_RSP_ERROR, an operation we do not offer BLKIF_RSP_EOPNOTSUPP; the
 * ring keeps serving. Everything started is answered before the call
 * returns. Returns the number answered, or -1 once the frontend's
 * producer index claims more requests than the ring can hold (b->broken:
 * nothing more is read from this ring; what was started is still
 * answered). At most blkback_budget(b) requests are served per call: a
 * return of that many means "call again". *notify: the frontend asked for
 * an event.
 */
int blkback_serve(struct blkback *b, bool *notify);

static inline unsigned int blkback_budget(const struct blkback *b)
{
	unsigned int n = b->serve_cap && b->serve_cap < BLKBACK_SERVE_BUDGET ? b->serve_cap : BLKBACK_SERVE_BUDGET;

	return b->ring.nr_ents < n ? b->ring.nr_ents : n;
}

/*
 * The answer a request gets before any data moves: BLKIF_RSP_OKAY if it is
 * well-formed for this disk (operation offered, segment count and sector
 * ranges inside the request and the disk, no write, flush or barrier on a
 * read-only disk). Fills io's op, id, sector, segments and sectors from
 * io->slot; an indirect request's segments are copied from its indirect
 * page first (once: only the copy is checked and used).
 */
int blkback_check(struct blkback *b, struct blkback_io *io);

#endif

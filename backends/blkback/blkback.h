/* blkback's ring core: serves one blkif ring (Linux's xen-blkfront) against a disk, treating the frontend as hostile. */
#ifndef BLKBACK_H
#define BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/ring.h>

/*
 * What the core needs from dom0 (or from a host test). grant_copy moves
 * len bytes between the frontend's granted page gref (at offset) and buf,
 * towards the frontend when to_frontend: GNTTABOP_copy in dom0, so the
 * frontend's pages are never mapped and a revoked grant is an error, not a
 * fault. The disk calls work on whole sectors of the backing store. Each
 * returns 0 or -1.
 */
struct blkback_ops {
	int (*grant_copy)(void *ctx, uint32_t gref, uint32_t offset, void *buf, uint32_t len, bool to_frontend);
	int (*disk_read)(void *ctx, uint64_t sector, void *buf, uint32_t nr_sectors);
	int (*disk_write)(void *ctx, uint64_t sector, const void *buf, uint32_t nr_sectors);
	int (*disk_flush)(void *ctx);
};

struct blkback_stats {
	uint64_t ok, error, unsupported;
};

struct blkback {
	struct pvabi_ring ring;
	const struct blkback_ops *ops;
	void *ctx;
	uint64_t capacity;		/* in 512-byte sectors */
	bool read_only;
	bool broken;			/* the frontend's req_prod lied: the ring is no longer served */
	struct blkback_stats stats;
	/* One request's data from (or for) its segments; page-aligned: a full segment is one grant copy. */
	uint8_t data[BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096] __attribute__((aligned(4096)));
};

/* Attaches the mapped shared ring (ring_bytes long, as the frontend initialised it). false if no slot fits. */
bool blkback_attach(struct blkback *b, void *ring, size_t ring_bytes, uint64_t capacity, bool read_only,
		    const struct blkback_ops *ops, void *ctx);

/*
 * Serves every request the frontend has published: each is copied out of
 * the ring once, checked, done, and answered (BLKIF_RSP_ERROR for a bad
 * request, BLKIF_RSP_EOPNOTSUPP for an operation we do not offer; the
 * ring keeps serving). Returns the number answered, or -1 once the
 * frontend's producer index claims more requests than the ring can hold
 * (b->broken: nothing more is read from this ring). At most one ring's
 * worth is served per call: a return of nr_ents means "call again".
 * *notify: the frontend asked for an event.
 */
int blkback_serve(struct blkback *b, bool *notify);

/*
 * The answer a request gets before any data moves: BLKIF_RSP_OKAY if it is
 * well-formed for this disk (operation offered, segment count and sector
 * ranges inside the request and the disk, no write to a read-only disk).
 * *sectors: its data length in sectors.
 */
int blkback_check(const struct blkback *b, const struct blkif_request *req, uint32_t *sectors);

#endif

/* SPDX-License-Identifier: MIT */
/* blkback's persistent grants (feature-persistent): a frontend's grants kept mapped across requests, bounded. */
#ifndef BLKBACK_PGNT_H
#define BLKBACK_PGNT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * At most this many of one frontend's grants stay mapped (Linux blkback's
 * default max_persistent_grants): a frontend that names more gets the
 * rest mapped for one request each, so a flood of new refs costs dom0 no
 * more than a ring without the feature. Once refs were turned away at the
 * bound, the caller evicts the BLKBACK_PGNT_EVICT least recently used
 * kept ones (with nothing on the disk), as Linux's blkback purges about 5%
 * of its least used, so a frontend that moves on to other pages gets them
 * kept in turn. The table has twice as many slots, so an open-addressing
 * probe always ends at an empty one soon.
 */
#define BLKBACK_PGNT_MAX	1056
#define BLKBACK_PGNT_EVICT	64
#define BLKBACK_PGNT_SLOTS	2048

/*
 * A kept mapping whose unmap failed this many times is given up (the
 * caller counts it stuck) rather than restored once more: restored ones
 * are tried first at every eviction, so a table of them would keep every
 * eviction from freeing anything.
 */
#define BLKBACK_PGNT_RETRIES	3

_Static_assert((BLKBACK_PGNT_SLOTS & (BLKBACK_PGNT_SLOTS - 1)) == 0, "the slot index is a mask");
_Static_assert(BLKBACK_PGNT_MAX * 3 / 2 < BLKBACK_PGNT_SLOTS, "probes stay short");

/*
 * One kept mapping: the frontend's ref, the mapper's handle, the frame's
 * machine address, when it was last used, how often undoing it failed.
 */
struct blkback_pgnt {
	uint32_t gref;
	uint32_t handle;
	uint64_t frame;
	uint64_t last_use;
	uint32_t fails;
};

struct blkback_pgnts {
	unsigned int nr;
	unsigned int misses;		/* adds turned away at the bound since the last eviction */
	uint64_t clock;			/* ticks at every find that hits and every add */
	uint64_t used[BLKBACK_PGNT_SLOTS / 64];
	struct blkback_pgnt slot[BLKBACK_PGNT_SLOTS];
};

/* Empties the table (its mappings must have been undone, see blkback_pgnt_drain). */
void blkback_pgnt_init(struct blkback_pgnts *t);

/* The kept mapping of gref (now its most recently used), or NULL. */
const struct blkback_pgnt *blkback_pgnt_find(struct blkback_pgnts *t, uint32_t gref);

/*
 * Keeps a new mapping: false if gref is already kept or BLKBACK_PGNT_MAX
 * are (counted in misses; the caller then undoes the mapping itself).
 */
bool blkback_pgnt_add(struct blkback_pgnts *t, uint32_t gref, uint32_t handle, uint64_t frame);

/*
 * Takes up to max of the least recently used kept mappings out of the
 * table into out, oldest first, for the caller to undo (nothing of them
 * may be in use), and clears misses; how many.
 */
unsigned int blkback_pgnt_evict(struct blkback_pgnts *t, struct blkback_pgnt *out, unsigned int max);

/*
 * Puts back an evicted mapping whose undoing failed (counted in its
 * fails): it still exists, so it stays kept and counted (the bound holds
 * what dom0 really has mapped) and found, as the least recently used, so
 * that the next eviction tries it again first. False if gref is kept
 * already (the caller's bug: it added the ref again between the eviction
 * and this), or once it has failed BLKBACK_PGNT_RETRIES times: the caller
 * gives it up as stuck.
 */
bool blkback_pgnt_restore(struct blkback_pgnts *t, const struct blkback_pgnt *e);

/*
 * Whether an unmap that returned status may have left the mapping in
 * place, so that it must stay kept: a wrong address (general_error, also
 * what a call that failed before the entry leaves) or dev_bus_addr, or
 * eagain. Any other failure (bad_handle above all) says there is no such
 * mapping: kept again, a later request would point the disk at a frame
 * dom0 no longer holds.
 */
bool blkback_pgnt_unmap_left_mapped(int status);

/* Takes up to max kept mappings out of the table into out (for the caller to undo); 0 once it is empty. */
unsigned int blkback_pgnt_drain(struct blkback_pgnts *t, struct blkback_pgnt *out, unsigned int max);

#endif

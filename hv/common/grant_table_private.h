/* SPDX-License-Identifier: MIT */
/* The grant table's private layout, shared by grant_table.c (frames, pins) and grant_maptrack.c (handles): nothing else includes it. */
#ifndef HV_COMMON_GRANT_TABLE_PRIVATE_H
#define HV_COMMON_GRANT_TABLE_PRIVATE_H

#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/spinlock.h>

#define MT_PER_CHUNK		(PAGE_SIZE / sizeof(struct gnttab_maptrack))

enum { MT_FREE, MT_RESERVED, MT_LIVE, MT_TAKEN };

struct gnttab_active;

struct grant_table {
	spinlock_t lock;
	/*
	 * Charged (domain_heap_charge) for the hypervisor memory the guest made
	 * it allocate: a page and an active array per grant frame, a page per
	 * status frame and per maptrack chunk. Its allowance grows by what the
	 * configured limits permit (grant_allowance), so the limits decide.
	 */
	struct domain *owner;
	uint64_t allowance;
	unsigned int version;
	unsigned int nr_frames, max_frames;
	unsigned int nr_status;		/* status frames (v2 only) */
	mfn_t *shared;			/* max_frames */
	mfn_t *status;			/* status_max(max_frames) */
	struct gnttab_active **active;	/* per grant frame: V1_PER_FRAME entries */
	uint64_t pinned;		/* refs with readers + writers > 0 */

	spinlock_t mt_lock;
	unsigned int mt_max_chunks, mt_nr_chunks, mt_live;
	int mt_free;			/* free-list head, -1: none */
	struct gnttab_maptrack **mt;
};

static inline struct grant_table *gt_of(struct domain *d)
{
	return d->grant_table;
}

#endif

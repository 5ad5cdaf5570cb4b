/* SPDX-License-Identifier: MIT */
/* Per-domain maptrack: the handles of a domain's grant mappings, grown on demand, and their release at teardown. */
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include "grant_table_private.h"

static struct gnttab_maptrack *mt_entry(struct grant_table *gt, int h)
{
	return &gt->mt[(unsigned int)h / MT_PER_CHUNK][(unsigned int)h % MT_PER_CHUNK];
}

static bool mt_grow(struct grant_table *gt)
{
	struct gnttab_maptrack *chunk;
	unsigned int base;

	if (gt->mt_nr_chunks >= gt->mt_max_chunks || domain_heap_charge(gt->owner, PAGE_SIZE) < 0)
		return false;
	chunk = hv_zalloc(PAGE_SIZE);
	if (!chunk) {
		domain_heap_uncharge(gt->owner, PAGE_SIZE);
		return false;
	}
	base = gt->mt_nr_chunks * (unsigned int)MT_PER_CHUNK;
	gt->mt[gt->mt_nr_chunks++] = chunk;
	/* Free entries link through host_addr; lowest handle first. */
	for (unsigned int i = MT_PER_CHUNK; i-- > 0;) {
		chunk[i].state = MT_FREE;
		chunk[i].host_addr = (uint64_t)(int64_t)gt->mt_free;
		gt->mt_free = (int)(base + i);
	}
	return true;
}

int gnttab_maptrack_alloc(struct domain *d)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->mt_lock);
	int h = -1;

	if (gt->mt_free >= 0 || mt_grow(gt)) {
		struct gnttab_maptrack *m;

		h = gt->mt_free;
		m = mt_entry(gt, h);
		gt->mt_free = (int)(int64_t)m->host_addr;
		m->state = MT_RESERVED;
	}
	spin_unlock(&gt->mt_lock);
	return h;
}

/*
 * A reserved entry is ours alone (every other path skips it), and chunks
 * never move: it is filled without the lock and published by its state,
 * which the locked readers check before they read the rest.
 */
void gnttab_maptrack_set(struct domain *d, int h, const struct gnttab_maptrack *src)
{
	struct grant_table *gt = gt_of(d);
	struct gnttab_maptrack *m = mt_entry(gt, h);

	m->use = src->use;
	m->host_addr = src->host_addr;
	m->flags = src->flags;
	m->pte = src->pte;
	m->pte_maddr = src->pte_maddr;
	__atomic_fetch_add(&gt->mt_live, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&m->state, MT_LIVE, __ATOMIC_RELEASE);
}

bool gnttab_maptrack_take(struct domain *d, grant_handle_t h, struct gnttab_maptrack *out)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->mt_lock);
	bool ok = h < gt->mt_nr_chunks * MT_PER_CHUNK && mt_entry(gt, (int)h)->state == MT_LIVE;

	if (ok) {
		struct gnttab_maptrack *m = mt_entry(gt, (int)h);

		m->state = MT_TAKEN;
		*out = *m;
	}
	spin_unlock(&gt->mt_lock);
	return ok;
}

/* An unmap that failed or removed only part of the mapping gives the handle back. */
void gnttab_maptrack_untake(struct domain *d, grant_handle_t h, uint32_t flags)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->mt_lock);

	mt_entry(gt, (int)h)->state = MT_LIVE;
	mt_entry(gt, (int)h)->flags = flags;
	spin_unlock(&gt->mt_lock);
}

void gnttab_maptrack_put(struct domain *d, int h)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->mt_lock);
	struct gnttab_maptrack *m = mt_entry(gt, h);

	/* A free entry is found by state only (its other fields are stale until the next set). */
	if (m->state == MT_TAKEN)
		__atomic_fetch_sub(&gt->mt_live, 1, __ATOMIC_RELAXED);
	m->state = MT_FREE;
	m->host_addr = (uint64_t)(int64_t)gt->mt_free;
	gt->mt_free = h;
	spin_unlock(&gt->mt_lock);
}

bool gnttab_maptrack_find_mfn(struct domain *d, mfn_t mfn)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->mt_lock);
	bool found = false;

	for (unsigned int h = 0; h < gt->mt_nr_chunks * MT_PER_CHUNK && !found; h++) {
		const struct gnttab_maptrack *m = mt_entry(gt, (int)h);

		found = (m->state == MT_LIVE || m->state == MT_TAKEN) && m->use.mfn == mfn;
	}
	spin_unlock(&gt->mt_lock);
	return found;
}

unsigned int gnttab_maptrack_live(struct domain *d)
{
	struct grant_table *gt = gt_of(d);

	return gt ? __atomic_load_n(&gt->mt_live, __ATOMIC_ACQUIRE) : 0;
}

/* ---- teardown ---- */

/*
 * Every mapping d still holds: its PTE removed (if the guest did not
 * remove it itself; that dropped the PTE's references already) and its
 * use released, which clears the granter's GTF bits once unused.
 */
unsigned int gnttab_release_mappings_from(struct domain *d, unsigned int h, unsigned int max)
{
	struct grant_table *gt = gt_of(d);
	bool flushed = false;

	if (!gt)
		return 0;
	for (; h < gt->mt_nr_chunks * MT_PER_CHUNK; h++) {
		struct gnttab_maptrack m;

		if (!max)
			break;
		if (!gnttab_maptrack_take(d, h, &m))
			continue;
		max--;
		if (m.flags & GNTMAP_host_map) {
			gnttab_arch_unmap(d, m.pte_maddr, m.flags | GNTMAP_contains_pte, m.pte, 0);
			flushed = true;
		}
		gnttab_release(&m.use);
		gnttab_maptrack_put(d, (int)h);
	}
	if (flushed)
		gnttab_arch_flush(d);
	return h < gt->mt_nr_chunks * MT_PER_CHUNK ? h : 0;
}

void gnttab_release_mappings(struct domain *d)
{
	gnttab_release_mappings_from(d, 0, UINT32_MAX);
}

/* SPDX-License-Identifier: MIT */
/* Grant-table core: shared/status frames and the pin protocol on guest-writable entries (rules in hv/grant_table.h; maptrack in grant_maptrack.c). */
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant_table.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include "grant_table_private.h"

#define V1_PER_FRAME		512u	/* 8-byte entries */
#define V2_PER_FRAME		256u	/* 16-byte entries */
#define STATUS_PER_FRAME	2048u	/* uint16_t per entry */
#define GNTTAB_PIN_TRIES	4	/* an entry rewritten this often under us is "unstable" */

/* What a pinned entry grants: a frame, a window of one (v2 sub-page), or another domain's grant (v2 transitive). */
enum { ACT_FULL, ACT_SUB, ACT_TRANS };
/* Which kinds an acquire accepts beyond ACT_FULL: maps take none, copies both, a transitive grant's target only sub-page. */
#define ALLOW_SUB	1u
#define ALLOW_TRANS	2u

/* Hypervisor-private state of one ref, under the granter's lock; recorded at the first pin, whatever the guest writes later. */
struct gnttab_active {
	uint32_t readers;	/* read-only uses */
	uint32_t writers;	/* writable uses */
	domid_t domid;		/* who the entry is pinned for */
	uint16_t start, length;	/* the window a copy may touch (ACT_FULL: the whole frame) */
	uint8_t kind;
	union {
		mfn_t mfn;	/* ACT_FULL, ACT_SUB */
		struct {
			domid_t domid;
			grant_ref_t ref;
		} trans;	/* ACT_TRANS: no frame held at this level */
	};
};

/* What one pin read from the guest's entry. */
struct gnttab_pin {
	unsigned int kind;
	uint64_t frame;
	uint16_t start, length;
	domid_t trans_domid;
	grant_ref_t trans_ref;
};


static unsigned int status_frames_for(unsigned int grant_frames)
{
	return (grant_frames * V2_PER_FRAME + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;
}

static unsigned int per_frame(const struct grant_table *gt)
{
	return gt->version == 2 ? V2_PER_FRAME : V1_PER_FRAME;
}

/* log2 of per_frame: every copy and map indexes with it, and a divide is slow (and an emulator's helper call). */
static unsigned int per_frame_shift(const struct grant_table *gt)
{
	_Static_assert(V1_PER_FRAME == 1u << 9 && V2_PER_FRAME == 1u << 8, "entries per frame are powers of two");
	return gt->version == 2 ? 8 : 9;
}

static uint64_t grant_allowance(unsigned int max_frames, unsigned int max_maptrack_frames)
{
	return (uint64_t)max_frames * (PAGE_SIZE + sizeof(struct gnttab_active) * V1_PER_FRAME) +
	       (uint64_t)status_frames_for(max_frames) * PAGE_SIZE + (uint64_t)max_maptrack_frames * PAGE_SIZE;
}

static mfn_t alloc_shared_frame(struct grant_table *gt)
{
	mfn_t mfn;

	if (domain_heap_charge(gt->owner, PAGE_SIZE) < 0)
		return MFN_INVALID;
	mfn = frame_alloc_zeroed(0, &frame_owner_hv);
	if (mfn == MFN_INVALID)
		domain_heap_uncharge(gt->owner, PAGE_SIZE);

	if (mfn != MFN_INVALID)
		__atomic_fetch_or(&mfn_to_page(mfn)->count_info, PGC_SHARED_HV, __ATOMIC_RELEASE);
	return mfn;
}

/*
 * Withdraws a shared frame, or returns false while the guest still maps
 * it. Clearing PGC_SHARED_HV first closes the race with a concurrent
 * get_page: that one re-checks the flag after taking its reference.
 */
static bool withdraw_shared_frame(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	__atomic_fetch_and(&pg->count_info, ~PGC_SHARED_HV, __ATOMIC_ACQ_REL);
	if (page_ref_count(pg) != 0) {
		__atomic_fetch_or(&pg->count_info, PGC_SHARED_HV, __ATOMIC_ACQ_REL);
		return false;
	}
	return true;
}

/* ---- table frames and version ---- */

int gnttab_domain_init(struct domain *d, unsigned int max_frames, unsigned int max_maptrack_frames)
{
	struct grant_table *gt = hv_zalloc(sizeof(*gt));

	if (!gt)
		return -XEN_ENOMEM;
	if (max_frames == 0)
		max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
	if (max_maptrack_frames == 0)
		max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
	gt->owner = d;
	gt->allowance = grant_allowance(max_frames, max_maptrack_frames);
	d->heap_max += gt->allowance;
	gt->version = 1;
	gt->max_frames = max_frames;
	gt->mt_max_chunks = max_maptrack_frames;
	gt->mt_free = -1;
	gt->shared = hv_zalloc(sizeof(mfn_t) * max_frames);
	gt->status = hv_zalloc(sizeof(mfn_t) * status_frames_for(max_frames));
	gt->active = hv_zalloc(sizeof(*gt->active) * max_frames);
	gt->mt = hv_zalloc(sizeof(*gt->mt) * max_maptrack_frames);
	d->grant_table = gt;
	if (!gt->shared || !gt->status || !gt->active || !gt->mt || gnttab_grow(d, 1) != 0) {
		gnttab_domain_destroy(d);
		return -XEN_ENOMEM;
	}
	return 0;
}

/* Before the domain first runs (the builder): new limits; the frames it has already stay. */
int gnttab_set_limits(struct domain *d, unsigned int max_frames, unsigned int max_maptrack_frames)
{
	struct grant_table *gt = gt_of(d);
	mfn_t *shared, *status;
	struct gnttab_active **active;
	struct gnttab_maptrack **mt;

	max_frames = max_frames ? max_frames : GNTTAB_DEFAULT_MAX_FRAMES;
	max_maptrack_frames = max_maptrack_frames ? max_maptrack_frames : GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
	if (max_frames > 4096 || max_maptrack_frames > 65536)
		return -XEN_EINVAL;
	if (max_frames < gt->nr_frames || max_maptrack_frames < gt->mt_nr_chunks || gt->pinned)
		return -XEN_EBUSY;
	shared = hv_zalloc(sizeof(mfn_t) * max_frames);
	status = hv_zalloc(sizeof(mfn_t) * status_frames_for(max_frames));
	active = hv_zalloc(sizeof(*active) * max_frames);
	mt = hv_zalloc(sizeof(*mt) * max_maptrack_frames);
	if (!shared || !status || !active || !mt) {
		hv_free(shared);
		hv_free(status);
		hv_free(active);
		hv_free(mt);
		return -XEN_ENOMEM;
	}
	d->heap_max = d->heap_max - gt->allowance + grant_allowance(max_frames, max_maptrack_frames);
	gt->allowance = grant_allowance(max_frames, max_maptrack_frames);
	memcpy(shared, gt->shared, sizeof(mfn_t) * gt->nr_frames);
	memcpy(status, gt->status, sizeof(mfn_t) * gt->nr_status);
	memcpy(active, gt->active, sizeof(*active) * gt->nr_frames);
	memcpy(mt, gt->mt, sizeof(*mt) * gt->mt_nr_chunks);
	hv_free(gt->shared);
	hv_free(gt->status);
	hv_free(gt->active);
	hv_free(gt->mt);
	gt->shared = shared;
	gt->status = status;
	gt->active = active;
	gt->mt = mt;
	gt->max_frames = max_frames;
	gt->mt_max_chunks = max_maptrack_frames;
	return 0;
}

static int grow_status(struct grant_table *gt, unsigned int want)
{
	while (gt->nr_status < want) {
		mfn_t mfn = alloc_shared_frame(gt);

		if (mfn == MFN_INVALID)
			return -XEN_ENOMEM;
		gt->status[gt->nr_status] = mfn;
		__atomic_store_n(&gt->nr_status, gt->nr_status + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Under the table lock. Frames once added stay until the domain dies (as in Xen). */
static int grow_locked(struct grant_table *gt, unsigned int nr)
{
	if (nr > gt->max_frames)
		return -XEN_EINVAL;
	while (gt->nr_frames < nr) {
		struct gnttab_active *act;
		mfn_t mfn;

		if (domain_heap_charge(gt->owner, sizeof(*act) * V1_PER_FRAME) < 0)
			return -XEN_ENOMEM;
		act = hv_zalloc(sizeof(*act) * V1_PER_FRAME);
		mfn = act ? alloc_shared_frame(gt) : MFN_INVALID;
		if (mfn == MFN_INVALID) {
			hv_free(act);
			domain_heap_uncharge(gt->owner, sizeof(*act) * V1_PER_FRAME);
			return -XEN_ENOMEM;
		}
		gt->shared[gt->nr_frames] = mfn;
		gt->active[gt->nr_frames] = act;
		/* Lockless readers (gnttab_is_guest_frame) see the slot before the count. */
		__atomic_store_n(&gt->nr_frames, gt->nr_frames + 1, __ATOMIC_RELEASE);
	}
	return gt->version == 2 ? grow_status(gt, status_frames_for(gt->nr_frames)) : 0;
}

int gnttab_grow(struct domain *d, unsigned int nr_frames)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->lock);
	int rc = grow_locked(gt, nr_frames);

	spin_unlock(&gt->lock);
	return rc;
}

unsigned int gnttab_nr_frames(struct domain *d)
{
	return __atomic_load_n(&gt_of(d)->nr_frames, __ATOMIC_ACQUIRE);
}

unsigned int gnttab_max_frames(struct domain *d)
{
	return gt_of(d)->max_frames;
}

unsigned int gnttab_version(struct domain *d)
{
	return __atomic_load_n(&gt_of(d)->version, __ATOMIC_ACQUIRE);
}

unsigned int gnttab_nr_status_frames(struct domain *d)
{
	return __atomic_load_n(&gt_of(d)->nr_status, __ATOMIC_ACQUIRE);
}

mfn_t gnttab_shared_mfn(struct domain *d, unsigned int i)
{
	struct grant_table *gt = gt_of(d);

	return i < gnttab_nr_frames(d) ? gt->shared[i] : MFN_INVALID;
}

mfn_t gnttab_status_mfn(struct domain *d, unsigned int i)
{
	struct grant_table *gt = gt_of(d);

	return i < gnttab_nr_status_frames(d) ? gt->status[i] : MFN_INVALID;
}

unsigned int gnttab_nr_entries(struct domain *d)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->lock);
	unsigned int n = gt->nr_frames * per_frame(gt);

	spin_unlock(&gt->lock);
	return n;
}

bool gnttab_is_guest_frame(struct domain *d, mfn_t mfn)
{
	struct grant_table *gt = gt_of(d);

	if (!gt)
		return false;
	for (unsigned int i = 0; i < gnttab_nr_frames(d); i++)
		if (gt->shared[i] == mfn)
			return true;
	for (unsigned int i = 0; i < gnttab_nr_status_frames(d); i++)
		if (gt->status[i] == mfn)
			return true;
	return false;
}

static void *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
	unsigned int sh = per_frame_shift(gt);
	uint8_t *page = mfn_to_virt(gt->shared[ref >> sh]);

	return page + (ref & ((1u << sh) - 1)) * (gt->version == 2 ? 16u : 8u);
}

static uint16_t *status_entry(struct grant_table *gt, grant_ref_t ref)
{
	uint16_t *page = mfn_to_virt(gt->status[ref / STATUS_PER_FRAME]);

	return &page[ref % STATUS_PER_FRAME];
}

static struct gnttab_active *active_of(struct grant_table *gt, grant_ref_t ref)
{
	unsigned int sh = per_frame_shift(gt);

	return &gt->active[ref >> sh][ref & ((1u << sh) - 1)];
}

/*
 * The reserved entries (console, xenstore) survive a switch as in Xen: the
 * toolstack seeded them and the guest may not have rewritten them. Every
 * other entry is cleared, so no stale grant of one layout is read as the
 * other.
 */
static void convert_reserved(struct grant_table *gt, unsigned int to)
{
	struct { uint16_t flags; domid_t domid; uint64_t frame; } keep[GNTTAB_NR_RESERVED_ENTRIES];
	unsigned int from = gt->version;

	for (grant_ref_t r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		uint8_t *e = shared_entry(gt, r);

		memcpy(&keep[r].flags, e, 2);
		memcpy(&keep[r].domid, e + 2, 2);
		if (from == 1) {
			uint32_t f32;

			memcpy(&f32, e + 4, 4);
			keep[r].frame = f32;
		} else {
			memcpy(&keep[r].frame, e + 8, 8);
		}
	}
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		memset(mfn_to_virt(gt->shared[i]), 0, PAGE_SIZE);
	gt->version = to;
	for (grant_ref_t r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		uint8_t *e = shared_entry(gt, r);

		memcpy(e, &keep[r].flags, 2);
		memcpy(e + 2, &keep[r].domid, 2);
		if (to == 1) {
			uint32_t f32 = (uint32_t)keep[r].frame;

			memcpy(e + 4, &f32, 4);
		} else {
			memcpy(e + 8, &keep[r].frame, 8);
		}
	}
}

int gnttab_set_version(struct domain *d, unsigned int version)
{
	struct grant_table *gt = gt_of(d);
	int rc = 0;

	if (version != 1 && version != 2)
		return -XEN_EINVAL;
	spin_lock(&gt->lock);
	if (gt->version == version)
		goto out;
	rc = -XEN_EBUSY;
	if (gt->pinned)
		goto out;
	if (version == 2) {
		rc = grow_status(gt, status_frames_for(gt->nr_frames));
		if (rc)
			goto out;
	} else {
		/* The guest must have unmapped its status frames: we free them. */
		for (unsigned int i = 0; i < gt->nr_status; i++) {
			if (!withdraw_shared_frame(gt->status[i])) {
				for (unsigned int j = 0; j < i; j++)
					__atomic_fetch_or(&mfn_to_page(gt->status[j])->count_info, PGC_SHARED_HV,
							  __ATOMIC_ACQ_REL);
				goto out;
			}
		}
		unsigned int n = gt->nr_status;

		/* Count first: a lockless reader must not find a frame we are about to free. */
		__atomic_store_n(&gt->nr_status, 0, __ATOMIC_RELEASE);
		for (unsigned int i = 0; i < n; i++)
			frame_free(gt->status[i], 0);
		domain_heap_uncharge(gt->owner, (uint64_t)n * PAGE_SIZE);
	}
	convert_reserved(gt, version);
	rc = 0;
out:
	spin_unlock(&gt->lock);
	return rc;
}

/* ---- the pin protocol ---- */

/*
 * The ACT_* kind an entry grants mapper, or -1. Sub-page and transitive
 * grants exist in v2 only; a v1 entry with GTF_sub_page is, as Xen 4.17
 * answers, refused for map and a whole frame for copy.
 */
static int entry_kind(uint16_t flags, domid_t domid, unsigned int version, const struct domain *mapper,
		      bool writable, unsigned int allow)
{
	unsigned int type = flags & GTF_type_mask;

	if (domid != mapper->domid || (writable && (flags & GTF_readonly)))
		return -1;
	if (type == GTF_permit_access && !(flags & GTF_sub_page))
		return ACT_FULL;
	if (version != 2)
		return type == GTF_permit_access && (allow & ALLOW_SUB) ? ACT_FULL : -1;
	if (type == GTF_permit_access)
		return (allow & ALLOW_SUB) ? ACT_SUB : -1;
	if (type == GTF_transitive && !(flags & GTF_sub_page))
		return (allow & ALLOW_TRANS) ? ACT_TRANS : -1;
	return -1;
}

/*
 * v1: flags and domid are one 32-bit word; checking it and setting our
 * bits in one CAS means a granter's concurrent revoke (its own CAS from an
 * idle word to GTF_invalid) either lands first and we refuse, or fails
 * because our bits are in.
 */
static int pin_v1(struct grant_table *gt, grant_ref_t ref, const struct domain *mapper, bool writable,
		  unsigned int allow, struct gnttab_pin *p)
{
	uint32_t *w = shared_entry(gt, ref);
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	uint32_t set = GTF_reading | (writable ? GTF_writing : 0);

	for (unsigned int tries = 0; tries < GNTTAB_PIN_TRIES; tries++) {
		if (entry_kind((uint16_t)old, (domid_t)(old >> 16), 1, mapper, writable, allow) != ACT_FULL)
			return GNTST_general_error;
		if (__atomic_compare_exchange_n(w, &old, old | set, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			p->kind = ACT_FULL;
			p->frame = __atomic_load_n(w + 1, __ATOMIC_ACQUIRE);
			p->start = 0;
			p->length = PAGE_SIZE;
			return GNTST_okay;
		}
	}
	return GNTST_general_error;
}

/*
 * v2: the bits live in the status frame. Set them, then read the entry
 * again: a granter revoking concurrently either sees our bits (Linux
 * checks the status after clearing the flags) or we see its change here
 * and back out.
 */
static int pin_v2(struct grant_table *gt, grant_ref_t ref, const struct domain *mapper, bool writable,
		  bool first, unsigned int allow, struct gnttab_pin *p)
{
	uint32_t *hdr = shared_entry(gt, ref);
	uint16_t *st = status_entry(gt, ref);
	uint16_t set = (uint16_t)(GTF_reading | (writable ? GTF_writing : 0));
	uint32_t h = __atomic_load_n(hdr, __ATOMIC_ACQUIRE), mid;
	int kind = entry_kind((uint16_t)h, (domid_t)(h >> 16), 2, mapper, writable, allow);
	uint64_t last;

	if (kind < 0)
		return GNTST_general_error;
	__atomic_fetch_or(st, set, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(hdr, __ATOMIC_SEQ_CST) != h) {
		__atomic_fetch_and(st, (uint16_t)~(first ? set : (uint16_t)GTF_writing), __ATOMIC_SEQ_CST);
		return GNTST_general_error;
	}
	/* Each word read once: what the granter writes after this is ignored until the entry is idle again. */
	mid = __atomic_load_n(hdr + 1, __ATOMIC_ACQUIRE);
	last = __atomic_load_n((uint64_t *)(void *)((uint8_t *)hdr + 8), __ATOMIC_ACQUIRE);
	p->kind = (unsigned int)kind;
	p->frame = last;
	p->start = kind == ACT_SUB ? (uint16_t)mid : 0;
	p->length = kind == ACT_SUB ? (uint16_t)(mid >> 16) : PAGE_SIZE;
	p->trans_domid = (domid_t)mid;
	p->trans_ref = (grant_ref_t)last;
	return GNTST_okay;
}

static void clear_bits(struct grant_table *gt, grant_ref_t ref, uint16_t bits)
{
	if (gt->version == 2)
		__atomic_fetch_and(status_entry(gt, ref), (uint16_t)~bits, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and((uint32_t *)shared_entry(gt, ref), ~(uint32_t)bits, __ATOMIC_SEQ_CST);
}

/* References one use holds: general, plus the writable type for a writable use. */
static int take_frame_refs(struct domain *granter, mfn_t mfn, bool writable)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return GNTST_general_error;
	pg = mfn_to_page(mfn);
	if (get_page(pg, granter, false))
		return GNTST_general_error;
	if (writable && get_page_type(pg, PAGE_TYPE_WRITABLE)) {
		put_page(pg);
		return GNTST_general_error;
	}
	return GNTST_okay;
}

static void drop_frame_refs(mfn_t mfn, bool writable)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (writable)
		put_page_type(pg);
	put_page(pg);
}

static bool kind_allowed(unsigned int kind, unsigned int allow)
{
	return kind == ACT_FULL || (kind == ACT_SUB && (allow & ALLOW_SUB)) ||
	       (kind == ACT_TRANS && (allow & ALLOW_TRANS));
}

/* Pins ref for one use; *p gets what the active entry recorded. A transitive pin holds no frame. */
static int acquire_locked(struct grant_table *gt, struct domain *granter, grant_ref_t ref,
			  struct domain *mapper, bool writable, unsigned int allow, struct gnttab_pin *p)
{
	struct gnttab_active *act;
	bool first;
	int rc;

	if (ref >= gt->nr_frames * per_frame(gt))
		return GNTST_bad_gntref;
	/* A use racing with the kill holds its frame references, so its frame stays as a zombie; later ones are refused. */
	if (__atomic_load_n(&granter->state, __ATOMIC_ACQUIRE) == DOM_DYING)
		return GNTST_bad_domain;
	act = active_of(gt, ref);
	first = act->readers + act->writers == 0;
	/* An entry pinned as a sub-page or transitive grant by a copy cannot be mapped meanwhile. */
	if (!first && (act->domid != mapper->domid || !kind_allowed(act->kind, allow)))
		return GNTST_general_error;
	if (first || (writable && act->writers == 0)) {
		rc = gt->version == 2 ? pin_v2(gt, ref, mapper, writable, first, allow, p)
				      : pin_v1(gt, ref, mapper, writable, allow, p);
		if (rc)
			return rc;
	}
	if (!first) {
		p->kind = act->kind;
		p->frame = act->mfn;
		p->start = act->start;
		p->length = act->length;
		p->trans_domid = act->trans.domid;
		p->trans_ref = act->trans.ref;
	}
	rc = p->kind == ACT_TRANS ? GNTST_okay : take_frame_refs(granter, (mfn_t)p->frame, writable);
	if (rc) {
		clear_bits(gt, ref, (uint16_t)(first ? (GTF_reading | GTF_writing) : GTF_writing));
		return rc;
	}
	if (first) {
		act->domid = mapper->domid;
		act->kind = (uint8_t)p->kind;
		act->start = p->start;
		act->length = p->length;
		if (p->kind == ACT_TRANS) {
			act->trans.domid = p->trans_domid;
			act->trans.ref = p->trans_ref;
		} else {
			act->mfn = (mfn_t)p->frame;
		}
		gt->pinned++;
	}
	if (writable)
		act->writers++;
	else
		act->readers++;
	return GNTST_okay;
}

/* What a use records of a pin; a failed one holds nothing (mfn MFN_INVALID). */
static void use_fill(struct gnttab_use *use, struct domain *granter, grant_ref_t ref, bool writable, int rc,
		     const struct gnttab_pin *p)
{
	bool ok = rc == GNTST_okay;

	use->granter = granter;
	use->ref = ref;
	use->writable = writable;
	use->mfn = ok && p->kind != ACT_TRANS ? (mfn_t)p->frame : MFN_INVALID;
	use->off = ok ? p->start : 0;
	use->len = ok ? p->length : 0;
	use->trans = NULL;
	use->trans_ref = 0;
}

static int acquire(struct domain *granter, grant_ref_t ref, struct domain *mapper, bool writable,
		   unsigned int allow, struct gnttab_use *use, struct gnttab_pin *p)
{
	struct grant_table *gt = gt_of(granter);
	spin_lock(&gt->lock);
	int rc = acquire_locked(gt, granter, ref, mapper, writable, allow, p);

	spin_unlock(&gt->lock);
	use_fill(use, granter, ref, writable, rc, p);
	return rc;
}

int gnttab_acquire(struct domain *granter, grant_ref_t ref, struct domain *mapper, bool writable,
		   struct gnttab_use *use)
{
	struct gnttab_pin p;

	return acquire(granter, ref, mapper, writable, 0, use, &p);
}

/* Undoes one use of ref; frame: the use holds use->mfn's references (all but a transitive grant's own pin). */
static void unpin_locked(struct grant_table *gt, struct domain *granter, grant_ref_t ref, bool writable, mfn_t mfn,
			 bool frame)
{
	struct gnttab_active *act = active_of(gt, ref);
	uint32_t *cnt = writable ? &act->writers : &act->readers;

	if (*cnt == 0 || (act->kind == ACT_TRANS) == frame || (frame && act->mfn != mfn))
		panic("gnttab: release of ref %u of d%u that holds no such use", ref, granter->domid);
	(*cnt)--;
	if (frame)
		drop_frame_refs(mfn, writable);
	/* One atomic on the granter's entry: the last writer drops GTF_writing, the last use both bits. */
	if (act->readers + act->writers == 0) {
		clear_bits(gt, ref, GTF_reading | GTF_writing);
		gt->pinned--;
	} else if (writable && act->writers == 0) {
		clear_bits(gt, ref, GTF_writing);
	}
}

static void unpin(struct domain *granter, grant_ref_t ref, bool writable, mfn_t mfn, bool frame)
{
	struct grant_table *gt = gt_of(granter);

	spin_lock(&gt->lock);
	unpin_locked(gt, granter, ref, writable, mfn, frame);
	spin_unlock(&gt->lock);
}

/* The target first, then the transitive entry: the two tables' locks are taken one after the other, never nested. */
void gnttab_release(const struct gnttab_use *use)
{
	if (use->trans) {
		unpin(use->trans, use->trans_ref, use->writable, use->mfn, true);
		unpin(use->granter, use->ref, use->writable, MFN_INVALID, false);
		domain_put(use->granter);
		return;
	}
	unpin(use->granter, use->ref, use->writable, use->mfn, true);
}

/*
 * Copy: a transitive grant of granter is pinned first (so granter cannot
 * revoke it), then the grant it names is pinned for granter in the other
 * table, with transitivity off there: one level, so no chain can loop.
 * Between the two, granter may die: the domain reference taken here keeps
 * its table until the release. This is that second step, for a use whose
 * first pin (p) found a transitive grant; on failure it unpins that too.
 */
static int acquire_trans_target(struct gnttab_use *use, const struct gnttab_pin *p)
{
	struct domain *granter = use->granter, *t;
	struct gnttab_pin tp;
	struct gnttab_use inner;
	int rc = GNTST_general_error;

	t = p->trans_domid == granter->domid ? NULL : domain_find(p->trans_domid);
	if (t && t->grant_table)
		rc = acquire(t, p->trans_ref, granter, use->writable, ALLOW_SUB, &inner, &tp);
	if (t)
		domain_put(t);
	if (rc != GNTST_okay) {
		unpin(granter, use->ref, use->writable, MFN_INVALID, false);
		use->mfn = MFN_INVALID;
		return rc;
	}
	/* inner's frame references keep t alive (a zombie if it dies) until released, as for any use. */
	domain_get(granter);
	use->mfn = inner.mfn;
	use->off = inner.off;
	use->len = inner.len;
	use->trans = t;
	use->trans_ref = p->trans_ref;
	return GNTST_okay;
}

int gnttab_acquire_copy(struct domain *granter, grant_ref_t ref, struct domain *mapper, bool writable,
			struct gnttab_use *use)
{
	struct gnttab_pin p;
	int rc = acquire(granter, ref, mapper, writable, ALLOW_SUB | ALLOW_TRANS, use, &p);

	if (rc != GNTST_okay || p.kind != ACT_TRANS)
		return rc;
	return acquire_trans_target(use, &p);
}

/*
 * A copy batch moving on to the next ref of the same granter: the old use
 * goes and the new one comes in one round trip of the granter's lock.
 * Only a plain old use (not transitive: its release takes a second table)
 * of the same granter qualifies; otherwise this is release then acquire.
 */
int gnttab_reacquire_copy(struct gnttab_use *use, struct domain *granter, grant_ref_t ref, struct domain *mapper,
			  bool writable)
{
	struct grant_table *gt = gt_of(granter);
	struct gnttab_pin p;
	int rc;

	if (use->granter != granter || use->trans || use->writable != writable) {
		gnttab_release(use);
		return gnttab_acquire_copy(granter, ref, mapper, writable, use);
	}
	spin_lock(&gt->lock);
	unpin_locked(gt, granter, use->ref, writable, use->mfn, true);
	rc = acquire_locked(gt, granter, ref, mapper, writable, ALLOW_SUB | ALLOW_TRANS, &p);
	spin_unlock(&gt->lock);
	use_fill(use, granter, ref, writable, rc, &p);
	if (rc != GNTST_okay || p.kind != ACT_TRANS)
		return rc;
	return acquire_trans_target(use, &p);
}

int gnttab_swap(struct domain *d, grant_ref_t a, grant_ref_t b)
{
	struct grant_table *gt = gt_of(d);
	spin_lock(&gt->lock);
	unsigned int n = gt->nr_frames * per_frame(gt), sz = gt->version == 2 ? 16 : 8;
	int rc = GNTST_okay;
	uint8_t tmp[16];

	if (a >= n || b >= n)
		rc = GNTST_bad_gntref;
	else if (active_of(gt, a)->readers + active_of(gt, a)->writers ||
		 active_of(gt, b)->readers + active_of(gt, b)->writers)
		rc = GNTST_general_error;
	else if (a != b) {
		memcpy(tmp, shared_entry(gt, a), sz);
		memcpy(shared_entry(gt, a), shared_entry(gt, b), sz);
		memcpy(shared_entry(gt, b), tmp, sz);
		if (gt->version == 2) {
			uint16_t s = *status_entry(gt, a);

			*status_entry(gt, a) = *status_entry(gt, b);
			*status_entry(gt, b) = s;
		}
	}
	spin_unlock(&gt->lock);
	return rc;
}

/*
 * Transfer, receiver's half, under its lock so the version cannot change:
 * the entry must be an accept_transfer entry for the sender not yet
 * committed (a CAS sets GTF_transfer_committed, so a granter rewriting it
 * concurrently either loses or makes us fail); then the frame changes
 * owner, and the entry gets the frame and GTF_transfer_completed, in that
 * order. A failure after the commit takes the commit back.
 */
int gnttab_transfer_commit(struct domain *e, grant_ref_t ref, struct domain *from, mfn_t mfn, uint64_t *gfn)
{
	struct grant_table *gt = gt_of(e);
	spin_lock(&gt->lock);
	uint32_t *w, old;
	int rc = GNTST_general_error;

	if (ref >= gt->nr_frames * per_frame(gt) || __atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == DOM_DYING)
		goto out;
	w = shared_entry(gt, ref);
	old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	do {
		/* Exactly GTF_accept_transfer, as Xen: any other bit (a stale completed flag too) refuses. */
		if ((uint16_t)old != GTF_accept_transfer || (domid_t)(old >> 16) != from->domid)
			goto out;
	} while (!__atomic_compare_exchange_n(w, &old, old | GTF_transfer_committed, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	/* A domain may transfer to itself (Xen allows it): the frame stays where it is. */
	if (e != from && !frame_reassign(mfn, &from->mem, &e->mem)) {
		__atomic_fetch_and(w, ~(uint32_t)GTF_transfer_committed, __ATOMIC_SEQ_CST);
		goto out;
	}
	/* The frame the receiver wrote is the pseudo-physical frame it wants the page at (its M2P entry). */
	if (gt->version == 2) {
		uint64_t *f = (uint64_t *)(void *)((uint8_t *)w + 8);

		*gfn = __atomic_load_n(f, __ATOMIC_ACQUIRE);
		__atomic_store_n(f, (uint64_t)mfn, __ATOMIC_RELEASE);
	} else {
		*gfn = __atomic_load_n(w + 1, __ATOMIC_ACQUIRE);
		__atomic_store_n(w + 1, (uint32_t)mfn, __ATOMIC_RELEASE);
	}
	__atomic_fetch_or(w, GTF_transfer_completed, __ATOMIC_SEQ_CST);
	rc = GNTST_okay;
out:
	spin_unlock(&gt->lock);
	return rc;
}

void gnttab_domain_destroy(struct domain *d)
{
	struct grant_table *gt = gt_of(d);

	if (!gt)
		return;
	gnttab_release_mappings(d);
	if (gt->pinned)
		log_err("d%u: %lu grant refs still in use by other domains at teardown", d->domid, gt->pinned);
	for (unsigned int i = 0; i < gt->nr_frames; i++) {
		if (!withdraw_shared_frame(gt->shared[i]))
			log_err("d%u: grant frame %#lx still mapped at teardown; leaked", d->domid, gt->shared[i]);
		else
			frame_free(gt->shared[i], 0);
		hv_free(gt->active[i]);
	}
	for (unsigned int i = 0; i < gt->nr_status; i++) {
		if (!withdraw_shared_frame(gt->status[i]))
			log_err("d%u: status frame %#lx still mapped at teardown; leaked", d->domid, gt->status[i]);
		else
			frame_free(gt->status[i], 0);
	}
	for (unsigned int i = 0; i < gt->mt_nr_chunks; i++)
		hv_free(gt->mt[i]);
	/* Leaked frames above stay out of the pool, but the dying domain's account is settled. */
	domain_heap_uncharge(d, (uint64_t)gt->nr_frames * (PAGE_SIZE + sizeof(struct gnttab_active) * V1_PER_FRAME) +
			     (uint64_t)(gt->nr_status + gt->mt_nr_chunks) * PAGE_SIZE);
	d->heap_max -= gt->allowance;
	hv_free(gt->mt);
	hv_free(gt->active);
	hv_free(gt->status);
	hv_free(gt->shared);
	hv_free(gt);
	d->grant_table = NULL;
}

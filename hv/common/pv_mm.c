/* SPDX-License-Identifier: MIT */
/* PV memory management: the general/type reference-count state machine, pins and teardown (rules in hv/pv_mm.h). */
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/log.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>

static inline uint64_t load_word(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* On failure *old is refreshed with the current value, ready for the next round. */
static inline bool cas_word(uint64_t *p, uint64_t *old, uint64_t val)
{
	return __atomic_compare_exchange_n(p, old, val, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline enum page_type word_type(uint64_t x)
{
	return (enum page_type)((x & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
}

/*
 * Ownership as seen right now. The allocator changes owner and state under
 * its own lock, so this read may be stale; get_page checks again once its
 * reference is in. Inlined: get_page runs it twice per reference, and a
 * one-entry mmu_update takes two references.
 */
static inline __attribute__((always_inline)) bool may_reference(const struct page_info *pg, const struct domain *d,
								 bool allow_shared_hv)
{
	uint32_t state = __atomic_load_n(&pg->alloc_info, __ATOMIC_ACQUIRE) & FRAME_STATE_MASK;
	const struct frame_owner *owner = __atomic_load_n(&pg->u.owner, __ATOMIC_ACQUIRE);

	if (state != FRAME_STATE_ALLOCATED || owner == NULL)
		return false;
	if (__atomic_load_n(&pg->count_info, __ATOMIC_SEQ_CST) & PGC_LEAVING)
		return false;
	if (owner == &d->mem)
		return true;
	return allow_shared_hv && owner == &frame_owner_hv &&
	       (__atomic_load_n(&pg->count_info, __ATOMIC_ACQUIRE) & PGC_SHARED_HV);
}

int get_page(struct page_info *pg, struct domain *d, bool allow_shared_hv)
{
	uint64_t x;

	if (!may_reference(pg, d, allow_shared_hv))
		return -XEN_EINVAL;
	x = load_word(&pg->count_info);
	do {
		if ((x & PGC_COUNT_MASK) == PGC_COUNT_MASK)
			return -XEN_EOVERFLOW;
	} while (!cas_word(&pg->count_info, &x, x + 1));
	if (!may_reference(pg, d, allow_shared_hv)) {
		put_page(pg);
		return -XEN_EINVAL;
	}
	return 0;
}

/*
 * Marks first, then looks: a get_page on another CPU either counted before
 * the look (the claim fails) or re-checks after its count and sees the
 * mark (it fails). So a claimed frame stays without references.
 */
int pv_mm_claim_for_release(struct domain *d, struct page_info *pg)
{
	uint64_t old;

	/*
	 * Under the allocator's lock: another vCPU giving back the same frame
	 * may free it right after an unlocked ownership check, and the mark
	 * would then land on a free frame (or someone else's) and be freed
	 * twice. Only the vCPU that set the mark owns the release.
	 */
	if (!frame_mark_owned(page_to_mfn(pg), &d->mem, PGC_LEAVING, &old) || (old & PGC_LEAVING))
		return -XEN_EINVAL;
	if ((__atomic_load_n(&pg->count_info, __ATOMIC_SEQ_CST) & PGC_COUNT_MASK) ||
	    (__atomic_load_n(&pg->type_info, __ATOMIC_SEQ_CST) & PGT_COUNT_MASK)) {
		pv_mm_release_abort(pg);
		return -XEN_EINVAL;
	}
	return 0;
}

void pv_mm_release_abort(struct page_info *pg)
{
	__atomic_fetch_and(&pg->count_info, ~PGC_LEAVING, __ATOMIC_SEQ_CST);
}

/* Zombie frames whose last reference went, linked through user_tag (MFN + 1; 0 ends the list). */
static uint32_t zombie_head;

static void zombie_push(struct page_info *pg)
{
	uint32_t h = __atomic_load_n(&zombie_head, __ATOMIC_ACQUIRE);

	do
		pg->user_tag = h;
	while (!__atomic_compare_exchange_n(&zombie_head, &h, (uint32_t)page_to_mfn(pg) + 1, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

void put_page(struct page_info *pg)
{
	uint64_t x = load_word(&pg->count_info);

	do {
		if ((x & PGC_COUNT_MASK) == 0)
			panic("put_page: mfn %#lx has no general reference", page_to_mfn(pg));
	} while (!cas_word(&pg->count_info, &x, x - 1));
	/* Not freed here: the put may run under a grant-table lock, and the frame needs a TLB flush first. */
	if ((x & (PGC_ZOMBIE | PGC_COUNT_MASK)) == (PGC_ZOMBIE | 1))
		zombie_push(pg);
}

/* Marks an unreferenced frame as leaving: no get_page succeeds on it any more. */
bool pv_mm_claim_dead(struct page_info *pg)
{
	uint64_t x = load_word(&pg->count_info);

	do {
		if ((x & PGC_COUNT_MASK) || (load_word(&pg->type_info) & PGT_COUNT_MASK))
			return false;
	} while (!cas_word(&pg->count_info, &x, x | PGC_LEAVING));
	return true;
}

/*
 * One CAS on the count decides: a put that races with us either dropped
 * the last reference before (we see 0 and the caller frees the frame) or
 * sees PGC_ZOMBIE when it drops it (the frame goes to the zombie list).
 */
bool pv_mm_make_zombie(struct page_info *pg)
{
	uint64_t x = load_word(&pg->count_info), add;

	do
		add = (x & PGC_COUNT_MASK) ? PGC_ZOMBIE | PGC_LEAVING : PGC_LEAVING;
	while (!cas_word(&pg->count_info, &x, x | add));
	return (x & PGC_COUNT_MASK) != 0;
}

struct page_info *pv_mm_zombies_take(void)
{
	uint32_t h = __atomic_exchange_n(&zombie_head, 0, __ATOMIC_ACQ_REL);

	return h ? mfn_to_page(h - 1) : NULL;
}

bool pv_mm_zombies_pending(void)
{
	return __atomic_load_n(&zombie_head, __ATOMIC_RELAXED) != 0;
}

struct page_info *pv_mm_zombie_next(const struct page_info *pg)
{
	return pg->user_tag ? mfn_to_page(pg->user_tag - 1) : NULL;
}

/*
 * One round of get_page_type's loop: the value to install, or an error.
 * *wait asks the caller to spin (another CPU is validating or devalidating);
 * *claim says the frame was left partially validated and we take it over.
 */
static int type_get_next(uint64_t x, enum page_type type, uint64_t *nx, bool *wait, bool *claim)
{
	uint64_t cnt = x & PGT_COUNT_MASK;

	*wait = false;
	*claim = false;
	if (cnt == 0) {
		if (word_type(x) == type && (x & PGT_VALIDATED)) {
			*nx = x + 1;
			return 0;
		}
		/*
		 * A new use: the old type's flags go; page tables start
		 * unvalidated. Only a writable use keeps the pending RW flush;
		 * only the same table type keeps the stale-table one.
		 */
		*nx = (x & PGT_LINEAR_MASK) | ((uint64_t)type << PGT_TYPE_SHIFT) | 1;
		if (type == PAGE_TYPE_WRITABLE)
			*nx |= x & PGT_NEED_FLUSH;
		if ((x & PGT_STALE_PT) == (uint64_t)type << PGT_STALE_SHIFT)
			*nx |= x & PGT_STALE_PT;
		if (!pv_type_is_pt(type))
			*nx |= PGT_VALIDATED;
		return 0;
	}
	if (word_type(x) != type)
		return -XEN_EINVAL;
	if (cnt == PGT_COUNT_MASK)
		return -XEN_EOVERFLOW;
	if (!(x & PGT_VALIDATED)) {
		/* Being released by whoever holds it: not a table anyone may take now. */
		if (x & PGT_PARTIAL_PUT)
			return -XEN_EINVAL;
		if (x & PGT_PARTIAL) {
			/* Its one type reference (the partial state's) becomes ours. */
			*nx = x & ~PGT_PARTIAL;
			*claim = true;
			return 0;
		}
		*wait = true;
		return 0;
	}
	*nx = x + 1;
	return 0;
}

/* A general reference on behalf of a partial state; the caller holds one, so only overflow can refuse. */
static bool get_page_extra(struct page_info *pg)
{
	uint64_t x = load_word(&pg->count_info);

	do {
		if ((x & PGC_COUNT_MASK) == PGC_COUNT_MASK)
			return false;
	} while (!cas_word(&pg->count_info, &x, x + 1));
	return true;
}

/* Leaves pg (count 1, being (de)validated by us) partial with entries [0, next) holding references. */
static void park_partial(struct page_info *pg, unsigned int next, uint64_t flags)
{
	pg->user_tag = next;
	__atomic_fetch_or(&pg->type_info, flags, __ATOMIC_ACQ_REL);
}

/* Taking a partial table over: where it stopped; the field is zero whenever the table is not partial. */
static unsigned int unpark_partial(struct page_info *pg)
{
	unsigned int next = pg->user_tag;

	pg->user_tag = 0;
	return next;
}

/* Count 1 -> 0 of a word we own (nothing else may change it but linear counts): keep what an unused frame keeps. */
static void drop_last_type_flags(struct page_info *pg, uint64_t add)
{
	uint64_t x = load_word(&pg->type_info);

	while (!cas_word(&pg->type_info, &x, add ? (x & ~PGT_STALE_PT & PGT_KEEP_UNUSED) | add
						  : x & PGT_KEEP_UNUSED))
		;
}

/*
 * Validation of a table we own (count 1, not validated), from entry start.
 * claimed: the table was partial and its earlier steps are undone the hard
 * way (there is no "before" word to restore).
 */
static int run_validation(struct page_info *pg, enum page_type type, unsigned int start, uint64_t before,
			  bool claimed)
{
	unsigned int next = start;
	int rc = pv_mm_validate_table(pg, type, &next);

	if (rc == 0) {
		__atomic_fetch_or(&pg->type_info, PGT_VALIDATED, __ATOMIC_ACQ_REL);
		return 0;
	}
	if (next == 0 && rc != -XEN_ERESTART) {
		/* Nothing held any more: exactly as before (a pending flush flag too: one extra flush later is harmless). */
		if (claimed)
			drop_last_type_flags(pg, 0);
		else
			__atomic_store_n(&pg->type_info, before, __ATOMIC_RELEASE);
		return rc;
	}
	if (!get_page_extra(pg)) {
		/* 2^32 references: no room for the partial state's own one; finish here, however long. */
		pv_mm_release_entries(pg, type, next, false);
		drop_last_type_flags(pg, 0);
		return rc == -XEN_ERESTART ? -XEN_EOVERFLOW : rc;
	}
	if (rc == -XEN_ERESTART) {
		park_partial(pg, next, PGT_PARTIAL);
		return rc;
	}
	/* Refused, and undoing the earlier steps was preempted: the rest is released later, off this call. */
	park_partial(pg, next, PGT_PARTIAL | PGT_PARTIAL_PUT);
	pv_mm_defer_put(pg);
	return rc;
}

int get_page_type(struct page_info *pg, enum page_type type)
{
	uint64_t x, nx, before;
	bool wait, claim;
	int rc;

	if (type < PAGE_TYPE_WRITABLE || type > PAGE_TYPE_SEGDESC)
		return -XEN_EINVAL;
	x = load_word(&pg->type_info);
	for (;;) {
		rc = type_get_next(x, type, &nx, &wait, &claim);
		if (rc)
			return rc;
		if (wait) {
			pv_mm_spin_wait();
			x = load_word(&pg->type_info);
			continue;
		}
		before = x;
		if (cas_word(&pg->type_info, &x, nx))
			break;
	}
	/* We cleared a flag, so the flush is ours; it must land before anyone reads the contents. */
	if ((before & PGT_FLUSH_FLAGS) & ~nx)
		pv_mm_flush_tlbs(pg);
	if (nx & PGT_VALIDATED)
		return 0;
	if (claim) {
		/* The partial state's general reference: the caller holds its own. */
		put_page(pg);
		return run_validation(pg, type, unpark_partial(pg), before, true);
	}
	/*
	 * We own the new type (count 1, not validated): others wanting it spin,
	 * others wanting another type fail, so nobody else writes the word
	 * until we publish the result.
	 */
	return run_validation(pg, type, 0, before, false);
}

/*
 * Count 1, and we hold it: release what entries [0, next) hold, then the
 * type. Preempted: the table stays partial, still holding our references.
 */
static int run_devalidation(struct page_info *pg, enum page_type t, unsigned int next, bool preemptible)
{
	unsigned int left = pv_mm_release_entries(pg, t, next, preemptible);

	if (left) {
		park_partial(pg, left, PGT_PARTIAL | PGT_PARTIAL_PUT);
		return -XEN_ERESTART;
	}
	/* Paging-structure caches may still point into it: flush before its next use. */
	drop_last_type_flags(pg, (uint64_t)t << PGT_STALE_SHIFT);
	pv_mm_note_stale(pg);
	return 0;
}

static int put_type(struct page_info *pg, bool preemptible)
{
	uint64_t x = load_word(&pg->type_info);

	for (;;) {
		uint64_t cnt = x & PGT_COUNT_MASK;
		enum page_type t = word_type(x);

		if (cnt == 0)
			panic("put_page_type: mfn %#lx has no type reference", page_to_mfn(pg));
		if (cnt == 1 && pv_type_is_pt(t) && (x & PGT_VALIDATED)) {
			/* Keep the count while devalidating so the type cannot change under us. */
			if (!cas_word(&pg->type_info, &x, x & ~PGT_VALIDATED))
				continue;
			return run_devalidation(pg, t, PV_PT_ENTRIES, preemptible);
		}
		if (cnt == 1 && (x & PGT_PARTIAL)) {
			/* Our reference is the partial state's: finish releasing what it holds. */
			if (!cas_word(&pg->type_info, &x, x & ~(PGT_PARTIAL | PGT_PARTIAL_PUT)))
				continue;
			return run_devalidation(pg, t, unpark_partial(pg), preemptible);
		}
		/* An unused frame has no type at all: nothing stale to reason about later. */
		if (cas_word(&pg->type_info, &x, cnt == 1 ? x & PGT_KEEP_UNUSED : x - 1))
			return 0;
	}
}

void put_page_type(struct page_info *pg)
{
	put_type(pg, false);
}

int put_page_type_preemptible(struct page_info *pg)
{
	return put_type(pg, true);
}

int put_page_and_type_preemptible(struct page_info *pg)
{
	int rc = put_type(pg, true);

	if (rc == 0)
		put_page(pg);
	return rc;
}

int get_page_and_type(struct page_info *pg, struct domain *d, enum page_type type)
{
	int rc = get_page(pg, d, false);

	if (rc)
		return rc;
	rc = get_page_type(pg, type);
	if (rc)
		put_page(pg);
	return rc;
}

void put_page_and_type(struct page_info *pg)
{
	put_page_type(pg);
	put_page(pg);
}

int pv_mm_pin_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	enum page_type type = pv_level_type(level);
	struct page_info *pg;
	uint64_t x;
	int rc;

	if (type == PAGE_TYPE_NONE || !mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	rc = get_page_and_type(pg, d, type);
	if (rc)
		return rc;
	x = load_word(&pg->type_info);
	do {
		if (x & PGT_PINNED) {
			put_page_and_type(pg);
			return -XEN_EINVAL;
		}
	} while (!cas_word(&pg->type_info, &x, x | PGT_PINNED));
	return 0;
}

int pv_mm_unpin_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	enum page_type type = pv_level_type(level);
	struct page_info *pg;
	uint64_t x;

	if (type == PAGE_TYPE_NONE || !mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (!may_reference(pg, d, false))
		return -XEN_EINVAL;
	x = load_word(&pg->type_info);
	do {
		if (word_type(x) != type || !(x & PGT_PINNED) || (x & PGT_COUNT_MASK) == 0)
			return -XEN_EINVAL;
	} while (!cas_word(&pg->type_info, &x, x & ~PGT_PINNED));
	/* The unpin is done; what the pin's references still hold is released off this call if it takes long. */
	if (put_page_and_type_preemptible(pg) == -XEN_ERESTART)
		pv_mm_defer_put(pg);
	return 0;
}

static bool owned_by(const struct page_info *pg, const struct domain *d)
{
	return may_reference(pg, d, false);
}

/* A release that stopped is continued by the next step before anything else. */
static bool teardown_stopped(struct pv_mm_teardown *t, struct page_info *pg)
{
	if (put_page_and_type_preemptible(pg) == 0)
		return false;
	t->busy = pg;
	return true;
}

static bool drop_pin(struct pv_mm_teardown *t, struct page_info *pg)
{
	uint64_t x = load_word(&pg->type_info);

	do {
		if (!(x & PGT_PINNED))
			return false;
	} while (!cas_word(&pg->type_info, &x, x & ~PGT_PINNED));
	return teardown_stopped(t, pg);
}

/*
 * A validation the guest never came back to finish: the partial state holds
 * its own references. (A partial release belongs to its holder, which the
 * caller has finished before.)
 */
static bool drop_orphan_partial(struct pv_mm_teardown *t, struct page_info *pg)
{
	uint64_t x = load_word(&pg->type_info);

	if ((x & (PGT_PARTIAL | PGT_PARTIAL_PUT)) != PGT_PARTIAL)
		return false;
	return teardown_stopped(t, pg);
}

/*
 * Drops what a validated table's entries hold even though others still hold
 * its type. Stopped, the table keeps its count and entries [0, next) their
 * references (nobody else looks at a dying domain's tables).
 */
static bool force_devalidate(struct pv_mm_teardown *t, struct page_info *pg)
{
	uint64_t x = load_word(&pg->type_info);

	do {
		if (!pv_type_is_pt(word_type(x)) || !(x & PGT_VALIDATED) || (x & PGT_COUNT_MASK) == 0)
			return false;
	} while (!cas_word(&pg->type_info, &x, x & ~PGT_VALIDATED));
	t->force_next = pv_mm_release_entries(pg, word_type(x), PV_PT_ENTRIES, true);
	if (!t->force_next)
		return false;
	t->force = pg;
	t->force_type = word_type(x);
	return true;
}

static bool still_held(const struct page_info *pg)
{
	return (load_word((uint64_t *)&pg->count_info) & PGC_COUNT_MASK) ||
	       (load_word((uint64_t *)&pg->type_info) & (PGT_COUNT_MASK | PGT_LINEAR_MASK));
}

/* Continues what the previous step left; true if it stopped again. */
static bool teardown_resume(struct pv_mm_teardown *t)
{
	if (t->busy) {
		if (put_page_and_type_preemptible(t->busy))
			return true;
		t->busy = NULL;
	}
	if (t->force) {
		t->force_next = pv_mm_release_entries(t->force, t->force_type, t->force_next, true);
		if (t->force_next)
			return true;
		t->force = NULL;
	}
	return false;
}

/* One frame of one phase; true if its release stopped. */
static bool teardown_frame(struct pv_mm_teardown *t, struct domain *d, struct page_info *pg)
{
	if (!owned_by(pg, d))
		return false;
	switch (t->phase) {
	case 0:
		/* Pinned means validated, so a frame is never both pinned and partial. */
		return drop_pin(t, pg) || drop_orphan_partial(t, pg);
	case 1:
		/*
		 * Tables that reference each other (or are held by a base
		 * pointer) keep their type after the pins go; devalidating each
		 * one releases what it holds, whatever order we meet them in.
		 */
		return force_devalidate(t, pg);
	default:
		t->left += still_held(pg);
		return false;
	}
}

int pv_mm_relinquish_step(struct domain *d, const mfn_t *mfns, size_t nr, struct pv_mm_teardown *t)
{
	unsigned int done = 0;

	if (teardown_resume(t))
		return -XEN_ERESTART;
	for (; t->phase < 3; t->phase++, t->next = 0) {
		while (t->next < nr) {
			mfn_t m = mfns[t->next++];

			if (mfn_valid(m) && teardown_frame(t, d, mfn_to_page(m)))
				return -XEN_ERESTART;
			/* Frames cost little each, but a big domain has millions. */
			if (++done % 256 == 0 && pv_mm_preempt_check(d))
				return -XEN_ERESTART;
		}
	}
	if (t->left)
		log_warn("pv_mm: d%u teardown: %lu frames still referenced", d->domid, (unsigned long)t->left);
	return 0;
}

int pv_mm_relinquish_frame(struct domain *d, struct page_info *pg, struct pv_mm_teardown *t)
{
	if (teardown_resume(t))
		return -XEN_ERESTART;
	/* Each phase is tried once: a release it started and that stopped is finished by teardown_resume. */
	while (t->phase < 2) {
		bool stopped = teardown_frame(t, d, pg);

		t->phase++;
		if (stopped)
			return -XEN_ERESTART;
	}
	t->phase = 0;
	return 0;
}

size_t pv_mm_relinquish(struct domain *d, const mfn_t *mfns, size_t nr)
{
	struct pv_mm_teardown t = { 0 };

	while (pv_mm_relinquish_step(d, mfns, nr, &t))
		;
	return t.left;
}

__attribute__((weak)) void pv_mm_spin_wait(void)
{
	cpu_relax();
}

__attribute__((weak)) bool pv_mm_preempt_check(struct domain *d __attribute__((unused)))
{
	return false;
}

/* Only reachable when pv_mm_preempt_check says yes, which the default never does. */
__attribute__((weak)) void pv_mm_defer_put(struct page_info *pg)
{
	panic("pv_mm: no pv_mm_defer_put for mfn %#lx", page_to_mfn(pg));
}

/* The arch code overrides this; see pv_mm.h for what is at stake. */
__attribute__((weak)) void pv_mm_flush_tlbs(struct page_info *pg)
{
	static bool warned;

	if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
		log_warn("pv_mm: no pv_mm_flush_tlbs: mfn %#lx changes type without a TLB flush", page_to_mfn(pg));
}

/* The arch code may override this to skip flushes that a later CR3 load made needless. */
__attribute__((weak)) void pv_mm_note_stale(struct page_info *pg)
{
	(void)pg;
}

/* The arch code overrides this; a guest L4 without the hypervisor's slots must never be used. */
__attribute__((weak)) void pv_mm_install_hv_slots(uint64_t *l4)
{
	panic("pv_mm: no pv_mm_install_hv_slots for L4 at %p", (void *)l4);
}

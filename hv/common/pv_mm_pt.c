/* SPDX-License-Identifier: MIT */
/* PV memory management: checks of guest page-table entries, table (de)validation and MMU_NORMAL_PT_UPDATE. */
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/grant_table.h>
#include <hv/iomem.h>
#include <hv/pv_mm.h>
#include <pvabi/errno.h>

/* Bits a guest may set in a present entry, besides the address (see pv_mm.h). */
#define ENTRY_OK_ALL	(PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_A | PV_PTE_D | \
			 PV_PTE_AVAIL | PV_PTE_AVAIL_HIGH | PV_PTE_NX)
#define ENTRY_OK_L1	(ENTRY_OK_ALL | PV_PTE_G)
#define ENTRY_L1_CACHE	(PV_PTE_PWT | PV_PTE_PCD | PV_PTE_PS)

static inline uint64_t load_word(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline bool cas_word(uint64_t *p, uint64_t *old, uint64_t val)
{
	return __atomic_compare_exchange_n(p, old, val, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline uint64_t *table_of(mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

static inline bool entry_present(uint64_t e)
{
	return e & PV_PTE_P;
}

int pv_mm_check_entry(const struct domain *d, unsigned int level, uint64_t entry, uint64_t *adjusted)
{
	uint64_t ok;

	if (level < 1 || level > 4)
		return -XEN_EINVAL;
	if (!entry_present(entry)) {
		*adjusted = entry;
		return 0;
	}
	ok = level == 1 ? ENTRY_OK_L1 : ENTRY_OK_ALL;
	/* Cache attributes are for domains that drive devices, as in Xen's l1_disallow_mask. */
	if (level == 1 && d->is_privileged)
		ok |= ENTRY_L1_CACHE;
	if (entry & ~(ok | PV_PTE_ADDR_MASK))
		return -XEN_EINVAL;
	/*
	 * Not a frame the hypervisor manages: a device's, for the domain that
	 * drives devices and asks for it (hv/iomem.h). Otherwise, at L1, I/O
	 * memory the domain may not map: -EPERM, as Xen 4.17 answers a domain
	 * without the rights (dom0 too, for frames past the machine's
	 * addresses: measured, mmu_errors), except for the all-ones frame
	 * number (Xen's INVALID_MFN: -EINVAL); a table there is -EINVAL.
	 */
	if (!mfn_valid(pv_pte_mfn(entry)) &&
	    !(level == 1 && iomem_frame_ok(d, pv_pte_mfn(entry), entry & PV_PTE_RW)))
		return level == 1 && pv_pte_mfn(entry) != PV_PTE_ADDR_MASK >> 12 ? -XEN_EPERM : -XEN_EINVAL;
	/* Global guest translations would outlive CR3 switches (kernel/user, other domains): never. */
	*adjusted = (entry | PV_PTE_US) & ~PV_PTE_G;
	return 0;
}

/* The domain a page-table frame belongs to; NULL for free, reserved or hypervisor frames. */
static struct domain *table_owner(const struct page_info *pg)
{
	uint32_t state = __atomic_load_n(&pg->alloc_info, __ATOMIC_ACQUIRE) & FRAME_STATE_MASK;
	struct frame_owner *owner = __atomic_load_n(&pg->u.owner, __ATOMIC_ACQUIRE);

	/* Every owner other than the hypervisor is a domain's embedded frame_owner. */
	if (state != FRAME_STATE_ALLOCATED || owner == NULL || owner == &frame_owner_hv)
		return NULL;
	return container_of(owner, struct domain, mem);
}

static inline int16_t linear_of(uint64_t x)
{
	return (int16_t)(uint16_t)((x & PGT_LINEAR_MASK) >> PGT_LINEAR_SHIFT);
}

/* Moves the linear count by delta if the result stays within [lo, hi]. */
static bool linear_step(struct page_info *pg, int delta, int lo, int hi)
{
	uint64_t x = load_word(&pg->type_info), nx;
	int v;

	do {
		v = linear_of(x) + delta;
		if (v < lo || v > hi)
			return false;
		nx = (x & ~PGT_LINEAR_MASK) | ((uint64_t)(uint16_t)(int16_t)v << PGT_LINEAR_SHIFT);
	} while (!cas_word(&pg->type_info, &x, nx));
	return true;
}

/* A table holding linear entries cannot be a linear target, and the reverse (Xen, XSA-240). */
static bool linear_inc_entries(struct page_info *pg)
{
	return linear_step(pg, 1, 1, INT16_MAX);
}

static bool linear_inc_uses(struct page_info *pg)
{
	return linear_step(pg, -1, INT16_MIN, -1);
}

static void linear_dec_entries(struct page_info *pg)
{
	if (!linear_step(pg, -1, 0, INT16_MAX - 1))
		panic("pv_mm: mfn %#lx linear entry count underflow", page_to_mfn(pg));
}

static void linear_dec_uses(struct page_info *pg)
{
	if (!linear_step(pg, 1, INT16_MIN + 1, 0))
		panic("pv_mm: mfn %#lx linear use count underflow", page_to_mfn(pg));
}

/* Takes an L4 type reference only on an L4 that is validated already: linear maps never validate. */
static bool get_validated_l4(struct page_info *pg)
{
	uint64_t x = load_word(&pg->type_info);

	do {
		if ((x & (PGT_TYPE_MASK | PGT_VALIDATED)) !=
		    (((uint64_t)PAGE_TYPE_L4 << PGT_TYPE_SHIFT) | PGT_VALIDATED))
			return false;
		if ((x & PGT_COUNT_MASK) == 0 || (x & PGT_COUNT_MASK) == PGT_COUNT_MASK)
			return false;
	} while (!cas_word(&pg->type_info, &x, x + 1));
	return true;
}

/* An L4 entry mapping another, already validated L4 of d, read-only. */
static int get_linear_l4(struct domain *d, struct page_info *table, struct page_info *pg, uint64_t e)
{
	if (e & PV_PTE_RW)
		return -XEN_EINVAL;
	if (get_page(pg, d, false))
		return -XEN_EINVAL;
	/*
	 * The type first: a table still being validated must never see its
	 * linear count moved by others (a failed validation restores its word).
	 */
	if (!get_validated_l4(pg))
		goto no_type;
	if (!linear_inc_entries(table))
		goto no_entries;
	if (!linear_inc_uses(pg))
		goto no_uses;
	return 0;
no_uses:
	linear_dec_entries(table);
no_entries:
	put_page_type(pg);
no_type:
	put_page(pg);
	return -XEN_EINVAL;
}

static bool is_validated_l4(const struct page_info *pg)
{
	uint64_t x = __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);

	return page_type_info_make(PAGE_TYPE_L4, 0, PGT_VALIDATED) == (x & (PGT_TYPE_MASK | PGT_VALIDATED)) &&
	       (x & PGT_COUNT_MASK);
}

/* Weak default for builds without grant tables (the pv_mm host tests). */
__attribute__((weak)) bool gnttab_is_guest_frame(struct domain *d, mfn_t mfn)
{
	(void)d;
	(void)mfn;
	return false;
}

static int get_l1_target(struct domain *d, mfn_t mfn, uint64_t e)
{
	struct page_info *pg = mfn_to_page(mfn);
	/* The hypervisor frames a guest maps through its own tables: its shared_info and grant frames. */
	bool shared = (__atomic_load_n(&pg->count_info, __ATOMIC_ACQUIRE) & PGC_SHARED_HV) &&
		      (mfn == d->shared_info_mfn || gnttab_is_guest_frame(d, mfn));
	int rc = get_page(pg, d, shared);

	if (rc)
		return rc == -XEN_EOVERFLOW ? rc : -XEN_EBUSY;
	if (e & PV_PTE_RW) {
		rc = get_page_type(pg, PAGE_TYPE_WRITABLE);
		if (rc) {
			put_page(pg);
			return rc == -XEN_EOVERFLOW ? rc : -XEN_EBUSY;
		}
	}
	return 0;
}

/* References for a present, checked entry e stored in slot of table_mfn (a level table). */
static int get_entry_refs(struct domain *d, unsigned int level, mfn_t table_mfn, uint64_t e)
{
	mfn_t mfn = pv_pte_mfn(e);
	struct page_info *pg = mfn_to_page(mfn);

	switch (level) {
	case 1:
		/* A device frame (checked by pv_mm_check_entry) has no page_info: nothing to hold. */
		return mfn_valid(mfn) ? get_l1_target(d, mfn, e) : 0;
	case 2:
	case 3:
		return get_page_and_type(pg, d, pv_level_type(level - 1));
	default:
		if (mfn == table_mfn)
			return (e & PV_PTE_RW) ? -XEN_EINVAL : 0;
		if (is_validated_l4(pg))
			return get_linear_l4(d, mfn_to_page(table_mfn), pg, e);
		return get_page_and_type(pg, d, PAGE_TYPE_L3);
	}
}

/* Drops the writable type reference of an L1 entry; stored: it was in the table, so possibly in a TLB. */
static void put_l1_writable(struct page_info *pg, bool stored)
{
	/* Flag first: once the type is dropped another CPU may retype the frame. */
	if (stored) {
		__atomic_fetch_or(&pg->type_info, PGT_NEED_FLUSH, __ATOMIC_ACQ_REL);
		pv_mm_note_stale(pg);
	}
	put_page_type(pg);
}

/*
 * Drops what a present entry e of the level table table_mfn holds. stored:
 * e was in the table (so possibly in a TLB), not just a reference taken and
 * given back while validating. preemptible: a child table whose last type
 * reference this is may be released only partly (-XEN_ERESTART): the entry
 * then still holds everything, and a later call continues.
 */
static int put_entry_refs_p(unsigned int level, mfn_t table_mfn, uint64_t e, bool stored, bool preemptible)
{
	mfn_t mfn = pv_pte_mfn(e);
	struct page_info *pg = mfn_to_page(mfn);

	switch (level) {
	case 1:
		if (!mfn_valid(mfn))
			return 0;	/* a device frame held nothing */
		if (e & PV_PTE_RW)
			put_l1_writable(pg, stored);
		put_page(pg);
		return 0;
	case 2:
	case 3:
		return preemptible ? put_page_and_type_preemptible(pg) : (put_page_and_type(pg), 0);
	default:
		if (mfn == table_mfn)
			return 0;
		/*
		 * While we hold its type it cannot change, so the type says how
		 * the entry was taken; a release of ours that was preempted has
		 * moved the linear counts already (only we hold it then).
		 */
		if (page_type_of(pg) == PAGE_TYPE_L4 &&
		    !(__atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE) & PGT_PARTIAL_PUT)) {
			linear_dec_uses(pg);
			linear_dec_entries(mfn_to_page(table_mfn));
		}
		return preemptible ? put_page_and_type_preemptible(pg) : (put_page_and_type(pg), 0);
	}
}

static void put_entry_refs(unsigned int level, mfn_t table_mfn, uint64_t e, bool stored)
{
	put_entry_refs_p(level, table_mfn, e, stored, false);
}

static inline unsigned int type_level(enum page_type t)
{
	return (unsigned int)(t - PAGE_TYPE_L1) + 1;
}

static inline bool slot_skipped(unsigned int level, unsigned int i)
{
	return level == 4 && pv_l4_slot_is_hv(i);
}

/*
 * Most slots of a table are empty (zero) and hold nothing: groups of 8
 * (a cache line) are passed over with one test, where a slot-by-slot scan
 * costs 9 or 10 instructions per slot, 5 k per table each way. Only a
 * filter: the caller still decides on the entry it stops at (non-zero is
 * not necessarily present). The table cannot change meanwhile: it is being
 * (de)validated by us, so it has no writable mapping.
 */
#define EMPTY_GROUP	8

static inline bool group_empty(const uint64_t *g)
{
	return (g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7]) == 0;
}

/* The first index from i on whose entry is not zero; PV_PT_ENTRIES if none. */
static unsigned int skip_empty_up(const uint64_t *tbl, unsigned int i)
{
	while (i < PV_PT_ENTRIES && (i % EMPTY_GROUP) && tbl[i] == 0)
		i++;
	while (i + EMPTY_GROUP <= PV_PT_ENTRIES && group_empty(tbl + i))
		i += EMPTY_GROUP;
	while (i < PV_PT_ENTRIES && tbl[i] == 0)
		i++;
	return i;
}

/* The largest n <= end whose entry n - 1 is not zero; 0 if none. */
static unsigned int skip_empty_down(const uint64_t *tbl, unsigned int end)
{
	while (end > 0 && (end % EMPTY_GROUP) && tbl[end - 1] == 0)
		end--;
	while (end >= EMPTY_GROUP && group_empty(tbl + end - EMPTY_GROUP))
		end -= EMPTY_GROUP;
	while (end > 0 && tbl[end - 1] == 0)
		end--;
	return end;
}

/*
 * The same answers, without the call when the entry at hand is in use: in
 * the dense tables of a busy process the group test would run for every
 * entry and find nothing to skip.
 */
static inline unsigned int next_used_up(const uint64_t *tbl, unsigned int i)
{
	return i < PV_PT_ENTRIES && tbl[i] ? i : skip_empty_up(tbl, i);
}

static inline unsigned int next_used_down(const uint64_t *tbl, unsigned int end)
{
	return end > 0 && tbl[end - 1] ? end : skip_empty_down(tbl, end);
}

/*
 * Releases entries end-1 down to 0, so that whatever is left is always a
 * prefix [0, n) (the partial state's rule). Returns n: 0 when all are
 * released. Only tables above L1 stop early: an L1 entry never releases a
 * table, so an L1 is bounded work.
 */
static unsigned int release_from(struct domain *d, unsigned int level, mfn_t mfn, unsigned int end,
				 bool stored, bool preemptible)
{
	const uint64_t *tbl = table_of(mfn);

	preemptible = preemptible && level > 1 && d != NULL;
	for (unsigned int j = next_used_down(tbl, end); j > 0; j = next_used_down(tbl, j - 1)) {
		uint64_t e = tbl[j - 1];

		if (slot_skipped(level, j - 1) || !entry_present(e))
			continue;
		if (put_entry_refs_p(level, mfn, e, stored, preemptible))
			return j;
		if (preemptible && j > 1 && pv_mm_preempt_check(d))
			return j - 1;
	}
	return 0;
}

unsigned int pv_mm_release_entries(struct page_info *pg, enum page_type type, unsigned int next, bool preemptible)
{
	return release_from(table_owner(pg), type_level(type), page_to_mfn(pg), next, true, preemptible);
}

/*
 * Pass 2, once every entry holds its references: the stored values get US
 * forced on. Only entries [from, end) were looked at by this call's pass 1,
 * which marked in adjust those whose stored value changes; the entries
 * before from (a validation resumed after preemption) are checked again.
 * The table's contents cannot change meanwhile: it has a page-table type,
 * so no writable mapping of it exists.
 */
static void adjust_entries(struct domain *d, unsigned int level, uint64_t *tbl, unsigned int from,
			   const uint64_t *adjust)
{
	uint64_t adj;

	for (unsigned int i = 0; i < from; i++) {
		if (slot_skipped(level, i) || pv_mm_check_entry(d, level, tbl[i], &adj))
			continue;
		if (adj != tbl[i])
			__atomic_store_n(&tbl[i], adj, __ATOMIC_RELAXED);
	}
	for (unsigned int w = 0; w < PV_PT_ENTRIES / 64; w++) {
		for (uint64_t bits = adjust[w]; bits; bits &= bits - 1) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(bits);

			if (!pv_mm_check_entry(d, level, tbl[i], &adj))
				__atomic_store_n(&tbl[i], adj, __ATOMIC_RELAXED);
		}
	}
	if (level == 4)
		pv_mm_install_hv_slots(tbl);
}

int pv_mm_validate_table(struct page_info *pg, enum page_type type, unsigned int *next)
{
	struct domain *d = table_owner(pg);
	unsigned int level = type_level(type);
	mfn_t mfn = page_to_mfn(pg);
	uint64_t *tbl = table_of(mfn), adj;
	/* Entries pass 1 found needing a change: pass 2 then skips the others (most of an L1 is empty). */
	uint64_t adjust[PV_PT_ENTRIES / 64] = { 0 };
	unsigned int i = *next, from = *next;
	int rc = -XEN_EINVAL;

	/* Pass 1 takes references only, so a refusal leaves every byte as it was. */
	for (; d != NULL && (i = next_used_up(tbl, i)) < PV_PT_ENTRIES; i++) {
		uint64_t e = __atomic_load_n(&tbl[i], __ATOMIC_RELAXED);

		if (slot_skipped(level, i) || !entry_present(e))
			continue;
		rc = pv_mm_check_entry(d, level, e, &adj);
		if (!rc)
			rc = get_entry_refs(d, level, mfn, e);
		/* A child table left partial: entry i holds nothing yet, and is where we resume. */
		if (rc == -XEN_ERESTART) {
			*next = i;
			return rc;
		}
		if (rc)
			break;
		if (adj != e)
			adjust[i / 64] |= 1ULL << (i % 64);
		if (level > 1 && i + 1 < PV_PT_ENTRIES && pv_mm_preempt_check(d)) {
			*next = i + 1;
			return -XEN_ERESTART;
		}
	}
	if (d == NULL || i < PV_PT_ENTRIES) {
		*next = release_from(d, level, mfn, i, false, true);
		return rc;
	}
	adjust_entries(d, level, tbl, from, adjust);
	*next = 0;
	return 0;
}

/* A type reference on a table that is a validated page table now; its level, or an error. */
static int get_current_table(struct page_info *pg, unsigned int *level)
{
	uint64_t x = load_word(&pg->type_info);
	enum page_type t;

	for (;;) {
		t = (enum page_type)((x & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
		if (!pv_type_is_pt(t) || (x & PGT_COUNT_MASK) == 0)
			return -XEN_EINVAL;
		if ((x & PGT_COUNT_MASK) == PGT_COUNT_MASK)
			return -XEN_EOVERFLOW;
		if (!(x & PGT_VALIDATED)) {
			/* Partly (de)validated, left so between calls: not a table to change. */
			if (x & PGT_PARTIAL)
				return -XEN_EINVAL;
			/* Being validated (we wait for it) or devalidated (its count then drops to 0). */
			pv_mm_spin_wait();
			x = load_word(&pg->type_info);
			continue;
		}
		if (cas_word(&pg->type_info, &x, x + 1))
			break;
	}
	*level = type_level(t);
	return 0;
}

/* Same frame, same presence, same RW: the references the entry holds do not change. */
static bool same_refs(uint64_t old, uint64_t val)
{
	if (!entry_present(old) && !entry_present(val))
		return true;
	return entry_present(old) && entry_present(val) &&
	       pv_pte_mfn(old) == pv_pte_mfn(val) && ((old ^ val) & PV_PTE_RW) == 0;
}

/*
 * An L1 entry losing RW but keeping its (managed) frame (a write-protect
 * through mmu_update or update_va_mapping): the general reference the old
 * entry holds is the one the new needs, so only the writable type goes.
 */
static bool l1_downgrade(const struct domain *d, unsigned int level, uint64_t old, uint64_t val)
{
	/*
	 * Only for d's own frames (the old entry's reference keeps the owner):
	 * another domain's frame, or a hypervisor frame, takes the full path,
	 * which refuses it as it always did and as Xen does.
	 */
	return level == 1 && entry_present(old) && entry_present(val) && pv_pte_mfn(old) == pv_pte_mfn(val) &&
	       (old & PV_PTE_RW) && !(val & PV_PTE_RW) && mfn_valid(pv_pte_mfn(val)) &&
	       __atomic_load_n(&mfn_to_page(pv_pte_mfn(val))->u.owner, __ATOMIC_ACQUIRE) == &d->mem;
}

/* The swap itself: take the new entry's references, CAS it in, drop the old one's. */
/* expect (may be NULL): the entry must still be *expect, else -XEN_EAGAIN and nothing changes. */
static int swap_entry(struct domain *d, unsigned int level, mfn_t table_mfn, uint64_t *slot,
		      uint64_t val, bool preserve_ad, const uint64_t *expect)
{
	uint64_t old = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	for (;;) {
		uint64_t nv = preserve_ad ? val | (old & (PV_PTE_A | PV_PTE_D)) : val;
		int rc;

		if (expect && old != *expect)
			return -XEN_EAGAIN;

		if (same_refs(old, nv)) {
			if (cas_word(slot, &old, nv))
				return 0;
			continue;
		}
		if (l1_downgrade(d, level, old, nv)) {
			if (!cas_word(slot, &old, nv))
				continue;
			put_l1_writable(mfn_to_page(pv_pte_mfn(old)), true);
			return 0;
		}
		if (entry_present(nv)) {
			rc = get_entry_refs(d, level, table_mfn, nv);
			if (rc)
				return rc;
		}
		if (cas_word(slot, &old, nv)) {
			/* The update is done; a big table it released is finished off this call. */
			if (entry_present(old) && put_entry_refs_p(level, table_mfn, old, true, true))
				pv_mm_defer_put(mfn_to_page(pv_pte_mfn(old)));
			return 0;
		}
		/* Changed under us (another vCPU, or the CPU setting A/D): undo and look again. */
		if (entry_present(nv))
			put_entry_refs(level, table_mfn, nv, false);
	}
}

static int mod_entry(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t new_entry, bool preserve_ad,
		     const uint64_t *expect)
{
	struct page_info *pg;
	unsigned int level;
	uint64_t val;
	int rc;

	if (!mfn_valid(table_mfn) || index >= PV_PT_ENTRIES)
		return -XEN_EINVAL;
	pg = mfn_to_page(table_mfn);
	rc = get_page(pg, d, false);
	if (rc)
		return -XEN_EINVAL;
	/* Our own type reference keeps the table validated (and its type) until we are done. */
	rc = get_current_table(pg, &level);
	if (rc) {
		put_page(pg);
		return rc;
	}
	if (slot_skipped(level, index))
		rc = -XEN_EINVAL;	/* as Xen 4.17 (the brief's -EPERM had no security reason: issue 15) */
	else
		rc = pv_mm_check_entry(d, level, new_entry, &val);
	if (!rc)
		rc = swap_entry(d, level, table_mfn, &table_of(table_mfn)[index], val, preserve_ad, expect);
	put_page_and_type(pg);
	return rc;
}

/* Equal but for the A and D bits the CPU may have set since the entry was written. */
static inline bool same_but_ad(uint64_t a, uint64_t b)
{
	return ((a ^ b) & ~(PV_PTE_A | PV_PTE_D)) == 0;
}

int pv_mm_grant_swap_l1(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t val, const uint64_t *match)
{
	struct page_info *pg;
	unsigned int level;
	uint64_t *slot, old;
	int rc;

	if (!mfn_valid(table_mfn) || index >= PV_PT_ENTRIES)
		return -XEN_EINVAL;
	pg = mfn_to_page(table_mfn);
	if (get_page(pg, d, false))
		return -XEN_EINVAL;
	rc = get_current_table(pg, &level);
	if (rc) {
		put_page(pg);
		return rc;
	}
	rc = level == 1 ? 0 : -XEN_EINVAL;
	slot = &table_of(table_mfn)[index];
	old = load_word(slot);
	while (!rc) {
		if (match && !same_but_ad(old, *match)) {
			rc = -XEN_EINVAL;
			break;
		}
		if (cas_word(slot, &old, val))
			break;
	}
	if (!rc && entry_present(old))
		put_entry_refs(1, table_mfn, old, true);
	put_page_and_type(pg);
	return rc;
}

int pv_mm_mod_entry(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t new_entry, bool preserve_ad)
{
	return mod_entry(d, table_mfn, index, new_entry, preserve_ad, NULL);
}

int pv_mm_mod_entry_from(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t expect, uint64_t new_entry)
{
	return mod_entry(d, table_mfn, index, new_entry, false, &expect);
}

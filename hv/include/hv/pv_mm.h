/* SPDX-License-Identifier: MIT */
/* PV memory management core: frame reference/type counting and validation of guest page tables (x86_64 PV ABI). */
#ifndef HV_PV_MM_H
#define HV_PV_MM_H

#include <hv/frame.h>
#include <hv/types.h>

struct domain;

/*
 * The rules, in one place (they follow Xen's x86_64 PV memory manager):
 *
 * General references (count_info): every present guest entry that maps a
 * frame holds one, so does every pin and every caller of get_page. A frame
 * may be referenced by domain d when it is allocated and charged to d
 * (page->u.owner == &d->mem), or when it is a hypervisor frame marked
 * PGC_SHARED_HV and the caller says shared frames are acceptable (for guest
 * L1 entries: d's own shared_info, grant and grant-status frames only).
 * Dropping the last general reference frees nothing: the allocation itself is not counted here, and
 * whoever frees a frame must make sure no reference is left (frame_free
 * panics otherwise).
 *
 * Type references (type_info): a frame has one type at a time. The type
 * can change only while the type count is 0. Page-table types (L1..L4) are
 * validated when the count goes 0 -> 1 and devalidated (the references
 * their entries hold are dropped) when it goes 1 -> 0. Who holds one:
 *   L1 entry with RW set      -> target takes PAGE_TYPE_WRITABLE
 *   L1 entry without RW       -> no type reference (general only)
 *   L2 / L3 / L4 entry        -> target takes L1 / L2 / L3
 *   pin (MMUEXT_PIN_Ln_TABLE) -> the table takes Ln, PGT_PINNED is set
 *   a vCPU's base pointer     -> the caller takes L4 (get_page_and_type)
 * So a frame mapped writable cannot become a page table and a page table
 * cannot be mapped writable: both need a type the other holds. A frame
 * whose type count drops to 0 loses its type (type_info keeps only
 * PGT_NEED_FLUSH and PGT_STALE_PT, below), so an unused frame looks as it
 * did before its first use.
 *
 * Entry checks, for a present entry (non-present entries are accepted as
 * they are and hold nothing):
 *   bits allowed at every level: P RW US A D, AVAIL 9..11, 52..62, NX
 *   L1 also: G; and PWT PCD PAT(7) only for a privileged domain (I/O)
 *   L2, L3: no PS (no superpages), no G, no PWT/PCD
 *   L4: no PS, no G, no PWT/PCD; slots 256..271 are the hypervisor's
 * Any other bit set -> -XEN_EINVAL. MFN outside the frame table ->
 * -XEN_EPERM at L1 (I/O memory, unless asked for as below), -XEN_EINVAL
 * above. The stored value gets US forced on (the guest kernel runs at
 * CPL3) and G cleared: G is accepted, as Xen accepts it, but a global
 * guest translation would survive CR3 switches (guest kernel to user,
 * domain to domain), and Linux does not use it under PV. The arch relies on
 * it: a CR3 reload is its full flush of guest translations.
 *
 * Error codes (as Xen returns them for the same failure):
 *   L1 target not mappable by d (not d's, free, reserved, another
 *   domain's), or RW target that cannot take WRITABLE (it is a page
 *   table or descriptor page)                       -> -XEN_EBUSY
 *   L2..L4 target not d's, or in use as another type -> -XEN_EINVAL
 *   L2..L4 target whose own validation fails  -> that failure's error
 *   type change refused (other type, count > 0)     -> -XEN_EINVAL
 *   bad flags                                       -> -XEN_EINVAL
 *   MFN beyond the frame table at L1                -> -XEN_EPERM
 *     (as Xen: I/O memory the domain may not map; only dom0 maps device
 *     frames, through foreigndom DOMID_IO: hv/iomem.h)
 *   MFN beyond the frame table at L2..L4            -> -XEN_EINVAL
 *   pin of a pinned table, unpin of an unpinned one -> -XEN_EINVAL
 *   mod_entry on L4 slots 256..271                  -> -XEN_EINVAL
 *   count overflow (2^32 - 1 references)            -> -XEN_EOVERFLOW
 * A failing call changes nothing: no count, no type, no table byte. The one
 * exception is PGT_NEED_FLUSH (below), which a failed validation may leave
 * set on frames that a table it validated and released again mapped RW:
 * that costs one extra TLB flush later, nothing else.
 *
 * Linear (recursive) page tables, L4 only: an L4 entry may map an L4 frame
 * read-only. If it maps the L4 that contains it (self map) it holds no
 * reference (a table cannot keep itself alive). If it maps another L4, that
 * L4 must already be a validated L4 of d (it is never validated through
 * this path); the entry holds a general and an L4 type reference, and, as
 * in Xen after XSA-240, a table that holds such entries cannot itself be
 * the target of one, and the reverse, so chains are one level deep. The
 * bookkeeping is a signed 16-bit count in type_info bits 32..47:
 * > 0 = linear entries this L4 holds, < 0 = linear entries mapping it.
 *
 * Concurrency: every function is SMP-safe through compare-and-swap loops
 * on count_info/type_info; there is no lock. A CPU that wants a type
 * another CPU is validating or devalidating spins until that ends.
 *
 * Preemption (a guest must not hold a CPU for long): validating or
 * releasing an L2..L4 stops after any entry when pv_mm_preempt_check(d)
 * says so (the arch answers yes only inside d's own hypercall with other
 * work waiting, or in d's teardown steps), and at least one entry is done
 * per call. The table is then left PARTIAL: type count exactly 1, one
 * general reference, both owned by
 * the partial state, not VALIDATED, and entries [0, next) hold their
 * references (next in page_info.user_tag, free on domain frames); entry
 * next may be a child table that is partial itself. Validation moves next
 * up, release moves it down, so the rule holds both ways.
 *   PARTIAL alone: a validation stopped with -XEN_ERESTART. The next
 *     get_page_type of the same type takes it over (the caller retries, as
 *     a hypercall continuation does) and resumes at next; another type is
 *     refused (-XEN_EINVAL, as for any table in use). A guest that never
 *     retries leaves it so until the domain dies (pv_mm_relinquish).
 *   PARTIAL | PARTIAL_PUT: a release stopped (-XEN_ERESTART from
 *     put_page_type_preemptible, or the undo of a refused validation): its
 *     holder calls put again to continue; meanwhile get_page_type refuses
 *     it (-XEN_EINVAL). Releases the caller cannot continue itself (unpin,
 *     a replaced entry, a refused validation) go to pv_mm_defer_put.
 * Counts stay exact at every stop. A refused validation returns its error
 * at once; if undoing it was preempted, the undo is deferred
 * (pv_mm_defer_put) and the "changes nothing" rule holds once the arch has
 * run the deferred puts, which it does before the guest's next MMU call.
 * mod_entry on a partial table is refused (-XEN_EINVAL).
 */

/* x86 page-table entry bits (architectural; hv/common cannot see asm/x86.h). */
#define PV_PTE_P		(1ULL << 0)
#define PV_PTE_RW		(1ULL << 1)
#define PV_PTE_US		(1ULL << 2)
#define PV_PTE_PWT		(1ULL << 3)
#define PV_PTE_PCD		(1ULL << 4)
#define PV_PTE_A		(1ULL << 5)
#define PV_PTE_D		(1ULL << 6)
#define PV_PTE_PS		(1ULL << 7)	/* PAT at L1 */
#define PV_PTE_G		(1ULL << 8)
#define PV_PTE_AVAIL		(7ULL << 9)
#define PV_PTE_AVAIL_HIGH	(0x7ffULL << 52)
#define PV_PTE_NX		(1ULL << 63)
#define PV_PTE_ADDR_MASK	0x000ffffffffff000ULL

#define PV_PT_ENTRIES		512
#define PV_L4_HV_FIRST		256	/* hypervisor slots in every guest L4 */
#define PV_L4_HV_LAST		271

/* Linear-entry bookkeeping in type_info (see above); reserved bits in frame.h. */
#define PGT_LINEAR_SHIFT	32
#define PGT_LINEAR_MASK		(0xffffULL << PGT_LINEAR_SHIFT)
/*
 * Set when a stored RW L1 entry mapping the frame is removed (replaced, or
 * its L1 devalidated): a CPU may still hold that writable translation in
 * its TLB. Before the frame takes any type but WRITABLE, get_page_type
 * clears it and calls pv_mm_flush_tlbs, before reading the contents, so a
 * stale writable TLB entry can never write a validated table. It survives
 * the type count dropping to 0 (the other bit an unused frame may keep).
 */
#define PGT_NEED_FLUSH		(1ULL << 52)
/*
 * Set (to the type, L1..L4) when a page-table type is dropped after
 * validation: a CPU may still cache paging structures that point into the
 * frame. Before it takes any other type (writable above all) get_page_type
 * clears it and calls pv_mm_flush_tlbs. The same table type again needs no
 * flush (its contents cannot have changed: writing them needs a writable
 * type, which flushes) and keeps the mark. It survives the type count
 * dropping to 0.
 */
#define PGT_STALE_SHIFT		58
#define PGT_STALE_PT		(7ULL << PGT_STALE_SHIFT)
#define PGT_FLUSH_FLAGS		(PGT_NEED_FLUSH | PGT_STALE_PT)
/* Partial (de)validation, see "Preemption" above. */
#define PGT_PARTIAL		(1ULL << 54)
#define PGT_PARTIAL_PUT		(1ULL << 55)
#define PGT_KEEP_UNUSED		(PGT_LINEAR_MASK | PGT_FLUSH_FLAGS)

static inline mfn_t pv_pte_mfn(uint64_t e)
{
	return (e & PV_PTE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline bool pv_l4_slot_is_hv(unsigned int slot)
{
	return slot >= PV_L4_HV_FIRST && slot <= PV_L4_HV_LAST;
}

/* PAGE_TYPE_L1..L4 for level 1..4; PAGE_TYPE_NONE for anything else. */
static inline enum page_type pv_level_type(unsigned int level)
{
	return level >= 1 && level <= 4 ? (enum page_type)(PAGE_TYPE_L1 + level - 1) : PAGE_TYPE_NONE;
}

/*
 * General reference. 0, or -XEN_EINVAL when d may not reference the frame
 * (see above; allow_shared_hv admits PGC_SHARED_HV hypervisor frames), or
 * -XEN_EOVERFLOW.
 */
int get_page(struct page_info *pg, struct domain *d, bool allow_shared_hv);
/*
 * Before d gives a frame back (decrease_reservation): 0 if it is d's and
 * holds no general or type reference, and then no get_page succeeds on it
 * until pv_mm_release_abort (the frame is freed instead); else -XEN_EINVAL.
 * Safe against d's other vCPUs mapping it at the same time.
 */
int pv_mm_claim_for_release(struct domain *d, struct page_info *pg);
void pv_mm_release_abort(struct page_info *pg);
/* Drops a general reference; a put without a get is a hypervisor bug (panic). */
void put_page(struct page_info *pg);

/*
 * Type reference of type (PAGE_TYPE_WRITABLE, _L1.._L4, _SEGDESC). With
 * count 0 the frame changes type; for L1..L4 its contents are validated
 * first (taking the references its entries need; all released again if one
 * entry is refused) and, for an L4, slots 256..271 are then filled by
 * pv_mm_install_hv_slots. Errors: -XEN_EINVAL (other type in use, type
 * NONE, frame not owned by a domain for a page-table type), the first
 * refused entry's error (see above), -XEN_EOVERFLOW. The caller must hold a
 * general reference. SEGDESC contents are not checked here: the descriptor
 * code must do it.
 */
int get_page_type(struct page_info *pg, enum page_type type);
/* Drops a type reference; the last one of a page-table type devalidates it (all of it, however long). */
void put_page_type(struct page_info *pg);
/*
 * As put_page_type, but a devalidation may stop early: -XEN_ERESTART, the
 * frame is left PARTIAL | PARTIAL_PUT and the caller's reference still
 * held; the caller calls again later (or hands it to pv_mm_defer_put).
 */
int put_page_type_preemptible(struct page_info *pg);
/* put_page_type_preemptible, then put_page once the type is gone; on -XEN_ERESTART both are still held. */
int put_page_and_type_preemptible(struct page_info *pg);

/* get_page then get_page_type (shared frames not accepted); nothing held on failure. */
int get_page_and_type(struct page_info *pg, struct domain *d, enum page_type type);
void put_page_and_type(struct page_info *pg);

/*
 * Checks a present or non-present entry for a table at level 1..4 (flags
 * and MFN range only, no references) and returns in *adjusted the value to
 * store (US forced). 0, -XEN_EPERM (L1, a frame outside the frame table) or -XEN_EINVAL.
 */
int pv_mm_check_entry(const struct domain *d, unsigned int level, uint64_t entry, uint64_t *adjusted);

/*
 * MMUEXT_PIN_Ln_TABLE: takes a general and an Ln type reference on mfn
 * (validating it if needed) and sets PGT_PINNED. -XEN_EINVAL for a bad
 * level or MFN, a frame that is not d's, a type conflict or an already
 * pinned table; a refused entry's error if validation fails.
 */
int pv_mm_pin_table(struct domain *d, mfn_t mfn, unsigned int level);
/* MMUEXT_UNPIN_TABLE: -XEN_EINVAL unless mfn is d's and pinned as a level table; else drops the pin's references. */
int pv_mm_unpin_table(struct domain *d, mfn_t mfn, unsigned int level);

/*
 * MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD of entry index of the
 * page table table_mfn, which must be d's and a validated L1..L4 now
 * (type count > 0), else -XEN_EINVAL. The new entry is checked and its
 * references taken, then swapped in with compare-and-swap against the old
 * value (retried if the entry changed meanwhile, e.g. the CPU set A/D),
 * then the old entry's references are dropped. A change that keeps the
 * frame, P and RW (A/D, NX, AVAIL bits...) takes and drops nothing. With
 * preserve_ad, A and D of the current entry are ORed into a present new
 * entry. L4 slots 256..271 -> -XEN_EINVAL. The caller flushes TLBs.
 */
int pv_mm_mod_entry(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t new_entry, bool preserve_ad);
/*
 * The same as one compare-and-exchange: only if the entry still is expect
 * (another vCPU, or a CPU setting accessed/dirty, may have changed it
 * since the caller read it), else -XEN_EAGAIN with nothing changed. For
 * emulated guest writes, whose result depends on the value they read.
 */
int pv_mm_mod_entry_from(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t expect, uint64_t new_entry);

/*
 * Grant mappings (hv/common/grant_op.c): puts val into slot index of d's
 * validated L1 table_mfn. The caller has already taken val's references
 * (general, plus writable type for RW) on the granted frame, which may
 * belong to another domain; from then on they are the entry's, dropped by
 * whoever removes it, like any L1 entry's. With match the slot must hold
 * *match but for A/D, else -XEN_EINVAL and nothing changes. The old
 * entry's references are dropped. The caller flushes TLBs.
 */
int pv_mm_grant_swap_l1(struct domain *d, mfn_t table_mfn, unsigned int index, uint64_t val, const uint64_t *match);

/*
 * Domain teardown, with no vCPU of d running: drops every pin among mfns,
 * devalidates every page table among them (dropping what its entries
 * hold), so that nothing d's own tables or pins held stays counted.
 * Frames not owned by d are skipped. Returns how many of d's frames still
 * have a general or type count (references held elsewhere, e.g. a vCPU's
 * base pointer not yet put): 0 means every frame can go to frame_free.
 */
size_t pv_mm_relinquish(struct domain *d, const mfn_t *mfns, size_t nr);

/*
 * The same teardown in steps: each stops when pv_mm_preempt_check(d) says
 * so (after a table entry above L1, or every 256 frames), returning
 * -XEN_ERESTART; call again with the same arguments and t until it returns
 * 0, then t->left is pv_mm_relinquish's result. Start with t zeroed.
 */
struct pv_mm_teardown {
	unsigned int phase;		/* 0 pins and abandoned validations, 1 forced devalidation, 2 count */
	size_t next;			/* next index into mfns */
	struct page_info *busy;		/* a release that stopped (holds its references) */
	struct page_info *force;	/* a forced devalidation that stopped ... */
	enum page_type force_type;
	unsigned int force_next;	/* ... with entries [0, force_next) still holding */
	size_t left;
};
int pv_mm_relinquish_step(struct domain *d, const mfn_t *mfns, size_t nr, struct pv_mm_teardown *t);
/*
 * The same work for one frame at a time (a domain's teardown walks the
 * frame table instead of holding a list of its frames): drops pg's pin or
 * abandoned validation, then what a validated table's entries hold. A
 * frame met before the tables referencing it is fine: their release later
 * drops what they hold on it. -XEN_ERESTART: stopped; call again with the
 * same pg and t (t zeroed before the first frame, and 0 returned leaves it
 * ready for the next).
 */
int pv_mm_relinquish_frame(struct domain *d, struct page_info *pg, struct pv_mm_teardown *t);

/*
 * Zombie frames (Xen's model of a dying domain's pages that others still
 * use, e.g. through a grant mapping). Once its owner is dying and its own
 * tables released, each frame is given up: pv_mm_claim_dead marks an
 * unreferenced one PGC_LEAVING (true: the caller frees it; get_page now
 * refuses it); pv_mm_make_zombie marks a referenced one PGC_ZOMBIE |
 * PGC_LEAVING and returns true; it stays allocated and charged to its
 * owner, no new reference is taken, and the put_page that drops its last
 * general reference puts it on the zombie list (false: it had none left
 * after all, and the caller frees it). The caller splits the frame's block
 * first, so a zombie is an order-0 block. pv_mm_zombies_take empties the
 * list (then walk it with pv_mm_zombie_next, before freeing each frame);
 * whoever takes it flushes every CPU's TLB (the last user's mapping may
 * still be cached) and frees the frames.
 */
#define PGC_ZOMBIE		(1ULL << 60)
bool pv_mm_claim_dead(struct page_info *pg);
bool pv_mm_make_zombie(struct page_info *pg);
struct page_info *pv_mm_zombies_take(void);
bool pv_mm_zombies_pending(void);
struct page_info *pv_mm_zombie_next(const struct page_info *pg);

/*
 * Arch hook: writes the hypervisor's entries (read-only M2P and the rest)
 * into slots 256..271 of a guest L4 that has just been validated. pv_mm.c
 * has a weak default that panics, so nothing validates an L4 silently
 * without them.
 */
void pv_mm_install_hv_slots(uint64_t *l4);

/*
 * Arch hook: returns once no CPU can still use a TLB entry (or cached
 * paging structure) that mapped pg through a guest entry removed before
 * the call; flushing every CPU's TLB is enough. The weak default in
 * pv_mm.c only warns (once): without a real one a guest can keep writing a
 * frame through a stale TLB entry after it became a page table.
 */
void pv_mm_flush_tlbs(struct page_info *pg);

/*
 * Arch hook, called on the CPU that has just set PGT_NEED_FLUSH or
 * PGT_STALE_PT on pg (after the flag is set): it may remember when, so that
 * pv_mm_flush_tlbs can tell whether the CPUs that might cache the removed
 * entry have flushed since. The weak default does nothing.
 */
void pv_mm_note_stale(struct page_info *pg);

/*
 * Arch hook, called in every spin of a CPU waiting for another CPU to
 * finish (de)validating a frame. The CPU it waits for may itself be inside
 * pv_mm_flush_tlbs waiting for this one: if hypercalls run with interrupts
 * off, this hook must answer pending flush requests, or both CPUs wait
 * forever. The weak default is cpu_relax (enough while flushes are local).
 */
void pv_mm_spin_wait(void);

/*
 * Arch hook: true when d's current hypercall should stop where it is and
 * continue later (work waiting for this CPU), or when a teardown step of d
 * (pv_mm_relinquish_step) has done its share. Only ever true inside a
 * hypercall of d's own vCPU that can continue or inside d's teardown; the
 * weak default says no.
 */
bool pv_mm_preempt_check(struct domain *d);

/*
 * Arch hook: pg holds a general and a type reference, partly released
 * (PARTIAL | PARTIAL_PUT); the current vCPU must finish it
 * (put_page_and_type_preemptible until it returns 0) before its next MMU
 * operation, and its domain's teardown must finish it (put_page_and_type).
 */
void pv_mm_defer_put(struct page_info *pg);

/*
 * Between pv_mm.c (counts) and pv_mm_pt.c (tables); not for other callers.
 * validate: *next in = first entry to do; returns 0 (*next = 0), or
 * -XEN_ERESTART (entries [0, *next) hold references), or an error with
 * entries [0, *next) still holding references (0 when all undone).
 * release: drops entries next-1 .. 0; returns how many are left held.
 */
int pv_mm_validate_table(struct page_info *pg, enum page_type type, unsigned int *next);
unsigned int pv_mm_release_entries(struct page_info *pg, enum page_type type, unsigned int next, bool preemptible);

static inline bool pv_type_is_pt(enum page_type t)
{
	return t >= PAGE_TYPE_L1 && t <= PAGE_TYPE_L4;
}

#endif

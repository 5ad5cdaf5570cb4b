/* SPDX-License-Identifier: MIT */
/* Grant tables (v1 and v2): per-domain shared entries, active pins, maptrack, and the grant_table_op hypercall. */
#ifndef HV_GRANT_TABLE_H
#define HV_GRANT_TABLE_H

#include <hv/types.h>
#include <pvabi/grant_table.h>

struct domain;
struct page_info;
struct vcpu;

/*
 * Defaults as Xen 4.17 (gnttab_max_frames=64, gnttab_max_maptrack_frames=1024).
 * A domain starts with one grant frame and grows on setup_table.
 */
#define GNTTAB_DEFAULT_MAX_FRAMES		64
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES	1024

/*
 * The model (who may change what):
 *
 * Shared entries live in hypervisor frames (PGC_SHARED_HV, charged to
 * frame_owner_hv) that the granting guest maps writable and rewrites at
 * any time. The hypervisor reads an entry's domid/flags once, decides, and
 * publishes GTF_reading/GTF_writing with a compare-and-swap on the same
 * word it read (v1), or, for v2, sets the bits in the status frame and then
 * reads the entry again (a granter that revoked in between sees our bits,
 * and we see its change and back out). A granter revokes with a CAS from
 * "permit, not reading/writing" to GTF_invalid, so an entry with our bits
 * set cannot be revoked: the guest-side protocol (Linux's
 * gnttab_end_foreign_access) relies on exactly this.
 *
 * Active entries (hypervisor-private, one per ref, under the granter's
 * table lock) count the uses of a granted frame: host/device mappings
 * (readonly or writable) and copies in flight. The first use pins the
 * entry (sets the GTF bits, records frame and mapper), the last one
 * unpins it. While pinned, the active entry's frame is the one used,
 * whatever the guest writes into the shared entry.
 *
 * References: every use holds a general reference on the granted frame,
 * and every writable use a PAGE_TYPE_WRITABLE type reference, so a frame
 * in use can be neither freed nor turned into a page table. A host mapping
 * is an ordinary L1 entry of the mapper and holds, as every L1 entry does,
 * its own general (+ writable) reference, dropped whoever removes the entry.
 *
 * Maptrack (per mapping domain): one entry per map_grant_ref handle,
 * grown a frame at a time up to max_maptrack_frames.
 *
 * Locks: each table has a table lock and a maptrack lock, never nested,
 * and no two tables' locks are held at once. They are plain spinlocks: no
 * interrupt handler touches grant state (a dead domain's mappings are
 * released from the boot CPU's idle loop, not from the tick that may
 * have shut it down), and keeping interrupts on is cheaper.
 */

struct grant_table;

/*
 * Domain life cycle. init (0 = default limits): 0 or -XEN_ENOMEM, with one
 * grant frame. destroy releases d's own mappings first (the granters'
 * entries get their flags cleared), then frees d's table; call it after
 * d's page tables are gone, so nothing of d maps its grant frames.
 */
int gnttab_domain_init(struct domain *d, unsigned int max_frames, unsigned int max_maptrack_frames);
/*
 * New maximum grant and maptrack frames (0: default; at most 4096 and
 * 65536) for a domain that has not run yet: 0, -XEN_EINVAL, -XEN_EBUSY
 * (below what it has already), -XEN_ENOMEM.
 */
int gnttab_set_limits(struct domain *d, unsigned int max_frames, unsigned int max_maptrack_frames);
/* Drops every mapping d holds of other domains' (and its own) grants; safe to call more than once. */
void gnttab_release_mappings(struct domain *d);
/* The same in steps (teardown): at most max mappings from handle h on; the handle to go on from, 0 when done. */
unsigned int gnttab_release_mappings_from(struct domain *d, unsigned int h, unsigned int max);
void gnttab_domain_destroy(struct domain *d);

/* Hypercall 20. */
long do_grant_table_op(struct vcpu *v, uint64_t cmd, uint64_t uop, uint64_t count, uint64_t a4, uint64_t a5);

/*
 * One use of a granted frame (a mapping or a copy side): what gnttab_release
 * needs to undo it. A transitive use pins ref of granter (no frame
 * references there; a domain reference keeps granter's table alive) and
 * trans_ref of trans, whose frame mfn it holds.
 */
struct gnttab_use {
	struct domain *granter;
	grant_ref_t ref;
	mfn_t mfn;
	bool writable;
	uint16_t off, len;	/* a copy may touch [off, off + len) of mfn only (sub-page grants) */
	struct domain *trans;	/* NULL unless transitive */
	grant_ref_t trans_ref;
};

/*
 * Core state machine (hv/common/grant_table.c), exported for grant_op.c and
 * the host tests. acquire: pins ref of granter for mapper (read or write)
 * and takes the frame references; returns GNTST_okay or a GNTST_* error
 * with nothing held. release undoes exactly one acquire.
 */
int gnttab_acquire(struct domain *granter, grant_ref_t ref, struct domain *mapper, bool writable,
		   struct gnttab_use *use);
/*
 * The same for GNTTABOP_copy, which alone (as in Xen) accepts v2 sub-page
 * grants (use->off/len narrowed to the window) and transitive ones: those
 * pin the grant they name (trans_domid, gref) for granter, one level
 * deep; one naming its own domain, no domain, or another transitive grant
 * is GNTST_general_error.
 */
int gnttab_acquire_copy(struct domain *granter, grant_ref_t ref, struct domain *mapper, bool writable,
			struct gnttab_use *use);
/*
 * For a copy batch: releases *use (a held copy use) and acquires ref of
 * granter into it as gnttab_acquire_copy, taking granter's lock once when
 * the old use is a plain one of the same granter. On failure nothing is
 * held.
 */
int gnttab_reacquire_copy(struct gnttab_use *use, struct domain *granter, grant_ref_t ref, struct domain *mapper,
			  bool writable);
void gnttab_release(const struct gnttab_use *use);

/* Table management, under the table lock. */
int gnttab_grow(struct domain *d, unsigned int nr_frames);
unsigned int gnttab_nr_frames(struct domain *d);
unsigned int gnttab_max_frames(struct domain *d);
unsigned int gnttab_version(struct domain *d);
/* 0, -XEN_EINVAL (not 1 or 2), -XEN_EBUSY (grants in use, or v2 status frames still mapped), -XEN_ENOMEM. */
int gnttab_set_version(struct domain *d, unsigned int version);
unsigned int gnttab_nr_status_frames(struct domain *d);
mfn_t gnttab_shared_mfn(struct domain *d, unsigned int i);
mfn_t gnttab_status_mfn(struct domain *d, unsigned int i);
unsigned int gnttab_nr_entries(struct domain *d);
/* d's own grant or status frame: with shared_info, the only hypervisor frames d's L1 entries may map. */
bool gnttab_is_guest_frame(struct domain *d, mfn_t mfn);
/*
 * Receiver's half of GNTTABOP_transfer: commits ref of e (an entry whose
 * flags are exactly GTF_accept_transfer, naming from), moves mfn (an
 * unreferenced order-0 frame of from that the caller has locked) to e
 * (e may be from itself), fills in the frame and completes the entry;
 * *gfn gets the frame number the receiver had written there. GNTST_okay or
 * GNTST_general_error with nothing changed.
 */
int gnttab_transfer_commit(struct domain *e, grant_ref_t ref, struct domain *from, mfn_t mfn, uint64_t *gfn);
/* Arch: a frame given away (by d) gets the receiver's gfn in the M2P, as Xen for PV; d's TLBs are flushed. */
void gnttab_arch_page_given_away(struct domain *d, mfn_t mfn, uint64_t gfn);
/*
 * Arch: the page of a transfer refused after the page checks (d's, no
 * reference left) is freed, as Xen 4.17 does; one d's other vCPUs took a
 * reference to meanwhile stays d's.
 */
void gnttab_arch_page_dropped(struct domain *d, mfn_t mfn);
/* GNTST_okay, GNTST_bad_gntref, or GNTST_general_error (an entry in use). */
int gnttab_swap(struct domain *d, grant_ref_t a, grant_ref_t b);

/*
 * Maptrack (hv/common/grant_maptrack.c). alloc returns a handle or -1 (GNTST_no_space); the entry is
 * reserved but not live until set. get copies a live entry out (false: bad
 * handle); take claims it for unmapping, so two unmaps of one handle
 * cannot both succeed; put frees it.
 */
struct gnttab_maptrack {
	struct gnttab_use use;
	uint64_t host_addr;	/* VA or PTE machine address; 0: no host mapping */
	uint32_t flags;		/* GNTMAP_* of the mapping still held */
	uint32_t state;		/* internal */
	uint64_t pte;		/* the entry installed (host mappings) */
	uint64_t pte_maddr;	/* machine address of its slot, for teardown */
};
int gnttab_maptrack_alloc(struct domain *d);
void gnttab_maptrack_set(struct domain *d, int handle, const struct gnttab_maptrack *m);
bool gnttab_maptrack_take(struct domain *d, grant_handle_t handle, struct gnttab_maptrack *out);
void gnttab_maptrack_untake(struct domain *d, grant_handle_t handle, uint32_t flags);
void gnttab_maptrack_put(struct domain *d, int handle);
unsigned int gnttab_maptrack_live(struct domain *d);
/* Whether d holds a live mapping of mfn (cache_flush of a foreign frame needs one). Walks the maptrack. */
bool gnttab_maptrack_find_mfn(struct domain *d, mfn_t mfn);

/*
 * Arch glue (hv/arch/x86_64/pv/grant_map.c). map installs a PTE for mfn
 * (held by the caller's acquire) at host_addr in d's page tables (a VA, or
 * with contains_pte the machine address of an L1 slot), taking the PTE's
 * own references; *pte gets the value installed, *pte_maddr the slot's
 * machine address (teardown removes the entry there, whatever VA maps it). unmap removes it if the
 * slot still holds it (ignoring A/D), dropping the PTE's references, and,
 * for unmap_and_replace, moves new_addr's entry into the slot. Both return
 * GNTST_*. flush makes sure no CPU keeps a TLB entry of d for a removed PTE.
 */
int gnttab_arch_map(struct domain *d, struct domain *granter, uint64_t host_addr, uint32_t flags,
		    mfn_t mfn, uint64_t *pte, uint64_t *pte_maddr);
int gnttab_arch_unmap(struct domain *d, uint64_t host_addr, uint32_t flags, uint64_t pte, uint64_t new_addr);
void gnttab_arch_flush(struct domain *d);
/* Writes the cache lines of [p, p + len) back to memory (cache_flush with GNTTAB_CACHE_CLEAN). */
void gnttab_arch_cache_clean(const void *p, size_t len);

#endif

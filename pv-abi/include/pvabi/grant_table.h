/* SPDX-License-Identifier: MIT */
/* grant_table_op hypercall and the v1 grant entry: how domains share pages with each other. */
#ifndef PVABI_GRANT_TABLE_H
#define PVABI_GRANT_TABLE_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* Entry written by the granting guest: domid and frame first, then flags (after a write barrier). */
struct grant_entry_v1 {
	uint16_t flags;
	domid_t domid;
	uint32_t frame;
};
PVABI_SIZE(struct grant_entry_v1, 8);
PVABI_OFF(struct grant_entry_v1, flags, 0);
PVABI_OFF(struct grant_entry_v1, domid, 2);
PVABI_OFF(struct grant_entry_v1, frame, 4);

#define GNTTAB_V1_ENTRIES_PER_PAGE	(4096 / sizeof(struct grant_entry_v1))

/*
 * v2 (GNTTABOP_set_version 2): 16-byte entries whose first word is laid
 * out as v1's, and GTF_reading/GTF_writing kept apart in status frames
 * (one uint16_t per entry, GNTTABOP_get_status_frames), so the hypervisor
 * never writes the granter's entry.
 */
struct grant_entry_header {
	uint16_t flags;
	domid_t domid;
};
PVABI_SIZE(struct grant_entry_header, 4);

union grant_entry_v2 {
	struct grant_entry_header hdr;
	struct {
		struct grant_entry_header hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {
		struct grant_entry_header hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	struct {
		struct grant_entry_header hdr;
		domid_t trans_domid;
		uint16_t pad0;
		grant_ref_t gref;
	} transitive;
	uint32_t spacer[4];
};
PVABI_SIZE(union grant_entry_v2, 16);
PVABI_OFF(union grant_entry_v2, full_page.frame, 8);
PVABI_OFF(union grant_entry_v2, sub_page.page_off, 4);
PVABI_OFF(union grant_entry_v2, sub_page.length, 6);
PVABI_OFF(union grant_entry_v2, transitive.trans_domid, 4);
PVABI_OFF(union grant_entry_v2, transitive.gref, 8);

typedef uint16_t grant_status_t;

#define GNTTAB_V2_ENTRIES_PER_PAGE	(4096 / sizeof(union grant_entry_v2))
#define GNTTAB_STATUS_PER_PAGE		(4096 / sizeof(grant_status_t))

/* Refs below 8 are reserved: the toolstack seeds 0 (console) and 1 (xenstore). */
#define GNTTAB_NR_RESERVED_ENTRIES	8
#define GNTTAB_RESERVED_CONSOLE		0
#define GNTTAB_RESERVED_XENSTORE	1

/* grant_entry_v1.flags: type in bits 0-1, then modifiers. */
#define GTF_invalid		0U
#define GTF_permit_access	1U
#define GTF_accept_transfer	2U
#define GTF_transitive		3U
#define GTF_type_mask		3U
#define _GTF_readonly		2
#define GTF_readonly		(1U << _GTF_readonly)
#define _GTF_reading		3
#define GTF_reading		(1U << _GTF_reading)	/* set by the hypervisor */
#define _GTF_writing		4
#define GTF_writing		(1U << _GTF_writing)	/* set by the hypervisor */
#define _GTF_PWT		5
#define GTF_PWT			(1U << _GTF_PWT)
#define _GTF_PCD		6
#define GTF_PCD			(1U << _GTF_PCD)
#define _GTF_PAT		7
#define GTF_PAT			(1U << _GTF_PAT)
#define _GTF_sub_page		8
#define GTF_sub_page		(1U << _GTF_sub_page)
/* Meanings of bits 2 and 3 for accept_transfer entries. */
#define GTF_transfer_committed	(1U << 2)
#define GTF_transfer_completed	(1U << 3)

/*
 * grant_table_op(cmd, ops, count): hypercall 20. cmd and count are 32-bit
 * (higher register bits ignored); count >= 2^31 is -EINVAL; bits 12..31 of
 * cmd are a continuation cursor, accepted only for cache_flush (-EINVAL
 * otherwise). Batched ops (map, unmap, unmap_and_replace, transfer, copy,
 * swap, cache_flush) run element by element: each element gets its own
 * status (GNTST_*) and the call returns 0; only a fault reading or writing
 * an element ends the batch, with -EFAULT (elements before it are done).
 * Only the start of the array is range-checked up front. "Caller" is the
 * calling domain; "granter" the domain whose table holds the ref.
 *
 * GNTTABOP_setup_table (count 1): in dom, nr_frames, frame_list; out status,
 *   frame_list[0..nr_frames) = the MFNs of the granter's table frames, which
 *   it then maps with its own page tables (read-write). Grows the table to
 *   nr_frames. dom: DOMID_SELF or own id; another domain only for a
 *   privileged caller (GNTST_permission_denied), none: GNTST_bad_domain.
 *   nr_frames above the maximum: GNTST_general_error. A frame_list the
 *   hypervisor cannot write: GNTST_bad_virt_addr. count != 1: -EINVAL.
 * GNTTABOP_query_size (count 1): in dom; out nr_frames, max_nr_frames, status
 *   (domain rules as setup_table).
 * GNTTABOP_get_version: in dom; out version. -ESRCH: no such domain;
 *   -EPERM: another domain, unprivileged caller.
 * GNTTABOP_set_version: in version (1 or 2, else -EINVAL); out the version
 *   in effect (written back even on failure). -EBUSY while any ref of the
 *   caller is in use, or (2 -> 1) while it still maps a status frame.
 *   Switching clears every entry but the 8 reserved ones, which are
 *   converted. Own table only.
 * GNTTABOP_get_status_frames (count 1): in dom, nr_frames, frame_list; out
 *   status, the MFNs of the v2 status frames (one uint16_t per ref, holding
 *   GTF_reading/GTF_writing), mapped read-only by the granter. Not v2, or
 *   more frames than exist: GNTST_general_error.
 * GNTTABOP_map_grant_ref: in host_addr, flags, ref, dom (the granter, by
 *   id: DOMID_SELF is GNTST_bad_domain; a domain may map its own grants);
 *   out status, handle, dev_bus_addr. flags: GNTMAP_host_map installs a PTE
 *   at host_addr (a VA in the caller's current tables, or with
 *   GNTMAP_contains_pte the machine address of an L1 slot of the caller);
 *   GNTMAP_readonly maps read-only (a read-only grant needs it);
 *   GNTMAP_device_map returns dev_bus_addr = MFN << 12; application_map is
 *   accepted (64-bit PV mappings are user-accessible anyway). Neither
 *   host_map nor device_map: GNTST_bad_gntref. Ref past the table:
 *   GNTST_bad_gntref. Entry not GTF_permit_access for the caller, readonly
 *   grant mapped writable, frame not the granter's, or an unusable host
 *   address: GNTST_general_error. No maptrack space: GNTST_no_device_space.
 *   While mapped the entry shows GTF_reading (and GTF_writing if writable)
 *   and the granter cannot revoke it.
 * GNTTABOP_unmap_grant_ref: in host_addr, dev_bus_addr, handle; out status.
 *   Unknown or already unmapped handle: GNTST_bad_handle. host_addr whose
 *   slot no longer holds the grant's PTE (moved, or rewritten by the
 *   guest): GNTST_general_error, the mapping stays until the caller dies.
 *   dev_bus_addr not the mapping's: GNTST_bad_dev_addr. The TLB is flushed
 *   before the call returns.
 * GNTTABOP_unmap_and_replace: in host_addr (required), new_addr, handle;
 *   out status. As unmap, but the PTE at new_addr (if any) moves into
 *   host_addr's slot and new_addr is cleared.
 * GNTTABOP_copy: in source, dest (each a ref of domid with
 *   GNTCOPY_source_gref / GNTCOPY_dest_gref, or a frame of the caller: domid
 *   DOMID_SELF or own id), len; out status. offset + len past the page:
 *   GNTST_bad_copy_arg. Unknown domain: GNTST_bad_domain. A frame of another
 *   domain without a ref: GNTST_permission_denied. Bad frame: GNTST_bad_page.
 *   Refs fail as for map (a read-only grant cannot be the destination).
 *   Copy alone also takes the v2 kinds map refuses (GNTST_general_error):
 *   a sub-page grant (GTF_permit_access | GTF_sub_page) lets the copy touch
 *   [page_off, page_off + length) of its frame only, else
 *   GNTST_general_error; a transitive grant (type GTF_transitive, domid
 *   the caller) names another domain's grant (trans_domid, gref) that
 *   permits the transitive grant's owner, and both are pinned during the
 *   copy. One level only: the named grant may be sub-page but not
 *   transitive; trans_domid being the owner itself or no domain, or the
 *   named grant refused: GNTST_general_error (past that table:
 *   GNTST_bad_gntref). In a v1 entry GTF_sub_page means nothing to copy
 *   (whole frame) but map refuses it; type GTF_transitive is v2 only.
 * GNTTABOP_transfer: in mfn (a page of the caller nothing maps, pins or
 *   types), domid, ref (the receiver's entry, flags exactly
 *   GTF_accept_transfer, naming the caller); out status. The page and its
 *   charge move to the receiver (which may be the caller itself), which
 *   must be under its memory limit; the M2P entry of the page becomes the
 *   frame number the entry held, the entry gets the machine frame and
 *   GTF_transfer_committed | GTF_transfer_completed. Checked in this order:
 *   busy, foreign or missing page: GNTST_bad_page; no such receiver
 *   (DOMID_SELF too): GNTST_bad_domain; a dying receiver, the entry or
 *   the limit refused: GNTST_general_error. A transfer refused after the
 *   page checks frees the page, as Xen 4.17 does: the caller's reservation
 *   falls by one and the frame is no longer its own (unless another of
 *   its vCPUs took a reference to it meanwhile: then it stays).
 * GNTTABOP_swap_grant_ref: in ref_a, ref_b of the caller's own table; out
 *   status. Past the table: GNTST_bad_gntref; either in use:
 *   GNTST_general_error.
 * GNTTABOP_cache_flush: in a.dev_bus_addr, offset, length, op (CLEAN and/or
 *   INVAL; anything else, SOURCE_GREF included, -EINVAL); the call's return
 *   value is the first error. The frame must be the caller's, its grant
 *   frame, or one it has grant-mapped (-EPERM / -EINVAL). length or op 0: no-op.
 *   INVAL alone: -EOPNOTSUPP on x86.
 * GNTTABOP_dump_table: -ENOSYS (as Xen 4.17).
 */
#define GNTTABOP_map_grant_ref		0
#define GNTTABOP_unmap_grant_ref	1
#define GNTTABOP_setup_table		2
#define GNTTABOP_dump_table		3
#define GNTTABOP_transfer		4
#define GNTTABOP_copy			5
#define GNTTABOP_query_size		6
#define GNTTABOP_unmap_and_replace	7
#define GNTTABOP_set_version		8
#define GNTTABOP_get_status_frames	9
#define GNTTABOP_get_version		10
#define GNTTABOP_swap_grant_ref		11
#define GNTTABOP_cache_flush		12

/* map_grant_ref flags. */
#define GNTMAP_device_map	(1U << 0)
#define GNTMAP_host_map		(1U << 1)
#define GNTMAP_readonly		(1U << 2)
#define GNTMAP_application_map	(1U << 3)
#define GNTMAP_contains_pte	(1U << 4)
#define _GNTMAP_guest_avail0	16
#define GNTMAP_guest_avail_mask	(~0U << _GNTMAP_guest_avail0)

/* Per-op status codes (in the struct, not the hypercall return value). */
#define GNTST_okay			0
#define GNTST_general_error		(-1)
#define GNTST_bad_domain		(-2)
#define GNTST_bad_gntref		(-3)
#define GNTST_bad_handle		(-4)
#define GNTST_bad_virt_addr		(-5)
#define GNTST_bad_dev_addr		(-6)
#define GNTST_no_device_space		(-7)
#define GNTST_permission_denied		(-8)
#define GNTST_bad_page			(-9)
#define GNTST_bad_copy_arg		(-10)
#define GNTST_address_too_big		(-11)
#define GNTST_eagain			(-12)
#define GNTST_no_space			(-13)

struct gnttab_map_grant_ref {
	uint64_t host_addr;
	uint32_t flags;
	grant_ref_t ref;
	domid_t dom;
	int16_t status;			/* out */
	grant_handle_t handle;		/* out */
	uint64_t dev_bus_addr;		/* out */
};
PVABI_SIZE(struct gnttab_map_grant_ref, 32);
PVABI_OFF(struct gnttab_map_grant_ref, host_addr, 0);
PVABI_OFF(struct gnttab_map_grant_ref, flags, 8);
PVABI_OFF(struct gnttab_map_grant_ref, ref, 12);
PVABI_OFF(struct gnttab_map_grant_ref, dom, 16);
PVABI_OFF(struct gnttab_map_grant_ref, status, 18);
PVABI_OFF(struct gnttab_map_grant_ref, handle, 20);
PVABI_OFF(struct gnttab_map_grant_ref, dev_bus_addr, 24);

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	int16_t status;			/* out */
	uint16_t pad;
};
PVABI_SIZE(struct gnttab_unmap_grant_ref, 24);
PVABI_OFF(struct gnttab_unmap_grant_ref, host_addr, 0);
PVABI_OFF(struct gnttab_unmap_grant_ref, dev_bus_addr, 8);
PVABI_OFF(struct gnttab_unmap_grant_ref, handle, 16);
PVABI_OFF(struct gnttab_unmap_grant_ref, status, 20);
PVABI_OFF(struct gnttab_unmap_grant_ref, pad, 22);

struct gnttab_setup_table {
	domid_t dom;
	uint16_t pad0;
	uint32_t nr_frames;
	int16_t status;			/* out */
	uint16_t pad1[3];
	pvabi_handle_t frame_list;	/* xen_pfn_t[nr_frames], out */
};
PVABI_SIZE(struct gnttab_setup_table, 24);
PVABI_OFF(struct gnttab_setup_table, dom, 0);
PVABI_OFF(struct gnttab_setup_table, nr_frames, 4);
PVABI_OFF(struct gnttab_setup_table, status, 8);
PVABI_OFF(struct gnttab_setup_table, frame_list, 16);
PVABI_OFF(struct gnttab_setup_table, pad0, 2);
PVABI_OFF(struct gnttab_setup_table, pad1, 10);

struct gnttab_dump_table {
	domid_t dom;
	int16_t status;			/* out */
};
PVABI_SIZE(struct gnttab_dump_table, 4);
PVABI_OFF(struct gnttab_dump_table, dom, 0);
PVABI_OFF(struct gnttab_dump_table, status, 2);

struct gnttab_transfer {
	xen_pfn_t mfn;
	domid_t domid;
	uint16_t pad;
	grant_ref_t ref;
	int16_t status;			/* out */
	uint16_t pad1[3];
};
PVABI_SIZE(struct gnttab_transfer, 24);
PVABI_OFF(struct gnttab_transfer, mfn, 0);
PVABI_OFF(struct gnttab_transfer, domid, 8);
PVABI_OFF(struct gnttab_transfer, ref, 12);
PVABI_OFF(struct gnttab_transfer, status, 16);
PVABI_OFF(struct gnttab_transfer, pad, 10);
PVABI_OFF(struct gnttab_transfer, pad1, 18);

#define GNTCOPY_source_gref	(1U << 0)
#define GNTCOPY_dest_gref	(1U << 1)

/* One side of a copy: a grant ref (with the *_gref flag) or a frame of the caller. */
struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		xen_pfn_t gmfn;
	} u;
	domid_t domid;
	uint16_t offset;
	uint32_t pad;
};
PVABI_SIZE(struct gnttab_copy_ptr, 16);
PVABI_OFF(struct gnttab_copy_ptr, u, 0);
PVABI_OFF(struct gnttab_copy_ptr, domid, 8);
PVABI_OFF(struct gnttab_copy_ptr, offset, 10);
PVABI_OFF(struct gnttab_copy_ptr, pad, 12);

struct gnttab_copy {
	struct gnttab_copy_ptr source;
	struct gnttab_copy_ptr dest;
	uint16_t len;
	uint16_t flags;
	int16_t status;			/* out */
	uint16_t pad;
};
PVABI_SIZE(struct gnttab_copy, 40);
PVABI_OFF(struct gnttab_copy, source, 0);
PVABI_OFF(struct gnttab_copy, dest, 16);
PVABI_OFF(struct gnttab_copy, len, 32);
PVABI_OFF(struct gnttab_copy, flags, 34);
PVABI_OFF(struct gnttab_copy, status, 36);
PVABI_OFF(struct gnttab_copy, pad, 38);

struct gnttab_query_size {
	domid_t dom;
	uint16_t pad0;
	uint32_t nr_frames;		/* out */
	uint32_t max_nr_frames;		/* out */
	int16_t status;			/* out */
	uint16_t pad1;
};
PVABI_SIZE(struct gnttab_query_size, 16);
PVABI_OFF(struct gnttab_query_size, dom, 0);
PVABI_OFF(struct gnttab_query_size, nr_frames, 4);
PVABI_OFF(struct gnttab_query_size, max_nr_frames, 8);
PVABI_OFF(struct gnttab_query_size, status, 12);
PVABI_OFF(struct gnttab_query_size, pad0, 2);
PVABI_OFF(struct gnttab_query_size, pad1, 14);

struct gnttab_unmap_and_replace {
	uint64_t host_addr;
	uint64_t new_addr;
	grant_handle_t handle;
	int16_t status;			/* out */
	uint16_t pad;
};
PVABI_SIZE(struct gnttab_unmap_and_replace, 24);
PVABI_OFF(struct gnttab_unmap_and_replace, host_addr, 0);
PVABI_OFF(struct gnttab_unmap_and_replace, new_addr, 8);
PVABI_OFF(struct gnttab_unmap_and_replace, handle, 16);
PVABI_OFF(struct gnttab_unmap_and_replace, status, 20);
PVABI_OFF(struct gnttab_unmap_and_replace, pad, 22);

struct gnttab_set_version {
	uint32_t version;		/* in: wanted; out: in effect */
};
PVABI_SIZE(struct gnttab_set_version, 4);
PVABI_OFF(struct gnttab_set_version, version, 0);

struct gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;			/* out */
	pvabi_handle_t frame_list;	/* uint64_t[nr_frames], out */
};
PVABI_SIZE(struct gnttab_get_status_frames, 16);
PVABI_OFF(struct gnttab_get_status_frames, nr_frames, 0);
PVABI_OFF(struct gnttab_get_status_frames, dom, 4);
PVABI_OFF(struct gnttab_get_status_frames, status, 6);
PVABI_OFF(struct gnttab_get_status_frames, frame_list, 8);

struct gnttab_get_version {
	domid_t dom;
	uint16_t pad;
	uint32_t version;		/* out */
};
PVABI_SIZE(struct gnttab_get_version, 8);
PVABI_OFF(struct gnttab_get_version, dom, 0);
PVABI_OFF(struct gnttab_get_version, version, 4);
PVABI_OFF(struct gnttab_get_version, pad, 2);

/* GNTTABOP_cache_flush: a ref (with GNTTAB_CACHE_SOURCE_GREF) or bus address, and a byte range inside the page. */
struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;
	uint16_t offset;
	uint16_t length;
	uint32_t op;
};
PVABI_SIZE(struct gnttab_cache_flush, 16);
PVABI_OFF(struct gnttab_cache_flush, offset, 8);
PVABI_OFF(struct gnttab_cache_flush, length, 10);
PVABI_OFF(struct gnttab_cache_flush, op, 12);
#define GNTTAB_CACHE_CLEAN		(1U << 0)
#define GNTTAB_CACHE_INVAL		(1U << 1)
#define GNTTAB_CACHE_SOURCE_GREF	(1U << 31)

struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;
	grant_ref_t ref_b;
	int16_t status;			/* out */
	uint16_t pad;
};
PVABI_SIZE(struct gnttab_swap_grant_ref, 12);
PVABI_OFF(struct gnttab_swap_grant_ref, ref_a, 0);
PVABI_OFF(struct gnttab_swap_grant_ref, ref_b, 4);
PVABI_OFF(struct gnttab_swap_grant_ref, status, 8);
PVABI_OFF(struct gnttab_swap_grant_ref, pad, 10);

#endif

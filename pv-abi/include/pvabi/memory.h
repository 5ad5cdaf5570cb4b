/* SPDX-License-Identifier: MIT */
/* memory_op hypercall: reservations, the M2P mapping, the guest's memory map, add_to_physmap. */
#ifndef PVABI_MEMORY_H
#define PVABI_MEMORY_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_memory_op (12): memory_op(unsigned long cmd, void *arg).
 * Bits 0-5 of cmd are the command; bits 6 and up an extent to start at
 * (what a continuation passes; the reservation commands only, others
 * answer -ENOSYS with them set, as Xen).
 *
 * XENMEM_increase_reservation, _decrease_reservation, _populate_physmap
 *   (struct xen_memory_reservation): returns the number of extents done,
 *   counted from extent 0; an error (a bad frame, no memory, past the
 *   domain's max_pages, an unreadable or unwritable extent slot) ends the
 *   batch there, as on Xen. increase writes each new MFN to extent_start;
 *   populate reads each PFN there, sets the M2P and writes the MFN back;
 *   decrease gives back the frames named, any of the domain's own frames
 *   whatever extent they came in (a 4 KiB page of a 2 MiB extent too); a
 *   frame still mapped, typed or not the domain's is refused and ends the
 *   batch, the extent it is in not released at all. extent_order at most 9 for a domU, 18
 *   for the privileged domain (whose order limit applies to what it asks
 *   for another domain); more than 2^20 extents or an order over the
 *   limit: 0 extents done. domid: DOMID_SELF, or another domain for the
 *   privileged domain only (charged to that domain, bounded by its
 *   max_pages); Skiff answers -EPERM/-ESRCH where Xen answers 0 extents
 *   (docs/XEN_DEVIATIONS.md). Long batches continue through
 *   continuations.
 * XENMEM_maximum_ram_page: the highest machine frame number + 1.
 * XENMEM_current_reservation, _maximum_reservation (a domid_t, DOMID_SELF
 *   or the caller's own id; -ESRCH otherwise): frames owned / max_pages.
 * XENMEM_machphys_mapping (struct xen_machphys_mapping): where the
 *   read-only M2P table is in every guest's address space.
 * XENMEM_machphys_mfn_list (struct xen_machphys_mfn_list): the M2P's
 *   frames, one per 2 MiB.
 * XENMEM_memory_map (struct xen_memory_map): the domain's pseudo-physical
 *   map: one RAM range of max_pages (-EINVAL for a buffer of no entries).
 * XENMEM_machine_memory_map: the machine's e820, privileged domain only
 *   (-EPERM).
 * Every other command: -ENOSYS.
 */
#define XENMEM_increase_reservation	0
#define XENMEM_decrease_reservation	1
#define XENMEM_maximum_ram_page		2
#define XENMEM_current_reservation	3
#define XENMEM_maximum_reservation	4
#define XENMEM_machphys_mfn_list	5
#define XENMEM_populate_physmap		6
#define XENMEM_add_to_physmap		7
#define XENMEM_memory_map		9
#define XENMEM_machine_memory_map	10
#define XENMEM_exchange			11
#define XENMEM_machphys_mapping		12
#define XENMEM_set_memory_map		13
#define XENMEM_maximum_gpfn		14
#define XENMEM_remove_from_physmap	15
#define XENMEM_set_pod_target		16
#define XENMEM_get_pod_target		17
#define XENMEM_get_sharing_freed_pages	18
#define XENMEM_get_sharing_shared_pages	19
#define XENMEM_paging_op		20
#define XENMEM_access_op		21
#define XENMEM_sharing_op		22
#define XENMEM_add_to_physmap_batch	23
#define XENMEM_claim_pages		24
#define XENMEM_machphys_compat_mfn_list	25
#define XENMEM_get_vnumainfo		26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource		28

/* The sub-op number is in the low bits of cmd; the rest is a continuation start index. */
#define MEMOP_CMD_MASK			0x3f	/* bits 0-5: XENMEM_acquire_resource (28) needs more than 4 */
#define MEMOP_EXTENT_SHIFT		6

/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x)		(x)
#define XENMEMF_get_address_bits(x)	((x) & 0xffU)
#define XENMEMF_node(x)			(((x) + 1) << 8)
#define XENMEMF_get_node(x)		((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand	(1U << 16)
#define XENMEMF_exact_node_request	(1U << 17)
#define XENMEMF_vnode			(1U << 18)

/* increase/decrease_reservation and populate_physmap. */
struct xen_memory_reservation {
	pvabi_handle_t extent_start;	/* xen_pfn_t[nr_extents], in/out */
	xen_ulong_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags;
	domid_t domid;
	uint16_t pad[3];
};
PVABI_SIZE(struct xen_memory_reservation, 32);
PVABI_OFF(struct xen_memory_reservation, extent_start, 0);
PVABI_OFF(struct xen_memory_reservation, nr_extents, 8);
PVABI_OFF(struct xen_memory_reservation, extent_order, 16);
PVABI_OFF(struct xen_memory_reservation, mem_flags, 20);
PVABI_OFF(struct xen_memory_reservation, domid, 24);
PVABI_OFF(struct xen_memory_reservation, pad, 26);

struct xen_memory_exchange {
	struct xen_memory_reservation in;
	struct xen_memory_reservation out;
	xen_ulong_t nr_exchanged;
};
PVABI_SIZE(struct xen_memory_exchange, 72);
PVABI_OFF(struct xen_memory_exchange, in, 0);
PVABI_OFF(struct xen_memory_exchange, out, 32);
PVABI_OFF(struct xen_memory_exchange, nr_exchanged, 64);

/* Argument of maximum_ram_page/current/maximum_reservation/maximum_gpfn is a bare domid_t. */

struct xen_machphys_mfn_list {
	uint32_t max_extents;
	uint32_t pad0;
	pvabi_handle_t extent_start;	/* xen_pfn_t[max_extents], out */
	uint32_t nr_extents;		/* out */
	uint32_t pad1;
};
PVABI_SIZE(struct xen_machphys_mfn_list, 24);
PVABI_OFF(struct xen_machphys_mfn_list, max_extents, 0);
PVABI_OFF(struct xen_machphys_mfn_list, extent_start, 8);
PVABI_OFF(struct xen_machphys_mfn_list, nr_extents, 16);
PVABI_OFF(struct xen_machphys_mfn_list, pad0, 4);
PVABI_OFF(struct xen_machphys_mfn_list, pad1, 20);

/* Where the read-only M2P table is visible to the guest. */
struct xen_machphys_mapping {
	xen_ulong_t v_start;
	xen_ulong_t v_end;
	xen_ulong_t max_mfn;
};
PVABI_SIZE(struct xen_machphys_mapping, 24);
PVABI_OFF(struct xen_machphys_mapping, v_start, 0);
PVABI_OFF(struct xen_machphys_mapping, v_end, 8);
PVABI_OFF(struct xen_machphys_mapping, max_mfn, 16);

/* add_to_physmap spaces. */
#define XENMAPSPACE_shared_info		0
#define XENMAPSPACE_grant_table		1
#define XENMAPSPACE_gmfn		2
#define XENMAPSPACE_gmfn_range		3
#define XENMAPSPACE_gmfn_foreign	4
#define XENMAPSPACE_dev_mmio		5
/* For XENMAPSPACE_grant_table: idx with this bit names a status frame. */
#define XENMAPIDX_grant_table_status	0x80000000U

/* Auto-translated guests only (PV guests get -EINVAL or -ENOSYS). */
struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;			/* gmfn_range only */
	uint32_t space;
	xen_ulong_t idx;
	xen_pfn_t gpfn;
};
PVABI_SIZE(struct xen_add_to_physmap, 24);
PVABI_OFF(struct xen_add_to_physmap, domid, 0);
PVABI_OFF(struct xen_add_to_physmap, size, 2);
PVABI_OFF(struct xen_add_to_physmap, space, 4);
PVABI_OFF(struct xen_add_to_physmap, idx, 8);
PVABI_OFF(struct xen_add_to_physmap, gpfn, 16);

struct xen_remove_from_physmap {
	domid_t domid;
	uint16_t pad[3];
	xen_pfn_t gpfn;
};
PVABI_SIZE(struct xen_remove_from_physmap, 16);
PVABI_OFF(struct xen_remove_from_physmap, domid, 0);
PVABI_OFF(struct xen_remove_from_physmap, gpfn, 8);
PVABI_OFF(struct xen_remove_from_physmap, pad, 2);

/* memory_map / machine_memory_map: nr_entries is capacity in, count out. */
struct xen_memory_map {
	uint32_t nr_entries;
	uint32_t pad;
	pvabi_handle_t buffer;		/* struct e820entry[nr_entries] */
};
PVABI_SIZE(struct xen_memory_map, 16);
PVABI_OFF(struct xen_memory_map, nr_entries, 0);
PVABI_OFF(struct xen_memory_map, buffer, 8);
PVABI_OFF(struct xen_memory_map, pad, 4);

struct xen_foreign_memory_map {
	domid_t domid;
	uint16_t pad[3];
	struct xen_memory_map map;
};
PVABI_SIZE(struct xen_foreign_memory_map, 24);
PVABI_OFF(struct xen_foreign_memory_map, domid, 0);
PVABI_OFF(struct xen_foreign_memory_map, map, 8);
PVABI_OFF(struct xen_foreign_memory_map, pad, 2);

/* One record of the guest's memory map, packed as the BIOS e820 format is. */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
PVABI_SIZE(struct e820entry, 20);
PVABI_OFF(struct e820entry, addr, 0);
PVABI_OFF(struct e820entry, size, 8);
PVABI_OFF(struct e820entry, type, 16);

#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5

#endif

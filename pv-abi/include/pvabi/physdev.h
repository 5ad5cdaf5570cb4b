/* SPDX-License-Identifier: MIT */
/* physdev_op hypercall: the subset a PV Linux guest uses (virtual IOPL, I/O bitmap, pirq EOI page, EOI) and dom0's MSI-X pirqs. */
#ifndef PVABI_PHYSDEV_H
#define PVABI_PHYSDEV_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_physdev_op (33): physdev_op(int cmd, void *arg). Skiff
 * implements three commands; every other is -ENOSYS (Xen has more:
 * docs/XEN_DEVIATIONS.md, DT6).
 *
 * PHYSDEVOP_set_iopl (struct physdev_set_iopl): the calling vCPU's
 *   virtual IOPL, 0-3 (-EINVAL above). At 1 or more the guest kernel's
 *   cli/sti and port I/O are emulated rather than faulted; the port I/O
 *   reaches hardware only for the privileged domain's PCI configuration
 *   ports (0xcf8/0xcfc): everyone else reads all-ones.
 * PHYSDEVOP_map_pirq (struct physdev_map_pirq), privileged domain only
 *   (-EPERM before the argument is read): MSI-X only (type
 *   MAP_PIRQ_TYPE_MSI or _MSI_SEG; others -EOPNOTSUPP), for the caller
 *   itself (-EPERM for another domid: no passthrough); the hypervisor
 *   programs the device's MSI-X entry with a vector of its own and returns
 *   the pirq, which EVTCHNOP_bind_pirq turns into an event channel.
 *   -EINVAL bad bus/devfn/entry/pirq, -EBUSY entry already mapped,
 *   -ENOSPC no pirq free.
 * PHYSDEVOP_unmap_pirq (struct physdev_unmap_pirq): masks the entry and
 *   frees the pirq (and its event-channel binding). A privileged domain's
 *   pirqs are freed when it is destroyed.
 */
#define PHYSDEVOP_irq_status_query	5
#define PHYSDEVOP_set_iopl		6
#define PHYSDEVOP_set_iobitmap		7
#define PHYSDEVOP_apic_read		8
#define PHYSDEVOP_apic_write		9
#define PHYSDEVOP_alloc_irq_vector	10
#define PHYSDEVOP_free_irq_vector	11
#define PHYSDEVOP_eoi			12
#define PHYSDEVOP_map_pirq		13
#define PHYSDEVOP_unmap_pirq		14
#define PHYSDEVOP_manage_pci_add	15
#define PHYSDEVOP_manage_pci_remove	16
#define PHYSDEVOP_pirq_eoi_gmfn_v1	17
#define PHYSDEVOP_restore_msi		19
#define PHYSDEVOP_manage_pci_add_ext	20
#define PHYSDEVOP_setup_gsi		21
#define PHYSDEVOP_get_free_pirq		23
#define PHYSDEVOP_pirq_eoi_gmfn_v2	28

/* Virtual IOPL (0-3) of the guest kernel: at >= 1 its port I/O is allowed (emulated). */
struct physdev_set_iopl {
	uint32_t iopl;
};
PVABI_SIZE(struct physdev_set_iopl, 4);
PVABI_OFF(struct physdev_set_iopl, iopl, 0);

struct physdev_set_iobitmap {
	pvabi_handle_t bitmap;		/* uint8_t[(nr_ports + 7) / 8] */
	uint32_t nr_ports;
	uint32_t pad;
};
PVABI_SIZE(struct physdev_set_iobitmap, 16);
PVABI_OFF(struct physdev_set_iobitmap, bitmap, 0);
PVABI_OFF(struct physdev_set_iobitmap, nr_ports, 8);
PVABI_OFF(struct physdev_set_iobitmap, pad, 12);

struct physdev_eoi {
	uint32_t irq;
};
PVABI_SIZE(struct physdev_eoi, 4);
PVABI_OFF(struct physdev_eoi, irq, 0);

struct physdev_pirq_eoi_gmfn {
	xen_pfn_t gmfn;
};
PVABI_SIZE(struct physdev_pirq_eoi_gmfn, 8);
PVABI_OFF(struct physdev_pirq_eoi_gmfn, gmfn, 0);

#define XENIRQSTAT_needs_eoi	(1U << 0)
#define XENIRQSTAT_shared	(1U << 1)

struct physdev_irq_status_query {
	uint32_t irq;
	uint32_t flags;			/* out: XENIRQSTAT_* */
};
PVABI_SIZE(struct physdev_irq_status_query, 8);
PVABI_OFF(struct physdev_irq_status_query, irq, 0);
PVABI_OFF(struct physdev_irq_status_query, flags, 4);

/*
 * PHYSDEVOP_map_pirq: a device interrupt of the caller's becomes a pirq it
 * can bind to an event channel (EVTCHNOP_bind_pirq). Skiff supports only
 * MSI-X (type MAP_PIRQ_TYPE_MSI or _MSI_SEG with segment 0, index -1,
 * entry_nr the MSI-X table entry, table_base the table BAR's address as
 * dom0 read it, or 0): the hypervisor programs the table entry with one of
 * its own vectors. pirq in: -1 (any) or a wanted number; out: the pirq.
 * Errors: -EPERM for an unprivileged caller or a foreign domid, -EINVAL
 * for a bad type, device, entry or table, -EOPNOTSUPP for plain MSI and
 * GSIs, -ENOSPC when every vector is in use.
 */
#define MAP_PIRQ_TYPE_MSI		0x0
#define MAP_PIRQ_TYPE_GSI		0x1
#define MAP_PIRQ_TYPE_UNKNOWN		0x2
#define MAP_PIRQ_TYPE_MSI_SEG		0x3
#define MAP_PIRQ_TYPE_MULTI_MSI		0x4

struct physdev_map_pirq {
	domid_t domid;
	uint16_t pad;
	int32_t type;
	int32_t index;
	int32_t pirq;			/* in or out */
	int32_t bus;			/* high 16 bits: segment (_MSI_SEG) */
	int32_t devfn;
	int32_t entry_nr;
	uint32_t pad2;
	uint64_t table_base;
};
PVABI_SIZE(struct physdev_map_pirq, 40);
PVABI_OFF(struct physdev_map_pirq, type, 4);
PVABI_OFF(struct physdev_map_pirq, index, 8);
PVABI_OFF(struct physdev_map_pirq, pirq, 12);
PVABI_OFF(struct physdev_map_pirq, bus, 16);
PVABI_OFF(struct physdev_map_pirq, devfn, 20);
PVABI_OFF(struct physdev_map_pirq, entry_nr, 24);
PVABI_OFF(struct physdev_map_pirq, table_base, 32);

/* PHYSDEVOP_unmap_pirq: the entry is masked and the pirq freed (its event channel stops firing). */
struct physdev_unmap_pirq {
	domid_t domid;
	uint16_t pad;
	int32_t pirq;
};
PVABI_SIZE(struct physdev_unmap_pirq, 8);
PVABI_OFF(struct physdev_unmap_pirq, pirq, 4);

#endif

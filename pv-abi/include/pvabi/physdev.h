/* SPDX-License-Identifier: MIT */
/* physdev_op hypercall: the subset a PV Linux guest uses (virtual IOPL, I/O bitmap, pirq EOI page, EOI) and dom0's MSI-X pirqs. */
#ifndef PVABI_PHYSDEV_H
#define PVABI_PHYSDEV_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_physdev_op (33): physdev_op(int cmd, void *arg). For the
 * privileged domain Skiff implements the three commands below; every
 * other is -ENOSYS (Xen has more: docs/XEN_DEVIATIONS.md, DT6). A domain
 * without device rights gets Xen 4.17's answers to a PV domU, each after
 * Xen's own reads of the argument (-EFAULT first where Xen reads first):
 *   irq_status_query: -EINVAL outside its pirqs (16-47 on Skiff: no GSI
 *     is routed to guests; Xen: nr_irqs_gsi + 32), else flags needs_eoi.
 *   get_free_pirq: the highest free pirq of those (any type), -ENOSPC
 *     when all are taken; nothing is ever bound to it.
 *   eoi: 0 for a pirq get_free_pirq gave, else -EINVAL.
 *   IRQ_UNMASK_NOTIFY: 0.
 *   map_pirq, unmap_pirq: -ESRCH for a domid naming no domain, else -EPERM
 *     (map_pirq: -EINVAL first for MULTI_MSI with a table_base).
 *   apic_read/write, alloc_irq_vector, manage_pci_add/remove/add_ext,
 *     setup_gsi (-EINVAL first for a GSI outside 0-15), pci_device_add/
 *     remove, prepare/release_msix: -EPERM; pci_mmcfg_reserved, dbgp_op:
 *     -EPERM before the argument is read.
 *   restore_msi/_ext: -EPERM (Xen: -ENODEV for a device it does not
 *     know, which would tell a domU what the machine has).
 *   pirq_eoi_gmfn_v1/v2 (struct physdev_pirq_eoi_gmfn), any PV domain:
 *     -EFAULT; -EINVAL for a frame the domain may not write (not its own,
 *     a page table, ...); -EBUSY once a page is kept; else the page is
 *     kept (writable type) until the domain dies. No pirq on Skiff needs
 *     an EOI, so the hypervisor never sets a bit in it.
 *
 * PHYSDEVOP_set_iobitmap (struct physdev_set_iobitmap), any PV vCPU:
 *   -EFAULT for an unreadable argument, -EINVAL for a bitmap starting
 *   outside the guest's addresses or nr_ports above 65536; else the
 *   bitmap's address and length are kept (nr_ports 0: none). A trapped
 *   port access below nr_ports whose bits are all clear is then emulated
 *   as under a sufficient IOPL (it reaches no device the domain has not
 *   got: a domU reads all-ones). Skiff reads the bitmap through the
 *   current page tables, so from guest user mode it usually denies.
 *
 * PHYSDEVOP_set_iopl (struct physdev_set_iopl): the calling vCPU's
 *   virtual IOPL, 0-3 (-EINVAL above). At 1 or more the guest kernel's
 *   cli/sti and port I/O are emulated rather than faulted; the port I/O
 *   reaches hardware only for the privileged domain's PCI configuration
 *   ports (0xcf8/0xcfc): everyone else reads all-ones.
 * PHYSDEVOP_map_pirq (struct physdev_map_pirq), privileged domain only
 *   (a domU: above): MSI-X only (type
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
#define PHYSDEVOP_IRQ_UNMASK_NOTIFY	4
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
#define PHYSDEVOP_pci_mmcfg_reserved	24
#define PHYSDEVOP_pci_device_add	25
#define PHYSDEVOP_pci_device_remove	26
#define PHYSDEVOP_restore_msi_ext	27
#define PHYSDEVOP_pirq_eoi_gmfn_v2	28
#define PHYSDEVOP_dbgp_op		29
#define PHYSDEVOP_prepare_msix		30
#define PHYSDEVOP_release_msix		31

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

struct physdev_get_free_pirq {
	int32_t type;			/* MAP_PIRQ_TYPE_* */
	uint32_t pirq;			/* out */
};
PVABI_SIZE(struct physdev_get_free_pirq, 8);
PVABI_OFF(struct physdev_get_free_pirq, pirq, 4);

/* apic_read / apic_write: an I/O APIC register (dom0's, on Xen). */
struct physdev_apic {
	uint64_t apic_physbase;
	uint32_t reg;
	uint32_t value;
};
PVABI_SIZE(struct physdev_apic, 16);
PVABI_OFF(struct physdev_apic, reg, 8);
PVABI_OFF(struct physdev_apic, value, 12);

/* alloc_irq_vector. */
struct physdev_irq {
	uint32_t irq;
	uint32_t vector;
};
PVABI_SIZE(struct physdev_irq, 8);

/* manage_pci_add / manage_pci_remove. */
struct physdev_manage_pci {
	uint8_t bus;
	uint8_t devfn;
};
PVABI_SIZE(struct physdev_manage_pci, 2);

/* manage_pci_add_ext: is_extfn and is_virtfn are 0 or 1 (-EINVAL otherwise). */
struct physdev_manage_pci_ext {
	uint8_t bus;
	uint8_t devfn;
	uint32_t is_extfn;
	uint32_t is_virtfn;
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;
};
PVABI_SIZE(struct physdev_manage_pci_ext, 16);
PVABI_OFF(struct physdev_manage_pci_ext, is_extfn, 4);
PVABI_OFF(struct physdev_manage_pci_ext, is_virtfn, 8);
PVABI_OFF(struct physdev_manage_pci_ext, physfn, 12);

struct physdev_setup_gsi {
	int32_t gsi;
	uint8_t triggering;
	uint8_t polarity;
};
PVABI_SIZE(struct physdev_setup_gsi, 8);

/* pci_device_add: with XEN_PCI_DEV_PXM a uint32_t proximity follows the struct (optarr[0]). */
#define XEN_PCI_DEV_EXTFN	0x1
#define XEN_PCI_DEV_VIRTFN	0x2
#define XEN_PCI_DEV_PXM		0x4
struct physdev_pci_device_add {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint32_t flags;
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;
};
PVABI_SIZE(struct physdev_pci_device_add, 12);
PVABI_OFF(struct physdev_pci_device_add, flags, 4);
PVABI_OFF(struct physdev_pci_device_add, physfn, 8);

/* restore_msi: a device on PCI segment 0. */
struct physdev_restore_msi {
	uint8_t bus;
	uint8_t devfn;
};
PVABI_SIZE(struct physdev_restore_msi, 2);
PVABI_OFF(struct physdev_restore_msi, devfn, 1);

/* pci_device_remove, restore_msi_ext, prepare_msix, release_msix. */
struct physdev_pci_device {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
};
PVABI_SIZE(struct physdev_pci_device, 4);

/*
 * PHYSDEVOP_map_pirq: a device interrupt of the caller's becomes a pirq it
 * can bind to an event channel (EVTCHNOP_bind_pirq). Skiff supports only
 * MSI-X (type MAP_PIRQ_TYPE_MSI or _MSI_SEG with segment 0, index -1,
 * entry_nr the MSI-X table entry, table_base the table BAR's address as
 * dom0 read it, or 0): the hypervisor programs the table entry with one of
 * its own vectors. pirq in: -1 (any) or a wanted number; out: the pirq.
 * Errors: -EPERM for an unprivileged caller or a foreign domid, -EINVAL
 * for a bad type, device, entry or table, -EOPNOTSUPP for plain MSI and
 * GSIs, -ENOSPC when every vector is in use (a domU: see the top).
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

/* physdev_op hypercall: the subset a PV Linux guest uses (virtual IOPL, I/O bitmap, pirq EOI page, EOI). */
#ifndef PVABI_PHYSDEV_H
#define PVABI_PHYSDEV_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

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

#endif

/* SPDX-License-Identifier: MIT */
/* physdev_op for a domain without device rights: Xen 4.17's answers to an unprivileged PV guest, in Xen's order of checks. */
#include <asm/domain.h>
#include <asm/physdev.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <pvabi/errno.h>
#include <pvabi/physdev.h>

/*
 * A domU's pirq space. Xen gives it nr_irqs_gsi + 32 pirqs (extra_domU_irqs)
 * and allocates get_free_pirq's numbers from the top down to nr_irqs_gsi.
 * Skiff routes no GSI to any guest, so its "GSIs" are the 16 ISA numbers and
 * a domU has pirqs 16-47, the numbers dom0's MSI-X pirqs use. Nothing can
 * be bound to them (bind_pirq and map_pirq are refused): they exist so that
 * the calls a guest makes about them answer as on Xen.
 */
#define DOMU_NR_GSI		16
#define DOMU_NR_PIRQS		(DOMU_NR_GSI + 32)
_Static_assert(DOMU_NR_PIRQS <= 64, "arch_domain.domu_pirqs has a bit per pirq");

static bool pirq_allocated(const struct domain *d, uint32_t pirq)
{
	return pirq < DOMU_NR_PIRQS && ((__atomic_load_n(&d->arch.domu_pirqs, __ATOMIC_ACQUIRE) >> pirq) & 1);
}

/* Highest free pirq, taken atomically (two vCPUs may ask at once); -XEN_ENOSPC when none is left. */
static int pirq_take(struct domain *d)
{
	for (int p = DOMU_NR_PIRQS - 1; p >= DOMU_NR_GSI; p--) {
		uint64_t bit = 1ULL << p;

		if (!(__atomic_fetch_or(&d->arch.domu_pirqs, bit, __ATOMIC_ACQ_REL) & bit))
			return p;
	}
	return -XEN_ENOSPC;
}

static void pirq_give_back(struct domain *d, int pirq)
{
	__atomic_fetch_and(&d->arch.domu_pirqs, ~(1ULL << pirq), __ATOMIC_RELEASE);
}

/* As Xen: needs_eoi for every pirq in range (there is no EOI page to say otherwise), never shared. */
static long irq_status_query(uint64_t arg)
{
	struct physdev_irq_status_query q;

	if (copy_from_guest(&q, arg, sizeof(q)) < 0)
		return -XEN_EFAULT;
	if ((int32_t)q.irq < 0 || q.irq >= DOMU_NR_PIRQS)
		return -XEN_EINVAL;
	q.flags = XENIRQSTAT_needs_eoi;
	return copy_to_guest(arg, &q, sizeof(q)) < 0 ? -XEN_EFAULT : 0;
}

/* An EOI of a pirq get_free_pirq handed out is a no-op (no interrupt behind it); any other is -EINVAL. */
static long eoi(const struct domain *d, uint64_t arg)
{
	struct physdev_eoi e;

	if (copy_from_guest(&e, arg, sizeof(e)) < 0)
		return -XEN_EFAULT;
	return pirq_allocated(d, e.irq) ? 0 : -XEN_EINVAL;
}

/*
 * Any type: Xen looks in the GSI range first for MAP_PIRQ_TYPE_GSI, and
 * that range is empty here. Unlike Xen, a result that cannot be written
 * back gives the pirq back: a failing call changes nothing.
 */
static long get_free_pirq(struct domain *d, uint64_t arg)
{
	struct physdev_get_free_pirq g;
	int p;

	if (copy_from_guest(&g, arg, sizeof(g)) < 0)
		return -XEN_EFAULT;
	p = pirq_take(d);
	if (p < 0)
		return p;
	g.pirq = (uint32_t)p;
	if (copy_to_guest(arg, &g, sizeof(g)) < 0) {
		pirq_give_back(d, p);
		return -XEN_EFAULT;
	}
	return 0;
}

/* Xen's device-model check on the named domain: -ESRCH if there is none, else -EPERM for a domU. */
static long named_domain_refused(struct domain *cd, domid_t domid)
{
	struct domain *d;

	if (domid == DOMID_SELF || domid == cd->domid)
		return -XEN_EPERM;
	d = domid < DOMID_FIRST_RESERVED ? domain_find(domid) : NULL;
	if (!d)
		return -XEN_ESRCH;
	domain_put(d);
	return -XEN_EPERM;
}

/* The argument is read (and for map_pirq written back) as Xen does, before and after the refusal. */
static long map_pirq(struct domain *cd, uint64_t arg)
{
	struct physdev_map_pirq m;
	long rc;

	if (copy_from_guest(&m, arg, sizeof(m)) < 0)
		return -XEN_EFAULT;
	if (m.type == MAP_PIRQ_TYPE_MULTI_MSI && m.table_base)
		return -XEN_EINVAL;
	rc = named_domain_refused(cd, m.domid);
	return copy_to_guest(arg, &m, sizeof(m)) < 0 ? -XEN_EFAULT : rc;
}

static long unmap_pirq(struct domain *cd, uint64_t arg)
{
	struct physdev_unmap_pirq u;

	if (copy_from_guest(&u, arg, sizeof(u)) < 0)
		return -XEN_EFAULT;
	return named_domain_refused(cd, u.domid);
}

/* Commands Xen refuses to a domU once it has read len bytes of the argument. */
static long read_then_refuse(uint64_t arg, size_t len)
{
	uint8_t buf[16];

	return copy_from_guest(buf, arg, len) < 0 ? -XEN_EFAULT : -XEN_EPERM;
}

/* manage_pci_add_ext checks its two flags before the refusal. */
static long manage_pci_add_ext(uint64_t arg)
{
	struct physdev_manage_pci_ext p;

	if (copy_from_guest(&p, arg, sizeof(p)) < 0)
		return -XEN_EFAULT;
	return p.is_extfn > 1 || p.is_virtfn > 1 ? -XEN_EINVAL : -XEN_EPERM;
}

/* setup_gsi checks the GSI against the machine's before the refusal. */
static long setup_gsi(uint64_t arg)
{
	struct physdev_setup_gsi s;

	if (copy_from_guest(&s, arg, sizeof(s)) < 0)
		return -XEN_EFAULT;
	return s.gsi < 0 || s.gsi >= DOMU_NR_GSI ? -XEN_EINVAL : -XEN_EPERM;
}

/* With XEN_PCI_DEV_PXM the proximity word after the struct is read too. */
static long pci_device_add(uint64_t arg)
{
	struct physdev_pci_device_add a;
	uint32_t pxm;

	if (copy_from_guest(&a, arg, sizeof(a)) < 0)
		return -XEN_EFAULT;
	if ((a.flags & XEN_PCI_DEV_PXM) && copy_from_guest(&pxm, arg + sizeof(a), sizeof(pxm)) < 0)
		return -XEN_EFAULT;
	return -XEN_EPERM;
}

long physdev_domu_op(struct vcpu *v, uint32_t cmd, uint64_t arg)
{
	struct domain *cd = v->domain;

	switch (cmd) {
	case PHYSDEVOP_IRQ_UNMASK_NOTIFY:
		return 0;	/* Xen unmasks the domain's bound pirqs: a domU has none */
	case PHYSDEVOP_irq_status_query:
		return irq_status_query(arg);
	case PHYSDEVOP_eoi:
		return eoi(cd, arg);
	case PHYSDEVOP_get_free_pirq:
		return get_free_pirq(cd, arg);
	case PHYSDEVOP_map_pirq:
		return map_pirq(cd, arg);
	case PHYSDEVOP_unmap_pirq:
		return unmap_pirq(cd, arg);
	case PHYSDEVOP_apic_read:
	case PHYSDEVOP_apic_write:
		return read_then_refuse(arg, sizeof(struct physdev_apic));
	case PHYSDEVOP_alloc_irq_vector:
		return read_then_refuse(arg, sizeof(struct physdev_irq));
	case PHYSDEVOP_manage_pci_add:
	case PHYSDEVOP_manage_pci_remove:
		return read_then_refuse(arg, sizeof(struct physdev_manage_pci));
	case PHYSDEVOP_manage_pci_add_ext:
		return manage_pci_add_ext(arg);
	case PHYSDEVOP_setup_gsi:
		return setup_gsi(arg);
	case PHYSDEVOP_pci_device_add:
		return pci_device_add(arg);
	case PHYSDEVOP_pci_device_remove:
	case PHYSDEVOP_prepare_msix:
	case PHYSDEVOP_release_msix:
	case PHYSDEVOP_restore_msi_ext:
		return read_then_refuse(arg, sizeof(struct physdev_pci_device));
	case PHYSDEVOP_restore_msi:
		/* Xen: -ENODEV for a device it does not know, else -EPERM; one answer tells a domU nothing of the machine. */
		return read_then_refuse(arg, sizeof(struct physdev_restore_msi));
	case PHYSDEVOP_pci_mmcfg_reserved:
	case PHYSDEVOP_dbgp_op:
		return -XEN_EPERM;	/* refused before the argument is read */
	default:
		return -XEN_ENOSYS;
	}
}

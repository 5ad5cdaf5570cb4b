/* SPDX-License-Identifier: MIT */
/* physdev_op: virtual IOPL for every PV guest; for dom0, MSI-X vectors the hypervisor programs and delivers as pirq event channels. */
#include <asm/apic.h>
#include <asm/domain.h>
#include <asm/paging.h>
#include <asm/pci.h>
#include <asm/physdev.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/iomem.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include <pvabi/physdev.h>

#define PIRQ_FIRST		16		/* pirq = PIRQ_FIRST + slot; low numbers look like ISA IRQs */
#define MSIX_PAGES_MAX		16
#define PCI_STATUS		0x06
#define PCI_STATUS_CAPS		0x10
#define PCI_CAP_PTR		0x34
#define PCI_CAP_MSIX		0x11
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000
#define MSIX_ENTRY_MASKED	1u
#define MSI_ADDR_BASE		0xfee00000u

/* One MSI-X table entry the hypervisor owns. */
struct pirq_slot {
	struct domain *d;		/* NULL: free; else holds a domain reference */
	uint16_t bdf;
	uint16_t entry;
	uint32_t port;			/* 0: no event channel bound */
	volatile uint32_t *msix;	/* the entry's four words, mapped uncached */
	uint64_t count;			/* interrupts delivered */
};

/* Where a device in use keeps its MSI-X table and PBA: dom0 may map these only read-only. */
struct msix_range {
	uint16_t bdf;
	paddr_t table_bar;		/* the BAR the table lies in, as PHYSDEVOP_map_pirq's table_base names it */
	paddr_t table, table_end, pba, pba_end;
};

/* Lock order: pirq_lock, then a domain's event-channel lock (physdev_irq sends under it). */
static spinlock_t pirq_lock = SPINLOCK_INIT;
static struct pirq_slot pirq_slots[PIRQ_MAX];
static struct { paddr_t pa; void *va; } msix_pages[MSIX_PAGES_MAX];	/* mapped once, kept */

/* ---- PCI capability and BAR decoding ---- */

static unsigned int msix_cap_of(uint16_t bdf)
{
	unsigned int pos, guard = 48;

	if (pci_conf_read(bdf, 0, 2) == 0xffff || !(pci_conf_read(bdf, PCI_STATUS, 2) & PCI_STATUS_CAPS))
		return 0;
	/* A malicious or broken list may loop: 48 steps is every capability a config space can hold. */
	for (pos = pci_conf_read(bdf, PCI_CAP_PTR, 1) & 0xfc; pos >= 0x40 && guard--;
	     pos = pci_conf_read(bdf, pos + 1, 1) & 0xfc)
		if (pci_conf_read(bdf, pos, 1) == PCI_CAP_MSIX)
			return pos;
	return 0;
}

/* The address a memory BAR decodes, or 0 for an I/O BAR or a BAR index past the header. */
static paddr_t bar_address(uint16_t bdf, unsigned int bir)
{
	uint32_t lo, hi = 0;

	if (bir > 5)
		return 0;
	lo = pci_conf_read(bdf, 0x10 + 4 * bir, 4);
	if (lo & 1)
		return 0;
	if (((lo >> 1) & 3) == 2) {
		if (bir == 5)
			return 0;
		hi = pci_conf_read(bdf, 0x14 + 4 * bir, 4);
	}
	return ((paddr_t)hi << 32) | (lo & ~0xfu);
}

/* Reads the device's MSI-X layout; 0 or -XEN_EOPNOTSUPP (no MSI-X) or -XEN_EINVAL (BARs not set up). */
static int msix_layout(uint16_t bdf, unsigned int *cap, unsigned int *nr, struct msix_range *r)
{
	uint32_t t, p;
	paddr_t tb, pb;

	*cap = msix_cap_of(bdf);
	if (!*cap)
		return -XEN_EOPNOTSUPP;
	*nr = (pci_conf_read(bdf, *cap + 2, 2) & 0x7ff) + 1;
	t = pci_conf_read(bdf, *cap + 4, 4);
	p = pci_conf_read(bdf, *cap + 8, 4);
	tb = bar_address(bdf, t & 7);
	pb = bar_address(bdf, p & 7);
	if (!tb || !pb)
		return -XEN_EINVAL;
	r->bdf = bdf;
	r->table_bar = tb;
	r->table = tb + (t & ~7u);
	r->table_end = r->table + (paddr_t)*nr * 16;
	r->pba = pb + (p & ~7u);
	r->pba_end = r->pba + ((*nr + 63) / 64) * 8;
	return 0;
}

static bool range_has_frame(paddr_t start, paddr_t end, mfn_t mfn)
{
	return (start >> PAGE_SHIFT) <= mfn && mfn <= ((end - 1) >> PAGE_SHIFT);
}

/* ---- the table of device ranges in use (derived from the live slots) ---- */

static bool slot_device_in_use_locked(uint16_t bdf)
{
	for (unsigned int i = 0; i < PIRQ_MAX; i++)
		if (pirq_slots[i].d && pirq_slots[i].bdf == bdf)
			return true;
	return false;
}

bool physdev_device_in_use(uint16_t bdf)
{
	unsigned long f = spin_lock_irqsave(&pirq_lock);
	bool r = slot_device_in_use_locked(bdf);

	spin_unlock_irqrestore(&pirq_lock, f);
	return r;
}

/*
 * The BARs of a device in use cannot move (pci.c refuses the writes), so
 * its MSI-X layout read now is the one the slots were programmed with.
 */
bool physdev_msix_frame(mfn_t mfn)
{
	uint16_t seen[PIRQ_MAX];
	unsigned int n = 0;
	unsigned long f = spin_lock_irqsave(&pirq_lock);

	for (unsigned int i = 0; i < PIRQ_MAX; i++)
		if (pirq_slots[i].d)
			seen[n++] = pirq_slots[i].bdf;
	spin_unlock_irqrestore(&pirq_lock, f);
	for (unsigned int i = 0; i < n; i++) {
		struct msix_range r;
		unsigned int cap, nr;

		if (msix_layout(seen[i], &cap, &nr, &r) == 0 &&
		    (range_has_frame(r.table, r.table_end, mfn) || range_has_frame(r.pba, r.pba_end, mfn)))
			return true;
	}
	return false;
}

/* ---- mapping table entries ---- */

/* The entry's address in the hypervisor, mapping its page once; NULL when the fixmap is full. */
static volatile uint32_t *msix_entry_map(paddr_t pa)
{
	paddr_t page = pa & PAGE_MASK;
	unsigned long f = spin_lock_irqsave(&pirq_lock);
	void *va = NULL;
	unsigned int i;

	for (i = 0; i < MSIX_PAGES_MAX && msix_pages[i].va; i++)
		if (msix_pages[i].pa == page)
			va = msix_pages[i].va;
	if (!va && i < MSIX_PAGES_MAX && (va = ioremap_page_try(page))) {
		msix_pages[i].pa = page;
		msix_pages[i].va = va;
	}
	spin_unlock_irqrestore(&pirq_lock, f);
	return va ? (volatile uint32_t *)((uint8_t *)va + (pa & ~PAGE_MASK)) : NULL;
}

static void msix_entry_mask(volatile uint32_t *e)
{
	e[3] |= MSIX_ENTRY_MASKED;
	(void)e[3];		/* read back: the mask has reached the device before the slot is reused */
}

/* Physical destination, fixed delivery, edge: the boot CPU takes every device vector. */
static void msix_entry_program(volatile uint32_t *e, unsigned int vector)
{
	msix_entry_mask(e);
	e[0] = MSI_ADDR_BASE | (cpu_table[0]->apic_id << 12);
	e[1] = 0;
	e[2] = vector;
	e[3] &= ~MSIX_ENTRY_MASKED;
}

static void msix_enable(uint16_t bdf, unsigned int cap)
{
	uint16_t ctrl = (uint16_t)pci_conf_read(bdf, cap + 2, 2);

	ctrl = (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	pci_conf_write(bdf, cap + 2, 2, ctrl);
}

/* ---- PHYSDEVOP_map_pirq / unmap_pirq ---- */

static int map_pirq_check(struct domain *cd, const struct physdev_map_pirq *m)
{
	if (m->domid != DOMID_SELF && m->domid != cd->domid)
		return -XEN_EPERM;		/* no device passthrough to other domains */
	if (m->type != MAP_PIRQ_TYPE_MSI && m->type != MAP_PIRQ_TYPE_MSI_SEG)
		return -XEN_EOPNOTSUPP;
	if (m->pad || m->pad2 || (m->bus >> 16) != 0 || (m->bus & 0xffff) > 255 || m->devfn < 0 ||
	    m->devfn > 255 || m->entry_nr < 0)
		return -XEN_EINVAL;
	if (m->pirq != -1 && (m->pirq < PIRQ_FIRST || m->pirq >= PIRQ_FIRST + PIRQ_MAX))
		return -XEN_EINVAL;
	return 0;
}

/* Claims a slot for (bdf, entry) under the lock: -XEN_EBUSY if the entry is taken, -XEN_ENOSPC if none is free. */
static int slot_claim(struct domain *cd, int want, uint16_t bdf, uint16_t entry, volatile uint32_t *e)
{
	unsigned long f = spin_lock_irqsave(&pirq_lock);
	int slot = -XEN_ENOSPC;

	for (unsigned int i = 0; i < PIRQ_MAX; i++) {
		if (pirq_slots[i].d && pirq_slots[i].bdf == bdf && pirq_slots[i].entry == entry) {
			slot = -XEN_EBUSY;
			break;
		}
		if (!pirq_slots[i].d && slot < 0 && (want < 0 || (unsigned int)want == i))
			slot = (int)i;
	}
	if (want >= 0 && slot == -XEN_ENOSPC)
		slot = -XEN_EEXIST;
	if (slot >= 0) {
		domain_get(cd);
		pirq_slots[slot] = (struct pirq_slot){ .d = cd, .bdf = bdf, .entry = entry, .msix = e };
		msix_entry_program(e, PIRQ_VECTOR_BASE + (unsigned int)slot);
	}
	spin_unlock_irqrestore(&pirq_lock, f);
	return slot;
}

static long physdev_map_pirq(struct domain *cd, uint64_t arg)
{
	struct physdev_map_pirq m;
	struct msix_range r;
	unsigned int cap, nr;
	volatile uint32_t *e;
	uint16_t bdf;
	int rc, slot;

	if (copy_from_guest(&m, arg, sizeof(m)))
		return -XEN_EFAULT;
	rc = map_pirq_check(cd, &m);
	if (rc)
		return rc;
	bdf = PCI_BDF(m.bus & 0xff, m.devfn);
	rc = msix_layout(bdf, &cap, &nr, &r);
	if (rc)
		return rc;
	/* The table must be device memory: a BAR dom0 pointed at RAM would have us write into it. */
	if ((unsigned int)m.entry_nr >= nr || (m.table_base && m.table_base != r.table_bar) ||
	    !iomem_device_frame(cd, (r.table + (paddr_t)m.entry_nr * 16) >> PAGE_SHIFT, false))
		return -XEN_EINVAL;
	e = msix_entry_map(r.table + (paddr_t)m.entry_nr * 16);
	if (!e)
		return -XEN_ENOSPC;
	slot = slot_claim(cd, m.pirq < 0 ? -1 : m.pirq - PIRQ_FIRST, bdf, (uint16_t)m.entry_nr, e);
	if (slot < 0)
		return slot;
	msix_enable(bdf, cap);
	m.pirq = PIRQ_FIRST + slot;
	log_info("physdev: d%u pirq %d = MSI-X entry %d of %02x:%02x.%u, vector 0x%x", cd->domid, m.pirq,
		 m.entry_nr, bdf >> 8, (bdf >> 3) & 31, bdf & 7, PIRQ_VECTOR_BASE + slot);
	if (copy_to_guest(arg, &m, sizeof(m)))
		return -XEN_EFAULT;	/* the pirq stays mapped: the caller can still unmap it by number */
	return 0;
}

/* Frees d's slot (masking its entry first); returns the domain reference to drop outside the lock, or NULL. */
static struct domain *slot_release_locked(unsigned int i)
{
	struct domain *d = pirq_slots[i].d;

	msix_entry_mask(pirq_slots[i].msix);
	pirq_slots[i] = (struct pirq_slot){ 0 };
	return d;
}

static long physdev_unmap_pirq(struct domain *cd, uint64_t arg)
{
	struct physdev_unmap_pirq u;
	struct domain *d = NULL;
	unsigned long f;
	unsigned int i;

	if (copy_from_guest(&u, arg, sizeof(u)))
		return -XEN_EFAULT;
	if (u.domid != DOMID_SELF && u.domid != cd->domid)
		return -XEN_EPERM;
	if (u.pirq < PIRQ_FIRST || u.pirq >= PIRQ_FIRST + PIRQ_MAX)
		return -XEN_EINVAL;
	i = (unsigned int)(u.pirq - PIRQ_FIRST);
	f = spin_lock_irqsave(&pirq_lock);
	if (pirq_slots[i].d == cd)
		d = slot_release_locked(i);
	spin_unlock_irqrestore(&pirq_lock, f);
	if (!d)
		return -XEN_EINVAL;
	domain_put(d);
	return 0;
}

void pirq_domain_destroy(struct domain *d)
{
	for (unsigned int i = 0; i < PIRQ_MAX; i++) {
		unsigned long f = spin_lock_irqsave(&pirq_lock);
		struct domain *held = pirq_slots[i].d == d ? slot_release_locked(i) : NULL;

		spin_unlock_irqrestore(&pirq_lock, f);
		if (held)
			domain_put(held);
	}
}

int pirq_bind(struct domain *d, uint32_t pirq, uint32_t port)
{
	unsigned int i = pirq - PIRQ_FIRST;
	unsigned long f;
	int rc = 0;

	if (pirq < PIRQ_FIRST || i >= PIRQ_MAX)
		return -XEN_EPERM;
	f = spin_lock_irqsave(&pirq_lock);
	if (pirq_slots[i].d != d)
		rc = -XEN_EPERM;	/* as Xen answers for a pirq the domain has no access to */
	else if (pirq_slots[i].port && evtchn_pirq_bound(d, pirq_slots[i].port, pirq))
		rc = -XEN_EEXIST;
	else
		pirq_slots[i].port = port;
	spin_unlock_irqrestore(&pirq_lock, f);
	return rc;
}

bool physdev_irq(unsigned int vector)
{
	unsigned int i = vector - PIRQ_VECTOR_BASE;
	struct pirq_slot *s;

	if (vector < PIRQ_VECTOR_BASE || i >= PIRQ_MAX)
		return false;
	/* Edge-triggered MSI-X: the EOI can come first; a new edge while we send is latched by the LAPIC. */
	apic_eoi();
	spin_lock(&pirq_lock);		/* interrupts are off in the handler */
	s = &pirq_slots[i];
	if (s->d && s->port) {
		s->count++;
		evtchn_send_pirq(s->d, s->port, PIRQ_FIRST + i);
	}
	spin_unlock(&pirq_lock);
	return true;
}

/* ---- the hypercall ---- */

static long physdev_set_iopl(struct vcpu *v, uint64_t arg)
{
	struct physdev_set_iopl iopl;

	if (copy_from_guest(&iopl, arg, sizeof(iopl)) < 0)
		return -XEN_EFAULT;
	if (iopl.iopl > 3)
		return -XEN_EINVAL;
	v->arch.iopl = (uint8_t)iopl.iopl;
	return 0;
}

/*
 * As Xen 4.17, for any PV vCPU: the bitmap's address and length are only
 * recorded (its start must be a guest address, at most 65536 ports); the
 * port-I/O emulation reads it when a port access traps. It grants no I/O
 * rights: a port it lets through reaches what the domain's IOPL would
 * (all-ones for a domU), never a device the domain has not got.
 */
static long physdev_set_iobitmap(struct vcpu *v, uint64_t arg)
{
	struct physdev_set_iobitmap b;

	if (copy_from_guest(&b, arg, sizeof(b)) < 0)
		return -XEN_EFAULT;
	if (!guest_range_ok(b.bitmap, 1) || b.nr_ports > 65536)
		return -XEN_EINVAL;
	v->arch.iobmp = b.bitmap;
	v->arch.iobmp_limit = b.nr_ports;
	return 0;
}

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v1/v2, for any domain as in Xen 4.17: the page
 * where the hypervisor would set a bit for each pirq that needs an EOI. It
 * is kept (writable type: it can no longer become a page table) until the
 * domain dies, and taken once only (-EBUSY after). Nothing is written to
 * it, whatever the guest put there: dom0's pirqs are MSI-X, edge-triggered
 * and acknowledged by the hypervisor, and a domU has none bound (its
 * irq_status_query still answers needs_eoi for any pirq in range, as Xen
 * does without the page; nothing can be bound to act on either answer).
 * v1's automatic unmask on EOI has nothing to act on either.
 */
static long physdev_pirq_eoi_gmfn(struct domain *d, uint64_t arg)
{
	struct physdev_pirq_eoi_gmfn e;
	mfn_t none = 0;

	if (copy_from_guest(&e, arg, sizeof(e)) < 0)
		return -XEN_EFAULT;
	/* A PV guest names machine frames; one it may not write is -EINVAL, as Xen's get_page_type failing (0 means none). */
	if (e.gmfn == 0 || !mfn_valid(e.gmfn) || get_page_and_type(mfn_to_page(e.gmfn), d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	if (!__atomic_compare_exchange_n(&d->arch.pirq_eoi_mfn, &none, (mfn_t)e.gmfn, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		put_page_and_type(mfn_to_page(e.gmfn));
		return -XEN_EBUSY;
	}
	return 0;
}

long do_physdev_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *cd = v->domain;

	if (cmd == PHYSDEVOP_set_iopl)
		return physdev_set_iopl(v, arg);
	if (cmd == PHYSDEVOP_set_iobitmap)
		return physdev_set_iobitmap(v, arg);
	if (cmd == PHYSDEVOP_pirq_eoi_gmfn_v1 || cmd == PHYSDEVOP_pirq_eoi_gmfn_v2)
		return physdev_pirq_eoi_gmfn(cd, arg);
	/* The one privilege check of device delegation: a domU gets Xen's refusals, no device code runs for it. */
	if (!cd->is_privileged)
		return physdev_domu_op(v, (uint32_t)cmd, arg);
	switch (cmd) {
	case PHYSDEVOP_map_pirq:
	case PHYSDEVOP_unmap_pirq:
		return cmd == PHYSDEVOP_map_pirq ? physdev_map_pirq(cd, arg) : physdev_unmap_pirq(cd, arg);
	default:
		return -XEN_ENOSYS;
	}
}

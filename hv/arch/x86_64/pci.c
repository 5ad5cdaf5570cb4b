/* SPDX-License-Identifier: MIT */
/* PCI configuration space through ports 0xCF8/0xCFC (mechanism 1): the hypervisor's accessors and dom0's port accesses. */
#include <asm/pci.h>
#include <asm/physdev.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/log.h>
#include <hv/spinlock.h>
#include <pvabi/skiff_domctl.h>

#define PCI_ADDR_PORT	0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_ENABLE	0x80000000u
#define PCI_BAR_FIRST	0x10
#define PCI_BAR_END	0x28

/* The address and data ports are one device: whoever wrote the address must do the data access before anyone else. */
static spinlock_t pci_lock = SPINLOCK_INIT;

/*
 * dom0's address latch, per vCPU as Xen keeps it per domain: a guest's
 * write to 0xCF8 goes here, never to the port, so a vCPU preempted between
 * its address and data accesses cannot misdirect ours or another vCPU's.
 */
static uint32_t pci_cf8[SKIFF_MAX_VCPUS];

static uint32_t pci_addr(uint16_t bdf, unsigned int reg)
{
	return PCI_ENABLE | ((uint32_t)bdf << 8) | (reg & 0xfc);
}

static uint32_t pci_read_locked(uint32_t addr, unsigned int off, unsigned int size)
{
	outl(PCI_ADDR_PORT, addr);
	if (size == 1)
		return inb((uint16_t)(PCI_DATA_PORT + off));
	if (size == 2)
		return inw((uint16_t)(PCI_DATA_PORT + off));
	return inl(PCI_DATA_PORT);
}

static void pci_write_locked(uint32_t addr, unsigned int off, unsigned int size, uint32_t val)
{
	outl(PCI_ADDR_PORT, addr);
	if (size == 1)
		outb((uint16_t)(PCI_DATA_PORT + off), (uint8_t)val);
	else if (size == 2)
		outw((uint16_t)(PCI_DATA_PORT + off), (uint16_t)val);
	else
		outl(PCI_DATA_PORT, val);
}

uint32_t pci_conf_read(uint16_t bdf, unsigned int reg, unsigned int size)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);
	uint32_t v = pci_read_locked(pci_addr(bdf, reg), reg & 3, size);

	spin_unlock_irqrestore(&pci_lock, f);
	return v;
}

void pci_conf_write(uint16_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);

	pci_write_locked(pci_addr(bdf, reg), reg & 3, size, val);
	spin_unlock_irqrestore(&pci_lock, f);
}

/*
 * A device whose MSI-X the hypervisor programs keeps its BARs: moved, its
 * table would leave the range the hypervisor keeps read-only for dom0.
 */
static bool pci_write_refused(uint16_t bdf, unsigned int reg, unsigned int size)
{
	return reg < PCI_BAR_END && reg + size > PCI_BAR_FIRST && physdev_device_in_use(bdf);
}

static void pci_data_access(uint32_t latch, unsigned int off, unsigned int size, bool write, uint32_t *val)
{
	uint16_t bdf = (uint16_t)(latch >> 8);
	unsigned int reg = (latch & 0xfc) + off;
	unsigned long f;

	if (!(latch & PCI_ENABLE) || off + size > 4) {
		if (!write)
			*val = 0xffffffffu;
		return;
	}
	if (write && pci_write_refused(bdf, reg, size)) {
		log_warn("pci: dom0's write to BAR register 0x%x of %02x:%02x.%u refused (MSI-X in use)", reg,
			 bdf >> 8, (bdf >> 3) & 31, bdf & 7);
		return;
	}
	/* Extended register bits (27:24) are AMD's; QEMU's q35 ignores them and so do we. */
	f = spin_lock_irqsave(&pci_lock);
	if (write)
		pci_write_locked(latch & ~0x0f000003u, off, size, *val);
	else
		*val = pci_read_locked(latch & ~0x0f000003u, off, size);
	spin_unlock_irqrestore(&pci_lock, f);
}

bool pci_emulate_port(struct vcpu *v, uint16_t port, unsigned int size, bool write, uint32_t *val)
{
	if (!v->domain->is_privileged || v->vcpu_id >= SKIFF_MAX_VCPUS)
		return false;
	if (port == PCI_ADDR_PORT && size == 4) {
		if (write)
			pci_cf8[v->vcpu_id] = *val;
		else
			*val = pci_cf8[v->vcpu_id];
		return true;
	}
	if (port < PCI_DATA_PORT || port > PCI_DATA_PORT + 3)
		return false;
	pci_data_access(pci_cf8[v->vcpu_id], port - PCI_DATA_PORT, size, write, val);
	return true;
}

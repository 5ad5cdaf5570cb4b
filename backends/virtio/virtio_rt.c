/* SPDX-License-Identifier: MIT */
/* virtio_os.h on our PV runtime (dom0): PCI config through the hypervisor's port emulation, DOMID_IO mappings, pirq events. */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/physdev.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_page.h"
#include "virtio_os.h"
#include "virtio_rt.h"

#define M2P_BASE	0xffff800000000000ULL	/* the read-only M2P of the x86_64 PV ABI (L4 slot 256) */
#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL

struct vio_rt_stats vio_rt_stats;
static bool iopl_set;

static void port_access_on(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };

	if (!iopl_set)
		iopl_set = rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&iopl)) == 0;
}

uint32_t vio_pci_read(uint16_t bdf, unsigned int reg, unsigned int size)
{
	uint16_t data = (uint16_t)(0xcfc + (reg & 3));
	uint32_t v;

	port_access_on();
	__asm__ volatile("outl %0, %1" :: "a"(0x80000000u | ((uint32_t)bdf << 8) | (reg & 0xfc)), "Nd"((uint16_t)0xcf8));
	if (size == 1) {
		uint8_t b;

		__asm__ volatile("inb %1, %0" : "=a"(b) : "d"(data));
		v = b;
	} else if (size == 2) {
		uint16_t w;

		__asm__ volatile("inw %1, %0" : "=a"(w) : "d"(data));
		v = w;
	} else {
		__asm__ volatile("inl %1, %0" : "=a"(v) : "d"(data));
	}
	return v;
}

void vio_pci_write(uint16_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	uint16_t data = (uint16_t)(0xcfc + (reg & 3));

	port_access_on();
	__asm__ volatile("outl %0, %1" :: "a"(0x80000000u | ((uint32_t)bdf << 8) | (reg & 0xfc)), "Nd"((uint16_t)0xcf8));
	if (size == 1)
		__asm__ volatile("outb %0, %1" :: "a"((uint8_t)val), "d"(data));
	else if (size == 2)
		__asm__ volatile("outw %0, %1" :: "a"((uint16_t)val), "d"(data));
	else
		__asm__ volatile("outl %0, %1" :: "a"(val), "d"(data));
}

/* A page-table frame of ours, by machine frame: our tables lie in the boot region, mapped at RT_VIRT_BASE + pfn. */
static volatile uint64_t *table_va(uint64_t mfn)
{
	uint64_t pfn = ((volatile const uint64_t *)M2P_BASE)[mfn];

	return (volatile uint64_t *)(RT_VIRT_BASE + pfn * RT_PAGE_SIZE);
}

uint64_t vio_rt_pte_maddr(const void *va)
{
	uint64_t a = RT_PTR(va), e = RT_PTR(rt_boot.si->pt_base);
	volatile uint64_t *t = (volatile uint64_t *)e;

	for (int level = 4; level > 1; level--) {
		e = t[(a >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_P))
			return 0;
		t = table_va((e & PTE_ADDR) >> 12);
	}
	e = (e & PTE_ADDR) + ((a >> 12) & 511) * 8;
	return e;
}

long vio_rt_map_io(void *va, uint64_t mfn, bool writable)
{
	struct mmu_update u = {
		.ptr = vio_rt_pte_maddr(va) | MMU_NORMAL_PT_UPDATE,
		.val = (mfn << 12) | PTE_P | PTE_A | PTE_PCD | PTE_PWT | PTE_NX | (writable ? PTE_RW | PTE_D : 0),
	};
	struct mmuext_op flush = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = RT_PTR(va) };
	long rc;

	if (u.ptr == MMU_NORMAL_PT_UPDATE)
		return -XEN_EFAULT;
	rc = hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_IO);
	/* mmu_update does not flush (as on Xen): the slot may have mapped something else before. */
	if (rc == 0)
		rc = hyp_mmuext_op(RT_PTR(&flush), 1, 0, DOMID_SELF);
	return rc;
}

volatile void *vio_map_mmio(uint64_t pa, size_t len)
{
	uint64_t first = pa >> 12, last = (pa + len - 1) >> 12;
	uint8_t *base = NULL, *prev = NULL;

	for (uint64_t f = first; f <= last; f++) {
		uint8_t *va = rt_window_get();

		/* The window hands out its slots in order: a hole would split the region, refuse it. */
		if (!va || (prev && va != prev + RT_PAGE_SIZE) || vio_rt_map_io(va, f, true))
			return NULL;
		if (!base)
			base = va;
		prev = va;
	}
	return base + (pa & 0xfff);
}

/*
 * The runtime's page pool is the ABI's 128 padding pages; a NIC takes 102
 * of them, each run-time disk slot (blkpool=) 4 more, each vif 2. Past the pool,
 * pages come from this reserve in dom0's image (its frames are dom0's
 * own, and vio_bus_addr knows them as it knows the pool's). Never freed:
 * devices are set up once.
 */
#define VIO_RESERVE_PAGES	128
static uint8_t vio_reserve[VIO_RESERVE_PAGES][4096] __attribute__((aligned(4096)));
static unsigned int vio_reserve_used;

void *vio_dma_page(uint64_t *bus_addr)
{
	void *p = rt_page_alloc();

	if (!p && vio_reserve_used < VIO_RESERVE_PAGES)
		p = vio_reserve[vio_reserve_used++];	/* zero: in .bss, and never handed out twice */

	if (p)
		*bus_addr = vio_bus_addr(p);
	return p;
}

uint64_t vio_bus_addr(const void *va)
{
	int64_t pfn = rt_va_pfn(va);

	/* Ring states and buffers may live in vmem areas, whose frames come from anywhere. */
	return (rt_pfn_to_mfn(pfn >= 0 ? (uint64_t)pfn : ~0ULL) << 12) | (RT_PTR(va) & 0xfff);
}

static void vio_irq_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	vio_rt_stats.irqs++;
}

int vio_irq_setup(uint16_t bdf, unsigned int entry, uint64_t table_bar)
{
	struct physdev_map_pirq m = {
		.domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI, .index = -1, .pirq = -1,
		.bus = bdf >> 8, .devfn = bdf & 0xff, .entry_nr = (int32_t)entry, .table_base = table_bar,
	};
	struct evtchn_bind_pirq b = { 0 };
	long rc = rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, RT_PTR(&m));

	if (rc)
		return (int)rc;
	b.pirq = (uint32_t)m.pirq;
	rc = hyp_event_channel_op(EVTCHNOP_bind_pirq, RT_PTR(&b));
	if (rc)
		return (int)rc;
	vio_rt_stats.pirq = m.pirq;
	vio_rt_stats.port = b.port;
	rt_event_set_handler(b.port, vio_irq_event, NULL);
	rt_event_unmask(b.port);
	return 0;
}

void vio_wait(void)
{
	rt_event_block();
}

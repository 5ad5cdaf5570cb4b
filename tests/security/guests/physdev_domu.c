/* SPDX-License-Identifier: MIT */
/*
 * physdev_domu: physdev_op from a domain without device rights, beside the
 * heartbeat dom0. Xen 4.17 answers a PV domU (from its source: the
 * conformance runner boots only dom0, so this is Skiff-specific) with
 * -EFAULT for an argument it cannot read before any refusal; irq_status_query
 * needs_eoi inside the domain's pirqs and -EINVAL outside; get_free_pirq
 * the highest free pirq until none is left (-ENOSPC); eoi 0 only for a
 * pirq it handed out; map/unmap_pirq -ESRCH for no such domain and -EPERM
 * otherwise, also for the caller itself and for dom0; every device command
 * -EPERM. A failing get_free_pirq (unwritable result) takes no pirq.
 * set_iobitmap: the attacker's bitmap lets ports through to the emulator
 * only (all-ones), and one it cannot read denies.
 */
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include <pvabi/physdev.h>
#include "sec_util.h"
#include "test.h"

#define NR_PIRQS	48	/* 16 ISA numbers + 32, as a Xen domU's nr_irqs_gsi + 32 */

static long physdev(unsigned int cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static const uint64_t bad_ptrs[] = { RT_BAD_PTR_HYPERVISOR, 0, 0x0000800000000000ULL };

static void unreadable_arguments(void)
{
	static const unsigned int reads_first[] = {
		PHYSDEVOP_irq_status_query, PHYSDEVOP_eoi, PHYSDEVOP_get_free_pirq, PHYSDEVOP_map_pirq,
		PHYSDEVOP_unmap_pirq, PHYSDEVOP_apic_read, PHYSDEVOP_apic_write, PHYSDEVOP_alloc_irq_vector,
		PHYSDEVOP_manage_pci_add, PHYSDEVOP_manage_pci_remove, PHYSDEVOP_manage_pci_add_ext,
		PHYSDEVOP_setup_gsi, PHYSDEVOP_pci_device_add, PHYSDEVOP_pci_device_remove,
		PHYSDEVOP_prepare_msix, PHYSDEVOP_release_msix, PHYSDEVOP_set_iopl, PHYSDEVOP_restore_msi,
		PHYSDEVOP_restore_msi_ext, PHYSDEVOP_pirq_eoi_gmfn_v1, PHYSDEVOP_pirq_eoi_gmfn_v2,
	};

	for (unsigned int i = 0; i < sizeof(reads_first) / sizeof(reads_first[0]); i++)
		for (unsigned int b = 0; b < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); b++)
			sec_expect(physdev(reads_first[i], bad_ptrs[b]), -XEN_EFAULT, "physdev_op %u, argument %#lx",
				   reads_first[i], (unsigned long)bad_ptrs[b]);
	/* Refused before anything is read. */
	sec_expect(physdev(PHYSDEVOP_pci_mmcfg_reserved, 0), -XEN_EPERM, "pci_mmcfg_reserved");
	sec_expect(physdev(PHYSDEVOP_dbgp_op, 0), -XEN_EPERM, "dbgp_op");
}

static void status_query(void)
{
	static const uint32_t outside[] = { NR_PIRQS, NR_PIRQS + 1, 0x7fffffff, 0x80000000, 0xffffffff };
	struct physdev_irq_status_query q;

	for (uint32_t irq = 0; irq < NR_PIRQS; irq++) {
		q.irq = irq;
		q.flags = 0xdead;
		sec_expect(physdev(PHYSDEVOP_irq_status_query, RT_PTR(&q)), 0, "irq_status_query %u", irq);
		tc_check(q.flags == XENIRQSTAT_needs_eoi, "pirq %u: needs_eoi, not shared (%#x)", irq, q.flags);
	}
	for (unsigned int i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		q.irq = outside[i];
		q.flags = 0xdead;
		sec_expect(physdev(PHYSDEVOP_irq_status_query, RT_PTR(&q)), -XEN_EINVAL, "irq_status_query %#x",
			   outside[i]);
		tc_check(q.flags == 0xdead, "flags untouched for pirq %#x", outside[i]);
	}
}

static void free_pirqs(void)
{
	struct physdev_get_free_pirq g = { .type = MAP_PIRQ_TYPE_MSI };
	struct physdev_eoi e;
	unsigned int got = 0;
	bool order = true;

	for (uint32_t irq = 0; irq < NR_PIRQS + 8; irq++) {
		e.irq = irq;
		sec_expect(physdev(PHYSDEVOP_eoi, RT_PTR(&e)), -XEN_EINVAL, "eoi of pirq %u, never handed out", irq);
	}
	/* An unwritable result (our L4, mapped read-only) takes nothing: the next call still gets 47. */
	sec_expect(physdev(PHYSDEVOP_get_free_pirq, rt_boot.si->pt_base), -XEN_EFAULT,
		   "get_free_pirq whose result cannot be written");
	for (uint32_t want = NR_PIRQS - 1; want >= 16; want--) {
		g.type = want & 1 ? MAP_PIRQ_TYPE_GSI : MAP_PIRQ_TYPE_MSI;	/* the GSI range is empty: same pool */
		g.pirq = 0;
		if (physdev(PHYSDEVOP_get_free_pirq, RT_PTR(&g)) == 0)
			got++;
		order &= g.pirq == want;
	}
	tc_check(got == 32 && order, "get_free_pirq handed out 47 down to 16 (%u calls, in order: %d)", got, order);
	sec_expect(physdev(PHYSDEVOP_get_free_pirq, RT_PTR(&g)), -XEN_ENOSPC, "get_free_pirq with all 32 taken");
	for (uint32_t irq = 0; irq < NR_PIRQS; irq++) {
		e.irq = irq;
		sec_expect(physdev(PHYSDEVOP_eoi, RT_PTR(&e)), irq >= 16 ? 0 : -XEN_EINVAL, "eoi of pirq %u", irq);
	}
	sec_expect(physdev(PHYSDEVOP_IRQ_UNMASK_NOTIFY, 0), 0, "IRQ_UNMASK_NOTIFY");
}

static void map_unmap(void)
{
	static const domid_t refused[] = { DOMID_SELF, 1, 0 };	/* ourselves (we are d1), dom0 */
	static const domid_t nobody[] = { 7, 0x7fef, DOMID_IO, DOMID_XEN };
	struct physdev_map_pirq m = { .type = MAP_PIRQ_TYPE_MSI, .index = -1, .pirq = -1 };
	struct physdev_unmap_pirq u = { .pirq = 16 };

	for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		m.domid = u.domid = refused[i];
		sec_expect(physdev(PHYSDEVOP_map_pirq, RT_PTR(&m)), -XEN_EPERM, "map_pirq for d%#x", refused[i]);
		sec_expect(physdev(PHYSDEVOP_unmap_pirq, RT_PTR(&u)), -XEN_EPERM, "unmap_pirq for d%#x", refused[i]);
	}
	for (unsigned int i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		m.domid = u.domid = nobody[i];
		sec_expect(physdev(PHYSDEVOP_map_pirq, RT_PTR(&m)), -XEN_ESRCH, "map_pirq for d%#x", nobody[i]);
		sec_expect(physdev(PHYSDEVOP_unmap_pirq, RT_PTR(&u)), -XEN_ESRCH, "unmap_pirq for d%#x", nobody[i]);
	}
	m.domid = DOMID_SELF;
	m.type = MAP_PIRQ_TYPE_MULTI_MSI;
	m.table_base = 0xfebf0000;
	sec_expect(physdev(PHYSDEVOP_map_pirq, RT_PTR(&m)), -XEN_EINVAL, "MULTI_MSI with a table base");
	m.table_base = 0;
	sec_expect(physdev(PHYSDEVOP_map_pirq, RT_PTR(&m)), -XEN_EPERM, "MULTI_MSI without one");
	/* Written back after the refusal, as Xen does: a read-only argument (our L4) is -EFAULT. */
	sec_expect(physdev(PHYSDEVOP_map_pirq, rt_boot.si->pt_base), -XEN_EFAULT, "map_pirq from a read-only page");
}

static void device_commands(void)
{
	static uint8_t zero[32];
	struct physdev_manage_pci_ext x = { .is_extfn = 2 };
	struct physdev_setup_gsi gsi = { .gsi = 16 };
	struct physdev_pci_device_add add = { .flags = XEN_PCI_DEV_PXM };
	static const unsigned int refused[] = {
		PHYSDEVOP_apic_read, PHYSDEVOP_apic_write, PHYSDEVOP_alloc_irq_vector, PHYSDEVOP_manage_pci_add,
		PHYSDEVOP_manage_pci_remove, PHYSDEVOP_manage_pci_add_ext, PHYSDEVOP_setup_gsi,
		PHYSDEVOP_pci_device_add, PHYSDEVOP_pci_device_remove, PHYSDEVOP_prepare_msix, PHYSDEVOP_release_msix,
		PHYSDEVOP_restore_msi, PHYSDEVOP_restore_msi_ext,
	};

	for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		sec_expect(physdev(refused[i], RT_PTR(zero)), -XEN_EPERM, "physdev_op %u", refused[i]);
	sec_expect(physdev(PHYSDEVOP_manage_pci_add_ext, RT_PTR(&x)), -XEN_EINVAL, "manage_pci_add_ext, is_extfn 2");
	sec_expect(physdev(PHYSDEVOP_setup_gsi, RT_PTR(&gsi)), -XEN_EINVAL, "setup_gsi 16 (no such GSI)");
	gsi.gsi = -1;
	sec_expect(physdev(PHYSDEVOP_setup_gsi, RT_PTR(&gsi)), -XEN_EINVAL, "setup_gsi -1");
	sec_expect(physdev(PHYSDEVOP_pci_device_add, RT_PTR(&add)), -XEN_EPERM, "pci_device_add with a proximity");
	sec_expect(physdev(PHYSDEVOP_free_irq_vector, RT_PTR(zero)), -XEN_ENOSYS, "free_irq_vector (none in Xen)");
}

static uint8_t eoi_page[2][4096] __attribute__((aligned(4096)));

static uint64_t image_mfn(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

/*
 * The pirq EOI page: only a page the domU may write is taken (not frame 0,
 * not past the machine, not its own L4), once; the hypervisor keeps it
 * until the domain dies (the test's end checks every frame comes back), and
 * the page cannot be given back while kept.
 */
static void eoi_page_abuse(void)
{
	struct physdev_pirq_eoi_gmfn e = { .gmfn = 0 };
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
	uint64_t mfn = image_mfn(eoi_page[0]);

	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), -XEN_EINVAL, "EOI page at frame 0");
	e.gmfn = ~0ULL;
	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), -XEN_EINVAL, "EOI page at frame ~0");
	e.gmfn = image_mfn((const void *)(uintptr_t)rt_boot.si->pt_base);
	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v1, RT_PTR(&e)), -XEN_EINVAL, "EOI page on the live L4");
	e.gmfn = mfn;
	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), 0, "EOI page on a page of ours");
	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), -XEN_EBUSY, "the same page again");
	e.gmfn = image_mfn(eoi_page[1]);
	sec_expect(physdev(PHYSDEVOP_pirq_eoi_gmfn_v1, RT_PTR(&e)), -XEN_EBUSY, "a second page");
	r.extent_start = RT_PTR(&mfn);
	sec_expect(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&r)), 0,
		   "decrease_reservation of the kept EOI page: nothing done");
	eoi_page[0][0] = 1;
	tc_check(eoi_page[0][0] == 1, "the EOI page is still ours to write");
}

static volatile unsigned int gp_count;
static uint8_t iobmp[8192 + 8] __attribute__((aligned(4096)));

static uint64_t io_gp(const uint64_t *frame)
{
	uint8_t op = *(const volatile uint8_t *)(uintptr_t)frame[3];

	gp_count++;
	return frame[3] + (op >= 0xe4 && op <= 0xe7 ? 2 : 1);	/* in/out with an immediate port, else through %dx */
}

static long iobitmap(uint64_t bitmap, uint32_t nr_ports)
{
	struct physdev_set_iobitmap b = { .bitmap = bitmap, .nr_ports = nr_ports };

	return physdev(PHYSDEVOP_set_iobitmap, RT_PTR(&b));
}

/*
 * An I/O bitmap grants a domU nothing the hypervisor has not given it: a
 * port it lets through is emulated (reads all-ones, writes vanish), the
 * PCI configuration ports included; a bitmap the hypervisor cannot read
 * (hypervisor range refused; unmapped afterwards) means #GP, never a fault
 * in the hypervisor.
 */
static void io_bitmap(void)
{
	static struct trap_info gp[2];
	uint64_t mfn;
	uint32_t l = 0;
	uint8_t b = 0;
	unsigned int before;

	gp[0].vector = 13;
	gp[0].cs = FLAT_KERNEL_CS;
	gp[0].address = RT_PTR(conf_gp_entry);
	conf_gp_hook = io_gp;
	if (hyp_set_trap_table(RT_PTR(gp)) != 0) {
		tc_error("set_trap_table for #GP failed");
		return;
	}
	sec_expect(iobitmap(RT_BAD_PTR_HYPERVISOR, 65536), -XEN_EINVAL, "set_iobitmap with the bitmap in the hypervisor");
	sec_expect(iobitmap(0xffff82d080000000ULL, 8), -XEN_EINVAL, "set_iobitmap with the bitmap on the hypervisor's text");
	sec_expect(iobitmap(RT_PTR(iobmp), 0xffffffffU), -XEN_EINVAL, "set_iobitmap of 2^32-1 ports");
	memset(iobmp, 0, sizeof(iobmp));
	sec_expect(iobitmap(RT_PTR(iobmp), 65536), 0, "set_iobitmap letting every port through");
	before = gp_count;
	__asm__ volatile("inb $0x80, %0" : "+a"(b) :: "memory");
	__asm__ volatile("outb %0, $0x80" :: "a"((uint8_t)0x5a) : "memory");
	__asm__ volatile("movw $0xcf8, %%dx; movl $0x80000000, %%eax; outl %%eax, %%dx; movw $0xcfc, %%dx; inl %%dx, %0"
			 : "=a"(l) :: "rdx", "memory");
	tc_check(gp_count == before, "the ports were emulated, no #GP (%u)", gp_count - before);
	tc_check(b == 0xff && l == 0xffffffffU, "a domU reads all-ones, PCI configuration included (%#x, %#x)", b, l);
	mfn = sec_mfn_of(iobmp);
	sec_expect(hyp_update_va_mapping(RT_PTR(iobmp), 0, UVMF_INVLPG), 0, "the bitmap's first page unmapped");
	before = gp_count;
	__asm__ volatile("inb $0x80, %0" : "+a"(b) :: "memory");
	tc_check(gp_count == before + 1, "a bitmap that cannot be read denies: #GP");
	sec_expect(hyp_update_va_mapping(RT_PTR(iobmp), (mfn << 12) | SEC_PTE_KDATA, UVMF_INVLPG), 0, "mapped again");
	sec_expect(iobitmap(0, 0), 0, "no bitmap");
}

void test_main(void)
{
	unreadable_arguments();
	status_query();
	free_pirqs();
	map_unmap();
	device_commands();
	eoi_page_abuse();
	io_bitmap();
}

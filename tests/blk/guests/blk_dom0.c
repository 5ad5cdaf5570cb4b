/* SPDX-License-Identifier: MIT */
/*
 * blk_dom0: a privileged test guest (booted as dom0) that drives QEMU's
 * virtio-blk disk through the device delegation of hv/include/hv/iomem.h:
 * PCI configuration through the ports, the BARs mapped with
 * mmu_update(DOMID_IO), MSI-X as a pirq event channel, DMA to its own
 * pages. It reads the host's pattern, writes its own, flushes, reads it
 * back (the host checks the file afterwards), and times both directions.
 * Before and after, it asks for what dom0 must not get: RAM, hypervisor
 * frames and devices as device memory, a writable MSI-X table, a moved BAR,
 * pirqs that are not its own.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/physdev.h>
#include "rt_event.h"
#include "rt_page.h"
#include "test.h"
#include "virtio_blk.h"
#include "virtio_os.h"
#include "virtio_rt.h"
#include "../blk_pattern.h"

#define CHUNK_PAGES	32
#define PAGE		4096u

static struct vblk blk;
static void *buf[CHUNK_PAGES];

static long physdev(unsigned int cmd, void *arg)
{
	return rt_hypercall2(__HYPERVISOR_physdev_op, cmd, RT_PTR(arg));
}

/* Frames dom0 must not map as device memory, through mmu_update(DOMID_IO) and through an ordinary update. */
static void check_refused_frames(void)
{
	void *va = rt_window_get();
	uint8_t *own = rt_page_alloc();
	uint64_t own_mfn = vio_bus_addr(own) >> 12;
	static const struct { uint64_t mfn; const char *what; } bad[] = {
		{ 0xfee00, "the local APIC" }, { 0xfec00, "the I/O APIC" }, { 0xfed00, "the HPET" },
		{ 0x100, "the hypervisor's image (1 MiB)" }, { 0x0, "frame 0 (firmware RAM)" },
		{ 1ULL << 40, "a frame past 52 address bits" },
	};

	if (!va || !own) {
		tc_error("no window slot or page for the frame checks");
		return;
	}
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tc_expect_eq(vio_rt_map_io(va, bad[i].mfn, true), -XEN_EPERM, bad[i].what);
		tc_check(hyp_update_va_mapping(RT_PTR(va), (bad[i].mfn << 12) | 0x1b, UVMF_INVLPG) < 0,
			 "update_va_mapping of %s as uncached memory is refused too", bad[i].what);
	}
	tc_expect_eq(vio_rt_map_io(va, own_mfn, true), -XEN_EPERM, "our own RAM frame as device memory (DOMID_IO)");
	tc_expect_eq(vio_rt_map_io(va, own_mfn, false), -XEN_EPERM, "our own RAM frame, read-only, as device memory");
	rt_window_put(va);
}

static void check_msix_table(void)
{
	uint64_t tbl = blk.pci.msix_table_bar >> 12;
	void *va = rt_window_get();
	volatile uint32_t *e = va;

	if (!tbl || !va) {
		tc_error("no MSI-X table BAR or window slot");
		return;
	}
	tc_expect_eq(vio_rt_map_io(va, tbl, true), -XEN_EPERM, "the MSI-X table the hypervisor programs, writable");
	tc_expect_eq(vio_rt_map_io(va, tbl, false), 0, "the MSI-X table, read-only");
	tc_check((e[2] & 0xff) >= 0x30 && (e[0] & 0xfff00000u) == 0xfee00000u,
		 "entry 0 holds the hypervisor's vector and the MSI address (data 0x%x, address 0x%x)", e[2], e[0]);
	/* A frame past the frame table (the BAR) in a plain L1 entry: -EPERM, as Xen 4.17 answers. */
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(va), (tbl << 12) | 0x1b | 2, UVMF_INVLPG), -XEN_EPERM,
		     "and no upgrade to writable through update_va_mapping");
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(va), 0, UVMF_INVLPG), 0, "unmapping it");
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(va), (tbl << 12) | 0x19, UVMF_INVLPG), -XEN_EPERM,
		     "the same frame read-only through update_va_mapping (only mmu_update(DOMID_IO) maps devices)");
	rt_window_put(va);
}

/* A BAR of a device whose MSI-X the hypervisor programs does not move. */
static void check_bar_pinned(void)
{
	uint16_t bdf = blk.pci.bdf;
	uint32_t bar1 = vio_pci_read(bdf, 0x14, 4);

	vio_pci_write(bdf, 0x14, 4, 0x10000000u);
	tc_expect_eq(vio_pci_read(bdf, 0x14, 4), bar1, "the MSI-X BAR after dom0 tried to move it");
}

static void check_pirq_ops(void)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI, .index = -1, .pirq = -1,
				       .bus = 0, .devfn = blk.pci.bdf & 0xff, .entry_nr = 0 };
	struct evtchn_bind_pirq b = { .pirq = (uint32_t)vio_rt_stats.pirq };

	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EBUSY, "mapping the entry already in use");
	m.entry_nr = 4096;
	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EINVAL, "an entry past the MSI-X table");
	m.entry_nr = 1;
	m.table_base = 0x1000;
	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EINVAL, "a table_base that is not the table's BAR");
	m.table_base = 0;
	m.domid = 1;
	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EPERM, "a pirq for another domain (no passthrough)");
	m.domid = DOMID_SELF;
	m.type = MAP_PIRQ_TYPE_GSI;
	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EOPNOTSUPP, "a GSI");
	m.type = MAP_PIRQ_TYPE_MSI;
	m.devfn = 0;			/* the q35 host bridge: no MSI-X */
	tc_expect_eq(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EOPNOTSUPP, "a device without MSI-X");
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_bind_pirq, RT_PTR(&b)), -XEN_EEXIST, "binding our pirq twice");
	b.pirq = 47;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_bind_pirq, RT_PTR(&b)), -XEN_EPERM, "binding a pirq not mapped");
}

static bool sectors_match(uint64_t first, bool guest)
{
	for (unsigned int p = 0; p < CHUNK_PAGES; p++) {
		const uint8_t *d = buf[p];

		for (unsigned int k = 0; k < PAGE; k++) {
			uint64_t s = first + p * (PAGE / 512) + k / 512;
			uint8_t want = guest ? blk_guest_byte(s, k % 512) : blk_host_byte(s, k % 512);

			if (d[k] != want) {
				tc_fail("sector %lu byte %u: 0x%02x, wanted 0x%02x", s, k % 512, d[k], want);
				return false;
			}
		}
	}
	return true;
}

static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t centi = ns ? bytes * 1000000000ULL / ns * 100 / (1 << 20) : 0;	/* MiB/s x 100 */

	rt_printf("blk: %s: %lu KiB in %lu ms: %lu.%02lu MiB/s\n", what, bytes >> 10, ns / 1000000, centi / 100,
		  centi % 100);
}

/* Sequential: [first, first + n) in CHUNK_PAGES requests; checks (or fills) every chunk outside the timing. */
static bool pass(uint64_t first, uint64_t n, bool write, uint64_t *ns)
{
	unsigned int per = CHUNK_PAGES * (PAGE / 512);

	*ns = 0;
	for (uint64_t s = first; s < first + n; s += per) {
		uint64_t t0;
		int rc;

		if (write)
			for (unsigned int k = 0; k < CHUNK_PAGES * PAGE; k++)
				((uint8_t *)buf[k / PAGE])[k % PAGE] = blk_guest_byte(s + k / 512, k % 512);
		t0 = rt_now_ns();
		rc = write ? vblk_write(&blk, s, buf, CHUNK_PAGES) : vblk_read(&blk, s, buf, CHUNK_PAGES);
		*ns += rt_now_ns() - t0;
		if (rc) {
			tc_fail("%s of sectors %lu..%lu failed", write ? "write" : "read", s, s + per - 1);
			return false;
		}
		if (!write && !sectors_match(s, first >= BLK_WRITE_FIRST))
			return false;
	}
	return true;
}

static void io_tests(void)
{
	uint64_t ns, t0;

	tc_expect_eq(blk.capacity, BLK_IMAGE_BYTES / 512, "capacity in sectors");
	tc_check(blk.flush, "the device offers VIRTIO_BLK_F_FLUSH");
	if (pass(0, BLK_READ_SECTORS, false, &ns)) {
		tc_pass("read the host's %u sectors, every byte as written", BLK_READ_SECTORS);
		print_rate("sequential read", (uint64_t)BLK_READ_SECTORS * 512, ns);
	}
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, true, &ns)) {
		tc_pass("wrote %u sectors", BLK_WRITE_SECTORS);
		print_rate("sequential write", (uint64_t)BLK_WRITE_SECTORS * 512, ns);
	}
	t0 = rt_now_ns();
	tc_expect_eq(vblk_flush(&blk), 0, "flush");
	rt_printf("blk: flush took %lu us\n", (rt_now_ns() - t0) / 1000);
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, false, &ns))
		tc_pass("read our %u sectors back", BLK_WRITE_SECTORS);
	tc_check(vblk_read(&blk, blk.capacity - 1, buf, 1) < 0, "a request past the end is refused by the driver");
	tc_check(vio_rt_stats.irqs > 0 && vio_rt_stats.irqs <= blk.requests + 1,
		 "completions came by MSI-X event channel: %lu events for %lu requests", vio_rt_stats.irqs,
		 blk.requests);
}

void test_main(void)
{
	struct physdev_unmap_pirq u = { .domid = DOMID_SELF };
	int rc;

	if (rt_page_init() || rt_event_init()) {
		tc_error("runtime set-up failed");
		return;
	}
	check_refused_frames();
	rc = vblk_open(&blk, true);
	if (rc) {
		tc_fail("no virtio-blk device driven (step %d)", rc);
		return;
	}
	tc_check(blk.irq, "MSI-X entry 0 mapped to pirq %d, bound to port %u", vio_rt_stats.pirq, vio_rt_stats.port);
	rt_printf("blk: virtio-blk at 00:%02x.%u, %lu sectors, seg_max %u, features 0x%lx\n", (blk.pci.bdf >> 3) & 31,
		  blk.pci.bdf & 7, blk.capacity, blk.seg_max, blk.pci.features);
	for (unsigned int i = 0; i < CHUNK_PAGES; i++) {
		uint64_t ba;

		if (!(buf[i] = vio_dma_page(&ba))) {
			tc_error("out of DMA pages");
			return;
		}
	}
	check_msix_table();
	check_bar_pinned();
	check_pirq_ops();
	io_tests();
	u.pirq = vio_rt_stats.pirq;
	tc_expect_eq(physdev(PHYSDEVOP_unmap_pirq, &u), 0, "unmapping our pirq");
	tc_expect_eq(physdev(PHYSDEVOP_unmap_pirq, &u), -XEN_EINVAL, "unmapping it again");
}

/* SPDX-License-Identifier: MIT */
/*
 * devdeleg: a domU that reaches for dom0's devices while dom0 (blk_dom0)
 * drives the virtio-blk disk: PCI configuration through the ports, device
 * frames by mmu_update(DOMID_IO) and by ordinary updates, MSI-X pirqs
 * (map, unmap, bind, dom0's own pirq included). Every step must be refused
 * (-EPERM for the hypercalls, all-ones from the ports, the entry refused),
 * and dom0's disk I/O must still succeed beside it.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/physdev.h>
#include "rt_page.h"
#include "sec_util.h"
#include "test.h"

/*
 * Where QEMU's q35 firmware puts the virtio disk's BARs in this test's
 * machine, and the hypervisor's devices. The command line names another
 * device instead (devfn=, msix_frame=, bar_frame=): the NIC of net_dom0.
 */
static uint64_t device_frames[] = { 0xfebd1, 0xfebd0, 0xfe000, 0xfe001, 0xfee00, 0xfec00 };
static unsigned int target_devfn = 3 << 3;

/* After the first round the same attacks repeat silently: only a result that differs is reported. */
static bool quiet;
static uint64_t quiet_checks;

#define EXPECT(rc, want, ...)                                                   \
	do {                                                                    \
		long rc_ = (long)(rc), want_ = (long)(want);                    \
		if (!quiet)                                                     \
			sec_expect(rc_, want_, __VA_ARGS__);                    \
		else if (rc_ != want_)                                          \
			tc_fail("repeated attack: got %ld, wanted %ld", rc_, want_); \
		quiet_checks += quiet;                                          \
	} while (0)
#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		bool c_ = (cond);                                               \
		if (!quiet)                                                     \
			tc_check(c_, __VA_ARGS__);                              \
		else if (!c_)                                                   \
			tc_fail("repeated attack: a check failed");             \
		quiet_checks += quiet;                                          \
	} while (0)

static long physdev(unsigned int cmd, void *arg)
{
	return rt_hypercall2(__HYPERVISOR_physdev_op, cmd, RT_PTR(arg));
}

static uint32_t port_in32(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "d"(port));
	return v;
}

static void port_out32(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" :: "a"(v), "d"(port));
}

/* With I/O privilege a domU may execute port I/O, but no device answers: the host bridge and the disk are dom0's. */
static void config_space(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };

	EXPECT(physdev(PHYSDEVOP_set_iopl, &iopl), 0, "a virtual IOPL of 1 (allowed: only emulated I/O)");
	for (unsigned int devfn = 0; devfn < 32; devfn += 8) {
		port_out32(0xcf8, 0x80000000u | (devfn << 8));
		CHECK(port_in32(0xcfc) == 0xffffffffu, "config space of 00:%02x.0 reads all-ones", devfn >> 3);
	}
	CHECK(port_in32(0xcf8) == 0xffffffffu, "the address port holds nothing of ours");
	/* A BAR write that reached the hardware would move dom0's device away from it. */
	port_out32(0xcf8, 0x80000000u | (target_devfn << 8) | 0x20);
	port_out32(0xcfc, 0);
	iopl.iopl = 0;
	EXPECT(physdev(PHYSDEVOP_set_iopl, &iopl), 0, "IOPL back to 0");
}

static void device_memory(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	uint64_t l1[5];

	if (sec_walk(RT_PTR(page), l1)) {
		tc_error("cannot walk to our page's L1");
		return;
	}
	for (unsigned int i = 0; i < sizeof(device_frames) / sizeof(device_frames[0]); i++) {
		uint64_t f = device_frames[i], pte = (f << 12) | SEC_PTE_KRW | SEC_PTE_PCD | SEC_PTE_PWT | SEC_PTE_NX;
		struct mmu_update u = { .ptr = (l1[1] << 12) + ((RT_PTR(page) >> 12) & 511) * 8, .val = pte };

		EXPECT(hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_IO), -XEN_EPERM, "mmu_update(DOMID_IO) of frame 0x%lx",
			   f);
		EXPECT(hyp_update_va_mapping(RT_PTR(page), pte, UVMF_INVLPG), -XEN_EINVAL,
			   "update_va_mapping of device frame 0x%lx", f);
		EXPECT(sec_mmu1(u.ptr, pte), -XEN_EINVAL, "mmu_update of device frame 0x%lx into our own L1", f);
	}
	page[0] = 1;		/* still our page */
	CHECK(page[0] == 1, "our page is still mapped as it was");
}

static void pirqs(void)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI, .index = -1, .pirq = -1,
				       .bus = 0, .devfn = target_devfn, .entry_nr = 0 };
	struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = 16 };
	struct evtchn_bind_pirq b = { .pirq = 16 };

	EXPECT(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EPERM, "map_pirq of dom0's device's MSI-X entry 0");
	m.entry_nr = 1;
	m.domid = 0;
	EXPECT(physdev(PHYSDEVOP_map_pirq, &m), -XEN_EPERM, "map_pirq on dom0's behalf");
	EXPECT(physdev(PHYSDEVOP_map_pirq, (void *)RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		   "map_pirq with a hypervisor pointer (read first, as Xen)");
	EXPECT(physdev(PHYSDEVOP_unmap_pirq, &u), -XEN_EPERM, "unmap_pirq of dom0's pirq 16");
	u.domid = 0;
	EXPECT(physdev(PHYSDEVOP_unmap_pirq, &u), -XEN_EPERM, "unmap_pirq naming dom0");
	for (uint32_t p = 0; p < 64; p += 16) {
		b.pirq = p;
		EXPECT(hyp_event_channel_op(EVTCHNOP_bind_pirq, RT_PTR(&b)), -XEN_EPERM, "bind_pirq %u", p);
	}
}

void test_main(void)
{
	uint64_t end;

	target_devfn = (unsigned int)sec_cmdline_num("devfn=", target_devfn) & 0xff;
	device_frames[0] = sec_cmdline_num("msix_frame=", device_frames[0]);
	device_frames[1] = device_frames[0] - 1;
	device_frames[2] = sec_cmdline_num("bar_frame=", device_frames[2]);
	device_frames[3] = device_frames[2] + 1;
	if (!sec_clock_init()) {
		tc_error("no clock");
		return;
	}
	/* Keep at it while dom0 does its disk I/O (a few seconds under TCG). */
	end = sec_now_ns() + 3 * SEC_NS;
	do {
		config_space();
		device_memory();
		pirqs();
		quiet = true;
	} while (sec_now_ns() < end);
	tc_pass("%lu more refusals while dom0 did its disk I/O", quiet_checks);
}

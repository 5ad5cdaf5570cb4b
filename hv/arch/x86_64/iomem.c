/* SPDX-License-Identifier: MIT */
/* Which machine frames the privileged domain may map as device memory: not RAM, not the hypervisor's, MSI-X tables read-only. */
#include <asm/physdev.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/iomem.h>
#include <hv/main.h>
#include <hv/percpu.h>
#include <hv/sched.h>

/*
 * 0xFEC00000-0xFEFFFFFF: the I/O APICs, the HPET, the local APICs and the
 * MSI address window. The hypervisor drives them; a write of dom0's there
 * could raise any vector on any CPU or stop its timers.
 */
#define HV_DEVICES_FIRST	(0xfec00000ULL >> PAGE_SHIFT)
#define HV_DEVICES_END		(0xff000000ULL >> PAGE_SHIFT)
/* 52 bits of physical address: the most an x86-64 page-table entry can name. */
#define MAX_PHYS_FRAMES		(1ULL << (52 - PAGE_SHIFT))

/* Any range of the firmware's map (RAM, ACPI, reserved): memory, never a device's BAR. */
static bool firmware_range(mfn_t mfn)
{
	paddr_t pa = (paddr_t)mfn << PAGE_SHIFT;

	for (unsigned int i = 0; i < bootinfo.nr_ranges; i++) {
		const struct boot_memrange *r = &bootinfo.ranges[i];

		if (pa + PAGE_SIZE > r->start && pa < r->start + r->len)
			return true;
	}
	return false;
}

/* Per CPU: the flag spans one entry's update, which runs to its end on the CPU that began it. */
static bool io_update_on[SCHED_MAX_CPUS];

void iomem_io_update(bool on)
{
	io_update_on[smp_processor_id()] = on;
}

bool iomem_frame_ok(const struct domain *d, mfn_t mfn, bool writable)
{
	return io_update_on[smp_processor_id()] && iomem_device_frame(d, mfn, writable);
}

bool iomem_device_frame(const struct domain *d, mfn_t mfn, bool writable)
{
	if (!d->is_privileged || mfn >= MAX_PHYS_FRAMES)
		return false;
	/* The frame table covers every frame the hypervisor manages: RAM, its image, its heap. */
	if (mfn_valid(mfn) || firmware_range(mfn))
		return false;
	if (mfn >= HV_DEVICES_FIRST && mfn < HV_DEVICES_END)
		return false;
	return !writable || !physdev_msix_frame(mfn);
}

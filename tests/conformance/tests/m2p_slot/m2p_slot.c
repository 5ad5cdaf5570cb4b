/* SPDX-License-Identifier: MIT */
/*
 * m2p_slot: who gets the read-only M2P slot (L4 slot 256) of a 64-bit PV
 * guest's L4 tables, with VMASST_TYPE_m2p_strict off and on, as Xen 4.17
 * does it: without m2p_strict an L4 is validated with the slot blank,
 * gains it when used as a kernel base (MMUEXT_NEW_BASEPTR) and keeps it
 * when also used as a user base (MMUEXT_NEW_USER_BASEPTR): one L4 may serve
 * kernel and user mode, and the kernel still reads the M2P. With
 * m2p_strict an L4 is validated with the slot, loses it when installed as
 * a user base, and a kernel base does not get it back. The slot is read
 * through a read-only mapping of each L4. Not Skiff-specific; checked on
 * real Xen 4.17.
 */
#include "test.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define M2P_SLOT	256

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint64_t spare[3];
static uint64_t copy_buf[512];	/* fresh L4 frames */

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static uint64_t own_window_mfn(void)
{
	return p2m()[(RT_PTR(window) - RT_VIRT_BASE) >> 12];
}

static long map_window(uint64_t mfn, uint64_t rw)
{
	return hyp_update_va_mapping(RT_PTR(window), (mfn << 12) | PTE_P | PTE_A | rw, UVMF_INVLPG);
}

/* The L4 entry at M2P_SLOT of frame mfn, read through a read-only mapping. */
static uint64_t slot_of(uint64_t mfn)
{
	uint64_t e;

	if (map_window(mfn, 0) != 0) {
		tc_error("cannot map L4 %#llx read-only", (unsigned long long)mfn);
		return ~0ULL;
	}
	e = ((volatile uint64_t *)window)[M2P_SLOT];
	map_window(own_window_mfn(), PTE_RW | PTE_D);
	return e;
}

static long mmuext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* Zeroes a free frame (beyond the boot mappings) and pins it as an empty L4. */
static long pin_fresh_l4(uint64_t mfn)
{
	if (map_window(mfn, PTE_RW | PTE_D) != 0)
		return -1;
	memset(window, 0, sizeof(window));
	if (map_window(own_window_mfn(), PTE_RW | PTE_D) != 0)
		return -1;
	return mmuext1(MMUEXT_PIN_L4_TABLE, mfn);
}

/* Pins a copy of L4 src's guest entries (not the hypervisor's slots 256-271) in frame mfn. */
static long pin_copy_l4(uint64_t mfn, uint64_t src)
{
	if (map_window(src, 0) != 0)
		return -1;
	memcpy(copy_buf, window, sizeof(copy_buf));
	if (map_window(mfn, PTE_RW | PTE_D) != 0)
		return -1;
	for (unsigned int i = 0; i < 512; i++)
		((uint64_t *)window)[i] = i >= 256 && i < 272 ? 0 : copy_buf[i];
	if (map_window(own_window_mfn(), PTE_RW | PTE_D) != 0)
		return -1;
	return mmuext1(MMUEXT_PIN_L4_TABLE, mfn);
}

static uint64_t m2p_read(uint64_t mfn)
{
	return ((volatile const uint64_t *)MACH2PHYS_VIRT_START)[mfn];
}

void test_main(void)
{
	uint64_t nr = rt_boot.si->nr_pages;
	uint64_t boot_l4 = p2m()[(rt_boot.si->pt_base - RT_VIRT_BASE) >> 12];
	uint64_t probe_mfn = own_window_mfn();
	uint64_t first_free = ((rt_boot.rsp - RT_VIRT_BASE) >> 12) + 2048;

	if (nr < first_free + 3) {
		tc_error("not enough spare frames (%llu pages)", (unsigned long long)nr);
		return;
	}
	spare[0] = p2m()[nr - 3];
	spare[1] = p2m()[nr - 2];
	spare[2] = p2m()[nr - 1];

	/* m2p_strict off (the default). */
	tc_check(slot_of(boot_l4) != 0, "the boot L4 (kernel base) has the M2P slot");
	tc_expect_eq(pin_fresh_l4(spare[0]), 0, "pin a fresh L4");
	tc_expect_eq(slot_of(spare[0]), 0, "without m2p_strict a fresh L4 has no M2P slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, spare[0]), 0, "the fresh L4 as user base");
	tc_expect_eq(slot_of(spare[0]), 0, "a user-only L4 still has no M2P slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, boot_l4), 0, "the kernel's L4 as user base too");
	tc_check(slot_of(boot_l4) != 0, "without m2p_strict a shared kernel/user L4 keeps the M2P slot");
	tc_expect_eq(m2p_read(probe_mfn), (RT_PTR(window) - RT_VIRT_BASE) >> 12,
		     "the kernel still reads the M2P through it");

	/* m2p_strict on. */
	tc_expect_eq(hyp_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0, "enable m2p_strict");
	tc_expect_eq(pin_fresh_l4(spare[1]), 0, "pin a fresh L4 under m2p_strict");
	tc_check(slot_of(spare[1]) != 0, "under m2p_strict a fresh L4 has the M2P slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, spare[1]), 0, "that L4 as user base");
	tc_expect_eq(slot_of(spare[1]), 0, "under m2p_strict a user base loses the M2P slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, boot_l4), 0, "the kernel's L4 as user base");
	tc_expect_eq(slot_of(boot_l4), 0, "under m2p_strict the shared L4 loses the slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, spare[1]), 0, "back to the separate user L4");
	tc_expect_eq(mmuext1(MMUEXT_NEW_BASEPTR, boot_l4), 0, "reload the kernel base under m2p_strict");
	tc_expect_eq(slot_of(boot_l4), 0, "a kernel base under m2p_strict does not get the slot back");
	tc_expect_eq(hyp_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict), 0, "disable m2p_strict");
	tc_expect_eq(mmuext1(MMUEXT_NEW_BASEPTR, boot_l4), 0, "reload the same kernel base without m2p_strict");
	tc_expect_eq(slot_of(boot_l4), 0, "reloading the current kernel base changes nothing");
	tc_check(slot_of(spare[1]) == 0, "turning m2p_strict off leaves existing L4s alone");
	/* A different kernel base and back: each gains the slot as it becomes the kernel base. */
	tc_expect_eq(pin_copy_l4(spare[2], boot_l4), 0, "pin a copy of the kernel's L4");
	tc_expect_eq(slot_of(spare[2]), 0, "the copy is validated without the slot");
	tc_expect_eq(mmuext1(MMUEXT_NEW_BASEPTR, spare[2]), 0, "the copy as kernel base");
	tc_check(slot_of(spare[2]) != 0, "a new kernel base gets the M2P slot");
	tc_expect_eq(m2p_read(probe_mfn), (RT_PTR(window) - RT_VIRT_BASE) >> 12, "the M2P reads through it");
	tc_expect_eq(mmuext1(MMUEXT_NEW_BASEPTR, boot_l4), 0, "back to the boot L4");
	tc_check(slot_of(boot_l4) != 0, "the boot L4 has the M2P slot again");
	tc_expect_eq(m2p_read(probe_mfn), (RT_PTR(window) - RT_VIRT_BASE) >> 12, "the M2P reads again");
}

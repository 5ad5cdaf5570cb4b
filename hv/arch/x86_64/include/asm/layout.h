/* SPDX-License-Identifier: MIT */
/* Hypervisor virtual memory map: everything lives in L4 slots 256-271, which the x86_64 PV ABI reserves in every guest L4. */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

/*
 * 0xffff800000000000  slot 256   read-only M2P for guests (later issue)
 * 0xffff82d040000000  slot 261   hypervisor image: VA = HV_IMAGE_BASE + PA
 * 0xffff830000000000  slot 262+  direct map of all RAM and the low 4 GiB
 * 0xffff880000000000             first guest slot (272): never mapped here
 *
 * The image is not in the top 2 GiB (that is the PV guest kernel's
 * 0xffffffff80000000 area), so it is built position-independent instead of
 * with -mcmodel=kernel: all code addressing is RIP-relative.
 */
#define HV_SLOT_FIRST		256
#define HV_SLOT_LAST		271
#define HV_IMAGE_BASE		0xffff82d040000000
#define HV_IMAGE_L4		261
#define HV_IMAGE_L3		321
#define DIRECTMAP_BASE		0xffff830000000000
#define DIRECTMAP_L4		262
#define DIRECTMAP_SIZE		(5ULL << 40)	/* slots 262-271 */
#define HV_LOAD_PA		0x100000	/* multiboot load address */

#define STACK_ORDER		3		/* 32 KiB per CPU stack */
#define STACK_SIZE		(4096 << STACK_ORDER)
/*
 * Each CPU's stack block is STACK_SIZE-aligned: the top 16 bytes hold the
 * per-CPU pointer (found from any rsp inside the block), below them three
 * 4 KiB IST stacks (#DF, NMI, #MC), and below those the primary stack.
 */
#define STACK_PCPU_OFF		(STACK_SIZE - 16)
#define STACK_IST_DF_TOP	(STACK_SIZE - 16)
#define STACK_IST_NMI_TOP	(STACK_SIZE - 16 - 4096)
#define STACK_IST_MC_TOP	(STACK_SIZE - 16 - 2 * 4096)
#define STACK_PRIMARY_TOP	(STACK_SIZE - 16 - 3 * 4096)

/* Hypervisor selectors, at the same GDT offsets as Xen's so PV guests see the ABI's values. */
#define GDT_HV_FIRST_BYTE	0xe000
#define HV_CS64			0xe008
#define HV_DS64			0xe010
#define GUEST_CS32		0xe023
#define GUEST_DS		0xe02b
#define GUEST_CS64		0xe033
#define HV_TSS			0xe040		/* 16-byte system descriptor */
#define GDT_LIMIT		0xefff

/* Early boot GDT selectors (boot GDT in head.S only). */
#define BOOT_CS32		0x08
#define BOOT_DS32		0x10
#define BOOT_CS64		0x18

#endif

/* SPDX-License-Identifier: MIT */
/* x86_64-specific parts of the PV ABI: selectors, reserved VA range, trap table, register frames, vCPU context. */
#ifndef PVABI_ARCH_X86_64_H
#define PVABI_ARCH_X86_64_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif
#include <pvabi/abi_check.h>

/* Flat ring-3 selectors that live in the hypervisor-reserved top of every guest GDT. */
#define FLAT_RING3_CS32		0xe023
#define FLAT_RING3_CS64		0xe033
#define FLAT_RING3_DS32		0xe02b
#define FLAT_RING3_DS64		0x0000
#define FLAT_RING3_SS32		0xe02b
#define FLAT_RING3_SS64		0xe02b
#define FLAT_KERNEL_CS		FLAT_RING3_CS64
#define FLAT_KERNEL_DS		FLAT_RING3_DS64
#define FLAT_KERNEL_SS		FLAT_RING3_SS64
#define FLAT_KERNEL_DS64	FLAT_RING3_DS64
#define FLAT_USER_CS		FLAT_RING3_CS64
#define FLAT_USER_DS		FLAT_RING3_DS64
#define FLAT_USER_SS		FLAT_RING3_SS64

/* Guest GDT entries from this page on belong to the hypervisor. */
#define FIRST_RESERVED_GDT_PAGE		14
#define FIRST_RESERVED_GDT_BYTE		(FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY	(FIRST_RESERVED_GDT_BYTE / 8)

/* L4 slots 256..271: the hypervisor's, in every guest address space. */
#define HYPERVISOR_VIRT_START	0xffff800000000000ULL
#define HYPERVISOR_VIRT_END	0xffff880000000000ULL
#define MACH2PHYS_VIRT_START	0xffff800000000000ULL
#define MACH2PHYS_VIRT_END	0xffff804000000000ULL
#define MACH2PHYS_NR_ENTRIES	((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* set_segment_base(which, value). */
#define SEGBASE_FS		0
#define SEGBASE_GS_USER		1
#define SEGBASE_GS_KERNEL	2
#define SEGBASE_GS_USER_SEL	3

/* iret_context.flags: the guest came from a syscall, so rcx/r11 are not restored. */
#define VGCF_in_syscall		(1U << 8)

#define XEN_LEGACY_MAX_VCPUS	32

/* set_trap_table entry; an array ends at the first entry with address 0. */
#ifndef __ASSEMBLER__
struct trap_info {
	uint8_t vector;
	uint8_t flags;		/* bits 0-1: DPL allowed to "int n"; bit 2: mask events on entry */
	uint16_t cs;
	uint64_t address;
};
PVABI_SIZE(struct trap_info, 16);
PVABI_OFF(struct trap_info, vector, 0);
PVABI_OFF(struct trap_info, flags, 1);
PVABI_OFF(struct trap_info, cs, 2);
PVABI_OFF(struct trap_info, address, 8);
#endif

#define TI_FLAG_DPL_MASK	0x3
#define TI_FLAG_MASK_EVENTS	0x4

/* What the guest pushes before the iret hypercall; read at the guest's rsp. */
#ifndef __ASSEMBLER__
struct iret_context {
	uint64_t rax;
	uint64_t r11;
	uint64_t rcx;
	uint64_t flags;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};
PVABI_SIZE(struct iret_context, 72);
PVABI_OFF(struct iret_context, rax, 0);
PVABI_OFF(struct iret_context, r11, 8);
PVABI_OFF(struct iret_context, rcx, 16);
PVABI_OFF(struct iret_context, flags, 24);
PVABI_OFF(struct iret_context, rip, 32);
PVABI_OFF(struct iret_context, cs, 40);
PVABI_OFF(struct iret_context, rflags, 48);
PVABI_OFF(struct iret_context, rsp, 56);
PVABI_OFF(struct iret_context, ss, 64);
#endif

/* Per-vCPU arch area inside vcpu_info: cr2 is where the guest reads the #PF address. */
#ifndef __ASSEMBLER__
struct arch_vcpu_info {
	uint64_t cr2;
	uint64_t pad;
};
PVABI_SIZE(struct arch_vcpu_info, 16);
PVABI_OFF(struct arch_vcpu_info, cr2, 0);
PVABI_OFF(struct arch_vcpu_info, pad, 8);
#endif

/* Arch tail of shared_info; mostly written by the guest to describe its P2M. */
#ifndef __ASSEMBLER__
struct arch_shared_info {
	uint64_t max_pfn;
	uint64_t pfn_to_mfn_frame_list_list;
	uint64_t nmi_reason;
	uint64_t p2m_cr3;
	uint64_t p2m_vaddr;
	uint64_t p2m_generation;
};
PVABI_SIZE(struct arch_shared_info, 48);
PVABI_OFF(struct arch_shared_info, max_pfn, 0);
PVABI_OFF(struct arch_shared_info, pfn_to_mfn_frame_list_list, 8);
PVABI_OFF(struct arch_shared_info, nmi_reason, 16);
PVABI_OFF(struct arch_shared_info, p2m_cr3, 24);
PVABI_OFF(struct arch_shared_info, p2m_vaddr, 32);
PVABI_OFF(struct arch_shared_info, p2m_generation, 40);
#endif

/* General registers as VCPUOP_initialise passes them. */
#ifndef __ASSEMBLER__
struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint32_t error_code;
	uint32_t entry_vector;
	uint64_t rip;
	uint16_t cs;
	uint16_t pad0;
	uint8_t saved_upcall_mask;
	uint8_t pad1[3];
	uint64_t rflags;
	uint64_t rsp;
	uint16_t ss;
	uint16_t pad2[3];
	uint16_t es;
	uint16_t pad3[3];
	uint16_t ds;
	uint16_t pad4[3];
	uint16_t fs;
	uint16_t pad5[3];
	uint16_t gs;
	uint16_t pad6[3];
};
PVABI_SIZE(struct cpu_user_regs, 200);
PVABI_OFF(struct cpu_user_regs, r15, 0);
PVABI_OFF(struct cpu_user_regs, r14, 8);
PVABI_OFF(struct cpu_user_regs, r13, 16);
PVABI_OFF(struct cpu_user_regs, r12, 24);
PVABI_OFF(struct cpu_user_regs, rbp, 32);
PVABI_OFF(struct cpu_user_regs, rbx, 40);
PVABI_OFF(struct cpu_user_regs, r11, 48);
PVABI_OFF(struct cpu_user_regs, r10, 56);
PVABI_OFF(struct cpu_user_regs, r9, 64);
PVABI_OFF(struct cpu_user_regs, r8, 72);
PVABI_OFF(struct cpu_user_regs, rax, 80);
PVABI_OFF(struct cpu_user_regs, rcx, 88);
PVABI_OFF(struct cpu_user_regs, rdx, 96);
PVABI_OFF(struct cpu_user_regs, rsi, 104);
PVABI_OFF(struct cpu_user_regs, rdi, 112);
PVABI_OFF(struct cpu_user_regs, error_code, 120);
PVABI_OFF(struct cpu_user_regs, entry_vector, 124);
PVABI_OFF(struct cpu_user_regs, rip, 128);
PVABI_OFF(struct cpu_user_regs, cs, 136);
PVABI_OFF(struct cpu_user_regs, pad0, 138);
PVABI_OFF(struct cpu_user_regs, saved_upcall_mask, 140);
PVABI_OFF(struct cpu_user_regs, pad1, 141);
PVABI_OFF(struct cpu_user_regs, rflags, 144);
PVABI_OFF(struct cpu_user_regs, rsp, 152);
PVABI_OFF(struct cpu_user_regs, ss, 160);
PVABI_OFF(struct cpu_user_regs, pad2, 162);
PVABI_OFF(struct cpu_user_regs, es, 168);
PVABI_OFF(struct cpu_user_regs, pad3, 170);
PVABI_OFF(struct cpu_user_regs, ds, 176);
PVABI_OFF(struct cpu_user_regs, pad4, 178);
PVABI_OFF(struct cpu_user_regs, fs, 184);
PVABI_OFF(struct cpu_user_regs, pad5, 186);
PVABI_OFF(struct cpu_user_regs, gs, 192);
PVABI_OFF(struct cpu_user_regs, pad6, 194);
#endif

/* vcpu_guest_context.flags */
#define VGCF_i387_valid			(1U << 0)
#define VGCF_in_kernel			(1U << 2)
#define VGCF_failsafe_disables_events	(1U << 3)
#define VGCF_syscall_disables_events	(1U << 4)
#define VGCF_online			(1U << 5)

/* Full vCPU state for VCPUOP_initialise (secondary vCPUs of PV guests). */
#ifndef __ASSEMBLER__
struct vcpu_guest_context {
	uint8_t fpu_ctxt[512];			/* FXSAVE image */
	uint64_t flags;
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];
	uint64_t ldt_base;
	uint64_t ldt_ents;
	uint64_t gdt_frames[16];
	uint64_t gdt_ents;
	uint64_t kernel_ss;
	uint64_t kernel_sp;
	uint64_t ctrlreg[8];			/* ctrlreg[1] holds the user L4 */
	uint64_t debugreg[8];
	uint64_t event_callback_eip;
	uint64_t failsafe_callback_eip;
	uint64_t syscall_callback_eip;
	uint64_t vm_assist;
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};
PVABI_SIZE(struct vcpu_guest_context, 5168);
PVABI_OFF(struct vcpu_guest_context, fpu_ctxt, 0);
PVABI_OFF(struct vcpu_guest_context, flags, 512);
PVABI_OFF(struct vcpu_guest_context, user_regs, 520);
PVABI_OFF(struct vcpu_guest_context, trap_ctxt, 720);
PVABI_OFF(struct vcpu_guest_context, ldt_base, 4816);
PVABI_OFF(struct vcpu_guest_context, ldt_ents, 4824);
PVABI_OFF(struct vcpu_guest_context, gdt_frames, 4832);
PVABI_OFF(struct vcpu_guest_context, gdt_ents, 4960);
PVABI_OFF(struct vcpu_guest_context, kernel_ss, 4968);
PVABI_OFF(struct vcpu_guest_context, kernel_sp, 4976);
PVABI_OFF(struct vcpu_guest_context, ctrlreg, 4984);
PVABI_OFF(struct vcpu_guest_context, debugreg, 5048);
PVABI_OFF(struct vcpu_guest_context, event_callback_eip, 5112);
PVABI_OFF(struct vcpu_guest_context, failsafe_callback_eip, 5120);
PVABI_OFF(struct vcpu_guest_context, syscall_callback_eip, 5128);
PVABI_OFF(struct vcpu_guest_context, vm_assist, 5136);
PVABI_OFF(struct vcpu_guest_context, fs_base, 5144);
PVABI_OFF(struct vcpu_guest_context, gs_base_kernel, 5152);
PVABI_OFF(struct vcpu_guest_context, gs_base_user, 5160);
#endif

#endif

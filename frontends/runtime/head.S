/* SPDX-License-Identifier: MIT */
/* Conformance guest start of day: the Xen ELF notes, the entry point, the runtime stack and exception stubs. */
#include <pvabi/elfnote.h>

#define RT_VIRT_BASE	0xffffffff80000000
#define RT_STACK_SIZE	(16 * 4096)

/* One ELF note named "Xen": name size, desc size, type, name, desc, each 4-byte aligned. */
.macro xen_note_begin type
	.p2align 2
	.long 4
	.long 2f - 1f
	.long \type
	.asciz "Xen"
	.p2align 2
1:
.endm
.macro xen_note_end
2:	.p2align 2
.endm
.macro xen_note_str type, str
	xen_note_begin \type
	.asciz "\str"
	xen_note_end
.endm
.macro xen_note_quad type, value
	xen_note_begin \type
	.quad \value
	xen_note_end
.endm

	.section .note.Xen, "a", @note
	xen_note_str XEN_ELFNOTE_GUEST_OS, "skiff-test"
	xen_note_str XEN_ELFNOTE_GUEST_VERSION, "0.1"
	xen_note_str XEN_ELFNOTE_XEN_VERSION, "xen-3.0"
	xen_note_str XEN_ELFNOTE_LOADER, "generic"
	xen_note_quad XEN_ELFNOTE_VIRT_BASE, RT_VIRT_BASE
	xen_note_quad XEN_ELFNOTE_PADDR_OFFSET, 0
	xen_note_quad XEN_ELFNOTE_ENTRY, rt_entry
	/*
	 * No PAE_MODE or HV_START_LOW: they only mean something to 32-bit
	 * guests, and Xen's dom0 builder turns PAE_MODE into a "p" after the
	 * start_info magic. No hypercall page (hypercalls are a bare syscall)
	 * and no writable page tables: the guest never writes a PTE. "dom0"
	 * says the image may be the initial domain, which is how both
	 * hypervisors run it.
	 */
	xen_note_str XEN_ELFNOTE_FEATURES, "dom0"

	.section .text.entry, "ax"
	.globl rt_entry
	.type rt_entry, @function
/* rsi = start_info. Record the start-of-day state before anything changes it. */
rt_entry:
	movq %rsp, rt_boot_rsp(%rip)
	movq %rsi, rt_boot_si(%rip)
	movw %cs, rt_boot_cs(%rip)
	movw %ss, rt_boot_ss(%rip)
	movw %ds, rt_boot_ds(%rip)
	movw %es, rt_boot_es(%rip)
	movw %fs, rt_boot_fs(%rip)
	movw %gs, rt_boot_gs(%rip)
	pushfq
	popq rt_boot_rflags(%rip)
	leaq rt_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	movq %rsi, %rdi
	call rt_main
1:	ud2
	jmp 1b
	.size rt_entry, . - rt_entry

/*
 * Exception entry. The hypervisor bounces a fault to the guest kernel stack
 * as rcx, r11, [error code], rip, cs, rflags, rsp, ss. The runtime never
 * resumes after an unexpected exception, so the stubs only pass the vector
 * and the frame address to C.
 */
.macro trap_stub vec
	.p2align 4
rt_trap_\vec:
	movl $\vec, %edi
	movq %rsp, %rsi
	jmp rt_trap_common
.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	trap_stub \v
	.endr

rt_trap_common:
	andq $-16, %rsp
	call rt_trap
1:	ud2
	jmp 1b

	.section .rodata
	.p2align 3
	.globl rt_trap_stubs
rt_trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad rt_trap_\v
	.endr

	.bss
	.p2align 12
	.globl rt_stack_bottom
rt_stack_bottom:
	.skip RT_STACK_SIZE
rt_stack_top:

	.section .note.GNU-stack, "", @progbits

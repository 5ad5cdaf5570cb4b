/* SPDX-License-Identifier: MIT */
/* Assembler macros for PV guest entry points: keep C's caller-saved registers around a call, return by iret. */
#ifndef RT_ENTRY_H
#define RT_ENTRY_H

/*
 * The hypervisor enters a guest's callback or trap handler with rsp at the
 * 64-bit PV bounce frame: rcx, r11, [error code], rip, cs, rflags, rsp, ss.
 * rt_entry_save pushes the other registers C may clobber (rbx is kept too,
 * because it holds the entry rsp across the call), so the frame then starts
 * at RT_ENTRY_FRAME(%rsp) and its rip is at RT_ENTRY_RIP(has_err)(%rsp).
 */
#define RT_ENTRY_FRAME		64
#define RT_ENTRY_RIP(has_err)	(RT_ENTRY_FRAME + 16 + 8 * (has_err))

#ifdef __ASSEMBLER__
.macro rt_entry_save
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
.endm

/* The frame is only 8-byte aligned: C expects a 16-byte aligned stack at a call. */
.macro rt_entry_call target
	andq $-16, %rsp
	call \target
	movq %rbx, %rsp
.endm

/*
 * Pop what rt_entry_save pushed and leave through the iret hypercall. The
 * iret context (rax, r11, rcx, flags, rip, cs, rflags, rsp, ss) is built on
 * the frame's rip..ss; flags 0 means "not a syscall return", so rcx and r11
 * are restored too. iret also restores the interrupted code's event mask
 * from the saved rflags' IF image, which is how an upcall's mask drops.
 */
.macro rt_entry_iret has_err
	popq %rbx
	popq %r10
	popq %r9
	popq %r8
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rcx
	popq %r11
	.if \has_err
	addq $8, %rsp
	.endif
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2
.endm
#endif

#endif

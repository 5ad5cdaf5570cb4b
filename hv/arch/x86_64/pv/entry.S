/* SPDX-License-Identifier: MIT */
/* PV guest entry and exit: syscall from ring 3 (a hypercall or a guest-user system call) and the return to the guest. */
#include <asm/frame.S.h>
#include <asm/layout.h>

#define VEC_SYSCALL64	0x100
#define VEC_SYSCALL32	0x101

	.text
/*
 * Entered from this CPU's stub with rsp at the primary stack top and the
 * guest's ss and rsp pushed: build the same frame an interrupt from ring 3
 * builds, so the guest's registers always sit at the top of the stack.
 */
.macro SYSCALL_ENTRY vec
	pushq	%r11			/* guest rflags */
	pushq	$GUEST_CS64
	pushq	%rcx			/* guest rip */
	pushq	$0
	pushq	$\vec
	SAVE_GPRS			/* no cld: MSR_FMASK clears DF */
	xor	%ebp, %ebp		/* backtraces stop at the guest boundary */
	mov	%rsp, %rdi
	call	pv_syscall		/* the hypercall and exit_to_guest_work in one */
	jmp	return_to_guest
.endm

	.globl	syscall_entry64
syscall_entry64:
	SYSCALL_ENTRY VEC_SYSCALL64

	.globl	syscall_entry32
syscall_entry32:
	SYSCALL_ENTRY VEC_SYSCALL32

/* Interrupts off from here to iretq: nothing may change the frame or the vCPU under us. */
	.globl	exit_to_guest
exit_to_guest:
	cli
	mov	%rsp, %rdi
	call	exit_to_guest_work
return_to_guest:
	test	%eax, %eax
	jz	restore_guest_frame
	/*
	 * sysretq leaves exactly the state iretq would (exit_to_guest_work
	 * checked: rcx holds rip, r11 rflags, flat 64-bit user selectors, a
	 * canonical rip), for much less work. It does not load rsp, so the
	 * guest's comes from the frame first: from here an NMI or #MC runs on
	 * its IST stack, and interrupts stay off until sysretq sets IF.
	 */
	RESTORE_GPRS
	mov	(16 + 24)(%rsp), %rsp
	sysretq
	.globl	restore_guest_frame
restore_guest_frame:
	RESTORE_GPRS
	add	$16, %rsp
1:	iretq
	/*
	 * Only if iretq itself faulted (a frame the checks let through): rsp
	 * is back at the frame's rip, the frame starts 17 words lower.
	 */
2:	sub	$(17 * 8), %rsp
	mov	%rsp, %rdi
	call	pv_iret_failed
	ud2
	.section .ex_table, "a"
	.balign 8
	.quad	1b, 2b
	.text

/* reset_stack_and_jump(frame, fn): drops the current call chain; fn runs on a clean stack under the frame. */
	.globl	reset_stack_and_jump
reset_stack_and_jump:
	mov	%rdi, %rsp
	xor	%ebp, %ebp
	jmp	*%rsi

/*
 * Copies between hypervisor and guest memory; returns the number of bytes
 * NOT copied (a fault stops it; a word straddling the faulting page is not
 * copied in part). Words first: an emulator runs a rep move one element per
 * step, and every hypercall argument comes through here.
 */
	.globl	raw_copy
raw_copy:
	mov	%rdx, %rcx
	shr	$3, %rcx
1:	rep movsq
	mov	%edx, %ecx
	and	$7, %ecx
2:	rep movsb
	xor	%eax, %eax
	ret
3:	and	$7, %edx
	lea	(%rdx, %rcx, 8), %rax
	ret
4:	mov	%rcx, %rax
	ret
	.section .ex_table, "a"
	.balign 8
	.quad	1b, 3b
	.quad	2b, 4b

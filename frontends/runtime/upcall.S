/* SPDX-License-Identifier: MIT */
/* The runtime's event callback entry: save what C may clobber, dispatch, return through the iret hypercall. */
	.text
/*
 * Entered with events masked and rsp -> rcx, r11, rip, cs, rflags, rsp, ss
 * (the 64-bit PV bounce frame). The caller-saved registers are kept around
 * the C call; rcx and r11 come back through the iret context (rax, r11,
 * rcx, flags, rip, cs, rflags, rsp, ss) with flags 0: not a syscall return,
 * so every register is restored. iret also restores the interrupted code's
 * event mask from the saved rflags' IF image, which is how the mask drops.
 */
	.globl rt_upcall_entry
	.type rt_upcall_entry, @function
rt_upcall_entry:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
	andq $-16, %rsp
	call rt_event_upcall
	movq %rbx, %rsp
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
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2
	.size rt_upcall_entry, . - rt_upcall_entry

	.section .note.GNU-stack, "", @progbits

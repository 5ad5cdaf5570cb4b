/* SPDX-License-Identifier: MIT */
/* iret hypercalls with a hostile frame, for the iret_attack guest. */

	.text
/*
 * void sec_iret(rip, cs, rflags, rsp, ss): builds the context (rax, r11,
 * rcx, flags, rip, cs, rflags, rsp, ss) on the stack and makes the iret
 * hypercall. Returns (to sec_iret_back) only if the frame names it.
 */
	.globl sec_iret
sec_iret:
	pushq %r8			/* ss */
	pushq %rcx			/* rsp */
	pushq %rdx			/* rflags */
	pushq %rsi			/* cs */
	pushq %rdi			/* rip */
	pushq $0			/* flags */
	pushq $0			/* rcx */
	pushq $0			/* r11 */
	pushq $0			/* rax */
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

/* void sec_iret_at(frame): the iret hypercall with rsp = frame (any address). */
	.globl sec_iret_at
sec_iret_at:
	movq %rdi, %rsp
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits

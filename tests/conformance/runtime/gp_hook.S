/* SPDX-License-Identifier: MIT */
/* A #GP entry for tests that emulate: conf_gp_hook looks at the bounce frame and returns the rip to resume at. */

	.text
/* rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. Caller-saved registers are saved here. */
	.globl conf_gp_entry
conf_gp_entry:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
	leaq 64(%rsp), %rdi		/* the bounce frame */
	andq $-16, %rsp
	call *conf_gp_hook(%rip)
	movq %rbx, %rsp
	movq %rax, 88(%rsp)		/* 64 + 24: the frame's rip */
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
	addq $8, %rsp			/* the error code */
	pushq $0			/* flags: restore rcx and r11 from the context */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/* user_mode test: the code copied into the user page, and the kernel entry points it leads to. */

	.section .rodata
/*
 * Runs in guest user mode at USER_CODE_VA (position independent: absolute
 * addresses only). The faulting loads have known lengths, so the fault
 * handler can resume after them.
 */
	.globl um_user_code, um_user_code_end
um_user_code:
	movabsq 0x401000, %rax			/* the user data page */
	addq $1, %rax
	syscall					/* stage 1: rax = data + 1 */
	movabsq 0x401008, %rax			/* the kernel left an M2P entry's address here */
	movq (%rax), %rbx			/* stage 2: the M2P from user mode (3 bytes) */
	movabsq 0xffff830000000000, %rax	/* stage 3: the hypervisor's memory (10 bytes) */
	movq $0x5555, %rax
	syscall					/* stage 4: back in user mode after two faults */
	movabsq 0xffffffff80100000, %rax	/* stage 5: the kernel's memory, absent from the user L4 */
	ud2
um_user_code_end:

	.text
/* um_enter_user(rip, rsp): iret hypercall to guest user mode; never returns. */
	.globl um_enter_user
um_enter_user:
	pushq rt_abi_flat_user_ss(%rip)
	pushq %rsi				/* rsp */
	pushq $0x002				/* rflags: virtual IF off, events stay masked */
	pushq rt_abi_flat_user_cs(%rip)
	pushq %rdi				/* rip */
	pushq $0				/* flags: not in a syscall */
	pushq $0				/* rcx */
	pushq $0				/* r11 */
	pushq $0				/* rax */
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2

/*
 * Syscall callback: rsp -> rcx, r11, rip, cs, rflags, rsp, ss on the stack
 * given to stack_switch. um_syscall(frame, rax, rbx) returns the rax to
 * resume user mode with; the iret context is rebuilt from the frame.
 */
	.globl um_syscall_entry
um_syscall_entry:
	movq %rsp, %r12
	movq %rsp, %rdi
	movq %rax, %rsi
	movq %rbx, %rdx
	andq $-16, %rsp
	call um_syscall
	movq %r12, %rsp
	jmp um_resume

/* Page-fault entry: rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. um_fault returns the resume rip. */
	.globl um_fault_entry
um_fault_entry:
	movq %rsp, %r12
	movq %rsp, %rdi
	andq $-16, %rsp
	call um_fault
	movq %r12, %rsp
	movq %rax, 24(%rsp)			/* new rip */
	popq %rcx
	popq %r11
	addq $8, %rsp				/* drop the error code */
	xorl %eax, %eax
	jmp 1f

/* rsp -> rcx, r11, rip, cs, rflags, rsp, ss; rax = value for user mode. */
um_resume:
	popq %rcx
	popq %r11
1:	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits

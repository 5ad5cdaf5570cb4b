/* SPDX-License-Identifier: MIT */
/* user_preempt: the user-mode code (copied into the user page) and the kernel entry points. */

	.section .rodata
/*
 * Runs in guest user mode at 0x400000. Spins until the TSC passes the
 * deadline the kernel left at 0x401000 (long enough to be preempted by the
 * other domain on the same CPU), then reads the guest kernel's memory,
 * which the user L4 does not map: that must fault. If it does not, SYSCALL
 * with rax = 0x6666 tells the kernel.
 */
	.globl up_user_code, up_user_code_end
up_user_code:
	movabsq 0x401000, %rax
	movq %rax, %rsi
1:	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	cmpq %rsi, %rax
	jb 1b
	movabsq 0xffffffff80100000, %rax	/* must fault: absent from the user L4 */
	movq $0x6666, %rax
	syscall
	ud2
up_user_code_end:

	.text
/* up_enter_user(rip, rsp): iret hypercall to guest user mode; never returns. */
	.globl up_enter_user
up_enter_user:
	pushq rt_abi_flat_user_ss(%rip)
	pushq %rsi
	pushq $0x002
	pushq rt_abi_flat_user_cs(%rip)
	pushq %rdi
	pushq $0
	pushq $0
	pushq $0
	pushq $0
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

/* Syscall callback: the kernel-memory read did not fault. */
	.globl up_syscall_entry
up_syscall_entry:
	andq $-16, %rsp
	movq %rax, %rdi
	call up_syscall
	ud2

/* Page-fault entry: rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. */
	.globl up_fault_entry
up_fault_entry:
	movq %rsp, %rdi
	andq $-16, %rsp
	call up_fault
	ud2

	.section .note.GNU-stack, "", @progbits

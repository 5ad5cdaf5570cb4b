/* SPDX-License-Identifier: MIT */
/* compat_syscall test: user code (32-bit and 64-bit) copied into the user page, and the kernel entries it leads to. */

	.section .rodata
	.globl cs_user_code, cs_user32, cs_user32_syscall, cs_user64, cs_user64_syscall, cs_user_code_end
cs_user_code:
	.code32
cs_user32:
	movl $0x1234, %eax			/* 5 bytes */
cs_user32_syscall:
	syscall
	ud2					/* the kernel resumes here once: #UD from compat mode */
	.code64
cs_user64:
	movq $0x5678, %rax			/* 7 bytes */
cs_user64_syscall:
	syscall
	ud2
cs_user_code_end:

	.text
/* cs_enter_user(rip, rsp, cs): iret hypercall to guest user mode with that code selector; never returns. */
	.globl cs_enter_user
cs_enter_user:
	pushq rt_abi_flat_user_ss(%rip)
	pushq %rsi				/* rsp */
	pushq $0x002				/* rflags: virtual IF off, events stay masked */
	pushq %rdx				/* cs */
	pushq %rdi				/* rip */
	pushq $0				/* flags: not in a syscall */
	pushq $0				/* rcx */
	pushq $0				/* r11 */
	pushq $0				/* rax */
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2

/*
 * Kernel entries, all with the frame rcx, r11, rip, cs, rflags, rsp, ss at
 * rsp. cs_event(kind, frame, rax) returns only to resume user mode at the
 * frame's rip with the frame's cs.
 */
.macro cs_entry name, kind
	.globl \name
\name:
	movq %rsp, %r12
	movl $\kind, %edi
	movq %rsp, %rsi
	movq %rax, %rdx
	andq $-16, %rsp
	call cs_event
	movq %r12, %rsp
	popq %rcx
	popq %r11
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2
.endm
	cs_entry cs_syscall32_entry, 32
	cs_entry cs_syscall64_entry, 64
	cs_entry cs_ud_entry, 6

	.section .note.GNU-stack, "", @progbits

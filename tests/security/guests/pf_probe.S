/* SPDX-License-Identifier: MIT */
/* A store whose page fault is stepped over and counted: how the security guests try writes that must be refused. */

	.text
	.globl sec_probe_store
sec_probe_store:
	movq %rsi, (%rdi)		/* 48 89 37: 3 bytes, skipped by the handler */
	ret

/* rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss (the PV exception frame). */
	.globl sec_probe_pf_entry
sec_probe_pf_entry:
	popq %rcx
	popq %r11
	addq $8, %rsp
	incq sec_probe_faults(%rip)
	addq $3, (%rsp)
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

	.data
	.balign 8
	.globl sec_probe_faults
sec_probe_faults:
	.quad 0
	.section .note.GNU-stack, "", @progbits

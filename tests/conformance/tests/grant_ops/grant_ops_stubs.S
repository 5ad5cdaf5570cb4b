/* SPDX-License-Identifier: MIT */
/* Probe for the grant_ops test: a 3-byte store whose #PF the handler steps over and counts. */

	.text
	.globl go_store
go_store:
	movq %rsi, (%rdi)		/* 48 89 37: 3 bytes, skipped by the handler */
	ret

/* rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. */
	.globl go_pf_entry
go_pf_entry:
	popq %rcx
	popq %r11
	addq $8, %rsp			/* error code */
	incq go_faults(%rip)
	addq $3, (%rsp)			/* rip past the store */
	pushq $0			/* flags: restore rcx and r11 from the context */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

	.data
	.balign 8
	.globl go_faults
go_faults:
	.quad 0
	.section .note.GNU-stack, "", @progbits

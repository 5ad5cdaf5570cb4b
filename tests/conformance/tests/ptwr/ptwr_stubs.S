/* SPDX-License-Identifier: MIT */
/* The ptwr test's refused-write probes (a 3-byte store, a 3-byte xchg) and a #PF handler that skips and counts them. */

	.text
	.globl pw_store
pw_store:
	movq %rsi, (%rdi)		/* 48 89 37: 3 bytes, skipped by the handler */
	ret

/* xchg of a refused value: returns the register afterwards, which the fault must have left as it was. */
	.globl pw_xchg
pw_xchg:
	xchgq %rsi, (%rdi)		/* 48 87 37: 3 bytes, skipped by the handler */
	movq %rsi, %rax
	ret

/* rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. */
	.globl pw_pf_entry
pw_pf_entry:
	popq %rcx
	popq %r11
	addq $8, %rsp			/* error code */
	incq pw_faults(%rip)
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
	.globl pw_faults
pw_faults:
	.quad 0
	.section .note.GNU-stack, "", @progbits

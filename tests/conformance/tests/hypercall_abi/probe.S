/* SPDX-License-Identifier: MIT */
/* Register probe around one bare-SYSCALL hypercall, for the hypercall_abi test. */
#define PAT(n)	(0x5a5a000000000000 + (n))

	.text
/*
 * uint64_t hc_regs_probe(uint64_t out[9], uint64_t nr): loads a known pattern into every
 * register the ABI says survives a hypercall (rbx rbp r9 r12-r15), makes
 * hypercall nr (xen_version) with arguments 0, 0, stores what those registers then hold
 * and the stack pointer before and after the syscall, returns rax.
 */
	.globl hc_regs_probe
	.type hc_regs_probe, @function
hc_regs_probe:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	movq %rsi, %rax
	movabsq $PAT(1), %rbx
	movabsq $PAT(2), %rbp
	movabsq $PAT(3), %r9
	movabsq $PAT(4), %r12
	movabsq $PAT(5), %r13
	movabsq $PAT(6), %r14
	movabsq $PAT(7), %r15
	xorl %edi, %edi
	xorl %esi, %esi
	pushq %rcx
	pushq %r11
	movq %rsp, hc_rsp_before(%rip)
	syscall
	movq %rsp, hc_rsp_after(%rip)
	popq %r11
	popq %rcx
	popq %rdi
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r9, 16(%rdi)
	movq %r12, 24(%rdi)
	movq %r13, 32(%rdi)
	movq %r14, 40(%rdi)
	movq %r15, 48(%rdi)
	movq hc_rsp_before(%rip), %rdx
	movq %rdx, 56(%rdi)
	movq hc_rsp_after(%rip), %rdx
	movq %rdx, 64(%rdi)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size hc_regs_probe, . - hc_regs_probe

	.bss
	.p2align 3
hc_rsp_before:	.quad 0
hc_rsp_after:	.quad 0

	.section .note.GNU-stack, "", @progbits

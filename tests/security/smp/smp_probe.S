/* SPDX-License-Identifier: MIT */
/* Loads whose page fault is stepped over: a vCPU asks whether an address still translates, on any vCPU at once. */

	.text
/* uint64_t smp_probe_load(const volatile uint64_t *p): the value, or SMP_PROBE_FAULT if the load faulted. */
	.globl smp_probe_load
smp_probe_load:
	.globl smp_probe_insn
smp_probe_insn:
	movq (%rdi), %rax		/* 48 8b 07: 3 bytes, skipped by the handler */
	ret

/*
 * #PF entry: rsp -> rcx, r11, error code, rip, cs, rflags, rsp, ss. Only
 * the probe's own instruction is stepped over (rax = the fault marker);
 * any other page fault is a real one and ends in ud2, which the runtime
 * reports as an unexpected exception.
 */
	.globl smp_probe_pf_entry
smp_probe_pf_entry:
	popq %rcx
	popq %r11
	addq $8, %rsp
	pushq %rax
	leaq smp_probe_insn(%rip), %rax
	cmpq %rax, 8(%rsp)
	popq %rax
	jne 1f
	addq $3, (%rsp)
	pushq $0
	pushq %rcx
	pushq %r11
	movabsq $0xfa017fa017fa017f, %rax
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
1:	ud2

	.section .note.GNU-stack, "", @progbits

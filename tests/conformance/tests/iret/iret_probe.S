/* SPDX-License-Identifier: MIT */
/* The iret test's probe: one kernel-to-kernel iret hypercall with chosen rflags. */

	.text
/*
 * uint64_t iret_probe(uint64_t rflags): iret to the next instruction in
 * guest-kernel mode (CS RPL 0 in the context, as the hypervisor writes it
 * in kernel-mode frames) with the given rflags and the current stack, then
 * return the rflags the CPU really has there. Context: rax, r11, rcx,
 * flags, rip, cs, rflags, rsp, ss.
 */
	.globl iret_probe
iret_probe:
	movq %rsp, %rax
	pushq rt_abi_flat_kernel_ss(%rip)
	pushq %rax				/* rsp after the iret: as on entry */
	pushq %rdi				/* rflags */
	movq rt_abi_flat_kernel_cs(%rip), %rdx
	andq $-4, %rdx				/* RPL 0: stay in guest-kernel mode */
	pushq %rdx
	leaq 1f(%rip), %rdx
	pushq %rdx				/* rip */
	pushq $0				/* flags */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2
1:	pushfq
	popq %rax
	cld
	ret

/*
 * void iret_regs_probe(uint64_t flags, uint64_t rcx, uint64_t r11,
 * uint64_t out[4]): iret within guest-kernel mode with the given context
 * flags, rcx and r11 (events stay masked: IF clear in the context), then
 * record what rcx and r11 hold at the resume point, that point's address
 * and the rflags the CPU has there.
 */
	.globl iret_regs_probe
iret_regs_probe:
	pushq %rbx
	movq %rcx, %rbx				/* out: callee-saved across the iret */
	movq %rsp, %rax
	pushq rt_abi_flat_kernel_ss(%rip)
	pushq %rax
	pushfq
	andq $~0x200, (%rsp)			/* IF clear: no upcall at the resume point */
	movq rt_abi_flat_kernel_cs(%rip), %r8
	andq $-4, %r8
	pushq %r8
	leaq 2f(%rip), %r8
	pushq %r8
	pushq %rdi				/* flags */
	pushq %rsi				/* rcx */
	pushq %rdx				/* r11 */
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2
2:	movq %rcx, 0(%rbx)
	movq %r11, 8(%rbx)
	leaq 2b(%rip), %rax
	movq %rax, 16(%rbx)
	pushfq
	popq 24(%rbx)
	popq %rbx
	cld
	ret

	.section .note.GNU-stack, "", @progbits

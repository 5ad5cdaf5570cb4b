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

	.section .note.GNU-stack, "", @progbits

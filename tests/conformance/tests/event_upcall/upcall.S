/* SPDX-License-Identifier: MIT */
/* Event callback entry for the event_upcall test: save, call C, return through the iret hypercall. */

	.text
/*
 * Entered by the hypervisor with rsp -> rcx, r11, rip, cs, rflags, rsp, ss
 * (the 64-bit PV bounce frame, no error code). Every register the
 * interrupted code may hold is preserved; rcx and r11 come back from the
 * frame through the iret context (rax, r11, rcx, flags, rip, cs, rflags,
 * rsp, ss), whose flags word 0 says "not in a syscall": restore them all.
 */
	.globl ev_upcall_entry
	.type ev_upcall_entry, @function
ev_upcall_entry:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
	andq $-16, %rsp
	call ev_upcall_c
	movq %rbx, %rsp
	popq %rbx
	popq %r10
	popq %r9
	popq %r8
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rcx
	popq %r11
	pushq $0
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax	/* __HYPERVISOR_iret */
	syscall
	ud2
	.size ev_upcall_entry, . - ev_upcall_entry

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/* #DB entry for the debugreg test: hand the frame to C, resume where C says; and code to break on. */

/* Bounce frame: rcx, r11, rip, cs, rflags, rsp, ss. dr_handler(frame) returns the rip to resume at. */
	.text
	.globl dr_db_entry
dr_db_entry:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
	leaq 64(%rsp), %rdi
	andq $-16, %rsp
	call dr_handler
	movq %rbx, %rsp
	movq %rax, 64 + 16(%rsp)		/* the frame's rip */
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
	pushq $0				/* flags: restore rcx and r11 too */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

/* dr_store(p): one 8-byte store; dr_after_store labels the instruction after it. */
	.globl dr_store, dr_after_store
dr_store:
	movq $0x1234, (%rdi)
dr_after_store:
	ret

/* dr_target: an instruction breakpoint lands here. */
	.globl dr_target
dr_target:
	nop
	ret

/* dr_step: TF on for one instruction; dr_step_after labels the instruction after the popf's successor. */
	.globl dr_step, dr_step_insn, dr_step_after
dr_step:
	pushfq
	orq $0x100, (%rsp)
	popfq
dr_step_insn:
	nop
dr_step_after:
	pushfq
	andq $~0x100, (%rsp)
	popfq
	ret

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/* Entries and int instructions for the softint test: hand each frame to C, resume where C says. */

/*
 * The 64-bit PV bounce frame is rcx, r11, [error code], rip, cs, rflags,
 * rsp, ss. si_handler(vector, frame, has_error_code) returns the rip to
 * resume at; the iret hypercall then restores rip..ss with rax, r11, rcx.
 */
.macro si_stub vector, has_err
	.globl si_entry_\vector
si_entry_\vector:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq %rsp, %rbx
	movl $\vector, %edi
	leaq 64(%rsp), %rsi
	movl $\has_err, %edx
	andq $-16, %rsp
	call si_handler
	movq %rbx, %rsp
	movq %rax, 64 + 16 + 8 * \has_err(%rsp)	/* the frame's rip */
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
	.if \has_err
	addq $8, %rsp
	.endif
	pushq $0				/* flags: restore rcx and r11 too */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2
.endm

	.text
	si_stub 13, 1
	si_stub 3, 0
	si_stub 4, 0
	si_stub 0x80, 0
	si_stub 0x85, 0
	si_stub 0x86, 0
	si_stub 0x87, 0
	si_stub 0x0e, 0

/* si_do_<name>: one software interrupt, then return; si_at_<name> labels the instruction. */
.macro si_do name, insn:vararg
	.globl si_do_\name, si_at_\name
si_do_\name:
	nop
si_at_\name:
	\insn
	ret
.endm

	si_do int3, int3
	si_do int_4, int $4
	si_do int_80, int $0x80
	si_do int_81, int $0x81
	si_do int_82, int $0x82
	si_do int_85, int $0x85
	si_do int_86, int $0x86
	si_do int_87, int $0x87
	si_do int_0d, int $0x0d
	si_do int_f0, int $0xf0
	si_do int_0e, int $0x0e

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/* The differential tester's exception entries: record the exception in C, then resume where the guarded instruction said. */

/* rsp -> rcx, r11, [error code], rip, cs, rflags, rsp, ss (the PV bounce frame). */
.macro dt_stub vec
	.p2align 4
dt_exc_\vec:
	pushq $\vec
	jmp dt_exc_common
.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,128,129
	dt_stub \v
	.endr

dt_exc_common:
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %rbx
	movq 64(%rsp), %rdi		/* the vector */
	leaq 72(%rsp), %rsi		/* the bounce frame */
	movq %rsp, %rbx
	andq $-16, %rsp
	call dt_exception		/* rewrites the frame's rip; returns 1 if the frame has an error code */
	movq %rbx, %rsp
	movq %rax, 64(%rsp)
	popq %rbx
	popq %r10
	popq %r9
	popq %r8
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	cmpq $0, (%rsp)
	jne 1f
	addq $8, %rsp
	popq %rcx
	popq %r11
	jmp 2f
1:	addq $8, %rsp
	popq %rcx
	popq %r11
	addq $8, %rsp			/* the error code */
2:	pushq $0			/* flags: rcx and r11 come from the context */
	pushq %rcx
	pushq %r11
	pushq %rax
	movl rt_abi_hypercall_iret(%rip), %eax
	syscall
	ud2

	.section .rodata
	.p2align 3
	.globl dt_exc_stubs
dt_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,128,129
	.quad dt_exc_\v
	.endr

	.section .note.GNU-stack, "", @progbits

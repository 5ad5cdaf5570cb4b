/* SPDX-License-Identifier: MIT */
/* Exception and interrupt entry: one stub per vector pushes (error code, vector), then a common path saves every register. */
#include <asm/frame.S.h>
#include <asm/layout.h>

/* Vectors for which the CPU pushes an error code itself. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.altmacro
.macro STUB v
	.balign 16
stub_\v:
	.if !HAS_ERRCODE(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	common_entry
.endm

	.globl entry_stubs_start
entry_stubs_start:
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr

common_entry:
	cld
	SAVE_GPRS
	mov	%rsp, %rdi
	call	trap_dispatch
	test	%eax, %eax
	jnz	1f
	RESTORE_GPRS
	add	$16, %rsp		/* vector and error code */
	iretq
	/* Back to the guest through a bounce frame: as in pv/entry.S exit_to_guest. */
1:	RESTORE_GPRS
	mov	(16 + 24)(%rsp), %rsp
	sysretq

	.section .rodata
	.balign 8
	.globl entry_stubs
entry_stubs:
	.set vec, 0
	.rept 256
	.quad	entry_stubs_start + vec * 16
	.set vec, vec + 1
	.endr

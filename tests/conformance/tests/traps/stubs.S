/* SPDX-License-Identifier: MIT */
/* Exception entries for the traps test: hand the frame to C, resume where C says. */
#include "rt_entry.h"

/*
 * The 64-bit PV bounce frame is rcx, r11, [error code], rip, cs, rflags,
 * rsp, ss. tr_handler(vector, frame, has_error_code) returns the rip to
 * resume at; the iret context (rax, r11, rcx, flags, rip, ...) is then
 * built on top of the frame's rip..ss part.
 */
.macro tr_stub name, vector, has_err
	.globl \name
\name:
	rt_entry_save
	movl $\vector, %edi
	leaq RT_ENTRY_FRAME(%rsp), %rsi
	movl $\has_err, %edx
	rt_entry_call tr_handler
	movq %rax, RT_ENTRY_RIP(\has_err)(%rsp)
	jmp tr_return_\has_err
.endm

	.text
	tr_stub tr_de_entry, 0, 0
	tr_stub tr_bp_entry, 3, 0
	tr_stub tr_ud_entry, 6, 0
	tr_stub tr_gp_entry, 13, 1
	tr_stub tr_int80_entry, 0x80, 0

tr_return_1:
	rt_entry_iret 1

tr_return_0:
	rt_entry_iret 0

/* Faulting instructions with known addresses, so the handlers can check the frame's rip. */
	.globl tr_do_int3, tr_after_int3, tr_do_int80, tr_after_int80
	.globl tr_do_int81, tr_do_ud2, tr_do_div0
tr_do_int3:
	int3
tr_after_int3:
	ret
tr_do_int80:
	int $0x80
tr_after_int80:
	ret
tr_do_int81:
	int $0x81				/* no trap-table entry: #GP */
	ret
tr_do_ud2:
	ud2
	ret
tr_do_div0:
	xorl %ecx, %ecx
	movl $1, %eax
	xorl %edx, %edx
	divl %ecx				/* 2 bytes: f7 f1 */
	ret

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/* Entries and int instructions for the softint test: hand each frame to C, resume where C says. */
#include "rt_entry.h"

/*
 * The 64-bit PV bounce frame is rcx, r11, [error code], rip, cs, rflags,
 * rsp, ss. si_handler(vector, frame, has_error_code) returns the rip to
 * resume at; the iret hypercall then restores rip..ss with rax, r11, rcx.
 */
.macro si_stub vector, has_err
	.globl si_entry_\vector
si_entry_\vector:
	rt_entry_save
	movl $\vector, %edi
	leaq RT_ENTRY_FRAME(%rsp), %rsi
	movl $\has_err, %edx
	rt_entry_call si_handler
	movq %rax, RT_ENTRY_RIP(\has_err)(%rsp)
	rt_entry_iret \has_err
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

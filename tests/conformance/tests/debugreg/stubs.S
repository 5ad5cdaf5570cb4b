/* SPDX-License-Identifier: MIT */
/* #DB entry for the debugreg test: hand the frame to C, resume where C says; and code to break on. */
#include "rt_entry.h"

/* Bounce frame: rcx, r11, rip, cs, rflags, rsp, ss. dr_handler(frame) returns the rip to resume at. */
	.text
	.globl dr_db_entry
dr_db_entry:
	rt_entry_save
	leaq RT_ENTRY_FRAME(%rsp), %rdi
	rt_entry_call dr_handler
	movq %rax, RT_ENTRY_RIP(0)(%rsp)
	rt_entry_iret 0

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

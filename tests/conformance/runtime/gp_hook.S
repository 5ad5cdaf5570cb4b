/* SPDX-License-Identifier: MIT */
/* A #GP entry for tests that emulate: conf_gp_hook looks at the bounce frame and returns the rip to resume at. */
#include "rt_entry.h"

	.text
	.globl conf_gp_entry
conf_gp_entry:
	rt_entry_save
	leaq RT_ENTRY_FRAME(%rsp), %rdi
	rt_entry_call *conf_gp_hook(%rip)
	movq %rax, RT_ENTRY_RIP(1)(%rsp)
	rt_entry_iret 1

	.section .note.GNU-stack, "", @progbits

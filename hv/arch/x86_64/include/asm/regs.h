/* SPDX-License-Identifier: MIT */
/* Register frame saved by the exception/interrupt entry stubs (entry.S pushes it in this order). */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <hv/types.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct cpu_regs) == 22 * 8, "entry.S frame layout");

bool trap_dispatch(struct cpu_regs *regs);
void test_bad_write(uint64_t va);

#endif

/* SPDX-License-Identifier: MIT */
/* This CPU's struct percpu, found at the top of the current stack block: works on every entry path without swapgs. */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <asm/layout.h>

static inline struct percpu *this_cpu(void)
{
	uintptr_t sp;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	return *(struct percpu **)((sp & ~((uintptr_t)STACK_SIZE - 1)) + STACK_PCPU_OFF);
}

static inline unsigned int smp_processor_id(void)
{
	struct percpu *p = this_cpu();

	return p ? p->cpu_id : 0;
}

#endif

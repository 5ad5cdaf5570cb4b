/* SPDX-License-Identifier: MIT */
/* Host unit tests: every thread counts as the boot CPU (tests that need CPUs of their own model them). */
#ifndef HOST_ASM_PERCPU_H
#define HOST_ASM_PERCPU_H

static inline unsigned int smp_processor_id(void)
{
	return 0;
}

/* The boot CPU's entry, which a test that uses it provides (cpu_table[0]). */
static inline struct percpu *this_cpu(void)
{
	return cpu_table[0];
}

#endif

/* SPDX-License-Identifier: MIT */
/* Host unit tests: port I/O and the TSC go to the test's model of the machine (harness_* below). */
#ifndef HOST_ASM_X86_H
#define HOST_ASM_X86_H

#include <stdint.h>

uint8_t harness_inb(uint16_t port);
void harness_outb(uint16_t port, uint8_t v);
uint64_t harness_rdtsc(void);

static inline uint8_t inb(uint16_t port)
{
	return harness_inb(port);
}

static inline void outb(uint16_t port, uint8_t v)
{
	harness_outb(port, v);
}

static inline uint64_t rdtsc(void)
{
	return harness_rdtsc();
}

#endif

/* SPDX-License-Identifier: MIT */
/* Application-processor bring-up and cross-CPU calls. */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <hv/types.h>

struct percpu;

#define IPI_PING	(1u << 0)
#define IPI_STOP	(1u << 1)
#define IPI_TIMER	(1u << 2)	/* another CPU queued a timer here earlier than the one armed */

/* Starts every CPU the MADT lists, up to maxcpus (0 = all). Returns how many are online. */
unsigned int smp_boot_cpus(unsigned int maxcpus);
/* Sends IPI_PING to every other online CPU and waits; returns the number that answered. */
unsigned int smp_ping_all(void);
void smp_ipi_interrupt(void);
/* Idle loop: never returns; runs until the scheduler picks a vCPU. */
void __noreturn idle_loop(void);
void cpu_kick(struct percpu *pc);

#endif

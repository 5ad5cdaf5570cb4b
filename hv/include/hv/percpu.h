/* SPDX-License-Identifier: MIT */
/* Per-CPU state: found through the top of the current stack block, so it works on every entry path without swapgs. */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

#include <hv/types.h>

struct tss;

struct percpu {
	unsigned int cpu_id;		/* dense index, 0 = boot CPU */
	uint32_t apic_id;
	void *stack_block;		/* STACK_SIZE-aligned, see asm/layout.h */
	volatile bool online;

	/* Arch state, written only by this CPU after bring-up. */
	uint8_t *gdt;			/* GDT_LIMIT + 1 bytes */
	struct tss *tss;
	/* CR3 loads so far, and their number when pv_mm last marked a frame stale here (pv/mm_ops.c). */
	uint64_t tlb_epoch, stale_epoch;

	/* Timer: ticks counted by this CPU's LAPIC timer handler. */
	volatile uint64_t timer_ticks;
	uint64_t timer_period_ns;

	/* IPIs: bits set by the sender, cleared by this CPU. */
	volatile uint32_t ipi_pending;
	volatile uint64_t ipi_pings;
	/* TLB shootdowns (arch flush.c): tickets asked by other CPUs, the last one this CPU's flush covered. */
	volatile uint64_t flush_req, flush_done;

	/* Idle loop iterations that halted: cheap evidence the CPU sleeps. */
	uint64_t idle_halts;

	/* Scheduling: the vCPU this CPU runs (NULL: idle), and a request to pick again before returning to it. */
	struct vcpu *curr;
	volatile bool need_resched;
	volatile bool is_idle;		/* in the idle loop: a wake-up may IPI it */
	bool yield_pending;		/* SCHEDOP_yield: go behind the waiting vCPUs */
	uint64_t syscall_scratch;	/* the syscall stub parks the guest's rax here */
	void *syscall_stub;		/* executable alias of this CPU's stub page */
	uint64_t gdt_shown[14];		/* frame shown in each guest page of the GDT window (0: none yet) */
	uint32_t tsc_aux_loaded;	/* what this CPU's TSC_AUX holds (PV vCPUs' RDTSCP answer) */
};

/* Every CPU that firmware reported, indexed by cpu_id; entries are NULL past nr_cpus_online. */
extern struct percpu **cpu_table;
extern unsigned int nr_cpus_possible;
extern volatile unsigned int nr_cpus_online;

/* this_cpu() and smp_processor_id(): the arch finds the current CPU's entry. */
#include <asm/percpu.h>

#endif

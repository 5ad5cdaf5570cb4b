/* SPDX-License-Identifier: MIT */
/* Timers: per-CPU queues of deadlines, each run by the CPU that owns it, with the local APIC armed for the nearest. */
#ifndef HV_TIMER_H
#define HV_TIMER_H

#include <hv/spinlock.h>
#include <hv/types.h>

typedef int64_t s_time_t;

/* CPUs with a timer queue; smp boot brings up no more than this. */
#define TIMER_MAX_CPUS		64
#define TIMER_NEVER		INT64_MAX

/*
 * One deadline and what to do at it. The fields are private to timer.c and
 * protected by the lock of the queue of t->cpu; t->cpu itself changes only
 * with both queues locked (timer_migrate), so a reader locks the queue
 * t->cpu names and checks it still names it.
 */
struct timer {
	struct timer *prev, *next;	/* in the queue, sorted by expires, ties in arming order */
	s_time_t expires;		/* ns since boot */
	void (*fn)(void *data);		/* runs on t->cpu, interrupts off, no timer lock held */
	void *data;
	unsigned int cpu;		/* queue it belongs to */
	unsigned long run_gen;		/* the queue's run generation when it was queued */
	bool active;			/* queued */
	bool killed;			/* timer_kill ran: never queued again */
};

/*
 * Arch hooks. timer_arch_program arms this CPU's hardware to interrupt at
 * deadline (TIMER_NEVER: not at all); timer_arch_kick makes another CPU
 * call timer_run (an IPI); timer_arch_cpu is this CPU's index.
 */
void timer_arch_program(s_time_t deadline);
void timer_arch_kick(unsigned int cpu);
unsigned int timer_arch_cpu(void);
s_time_t timer_arch_now(void);

/* Before any CPU takes timer interrupts. */
void timer_subsys_init(void);

void timer_init(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu);
/* (Re)arms t for expires on its CPU; a past deadline fires at that CPU's next timer_run. Refused (false) once killed. */
bool timer_set(struct timer *t, s_time_t expires);
/* Disarms t. Its callback may be running on t's CPU right now (timer_kill waits for that). */
void timer_stop(struct timer *t);
/* Moves t (armed or not) to cpu's queue. */
void timer_migrate(struct timer *t, unsigned int cpu);
/* Disarms t for good and waits until its callback is not running: t's memory may be freed after. */
void timer_kill(struct timer *t);
bool timer_is_active(struct timer *t);
/* The deadline t is armed for, or TIMER_NEVER. */
s_time_t timer_expires(struct timer *t);

/* On the owning CPU, interrupts off: runs every expired timer of this CPU and re-arms the hardware. */
void timer_run(void);
/* The earliest deadline queued on cpu (TIMER_NEVER if none): for the tests and the dump. */
s_time_t timer_next_deadline(unsigned int cpu);

#endif

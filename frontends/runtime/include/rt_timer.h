/* SPDX-License-Identifier: MIT */
/* One-shot timers for runtime programs over VCPUOP_set_singleshot_timer and VIRQ_TIMER. */
#ifndef RT_TIMER_H
#define RT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct rt_timer;
typedef void (*rt_timer_fn)(struct rt_timer *t, void *arg);

/* Owned by the caller; the runtime links armed timers into a list ordered by deadline. */
struct rt_timer {
	uint64_t deadline_ns;		/* guest system time */
	rt_timer_fn fn;
	void *arg;
	struct rt_timer *next;
	bool armed;
};

/* Binds VIRQ_TIMER (needs rt_event_init first). Returns 0 or a negative XEN_E* value. */
long rt_timer_init(void);
/* Arms (or re-arms) t to run fn(t, arg) once the system time reaches deadline_ns. */
void rt_timer_arm(struct rt_timer *t, uint64_t deadline_ns, rt_timer_fn fn, void *arg);
void rt_timer_cancel(struct rt_timer *t);
/* Runs every expired timer and reprograms the hypervisor for the next; returns how many ran. */
unsigned int rt_timer_run(void);
/* Times the hypervisor's timer has fired for us. */
extern uint64_t rt_timer_virqs;

#endif

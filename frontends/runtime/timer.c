/* SPDX-License-Identifier: MIT */
/* One-shot timers for runtime programs: a deadline-ordered list behind vCPU 0's single-shot hypervisor timer. */
#include <pvabi/vcpu.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_timer.h"

static struct rt_timer *rt_timers;
uint64_t rt_timer_virqs;

/* The hypervisor keeps one single-shot deadline per vCPU: always the earliest armed one. */
static void rt_timer_program(void)
{
	struct vcpu_set_singleshot_timer op = { .flags = 0 };

	if (!rt_timers) {
		hyp_vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0);
		return;
	}
	/* No "future" flag: a deadline already past fires at once rather than failing. */
	op.timeout_abs_ns = rt_timers->deadline_ns;
	hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&op));
}

static void rt_timer_unlink(struct rt_timer *t)
{
	for (struct rt_timer **pp = &rt_timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

void rt_timer_arm(struct rt_timer *t, uint64_t deadline_ns, rt_timer_fn fn, void *arg)
{
	struct rt_timer **pp = &rt_timers;

	if (t->armed)
		rt_timer_unlink(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	while (*pp && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	if (rt_timers == t)
		rt_timer_program();
}

void rt_timer_cancel(struct rt_timer *t)
{
	bool was_first = rt_timers == t;

	if (!t->armed)
		return;
	rt_timer_unlink(t);
	if (was_first)
		rt_timer_program();
}

unsigned int rt_timer_run(void)
{
	uint64_t now = rt_now_ns();
	unsigned int ran = 0;

	while (rt_timers && rt_timers->deadline_ns <= now) {
		struct rt_timer *t = rt_timers;

		rt_timer_unlink(t);
		t->fn(t, t->arg);
		ran++;
		now = rt_now_ns();
	}
	rt_timer_program();
	return ran;
}

static void rt_timer_virq(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	rt_timer_virqs++;
	rt_timer_run();
}

long rt_timer_init(void)
{
	long rc = rt_event_bind_virq(VIRQ_TIMER, rt_timer_virq, NULL);

	return rc < 0 ? rc : 0;
}

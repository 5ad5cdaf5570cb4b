/* SPDX-License-Identifier: MIT */
/* Timers of common domain code: SCHEDOP_poll timeouts, SCHEDOP_watchdog and the domU console drain. */
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/time.h>
#include <pvabi/sched.h>

#define CONSOLE_DRAIN_NS	10000000LL	/* as often as the boot CPU's tick used to drain */
#define NS_PER_SEC		1000000000LL

/* The poll's deadline passed: wake v if it still polls. A late firing may end a newer poll early, which the ABI allows. */
static void poll_timeout_fn(void *data)
{
	struct vcpu *v = data;

	if (__atomic_exchange_n(&v->polling, false, __ATOMIC_SEQ_CST))
		vcpu_pause_flag_clear(v, VPF_BLOCKED);
}

/* The slot is freed, as Xen frees it, before the domain goes down. */
static void watchdog_expired(struct domain *d, unsigned int slot)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	bool running = d->state == DOM_RUNNING;

	d->watchdog_used[slot] = false;
	spin_unlock_irqrestore(&d->lock, f);
	if (!running)
		return;
	log_warn("domain %u (%s): watchdog %u expired", d->domid, d->name, slot + 1);
	domain_shutdown(d, SHUTDOWN_watchdog);
}

static void watchdog1_fn(void *data)
{
	watchdog_expired(data, 0);
}

static void watchdog2_fn(void *data)
{
	watchdog_expired(data, 1);
}

/*
 * The ring is read while the domain runs; the page holds a reference
 * until domain_destroy, which kills this timer before releasing it.
 */
static void console_fn(void *data)
{
	struct domain *d = data;
	struct timer *t = &d->console_timer;
	s_time_t now = time_now_ns(), next = t->expires + CONSOLE_DRAIN_NS;

	/* Until dom0 announces its console backend (domctl), the hypervisor serves domU rings itself. */
	if (d->console_mfn != MFN_INVALID && d->state == DOM_RUNNING && !domctl_console_in_dom0())
		console_ring_drain(d, mfn_to_virt(d->console_mfn));
	timer_set(t, next > now ? next : now + CONSOLE_DRAIN_NS);
}

void domain_timers_init(struct domain *d)
{
	unsigned int cpu = smp_processor_id();

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		timer_init(&d->vcpu[i]->poll_timer, poll_timeout_fn, d->vcpu[i], cpu);
	_Static_assert(ARRAY_SIZE(d->watchdog_timer) == 2, "one callback per watchdog slot");
	timer_init(&d->watchdog_timer[0], watchdog1_fn, d, cpu);
	timer_init(&d->watchdog_timer[1], watchdog2_fn, d, cpu);
	timer_init(&d->console_timer, console_fn, d, cpu);
	timer_set(&d->console_timer, time_now_ns() + CONSOLE_DRAIN_NS);
}

void domain_timers_kill(struct domain *d)
{
	timer_kill(&d->console_timer);
	for (unsigned int i = 0; i < ARRAY_SIZE(d->watchdog_timer); i++)
		timer_kill(&d->watchdog_timer[i]);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		timer_kill(&d->vcpu[i]->poll_timer);
}

/* Caller holds d->lock. The timer moves to this CPU: the one that last armed it owns it. */
static void watchdog_arm(struct domain *d, unsigned int slot, uint32_t timeout)
{
	struct timer *t = &d->watchdog_timer[slot];

	if (!timeout) {
		timer_stop(t);		/* a slot created with 0 never fires */
		return;
	}
	timer_migrate(t, smp_processor_id());
	timer_set(t, time_now_ns() + (s_time_t)timeout * NS_PER_SEC);
}

/* Lock order: d->lock, then (inside timer_*) a timer queue's. */
long domain_watchdog_op(struct domain *d, uint32_t id, uint32_t timeout)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	long rc = -XEN_EBUSY;

	if (id == 0) {
		for (unsigned int i = 0; i < ARRAY_SIZE(d->watchdog_used); i++) {
			if (!d->watchdog_used[i]) {
				d->watchdog_used[i] = true;
				watchdog_arm(d, i, timeout);
				rc = (long)i + 1;
				break;
			}
		}
	} else if (id > ARRAY_SIZE(d->watchdog_used) || !d->watchdog_used[id - 1]) {
		rc = -XEN_EINVAL;
	} else {
		d->watchdog_used[id - 1] = timeout != 0;
		watchdog_arm(d, id - 1, timeout);
		rc = 0;
	}
	spin_unlock_irqrestore(&d->lock, f);
	return rc;
}

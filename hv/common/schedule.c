/* SPDX-License-Identifier: MIT */
/* Scheduler glue: pause flags, wake-ups and kicks, the pick on each CPU, timer ticks, and the sched_op hypercall. */
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/main.h>
#include <hv/priv.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>

/* Arch: IPI to make a CPU look at need_resched; the switch itself. */
void cpu_kick(struct percpu *pc);
void __noreturn context_switch(struct vcpu *prev, struct vcpu *next);

static struct sched_policy policy;

/* Each CPU's scheduler tick: a timer of its own, on its own queue. */
#define SCHED_TICK_NS	10000000LL
static struct timer sched_tick_timer[TIMER_MAX_CPUS];
/* Each CPU's next scheduling decision the policy asked for (slice end, cap exhausted, next cap period). */
static struct timer sched_slice_timer[TIMER_MAX_CPUS];

void scheduler_init(void)
{
	sched_policy_init(&policy);
}

void pv_timer_tick(void);
void sched_tick(void);

static void sched_tick_fn(void *data)
{
	struct timer *t = data;
	s_time_t now = time_now_ns(), next = t->expires + SCHED_TICK_NS;

	/* A CPU held up for longer than a tick skips the ticks it missed. */
	timer_set(t, next > now ? next : now + SCHED_TICK_NS);
	sched_tick();
	pv_timer_tick();
}

static void sched_slice_fn(void *data)
{
	this_cpu()->need_resched = true;
}

void sched_cpu_start(void)
{
	unsigned int cpu = smp_processor_id();
	struct timer *t = &sched_tick_timer[cpu];

	timer_init(&sched_slice_timer[cpu], sched_slice_fn, NULL, cpu);
	timer_init(t, sched_tick_fn, t, cpu);
	timer_set(t, time_now_ns() + SCHED_TICK_NS);
	sched_cpu_online(&policy, (int)cpu);
}

/* Interrupts off, on cpu: arms its decision timer for what the policy says next runs there. */
static void arm_slice_timer(unsigned int cpu, struct vcpu *next)
{
	int64_t t = sched_next_event(&policy, (int)cpu, next ? &next->sched : NULL, time_now_ns());

	if (t == INT64_MAX)
		timer_stop(&sched_slice_timer[cpu]);
	else
		timer_set(&sched_slice_timer[cpu], t);
}

/* Makes the CPU running v (if any) pick again; a remote CPU gets an IPI. */
static void resched_vcpu_cpu(struct vcpu *v)
{
	for (unsigned int i = 0; i < nr_cpus_possible; i++) {
		struct percpu *pc = cpu_table[i];

		if (pc && pc->curr == v) {
			pc->need_resched = true;
			if (pc != this_cpu())
				cpu_kick(pc);
		}
	}
}

/* A vCPU was queued on an idle CPU: make that CPU pick. */
static void kick_cpu(int cpu)
{
	struct percpu *pc = cpu >= 0 && (unsigned int)cpu < nr_cpus_possible ? cpu_table[cpu] : NULL;

	if (!pc || !pc->online)
		return;
	pc->need_resched = true;
	if (pc != this_cpu())
		cpu_kick(pc);
}

/*
 * A pause flag and the policy's runnable state change together under the
 * vCPU's pause lock (interrupts off, so a tick on the same CPU cannot cut
 * in either). Per vCPU: the race it closes is between a set and a clear of
 * the same vCPU's flags, so vCPUs of different guests (or of one) no longer
 * queue on one lock to block and wake.
 * Without it a clear (a wake-up: an event, a poll deadline) that ran
 * between a set's fetch_or and its sched_sleep found the unit still
 * runnable and skipped the wake; the sleep that followed left a vCPU with
 * no pause flags that was never queued again (tests/security/wake_race).
 * Lock order: a domain's lock or the event-channel locks, then this, then
 * the policy's.
 */
void vcpu_pause_flag_set(struct vcpu *v, uint32_t flag)
{
	unsigned long f = spin_lock_irqsave(&v->pause_lock);
	uint32_t old = __atomic_fetch_or(&v->pause_flags, flag, __ATOMIC_SEQ_CST);

	if (!old)
		sched_sleep(&policy, &v->sched);
	arch_vcpu_runstate_sync(v);
	spin_unlock_irqrestore(&v->pause_lock, f);
	if (!old)
		resched_vcpu_cpu(v);
}

void vcpu_pause_flag_clear(struct vcpu *v, uint32_t flag)
{
	unsigned long f = spin_lock_irqsave(&v->pause_lock);
	uint32_t old = __atomic_fetch_and(&v->pause_flags, ~flag, __ATOMIC_SEQ_CST);
	int kick = -1;
	bool woke = (old & flag) && !(old & ~flag) && sched_wake_kick(&policy, &v->sched, &kick);

	/* A woken vCPU is runnable from now, not from when a CPU takes it (as Xen: steal time starts here). */
	arch_vcpu_runstate_sync(v);
	spin_unlock_irqrestore(&v->pause_lock, f);
	if (woke)
		kick_cpu(kick);
}

/* Interrupts are off. Returns only when this CPU keeps running what it ran. */
void schedule(void)
{
	struct percpu *pc = this_cpu();
	struct vcpu *prev = pc->curr;
	struct sched_unit *pu = prev ? &prev->sched : NULL, *nu;
	struct vcpu *next;
	bool yield = pc->yield_pending;

	pc->need_resched = false;
	pc->yield_pending = false;
	if (yield && pu)
		nu = sched_policy_yield(&policy, (int)pc->cpu_id, pu, time_now_ns());
	else
		nu = sched_pick(&policy, (int)pc->cpu_id, pu, time_now_ns());
	next = nu ? nu->owner : NULL;
	arm_slice_timer(pc->cpu_id, next);
	if (next == prev)
		return;
	pc->is_idle = false;
	context_switch(prev, next);
}

/*
 * At the end of a boot run: how often each CPU went idle and the scheduler
 * switched and migrated. Under TCG each idle halt ends in a wake-up of a
 * host thread, the cost a busy host multiplies, so halts per I/O request
 * compare wake-up policies where timings under load cannot.
 */
void sched_stats_print(void)
{
	char halts[128] = "";
	size_t at = 0;

	for (unsigned int i = 0; i < nr_cpus_possible && at < sizeof(halts) - 24; i++)
		if (cpu_table[i])
			at += (size_t)snprintf(halts + at, sizeof(halts) - at, " %lu", cpu_table[i]->idle_halts);
	log_notice("sched: %lu switches, %lu migrations; idle halts by CPU:%s", policy.switches, policy.migrations,
		   halts);
}

/* Every timer tick: end an expired slice, or wake the idle loop when work is queued. */
void sched_tick(void)
{
	struct percpu *pc = this_cpu();

	if (pc->curr ? sched_slice_expired(&policy, &pc->curr->sched, time_now_ns())
		     : policy.nr_queued != 0)
		pc->need_resched = true;
}

bool sched_work_waiting(void)
{
	return __atomic_load_n(&policy.nr_queued, __ATOMIC_RELAXED) != 0;
}

/* Blocks until an event is pending; the ABI says SCHEDOP_block also unmasks event delivery. */
static long sched_block(struct vcpu *v)
{
	if (v->vcpu_info) {
		v->vcpu_info->evtchn_upcall_mask = 0;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (v->vcpu_info->evtchn_upcall_pending)
			return 0;
	}
	vcpu_pause_flag_set(v, VPF_BLOCKED);
	/* Re-check: an event that raced with the flag must not be lost. */
	if (v->vcpu_info && v->vcpu_info->evtchn_upcall_pending)
		vcpu_pause_flag_clear(v, VPF_BLOCKED);
	return 0;
}

#define POLL_MAX_PORTS	128

/* Xen's local_events_need_delivery(): an upcall is pending and the vCPU takes events. */
static bool poll_upcall_due(const struct vcpu *v)
{
	const struct vcpu_info *vi = v->vcpu_info;

	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
}

static bool any_polled_pending(struct domain *d, const evtchn_port_t *ports, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (evtchn_port_pending(d, ports[i]))
			return true;
	return false;
}

/*
 * The checks of Xen 4.17's do_poll, in its order (sched_poll looks again
 * once it is marked polling and blocked, so an event that arrives while
 * they run is not lost): a due upcall answers 0; then port by port, each read (-EFAULT), in use (-EINVAL for a
 * free port, port 0 or one beyond the table: measured, conformance test
 * difftest_rows) and, when pending, the answer 0 without reading further.
 * Returns 1 when the vCPU must wait, else the answer.
 */
static long poll_check(struct vcpu *v, const struct sched_poll *p, evtchn_port_t *ports)
{
	if (poll_upcall_due(v))
		return 0;
	for (unsigned int i = 0; i < p->nr_ports; i++) {
		if (copy_from_guest(&ports[i], p->ports + i * sizeof(ports[0]), sizeof(ports[0])) < 0)
			return -XEN_EFAULT;
		if (!evtchn_port_in_use(v->domain, ports[i]))
			return -XEN_EINVAL;
		if (evtchn_port_pending(v->domain, ports[i]))
			return 0;
	}
	return 1;
}

/*
 * A port went pending (masked or not): every vCPU of the domain polling
 * that port, or several, looks again. As Xen, a vCPU polling one other
 * port sleeps on: its sibling's events do not wake it.
 */
static void poll_wake(struct domain *d, unsigned int port)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpu[i];
		uint32_t only = v ? __atomic_load_n(&v->poll_port, __ATOMIC_ACQUIRE) : 0;

		if (v && v->polling && (!only || only == port)) {
			v->polling = false;
			vcpu_pause_flag_clear(v, VPF_BLOCKED);
		}
	}
}

/*
 * Checks in Xen's order (poll_check), then announces, then looks again:
 * a port that goes pending after the check finds polling set, and an
 * upcall that comes due after it is seen by the look after VPF_BLOCKED is
 * set (its kick may have found the vCPU not yet blocked). A call answered
 * by the checks blocks nothing, so it costs no trip through the scheduler
 * (blocking first, as Xen's code reads, made every such answer a yield).
 */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
	struct sched_poll p;
	evtchn_port_t ports[POLL_MAX_PORTS];
	long rc;

	if (copy_from_guest(&p, arg, sizeof(p)) < 0)
		return -XEN_EFAULT;
	if (p.nr_ports > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	/* Xen checks where the list starts even for no ports. */
	if (!guest_range_ok(p.ports, 1))
		return -XEN_EFAULT;
	rc = poll_check(v, &p, ports);
	if (rc <= 0)
		return rc;
	evtchn_poll_hook = poll_wake;
	__atomic_store_n(&v->poll_port, p.nr_ports == 1 ? ports[0] : 0, __ATOMIC_RELEASE);
	/* Announce first, then look: a port that goes pending in between finds us polling. */
	__atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
	if (any_polled_pending(v->domain, ports, p.nr_ports) ||
	    (p.timeout && (int64_t)p.timeout <= time_now_ns())) {
		v->polling = false;
		return 0;
	}
	/* On this CPU (the timer moves with the vCPU); one that fires before we block finds polling cleared below. */
	if (p.timeout)
		timer_set(&v->poll_timer, (s_time_t)p.timeout);
	else
		timer_stop(&v->poll_timer);
	vcpu_pause_flag_set(v, VPF_BLOCKED);
	/* The flag is set with a locked operation: an upcall marked before it is seen here, one after it kicks us. */
	if (!v->polling || any_polled_pending(v->domain, ports, p.nr_ports) || poll_upcall_due(v)) {
		v->polling = false;
		vcpu_pause_flag_clear(v, VPF_BLOCKED);
	}
	return 0;
}

static long sched_watchdog(struct domain *d, uint64_t arg)
{
	struct sched_watchdog w;

	if (copy_from_guest(&w, arg, sizeof(w)) < 0)
		return -XEN_EFAULT;
	return domain_watchdog_op(d, w.id, w.timeout);
}

static long sched_remote_shutdown(struct domain *cur, uint64_t arg)
{
	struct sched_remote_shutdown r;
	struct domain *d;

	if (copy_from_guest(&r, arg, sizeof(r)) < 0)
		return -XEN_EFAULT;
	d = domain_find(r.domain_id);
	if (!d)
		return -XEN_ESRCH;
	/* Xen 4.17 lets only the control domain (or a device model, which Skiff has not) do this, even to itself. */
	if (!priv_is_control(cur)) {
		domain_put(d);
		return -XEN_EPERM;
	}
	domain_shutdown(d, (uint8_t)r.reason);
	domain_put(d);
	return 0;
}

long do_sched_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	struct sched_shutdown s;

	switch (cmd) {
	case SCHEDOP_yield:
		this_cpu()->yield_pending = true;
		this_cpu()->need_resched = true;
		return 0;
	case SCHEDOP_block:
		return sched_block(v);
	case SCHEDOP_poll:
		return sched_poll(v, arg);
	case SCHEDOP_watchdog:
		return sched_watchdog(d, arg);
	case SCHEDOP_remote_shutdown:
		return sched_remote_shutdown(d, arg);
	case SCHEDOP_shutdown:
		if (copy_from_guest(&s, arg, sizeof(s)))
			return -XEN_EFAULT;
		/* Any reason the guest names is recorded, as Xen does; the names above SHUTDOWN_MAX are "unknown". */
		domain_shutdown(d, (uint8_t)s.reason);
		return 0;
	case SCHEDOP_shutdown_code:
		if (copy_from_guest(&s, arg, sizeof(s)))
			return -XEN_EFAULT;
		d->shutdown_code = (uint8_t)s.reason;
		d->shutdown_code_set = true;
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * The pre-3.0 entry (hypercall 6), which Xen 4.17 still serves to 64-bit
 * PV guests: yield and block as sched_op's, shutdown with the reason in
 * the argument itself (not behind a pointer); any other command -ENOSYS.
 */
long do_sched_op_compat(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	switch (cmd) {
	case SCHEDOP_yield:
	case SCHEDOP_block:
		return do_sched_op(v, cmd, 0, a3, a4, a5);
	case SCHEDOP_shutdown:
		domain_shutdown(v->domain, (uint8_t)arg);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* An event became pending for v: wake it if it blocked, or make the CPU running it look (the upcall goes out on its way back to the guest). */
void evtchn_kick_vcpu(struct vcpu *v)
{
	if (v->pause_flags & VPF_BLOCKED) {
		vcpu_pause_flag_clear(v, VPF_BLOCKED);
		return;
	}
	for (unsigned int i = 0; i < nr_cpus_possible; i++) {
		struct percpu *pc = cpu_table[i];

		if (pc && pc->curr == v && pc != this_cpu())
			cpu_kick(pc);
	}
}

/* SPDX-License-Identifier: MIT */
/* Per-CPU timer queues: sorted lists of deadlines, run from the owning CPU's timer interrupt. */
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/timer.h>

/*
 * One per CPU. Lock rule: q->lock is the innermost lock of the hypervisor
 * (see hv/LOCKING.md): nothing else is taken while it is held, and
 * callbacks run with it released, so a callback may take any lock its
 * caller could and may re-arm or stop any timer, its own included. Two
 * queue locks are held together only by timer_migrate, lower CPU first.
 */
struct timer_queue {
	spinlock_t lock;
	struct timer *head;		/* earliest first */
	struct timer *running;		/* callback in progress (timer_kill waits for it) */
	unsigned long run_gen;		/* timer_run calls so far: timers queued during one wait for the next */
};

static struct timer_queue queues[TIMER_MAX_CPUS];

/* Timers due this close run together (as Xen's timer_slop): saves an interrupt a few microseconds later. */
#define TIMER_SLOP_NS	50000

void timer_subsys_init(void)
{
	for (unsigned int i = 0; i < TIMER_MAX_CPUS; i++) {
		queues[i].lock = (spinlock_t)SPINLOCK_INIT;
		queues[i].head = NULL;
		queues[i].running = NULL;
	}
}

void timer_init(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu)
{
	BUG_ON(cpu >= TIMER_MAX_CPUS);
	t->prev = t->next = NULL;
	t->expires = TIMER_NEVER;
	t->fn = fn;
	t->data = data;
	t->cpu = cpu;
	t->active = false;
	t->killed = false;
}

/* Locks the queue t belongs to, following a concurrent migration. */
static struct timer_queue *lock_timer(struct timer *t, unsigned long *flags)
{
	for (;;) {
		unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
		struct timer_queue *q = &queues[cpu];

		*flags = spin_lock_irqsave(&q->lock);
		if (__atomic_load_n(&t->cpu, __ATOMIC_RELAXED) == cpu)
			return q;
		spin_unlock_irqrestore(&q->lock, *flags);
	}
}

/* Caller holds q->lock and t is in q. */
static void dequeue(struct timer_queue *q, struct timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->active = false;
}

/*
 * Caller holds q->lock and t is not queued. O(n) in the timers on this CPU:
 * a few per vCPU that runs here, so short. Returns true if t is the new head.
 */
static bool enqueue(struct timer_queue *q, struct timer *t)
{
	struct timer *before = NULL, *after = q->head;

	while (after && after->expires <= t->expires) {
		before = after;
		after = after->next;
	}
	t->run_gen = q->run_gen;
	t->prev = before;
	t->next = after;
	if (before)
		before->next = t;
	else
		q->head = t;
	if (after)
		after->prev = t;
	t->active = true;
	return !before;
}

/*
 * q (of cpu, locked) has a new head. This CPU arms its hardware under the
 * lock: an interrupt between unlock and arming could otherwise run timers,
 * arm for a newer head, and be overwritten with this older deadline.
 * Returns true if cpu is another CPU, which the caller kicks once unlocked.
 */
static bool arm_or_kick(struct timer_queue *q, unsigned int cpu)
{
	if (cpu != timer_arch_cpu())
		return true;
	timer_arch_program(q->head->expires);
	return false;
}

/* Caller holds q->lock: the earliest due timer queued before this run began, or NULL. */
static struct timer *first_due(struct timer_queue *q, s_time_t now)
{
	for (struct timer *t = q->head; t && t->expires <= now; t = t->next)
		if (t->run_gen != q->run_gen)
			return t;
	return NULL;
}

bool timer_set(struct timer *t, s_time_t expires)
{
	unsigned long f;
	struct timer_queue *q = lock_timer(t, &f);
	unsigned int cpu = t->cpu;
	bool kick = false;

	if (t->killed) {
		spin_unlock_irqrestore(&q->lock, f);
		return false;
	}
	if (t->active)
		dequeue(q, t);
	t->expires = expires;
	if (enqueue(q, t))
		kick = arm_or_kick(q, cpu);
	spin_unlock_irqrestore(&q->lock, f);
	if (kick)
		timer_arch_kick(cpu);
	return true;
}

/* A head removed here leaves the hardware armed early: that interrupt finds nothing due and re-arms. */
void timer_stop(struct timer *t)
{
	unsigned long f;
	struct timer_queue *q = lock_timer(t, &f);

	if (t->active)
		dequeue(q, t);
	spin_unlock_irqrestore(&q->lock, f);
}

void timer_migrate(struct timer *t, unsigned int cpu)
{
	struct timer_queue *from, *to = &queues[cpu];
	unsigned long f;
	bool kick = false;

	BUG_ON(cpu >= TIMER_MAX_CPUS);
	for (;;) {
		unsigned int old = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);

		if (old == cpu)
			return;
		from = &queues[old];
		f = spin_lock_irqsave(from < to ? &from->lock : &to->lock);
		spin_lock(from < to ? &to->lock : &from->lock);
		if (t->cpu == old)
			break;
		spin_unlock(&from->lock);
		spin_unlock_irqrestore(&to->lock, f);
	}
	if (t->active) {
		dequeue(from, t);
		__atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
		if (enqueue(to, t))
			kick = arm_or_kick(to, cpu);
	} else {
		__atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
	}
	/* Released in the order taken (the irqsave one last); either order is correct for spinlocks. */
	if (from < to) {
		spin_unlock(&to->lock);
		spin_unlock_irqrestore(&from->lock, f);
	} else {
		spin_unlock(&from->lock);
		spin_unlock_irqrestore(&to->lock, f);
	}
	if (kick)
		timer_arch_kick(cpu);
}

void timer_kill(struct timer *t)
{
	unsigned long f;
	struct timer_queue *q = lock_timer(t, &f);

	t->killed = true;
	if (t->active)
		dequeue(q, t);
	spin_unlock_irqrestore(&q->lock, f);
	/* Its callback may be finishing on any CPU: it may have started before a migration. */
	for (unsigned int i = 0; i < TIMER_MAX_CPUS; i++)
		while (__atomic_load_n(&queues[i].running, __ATOMIC_ACQUIRE) == t)
			cpu_relax();
}

bool timer_is_active(struct timer *t)
{
	return __atomic_load_n(&t->active, __ATOMIC_RELAXED);
}

s_time_t timer_expires(struct timer *t)
{
	unsigned long f;
	struct timer_queue *q = lock_timer(t, &f);
	s_time_t e = t->active ? t->expires : TIMER_NEVER;

	spin_unlock_irqrestore(&q->lock, f);
	return e;
}

/*
 * Runs what was due when it started: a timer a callback re-arms for a time
 * already past runs on the next interrupt, which the hardware raises at
 * once. That bounds the work of one interrupt by the timers queued here.
 */
void timer_run(void)
{
	unsigned int cpu = timer_arch_cpu();
	struct timer_queue *q = &queues[cpu];
	s_time_t now = timer_arch_now() + TIMER_SLOP_NS, next;
	unsigned long f = spin_lock_irqsave(&q->lock);
	struct timer *t;

	q->run_gen++;
	while ((t = first_due(q, now))) {
		dequeue(q, t);
		__atomic_store_n(&q->running, t, __ATOMIC_RELAXED);
		spin_unlock_irqrestore(&q->lock, f);
		t->fn(t->data);
		f = spin_lock_irqsave(&q->lock);
		__atomic_store_n(&q->running, NULL, __ATOMIC_RELEASE);
	}
	next = q->head ? q->head->expires : TIMER_NEVER;
	timer_arch_program(next);
	spin_unlock_irqrestore(&q->lock, f);
}

s_time_t timer_next_deadline(unsigned int cpu)
{
	struct timer_queue *q = &queues[cpu];
	unsigned long f = spin_lock_irqsave(&q->lock);
	s_time_t e = q->head ? q->head->expires : TIMER_NEVER;

	spin_unlock_irqrestore(&q->lock, f);
	return e;
}

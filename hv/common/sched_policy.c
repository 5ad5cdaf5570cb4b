/* Round-robin vCPU scheduling policy: one global FIFO of runnable units shared by all CPUs, fixed time slices. */
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/types.h>

/*
 * State of a unit, all under p->lock:
 *   runnable && !running           -> queued exactly once
 *   running                        -> not queued, on exactly one CPU (u->cpu)
 *   !runnable && !running          -> neither
 * A running unit may be !runnable for a moment: it slept and its CPU has
 * not rescheduled yet. Its next pick takes it off the CPU.
 */

void sched_policy_init(struct sched_policy *p)
{
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->head = NULL;
	p->tail = NULL;
	p->nr_queued = 0;
	p->switches = 0;
}

void sched_unit_init(struct sched_unit *u, void *owner)
{
	u->next = NULL;
	u->queued = false;
	u->running = false;
	u->runnable = false;
	u->cpu = -1;
	u->slice_start = 0;
	u->runtime = 0;
	u->weight = 256;
	u->cap = 0;
	u->owner = owner;
}

/* Caller holds p->lock; u is runnable, not running, not queued. */
static void rq_push_tail(struct sched_policy *p, struct sched_unit *u)
{
	u->next = NULL;
	if (p->tail)
		p->tail->next = u;
	else
		p->head = u;
	p->tail = u;
	u->queued = true;
	p->nr_queued++;
}

/* Caller holds p->lock. */
static struct sched_unit *rq_pop_head(struct sched_policy *p)
{
	struct sched_unit *u = p->head;

	if (!u)
		return NULL;
	p->head = u->next;
	if (!p->head)
		p->tail = NULL;
	u->next = NULL;
	u->queued = false;
	p->nr_queued--;
	return u;
}

/* Caller holds p->lock and u is queued. O(n): only block/pause of a waiting unit takes this path. */
static void rq_remove(struct sched_policy *p, struct sched_unit *u)
{
	struct sched_unit **link = &p->head;
	struct sched_unit *before = NULL;

	while (*link && *link != u) {
		before = *link;
		link = &before->next;
	}
	if (!*link)
		return;		/* flag said queued but it is not: leave the queue intact */
	*link = u->next;
	if (p->tail == u)
		p->tail = before;
	u->next = NULL;
	u->queued = false;
	p->nr_queued--;
}

bool sched_wake(struct sched_policy *p, struct sched_unit *u)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	bool was_runnable = u->runnable;

	u->runnable = true;
	/* A running unit keeps its CPU; its next pick sees it runnable again. */
	if (!u->running && !u->queued)
		rq_push_tail(p, u);
	spin_unlock_irqrestore(&p->lock, flags);
	return !was_runnable;
}

void sched_sleep(struct sched_policy *p, struct sched_unit *u)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);

	u->runnable = false;
	if (u->queued)
		rq_remove(p, u);
	spin_unlock_irqrestore(&p->lock, flags);
}

/* Caller holds p->lock; charges u for the time since its slice started. */
static void charge(struct sched_unit *u, int64_t now)
{
	int64_t ran = now - u->slice_start;

	/* Clocks read on different CPUs may disagree slightly; never charge negative time. */
	if (ran > 0)
		u->runtime += ran;
	u->slice_start = now;
}

/* Caller holds p->lock: prev (if any) has been taken off its CPU; choose and start the next unit. */
static struct sched_unit *pick_locked(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now)
{
	struct sched_unit *next;

	if (prev && (!prev->running || prev->cpu != cpu))
		prev = NULL;	/* not running here: the caller is confused, do not requeue it twice */

	if (prev) {
		charge(prev, now);
		if (prev->runnable && !p->head)
			return prev;	/* nobody waiting: keep the CPU, new slice */
		prev->running = false;
		if (prev->runnable)
			rq_push_tail(p, prev);
	}

	next = rq_pop_head(p);
	if (next) {
		next->running = true;
		next->cpu = cpu;
		next->slice_start = now;
	}
	if (next != prev)
		p->switches++;
	return next;
}

struct sched_unit *sched_pick(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct sched_unit *next = pick_locked(p, cpu, prev, now);

	spin_unlock_irqrestore(&p->lock, flags);
	return next;
}

bool sched_slice_expired(struct sched_policy *p, const struct sched_unit *running, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	bool expired;

	if (!running)
		expired = p->nr_queued > 0;		/* idle CPU with work waiting */
	else if (!running->runnable)
		expired = true;				/* blocked or paused: leave now */
	else
		expired = p->nr_queued > 0 && now - running->slice_start >= SCHED_SLICE_NS;
	spin_unlock_irqrestore(&p->lock, flags);
	return expired;
}

/*
 * With plain FIFO a yield is a pick that always rotates, which pick_locked
 * already does when anyone waits. Kept separate so a credit policy can
 * charge yielders differently.
 */
struct sched_unit *sched_policy_yield(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct sched_unit *next = pick_locked(p, cpu, prev, now);

	spin_unlock_irqrestore(&p->lock, flags);
	return next;
}

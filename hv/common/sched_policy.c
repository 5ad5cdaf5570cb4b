/* SPDX-License-Identifier: MIT */
/* Credit-style vCPU scheduling policy: per-CPU run queues, weighted virtual time, per-domain caps, hard affinity. */
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/types.h>

/*
 * State of a unit, all under p->lock:
 *   runnable && !running           -> queued exactly once, on rq[u->cpu]
 *   running                        -> not queued, on exactly one CPU (u->cpu)
 *   !runnable && !running          -> neither
 * A running unit may be !runnable for a moment: it slept and its CPU has
 * not rescheduled yet. Its next pick takes it off the CPU.
 *
 * Shares: a unit's vtime grows by the time it runs, scaled by 256 over its
 * group's weight and by how many units of the group are runnable (so a
 * domain's weight is split among its busy vCPUs, as xl sched-credit's
 * is). Each pick runs the lowest vtime that may run here. A group with a
 * cap that used its budget in the current period waits for the next one.
 */

#define BIT(cpu)	(1ULL << (cpu))
/* A unit queued on another CPU is taken only if it is this far behind the best local one (in vtime). */
#define MIGRATE_BIAS	SCHED_SLICE_NS
/* The most vtime a unit picked can be behind the one it replaces. */
#define MAX_LAG		(2 * SCHED_SLICE_NS)

void sched_group_init(struct sched_group *g, uint16_t weight, uint16_t cap)
{
	g->weight = weight ? weight : SCHED_WEIGHT_DEFAULT;
	g->cap = cap;
	g->nr_runnable = 0;
	g->period = -1;
	g->used = 0;
}

void sched_policy_init(struct sched_policy *p)
{
	p->lock = (spinlock_t)SPINLOCK_INIT;
	p->online = 0;
	p->used = 0;
	p->nr_queued = 0;
	p->switches = 0;
	p->migrations = 0;
	sched_group_init(&p->default_group, SCHED_WEIGHT_DEFAULT, 0);
	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		p->rq[c] = (struct sched_rq){ NULL, NULL, 0, NULL };
}

void sched_cpu_online(struct sched_policy *p, int cpu)
{
	unsigned long f = spin_lock_irqsave(&p->lock);

	if (cpu >= 0 && cpu < SCHED_MAX_CPUS)
		p->online |= BIT(cpu);
	spin_unlock_irqrestore(&p->lock, f);
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
	u->vtime = 0;
	u->affinity = ~0ULL;
	u->group = NULL;
	u->owner = owner;
}

static struct sched_group *group_of(struct sched_policy *p, const struct sched_unit *u)
{
	return u->group ? u->group : &p->default_group;
}

/* The CPUs u may run on now; an affinity naming no online CPU means all of them (the builder refuses such masks). */
static uint64_t allowed(const struct sched_policy *p, const struct sched_unit *u)
{
	uint64_t online = p->online ? p->online : ~0ULL;
	uint64_t m = u->affinity & online;

	return m ? m : online;
}

/* ---- caps ---- */

static int64_t period_start(int64_t now)
{
	return now / SCHED_CAP_PERIOD_NS * SCHED_CAP_PERIOD_NS;
}

static int64_t cap_budget(const struct sched_group *g);

/*
 * A new period starts with a fresh budget, less what the last one ran over
 * it (a slice ends a timer interrupt after the budget did): over many
 * periods the domain gets its cap, not its cap plus the latency.
 */
static void cap_roll(struct sched_group *g, int64_t now)
{
	int64_t per = now / SCHED_CAP_PERIOD_NS, over = g->used - cap_budget(g);

	if (per != g->period) {
		g->used = per == g->period + 1 && over > 0 ? over : 0;
		g->period = per;
	}
}

static int64_t cap_budget(const struct sched_group *g)
{
	return (int64_t)g->cap * SCHED_CAP_PERIOD_NS / 100;
}

/* The part of a run since since that falls in now's cap period. */
static int64_t in_period(int64_t since, int64_t now)
{
	int64_t from = since > period_start(now) ? since : period_start(now);

	return now > from ? now - from : 0;
}

/* Budget left in now's period, counting extra ns not charged yet; INT64_MAX without a cap. */
static int64_t cap_left(struct sched_group *g, int64_t now, int64_t extra)
{
	if (!g->cap)
		return INT64_MAX;
	cap_roll(g, now);
	return cap_budget(g) - g->used - extra;
}

/* Caller holds p->lock: time g's running units ran in now's period and were not charged yet; *nr: how many run. */
static int64_t group_uncharged(struct sched_policy *p, const struct sched_group *g, int64_t now, unsigned int *nr)
{
	int64_t sum = 0;

	*nr = 0;
	for (uint64_t m = p->used; m; m &= m - 1) {
		const struct sched_unit *r = p->rq[__builtin_ctzll(m)].curr;

		if (r && r->running && (r->group ? r->group : &p->default_group) == g) {
			sum += in_period(r->slice_start, now);
			(*nr)++;
		}
	}
	return sum;
}

/* ---- queues ---- */

/* Caller holds p->lock; u is runnable, not running, not queued. */
static void rq_push_tail(struct sched_policy *p, int cpu, struct sched_unit *u)
{
	struct sched_rq *rq = &p->rq[cpu];

	u->next = NULL;
	if (rq->tail)
		rq->tail->next = u;
	else
		rq->head = u;
	rq->tail = u;
	u->queued = true;
	u->cpu = cpu;
	p->used |= BIT(cpu);
	rq->nr_queued++;
	p->nr_queued++;
}

/* Caller holds p->lock and u is queued on rq[u->cpu]. */
static void rq_remove(struct sched_policy *p, struct sched_unit *u)
{
	struct sched_rq *rq = &p->rq[u->cpu];
	struct sched_unit **link = &rq->head;
	struct sched_unit *before = NULL;

	while (*link && *link != u) {
		before = *link;
		link = &before->next;
	}
	if (!*link)
		return;		/* flag said queued but it is not: leave the queue intact */
	*link = u->next;
	if (rq->tail == u)
		rq->tail = before;
	u->next = NULL;
	u->queued = false;
	rq->nr_queued--;
	p->nr_queued--;
}

/* ---- wake-up placement ---- */

/* Units of u's group that run or wait on cpu. */
static unsigned int siblings_on(struct sched_policy *p, const struct sched_unit *u, int cpu)
{
	struct sched_group *g = group_of(p, u);
	unsigned int n = p->rq[cpu].curr && p->rq[cpu].curr != u && group_of(p, p->rq[cpu].curr) == g;

	for (struct sched_unit *q = p->rq[cpu].head; q; q = q->next)
		n += q != u && group_of(p, q) == g;
	return n;
}

/*
 * Where a waking unit waits: the least loaded CPU it may use, a CPU with a
 * unit of its own group counting as busier (vCPUs of one guest apart), its
 * last CPU winning ties (its cache may still be warm).
 */
static int place(struct sched_policy *p, const struct sched_unit *u)
{
	uint64_t m = allowed(p, u);
	int best = -1;
	long best_score = 0;

	for (; m; m &= m - 1) {
		int c = __builtin_ctzll(m);
		long score;

		score = 4L * (long)(p->rq[c].nr_queued + (p->rq[c].curr != NULL)) + 2L * (long)siblings_on(p, u, c);
		score -= c == u->cpu;
		if (best < 0 || score < best_score) {
			best = c;
			best_score = score;
		}
	}
	return best;
}

/* The lowest vtime among units running or queued (other than u), or INT64_MIN if there are none. */
static int64_t min_vtime(struct sched_policy *p, const struct sched_unit *u)
{
	int64_t v = INT64_MAX;

	for (uint64_t m = p->used; m; m &= m - 1) {
		int c = __builtin_ctzll(m);

		if (p->rq[c].curr && p->rq[c].curr != u && p->rq[c].curr->vtime < v)
			v = p->rq[c].curr->vtime;
		for (struct sched_unit *q = p->rq[c].head; q; q = q->next)
			if (q != u && q->vtime < v)
				v = q->vtime;
	}
	return v == INT64_MAX ? INT64_MIN : v;
}

bool sched_wake_kick(struct sched_policy *p, struct sched_unit *u, int *kick)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	bool was_runnable = u->runnable;
	int64_t floor;

	if (kick)
		*kick = -1;
	if (!was_runnable)
		group_of(p, u)->nr_runnable++;
	u->runnable = true;
	/* A running unit keeps its CPU; its next pick sees it runnable again. */
	if (!u->running && !u->queued) {
		/* Sleeping earns no credit: it rejoins no earlier than the earliest of the others. */
		floor = min_vtime(p, u);
		if (u->vtime < floor)
			u->vtime = floor;
		rq_push_tail(p, place(p, u), u);
		if (kick && !p->rq[u->cpu].curr)
			*kick = u->cpu;
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return !was_runnable;
}

bool sched_wake(struct sched_policy *p, struct sched_unit *u)
{
	return sched_wake_kick(p, u, NULL);
}

void sched_sleep(struct sched_policy *p, struct sched_unit *u)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);

	if (u->runnable)
		group_of(p, u)->nr_runnable--;
	u->runnable = false;
	if (u->queued)
		rq_remove(p, u);
	spin_unlock_irqrestore(&p->lock, flags);
}

/* ---- picks ---- */

/* Caller holds p->lock; charges u for the time since its slice started: runtime, vtime, its group's cap budget. */
static void charge(struct sched_policy *p, struct sched_unit *u, int64_t now)
{
	struct sched_group *g = group_of(p, u);
	int64_t ran = now - u->slice_start;
	unsigned int share = g->nr_runnable ? g->nr_runnable : 1;

	/* Clocks read on different CPUs may disagree slightly; never charge negative time. */
	if (ran > 0) {
		u->runtime += ran;
		u->vtime += ran * SCHED_WEIGHT_DEFAULT / g->weight * share;
		if (g->cap) {
			cap_roll(g, now);
			g->used += in_period(u->slice_start, now);
		}
	}
	u->slice_start = now;
}

static bool eligible(struct sched_policy *p, struct sched_unit *u, int cpu, int64_t now)
{
	return u->runnable && !u->running && (allowed(p, u) & BIT(cpu)) && cap_left(group_of(p, u), now, 0) > 0;
}

/* Caller holds p->lock: the unit cpu should run next (the earliest queued of equal vtimes), or NULL. */
static struct sched_unit *choose(struct sched_policy *p, int cpu, int64_t now)
{
	struct sched_unit *local = NULL, *remote = NULL;

	for (uint64_t m = p->used; m; m &= m - 1) {
		int c = __builtin_ctzll(m);

		for (struct sched_unit *u = p->rq[c].head; u; u = u->next) {
			struct sched_unit **best = c == cpu ? &local : &remote;

			if (eligible(p, u, cpu, now) && (!*best || u->vtime < (*best)->vtime))
				*best = u;
		}
	}
	if (!local || (remote && remote->vtime + MIGRATE_BIAS < local->vtime))
		return remote;
	return local;
}

/* Caller holds p->lock: prev (if any) has been taken off its CPU; choose and start the next unit. */
static struct sched_unit *pick_locked(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now)
{
	struct sched_unit *next;

	if (prev && (!prev->running || prev->cpu != cpu))
		prev = NULL;	/* not running here: the caller is confused, do not requeue it twice */
	if (prev) {
		charge(p, prev, now);
		prev->running = false;
		if (prev->runnable)
			rq_push_tail(p, cpu, prev);
	}
	next = choose(p, cpu, now);
	/*
	 * Credit is not banked beyond a limit (as Xen's credit1 clips credit):
	 * after prev overran (a long stretch without a preemption point), next
	 * would otherwise run as long to catch up, and prev wait as long.
	 */
	if (next && prev && next != prev && next->vtime < prev->vtime - MAX_LAG)
		next->vtime = prev->vtime - MAX_LAG;
	if (next) {
		if (next->cpu != cpu)
			p->migrations++;
		rq_remove(p, next);
		next->running = true;
		next->cpu = cpu;
		next->slice_start = now;
	}
	p->rq[cpu].curr = next;
	if (next)
		p->used |= BIT(cpu);
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

/* Caller holds p->lock: any queued unit that could run on cpu now. */
static bool any_eligible(struct sched_policy *p, int cpu, int64_t now)
{
	for (uint64_t m = p->used; m; m &= m - 1)
		for (struct sched_unit *u = p->rq[__builtin_ctzll(m)].head; u; u = u->next)
			if (eligible(p, u, cpu, now))
				return true;
	return false;
}

bool sched_slice_expired(struct sched_policy *p, const struct sched_unit *running, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	unsigned int nr;
	bool expired;

	if (!running)
		expired = p->nr_queued > 0;		/* idle CPU with work waiting */
	else if (!running->runnable)
		expired = true;				/* blocked or paused: leave now */
	else if (cap_left(group_of(p, running), now, group_uncharged(p, group_of(p, running), now, &nr)) <= 0)
		expired = true;				/* its domain used its cap */
	else if (!(allowed(p, running) & BIT(running->cpu)))
		expired = true;				/* its affinity changed */
	else
		expired = now - running->slice_start >= SCHED_SLICE_NS && any_eligible(p, running->cpu, now);
	spin_unlock_irqrestore(&p->lock, flags);
	return expired;
}

/* Caller holds p->lock: whether a queued unit that may use cpu waits only for its group's next cap period. */
static bool capped_waiting(struct sched_policy *p, int cpu, int64_t now)
{
	for (uint64_t m = p->used; m; m &= m - 1)
		for (struct sched_unit *u = p->rq[__builtin_ctzll(m)].head; u; u = u->next)
			if (u->runnable && (allowed(p, u) & BIT(cpu)) && cap_left(group_of(p, u), now, 0) <= 0)
				return true;
	return false;
}

int64_t sched_next_event(struct sched_policy *p, int cpu, const struct sched_unit *running, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	int64_t next_period = period_start(now) + SCHED_CAP_PERIOD_NS, t = INT64_MAX;

	if (running) {
		struct sched_group *g = group_of(p, running);
		unsigned int nr;
		int64_t left = cap_left(g, now, group_uncharged(p, g, now, &nr));

		/* The group's units that run now use what is left together. */
		left = left > 0 ? left / (nr ? nr : 1) : 0;
		t = running->slice_start + SCHED_SLICE_NS;
		if (g->cap && now + left < t)
			t = now + left;
		if (g->cap && next_period < t)
			t = next_period;		/* its budget starts again: account from there */
	}
	if (capped_waiting(p, cpu, now) && next_period < t)
		t = next_period;
	spin_unlock_irqrestore(&p->lock, flags);
	return t;
}

/* prev goes behind every unit that waits for this CPU: its vtime becomes theirs at most, and it queues last. */
struct sched_unit *sched_policy_yield(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now)
{
	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct sched_unit *next;

	if (prev && prev->running && prev->cpu == cpu) {
		for (struct sched_unit *u = p->rq[cpu].head; u; u = u->next)
			if (eligible(p, u, cpu, now) && u->vtime > prev->vtime)
				prev->vtime = u->vtime;
	}
	next = pick_locked(p, cpu, prev, now);
	spin_unlock_irqrestore(&p->lock, flags);
	return next;
}

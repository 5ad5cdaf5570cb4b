/* SPDX-License-Identifier: MIT */
/* Whole-state invariant check of the scheduler policy, shared by the unit, simulation and stress tests. */
#include <stdio.h>
#include <string.h>

#include <hv/sched.h>

const char *sched_audit(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			struct sched_unit *const *cur, int nr_cpus, bool running_must_be_runnable);

static char audit_msg[256];

static int unit_index(struct sched_unit *const *units, int nr_units, const struct sched_unit *u)
{
	for (int i = 0; i < nr_units; i++)
		if (units[i] == u)
			return i;
	return -1;
}

/* Each CPU's queue holds each unit at most once, only runnable idle units of that CPU, and matches head/tail/counts and flags. */
static const char *audit_queue(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			       bool *seen)
{
	unsigned int total = 0;

	for (int c = 0; c < SCHED_MAX_CPUS; c++) {
		const struct sched_rq *rq = &p->rq[c];
		const struct sched_unit *last = NULL;
		unsigned int count = 0;

		for (const struct sched_unit *u = rq->head; u; u = u->next) {
			int i = unit_index(units, nr_units, u);

			if (i < 0)
				return "queue holds an unknown unit";
			if (seen[i]) {
				snprintf(audit_msg, sizeof(audit_msg), "unit %d queued twice", i);
				return audit_msg;
			}
			seen[i] = true;
			if (!u->queued || !u->runnable || u->running || u->cpu != c) {
				snprintf(audit_msg, sizeof(audit_msg),
					 "unit %d in queue %d: queued=%d runnable=%d running=%d cpu=%d",
					 i, c, u->queued, u->runnable, u->running, u->cpu);
				return audit_msg;
			}
			last = u;
			count++;
		}
		if (rq->tail != last)
			return "tail is not the last queued unit";
		if (count != rq->nr_queued) {
			snprintf(audit_msg, sizeof(audit_msg), "queue %d: nr_queued %u but %u units", c, rq->nr_queued,
				 count);
			return audit_msg;
		}
		total += count;
	}
	if (total != p->nr_queued) {
		snprintf(audit_msg, sizeof(audit_msg), "nr_queued %u but %u units in queues", p->nr_queued, total);
		return audit_msg;
	}
	return NULL;
}

/* Each group's count of runnable units matches its units. */
static const char *audit_groups(const struct sched_policy *p, struct sched_unit *const *units, int nr_units)
{
	for (int i = 0; i < nr_units; i++) {
		const struct sched_group *g = units[i]->group ? units[i]->group : &p->default_group;
		unsigned int n = 0;

		for (int j = 0; j < nr_units; j++)
			n += (units[j]->group ? units[j]->group : &p->default_group) == g && units[j]->runnable;
		if (n != g->nr_runnable) {
			snprintf(audit_msg, sizeof(audit_msg), "unit %d's group counts %u runnable, %u are", i,
				 g->nr_runnable, n);
			return audit_msg;
		}
	}
	return NULL;
}

/* Every running unit is on exactly one CPU of cur[], and cur[] names only running units of that CPU. */
static const char *audit_cpus(struct sched_unit *const *units, int nr_units, struct sched_unit *const *cur,
			      int nr_cpus)
{
	for (int i = 0; i < nr_units; i++) {
		int on = 0;

		for (int c = 0; c < nr_cpus; c++)
			on += cur[c] == units[i];
		if (on > 1 || on != units[i]->running) {
			snprintf(audit_msg, sizeof(audit_msg), "unit %d running=%d but on %d CPUs",
				 i, units[i]->running, on);
			return audit_msg;
		}
	}
	for (int c = 0; c < nr_cpus; c++)
		if (cur[c] && cur[c]->cpu != c) {
			snprintf(audit_msg, sizeof(audit_msg), "CPU %d runs a unit whose cpu is %d", c, cur[c]->cpu);
			return audit_msg;
		}
	return NULL;
}

/*
 * Returns NULL if the state is consistent, else what is wrong. The caller
 * holds p->lock or is the only thread. cur (may be NULL) is what each CPU
 * runs according to the caller.
 */
const char *sched_audit(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			struct sched_unit *const *cur, int nr_cpus, bool running_must_be_runnable)
{
	bool seen[64] = { false };
	const char *why;

	if (nr_units > 64)
		return "audit supports 64 units";
	why = audit_queue(p, units, nr_units, seen);
	if (why)
		return why;
	for (int i = 0; i < nr_units; i++) {
		const struct sched_unit *u = units[i];

		if (u->queued != seen[i]) {
			snprintf(audit_msg, sizeof(audit_msg), "unit %d queued flag %d, in queue %d", i, u->queued, seen[i]);
			return audit_msg;
		}
		/* A runnable unit nobody runs must be waiting in the queue, or it is lost. */
		if (u->runnable && !u->running && !u->queued) {
			snprintf(audit_msg, sizeof(audit_msg), "unit %d runnable but neither queued nor running", i);
			return audit_msg;
		}
		if (running_must_be_runnable && u->running && !u->runnable) {
			snprintf(audit_msg, sizeof(audit_msg), "unit %d running but not runnable", i);
			return audit_msg;
		}
		if (u->runtime < 0)
			return "negative runtime";
	}
	why = audit_groups(p, units, nr_units);
	if (why)
		return why;
	return cur ? audit_cpus(units, nr_units, cur, nr_cpus) : NULL;
}

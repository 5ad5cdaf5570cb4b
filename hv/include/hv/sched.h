/* SPDX-License-Identifier: MIT */
/* Scheduler policy: which runnable vCPU each CPU runs next (credit-style: weights, caps, affinity). Pure logic, host-testable. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/spinlock.h>
#include <hv/types.h>

/* Default time slice; a vCPU runs at most this long while others wait. */
#define SCHED_SLICE_NS		10000000LL
/* Caps are accounted over periods of this length (xl sched-credit's cap: percent of one CPU). */
#define SCHED_CAP_PERIOD_NS	100000000LL
#define SCHED_MAX_CPUS		64
#define SCHED_WEIGHT_DEFAULT	256

/*
 * One per domain: its share. Protected by the policy's lock. weight is
 * relative (xl sched-credit: 1..65535, default 256), split among the
 * domain's runnable vCPUs; cap is in percent of one CPU for the whole
 * domain (0: none; 200: two CPUs' worth).
 */
struct sched_group {
	uint16_t weight;
	uint16_t cap;
	unsigned int nr_runnable;	/* its units that are runnable now */
	int64_t period;			/* cap period index that used counts */
	int64_t used;			/* ns run in that period */
};

/*
 * One per vCPU. All fields are owned by the policy and protected by the
 * policy's lock; the rest of the hypervisor only calls the functions
 * below (affinity and group are set before the unit first wakes).
 */
struct sched_unit {
	struct sched_unit *next;	/* run-queue link */
	bool queued;			/* on the run queue of CPU cpu */
	bool running;			/* some CPU runs it now */
	bool runnable;			/* wants to run (not blocked, not paused) */
	int cpu;			/* CPU running it, queue it waits on, or last CPU (-1: never ran) */
	int64_t slice_start;		/* ns: when it last started running */
	int64_t runtime;		/* ns of CPU it has had in total */
	/* Weighted virtual time (ns * 256 * runnable siblings / weight): the lowest runs first. */
	int64_t vtime;
	uint64_t affinity;		/* hard affinity: CPUs it may run on (bit per CPU) */
	struct sched_group *group;	/* its domain's share; NULL: the policy's default group */
	void *owner;			/* the struct vcpu */
};

/* A CPU's queue: units waiting to run there, in arrival order (the pick looks at vtime). */
struct sched_rq {
	struct sched_unit *head, *tail;
	unsigned int nr_queued;
	struct sched_unit *curr;	/* what the CPU runs, as the policy last decided */
};

/*
 * One lock for every run queue: picks compare vtimes across queues to
 * balance load, which a per-queue lock would make a two-lock dance. It is
 * level 5 in hv/LOCKING.md; the work under it is O(units queued).
 */
struct sched_policy {
	spinlock_t lock;
	uint64_t online;		/* CPUs that pick (sched_cpu_online) */
	uint64_t used;			/* CPUs whose queue held or whose CPU ran a unit: the only ones scans visit */
	unsigned int nr_queued;		/* over all queues */
	uint64_t switches;		/* picks that changed the running unit */
	uint64_t migrations;		/* picks that took a unit from another CPU's queue */
	struct sched_group default_group;
	struct sched_rq rq[SCHED_MAX_CPUS];
};

void sched_policy_init(struct sched_policy *p);
/* CPU cpu picks from now on; before any unit wakes with an affinity naming it. */
void sched_cpu_online(struct sched_policy *p, int cpu);
void sched_unit_init(struct sched_unit *u, void *owner);
void sched_group_init(struct sched_group *g, uint16_t weight, uint16_t cap);

/*
 * Marks u runnable and queues it unless it is running: on an idle CPU it
 * may use (preferring one that runs no unit of its group), else its last
 * CPU, else the least loaded. Returns true if it was not runnable before.
 * *kick (may be NULL) is the idle CPU to make pick, or -1.
 */
bool sched_wake_kick(struct sched_policy *p, struct sched_unit *u, int *kick);
bool sched_wake(struct sched_policy *p, struct sched_unit *u);
/* Marks u not runnable (block or pause); dequeues it. The CPU running it must reschedule. */
void sched_sleep(struct sched_policy *p, struct sched_unit *u);
/*
 * Called by CPU cpu at now with prev (NULL: idle) having run since its
 * slice_start. Returns the unit to run next, or NULL for idle: the
 * eligible unit (affinity allows cpu, its group within its cap) with the
 * lowest vtime, a unit of another CPU's queue only if it is a slice
 * behind the best local one. A runnable prev competes like the others.
 */
struct sched_unit *sched_pick(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now);
/* Whether the unit running on a CPU (NULL: idle) since slice_start should give the CPU up at now. */
bool sched_slice_expired(struct sched_policy *p, const struct sched_unit *running, int64_t now);
/* When CPU cpu, running running (NULL: idle) must decide again: slice end, cap exhausted or next cap period. */
int64_t sched_next_event(struct sched_policy *p, int cpu, const struct sched_unit *running, int64_t now);
/* prev gives up the rest of its slice: it goes behind everyone waiting. Same contract as sched_pick. */
struct sched_unit *sched_policy_yield(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now);

#endif

/* Scheduler policy: which runnable vCPU each CPU runs next. Pure logic over sched_unit, host-testable. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/spinlock.h>
#include <hv/types.h>

/* Default time slice; a vCPU runs at most this long while others wait. */
#define SCHED_SLICE_NS		10000000LL

/*
 * One per vCPU. All fields are owned by the policy and protected by the
 * policy's lock; the rest of the hypervisor only calls the functions below.
 * weight and cap are in place for a credit scheduler and unused for now.
 */
struct sched_unit {
	struct sched_unit *next;	/* run-queue link */
	bool queued;			/* on the run queue */
	bool running;			/* some CPU runs it now */
	bool runnable;			/* wants to run (not blocked, not paused) */
	int cpu;			/* CPU running it, or last CPU (-1: never ran) */
	int64_t slice_start;		/* ns: when it last started running */
	int64_t runtime;		/* ns of CPU it has had in total */
	uint16_t weight;		/* relative share, 256 = default */
	uint16_t cap;			/* percent of one CPU, 0 = none */
	void *owner;			/* the struct vcpu */
};

struct sched_policy {
	spinlock_t lock;
	struct sched_unit *head, *tail;	/* FIFO of runnable, not running units */
	unsigned int nr_queued;
	uint64_t switches;		/* picks that changed the running unit */
};

void sched_policy_init(struct sched_policy *p);
void sched_unit_init(struct sched_unit *u, void *owner);

/* Marks u runnable and queues it unless it is running. Returns true if it was not runnable before. */
bool sched_wake(struct sched_policy *p, struct sched_unit *u);
/* Marks u not runnable (block or pause); dequeues it. The CPU running it must reschedule. */
void sched_sleep(struct sched_policy *p, struct sched_unit *u);
/*
 * Called by CPU cpu at now with prev (NULL: idle) having run since its
 * slice_start. Returns the unit to run next, or NULL for idle. prev goes to
 * the tail of the queue if still runnable and someone else is waiting; a
 * runnable prev with nobody waiting keeps the CPU (and a new slice).
 */
struct sched_unit *sched_pick(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now);
/* Whether the unit running on a CPU since slice_start should give the CPU up at now. */
bool sched_slice_expired(struct sched_policy *p, const struct sched_unit *running, int64_t now);
/* prev gives up the rest of its slice: it goes behind everyone waiting. Same contract as sched_pick. */
struct sched_unit *sched_policy_yield(struct sched_policy *p, int cpu, struct sched_unit *prev, int64_t now);

#endif

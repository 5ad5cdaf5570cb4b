/* SPDX-License-Identifier: MIT */
/* Multi-threaded stress of the scheduler policy: 3 threads act as CPUs, picking, yielding, waking and sleeping shared units. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hv/sched.h>

const char *sched_audit(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			struct sched_unit *const *cur, int nr_cpus, bool running_must_be_runnable);

#define NR_UNITS	7
#define NR_CPUS		3
#ifndef ITERS
#define ITERS		50000
#endif
/*
 * On a loaded host a thread waiting for its ticket can be descheduled and
 * stall everyone (ticket locks assume CPUs that are not preempted), so a
 * thread also stops at a wall-clock deadline once it has done MIN_ITERS.
 */
#define DEADLINE_S	8
#define MIN_ITERS	2000

static struct sched_policy pol;
static struct sched_unit unit[NR_UNITS];
static struct sched_unit *units[NR_UNITS];
/* What each CPU runs, as its thread believes; written under pol.lock. */
static struct sched_unit *cur[NR_CPUS];
static int64_t clock_ns;	/* shared "time": every operation advances it */

struct cpu_thread {
	pthread_t tid;
	int cpu;
	uint64_t rng;
	int64_t slice_start;	/* now of this CPU's last pick that returned a unit */
	int64_t charged;	/* what the policy should have charged units for this CPU's slices */
	unsigned long contended;	/* picks that found the lock held: evidence of real concurrency */
	unsigned long iters, picks, switches_seen, wakes, sleeps, expired_calls, audits;
	unsigned long picked[NR_UNITS];
	char fail[256];		/* first violation this thread saw, empty if none */
};

static struct cpu_thread cpus[NR_CPUS];
static int stop_all;

static uint64_t thread_rand(struct cpu_thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

static void stress_fail(struct cpu_thread *t, const char *what, long long detail)
{
	snprintf(t->fail, sizeof(t->fail), "CPU %d after %lu picks: %s (%lld)", t->cpu, t->picks, what, detail);
	__atomic_store_n(&stop_all, 1, __ATOMIC_RELAXED);
}

/* Under the lock: whatever this CPU ran must still be running here, untouched by other CPUs. */
static bool check_prev_locked(struct cpu_thread *t, struct sched_unit *prev)
{
	if (!prev)
		return true;
	if (!prev->running || prev->cpu != t->cpu || prev->queued) {
		stress_fail(t, "unit taken away while this CPU ran it", prev - unit);
		return false;
	}
	return true;
}

/* Under the lock: the unit just picked runs here and on no other CPU. */
static bool check_next_locked(struct cpu_thread *t, struct sched_unit *next)
{
	if (!next)
		return true;
	if (!next->running || next->cpu != t->cpu || next->queued) {
		stress_fail(t, "picked unit not marked running here", next - unit);
		return false;
	}
	for (int c = 0; c < NR_CPUS; c++)
		if (c != t->cpu && cur[c] == next) {
			stress_fail(t, "picked unit also runs on CPU", c);
			return false;
		}
	return true;
}

static void do_pick(struct cpu_thread *t, int64_t now, bool yield)
{
	struct sched_unit *prev, *next;
	unsigned long f = spin_lock_irqsave(&pol.lock);

	prev = cur[t->cpu];
	/* Forget prev before the pick: once requeued another CPU may take it at once. */
	cur[t->cpu] = NULL;
	if (!check_prev_locked(t, prev)) {
		spin_unlock_irqrestore(&pol.lock, f);
		return;
	}
	spin_unlock_irqrestore(&pol.lock, f);

	t->contended += spin_is_locked(&pol.lock);
	next = yield ? sched_policy_yield(&pol, t->cpu, prev, now) : sched_pick(&pol, t->cpu, prev, now);

	f = spin_lock_irqsave(&pol.lock);
	if (check_next_locked(t, next))
		cur[t->cpu] = next;
	spin_unlock_irqrestore(&pol.lock, f);

	if (prev)
		t->charged += now - t->slice_start;
	if (next) {
		t->slice_start = now;
		t->picked[next - unit]++;
	}
	t->switches_seen += next != prev;
	t->picks++;
}

/* Queue-level invariants mid-run; cur[] is not checked since other CPUs may be between forget and pick. */
static void audit_midrun(struct cpu_thread *t)
{
	unsigned long f = spin_lock_irqsave(&pol.lock);
	const char *why = sched_audit(&pol, units, NR_UNITS, NULL, NR_CPUS, false);

	if (why)
		stress_fail(t, why, -1);
	spin_unlock_irqrestore(&pol.lock, f);
	t->audits++;
}

static double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#ifndef GUEST_WORK
#define GUEST_WORK	1024
#endif

/* Stands for running the guest between scheduler calls; keeps the lock from being held all the time. */
static void guest_work(struct cpu_thread *t)
{
	for (unsigned int n = (unsigned int)(thread_rand(t) % GUEST_WORK); n; n--)
		cpu_relax();
}

static void *cpu_main(void *arg)
{
	struct cpu_thread *t = arg;
	double deadline = wall_seconds() + DEADLINE_S;

	for (int i = 0; i < ITERS && !__atomic_load_n(&stop_all, __ATOMIC_RELAXED); i++) {
		int64_t now = __atomic_add_fetch(&clock_ns, 1000, __ATOMIC_RELAXED);
		unsigned int op = (unsigned int)(thread_rand(t) % 100);
		struct sched_unit *u = &unit[thread_rand(t) % NR_UNITS];

		if (op < 40) {
			do_pick(t, now, op < 10);
		} else if (op < 70) {
			sched_wake(&pol, u);
			t->wakes++;
		} else if (op < 90) {
			sched_sleep(&pol, u);
			t->sleeps++;
		} else {
			/* Only this thread writes cur[t->cpu], so reading it unlocked is safe here. */
			sched_slice_expired(&pol, cur[t->cpu], now);
			t->expired_calls++;
		}
		if ((i & 1023) == 0)
			audit_midrun(t);
		if (i >= MIN_ITERS && (i & 63) == 0 && wall_seconds() > deadline)
			break;
		guest_work(t);
		t->iters++;
	}
	return NULL;
}

static void expect_no_thread_failure(void)
{
	for (int c = 0; c < NR_CPUS; c++)
		ck_assert_msg(cpus[c].fail[0] == '\0', "%s", cpus[c].fail);
}

static void run_threads(void)
{
	sched_policy_init(&pol);
	for (int i = 0; i < NR_UNITS; i++) {
		sched_unit_init(&unit[i], NULL);
		units[i] = &unit[i];
		sched_wake(&pol, &unit[i]);
	}
	for (int c = 0; c < NR_CPUS; c++) {
		cpus[c] = (struct cpu_thread){ .cpu = c, .rng = 0xc0ffee00 + (uint64_t)c };
		cur[c] = NULL;
	}
	for (int c = 0; c < NR_CPUS; c++)
		ck_assert_int_eq(pthread_create(&cpus[c].tid, NULL, cpu_main, &cpus[c]), 0);
	for (int c = 0; c < NR_CPUS; c++)
		ck_assert_int_eq(pthread_join(cpus[c].tid, NULL), 0);
}

START_TEST(test_stress_three_cpus)
{
	int64_t charged = 0, runtime = 0, end;
	unsigned long picks = 0, switches = 0;
	const char *why;
	unsigned long f;

	run_threads();
	expect_no_thread_failure();

	/* Threads are done: the full state, including who runs where, must be consistent. */
	f = spin_lock_irqsave(&pol.lock);
	why = sched_audit(&pol, units, NR_UNITS, cur, NR_CPUS, false);
	spin_unlock_irqrestore(&pol.lock, f);
	ck_assert_msg(why == NULL, "after run: %s", why);

	end = __atomic_load_n(&clock_ns, __ATOMIC_RELAXED);
	for (int c = 0; c < NR_CPUS; c++) {
		charged += cpus[c].charged;
		picks += cpus[c].picks;
		switches += cpus[c].switches_seen;
	}
	for (int i = 0; i < NR_UNITS; i++) {
		unsigned long n = 0;

		for (int c = 0; c < NR_CPUS; c++)
			n += cpus[c].picked[i];
		ck_assert_msg(n > 0, "unit %d never ran", i);
		runtime += unit[i].runtime;
	}
	/* Every nanosecond charged is one some CPU's thread saw pass while running that unit. */
	ck_assert_int_eq(runtime, charged);
	ck_assert_int_le(runtime, end * NR_CPUS);
	ck_assert_uint_eq(pol.switches, switches);
	printf("stress: %lu/%lu/%lu iterations, %lu picks (%lu found the lock held), %lu switches, %lu wakes, %lu sleeps, %lu slice checks, %lu audits, "
	       "charged %lld of %lld ns of CPU\n",
	       cpus[0].iters, cpus[1].iters, cpus[2].iters, picks,
	       cpus[0].contended + cpus[1].contended + cpus[2].contended, switches, cpus[0].wakes + cpus[1].wakes + cpus[2].wakes,
	       cpus[0].sleeps + cpus[1].sleeps + cpus[2].sleeps,
	       cpus[0].expired_calls + cpus[1].expired_calls + cpus[2].expired_calls,
	       cpus[0].audits + cpus[1].audits + cpus[2].audits, (long long)runtime, (long long)end * NR_CPUS);

	/* Wake everyone and let each CPU pick once more: nothing may be lost or duplicated. */
	for (int i = 0; i < NR_UNITS; i++)
		sched_wake(&pol, &unit[i]);
	for (int c = 0; c < NR_CPUS; c++)
		cur[c] = sched_pick(&pol, c, cur[c], end + 1);
	why = sched_audit(&pol, units, NR_UNITS, cur, NR_CPUS, true);
	ck_assert_msg(why == NULL, "after final picks: %s", why);
	for (int c = 0; c < NR_CPUS; c++)
		ck_assert_ptr_nonnull(cur[c]);
	ck_assert_uint_eq(pol.nr_queued, NR_UNITS - NR_CPUS);
}
END_TEST

static Suite *stress_suite(void)
{
	Suite *s = suite_create("sched_stress");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_stress_three_cpus);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

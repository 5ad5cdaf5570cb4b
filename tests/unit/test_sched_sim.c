/* SPDX-License-Identifier: MIT */
/* Seeded simulation of the scheduler policy: N units on M CPUs, 1 ms ticks, random blocks/wakes/yields, invariants every tick. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <hv/sched.h>

const char *sched_audit(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			struct sched_unit *const *cur, int nr_cpus, bool running_must_be_runnable);

#define MS		1000000LL
#define NR_UNITS	7
#define NR_CPUS		3
#define SLICE_MS	(SCHED_SLICE_NS / MS)
/*
 * Longest a runnable unit can wait. A global FIFO gave ceil((N-M)/M) slices
 * plus a tick. With per-CPU queues ordered by vtime, a unit waits for its
 * own queue's rotation, and a unit queued behind a busier CPU is taken by
 * another only once it is MIGRATE_BIAS (a slice) behind there, and a
 * waking unit may rejoin at the lowest vtime: two slices more.
 */
#define MAX_WAIT_MS	(((NR_UNITS - NR_CPUS + NR_CPUS - 1) / NR_CPUS + 2) * SLICE_MS + 1)

/* What the simulated world knows about a unit, independently of the policy. */
struct sim_unit {
	bool interactive;	/* blocks now and then; else CPU-bound */
	bool absent;		/* never runnable: lets a run have fewer units than CPUs */
	bool blocked;
	int64_t wake_at;	/* tick at which a blocked unit's event arrives */
	int64_t ran_ms;		/* ticks it was on a CPU, counted by the simulator */
	int64_t waiting_since;	/* tick it was last seen runnable and not running, -1 if not waiting */
	int64_t max_wait_ms;
};

struct sim {
	struct sched_policy pol;
	struct sched_unit unit[NR_UNITS];
	struct sched_unit *units[NR_UNITS];
	struct sched_unit *cur[NR_CPUS];
	struct sim_unit s[NR_UNITS];
	uint64_t rng;
	int64_t tick;
	unsigned long kicks;	/* idle CPUs made to pick by a wake between other CPUs' picks */
	unsigned long blocks, early_wakes, rewakes_while_running, yields, pauses_queued, idle_cpu_ticks;
};

static uint64_t sim_rand(struct sim *w)
{
	/* xorshift64*: deterministic for a given seed, good enough for choosing events. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

/* True with probability per_mille / 1000. */
static bool chance(struct sim *w, unsigned int per_mille)
{
	return sim_rand(w) % 1000 < per_mille;
}

static int idx(struct sim *w, const struct sched_unit *u)
{
	return (int)(u - w->unit);
}

/* Units [0, nr_absent) never run, the last nr_interactive block now and then, the rest are CPU-bound. */
static void sim_init(struct sim *w, uint64_t seed, int nr_interactive, int nr_absent)
{
	sched_policy_init(&w->pol);
	w->rng = seed;
	w->tick = 0;
	w->blocks = w->early_wakes = w->rewakes_while_running = w->yields = w->pauses_queued = 0;
	w->idle_cpu_ticks = 0;
	w->kicks = 0;
	for (int c = 0; c < NR_CPUS; c++)
		w->cur[c] = NULL;
	for (int i = 0; i < NR_UNITS; i++) {
		sched_unit_init(&w->unit[i], &w->s[i]);
		w->units[i] = &w->unit[i];
		w->s[i] = (struct sim_unit){ .interactive = i >= NR_UNITS - nr_interactive, .absent = i < nr_absent,
					     .blocked = i < nr_absent, .wake_at = INT64_MAX, .waiting_since = -1 };
		if (!w->s[i].absent)
			ck_assert(sched_wake(&w->pol, &w->unit[i]));
	}
}

static void block_unit(struct sim *w, int i)
{
	sched_sleep(&w->pol, &w->unit[i]);
	w->s[i].blocked = true;
	w->s[i].wake_at = w->tick + 1 + (int64_t)(sim_rand(w) % 20);
	w->blocks++;
}

static void wake_unit(struct sim *w, int i)
{
	bool was_blocked = w->s[i].blocked;

	if (sched_wake(&w->pol, &w->unit[i]) != was_blocked)
		ck_abort_msg("tick %lld: wake of unit %d returned %d", (long long)w->tick, i, !was_blocked);
	w->s[i].blocked = false;
}

/* Events that arrive from outside any CPU: I/O completions, early or spurious wakes, pauses of waiting units. */
static void sim_events(struct sim *w)
{
	for (int i = 0; i < NR_UNITS; i++)
		if (w->s[i].blocked && w->s[i].wake_at <= w->tick)
			wake_unit(w, i);
	if (chance(w, 50)) {
		int i = (int)(sim_rand(w) % NR_UNITS);

		if (!w->s[i].absent) {
			w->early_wakes += w->s[i].blocked;
			wake_unit(w, i);
		}	/* often a unit that runs or waits already: must not queue it twice */
	}
	if (chance(w, 10)) {
		int i = (int)(sim_rand(w) % NR_UNITS);

		if (w->s[i].interactive && !w->s[i].blocked) {
			w->pauses_queued += w->unit[i].queued;
			block_unit(w, i);
		}
	}
}

/* One CPU's tick: maybe the running unit blocks or yields, then the slice check and pick. */
static void sim_cpu_tick(struct sim *w, int c)
{
	struct sched_unit *r = w->cur[c];
	int64_t now = w->tick * MS;

	if (r && w->s[idx(w, r)].interactive && !w->s[idx(w, r)].blocked && chance(w, 80)) {
		block_unit(w, idx(w, r));
		/* Sometimes its event arrives before this CPU gets to reschedule. */
		if (chance(w, 250)) {
			wake_unit(w, idx(w, r));
			w->rewakes_while_running++;
		}
	}
	if (r && !w->s[idx(w, r)].blocked && chance(w, 20)) {
		w->yields++;
		w->cur[c] = sched_policy_yield(&w->pol, c, r, now);
	} else if (sched_slice_expired(&w->pol, r, now)) {
		w->cur[c] = sched_pick(&w->pol, c, r, now);
	}
	if (r && w->s[idx(w, r)].blocked && w->cur[c] == r)
		ck_abort_msg("tick %lld: CPU %d kept blocked unit %d", (long long)w->tick, c, idx(w, r));
}

/* Invariants after every tick, plus the simulator's own view of who runs and who waits. */
static void sim_check(struct sim *w)
{
	const char *why = sched_audit(&w->pol, w->units, NR_UNITS, w->cur, NR_CPUS, true);
	bool idle_cpu = false;

	/* Plain ifs on the hot path: Check logs every passing ck_assert in fork mode, which is slow here. */
	if (why)
		ck_abort_msg("tick %lld: %s", (long long)w->tick, why);
	for (int c = 0; c < NR_CPUS; c++)
		idle_cpu |= w->cur[c] == NULL;
	/* Work conserving: nobody waits while a CPU idles. */
	if (idle_cpu && w->pol.nr_queued)
		ck_abort_msg("tick %lld: CPU idle with %u waiting", (long long)w->tick, w->pol.nr_queued);
	for (int i = 0; i < NR_UNITS; i++) {
		struct sim_unit *s = &w->s[i];

		if (w->unit[i].runnable == s->blocked)
			ck_abort_msg("tick %lld: unit %d runnable=%d but blocked=%d", (long long)w->tick, i,
				     w->unit[i].runnable, s->blocked);
		if (w->unit[i].queued) {
			if (s->waiting_since < 0)
				s->waiting_since = w->tick;
			if (w->tick - s->waiting_since > s->max_wait_ms)
				s->max_wait_ms = w->tick - s->waiting_since;
		} else {
			s->waiting_since = -1;
		}
	}
}

/* Runs ticks [0, nr_ticks); the unit a CPU holds after tick t runs during [t, t+1) ms. */
/*
 * An I/O completion landing while CPUs are in the middle of their ticks. An
 * idle CPU whose tick already passed is kicked and picks at once, as the
 * glue's IPI to an idle CPU does.
 */
static void sim_wake_mid_tick(struct sim *w)
{
	int i = (int)(sim_rand(w) % NR_UNITS);

	if (!w->s[i].interactive || !w->s[i].blocked)
		return;
	w->early_wakes++;
	wake_unit(w, i);
	for (int c = 0; c < NR_CPUS && w->unit[i].queued; c++)
		if (!w->cur[c]) {
			w->cur[c] = sched_pick(&w->pol, c, NULL, w->tick * MS);
			w->kicks++;
		}
}

static void sim_run(struct sim *w, int64_t nr_ticks)
{
	for (w->tick = 0; w->tick < nr_ticks; w->tick++) {
		sim_events(w);
		for (int c = 0; c < NR_CPUS; c++) {
			sim_cpu_tick(w, c);
			if (chance(w, 30))
				sim_wake_mid_tick(w);
		}
		sim_check(w);
		for (int c = 0; c < NR_CPUS; c++) {
			if (w->cur[c])
				w->s[idx(w, w->cur[c])].ran_ms++;
			else
				w->idle_cpu_ticks++;
		}
	}
}

/* The policy's runtime, plus what running units have not been charged yet, must equal the simulator's count. */
static void sim_check_runtime(struct sim *w)
{
	int64_t end = w->tick * MS;

	for (int i = 0; i < NR_UNITS; i++) {
		int64_t rt = w->unit[i].runtime;

		if (w->unit[i].running)
			rt += end - w->unit[i].slice_start;
		ck_assert_msg(rt == w->s[i].ran_ms * MS, "unit %d: policy says %lld ns, simulator %lld ms",
			      i, (long long)rt, (long long)w->s[i].ran_ms);
	}
}

/* max/min of ran_ms over the CPU-bound units (interactive == false). */
static double cpu_bound_spread(struct sim *w, int64_t *min_out, int64_t *max_out)
{
	int64_t lo = INT64_MAX, hi = 0;

	for (int i = 0; i < NR_UNITS; i++) {
		if (w->s[i].interactive || w->s[i].absent)
			continue;
		lo = w->s[i].ran_ms < lo ? w->s[i].ran_ms : lo;
		hi = w->s[i].ran_ms > hi ? w->s[i].ran_ms : hi;
	}
	*min_out = lo;
	*max_out = hi;
	return lo ? (double)hi / (double)lo : 1e9;
}

static void print_runtimes(const char *name, struct sim *w, double spread)
{
	printf("%s: spread max/min %.4f, switches %llu, blocks %lu, early wakes %lu, re-wakes while running %lu, "
	       "yields %lu, pauses of waiting units %lu, idle CPU ms %lu, kicks %lu\n", name, spread,
	       (unsigned long long)w->pol.switches, w->blocks, w->early_wakes, w->rewakes_while_running, w->yields,
	       w->pauses_queued, w->idle_cpu_ticks, w->kicks);
	for (int i = 0; i < NR_UNITS; i++)
		if (!w->s[i].absent)
				printf("  unit %d %-11s ran %6lld ms, longest wait %3lld ms\n", i,
			       w->s[i].interactive ? "interactive" : "cpu-bound", (long long)w->s[i].ran_ms,
			       (long long)w->s[i].max_wait_ms);
}

START_TEST(test_sim_all_cpu_bound)
{
	static struct sim w;
	const int64_t ticks = 60000;	/* 60 s */
	int64_t lo, hi, total = 0;
	double spread;

	sim_init(&w, 0x5eed0001, 0, 0);
	/* No interactive units: the only events are spurious wakes of units that run or wait, and yields. */
	sim_run(&w, ticks);
	sim_check_runtime(&w);
	spread = cpu_bound_spread(&w, &lo, &hi);
	print_runtimes("all cpu-bound", &w, spread);
	for (int i = 0; i < NR_UNITS; i++)
		total += w.s[i].ran_ms;
	/* More units than CPUs and nobody blocks: no CPU is ever idle. */
	ck_assert_int_eq(total, ticks * NR_CPUS);
	ck_assert_msg(spread < 1.05, "spread %.4f", spread);
	/* Each gets close to its M/N share. */
	ck_assert_int_ge(lo, ticks * NR_CPUS / NR_UNITS * 95 / 100);
	for (int i = 0; i < NR_UNITS; i++)
		ck_assert_int_le(w.s[i].max_wait_ms, MAX_WAIT_MS);
}
END_TEST

START_TEST(test_sim_mixed)
{
	static struct sim w;
	const int64_t ticks = 120000;	/* 120 s */
	int64_t lo, hi;
	double spread;

	sim_init(&w, 0x5eed0002, 3, 0);
	sim_run(&w, ticks);
	sim_check_runtime(&w);
	spread = cpu_bound_spread(&w, &lo, &hi);
	print_runtimes("4 cpu-bound + 3 interactive", &w, spread);
	ck_assert_msg(spread < 1.2, "spread %.4f", spread);
	/* Every edge path was actually exercised. */
	ck_assert_uint_gt(w.blocks, 1000);
	ck_assert_uint_gt(w.early_wakes, 100);
	ck_assert_uint_gt(w.rewakes_while_running, 100);
	ck_assert_uint_gt(w.yields, 1000);
	ck_assert_uint_gt(w.pauses_queued, 10);
	for (int i = 0; i < NR_UNITS; i++) {
		ck_assert_int_gt(w.s[i].ran_ms, 0);
		ck_assert_int_le(w.s[i].max_wait_ms, MAX_WAIT_MS);
	}
}
END_TEST

START_TEST(test_sim_seeds)
{
	/* Several seeds, shorter runs: the invariants matter more than the figures here. */
	static struct sim w;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		int64_t lo, hi;

		sim_init(&w, seed * 0x9e3779b97f4a7c15ULL, (int)(seed % 4), (int)(seed % 3));
		sim_run(&w, 20000);
		sim_check_runtime(&w);
		for (int i = 0; i < NR_UNITS; i++)
			ck_assert_int_le(w.s[i].max_wait_ms, MAX_WAIT_MS);
		ck_assert_msg(cpu_bound_spread(&w, &lo, &hi) < 1.2, "seed %llu: %lld..%lld ms",
			      (unsigned long long)seed, (long long)lo, (long long)hi);
	}
}
END_TEST

START_TEST(test_sim_underloaded)
{
	/* 2 CPU-bound and 2 interactive units on 3 CPUs: CPUs go idle, blocks often find the queue empty. */
	static struct sim w;
	const int64_t ticks = 60000;
	int64_t lo, hi;
	double spread;

	sim_init(&w, 0x5eed0003, 2, 3);
	sim_run(&w, ticks);
	sim_check_runtime(&w);
	spread = cpu_bound_spread(&w, &lo, &hi);
	print_runtimes("2 cpu-bound + 2 interactive, 3 CPUs", &w, spread);
	ck_assert_uint_gt(w.idle_cpu_ticks, 1000);
	ck_assert_uint_gt(w.kicks, 10);
	ck_assert_msg(spread < 1.2, "spread %.4f", spread);
	/* At most one unit ever waits, so a CPU-bound unit loses little: more than 80% of a CPU each. */
	ck_assert_int_gt(lo, ticks * 8 / 10);
	for (int i = 0; i < NR_UNITS; i++)
		ck_assert_int_eq(w.s[i].ran_ms == 0, w.s[i].absent);
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sched_sim");
	TCase *tc = tcase_create("sim");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sim_all_cpu_bound);
	tcase_add_test(tc, test_sim_mixed);
	tcase_add_test(tc, test_sim_underloaded);
	tcase_add_test(tc, test_sim_seeds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

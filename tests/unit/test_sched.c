/* SPDX-License-Identifier: MIT */
/* Unit tests of the scheduler policy (hv/common/sched_policy.c): each call and edge case, then weights, caps, affinity and balance. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include <hv/sched.h>

const char *sched_audit(const struct sched_policy *p, struct sched_unit *const *units, int nr_units,
			struct sched_unit *const *cur, int nr_cpus, bool running_must_be_runnable);

#define MS		1000000LL
#define NR_UNITS	5
#define NR_CPUS		3

static struct sched_policy pol;
static struct sched_unit unit[NR_UNITS];
static struct sched_unit *units[NR_UNITS];
static struct sched_unit *cur[NR_CPUS];
static struct sched_group grp[NR_UNITS];
static int owner_tag[NR_UNITS];

static void setup_cpus(int nr_cpus)
{
	sched_policy_init(&pol);
	for (int c = 0; c < nr_cpus; c++)
		sched_cpu_online(&pol, c);
	for (int i = 0; i < NR_UNITS; i++) {
		sched_unit_init(&unit[i], &owner_tag[i]);
		units[i] = &unit[i];
		sched_group_init(&grp[i], SCHED_WEIGHT_DEFAULT, 0);
	}
	for (int c = 0; c < NR_CPUS; c++)
		cur[c] = NULL;
}

static void setup(void)
{
	setup_cpus(NR_CPUS);
}

static void audit(bool running_must_be_runnable)
{
	const char *why = sched_audit(&pol, units, NR_UNITS, cur, NR_CPUS, running_must_be_runnable);

	ck_assert_msg(why == NULL, "invariant broken: %s", why);
}

static struct sched_unit *pick(int cpu, int64_t now)
{
	cur[cpu] = sched_pick(&pol, cpu, cur[cpu], now);
	return cur[cpu];
}

static struct sched_unit *yield(int cpu, int64_t now)
{
	cur[cpu] = sched_policy_yield(&pol, cpu, cur[cpu], now);
	return cur[cpu];
}

/* cpu's queue from head to tail, as unit indices. */
static void expect_queue(int cpu, int n, const int *want)
{
	const struct sched_unit *u = pol.rq[cpu].head;

	for (int i = 0; i < n; i++, u = u->next) {
		ck_assert_msg(u != NULL, "queue %d shorter than %d", cpu, n);
		ck_assert_msg(u == &unit[want[i]], "queue %d [%d] is unit %d, want %d", cpu, i, (int)(u - unit), want[i]);
	}
	ck_assert_ptr_null(u);
	ck_assert_uint_eq(pol.rq[cpu].nr_queued, n);
}

/*
 * Runs the machine for ms milliseconds in 1 ms ticks, every unit given
 * CPU-bound: each CPU picks when its slice expired or the policy's next
 * event came. ran[] counts the ticks each unit held a CPU, cpu_of[] the
 * CPUs each ran on (bit mask).
 */
static int64_t ran[NR_UNITS];
static uint64_t cpu_of[NR_UNITS];

static void run_ticks(int nr_cpus, int64_t from_ms, int64_t ms)
{
	int64_t next[NR_CPUS];

	for (int c = 0; c < nr_cpus; c++)
		next[c] = sched_next_event(&pol, c, cur[c], from_ms * MS);
	for (int64_t t = from_ms; t < from_ms + ms; t++) {
		for (int c = 0; c < nr_cpus; c++) {
			if (t * MS >= next[c] || sched_slice_expired(&pol, cur[c], t * MS)) {
				pick(c, t * MS);
				next[c] = sched_next_event(&pol, c, cur[c], t * MS);
			}
		}
		audit(true);
		for (int c = 0; c < nr_cpus; c++) {
			if (cur[c]) {
				ran[cur[c] - unit]++;
				cpu_of[cur[c] - unit] |= 1ULL << c;
			}
		}
	}
}

static void reset_counts(void)
{
	for (int i = 0; i < NR_UNITS; i++) {
		ran[i] = 0;
		cpu_of[i] = 0;
	}
}

/* CPUs 0 and 40 only: the scans visit the queues of CPUs that were used, and CPU 40's must be among them. */
START_TEST(test_sparse_cpus)
{
	struct sched_unit a, b;

	sched_policy_init(&pol);
	sched_cpu_online(&pol, 0);
	sched_cpu_online(&pol, 40);
	sched_unit_init(&a, &owner_tag[0]);
	sched_unit_init(&b, &owner_tag[1]);
	a.affinity = 1ULL << 40;
	sched_wake(&pol, &a);
	ck_assert_int_eq(a.cpu, 40);
	ck_assert_ptr_null(sched_pick(&pol, 0, NULL, 0));
	ck_assert_ptr_eq(sched_pick(&pol, 40, NULL, 0), &a);
	sched_wake(&pol, &b);
	ck_assert_int_eq(b.cpu, 0);
	ck_assert(!sched_slice_expired(&pol, &a, 1));
	/* A slice later b, queued on CPU 0 and allowed on 40, is work CPU 40 sees. */
	ck_assert(sched_slice_expired(&pol, &a, SCHED_SLICE_NS + 1));
	ck_assert_ptr_eq(sched_pick(&pol, 40, &a, SCHED_SLICE_NS + 1), &b);
	ck_assert_ptr_null(sched_pick(&pol, 0, NULL, SCHED_SLICE_NS + 1));
	ck_assert_ptr_eq(sched_pick(&pol, 40, &b, 3 * SCHED_SLICE_NS), &a);
}
END_TEST

START_TEST(test_init)
{
	for (int c = 0; c < NR_CPUS; c++)
		expect_queue(c, 0, NULL);
	ck_assert_uint_eq(pol.nr_queued, 0);
	ck_assert_uint_eq(pol.switches, 0);
	ck_assert_uint_eq(pol.online, 7);
	ck_assert(!unit[2].queued && !unit[2].running && !unit[2].runnable);
	ck_assert_int_eq(unit[2].cpu, -1);
	ck_assert_int_eq(unit[2].runtime, 0);
	ck_assert(unit[2].affinity == ~0ULL);
	ck_assert_ptr_null(unit[2].group);
	ck_assert_uint_eq(pol.default_group.weight, 256);
	ck_assert_uint_eq(pol.default_group.cap, 0);
	ck_assert_ptr_eq(unit[2].owner, &owner_tag[2]);
	ck_assert(!sched_slice_expired(&pol, NULL, 0));
	ck_assert_int_eq(sched_next_event(&pol, 0, NULL, 0), INT64_MAX);
	audit(true);
}
END_TEST

START_TEST(test_wake_spreads_over_idle_cpus)
{
	int kick;

	ck_assert(sched_wake_kick(&pol, &unit[0], &kick));
	ck_assert_int_eq(kick, 0);
	ck_assert(!sched_wake_kick(&pol, &unit[0], &kick));	/* already runnable: queued once */
	ck_assert_int_eq(kick, -1);
	ck_assert(sched_wake_kick(&pol, &unit[1], &kick));
	ck_assert_int_eq(kick, 1);
	ck_assert(sched_wake_kick(&pol, &unit[2], &kick));
	ck_assert_int_eq(kick, 2);
	expect_queue(0, 1, (int[]){ 0 });
	expect_queue(1, 1, (int[]){ 1 });
	expect_queue(2, 1, (int[]){ 2 });
	audit(true);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
	ck_assert_ptr_eq(pick(1, 0), &unit[1]);
	ck_assert_ptr_eq(pick(2, 0), &unit[2]);
	ck_assert_uint_eq(pol.migrations, 0);
	audit(true);
}
END_TEST

START_TEST(test_wake_prefers_last_cpu)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
	sched_sleep(&pol, &unit[0]);
	pick(0, 1 * MS);
	ck_assert_ptr_null(cur[0]);
	/* Every CPU idle: the one it ran on wins the tie. Moving it would lose a warm cache. */
	unit[0].cpu = 2;
	sched_wake(&pol, &unit[0]);
	ck_assert_int_eq(unit[0].cpu, 2);
	expect_queue(2, 1, (int[]){ 0 });
}
END_TEST

START_TEST(test_siblings_kept_apart)
{
	/* Units 0 and 1 are vCPUs of one domain, 2 of another; two CPUs. */
	setup_cpus(2);
	unit[0].group = unit[1].group = &grp[0];
	unit[2].group = &grp[2];
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[2]);
	ck_assert_int_ne(unit[0].cpu, unit[2].cpu);
	pick(0, 0);
	pick(1, 0);
	/* Both CPUs busy, one queue each: unit 1 waits where its sibling does not run. */
	sched_wake(&pol, &unit[1]);
	ck_assert_ptr_ne(pol.rq[unit[1].cpu].curr, &unit[0]);
	ck_assert_uint_eq(grp[0].nr_runnable, 2);
	audit(true);
}
END_TEST

START_TEST(test_pick_idle_cpu)
{
	ck_assert_ptr_null(pick(0, 5 * MS));
	ck_assert_uint_eq(pol.switches, 0);
	sched_wake(&pol, &unit[3]);
	ck_assert_ptr_eq(pick(unit[3].cpu, 7 * MS), &unit[3]);
	ck_assert(unit[3].running && !unit[3].queued && unit[3].runnable);
	ck_assert_int_eq(unit[3].slice_start, 7 * MS);
	ck_assert_int_eq(unit[3].runtime, 0);
	ck_assert_uint_eq(pol.switches, 1);
	audit(true);
}
END_TEST

START_TEST(test_idle_cpu_takes_remote_work)
{
	sched_wake(&pol, &unit[0]);
	ck_assert_int_eq(unit[0].cpu, 0);
	/* CPU 1 picks first (say CPU 0 was slow to answer the kick): work waiting elsewhere beats idling. */
	ck_assert_ptr_eq(pick(1, 0), &unit[0]);
	ck_assert_int_eq(unit[0].cpu, 1);
	ck_assert_uint_eq(pol.migrations, 1);
	ck_assert_ptr_null(pick(0, 0));
	audit(true);
}
END_TEST

START_TEST(test_sleep_and_wake_while_running)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	sched_sleep(&pol, &unit[0]);
	ck_assert(unit[0].running && !unit[0].runnable && !unit[0].queued);
	ck_assert(sched_slice_expired(&pol, &unit[0], 1 * MS));	/* blocked: leave at once */
	audit(false);
	ck_assert(sched_wake(&pol, &unit[0]));			/* its event came first */
	ck_assert(!unit[0].queued);
	ck_assert_ptr_eq(pick(0, 2 * MS), &unit[0]);
	sched_sleep(&pol, &unit[0]);
	ck_assert_ptr_null(pick(0, 3 * MS));
	ck_assert(!unit[0].running && !unit[0].queued);
	ck_assert_int_eq(unit[0].runtime, 3 * MS);
	ck_assert_uint_eq(pol.default_group.nr_runnable, 0);
	audit(true);
}
END_TEST

START_TEST(test_sleep_queued_unit)
{
	setup_cpus(1);
	for (int i = 0; i < 4; i++)
		sched_wake(&pol, &unit[i]);
	expect_queue(0, 4, (int[]){ 0, 1, 2, 3 });
	sched_sleep(&pol, &unit[0]);
	sched_sleep(&pol, &unit[2]);
	sched_sleep(&pol, &unit[3]);
	expect_queue(0, 1, (int[]){ 1 });
	sched_sleep(&pol, &unit[4]);		/* never woke: harmless */
	ck_assert_uint_eq(pol.nr_queued, 1);
	ck_assert_uint_eq(pol.default_group.nr_runnable, 1);
	audit(true);
}
END_TEST

START_TEST(test_rotation_one_cpu)
{
	setup_cpus(1);
	for (int i = 0; i < 3; i++)
		sched_wake(&pol, &unit[i]);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
	ck_assert(!sched_slice_expired(&pol, &unit[0], SCHED_SLICE_NS - 1));
	ck_assert(sched_slice_expired(&pol, &unit[0], SCHED_SLICE_NS));
	ck_assert_int_eq(sched_next_event(&pol, 0, &unit[0], 0), SCHED_SLICE_NS);
	/* Equal vtimes: round robin in arrival order. */
	ck_assert_ptr_eq(pick(0, 10 * MS), &unit[1]);
	ck_assert_ptr_eq(pick(0, 20 * MS), &unit[2]);
	ck_assert_ptr_eq(pick(0, 30 * MS), &unit[0]);
	expect_queue(0, 2, (int[]){ 1, 2 });
	/* Alone it keeps the CPU, and its slice never expires. */
	sched_sleep(&pol, &unit[1]);
	sched_sleep(&pol, &unit[2]);
	ck_assert(!sched_slice_expired(&pol, &unit[0], 100 * MS));
	ck_assert_ptr_eq(pick(0, 100 * MS), &unit[0]);
	audit(true);
}
END_TEST

START_TEST(test_yield_goes_behind_waiters)
{
	setup_cpus(1);
	for (int i = 0; i < 3; i++)
		sched_wake(&pol, &unit[i]);
	pick(0, 0);
	ck_assert_ptr_eq(yield(0, 1 * MS), &unit[1]);
	ck_assert_ptr_eq(yield(0, 2 * MS), &unit[2]);
	ck_assert_ptr_eq(yield(0, 3 * MS), &unit[0]);
	sched_sleep(&pol, &unit[1]);
	sched_sleep(&pol, &unit[2]);
	ck_assert_ptr_eq(yield(0, 4 * MS), &unit[0]);	/* alone: keeps the CPU */
	ck_assert_ptr_null(yield(1, 4 * MS));		/* idle CPU: nothing */
	audit(true);
}
END_TEST

START_TEST(test_wake_earns_no_credit)
{
	setup_cpus(1);
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	run_ticks(1, 0, 1000);
	/* Unit 2 slept through it: it rejoins at the others' vtime, not a second behind them. */
	sched_wake(&pol, &unit[2]);
	reset_counts();
	run_ticks(1, 1000, 300);
	ck_assert_int_le(ran[2], 110);
	ck_assert_int_ge(ran[2], 90);
}
END_TEST

/* A unit that held the CPU 200 ms without a pick (no preemption point) does not then wait 200 ms itself. */
START_TEST(test_overrun_not_repaid_in_one_run)
{
	setup_cpus(1);
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
	ck_assert_ptr_eq(pick(0, 200 * MS), &unit[1]);
	reset_counts();
	run_ticks(1, 200, 100);
	printf("after a 200 ms overrun: %lld:%lld ms of the next 100\n", (long long)ran[0], (long long)ran[1]);
	ck_assert_int_ge(ran[0], 30);
	ck_assert_int_le(ran[1], 70);
}
END_TEST

START_TEST(test_clock_going_backwards_not_charged)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 10 * MS);
	pick(0, 5 * MS);
	ck_assert_int_eq(unit[0].runtime, 0);
	ck_assert_int_eq(unit[0].vtime, 0);
	audit(true);
}
END_TEST

START_TEST(test_confused_prev_ignored)
{
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	pick(0, 0);
	/* CPU 1 claims to run unit 0, which CPU 0 runs: it must not be queued a second time. */
	ck_assert_ptr_eq(sched_pick(&pol, 1, &unit[0], 1 * MS), &unit[1]);
	cur[1] = &unit[1];
	ck_assert(unit[0].running && unit[0].cpu == 0);
	audit(true);
}
END_TEST

/* xl sched-credit: weights 256:512 on one CPU give 1:2. */
START_TEST(test_weights_one_cpu)
{
	setup_cpus(1);
	sched_group_init(&grp[0], 256, 0);
	sched_group_init(&grp[1], 512, 0);
	unit[0].group = &grp[0];
	unit[1].group = &grp[1];
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	reset_counts();
	run_ticks(1, 0, 3000);
	printf("weights 256:512: %lld:%lld ms\n", (long long)ran[0], (long long)ran[1]);
	ck_assert_int_eq(ran[0] + ran[1], 3000);
	ck_assert_int_ge(ran[0], 990);
	ck_assert_int_le(ran[0], 1010);
}
END_TEST

/* A domain's weight is split among its runnable vCPUs: two vCPUs at 256 get what one vCPU at 256 gets. */
START_TEST(test_weight_split_among_vcpus)
{
	setup_cpus(1);
	unit[0].group = unit[1].group = &grp[0];
	unit[2].group = &grp[2];
	for (int i = 0; i < 3; i++)
		sched_wake(&pol, &unit[i]);
	reset_counts();
	run_ticks(1, 0, 3000);
	printf("2 vCPUs vs 1, equal weights: %lld+%lld:%lld ms\n", (long long)ran[0], (long long)ran[1],
	       (long long)ran[2]);
	ck_assert_int_ge(ran[0] + ran[1], 1450);
	ck_assert_int_le(ran[0] + ran[1], 1550);
}
END_TEST

START_TEST(test_cap_alone)
{
	setup_cpus(1);
	sched_group_init(&grp[0], 256, 50);
	unit[0].group = &grp[0];
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	/* Its budget (50 of each 100 ms) ends before its slice would. */
	ck_assert_int_eq(sched_next_event(&pol, 0, &unit[0], 0), SCHED_SLICE_NS);
	ck_assert(sched_slice_expired(&pol, &unit[0], 50 * MS));
	ck_assert_ptr_null(pick(0, 50 * MS));		/* capped: the CPU idles */
	ck_assert_int_eq(sched_next_event(&pol, 0, NULL, 50 * MS), 100 * MS);
	ck_assert(unit[0].queued);
	ck_assert_ptr_eq(pick(0, 100 * MS), &unit[0]);	/* next period */
	reset_counts();
	run_ticks(1, 100, 2000);
	printf("cap 50 alone: %lld of 2000 ms\n", (long long)ran[0]);
	ck_assert_int_ge(ran[0], 990);
	ck_assert_int_le(ran[0], 1010);
}
END_TEST

START_TEST(test_cap_with_competitor)
{
	setup_cpus(1);
	sched_group_init(&grp[0], 256, 20);
	unit[0].group = &grp[0];
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	reset_counts();
	run_ticks(1, 0, 2000);
	printf("cap 20 vs uncapped: %lld:%lld ms\n", (long long)ran[0], (long long)ran[1]);
	ck_assert_int_ge(ran[0], 390);
	ck_assert_int_le(ran[0], 410);
	ck_assert_int_eq(ran[0] + ran[1], 2000);	/* the rest goes to the other, none idles */
}
END_TEST

/* Cap 150 on two CPUs: a two-vCPU domain gets one and a half CPUs. */
START_TEST(test_cap_above_one_cpu)
{
	setup_cpus(2);
	sched_group_init(&grp[0], 256, 150);
	unit[0].group = unit[1].group = &grp[0];
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	reset_counts();
	run_ticks(2, 0, 2000);
	printf("cap 150, 2 vCPUs on 2 CPUs: %lld+%lld ms\n", (long long)ran[0], (long long)ran[1]);
	ck_assert_int_ge(ran[0] + ran[1], 2940);
	ck_assert_int_le(ran[0] + ran[1], 3060);
}
END_TEST

START_TEST(test_affinity)
{
	unit[0].affinity = 1ULL << 2;
	sched_wake(&pol, &unit[0]);
	ck_assert_int_eq(unit[0].cpu, 2);
	ck_assert_ptr_null(pick(0, 0));			/* idle CPU 0 may not take it */
	ck_assert_ptr_null(pick(1, 0));
	ck_assert_ptr_eq(pick(2, 0), &unit[0]);
	/* Two pinned to CPU 1, one free unit: the free one runs elsewhere and the two share CPU 1. */
	setup_cpus(3);
	unit[0].affinity = unit[1].affinity = 1ULL << 1;
	for (int i = 0; i < 3; i++)
		sched_wake(&pol, &unit[i]);
	reset_counts();
	run_ticks(3, 0, 1000);
	ck_assert(cpu_of[0] == 2 && cpu_of[1] == 2);
	ck_assert(!(cpu_of[2] & 2) || ran[2] < 50);
	ck_assert_int_ge(ran[0], 490);
	ck_assert_int_le(ran[0], 510);
	ck_assert_int_ge(ran[2], 990);
	/* A mask naming no online CPU means every CPU. */
	setup_cpus(1);
	unit[0].affinity = 1ULL << 5;
	sched_wake(&pol, &unit[0]);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
}
END_TEST

/* Three CPU-bound units on two CPUs: load balancing gives each two thirds of a CPU. */
START_TEST(test_balance)
{
	setup_cpus(2);
	for (int i = 0; i < 3; i++)
		sched_wake(&pol, &unit[i]);
	reset_counts();
	run_ticks(2, 0, 3000);
	printf("3 units on 2 CPUs: %lld %lld %lld ms, %llu migrations\n", (long long)ran[0], (long long)ran[1],
	       (long long)ran[2], (unsigned long long)pol.migrations);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_ge(ran[i], 1900);
		ck_assert_int_le(ran[i], 2100);
	}
	ck_assert_uint_gt(pol.migrations, 0);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_sparse_cpus);
	tcase_add_test(tc, test_wake_spreads_over_idle_cpus);
	tcase_add_test(tc, test_wake_prefers_last_cpu);
	tcase_add_test(tc, test_siblings_kept_apart);
	tcase_add_test(tc, test_pick_idle_cpu);
	tcase_add_test(tc, test_idle_cpu_takes_remote_work);
	tcase_add_test(tc, test_sleep_and_wake_while_running);
	tcase_add_test(tc, test_sleep_queued_unit);
	tcase_add_test(tc, test_rotation_one_cpu);
	tcase_add_test(tc, test_yield_goes_behind_waiters);
	tcase_add_test(tc, test_wake_earns_no_credit);
	tcase_add_test(tc, test_overrun_not_repaid_in_one_run);
	tcase_add_test(tc, test_clock_going_backwards_not_charged);
	tcase_add_test(tc, test_confused_prev_ignored);
	tcase_add_test(tc, test_weights_one_cpu);
	tcase_add_test(tc, test_weight_split_among_vcpus);
	tcase_add_test(tc, test_cap_alone);
	tcase_add_test(tc, test_cap_with_competitor);
	tcase_add_test(tc, test_cap_above_one_cpu);
	tcase_add_test(tc, test_affinity);
	tcase_add_test(tc, test_balance);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sched_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

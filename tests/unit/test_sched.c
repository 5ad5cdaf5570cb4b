/* Unit tests of the scheduler policy (hv/common/sched_policy.c): each call and each edge case on a handful of units. */
#include <check.h>
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
static int owner_tag[NR_UNITS];

static void setup(void)
{
	sched_policy_init(&pol);
	for (int i = 0; i < NR_UNITS; i++) {
		sched_unit_init(&unit[i], &owner_tag[i]);
		units[i] = &unit[i];
	}
	for (int c = 0; c < NR_CPUS; c++)
		cur[c] = NULL;
}

/* Audits the whole state; cur[] must have been kept up to date by the test. */
static void audit(bool running_must_be_runnable)
{
	const char *why = sched_audit(&pol, units, NR_UNITS, cur, NR_CPUS, running_must_be_runnable);

	ck_assert_msg(why == NULL, "invariant broken: %s", why);
}

/* Picks on cpu with whatever it runs now as prev, and records the result. */
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

/* The queue from head to tail, as unit indices. */
static void expect_queue(int n, const int *want)
{
	const struct sched_unit *u = pol.head;

	for (int i = 0; i < n; i++, u = u->next) {
		ck_assert_msg(u != NULL, "queue shorter than %d", n);
		ck_assert_msg(u == &unit[want[i]], "queue[%d] is unit %d, want %d", i, (int)(u - unit), want[i]);
	}
	ck_assert_ptr_null(u);
	ck_assert_uint_eq(pol.nr_queued, n);
}

START_TEST(test_init)
{
	ck_assert_ptr_null(pol.head);
	ck_assert_ptr_null(pol.tail);
	ck_assert_uint_eq(pol.nr_queued, 0);
	ck_assert_uint_eq(pol.switches, 0);
	ck_assert(!unit[2].queued && !unit[2].running && !unit[2].runnable);
	ck_assert_int_eq(unit[2].cpu, -1);
	ck_assert_int_eq(unit[2].runtime, 0);
	ck_assert_uint_eq(unit[2].weight, 256);
	ck_assert_uint_eq(unit[2].cap, 0);
	ck_assert_ptr_eq(unit[2].owner, &owner_tag[2]);
	ck_assert(!sched_slice_expired(&pol, NULL, 0));
	audit(true);
}
END_TEST

START_TEST(test_wake_queues_once)
{
	ck_assert(sched_wake(&pol, &unit[0]));
	ck_assert(unit[0].runnable && unit[0].queued && !unit[0].running);
	ck_assert(!sched_wake(&pol, &unit[0]));
	expect_queue(1, (int[]){ 0 });
	ck_assert(sched_wake(&pol, &unit[1]));
	expect_queue(2, (int[]){ 0, 1 });
	audit(true);
}
END_TEST

START_TEST(test_pick_idle_cpu)
{
	ck_assert_ptr_null(pick(0, 5 * MS));
	ck_assert_uint_eq(pol.switches, 0);

	sched_wake(&pol, &unit[3]);
	ck_assert_ptr_eq(pick(1, 7 * MS), &unit[3]);
	ck_assert(unit[3].running && !unit[3].queued && unit[3].runnable);
	ck_assert_int_eq(unit[3].cpu, 1);
	ck_assert_int_eq(unit[3].slice_start, 7 * MS);
	ck_assert_int_eq(unit[3].runtime, 0);
	ck_assert_uint_eq(pol.switches, 1);
	expect_queue(0, NULL);
	audit(true);
}
END_TEST

START_TEST(test_fifo_across_cpus)
{
	for (int i = 0; i < NR_UNITS; i++)
		sched_wake(&pol, &unit[i]);
	ck_assert_ptr_eq(pick(0, 0), &unit[0]);
	ck_assert_ptr_eq(pick(1, 0), &unit[1]);
	ck_assert_ptr_eq(pick(2, 0), &unit[2]);
	expect_queue(2, (int[]){ 3, 4 });
	audit(true);
	/* CPU 1 rotates first: its unit goes behind the two waiting ones. */
	ck_assert_ptr_eq(pick(1, 10 * MS), &unit[3]);
	expect_queue(2, (int[]){ 4, 1 });
	ck_assert_ptr_eq(pick(0, 10 * MS), &unit[4]);
	ck_assert_ptr_eq(pick(2, 10 * MS), &unit[1]);
	expect_queue(2, (int[]){ 0, 2 });
	ck_assert_uint_eq(pol.switches, 6);
	audit(true);
}
END_TEST

START_TEST(test_wake_running_not_queued)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	ck_assert(!sched_wake(&pol, &unit[0]));
	ck_assert(unit[0].running && unit[0].runnable && !unit[0].queued);
	expect_queue(0, NULL);
	audit(true);
}
END_TEST

START_TEST(test_sleep_queued_head_middle_tail)
{
	for (int i = 0; i < NR_UNITS; i++)
		sched_wake(&pol, &unit[i]);
	sched_sleep(&pol, &unit[2]);
	expect_queue(4, (int[]){ 0, 1, 3, 4 });
	sched_sleep(&pol, &unit[0]);
	expect_queue(3, (int[]){ 1, 3, 4 });
	sched_sleep(&pol, &unit[4]);
	expect_queue(2, (int[]){ 1, 3 });
	ck_assert_ptr_eq(pol.tail, &unit[3]);
	ck_assert(!unit[4].runnable && !unit[4].queued);
	audit(true);
	/* The tail must be usable after removing the old tail. */
	ck_assert(sched_wake(&pol, &unit[4]));
	expect_queue(3, (int[]){ 1, 3, 4 });
	sched_sleep(&pol, &unit[1]);
	sched_sleep(&pol, &unit[3]);
	sched_sleep(&pol, &unit[4]);
	expect_queue(0, NULL);
	ck_assert_ptr_null(pol.tail);
	ck_assert_ptr_null(pick(0, 0));
	audit(true);
}
END_TEST

START_TEST(test_sleep_idle_unit_is_harmless)
{
	sched_sleep(&pol, &unit[1]);
	ck_assert(!unit[1].runnable && !unit[1].queued && !unit[1].running);
	sched_wake(&pol, &unit[0]);
	sched_sleep(&pol, &unit[1]);
	expect_queue(1, (int[]){ 0 });
	audit(true);
}
END_TEST

START_TEST(test_sleep_running_leaves_cpu)
{
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	pick(0, 0);
	sched_sleep(&pol, &unit[0]);
	ck_assert(unit[0].running && !unit[0].runnable && !unit[0].queued);
	expect_queue(1, (int[]){ 1 });
	audit(false);
	ck_assert(sched_slice_expired(&pol, &unit[0], 1 * MS));
	ck_assert_ptr_eq(pick(0, 3 * MS), &unit[1]);
	ck_assert(!unit[0].running && !unit[0].queued);
	ck_assert_int_eq(unit[0].runtime, 3 * MS);
	expect_queue(0, NULL);
	audit(true);
}
END_TEST

START_TEST(test_sleep_running_empty_queue_goes_idle)
{
	sched_wake(&pol, &unit[0]);
	pick(2, 0);
	sched_sleep(&pol, &unit[0]);
	ck_assert_ptr_null(pick(2, 4 * MS));
	ck_assert(!unit[0].running);
	ck_assert_int_eq(unit[0].runtime, 4 * MS);
	ck_assert_uint_eq(pol.switches, 2);
	audit(true);
	/* Woken later, it is queued again and an idle CPU's tick notices. */
	ck_assert(sched_wake(&pol, &unit[0]));
	ck_assert(sched_slice_expired(&pol, NULL, 5 * MS));
	ck_assert_ptr_eq(pick(1, 5 * MS), &unit[0]);
	ck_assert_int_eq(unit[0].cpu, 1);
	audit(true);
}
END_TEST

START_TEST(test_wake_after_sleep_while_running_keeps_cpu)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	sched_sleep(&pol, &unit[0]);
	ck_assert(sched_wake(&pol, &unit[0]));	/* it was blocked, so this is a real wake */
	ck_assert(unit[0].running && unit[0].runnable && !unit[0].queued);
	expect_queue(0, NULL);
	ck_assert_ptr_eq(pick(0, 2 * MS), &unit[0]);
	ck_assert(unit[0].running && !unit[0].queued);
	ck_assert_int_eq(unit[0].slice_start, 2 * MS);
	ck_assert_uint_eq(pol.switches, 1);
	audit(true);
}
END_TEST

START_TEST(test_wake_after_sleep_while_running_requeued_once)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	sched_wake(&pol, &unit[1]);
	sched_sleep(&pol, &unit[0]);
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[0]);
	expect_queue(1, (int[]){ 1 });
	ck_assert_ptr_eq(pick(0, 1 * MS), &unit[1]);
	expect_queue(1, (int[]){ 0 });
	ck_assert(!unit[0].running && unit[0].queued);
	audit(true);
}
END_TEST

START_TEST(test_pick_keeps_prev_when_alone)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 1 * MS);
	ck_assert_ptr_eq(pick(0, 11 * MS), &unit[0]);
	ck_assert_int_eq(unit[0].runtime, 10 * MS);
	ck_assert_int_eq(unit[0].slice_start, 11 * MS);
	ck_assert(unit[0].running && !unit[0].queued);
	ck_assert_uint_eq(pol.switches, 1);
	audit(true);
}
END_TEST

START_TEST(test_pick_rotates_prev_to_tail)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	sched_wake(&pol, &unit[1]);
	sched_wake(&pol, &unit[2]);
	ck_assert_ptr_eq(pick(0, 10 * MS), &unit[1]);
	expect_queue(2, (int[]){ 2, 0 });
	ck_assert(!unit[0].running && unit[0].queued);
	ck_assert_int_eq(unit[0].runtime, 10 * MS);
	ck_assert_int_eq(unit[1].slice_start, 10 * MS);
	audit(true);
}
END_TEST

START_TEST(test_yield_alone_keeps_cpu)
{
	sched_wake(&pol, &unit[0]);
	pick(1, 0);
	ck_assert_ptr_eq(yield(1, 3 * MS), &unit[0]);
	ck_assert_int_eq(unit[0].slice_start, 3 * MS);
	ck_assert_int_eq(unit[0].runtime, 3 * MS);
	ck_assert_uint_eq(pol.switches, 1);
	audit(true);
}
END_TEST

START_TEST(test_yield_goes_behind_waiters)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 0);
	sched_wake(&pol, &unit[1]);
	sched_wake(&pol, &unit[2]);
	ck_assert_ptr_eq(yield(0, 1 * MS), &unit[1]);
	expect_queue(2, (int[]){ 2, 0 });
	ck_assert_ptr_eq(yield(0, 2 * MS), &unit[2]);
	expect_queue(2, (int[]){ 0, 1 });
	ck_assert_uint_eq(pol.switches, 3);
	audit(true);
}
END_TEST

START_TEST(test_yield_from_idle_and_after_sleep)
{
	ck_assert_ptr_null(yield(0, 0));
	sched_wake(&pol, &unit[0]);
	ck_assert_ptr_eq(yield(0, 1 * MS), &unit[0]);
	sched_sleep(&pol, &unit[0]);
	ck_assert_ptr_null(yield(0, 2 * MS));
	ck_assert(!unit[0].running && !unit[0].queued);
	audit(true);
}
END_TEST

START_TEST(test_slice_expired)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 100 * MS);
	/* Nobody waiting: never worth preempting, however long it ran. */
	ck_assert(!sched_slice_expired(&pol, &unit[0], 100 * MS + 10 * SCHED_SLICE_NS));
	sched_wake(&pol, &unit[1]);
	ck_assert(!sched_slice_expired(&pol, &unit[0], 100 * MS));
	ck_assert(!sched_slice_expired(&pol, &unit[0], 100 * MS + SCHED_SLICE_NS - 1));
	ck_assert(sched_slice_expired(&pol, &unit[0], 100 * MS + SCHED_SLICE_NS));
	ck_assert(sched_slice_expired(&pol, NULL, 0));
	/* A new slice restarts the count. */
	pick(0, 100 * MS + SCHED_SLICE_NS);
	sched_wake(&pol, &unit[2]);
	ck_assert(!sched_slice_expired(&pol, &unit[1], 100 * MS + SCHED_SLICE_NS + 1));
	audit(true);
}
END_TEST

START_TEST(test_runtime_accumulates_across_slices)
{
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	pick(0, 0);		/* 0 runs */
	pick(1, 0);		/* 1 runs */
	sched_wake(&pol, &unit[2]);
	pick(0, 3 * MS);	/* 0 ran 3 ms, 2 runs on CPU 0 */
	pick(1, 10 * MS);	/* 1 ran 10 ms, 0 runs on CPU 1 */
	pick(1, 14 * MS);	/* 0 ran 4 ms more */
	ck_assert_int_eq(unit[0].runtime, 7 * MS);
	ck_assert_int_eq(unit[1].runtime, 10 * MS);
	ck_assert_int_eq(unit[2].runtime, 0);
	ck_assert_int_eq(unit[1].cpu, 1);
	audit(true);
}
END_TEST

START_TEST(test_clock_going_backwards_not_charged)
{
	sched_wake(&pol, &unit[0]);
	pick(0, 50 * MS);
	ck_assert_ptr_eq(pick(0, 49 * MS), &unit[0]);
	ck_assert_int_eq(unit[0].runtime, 0);
	ck_assert_int_eq(unit[0].slice_start, 49 * MS);
}
END_TEST

START_TEST(test_confused_prev_ignored)
{
	sched_wake(&pol, &unit[0]);
	sched_wake(&pol, &unit[1]);
	sched_wake(&pol, &unit[2]);
	pick(0, 0);
	/* CPU 1 claims to have been running unit 0 (runs on CPU 0) and unit 2 (queued). */
	ck_assert_ptr_eq(sched_pick(&pol, 1, &unit[0], 1 * MS), &unit[1]);
	cur[1] = &unit[1];
	ck_assert(unit[0].running && unit[0].cpu == 0 && !unit[0].queued);
	ck_assert_int_eq(unit[0].runtime, 0);
	audit(true);
	ck_assert_ptr_eq(sched_pick(&pol, 2, &unit[2], 1 * MS), &unit[2]);
	cur[2] = &unit[2];
	expect_queue(0, NULL);
	audit(true);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("sched_policy");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_wake_queues_once);
	tcase_add_test(tc, test_pick_idle_cpu);
	tcase_add_test(tc, test_fifo_across_cpus);
	tcase_add_test(tc, test_wake_running_not_queued);
	tcase_add_test(tc, test_sleep_queued_head_middle_tail);
	tcase_add_test(tc, test_sleep_idle_unit_is_harmless);
	tcase_add_test(tc, test_sleep_running_leaves_cpu);
	tcase_add_test(tc, test_sleep_running_empty_queue_goes_idle);
	tcase_add_test(tc, test_wake_after_sleep_while_running_keeps_cpu);
	tcase_add_test(tc, test_wake_after_sleep_while_running_requeued_once);
	tcase_add_test(tc, test_pick_keeps_prev_when_alone);
	tcase_add_test(tc, test_pick_rotates_prev_to_tail);
	tcase_add_test(tc, test_yield_alone_keeps_cpu);
	tcase_add_test(tc, test_yield_goes_behind_waiters);
	tcase_add_test(tc, test_yield_from_idle_and_after_sleep);
	tcase_add_test(tc, test_slice_expired);
	tcase_add_test(tc, test_runtime_accumulates_across_slices);
	tcase_add_test(tc, test_clock_going_backwards_not_charged);
	tcase_add_test(tc, test_confused_prev_ignored);
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

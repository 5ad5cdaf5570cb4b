/* SPDX-License-Identifier: MIT */
/* Unit tests of the per-CPU timer queues (hv/common/timer.c): order, re-arming, stop, migration, kill, hardware arming, and a model check. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <hv/timer.h>

#define US		1000LL
#define MS		1000000LL
#define NR_CPUS		4
#define SLOP		(50 * US)

/* The fake machine: which CPU "runs" this code, its clock, what each CPU's hardware was armed for, and kicks. */
static __thread unsigned int this_cpu_id;
static s_time_t fake_now;
static s_time_t armed[NR_CPUS];
static unsigned int kicks[NR_CPUS];

void timer_arch_program(s_time_t deadline)
{
	armed[this_cpu_id] = deadline;
}

void timer_arch_kick(unsigned int cpu)
{
	ck_assert_uint_lt(cpu, NR_CPUS);
	__atomic_fetch_add(&kicks[cpu], 1, __ATOMIC_RELAXED);
}

unsigned int timer_arch_cpu(void)
{
	return this_cpu_id;
}

s_time_t timer_arch_now(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_RELAXED);
}

/* The code's own invariant checks (BUG_ON) end the test with SIGABRT. */
void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}

START_TEST(test_bad_cpu_panics)
{
	struct timer t;

	timer_init(&t, NULL, NULL, TIMER_MAX_CPUS);
}
END_TEST

/* Each callback appends its tag and the CPU it ran on. */
#define LOG_MAX		256
static int fired[LOG_MAX];
static unsigned int fired_cpu[LOG_MAX];
static int nr_fired;

struct tagged {
	struct timer t;
	int tag;
	s_time_t rearm;		/* > 0: the callback re-arms itself this far past its deadline */
	struct timer *stop;	/* stopped by the callback */
};

static void record(void *data)
{
	struct tagged *x = data;

	ck_assert_int_lt(nr_fired, LOG_MAX);
	fired_cpu[nr_fired] = this_cpu_id;
	fired[nr_fired++] = x->tag;
	if (x->rearm)
		timer_set(&x->t, x->t.expires + x->rearm);
	if (x->stop)
		timer_stop(x->stop);
}

static struct tagged tm[8];

static void setup(void)
{
	timer_subsys_init();
	this_cpu_id = 0;
	fake_now = 0;
	nr_fired = 0;
	for (int c = 0; c < NR_CPUS; c++) {
		armed[c] = TIMER_NEVER;
		kicks[c] = 0;
	}
	for (int i = 0; i < 8; i++) {
		tm[i] = (struct tagged){ .tag = i };
		timer_init(&tm[i].t, record, &tm[i], 0);
	}
}

static void run_on(unsigned int cpu, s_time_t now)
{
	unsigned int saved = this_cpu_id;

	this_cpu_id = cpu;
	fake_now = now;
	timer_run();
	this_cpu_id = saved;
}

static void expect_fired(int n, const int *tags)
{
	ck_assert_int_eq(nr_fired, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(fired[i] == tags[i], "fired[%d] = %d, want %d", i, fired[i], tags[i]);
}

START_TEST(test_order_and_arming)
{
	timer_set(&tm[3].t, 30 * MS);
	ck_assert_int_eq(armed[0], 30 * MS);
	timer_set(&tm[1].t, 10 * MS);
	ck_assert_int_eq(armed[0], 10 * MS);	/* a new head re-arms the hardware */
	timer_set(&tm[2].t, 20 * MS);
	ck_assert_int_eq(armed[0], 10 * MS);	/* not the head: left alone */
	run_on(0, 5 * MS);
	expect_fired(0, NULL);
	ck_assert_int_eq(armed[0], 10 * MS);
	run_on(0, 15 * MS);
	expect_fired(1, (int[]){ 1 });
	ck_assert_int_eq(armed[0], 20 * MS);
	ck_assert(!timer_is_active(&tm[1].t) && timer_is_active(&tm[2].t));
	run_on(0, 100 * MS);
	expect_fired(3, (int[]){ 1, 2, 3 });
	ck_assert_int_eq(armed[0], TIMER_NEVER);
	ck_assert_int_eq(timer_next_deadline(0), TIMER_NEVER);
}
END_TEST

START_TEST(test_ties_in_arming_order)
{
	timer_set(&tm[4].t, 10 * MS);
	timer_set(&tm[2].t, 10 * MS);
	timer_set(&tm[6].t, 10 * MS);
	run_on(0, 10 * MS);
	expect_fired(3, (int[]){ 4, 2, 6 });
}
END_TEST

START_TEST(test_slop)
{
	timer_set(&tm[1].t, 10 * MS + 40 * US);
	timer_set(&tm[2].t, 10 * MS + 60 * US);
	run_on(0, 10 * MS);
	expect_fired(1, (int[]){ 1 });	/* within the slop: runs now rather than a second interrupt later */
	ck_assert_int_eq(armed[0], 10 * MS + 60 * US);
}
END_TEST

START_TEST(test_reset_and_stop)
{
	timer_set(&tm[1].t, 10 * MS);
	timer_set(&tm[2].t, 20 * MS);
	timer_set(&tm[1].t, 30 * MS);		/* moved later: 2 is the head now */
	ck_assert_int_eq(timer_expires(&tm[1].t), 30 * MS);
	ck_assert_int_eq(timer_next_deadline(0), 20 * MS);
	timer_set(&tm[2].t, 5 * MS);
	ck_assert_int_eq(armed[0], 5 * MS);
	timer_stop(&tm[2].t);
	ck_assert_int_eq(timer_expires(&tm[2].t), TIMER_NEVER);
	timer_stop(&tm[2].t);			/* twice is harmless */
	run_on(0, 25 * MS);
	expect_fired(0, NULL);			/* the early interrupt finds nothing and re-arms */
	ck_assert_int_eq(armed[0], 30 * MS);
	run_on(0, 30 * MS);
	expect_fired(1, (int[]){ 1 });
}
END_TEST

START_TEST(test_remote_set_kicks_only_for_new_head)
{
	timer_migrate(&tm[1].t, 1);
	timer_migrate(&tm[2].t, 1);
	timer_set(&tm[1].t, 10 * MS);
	ck_assert_uint_eq(kicks[1], 1);
	ck_assert_int_eq(armed[0], TIMER_NEVER);	/* CPU 0 never arms CPU 1's hardware */
	timer_set(&tm[2].t, 20 * MS);
	ck_assert_uint_eq(kicks[1], 1);		/* later than the head: CPU 1 is armed early enough */
	run_on(0, 50 * MS);
	expect_fired(0, NULL);			/* not CPU 0's */
	run_on(1, 50 * MS);
	expect_fired(2, (int[]){ 1, 2 });
	ck_assert_uint_eq(fired_cpu[0], 1);
	ck_assert_uint_eq(fired_cpu[1], 1);
}
END_TEST

START_TEST(test_migrate_armed)
{
	timer_set(&tm[1].t, 10 * MS);
	timer_set(&tm[2].t, 20 * MS);
	timer_migrate(&tm[1].t, 2);
	ck_assert_uint_eq(kicks[2], 1);
	ck_assert_int_eq(timer_next_deadline(0), 20 * MS);
	ck_assert_int_eq(timer_next_deadline(2), 10 * MS);
	ck_assert_int_eq(timer_expires(&tm[1].t), 10 * MS);
	timer_migrate(&tm[1].t, 2);		/* already there: nothing */
	ck_assert_uint_eq(kicks[2], 1);
	run_on(0, 15 * MS);
	expect_fired(0, NULL);
	run_on(2, 15 * MS);
	expect_fired(1, (int[]){ 1 });
	/* Migrating to this CPU arms this CPU's hardware, without a kick. */
	this_cpu_id = 3;
	timer_migrate(&tm[2].t, 3);
	ck_assert_int_eq(armed[3], 20 * MS);
	ck_assert_uint_eq(kicks[3], 0);
}
END_TEST

START_TEST(test_callback_rearms_bounded)
{
	tm[1].rearm = 1 * MS;
	timer_set(&tm[1].t, 10 * MS);
	run_on(0, 100 * MS);
	/* Re-armed for 11 ms, already past: not run again in this interrupt, but the hardware fires at once. */
	expect_fired(1, (int[]){ 1 });
	ck_assert_int_eq(armed[0], 11 * MS);
	run_on(0, 100 * MS);
	expect_fired(2, (int[]){ 1, 1 });
	tm[1].rearm = 0;
}
END_TEST

START_TEST(test_callback_stops_other)
{
	tm[1].stop = &tm[2].t;
	timer_set(&tm[1].t, 10 * MS);
	timer_set(&tm[2].t, 10 * MS);
	run_on(0, 10 * MS);
	expect_fired(1, (int[]){ 1 });
	ck_assert(!timer_is_active(&tm[2].t));
}
END_TEST

START_TEST(test_kill)
{
	timer_set(&tm[1].t, 10 * MS);
	timer_kill(&tm[1].t);
	ck_assert(!timer_is_active(&tm[1].t));
	ck_assert(!timer_set(&tm[1].t, 20 * MS));
	run_on(0, 50 * MS);
	expect_fired(0, NULL);
}
END_TEST

/*
 * Model check: random set / stop / migrate / run on 4 CPUs against a plain
 * model (each timer: cpu, armed, expires, arming sequence). Every run must
 * fire exactly the model's due timers of that CPU in (expires, sequence)
 * order, and leave the CPU armed for its earliest remaining deadline.
 */
#define MODEL_TIMERS	8
static struct {
	unsigned int cpu;
	bool armed;
	s_time_t expires;
	unsigned long seq;
} model[MODEL_TIMERS];

START_TEST(test_model)
{
	unsigned int seed = 12345 + (unsigned int)_i;
	unsigned long seq = 0;
	s_time_t now = 0;
	unsigned int last_run_kicks[NR_CPUS] = { 0 };

	for (int i = 0; i < MODEL_TIMERS; i++)
		model[i] = (typeof(model[i])){ .cpu = 0 };
	for (int step = 0; step < 20000; step++) {
		int i = rand_r(&seed) % MODEL_TIMERS, op = rand_r(&seed) % 10;
		unsigned int cpu = (unsigned int)(rand_r(&seed) % NR_CPUS);

		this_cpu_id = (unsigned int)(rand_r(&seed) % NR_CPUS);
		if (op < 4) {
			s_time_t e = now + (rand_r(&seed) % 20) * MS - 2 * MS;

			timer_set(&tm[i].t, e);
			model[i].armed = true;
			model[i].expires = e;
			model[i].seq = ++seq;
		} else if (op < 5) {
			timer_stop(&tm[i].t);
			model[i].armed = false;
		} else if (op < 7) {
			timer_migrate(&tm[i].t, cpu);
			if (model[i].cpu != cpu && model[i].armed)
				model[i].seq = ++seq;	/* it joins the new queue behind its equals */
			model[i].cpu = cpu;
		} else {
			int want[MODEL_TIMERS], n = 0;

			now += (rand_r(&seed) % 8) * MS;
			for (;;) {
				int best = -1;

				for (int j = 0; j < MODEL_TIMERS; j++) {
					bool taken = false;

					for (int k = 0; k < n; k++)
						taken |= want[k] == j;
					if (taken || !model[j].armed || model[j].cpu != cpu || model[j].expires > now + SLOP)
						continue;
					if (best < 0 || model[j].expires < model[best].expires ||
					    (model[j].expires == model[best].expires && model[j].seq < model[best].seq))
						best = j;
				}
				if (best < 0)
					break;
				want[n++] = best;
				model[best].armed = false;
			}
			nr_fired = 0;
			run_on(cpu, now);
			last_run_kicks[cpu] = kicks[cpu];
			expect_fired(n, want);
			{
				s_time_t next = TIMER_NEVER;

				for (int j = 0; j < MODEL_TIMERS; j++)
					if (model[j].armed && model[j].cpu == cpu && model[j].expires < next)
						next = model[j].expires;
				ck_assert_int_eq(armed[cpu], next);
				ck_assert_int_eq(timer_next_deadline(cpu), next);
			}
		}
		/* No CPU is armed later than its earliest timer unless it has been kicked since it last ran them. */
		for (unsigned int c = 0; c < NR_CPUS; c++)
			ck_assert_msg(armed[c] <= timer_next_deadline(c) || kicks[c] != last_run_kicks[c],
				      "step %d: cpu %u armed for %ld, earliest timer %ld, not kicked", step, c,
				      (long)armed[c], (long)timer_next_deadline(c));
		for (int j = 0; j < MODEL_TIMERS; j++) {
			ck_assert_int_eq(timer_is_active(&tm[j].t), model[j].armed);
			ck_assert_int_eq(timer_expires(&tm[j].t), model[j].armed ? model[j].expires : TIMER_NEVER);
		}
	}
}
END_TEST

/*
 * Threads as CPUs: each runs its own queue while the others set, stop and
 * migrate the shared timers; then timer_kill must return only when no
 * callback of the timer runs anywhere, and no killed timer fires again.
 */
static volatile bool stress_stop;
static volatile int in_callback[MODEL_TIMERS];
static volatile bool killed_flag[MODEL_TIMERS];
static volatile int fired_after_kill;

static void stress_cb(void *data)
{
	struct tagged *x = data;

	__atomic_fetch_add(&in_callback[x->tag], 1, __ATOMIC_SEQ_CST);
	if (killed_flag[x->tag])
		__atomic_fetch_add(&fired_after_kill, 1, __ATOMIC_SEQ_CST);
	for (volatile int spin = 0; spin < 200; spin++)
		;
	__atomic_fetch_sub(&in_callback[x->tag], 1, __ATOMIC_SEQ_CST);
}

static void *stress_cpu(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 7919;

	this_cpu_id = (unsigned int)(uintptr_t)arg;
	while (!stress_stop) {
		int i = rand_r(&seed) % MODEL_TIMERS;

		switch (rand_r(&seed) % 4) {
		case 0:
			timer_set(&tm[i].t, timer_arch_now() + rand_r(&seed) % 3);
			break;
		case 1:
			timer_migrate(&tm[i].t, (unsigned int)(rand_r(&seed) % NR_CPUS));
			break;
		case 2:
			timer_stop(&tm[i].t);
			break;
		default:
			__atomic_fetch_add(&fake_now, 1, __ATOMIC_RELAXED);
			timer_run();
		}
	}
	return NULL;
}

START_TEST(test_threads_kill)
{
	pthread_t th[NR_CPUS];

	for (int i = 0; i < MODEL_TIMERS; i++)
		timer_init(&tm[i].t, stress_cb, &tm[i], 0);
	stress_stop = false;
	for (uintptr_t c = 0; c < NR_CPUS; c++)
		ck_assert_int_eq(pthread_create(&th[c], NULL, stress_cpu, (void *)c), 0);
	for (volatile long spin = 0; spin < 20000000; spin++)
		;
	for (int i = 0; i < MODEL_TIMERS; i++) {
		timer_kill(&tm[i].t);
		ck_assert_int_eq(in_callback[i], 0);	/* kill waited for a running callback */
		killed_flag[i] = true;
	}
	for (volatile long spin = 0; spin < 2000000; spin++)
		;
	stress_stop = true;
	for (int c = 0; c < NR_CPUS; c++)
		pthread_join(th[c], NULL);
	ck_assert_int_eq(fired_after_kill, 0);
	for (int c = 0; c < NR_CPUS; c++)
		ck_assert_int_eq(timer_next_deadline((unsigned int)c), TIMER_NEVER);
}
END_TEST

static Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("queue");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_order_and_arming);
	tcase_add_test(tc, test_ties_in_arming_order);
	tcase_add_test(tc, test_slop);
	tcase_add_test(tc, test_reset_and_stop);
	tcase_add_test(tc, test_remote_set_kicks_only_for_new_head);
	tcase_add_test(tc, test_migrate_armed);
	tcase_add_test(tc, test_callback_rearms_bounded);
	tcase_add_test(tc, test_callback_stops_other);
	tcase_add_test(tc, test_kill);
	tcase_add_loop_test(tc, test_model, 0, 4);
	tcase_add_test(tc, test_threads_kill);
	suite_add_tcase(s, tc);
	tc = tcase_create("invariants");
	tcase_add_test_raise_signal(tc, test_bad_cpu_panics, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(timer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/* Unit tests of the domain state machine (the full transition table, refusals that change nothing, concurrent changers) and of the per-domain heap charge. */
#include <check.h>
#include <pthread.h>
#include <hv/domain.h>
#include <pvabi/errno.h>

#define NR_STATES	(DOM_DYING + 1)

static const char *const names[NR_STATES] = { "created", "running", "paused", "shutdown", "dying" };

/* The table written out independently of the code: [from][to]. */
static const bool expect[NR_STATES][NR_STATES] = {
	[DOM_CREATED] = { [DOM_RUNNING] = true, [DOM_SHUTDOWN] = true, [DOM_DYING] = true },
	[DOM_RUNNING] = { [DOM_PAUSED] = true, [DOM_SHUTDOWN] = true, [DOM_DYING] = true },
	[DOM_PAUSED] = { [DOM_RUNNING] = true, [DOM_SHUTDOWN] = true, [DOM_DYING] = true },
	[DOM_SHUTDOWN] = { [DOM_DYING] = true },
	[DOM_DYING] = { 0 },
};

START_TEST(every_pair)
{
	struct domain d = { 0 };

	for (int from = 0; from < NR_STATES; from++) {
		for (int to = 0; to < NR_STATES; to++) {
			int rc;

			d.state = (enum domain_state)from;
			rc = domain_state_change(&d, (enum domain_state)to);
			ck_assert_msg(domain_state_allowed((enum domain_state)from, (enum domain_state)to) ==
				      expect[from][to], "allowed(%s -> %s)", names[from], names[to]);
			ck_assert_msg(rc == (expect[from][to] ? 0 : -XEN_EINVAL), "%s -> %s returned %d",
				      names[from], names[to], rc);
			ck_assert_int_eq(d.state, expect[from][to] ? to : from);
		}
	}
}
END_TEST

START_TEST(hole_3_sequence)
{
	struct domain d = { 0 };

	/* Remote shutdown while the builder works, then the builder's unpause: refused, still shut down. */
	ck_assert_int_eq(domain_state_change(&d, DOM_SHUTDOWN), 0);
	ck_assert_int_eq(domain_state_change(&d, DOM_RUNNING), -XEN_EINVAL);
	ck_assert_int_eq(domain_state_change(&d, DOM_SHUTDOWN), -XEN_EINVAL);
	ck_assert_int_eq(d.state, DOM_SHUTDOWN);
	ck_assert_int_eq(domain_state_change(&d, DOM_DYING), 0);
	ck_assert_int_eq(domain_state_change(&d, DOM_SHUTDOWN), -XEN_EINVAL);
	ck_assert_int_eq(domain_state_change(&d, DOM_RUNNING), -XEN_EINVAL);
	ck_assert_int_eq(d.state, DOM_DYING);
}
END_TEST

START_TEST(out_of_range)
{
	ck_assert(!domain_state_allowed((enum domain_state)7, DOM_RUNNING));
	ck_assert(!domain_state_allowed(DOM_CREATED, (enum domain_state)7));
	ck_assert(!domain_state_allowed((enum domain_state)-1, DOM_DYING));
}
END_TEST

/* A racing unpauser and pauser, one of which shuts the domain down once: the shutdown always wins and nothing moves the domain out of it. */
static struct domain race_d;
static int shutdowns_done;

static void *racer(void *arg)
{
	long who = (long)arg;

	for (int i = 0; i < 20000; i++) {
		if (who == 0 && i == 5000 && domain_state_change(&race_d, DOM_SHUTDOWN) == 0)
			__atomic_fetch_add(&shutdowns_done, 1, __ATOMIC_RELAXED);
		domain_state_change(&race_d, (who & 1) ? DOM_PAUSED : DOM_RUNNING);
	}
	return NULL;
}

START_TEST(concurrent)
{
	/* Two threads: ticket locks crawl when more threads than CPUs spin (the machine may have two). */
	pthread_t t[2];

	race_d = (struct domain){ 0 };
	race_d.lock = (spinlock_t)SPINLOCK_INIT;
	for (long i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer, (void *)i), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(shutdowns_done, 1);
	ck_assert_int_eq(race_d.state, DOM_SHUTDOWN);
}
END_TEST

START_TEST(heap_charge)
{
	struct domain d = { 0 };

	d.heap_max = 1000;
	ck_assert_int_eq(domain_heap_charge(&d, 600), 0);
	ck_assert_int_eq(domain_heap_charge(&d, 401), -XEN_ENOMEM);
	ck_assert_uint_eq(d.heap_charged, 600);
	ck_assert_int_eq(domain_heap_charge(&d, 400), 0);
	ck_assert_int_eq(domain_heap_charge(&d, 1), -XEN_ENOMEM);
	/* A request bigger than the whole cap, or one that would wrap, changes nothing. */
	ck_assert_int_eq(domain_heap_charge(&d, UINT64_MAX), -XEN_ENOMEM);
	ck_assert_uint_eq(d.heap_charged, 1000);
	domain_heap_uncharge(&d, 1000);
	ck_assert_uint_eq(d.heap_charged, 0);
	ck_assert_int_eq(domain_heap_charge(&d, 1001), -XEN_ENOMEM);
	ck_assert_uint_eq(d.heap_charged, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("domain_state");
	TCase *tc = tcase_create("core");
	SRunner *r;
	int failed;

	tcase_add_test(tc, every_pair);
	tcase_add_test(tc, hole_3_sequence);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, concurrent);
	tcase_add_test(tc, heap_charge);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}

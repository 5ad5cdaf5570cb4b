/* SPDX-License-Identifier: MIT */
/* Host tests of dom0's transmit rounds (backends/netback/nb_sched.c): the uplink is shared per vif, not per queue. */
#include <check.h>
#include <stdlib.h>
#include "nb_sched.h"

#define NQ	16

static unsigned int took[NQ], polls, stop_at = ~0u;
static unsigned int ring[NQ];	/* packets waiting in each queue's ring */

static int poll(void *arg, unsigned int q, unsigned int budget)
{
	unsigned int n = ring[q] < budget ? ring[q] : budget;

	(void)arg;
	if (polls++ == stop_at)
		return -1;
	ring[q] -= n;
	took[q] += n;
	return (int)n;
}

static void reset(void)
{
	for (unsigned int i = 0; i < NQ; i++)
		took[i] = 0, ring[i] = 1000;
	polls = 0;
	stop_at = ~0u;
}

/*
 * Vif 0 with four busy queues and vif 1 with one, contending for 40
 * pages: each vif gets 20 in every round, whatever the start. Counting
 * queues instead would give vif 0 32 and vif 1 8.
 */
START_TEST(test_share_per_vif)
{
	const unsigned int vif_of[NQ] = { 0, 0, 0, 0, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4 };
	const bool busy[NQ] = { true, true, true, true, true };

	for (unsigned int start = 0; start < NQ; start++) {
		reset();
		ck_assert_uint_eq(nb_sched_round(NQ, vif_of, busy, start, 40, 64, poll, NULL), 20);
		ck_assert_uint_eq(took[0] + took[1] + took[2] + took[3], 20);
		ck_assert_uint_eq(took[4], 20);
		for (unsigned int q = 0; q < 4; q++)
			ck_assert_uint_eq(took[q], 5);
		for (unsigned int q = 5; q < NQ; q++)
			ck_assert_uint_eq(took[q], 0);	/* not busy: not polled */
	}
}
END_TEST

/* Two queues of one vif and one of another, over many rounds with few pages: the totals stay even. */
START_TEST(test_share_few_pages)
{
	const unsigned int vif_of[NQ] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const bool busy[NQ] = { true, true, true };
	unsigned int a = 0, b = 0;

	reset();
	for (unsigned int r = 0; r < 300; r++) {
		unsigned int pages = r % 5;	/* 0..4 pages free */

		nb_sched_round(NQ, vif_of, busy, r % NQ, pages, 64, poll, NULL);
	}
	a = took[0] + took[1];
	b = took[2];
	ck_assert_uint_gt(a, 0);
	ck_assert_uint_gt(took[0], 0);
	ck_assert_uint_gt(took[1], 0);
	ck_assert_uint_le(a, b + b / 10);		/* the two-queue vif no more than about the other */
	ck_assert_uint_le(b, a + a / 10);
	/* No page free: nobody is served. */
	polls = 0;
	ck_assert_uint_eq(nb_sched_round(NQ, vif_of, busy, 0, 0, 64, poll, NULL), 0);
	ck_assert_uint_eq(polls, 0);
}
END_TEST

/* A queue that takes less leaves its vif's share unused by others; the round ends when asked; no uplink: full batches. */
START_TEST(test_round_edges)
{
	const unsigned int vif_of[NQ] = { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7 };
	const bool busy[NQ] = { true, true, true, false, true };
	const bool idle[NQ] = { false };

	reset();
	ck_assert_uint_eq(nb_sched_round(NQ, vif_of, idle, 0, 100, 64, poll, NULL), 0);
	ck_assert_uint_eq(polls, 0);
	ck_assert_uint_eq(nb_sched_round(NQ, vif_of, busy, 0, NB_SCHED_UNLIMITED, 64, poll, NULL), 64 * 64);
	ck_assert_uint_eq(took[0], 64);
	ck_assert_uint_eq(took[1], 64);
	ck_assert_uint_eq(took[2], 64);
	ck_assert_uint_eq(took[4], 64);
	reset();
	stop_at = 1;
	nb_sched_round(NQ, vif_of, busy, 0, 90, 64, poll, NULL);
	ck_assert_uint_eq(polls, 2);
	ck_assert_uint_eq(took[0], 15);
	ck_assert_uint_eq(took[1] + took[2] + took[4], 0);
	reset();
	ring[0] = 3;
	nb_sched_round(NQ, vif_of, busy, 0, 90, 64, poll, NULL);
	ck_assert_uint_eq(took[0], 3);
	ck_assert_uint_eq(took[1], 15);		/* its own half, not what queue 0 left */
	ck_assert_uint_eq(took[2], 30);
	ck_assert_uint_eq(took[4], 30);		/* vif 2's only busy queue */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nb_sched");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_share_per_vif);
	tcase_add_test(tc, test_share_few_pages);
	tcase_add_test(tc, test_round_edges);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

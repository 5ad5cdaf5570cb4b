/* SPDX-License-Identifier: MIT */
/* Host tests of dom0's learning switch (backends/switch/l2switch.c): what goes where, and what a hostile port can do. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "l2switch.h"

#define SEC	1000000000ULL

static struct l2sw sw;
static unsigned int got[L2SW_MAX_PORTS];	/* frames delivered per port */
static int port_id[L2SW_MAX_PORTS];

static void out(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	int p = *(int *)arg;

	ck_assert(len >= L2SW_MIN_FRAME && len <= (gso ? NET_GSO_MAX_LEN : L2SW_MAX_FRAME));
	(void)frame;
	got[p]++;
}

static void setup(unsigned int nports)
{
	l2sw_init(&sw, 0x1234567u);
	memset(got, 0, sizeof(got));
	for (unsigned int i = 0; i < nports; i++) {
		port_id[i] = (int)i;
		ck_assert_int_eq(l2sw_port_add(&sw, out, &port_id[i]), (int)i);
	}
}

static void mac_of(uint8_t *m, unsigned int station)
{
	m[0] = 0x00;
	m[1] = 0x16;
	m[2] = 0x3e;
	m[3] = (uint8_t)(station >> 16);
	m[4] = (uint8_t)(station >> 8);
	m[5] = (uint8_t)station;
}

/* A frame from station src to station dst (dst ~0u: broadcast) entering on port at time t. */
static void send(unsigned int port, unsigned int src, unsigned int dst, uint64_t t)
{
	uint8_t f[60] = { 0 };

	if (dst == ~0u)
		memset(f, 0xff, 6);
	else
		mac_of(f, dst);
	mac_of(f + 6, src);
	f[12] = 0x08;
	l2sw_input(&sw, port, f, sizeof(f), t);
}

static unsigned int total(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < L2SW_MAX_PORTS; i++)
		n += got[i];
	return n;
}

START_TEST(test_flood_then_learn)
{
	setup(4);
	send(0, 100, 200, 0);			/* 200 unknown: flooded to 1, 2, 3 */
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1] + got[2] + got[3], 3);
	ck_assert_int_eq(l2sw_lookup(&sw, (uint8_t[6]){ 0, 0x16, 0x3e, 0, 0, 100 }, 0), 0);
	memset(got, 0, sizeof(got));
	send(2, 200, 100, 1);			/* 100 is known on port 0: only there */
	ck_assert_uint_eq(got[0], 1);
	ck_assert_uint_eq(total(), 1);
	memset(got, 0, sizeof(got));
	send(0, 100, 200, 2);			/* and now 200 too */
	ck_assert_uint_eq(got[2], 1);
	ck_assert_uint_eq(total(), 1);
	memset(got, 0, sizeof(got));
	send(1, 300, ~0u, 3);			/* broadcast: every other port */
	ck_assert_uint_eq(got[1], 0);
	ck_assert_uint_eq(total(), 3);
	ck_assert_uint_eq(sw.ports[1].stats.flooded, 1);
}
END_TEST

START_TEST(test_same_port_filtered_and_moves)
{
	setup(3);
	send(0, 1, 2, 0);
	send(0, 2, 1, 0);			/* both behind port 0 */
	memset(got, 0, sizeof(got));
	send(0, 1, 2, 1);
	ck_assert_uint_eq(total(), 0);
	ck_assert_uint_eq(sw.ports[0].stats.filtered, 2);
	send(1, 2, 9, 2);			/* station 2 moved to port 1 */
	memset(got, 0, sizeof(got));
	send(0, 1, 2, 3);
	ck_assert_uint_eq(got[1], 1);
	ck_assert_uint_eq(total(), 1);
	ck_assert_uint_eq(sw.ports[0].learned, 1);
	ck_assert_uint_eq(sw.ports[1].learned, 1);
}
END_TEST

START_TEST(test_bad_frames)
{
	uint8_t f[60] = { 0 };

	setup(2);
	l2sw_input(&sw, 0, f, 13, 0);
	l2sw_input(&sw, 0, f, L2SW_MAX_FRAME + 1, 0);
	f[6] = 0x01;				/* a multicast source */
	l2sw_input(&sw, 0, f, 60, 0);
	l2sw_input(&sw, 7, f, 60, 0);		/* a port that does not exist */
	l2sw_input(&sw, L2SW_MAX_PORTS + 3, f, 60, 0);
	ck_assert_uint_eq(total(), 0);
	ck_assert_uint_eq(sw.ports[0].stats.rx_bad, 3);
	ck_assert_uint_eq(sw.ports[0].learned, 0);
}
END_TEST

START_TEST(test_ageing)
{
	uint8_t m[6];

	setup(2);
	send(0, 5, 6, 0);
	mac_of(m, 5);
	ck_assert_int_eq(l2sw_lookup(&sw, m, L2SW_AGE_NS - 1), 0);
	ck_assert_int_eq(l2sw_lookup(&sw, m, L2SW_AGE_NS), -1);	/* expired, even before a sweep */
	memset(got, 0, sizeof(got));
	send(1, 6, 5, L2SW_AGE_NS + 1);				/* so it is flooded again */
	ck_assert_uint_eq(got[0], 1);
	ck_assert_uint_eq(sw.ports[1].stats.flooded, 1);
	send(0, 5, 6, 2 * L2SW_AGE_NS);				/* refreshed */
	ck_assert_uint_eq(l2sw_age(&sw, 2 * L2SW_AGE_NS + 1), 1);	/* 6's entry from AGE_NS + 1 went */
	ck_assert_uint_eq(l2sw_age(&sw, 3 * L2SW_AGE_NS), 1);
	ck_assert_uint_eq(sw.ports[0].learned + sw.ports[1].learned, 0);
}
END_TEST

/*
 * A hostile port sends from 100000 made-up addresses: it holds at most its
 * quota, the stations learned before keep their entries, and once it stops
 * its entries age out.
 */
START_TEST(test_hostile_port_quota)
{
	uint8_t m[6];
	unsigned int learned_ok = 0;

	setup(3);
	for (unsigned int i = 0; i < 60; i++)
		send(i & 1, 1000 + i, ~0u, 0);
	for (unsigned int i = 0; i < 100000; i++)
		send(2, 0x100000 + i, ~0u, i);
	ck_assert_uint_le(sw.ports[2].learned, L2SW_PORT_QUOTA);
	ck_assert_uint_ge(sw.ports[2].stats.learn_refused, 100000 - L2SW_PORT_QUOTA);
	for (unsigned int i = 0; i < 60; i++) {
		mac_of(m, 1000 + i);
		learned_ok += l2sw_lookup(&sw, m, 100001) == (int)(i & 1);
	}
	ck_assert_uint_eq(learned_ok, 60);
	ck_assert_uint_eq(sw.ports[0].learned + sw.ports[1].learned, 60);
	/* The honest stations keep talking; the attacker stops and its entries go. */
	for (unsigned int i = 0; i < 60; i++)
		send(i & 1, 1000 + i, ~0u, L2SW_AGE_NS);
	ck_assert_uint_ge(l2sw_age(&sw, 100000 + L2SW_AGE_NS), 1);
	ck_assert_uint_eq(sw.ports[2].learned, 0);
	ck_assert_uint_eq(sw.ports[0].learned + sw.ports[1].learned, 60);
	send(2, 0x200000, ~0u, 100000 + L2SW_AGE_NS);		/* and its quota is whole again */
	ck_assert_uint_eq(sw.ports[2].learned, 1);
}
END_TEST

/* Live entries of one port are never evicted by another port's new addresses, even in a full bucket. */
START_TEST(test_no_eviction_of_live_entries)
{
	unsigned int bucket_full = 0;

	setup(2);
	sw.quota = L2SW_BUCKETS * L2SW_WAYS;		/* lift the quota to aim at the table itself */
	for (unsigned int i = 0; i < 4 * L2SW_BUCKETS * L2SW_WAYS; i++)
		send(0, i, ~0u, 0);
	ck_assert_uint_le(sw.ports[0].learned, L2SW_BUCKETS * L2SW_WAYS);
	for (unsigned int i = 0; i < 4 * L2SW_BUCKETS * L2SW_WAYS; i++) {
		uint8_t m[6];

		mac_of(m, 0x800000 + i);
		send(1, 0x800000 + i, ~0u, 1);
		bucket_full += l2sw_lookup(&sw, m, 1) < 0;
	}
	ck_assert_uint_eq(sw.ports[0].learned, L2SW_BUCKETS * L2SW_WAYS - sw.ports[1].learned);
	ck_assert_uint_gt(bucket_full, 0);
	ck_assert_uint_eq(sw.ports[1].stats.learn_refused, bucket_full);
}
END_TEST

/* A flood-limited port: broadcasts beyond its bucket are dropped, its unicast and other ports' floods are not. */
START_TEST(test_flood_limit)
{
	setup(3);
	l2sw_port_flood_limit(&sw, 0, 100, 10, 0);
	for (unsigned int i = 0; i < 1000; i++)
		send(0, 1, ~0u, 0);
	ck_assert_uint_eq(got[1], 10);
	ck_assert_uint_eq(got[2], 10);
	ck_assert_uint_eq(sw.ports[0].stats.flood_limited, 990);
	/* Half a second later the bucket is full again (10, not 50); then 1000 a second for a second: 100 pass. */
	for (unsigned int i = 0; i < 1000; i++)
		send(0, 1, ~0u, SEC / 2 + (uint64_t)i * (SEC / 1000));
	ck_assert_uint_ge(got[1], 10 + 10 + 99);
	ck_assert_uint_le(got[1], 10 + 10 + 100);
	got[1] = 0;
	/* Port 1 is not limited; and once station 2 is learned, port 0's unicast to it is not a flood. */
	for (unsigned int i = 0; i < 500; i++)
		send(1, 2, ~0u, 2 * SEC);
	ck_assert_uint_eq(got[0], 500);
	for (unsigned int i = 0; i < 500; i++)
		send(0, 1, 2, 2 * SEC);
	ck_assert_uint_eq(got[1], 500);
	/* A long silence refills the bucket to its size, no more; a clock going back adds nothing. */
	got[2] = 0;
	for (unsigned int i = 0; i < 100; i++)
		send(0, 1, ~0u, 100 * SEC);
	ck_assert_uint_eq(got[2], 10);
	for (unsigned int i = 0; i < 100; i++)
		send(0, 1, ~0u, 50 * SEC);
	ck_assert_uint_eq(got[2], 10);
}
END_TEST

START_TEST(test_port_remove)
{
	uint8_t m[6];

	setup(3);
	send(1, 7, ~0u, 0);
	l2sw_port_remove(&sw, 1);
	mac_of(m, 7);
	ck_assert_int_eq(l2sw_lookup(&sw, m, 0), -1);
	memset(got, 0, sizeof(got));
	send(0, 8, 7, 1);
	ck_assert_uint_eq(got[1], 0);			/* a removed port gets nothing */
	ck_assert_uint_eq(got[2], 1);
	ck_assert_int_eq(l2sw_port_add(&sw, out, &port_id[1]), 1);
	for (unsigned int i = 3; i < L2SW_MAX_PORTS; i++)
		ck_assert_int_ge(l2sw_port_add(&sw, out, &port_id[0]), 0);
	ck_assert_int_eq(l2sw_port_add(&sw, out, &port_id[0]), -1);
}
END_TEST

/* A superframe is switched whole, up to NET_GSO_MAX_LEN bytes, and flooding it costs a token per segment it stands for. */
START_TEST(test_gso_frames)
{
	static uint8_t f[NET_GSO_MAX_LEN];
	const struct net_gso g = { .size = 1448, .segs = 7, .hdr_len = 54, .ip_off = 14 };

	setup(3);
	l2sw_port_flood_limit(&sw, 0, 100, 10, 0);
	memset(f, 0xff, 6);
	mac_of(f + 6, 1);
	f[12] = 0x08;
	l2sw_input_gso(&sw, 0, f, 10054, &g, 0);		/* 7 of the 10 tokens */
	ck_assert_uint_eq(got[1], 1);
	l2sw_input_gso(&sw, 0, f, 10054, &g, 0);		/* 3 left: refused whole */
	ck_assert_uint_eq(got[1], 1);
	ck_assert_uint_eq(sw.ports[0].stats.flood_limited, 1);
	send(0, 1, ~0u, 0);					/* a plain broadcast still fits */
	ck_assert_uint_eq(got[1], 2);
	l2sw_input(&sw, 1, f, 10054, 0);			/* that long without GSO: bad */
	l2sw_input_gso(&sw, 1, f, NET_GSO_MAX_LEN + 1, &g, 0);
	ck_assert_uint_eq(sw.ports[1].stats.rx_bad, 2);
	/* Unicast to a learned station: delivered whole to its port only, no token spent. */
	send(2, 2, ~0u, 0);
	ck_assert_uint_eq(got[2], 2);
	mac_of(f, 2);
	l2sw_input_gso(&sw, 0, f, NET_GSO_MAX_LEN, &g, 0);
	ck_assert_uint_eq(got[2], 3);
	ck_assert_uint_eq(sw.ports[0].stats.flood_limited, 1);
}
END_TEST

static Suite *l2sw_suite(void)
{
	Suite *s = suite_create("l2switch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_flood_then_learn);
	tcase_add_test(tc, test_same_port_filtered_and_moves);
	tcase_add_test(tc, test_bad_frames);
	tcase_add_test(tc, test_ageing);
	tcase_add_test(tc, test_hostile_port_quota);
	tcase_add_test(tc, test_no_eviction_of_live_entries);
	tcase_add_test(tc, test_port_remove);
	tcase_add_test(tc, test_flood_limit);
	tcase_add_test(tc, test_gso_frames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(l2sw_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

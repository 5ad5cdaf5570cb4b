/* SPDX-License-Identifier: MIT */
/* Host tests of blkback's xenbus handshake over a store in memory, played as xen-blkfront plays it (and as it must not). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blkback_xenbus.h"

#define MAX_NODES	64

static struct { char path[128], val[64]; } nodes[MAX_NODES];
static unsigned int nr_nodes, connects, disconnects;
static int connect_result;
static uint32_t got_ref, got_port;

static int t_read(void *ctx, const char *path, char *buf, size_t len)
{
	(void)ctx;
	for (unsigned int i = 0; i < nr_nodes; i++)
		if (!strcmp(nodes[i].path, path)) {
			if (strlen(nodes[i].val) >= len)
				return -1;
			strcpy(buf, nodes[i].val);
			return 0;
		}
	return -1;
}

static int t_write(void *ctx, const char *path, const char *val)
{
	unsigned int i;

	(void)ctx;
	for (i = 0; i < nr_nodes && strcmp(nodes[i].path, path); i++)
		;
	if (i == MAX_NODES)
		return -1;
	if (i == nr_nodes)
		nr_nodes++;
	snprintf(nodes[i].path, sizeof(nodes[i].path), "%s", path);
	snprintf(nodes[i].val, sizeof(nodes[i].val), "%s", val);
	return 0;
}

static struct blkback_vbd got;		/* what connect was given */

static int t_connect(void *ctx, const struct blkback_vbd *v)
{
	(void)ctx;
	ck_assert_uint_eq(v->frontend, 5);
	got = *v;
	got_ref = v->q[0].ring_ref[0];
	got_port = v->q[0].evtchn;
	connects++;
	return connect_result;
}

static void t_disconnect(void *ctx)
{
	(void)ctx;
	disconnects++;
}

static const struct blkback_xs_ops ops = { t_read, t_write, t_connect, t_disconnect };
static struct blkback_vbd vbd;

static const char *node(const char *path)
{
	static char buf[64];

	return t_read(NULL, path, buf, sizeof(buf)) ? NULL : buf;
}

static void fe(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/5/device/vbd/51712/%s", name);
	t_write(NULL, path, val);
}

static void setup(void)
{
	nr_nodes = connects = disconnects = 0;
	connect_result = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, 0, 4, &ops, NULL), 0);
}

START_TEST(test_backend_nodes)
{
	setup();
	ck_assert_str_eq(node("backend/vbd/5/51712/sectors"), "2048");
	ck_assert_str_eq(node("backend/vbd/5/51712/sector-size"), "512");
	ck_assert_str_eq(node("backend/vbd/5/51712/info"), "0");
	ck_assert_str_eq(node("backend/vbd/5/51712/mode"), "w");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-flush-cache"), "1");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-barrier"), "1");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-max-indirect-segments"), "128");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-persistent"), "1");
	ck_assert_str_eq(node("backend/vbd/5/51712/max-ring-page-order"), "4");
	ck_assert_str_eq(node("backend/vbd/5/51712/multi-queue-max-queues"), "4");
	ck_assert_str_eq(node("backend/vbd/5/51712/state"), "2");
	ck_assert_ptr_null(node("backend/vbd/5/51712/feature-discard"));	/* not asked for */
	nr_nodes = 0;			/* the offer is bounded: 0 is taken as 1, more than 4 as 4 */
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, 0, 0, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/multi-queue-max-queues"), "1");
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, 0, 9, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/multi-queue-max-queues"), "4");
}
END_TEST

/* Discard where asked for, with the nodes blkfront reads beside it; never on a read-only disk. */
START_TEST(test_discard_nodes)
{
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, BLKBACK_XB_DISCARD, 4, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-discard"), "1");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-granularity"), "4096");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-alignment"), "0");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-secure"), "0");
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, BLKBACK_XB_DISCARD | BLKBACK_XB_READ_ONLY, 4, &ops, NULL),
			 0);
	ck_assert_ptr_null(node("backend/vbd/5/51712/feature-discard"));
}
END_TEST

START_TEST(test_handshake_and_reboot)
{
	setup();
	fe("state", "1");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
	fe("ring-ref", "8");
	fe("event-channel", "17");
	fe("protocol", "x86_64-abi");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(connects, 1);
	ck_assert_uint_eq(got_ref, 8);
	ck_assert_uint_eq(got_port, 17);
	ck_assert_str_eq(node("backend/vbd/5/51712/state"), "4");
	fe("state", "4");		/* the frontend connects too: nothing more to do */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(connects, 1);
	fe("state", "5");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_uint_eq(disconnects, 1);
	fe("state", "6");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosed);
	ck_assert_uint_eq(disconnects, 1);
	fe("state", "1");		/* rebooted */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
	fe("ring-ref", "9");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got_ref, 9);
}
END_TEST

/* Missing, malformed or oversized nodes, a foreign protocol, a failing map: our end closes, nothing is connected. */
START_TEST(test_bad_frontends)
{
	static const char *bad_refs[] = { "", "12x", "-1", "4294967296", "99999999999999999999999", " 8" };

	for (unsigned int i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		setup();
		fe("ring-ref", bad_refs[i]);
		fe("event-channel", "17");
		fe("state", "3");
		ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
		ck_assert_uint_eq(connects, 0);
	}
	setup();
	fe("ring-ref", "8");
	fe("state", "3");		/* no event-channel */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	setup();
	fe("ring-ref", "8");
	fe("event-channel", "17");
	fe("protocol", "x86_32-abi");
	fe("state", "4");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_uint_eq(connects, 0);
	setup();
	fe("ring-ref", "8");
	fe("event-channel", "17");
	fe("state", "3");
	connect_result = -1;		/* the grant could not be mapped */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_uint_eq(disconnects, 0);
	setup();
	fe("state", "77");		/* no such state: ignored */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
	fe("state", "9");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
}
END_TEST

/* Persistent grants are used only when the frontend offers them too, as exactly "1"; each connection reads it anew. */
START_TEST(test_persistent)
{
	static const struct { const char *val; bool want; } cases[] = {
		{ NULL, false }, { "1", true }, { "0", false }, { "2", false }, { "1x", false }, { "", false },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		vbd.persistent = !cases[i].want;
		fe("ring-ref", "8");
		fe("event-channel", "17");
		if (cases[i].val)
			fe("feature-persistent", cases[i].val);
		fe("state", "3");
		ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
		ck_assert_int_eq(vbd.persistent, cases[i].want);
	}
	fe("state", "6");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosed);
	fe("feature-persistent", "1");
	fe("state", "1");		/* rebooted: offers it now */
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert(vbd.persistent);
}
END_TEST

/* A queue's nodes under dir ("" or "queue-N/"): order 0 with ring-ref alone, else ring-ref0 .. from first. */
static void fe_queue(const char *dir, unsigned int order, unsigned int first, unsigned int port)
{
	char name[64], val[16];

	for (unsigned int i = 0; i < (1u << order); i++) {
		if (order)
			snprintf(name, sizeof(name), "%sring-ref%u", dir, i);
		else
			snprintf(name, sizeof(name), "%sring-ref", dir);
		snprintf(val, sizeof(val), "%u", first + i);
		fe(name, val);
	}
	snprintf(name, sizeof(name), "%sevent-channel", dir);
	snprintf(val, sizeof(val), "%u", port);
	fe(name, val);
}

/* Multi-page rings and queues as Linux's blkfront writes them: every ref and channel reaches connect. */
START_TEST(test_multi_page_and_queues)
{
	setup();
	fe("ring-page-order", "4");
	fe_queue("", 4, 100, 17);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got.nr_queues, 1);
	ck_assert_uint_eq(got.ring_order, 4);
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(got.q[0].ring_ref[i], 100 + i);
	ck_assert_ptr_null(vbd.refused);
	/* Two queues of four pages each. */
	setup();
	fe("ring-page-order", "2");
	fe("multi-queue-num-queues", "2");
	fe_queue("queue-0/", 2, 200, 20);
	fe_queue("queue-1/", 2, 300, 21);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got.nr_queues, 2);
	ck_assert_uint_eq(got.ring_order, 2);
	ck_assert_uint_eq(got.q[1].ring_ref[3], 303);
	ck_assert_uint_eq(got.q[1].evtchn, 21);
	/* Order 0 named: ring-ref0, or ring-ref as without the node. */
	setup();
	fe("ring-page-order", "0");
	fe("ring-ref", "8");
	fe("event-channel", "17");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got.q[0].ring_ref[0], 8);
	/* One queue named by multi-queue-num-queues 1: its nodes in the directory itself. */
	setup();
	fe("multi-queue-num-queues", "1");
	fe_queue("", 0, 9, 18);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got.q[0].ring_ref[0], 9);
}
END_TEST

/* Each hostile set of ring nodes: our end closes, nothing is connected, and refused says why. */
START_TEST(test_bad_rings)
{
	static const char *const orders[] = { "5", "99", "-1", "x", "" };

	for (unsigned int i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		setup();
		fe("ring-page-order", orders[i]);
		fe_queue("", 4, 100, 17);
		fe("state", "3");
		ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
		ck_assert_uint_eq(connects, 0);
		ck_assert_ptr_nonnull(vbd.refused);
	}
	setup();			/* ring-ref2 missing */
	fe("ring-page-order", "2");
	fe("ring-ref0", "100");
	fe("ring-ref1", "101");
	fe("ring-ref3", "103");
	fe("event-channel", "17");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_uint_eq(connects, 0);
	setup();			/* ring-ref alone for order 2 */
	fe("ring-page-order", "2");
	fe("ring-ref", "100");
	fe("event-channel", "17");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	setup();			/* one page named twice */
	fe("ring-page-order", "2");
	fe_queue("", 2, 100, 17);
	fe("ring-ref3", "101");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_str_eq(vbd.refused, "a ring ref is given twice");
	ck_assert_uint_eq(connects, 0);
}
END_TEST

START_TEST(test_bad_queues)
{
	static const char *const counts[] = { "0", "5", "4294967296", "2x", "" };

	for (unsigned int i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		setup();
		fe("multi-queue-num-queues", counts[i]);
		fe_queue("", 0, 8, 17);
		fe_queue("queue-0/", 0, 9, 18);
		fe_queue("queue-1/", 0, 10, 19);
		fe("state", "3");
		ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
		ck_assert_uint_eq(connects, 0);
	}
	setup();			/* queue-1 has no ring */
	fe("multi-queue-num-queues", "2");
	fe_queue("queue-0/", 0, 9, 18);
	fe("queue-1/event-channel", "19");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	setup();			/* queue-1 has no event channel */
	fe("multi-queue-num-queues", "2");
	fe_queue("queue-0/", 0, 9, 18);
	fe("queue-1/ring-ref", "10");
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	setup();			/* two queues on one page */
	fe("multi-queue-num-queues", "2");
	fe_queue("queue-0/", 0, 9, 18);
	fe_queue("queue-1/", 0, 9, 19);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_str_eq(vbd.refused, "a ring ref is given twice");
	setup();			/* two queues on one channel */
	fe("multi-queue-num-queues", "2");
	fe_queue("queue-0/", 0, 9, 18);
	fe_queue("queue-1/", 0, 10, 18);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_str_eq(vbd.refused, "an event channel is given to two queues");
	/* Three queues where two are offered: refused; the offer of 2 takes 2. */
	nr_nodes = connects = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, 0, 2, &ops, NULL), 0);
	fe("multi-queue-num-queues", "3");
	for (unsigned int q = 0; q < 3; q++) {
		char dir[16];

		snprintf(dir, sizeof(dir), "queue-%u/", q);
		fe_queue(dir, 0, 9 + q, 18 + q);
	}
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosing);
	ck_assert_uint_eq(connects, 0);
	fe("state", "6");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateClosed);
	fe("multi-queue-num-queues", "2");
	fe("state", "1");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateInitWait);
	fe("state", "3");
	ck_assert_int_eq(blkback_xb_frontend_changed(&vbd), XenbusStateConnected);
	ck_assert_uint_eq(got.nr_queues, 2);
	ck_assert_ptr_null(vbd.refused);
}
END_TEST

START_TEST(test_read_only_disk)
{
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 100, BLKBACK_XB_READ_ONLY, 4, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/info"), "4");
	ck_assert_str_eq(node("backend/vbd/5/51712/mode"), "r");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-flush-cache"), "0");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-barrier"), "0");
}
END_TEST

/* Barriers only: a current blkfront then has flush and FUA, both sent as BLKIF_OP_WRITE_BARRIER. */
START_TEST(test_fua_disk)
{
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 100, BLKBACK_XB_FUA, 4, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/mode"), "w");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-flush-cache"), "0");
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-barrier"), "1");
}
END_TEST

static Suite *xb_suite(void)
{
	Suite *s = suite_create("blkback_xenbus");
	TCase *tc = tcase_create("handshake");

	tcase_add_test(tc, test_backend_nodes);
	tcase_add_test(tc, test_discard_nodes);
	tcase_add_test(tc, test_handshake_and_reboot);
	tcase_add_test(tc, test_bad_frontends);
	tcase_add_test(tc, test_persistent);
	tcase_add_test(tc, test_read_only_disk);
	tcase_add_test(tc, test_fua_disk);
	tcase_add_test(tc, test_multi_page_and_queues);
	tcase_add_test(tc, test_bad_rings);
	tcase_add_test(tc, test_bad_queues);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

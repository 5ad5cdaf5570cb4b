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

static int t_connect(void *ctx, uint16_t fe, uint32_t ref, uint32_t port)
{
	(void)ctx;
	ck_assert_uint_eq(fe, 5);
	got_ref = ref;
	got_port = port;
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
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, 0, &ops, NULL), 0);
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
	ck_assert_str_eq(node("backend/vbd/5/51712/state"), "2");
	ck_assert_ptr_null(node("backend/vbd/5/51712/feature-discard"));	/* not asked for */
}
END_TEST

/* Discard where asked for, with the nodes blkfront reads beside it; never on a read-only disk. */
START_TEST(test_discard_nodes)
{
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, BLKBACK_XB_DISCARD, &ops, NULL), 0);
	ck_assert_str_eq(node("backend/vbd/5/51712/feature-discard"), "1");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-granularity"), "4096");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-alignment"), "0");
	ck_assert_str_eq(node("backend/vbd/5/51712/discard-secure"), "0");
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 2048, BLKBACK_XB_DISCARD | BLKBACK_XB_READ_ONLY, &ops, NULL),
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

START_TEST(test_read_only_disk)
{
	nr_nodes = 0;
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 100, BLKBACK_XB_READ_ONLY, &ops, NULL), 0);
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
	ck_assert_int_eq(blkback_xb_start(&vbd, 5, 51712, 100, BLKBACK_XB_FUA, &ops, NULL), 0);
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

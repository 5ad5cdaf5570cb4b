/* SPDX-License-Identifier: MIT */
/* Unit tests of xenstored watches (events, relative paths, permissions, transactions) and quotas. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "xst_harness.h"

static const char *watch(struct xsd_conn *c, const char *path, const char *tok)
{
	struct xst_reply r = xst_callv(c, XS_WATCH, 0, path, tok, NULL);

	return xst_status(&r);
}

START_TEST(test_fires_once_on_register_then_on_changes)
{
	struct xsd_conn *w = xst_conn(0), *c = xst_conn(0);

	ck_assert_str_eq(watch(w, "/wa", "T1"), "OK");
	ck_assert_str_eq(xst_event(w), "/wa|T1");
	ck_assert_str_eq(xst_event(w), "");
	ck_assert_str_eq(xst_write(c, 0, "/wa", "v"), "OK");
	ck_assert_str_eq(xst_event(w), "/wa|T1");
	ck_assert_str_eq(xst_write(c, 0, "/wa/deep/er", "v"), "OK");
	ck_assert_str_eq(xst_event(w), "/wa/deep/er|T1");
	ck_assert_str_eq(xst_write(c, 0, "/wab", "v"), "OK");  /* sibling prefix only */
	ck_assert_str_eq(xst_write(c, 0, "/other", "v"), "OK");
	ck_assert_str_eq(xst_callv(c, XS_SET_PERMS, 0, "/wa/deep", "n0", NULL).data, "OK");
	ck_assert_str_eq(xst_event(w), "/wa/deep|T1");
	ck_assert_str_eq(xst_callv(c, XS_RM, 0, "/wa", NULL).data, "OK");
	ck_assert_str_eq(xst_event(w), "/wa|T1");
	ck_assert_str_eq(xst_event(w), "");
}
END_TEST

START_TEST(test_removal_of_ancestor_fires_watch_below)
{
	struct xsd_conn *w = xst_conn(0), *c = xst_conn(0);

	ck_assert_str_eq(xst_write(c, 0, "/anc/x/y", "v"), "OK");
	ck_assert_str_eq(watch(w, "/anc/x/y", "low"), "OK");
	ck_assert_str_eq(watch(w, "/anc/never/created", "ghost"), "OK");
	ck_assert_str_eq(xst_event(w), "/anc/x/y|low");
	ck_assert_str_eq(xst_event(w), "/anc/never/created|ghost");
	ck_assert_str_eq(xst_callv(c, XS_RM, 0, "/anc", NULL).data, "OK");
	ck_assert_int_eq(xst_pending_events(w), 2);
	const char *a = xst_event(w);
	char first[64];

	snprintf(first, sizeof(first), "%s", a);
	a = xst_event(w);
	ck_assert(strcmp(first, "/anc/x/y|low") == 0 || strcmp(a, "/anc/x/y|low") == 0);
	ck_assert(strcmp(first, "/anc/never/created|ghost") == 0 ||
		  strcmp(a, "/anc/never/created|ghost") == 0);
}
END_TEST

START_TEST(test_relative_watch_reports_relative_paths)
{
	struct xsd_conn *c0 = xst_conn(0), *g = xst_conn(4);

	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/4/device", ""), "OK");
	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "/local/domain/4/device", "n4", NULL).data,
			 "OK");
	ck_assert_str_eq(watch(g, "device", "rel"), "OK");
	ck_assert_str_eq(xst_event(g), "device|rel");
	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/4/device/vbd/51712/state", "1"), "OK");
	ck_assert_str_eq(xst_event(g), "device/vbd/51712/state|rel");
}
END_TEST

START_TEST(test_unwatch_and_duplicates)
{
	struct xsd_conn *w = xst_conn(0), *c = xst_conn(0);

	ck_assert_str_eq(watch(w, "/u", "a"), "OK");
	ck_assert_str_eq(watch(w, "/u", "b"), "OK");   /* same path, other token */
	ck_assert_str_eq(watch(w, "/u", "a"), "EEXIST");
	xst_event(w);
	xst_event(w);
	ck_assert_str_eq(xst_callv(w, XS_UNWATCH, 0, "/u", "a", NULL).data, "OK");
	ck_assert_str_eq(xst_write(c, 0, "/u", "v"), "OK");
	ck_assert_str_eq(xst_event(w), "/u|b");
	ck_assert_str_eq(xst_event(w), "");
	ck_assert_str_eq(XST_RES(xst_callv(w, XS_UNWATCH, 0, "/u", "a", NULL)), "ENOENT");
	ck_assert_str_eq(XST_RES(xst_callv(w, XS_WATCH, 0, "/u", NULL)), "EINVAL");
	ck_assert_str_eq(XST_RES(xst_callv(w, XS_WATCH, 0, "/u//x", "t", NULL)), "EINVAL");
	ck_assert_str_eq(xst_callv(w, XS_RESET_WATCHES, 0, "", NULL).data, "OK");
	ck_assert_str_eq(xst_write(c, 0, "/u", "w"), "OK");
	ck_assert_str_eq(xst_event(w), "");
}
END_TEST

START_TEST(test_transaction_events_only_on_commit)
{
	struct xsd_conn *w = xst_conn(0), *c = xst_conn(0);
	uint32_t t;

	ck_assert_str_eq(watch(w, "/te", "t"), "OK");
	xst_event(w);
	t = xst_txn_start(c);
	ck_assert_str_eq(xst_write(c, t, "/te/a", "1"), "OK");
	ck_assert_str_eq(xst_event(w), "");
	ck_assert_str_eq(xst_callv(c, XS_TRANSACTION_END, t, "F", NULL).data, "OK");
	ck_assert_str_eq(xst_event(w), "");
	t = xst_txn_start(c);
	ck_assert_str_eq(xst_write(c, t, "/te/b", "1"), "OK");
	ck_assert_str_eq(xst_write(c, t, "/te/c", "1"), "OK");
	ck_assert_str_eq(xst_callv(c, XS_TRANSACTION_END, t, "T", NULL).data, "OK");
	ck_assert_str_eq(xst_event(w), "/te/b|t");
	ck_assert_str_eq(xst_event(w), "/te/c|t");
	ck_assert_str_eq(xst_event(w), "");
}
END_TEST

START_TEST(test_events_respect_read_permission)
{
	struct xsd_conn *c0 = xst_conn(0), *g = xst_conn(6);

	ck_assert_str_eq(xst_write(c0, 0, "/vis", ""), "OK");
	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "/vis", "r0", NULL).data, "OK");
	ck_assert_str_eq(watch(g, "/vis", "g"), "OK");
	ck_assert_str_eq(xst_event(g), "/vis|g");
	ck_assert_str_eq(xst_write(c0, 0, "/vis/open", "1"), "OK");
	ck_assert_str_eq(xst_event(g), "/vis/open|g");
	ck_assert_str_eq(xst_write(c0, 0, "/vis/closed", "1"), "OK");
	ck_assert_str_eq(xst_event(g), "/vis/closed|g");  /* inherited r0: still readable */
	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "/vis/closed", "n0", NULL).data, "OK");
	ck_assert_str_eq(xst_event(g), "");
	ck_assert_str_eq(xst_write(c0, 0, "/vis/closed", "2"), "OK");
	ck_assert_str_eq(xst_event(g), "");
}
END_TEST

START_TEST(test_special_watches)
{
	struct xsd_conn *c0 = xst_conn(0), *tool = xst_conn(0), *g = xst_conn(7);

	ck_assert_str_eq(watch(tool, "@introduceDomain", "in"), "OK");
	ck_assert_str_eq(watch(tool, "@releaseDomain", "out"), "OK");
	ck_assert_str_eq(watch(g, "@releaseDomain", "g"), "OK");
	xst_event(tool);
	xst_event(tool);
	xst_event(g);
	ck_assert_str_eq(xst_callv(c0, XS_INTRODUCE, 0, "3", "99", "4", NULL).data, "OK");
	ck_assert_str_eq(xst_event(tool), "@introduceDomain|in");
	ck_assert_str_eq(xst_callv(c0, XS_INTRODUCE, 0, "3", "99", "4", NULL).data, "OK");
	ck_assert_str_eq(xst_event(tool), "");  /* re-introduce is not a new domain */
	ck_assert_str_eq(xst_callv(c0, XS_RELEASE, 0, "3", NULL).data, "OK");
	ck_assert_str_eq(xst_event(tool), "@releaseDomain|out");
	ck_assert_str_eq(xst_event(g), "");  /* special node perms are n0 */
	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "@releaseDomain", "n0", "r7", NULL).data,
			 "OK");
	ck_assert_str_eq(xst_callv(c0, XS_INTRODUCE, 0, "3", "99", "4", NULL).data, "OK");
	ck_assert_str_eq(xst_callv(c0, XS_RELEASE, 0, "3", NULL).data, "OK");
	ck_assert_str_eq(xst_event(g), "@releaseDomain|g");
}
END_TEST

START_TEST(test_connection_close_drops_watches)
{
	struct xsd_conn *w = xst_conn(5), *c = xst_conn(0);
	struct xsd_domain *d = xsd_domain_get(&xst_store, 5, false);

	ck_assert_str_eq(watch(w, "/", "all"), "OK");
	ck_assert_uint_eq(d->watches, 1);
	xst_event(w);
	xsd_conn_free(w);
	ck_assert_uint_eq(d->watches, 0);
	ck_assert_str_eq(xst_write(c, 0, "/after", "x"), "OK");
}
END_TEST

START_TEST(test_quota_watches)
{
	struct xsd_conn *g = xst_conn(8);
	char tok[16];

	for (uint32_t i = 0; i < xst_store.quota.watches; i++) {
		snprintf(tok, sizeof(tok), "%u", i);
		ck_assert_str_eq(watch(g, "/q", tok), "OK");
	}
	ck_assert_str_eq(watch(g, "/q", "one-more"), "E2BIG");
}
END_TEST

START_TEST(test_quota_nodes_and_size)
{
	struct xsd_conn *c0 = xst_conn(0), *g = xst_conn(9);
	char path[64], big[3000];

	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/9", ""), "OK");
	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "/local/domain/9", "n9", NULL).data, "OK");
	xst_store.quota.nodes = 6;  /* it owns one already */
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		ck_assert_str_eq(xst_write(g, 0, path, "v"), "OK");
	}
	ck_assert_str_eq(xst_write(g, 0, "n5", "v"), "ENOSPC");
	ck_assert_str_eq(xst_write(g, 0, "a/b", "v"), "ENOSPC");
	ck_assert_str_eq(xst_callv(g, XS_RM, 0, "n0", NULL).data, "OK");
	ck_assert_str_eq(xst_write(g, 0, "n5", "v"), "OK");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_str_eq(xst_write(g, 0, "n1", big), "ENOSPC");
	ck_assert_str_eq(xst_read(g, 0, "n1"), "v");  /* refused write changed nothing */
	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/9/n1", big), "OK");  /* dom0 is exempt */
}
END_TEST

START_TEST(test_quota_outstanding_replies)
{
	struct xsd_conn *g = xst_conn(10);
	struct xsd_sockmsg h = { .type = XS_GET_DOMAIN_PATH, .len = 3 };
	uint8_t msg[sizeof(h) + 3];
	const uint8_t *p;
	int busy = 0, ok = 0;

	for (int i = 0; i < 30; i++) {
		h.req_id = (uint32_t)i;
		memcpy(msg, &h, sizeof(h));
		memcpy(msg + sizeof(h), "10", 3);
		ck_assert_int_eq(xsd_conn_feed(g, msg, sizeof(msg)), (long)sizeof(msg));
	}
	for (size_t n; (n = xsd_conn_out_peek(g, &p)) != 0; xsd_conn_out_consume(g, n)) {
		struct xsd_sockmsg rh;

		memcpy(&rh, p, sizeof(rh));
		busy += rh.type == XS_ERROR && strcmp((const char *)p + sizeof(rh), "EBUSY") == 0;
		ok += rh.type == XS_GET_DOMAIN_PATH;
	}
	ck_assert_int_eq(ok, (int)xst_store.quota.outstanding);
	ck_assert_int_eq(busy, 30 - (int)xst_store.quota.outstanding);
	ck_assert_str_eq(xst_write(xst_conn(0), 0, "/fine", "1"), "OK");
}
END_TEST

START_TEST(test_many_domains_each_see_only_their_own)
{
	enum { NDOM = 1500 };
	static struct xsd_conn *g[NDOM];
	struct xsd_conn *c0 = xst_conn(0);
	char path[64], dom[16], want[80];

	for (int i = 0; i < NDOM; i++) {
		snprintf(path, sizeof(path), "/local/domain/%d", i + 1);
		snprintf(dom, sizeof(dom), "n%d", i + 1);
		ck_assert_str_eq(xst_write(c0, 0, path, ""), "OK");
		ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, path, dom, NULL).data, "OK");
		snprintf(dom, sizeof(dom), "%d", i + 1);
		ck_assert_str_eq(xst_callv(c0, XS_INTRODUCE, 0, dom, "1", "1", NULL).data, "OK");
		g[i] = xst_conn((uint32_t)i + 1);
		ck_assert_str_eq(watch(g[i], "data", "mine"), "OK");
		ck_assert_str_eq(xst_event(g[i]), "data|mine");
	}
	for (int i = 0; i < NDOM; i += 7) {
		snprintf(path, sizeof(path), "/local/domain/%d/data", i + 1);
		ck_assert_str_eq(xst_write(c0, 0, path, "v"), "OK");
	}
	for (int i = 0; i < NDOM; i++) {
		snprintf(want, sizeof(want), "%s", i % 7 == 0 ? "data|mine" : "");
		ck_assert_str_eq(xst_event(g[i]), want);
		ck_assert_str_eq(xst_event(g[i]), "");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsd_watch");
	TCase *tc = tcase_create("watch");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, xst_setup, xst_teardown);
	tcase_add_test(tc, test_fires_once_on_register_then_on_changes);
	tcase_add_test(tc, test_removal_of_ancestor_fires_watch_below);
	tcase_add_test(tc, test_relative_watch_reports_relative_paths);
	tcase_add_test(tc, test_unwatch_and_duplicates);
	tcase_add_test(tc, test_transaction_events_only_on_commit);
	tcase_add_test(tc, test_events_respect_read_permission);
	tcase_add_test(tc, test_special_watches);
	tcase_add_test(tc, test_connection_close_drops_watches);
	tcase_add_test(tc, test_quota_watches);
	tcase_add_test(tc, test_quota_nodes_and_size);
	tcase_add_test(tc, test_quota_outstanding_replies);
	tcase_add_test(tc, test_many_domains_each_see_only_their_own);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

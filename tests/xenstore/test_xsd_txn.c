/* SPDX-License-Identifier: MIT */
/* Unit tests of xenstored transactions: isolation, commit/abort, conflicts (EAGAIN), limits. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "xst_harness.h"

static const char *end_txn(struct xsd_conn *c, uint32_t t, const char *how)
{
	struct xst_reply r = xst_callv(c, XS_TRANSACTION_END, t, how, NULL);

	return xst_status(&r);
}

START_TEST(test_isolation_and_commit)
{
	struct xsd_conn *c = xst_conn(0), *o = xst_conn(0);
	uint32_t t = xst_txn_start(c);

	ck_assert_uint_ne(t, 0);
	ck_assert_str_eq(xst_write(c, t, "/tx/a", "1"), "OK");
	ck_assert_str_eq(xst_read(c, t, "/tx/a"), "1");
	ck_assert_str_eq(xst_read(o, 0, "/tx/a"), "ENOENT");
	ck_assert_str_eq(xst_read(c, 0, "/tx/a"), "ENOENT");  /* tx_id 0 is outside */
	ck_assert_str_eq(end_txn(c, t, "T"), "OK");
	ck_assert_str_eq(xst_read(o, 0, "/tx/a"), "1");
	ck_assert_str_eq(end_txn(c, t, "T"), "ENOENT");
}
END_TEST

START_TEST(test_abort_discards_everything)
{
	struct xsd_conn *c = xst_conn(0);
	uint32_t t;

	ck_assert_str_eq(xst_write(c, 0, "/keep/x", "orig"), "OK");
	t = xst_txn_start(c);
	ck_assert_str_eq(xst_write(c, t, "/keep/x", "changed"), "OK");
	ck_assert_str_eq(xst_write(c, t, "/new/y", "n"), "OK");
	ck_assert_str_eq(xst_callv(c, XS_RM, t, "/keep", NULL).data, "OK");
	ck_assert_str_eq(xst_read(c, t, "/keep/x"), "ENOENT");
	ck_assert_str_eq(end_txn(c, t, "F"), "OK");
	ck_assert_str_eq(xst_read(c, 0, "/keep/x"), "orig");
	ck_assert_str_eq(xst_read(c, 0, "/new/y"), "ENOENT");
}
END_TEST

START_TEST(test_conflict_on_read_node)
{
	struct xsd_conn *c = xst_conn(0), *o = xst_conn(0);
	uint32_t t;

	ck_assert_str_eq(xst_write(c, 0, "/cf/x", "0"), "OK");
	t = xst_txn_start(c);
	ck_assert_str_eq(xst_read(c, t, "/cf/x"), "0");
	ck_assert_str_eq(xst_write(c, t, "/cf/y", "derived"), "OK");
	ck_assert_str_eq(xst_write(o, 0, "/cf/x", "1"), "OK");
	ck_assert_str_eq(xst_read(c, t, "/cf/x"), "0");  /* snapshot of what it read */
	ck_assert_str_eq(end_txn(c, t, "T"), "EAGAIN");
	ck_assert_str_eq(xst_read(c, 0, "/cf/y"), "ENOENT");
	ck_assert_str_eq(end_txn(c, t, "T"), "ENOENT");  /* gone after EAGAIN */
}
END_TEST

START_TEST(test_conflict_on_absent_node)
{
	struct xsd_conn *c = xst_conn(0), *o = xst_conn(0);
	uint32_t t = xst_txn_start(c);

	ck_assert_str_eq(xst_read(c, t, "/ab/x"), "ENOENT");
	ck_assert_str_eq(xst_write(o, 0, "/ab/x", "appeared"), "OK");
	ck_assert_str_eq(end_txn(c, t, "T"), "EAGAIN");
}
END_TEST

START_TEST(test_disjoint_transactions_all_commit)
{
	struct xsd_conn *c = xst_conn(0);
	uint32_t t[40];
	char path[32];

	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/dj/%d", i);
		ck_assert_str_eq(xst_write(c, 0, path, "0"), "OK");
	}
	for (int i = 0; i < 40; i++) {
		t[i] = xst_txn_start(c);
		snprintf(path, sizeof(path), "/dj/%d", i);
		ck_assert_str_eq(xst_read(c, t[i], path), "0");
		ck_assert_str_eq(xst_write(c, t[i], path, "1"), "OK");
	}
	for (int i = 0; i < 40; i++)
		ck_assert_str_eq(end_txn(c, t[i], "T"), "OK");
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/dj/%d", i);
		ck_assert_str_eq(xst_read(c, 0, path), "1");
	}
}
END_TEST

START_TEST(test_second_writer_of_same_node_conflicts)
{
	struct xsd_conn *a = xst_conn(0), *b = xst_conn(0);
	uint32_t ta = xst_txn_start(a), tb = xst_txn_start(b);

	ck_assert_str_eq(xst_write(a, ta, "/same", "a"), "OK");
	ck_assert_str_eq(xst_write(b, tb, "/same", "b"), "OK");
	ck_assert_str_eq(end_txn(a, ta, "T"), "OK");
	ck_assert_str_eq(end_txn(b, tb, "T"), "EAGAIN");
	ck_assert_str_eq(xst_read(a, 0, "/same"), "a");
}
END_TEST

START_TEST(test_protocol_errors)
{
	struct xsd_conn *c = xst_conn(0);
	uint32_t t = xst_txn_start(c);
	struct xst_reply r;

	r = xst_callv(c, XS_TRANSACTION_START, t, "", NULL);
	ck_assert_str_eq(XST_RES(r), "EBUSY");
	ck_assert_str_eq(end_txn(c, t, "X"), "EINVAL");
	ck_assert_str_eq(end_txn(c, 0, "T"), "ENOENT");
	r = xst_call(c, XS_TRANSACTION_START, 0, "junk", 4);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	/* Another connection cannot use this connection's transaction. */
	ck_assert_str_eq(xst_read(xst_conn(0), t, "/"), "ENOENT");
	ck_assert_str_eq(end_txn(c, t, "T"), "OK");
}
END_TEST

START_TEST(test_transaction_quota)
{
	struct xsd_conn *u = xst_conn(5);
	struct xst_reply r;
	uint32_t first = 0;

	for (uint32_t i = 0; i < xst_store.quota.txns; i++) {
		uint32_t t = xst_txn_start(u);

		if (!first)
			first = t;
	}
	r = xst_callv(u, XS_TRANSACTION_START, 0, "", NULL);
	ck_assert_str_eq(XST_RES(r), "ENOSPC");
	ck_assert_str_eq(end_txn(u, first, "F"), "OK");
	ck_assert_uint_ne(xst_txn_start(u), 0);
}
END_TEST

START_TEST(test_transaction_node_quota)
{
	struct xsd_conn *c0 = xst_conn(0), *u = xst_conn(5);
	char path[32];
	uint32_t t;

	ck_assert_str_eq(xst_callv(c0, XS_SET_PERMS, 0, "/", "r0", NULL).data, "OK");
	xst_store.quota.txn_nodes = 4;
	t = xst_txn_start(u);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/n%d", i);
		ck_assert_str_eq(xst_read(u, t, path), "ENOENT");
	}
	ck_assert_str_eq(xst_read(u, t, "/n4"), "ENOSPC");
	ck_assert_str_eq(xst_read(u, t, "/n0"), "ENOENT");  /* already tracked: fine */
	ck_assert_str_eq(xst_callv(u, XS_TRANSACTION_END, t, "F", NULL).data, "OK");
	t = xst_txn_start(c0);  /* dom0 is exempt */
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "/n%d", i);
		ck_assert_str_eq(xst_read(c0, t, path), "ENOENT");
	}
	ck_assert_str_eq(xst_callv(c0, XS_TRANSACTION_END, t, "F", NULL).data, "OK");
}
END_TEST

START_TEST(test_rm_in_transaction_then_commit)
{
	struct xsd_conn *c = xst_conn(0);
	uint32_t t;

	ck_assert_str_eq(xst_write(c, 0, "/rt/a/b", "1"), "OK");
	t = xst_txn_start(c);
	ck_assert_str_eq(xst_callv(c, XS_RM, t, "/rt/a", NULL).data, "OK");
	ck_assert_str_eq(xst_write(c, t, "/rt/c", "2"), "OK");
	ck_assert_str_eq(end_txn(c, t, "T"), "OK");
	ck_assert_str_eq(xst_read(c, 0, "/rt/a/b"), "ENOENT");
	ck_assert_str_eq(xst_read(c, 0, "/rt/c"), "2");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsd_txn");
	TCase *tc = tcase_create("txn");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, xst_setup, xst_teardown);
	tcase_add_test(tc, test_isolation_and_commit);
	tcase_add_test(tc, test_abort_discards_everything);
	tcase_add_test(tc, test_conflict_on_read_node);
	tcase_add_test(tc, test_conflict_on_absent_node);
	tcase_add_test(tc, test_disjoint_transactions_all_commit);
	tcase_add_test(tc, test_second_writer_of_same_node_conflicts);
	tcase_add_test(tc, test_protocol_errors);
	tcase_add_test(tc, test_transaction_quota);
	tcase_add_test(tc, test_rm_in_transaction_then_commit);
	tcase_add_test(tc, test_transaction_node_quota);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

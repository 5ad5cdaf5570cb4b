/* SPDX-License-Identifier: MIT */
/* Unit tests of xenstored permissions: ACL semantics, inheritance, ownership, targets, privilege. */
#include <check.h>
#include <string.h>

#include "xst_harness.h"

static struct xsd_conn *c0;

static void perms_setup(void)
{
	xst_setup();
	c0 = xst_conn(0);
	ck_assert_str_eq(xst_write(c0, 0, "/p/node", "secret"), "OK");
}

static const char *set_perms(struct xsd_conn *c, const char *path, const char *a, const char *b)
{
	struct xst_reply r = xst_callv(c, XS_SET_PERMS, 0, path, a, b, NULL);

	return xst_status(&r);
}

static void get_perms(struct xsd_conn *c, const char *path, char *out, size_t outlen)
{
	struct xst_reply r = xst_callv(c, XS_GET_PERMS, 0, path, NULL);

	ck_assert_uint_lt(r.len, outlen);
	memcpy(out, r.data, r.len);
	for (uint32_t i = 0; i + 1 < r.len; i++)
		if (out[i] == '\0')
			out[i] = ',';
	out[r.len ? r.len - 1 : 0] = '\0';
}

START_TEST(test_default_denies_unprivileged)
{
	struct xsd_conn *u = xst_conn(5);

	ck_assert_str_eq(xst_read(u, 0, "/p/node"), "EACCES");
	ck_assert_str_eq(xst_write(u, 0, "/p/node", "x"), "EACCES");
	ck_assert_str_eq(xst_write(u, 0, "/p/new", "x"), "EACCES");
	ck_assert_str_eq(xst_read(c0, 0, "/p/node"), "secret");
}
END_TEST

START_TEST(test_acl_entries)
{
	struct xsd_conn *u5 = xst_conn(5), *u6 = xst_conn(6), *u7 = xst_conn(7);
	char buf[64];

	ck_assert_str_eq(set_perms(c0, "/p/node", "n0", "r5"), "OK");
	ck_assert_str_eq(xst_read(u5, 0, "/p/node"), "secret");
	ck_assert_str_eq(xst_write(u5, 0, "/p/node", "x"), "EACCES");
	ck_assert_str_eq(xst_read(u6, 0, "/p/node"), "EACCES");
	ck_assert_str_eq(set_perms(c0, "/p/node", "r0", "w6"), "OK");  /* default read */
	ck_assert_str_eq(xst_read(u7, 0, "/p/node"), "secret");
	ck_assert_str_eq(xst_read(u6, 0, "/p/node"), "EACCES");  /* explicit entry wins */
	ck_assert_str_eq(xst_write(u6, 0, "/p/node", "by6"), "OK");
	ck_assert_str_eq(set_perms(c0, "/p/node", "n0", "b7"), "OK");
	ck_assert_str_eq(xst_write(u7, 0, "/p/node", "by7"), "OK");
	ck_assert_str_eq(xst_read(u7, 0, "/p/node"), "by7");
	get_perms(c0, "/p/node", buf, sizeof(buf));
	ck_assert_str_eq(buf, "n0,b7");
	ck_assert_str_eq(set_perms(c0, "/p/node", "x0", NULL), "EINVAL");
	ck_assert_str_eq(set_perms(c0, "/p/node", "r", NULL), "EINVAL");
	ck_assert_str_eq(set_perms(c0, "/p/node", "r99999", NULL), "EINVAL");
}
END_TEST

START_TEST(test_owner_has_full_access_and_inheritance)
{
	struct xsd_conn *u5 = xst_conn(5), *u6 = xst_conn(6);
	char buf[64];

	ck_assert_str_eq(set_perms(c0, "/p", "n5", "r6"), "OK");
	ck_assert_str_eq(xst_write(u5, 0, "/p/own/child", "c"), "OK");
	get_perms(c0, "/p/own/child", buf, sizeof(buf));
	ck_assert_str_eq(buf, "n5,r6");  /* inherited */
	ck_assert_str_eq(xst_read(u6, 0, "/p/own/child"), "c");
	/* A guest creating under a node it may write becomes the owner. */
	ck_assert_str_eq(set_perms(c0, "/p/node", "n0", "w6"), "OK");
	ck_assert_str_eq(xst_write(u6, 0, "/p/node/mine", "m"), "OK");
	get_perms(c0, "/p/node/mine", buf, sizeof(buf));
	ck_assert_str_eq(buf, "n6,w6");
	ck_assert_str_eq(xst_read(u6, 0, "/p/node/mine"), "m");
}
END_TEST

START_TEST(test_set_perms_rules)
{
	struct xsd_conn *u5 = xst_conn(5), *u6 = xst_conn(6);

	ck_assert_str_eq(set_perms(c0, "/p/node", "n5", NULL), "OK");
	ck_assert_str_eq(set_perms(u5, "/p/node", "n5", "r6"), "OK");
	ck_assert_str_eq(xst_read(u6, 0, "/p/node"), "secret");
	ck_assert_str_eq(set_perms(u5, "/p/node", "n6", NULL), "EPERM");  /* give away */
	ck_assert_str_eq(set_perms(c0, "/p/node", "n0", "b6"), "OK");
	ck_assert_str_eq(set_perms(u6, "/p/node", "n0", "b6"), "EACCES");  /* not owner */
	ck_assert_str_eq(set_perms(u6, "@introduceDomain", "r6", NULL), "EACCES");
	ck_assert_str_eq(set_perms(c0, "/p/missing", "n0", NULL), "ENOENT");
}
END_TEST

START_TEST(test_target_domain_acts_for_target)
{
	struct xsd_conn *dm = xst_conn(20);
	struct xst_reply r;

	ck_assert_str_eq(set_perms(c0, "/p/node", "n9", NULL), "OK");
	ck_assert_str_eq(xst_read(dm, 0, "/p/node"), "EACCES");
	r = xst_callv(c0, XS_SET_TARGET, 0, "20", "9", NULL);
	ck_assert_str_eq(XST_RES(r), "ENOENT");  /* neither introduced yet */
	r = xst_callv(c0, XS_INTRODUCE, 0, "9", "100", "1", NULL);
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c0, XS_INTRODUCE, 0, "20", "101", "2", NULL);
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c0, XS_SET_TARGET, 0, "20", "9", NULL);
	ck_assert_str_eq(r.data, "OK");
	ck_assert_str_eq(xst_read(dm, 0, "/p/node"), "secret");
	r = xst_callv(dm, XS_SET_TARGET, 0, "20", "9", NULL);
	ck_assert_str_eq(XST_RES(r), "EACCES");
}
END_TEST

START_TEST(test_domain_ops_need_privilege)
{
	struct xsd_conn *u = xst_conn(5);
	struct xst_reply r;

	r = xst_callv(u, XS_INTRODUCE, 0, "6", "1", "1", NULL);
	ck_assert_str_eq(XST_RES(r), "EACCES");
	r = xst_callv(u, XS_RELEASE, 0, "6", NULL);
	ck_assert_str_eq(XST_RES(r), "EACCES");
	r = xst_callv(u, XS_RESUME, 0, "6", NULL);
	ck_assert_str_eq(XST_RES(r), "EACCES");
	r = xst_callv(c0, XS_INTRODUCE, 0, "6", "1", NULL);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_callv(c0, XS_INTRODUCE, 0, "32752", "1", "1", NULL);  /* reserved id */
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_callv(c0, XS_RELEASE, 0, "6", NULL);
	ck_assert_str_eq(XST_RES(r), "ENOENT");
	r = xst_callv(c0, XS_IS_DOMAIN_INTRODUCED, 0, "6", NULL);
	ck_assert_str_eq(r.data, "F");
	r = xst_callv(c0, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL);
	ck_assert_str_eq(r.data, "T");
}
END_TEST

START_TEST(test_release_revokes_rights_of_the_domid)
{
	struct xsd_conn *g = xst_conn(9);
	struct xsd_domain *d;
	char buf[64];

	ck_assert_str_eq(xst_callv(c0, XS_INTRODUCE, 0, "9", "100", "1", NULL).data, "OK");
	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/9/data", "x"), "OK");
	ck_assert_str_eq(set_perms(c0, "/local/domain/9", "n9", NULL), "OK");
	ck_assert_str_eq(set_perms(c0, "/p/node", "n0", "r9"), "OK");
	ck_assert_str_eq(xst_write(g, 0, "/local/domain/9/mine", "m"), "OK");
	ck_assert_str_eq(xst_read(g, 0, "/p/node"), "secret");
	d = xsd_domain_get(&xst_store, 9, false);
	ck_assert_uint_eq(d->nodes, 2);
	ck_assert_str_eq(xst_callv(c0, XS_RELEASE, 0, "9", NULL).data, "OK");
	ck_assert_str_eq(xst_read(c0, 0, "/local/domain/9/mine"), "ENOENT");
	ck_assert_str_eq(xst_read(c0, 0, "/local/domain/9/data"), "ENOENT");
	get_perms(c0, "/p/node", buf, sizeof(buf));
	ck_assert_str_eq(buf, "n0");
	ck_assert_uint_eq(d->nodes, 0);
	/* A new domain 9 starts with nothing. */
	ck_assert_str_eq(xst_read(xst_conn(9), 0, "/p/node"), "EACCES");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsd_perms");
	TCase *tc = tcase_create("perms");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, perms_setup, xst_teardown);
	tcase_add_test(tc, test_default_denies_unprivileged);
	tcase_add_test(tc, test_acl_entries);
	tcase_add_test(tc, test_owner_has_full_access_and_inheritance);
	tcase_add_test(tc, test_set_perms_rules);
	tcase_add_test(tc, test_target_domain_acts_for_target);
	tcase_add_test(tc, test_domain_ops_need_privilege);
	tcase_add_test(tc, test_release_revokes_rights_of_the_domid);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

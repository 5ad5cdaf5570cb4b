/* SPDX-License-Identifier: MIT */
/* Unit tests of the xenstored core tree: paths, read/write/mkdir/rm, directories, malformed input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xst_harness.h"

START_TEST(test_write_read_and_implicit_parents)
{
	struct xsd_conn *c = xst_conn(0);
	struct xst_reply r;

	ck_assert_str_eq(xst_write(c, 0, "/a/b/c", "value"), "OK");
	ck_assert_str_eq(xst_read(c, 0, "/a/b/c"), "value");
	r = xst_callv(c, XS_READ, 0, "/a/b", NULL);
	ck_assert_uint_eq(r.type, XS_READ);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_str_eq(xst_read(c, 0, "/a/b/missing"), "ENOENT");
	ck_assert_str_eq(xst_write(c, 0, "/a/b/c", "second"), "OK");
	ck_assert_str_eq(xst_read(c, 0, "/a/b/c"), "second");
}
END_TEST

START_TEST(test_directory_order_and_mkdir)
{
	struct xsd_conn *c = xst_conn(0);
	struct xst_reply r;

	ck_assert_str_eq(xst_write(c, 0, "/d/zeta", "1"), "OK");
	ck_assert_str_eq(xst_write(c, 0, "/d/alpha", "2"), "OK");
	r = xst_callv(c, XS_MKDIR, 0, "/d/mid", NULL);
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c, XS_MKDIR, 0, "/d/mid", NULL);  /* existing is fine */
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c, XS_DIRECTORY, 0, "/d", NULL);
	ck_assert_uint_eq(r.type, XS_DIRECTORY);
	ck_assert_uint_eq(r.len, sizeof("zeta\0alpha\0mid"));
	ck_assert_mem_eq(r.data, "zeta\0alpha\0mid", r.len);
	r = xst_callv(c, XS_DIRECTORY, 0, "/d/zeta", NULL);
	ck_assert_uint_eq(r.len, 0);
}
END_TEST

START_TEST(test_rm_subtree)
{
	struct xsd_conn *c = xst_conn(0);
	struct xst_reply r;

	ck_assert_str_eq(xst_write(c, 0, "/r/x/y/z", "1"), "OK");
	ck_assert_str_eq(xst_write(c, 0, "/r/keep", "k"), "OK");
	r = xst_callv(c, XS_RM, 0, "/r/x", NULL);
	ck_assert_str_eq(r.data, "OK");
	ck_assert_str_eq(xst_read(c, 0, "/r/x/y/z"), "ENOENT");
	ck_assert_str_eq(xst_read(c, 0, "/r/x/y"), "ENOENT");
	ck_assert_str_eq(xst_read(c, 0, "/r/keep"), "k");
	r = xst_callv(c, XS_DIRECTORY, 0, "/r", NULL);
	ck_assert_mem_eq(r.data, "keep", 5);
	ck_assert_uint_eq(r.len, 5);
	r = xst_callv(c, XS_RM, 0, "/r/x", NULL);  /* already gone, parent exists */
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c, XS_RM, 0, "/nope/x", NULL);
	ck_assert_str_eq(XST_RES(r), "ENOENT");
	r = xst_callv(c, XS_RM, 0, "/", NULL);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
}
END_TEST

START_TEST(test_invalid_paths)
{
	static const char *bad[] = { "/a//b", "/a/", "/a b", "/a\tb", "", "/a/b*", "/@x y" };
	struct xsd_conn *c = xst_conn(0);
	char longpath[XENSTORE_ABS_PATH_MAX + 8];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(strcmp(xst_write(c, 0, bad[i], "v"), "EINVAL") == 0, "path %s", bad[i]);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	ck_assert_str_eq(xst_read(c, 0, longpath), "EINVAL");
	longpath[XENSTORE_ABS_PATH_MAX] = '\0';
	ck_assert_str_eq(xst_read(c, 0, longpath), "ENOENT");
}
END_TEST

START_TEST(test_relative_paths)
{
	struct xsd_conn *c0 = xst_conn(0), *c5 = xst_conn(5);
	struct xst_reply r;

	ck_assert_str_eq(xst_write(c0, 0, "/local/domain/5/x", ""), "OK");
	r = xst_callv(c0, XS_SET_PERMS, 0, "/local/domain/5", "n5", NULL);
	ck_assert_str_eq(r.data, "OK");
	ck_assert_str_eq(xst_write(c5, 0, "name", "guest"), "OK");
	ck_assert_str_eq(xst_read(c0, 0, "/local/domain/5/name"), "guest");
	ck_assert_str_eq(xst_read(c5, 0, "name"), "guest");
	r = xst_callv(c5, XS_GET_DOMAIN_PATH, 0, "5", NULL);
	ck_assert_str_eq(r.data, "/local/domain/5");
	r = xst_callv(c5, XS_GET_DOMAIN_PATH, 0, "5x", NULL);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
}
END_TEST

START_TEST(test_value_sizes)
{
	struct xsd_conn *c = xst_conn(0);
	char buf[XENSTORE_PAYLOAD_MAX];
	const char *path = "/big";
	uint32_t max = XENSTORE_PAYLOAD_MAX - 5;
	struct xst_reply r;

	memcpy(buf, path, 5);
	memset(buf + 5, 'v', max);
	r = xst_call(c, XS_WRITE, 0, buf, XENSTORE_PAYLOAD_MAX);
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c, XS_READ, 0, path, NULL);
	ck_assert_uint_eq(r.len, max);
	ck_assert_mem_eq(r.data, buf + 5, max);
}
END_TEST

START_TEST(test_directory_part_pages)
{
	struct xsd_conn *c = xst_conn(0);
	char path[64], all[32768];
	uint32_t alen = 0, off = 0, gen0 = 0;
	struct xst_reply r;
	int pages = 0;

	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/many/child-with-long-name-%03d", i);
		ck_assert_str_eq(xst_write(c, 0, path, ""), "OK");
	}
	r = xst_callv(c, XS_DIRECTORY, 0, "/many", NULL);
	ck_assert_str_eq(XST_RES(r), "E2BIG");
	for (;;) {
		char offs[16];
		size_t gl;

		snprintf(offs, sizeof(offs), "%u", off);
		r = xst_callv(c, XS_DIRECTORY_PART, 0, "/many", offs, NULL);
		ck_assert_uint_eq(r.type, XS_DIRECTORY_PART);
		ck_assert_uint_le(r.len, XENSTORE_PAYLOAD_MAX);
		gl = strlen(r.data) + 1;
		if (pages++ == 0)
			gen0 = (uint32_t)atoi(r.data);
		ck_assert_uint_eq((uint32_t)atoi(r.data), gen0);
		if (r.len == gl + 1 || (r.len >= gl + 2 && r.data[r.len - 2] == '\0')) {
			memcpy(all + alen, r.data + gl, r.len - gl - 1);
			alen += r.len - (uint32_t)gl - 1;
			break;
		}
		memcpy(all + alen, r.data + gl, r.len - gl);
		alen += r.len - (uint32_t)gl;
		off = alen;
	}
	ck_assert_int_gt(pages, 3);
	for (int i = 0, o = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "child-with-long-name-%03d", i);
		ck_assert_str_eq(all + o, path);
		o += (int)strlen(path) + 1;
	}
	/* A stale offset inside a name still answers (the generation tells the client). */
	r = xst_callv(c, XS_DIRECTORY_PART, 0, "/many", "3", NULL);
	ck_assert_uint_eq(r.type, XS_DIRECTORY_PART);
	ck_assert_str_eq(r.data + strlen(r.data) + 1, "ld-with-long-name-000");
	r = xst_callv(c, XS_DIRECTORY_PART, 0, "/many", "999999", NULL);  /* past the end */
	ck_assert_uint_eq(r.len, strlen(r.data) + 2);
	r = xst_callv(c, XS_DIRECTORY_PART, 0, "/many", "x", NULL);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
}
END_TEST

START_TEST(test_malformed_messages)
{
	struct xsd_conn *c = xst_conn(0), *other = xst_conn(0);
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1 };
	struct xst_reply r;

	r = xst_call(c, XS_READ, 0, "/a", 2);            /* no NUL */
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_call(c, XS_READ, 0, "/a\0/b", 6);       /* two strings */
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_call(c, XS_READ, 0, "", 0);             /* empty */
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_call(c, XS_WRITE, 0, "/a", 2);          /* no path terminator */
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_call(c, 99, 0, "", 0);
	ck_assert_str_eq(XST_RES(r), "ENOSYS");
	r = xst_call(c, 20, 0, "", 0);                  /* XS_RESTRICT, removed */
	ck_assert_str_eq(XST_RES(r), "ENOSYS");
	r = xst_call(c, XS_WATCH_EVENT, 0, "/a\0t", 5);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_call(c, XS_ERROR, 0, "EINVAL", 7);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_callv(c, XS_READ, 12345, "/", NULL);     /* unknown transaction */
	ck_assert_str_eq(XST_RES(r), "ENOENT");
	/* An impossible length breaks only that connection. */
	ck_assert_int_eq(xsd_conn_feed(c, &h, sizeof(h)), -1);
	ck_assert(c->broken);
	ck_assert_str_eq(xst_write(other, 0, "/still", "fine"), "OK");
	xsd_conn_free(c);
	ck_assert_str_eq(xst_read(other, 0, "/still"), "fine");
}
END_TEST

START_TEST(test_byte_at_a_time)
{
	struct xsd_conn *c = xst_conn(0);
	uint8_t msg[64];
	struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 7, .len = 8 };
	const uint8_t *p;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "/bytes\0v", 8);
	for (size_t i = 0; i < sizeof(h) + 8; i++) {
		ck_assert_uint_eq(xsd_conn_out_peek(c, &p), 0);
		ck_assert_int_eq(xsd_conn_feed(c, msg + i, 1), 1);
	}
	ck_assert_uint_eq(xsd_conn_out_peek(c, &p), sizeof(h) + 3);
	xsd_conn_out_consume(c, sizeof(h) + 3);
	ck_assert_str_eq(xst_read(c, 0, "/bytes"), "v");
}
END_TEST

START_TEST(test_deep_path_create_and_remove)
{
	struct xsd_conn *c = xst_conn(0);
	char path[XENSTORE_ABS_PATH_MAX + 1];
	size_t len = 2;
	struct xst_reply r;

	strcpy(path, "/d");
	while (len + 2 <= XENSTORE_ABS_PATH_MAX) {
		strcpy(path + len, "/x");
		len += 2;
	}
	ck_assert_str_eq(xst_write(c, 0, path, "bottom"), "OK");
	ck_assert_str_eq(xst_read(c, 0, path), "bottom");
	ck_assert_uint_ge(xst_store.nodes.count, 1500);
	r = xst_callv(c, XS_RM, 0, "/d", NULL);
	ck_assert_str_eq(r.data, "OK");
	ck_assert_str_eq(xst_read(c, 0, path), "ENOENT");
	ck_assert_uint_lt(xst_store.nodes.count, 10);
}
END_TEST

START_TEST(test_control)
{
	struct xsd_conn *c = xst_conn(0), *u = xst_conn(3);
	struct xst_reply r;

	r = xst_callv(c, XS_CONTROL, 0, "check", NULL);
	ck_assert_str_eq(r.data, "OK");
	r = xst_callv(c, XS_CONTROL, 0, "quota", "nodes", "7", NULL);
	ck_assert_str_eq(r.data, "OK");
	ck_assert_uint_eq(xst_store.quota.nodes, 7);
	r = xst_callv(c, XS_CONTROL, 0, "quota", "bogus", "7", NULL);
	ck_assert_str_eq(XST_RES(r), "EINVAL");
	r = xst_callv(u, XS_CONTROL, 0, "check", NULL);
	ck_assert_str_eq(XST_RES(r), "EACCES");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsd_tree");
	TCase *tc = tcase_create("tree");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, xst_setup, xst_teardown);
	tcase_add_test(tc, test_write_read_and_implicit_parents);
	tcase_add_test(tc, test_directory_order_and_mkdir);
	tcase_add_test(tc, test_rm_subtree);
	tcase_add_test(tc, test_invalid_paths);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_value_sizes);
	tcase_add_test(tc, test_directory_part_pages);
	tcase_add_test(tc, test_malformed_messages);
	tcase_add_test(tc, test_byte_at_a_time);
	tcase_add_test(tc, test_deep_path_create_and_remove);
	tcase_add_test(tc, test_control);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/* Our client library against skiff-xenstored's socket, plus hostile raw-socket clients beside it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_client.h"

static struct xs_handle *h;

static void setup(void)
{
	h = xs_open(0);
	ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
	char *r = xs_request(h, XS_CONTROL, XBT_NULL, "check", 6, NULL);

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "OK");
	free(r);
	xs_close(h);
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("XENSTORED_PATH"));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t len, const void *pl, size_t pllen)
{
	struct xsd_sockmsg m = { .type = type, .req_id = 77, .len = len };

	ck_assert_int_eq(send(fd, &m, sizeof(m), MSG_NOSIGNAL), (ssize_t)sizeof(m));
	if (pllen)
		ck_assert_int_eq(send(fd, pl, pllen, MSG_NOSIGNAL), (ssize_t)pllen);
}

/* Reads one reply; returns its type and copies the payload into out. */
static uint32_t raw_reply(int fd, char *out, size_t outlen)
{
	struct xsd_sockmsg m;

	ck_assert_int_eq(recv(fd, &m, sizeof(m), MSG_WAITALL), (ssize_t)sizeof(m));
	ck_assert_uint_lt(m.len, outlen);
	ck_assert_int_eq(recv(fd, out, m.len, MSG_WAITALL), (ssize_t)m.len);
	out[m.len] = '\0';
	return m.type;
}

static void still_served(void)
{
	char *v;

	ck_assert(xs_write(h, XBT_NULL, "/own/alive", "yes", 3));
	v = xs_read(h, XBT_NULL, "/own/alive", NULL);
	ck_assert_str_eq(v, "yes");
	free(v);
}

START_TEST(test_api_and_errors)
{
	struct xs_permissions p[2] = { { 0, XS_PERM_NONE }, { 4, XS_PERM_READ } }, *got;
	unsigned int n;
	char **d, *v;

	ck_assert(xs_write(h, XBT_NULL, "/own/a/b", "1", 1));
	ck_assert(xs_mkdir(h, XBT_NULL, "/own/a/c"));
	d = xs_directory(h, XBT_NULL, "/own/a", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0], "b");
	ck_assert_str_eq(d[1], "c");
	free(d);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/own/none", NULL));
	ck_assert_int_eq(xs_error(h), XEN_ENOENT);
	ck_assert(!xs_write(h, XBT_NULL, "/own//bad", "1", 1));
	ck_assert_int_eq(xs_error(h), XEN_EINVAL);
	ck_assert(xs_set_permissions(h, XBT_NULL, "/own/a/b", p, 2));
	got = xs_get_permissions(h, XBT_NULL, "/own/a/b", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[1].id, 4);
	ck_assert_uint_eq(got[1].perms, XS_PERM_READ);
	free(got);
	ck_assert(xs_rm(h, XBT_NULL, "/own/a"));
	v = xs_get_domain_path(h, 12);
	ck_assert_str_eq(v, "/local/domain/12");
	free(v);
}
END_TEST

START_TEST(test_directory_part_fallback)
{
	char path[80], **d;
	unsigned int n;

	for (int i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "/own/big/a-rather-long-child-name-%04d", i);
		ck_assert(xs_write(h, XBT_NULL, path, "", 0));
	}
	d = xs_directory(h, XBT_NULL, "/own/big", &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 400);
	for (int i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "a-rather-long-child-name-%04d", i);
		ck_assert_str_eq(d[i], path);
	}
	free(d);
	ck_assert(xs_rm(h, XBT_NULL, "/own/big"));
}
END_TEST

START_TEST(test_transactions_and_watches)
{
	struct xs_handle *o = xs_open(0);
	xs_transaction_t t;
	unsigned int n;
	char **ev;

	ck_assert(xs_watch(o, "/own/w", "tk"));
	ev = xs_read_watch_timeout(o, &n, 5000);
	ck_assert_ptr_nonnull(ev);
	free(ev);
	t = xs_transaction_start(h);
	free(xs_read(h, t, "/own/w", NULL));
	ck_assert(xs_write(h, t, "/own/w/x", "1", 1));
	ck_assert(xs_write(o, XBT_NULL, "/own/w", "clash", 5));
	ck_assert(!xs_transaction_end(h, t, false));
	ck_assert_int_eq(xs_error(h), XEN_EAGAIN);
	ev = xs_read_watch_timeout(o, &n, 5000);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "/own/w");
	free(ev);
	ck_assert_ptr_null(xs_read_watch_timeout(o, &n, 100));
	ck_assert_int_eq(xs_error(o), XEN_ETIMEDOUT);
	ck_assert(xs_unwatch(o, "/own/w", "tk"));
	xs_close(o);
}
END_TEST

START_TEST(test_oversized_length_closes_only_that_client)
{
	int fd = raw_connect();
	char c;

	raw_send(fd, XS_READ, XENSTORE_PAYLOAD_MAX + 1, NULL, 0);
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);  /* closed */
	close(fd);
	still_served();
}
END_TEST

START_TEST(test_bad_messages_get_error_replies)
{
	int fd = raw_connect();
	char buf[256];

	raw_send(fd, 77, 0, NULL, 0);
	ck_assert_uint_eq(raw_reply(fd, buf, sizeof(buf)), XS_ERROR);
	ck_assert_str_eq(buf, "ENOSYS");
	raw_send(fd, XS_READ, 4, "/own", 4);
	ck_assert_uint_eq(raw_reply(fd, buf, sizeof(buf)), XS_ERROR);
	ck_assert_str_eq(buf, "EINVAL");
	raw_send(fd, XS_WRITE, 0, NULL, 0);
	ck_assert_uint_eq(raw_reply(fd, buf, sizeof(buf)), XS_ERROR);
	ck_assert_str_eq(buf, "EINVAL");
	raw_send(fd, XS_GET_DOMAIN_PATH, 2, "7", 2);  /* still usable afterwards */
	ck_assert_uint_eq(raw_reply(fd, buf, sizeof(buf)), XS_GET_DOMAIN_PATH);
	ck_assert_str_eq(buf, "/local/domain/7");
	close(fd);
	still_served();
}
END_TEST

START_TEST(test_garbage_and_half_messages)
{
	static uint8_t junk[65536];
	int fd = raw_connect(), fd2 = raw_connect();

	srand(1234);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
	send(fd2, junk, 9, MSG_NOSIGNAL);  /* half a header, then hang up */
	close(fd2);
	still_served();
	close(fd);
	still_served();
}
END_TEST

START_TEST(test_client_that_never_reads)
{
	int fd = raw_connect();
	char buf[64];

	raw_send(fd, XS_WATCH, 4, "/\0t", 4);
	ck_assert_uint_eq(raw_reply(fd, buf, sizeof(buf)), XS_WATCH);
	/* Flood events at it without reading; everyone else must keep going. */
	for (int i = 0; i < 20000; i++)
		ck_assert(xs_write(h, XBT_NULL, "/own/flood", "0123456789", 10));
	still_served();
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("own-client-vs-skiff-xenstored");
	TCase *tc = tcase_create("socket");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_api_and_errors);
	tcase_add_test(tc, test_directory_part_fallback);
	tcase_add_test(tc, test_transactions_and_watches);
	tcase_add_test(tc, test_oversized_length_closes_only_that_client);
	tcase_add_test(tc, test_bad_messages_get_error_replies);
	tcase_add_test(tc, test_garbage_and_half_messages);
	tcase_add_test(tc, test_client_that_never_reads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

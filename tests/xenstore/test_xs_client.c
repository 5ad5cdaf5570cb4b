/* SPDX-License-Identifier: MIT */
/* Unit tests of the libxenstore-style client against a scripted daemon: replies, errors, events, paging. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "xs_client.h"

/* The scripted daemon: what the client sent, and bytes queued for it to read. */
static uint8_t sent[65536], script[65536];
static size_t sent_len, script_len, script_off;

static int fake_send(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	ck_assert_uint_le(sent_len + len, sizeof(sent));
	memcpy(sent + sent_len, buf, len);
	sent_len += len;
	return 0;
}

static long fake_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	size_t n = script_len - script_off;

	(void)ctx;
	(void)timeout_ms;
	if (n == 0)
		return 0;  /* nothing more: behaves like a timeout */
	n = n < len ? n : len;
	memcpy(buf, script + script_off, n);
	script_off += n;
	return (long)n;
}

static void reply(uint32_t type, uint32_t req_id, const void *pl, uint32_t len)
{
	struct xsd_sockmsg m = { .type = type, .req_id = req_id, .len = len };

	memcpy(script + script_len, &m, sizeof(m));
	memcpy(script + script_len + sizeof(m), pl, len);
	script_len += sizeof(m) + len;
}

/* Payload of the n-th request the client sent (0-based). */
static const char *sent_payload(int n, struct xsd_sockmsg *out)
{
	size_t off = 0;

	for (;;) {
		struct xsd_sockmsg m;

		ck_assert_uint_lt(off, sent_len);
		memcpy(&m, sent + off, sizeof(m));
		if (n-- == 0) {
			*out = m;
			return (const char *)sent + off + sizeof(m);
		}
		off += sizeof(m) + m.len;
	}
}

static struct xs_handle *h;

static void setup(void)
{
	struct xs_transport t = { .send = fake_send, .recv = fake_recv, .alloc = malloc,
				  .free = free };

	sent_len = script_len = script_off = 0;
	h = xs_open_transport(&t);
	ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
	xs_close(h);
}

START_TEST(test_error_names_map_to_errno_values)
{
	reply(XS_ERROR, 1, "EACCES", 7);
	reply(XS_ERROR, 2, "EWHATEVER", 10);
	reply(XS_ERROR, 3, "EAGAIN", 7);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/a", NULL));
	ck_assert_int_eq(xs_error(h), XEN_EACCES);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/a", NULL));
	ck_assert_int_eq(xs_error(h), XEN_EINVAL);
	ck_assert(!xs_transaction_end(h, 5, false));
	ck_assert_int_eq(xs_error(h), XEN_EAGAIN);
}
END_TEST

START_TEST(test_request_encoding)
{
	struct xsd_sockmsg m;
	const char *p;

	reply(XS_WRITE, 1, "OK", 3);
	reply(XS_TRANSACTION_END, 2, "OK", 3);
	ck_assert(xs_write(h, 7, "/k", "val", 3));
	ck_assert(xs_transaction_end(h, 7, true));
	p = sent_payload(0, &m);
	ck_assert_uint_eq(m.type, XS_WRITE);
	ck_assert_uint_eq(m.tx_id, 7);
	ck_assert_uint_eq(m.len, 6);
	ck_assert_mem_eq(p, "/k\0val", 6);  /* value without a trailing NUL */
	p = sent_payload(1, &m);
	ck_assert_uint_eq(m.type, XS_TRANSACTION_END);
	ck_assert_mem_eq(p, "F", 2);
}
END_TEST

START_TEST(test_events_arriving_before_a_reply_are_kept)
{
	unsigned int n, len;
	char **ev, *v;

	reply(XS_WATCH_EVENT, 0, "/w/x\0tok", 9);
	reply(XS_READ, 99, "stale", 5);     /* not ours: skipped */
	reply(XS_READ, 1, "value", 5);
	v = xs_read(h, XBT_NULL, "/r", &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(v, "value");
	free(v);
	ev = xs_read_watch_timeout(h, &n, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "/w/x");
	ck_assert_str_eq(ev[XS_WATCH_TOKEN], "tok");
	free(ev);
	ck_assert_ptr_null(xs_read_watch_timeout(h, &n, 0));
	ck_assert_int_eq(xs_error(h), XEN_ETIMEDOUT);
}
END_TEST

START_TEST(test_wrong_reply_type_is_rejected)
{
	reply(XS_DIRECTORY, 1, "x", 2);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/a", NULL));
	ck_assert_int_eq(xs_error(h), XEN_EINVAL);
}
END_TEST

START_TEST(test_oversized_reply_breaks_the_handle)
{
	struct xsd_sockmsg m = { .type = XS_READ, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1 };

	memcpy(script, &m, sizeof(m));
	script_len = sizeof(m);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/a", NULL));
	ck_assert_int_eq(xs_error(h), XEN_EIO);
	reply(XS_READ, 2, "late", 4);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/a", NULL));  /* framing is lost for good */
	ck_assert_int_eq(xs_error(h), XEN_EIO);
}
END_TEST

START_TEST(test_directory_part_restarts_when_the_list_changes)
{
	struct xsd_sockmsg m;
	unsigned int n;
	char **d;

	reply(XS_ERROR, 1, "E2BIG", 6);
	reply(XS_DIRECTORY_PART, 2, "5\0a\0b", 6);          /* not the end */
	reply(XS_DIRECTORY_PART, 3, "6\0c", 4);             /* generation moved */
	reply(XS_DIRECTORY_PART, 4, "6\0a\0b\0c\0", 9);     /* whole list, ends in "" */
	d = xs_directory(h, XBT_NULL, "/big", &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(d[0], "a");
	ck_assert_str_eq(d[2], "c");
	free(d);
	ck_assert_mem_eq(sent_payload(1, &m), "/big\0" "0", 7);
	ck_assert_mem_eq(sent_payload(2, &m), "/big\0" "4", 7);
	ck_assert_mem_eq(sent_payload(3, &m), "/big\0" "0", 7);
}
END_TEST

START_TEST(test_permissions_parsing)
{
	struct xs_permissions *p, set[2] = { { 5, XS_PERM_READ | XS_PERM_WRITE },
					     { 9, XS_PERM_NONE } };
	struct xsd_sockmsg m;
	unsigned int n;

	reply(XS_GET_PERMS, 1, "b5\0n0\0r12", 10);
	reply(XS_GET_PERMS, 2, "x5", 3);
	reply(XS_SET_PERMS, 3, "OK", 3);
	p = xs_get_permissions(h, XBT_NULL, "/p", &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(p[0].id, 5);
	ck_assert_uint_eq(p[0].perms, XS_PERM_READ | XS_PERM_WRITE);
	ck_assert_uint_eq(p[2].id, 12);
	ck_assert_uint_eq(p[2].perms, XS_PERM_READ);
	free(p);
	ck_assert_ptr_null(xs_get_permissions(h, XBT_NULL, "/p", &n));
	ck_assert_int_eq(xs_error(h), XEN_EIO);
	ck_assert(xs_set_permissions(h, XBT_NULL, "/p", set, 2));
	ck_assert_mem_eq(sent_payload(2, &m), "/p\0b5\0n9", 9);
}
END_TEST

START_TEST(test_transaction_id_must_be_a_number)
{
	reply(XS_TRANSACTION_START, 1, "42", 3);
	reply(XS_TRANSACTION_START, 2, "4x", 3);
	ck_assert_uint_eq(xs_transaction_start(h), 42);
	ck_assert_uint_eq(xs_transaction_start(h), XBT_NULL);
	ck_assert_int_eq(xs_error(h), XEN_EIO);
}
END_TEST

START_TEST(test_too_long_requests_are_refused_locally)
{
	static char big[XENSTORE_PAYLOAD_MAX];

	memset(big, 'x', sizeof(big));
	ck_assert(!xs_write(h, XBT_NULL, "/k", big, sizeof(big)));
	ck_assert_int_eq(xs_error(h), XEN_E2BIG);
	ck_assert_uint_eq(sent_len, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xs_client");
	TCase *tc = tcase_create("scripted-daemon");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_error_names_map_to_errno_values);
	tcase_add_test(tc, test_request_encoding);
	tcase_add_test(tc, test_events_arriving_before_a_reply_are_kept);
	tcase_add_test(tc, test_wrong_reply_type_is_rejected);
	tcase_add_test(tc, test_oversized_reply_breaks_the_handle);
	tcase_add_test(tc, test_directory_part_restarts_when_the_list_changes);
	tcase_add_test(tc, test_permissions_parsing);
	tcase_add_test(tc, test_transaction_id_must_be_a_number);
	tcase_add_test(tc, test_too_long_requests_are_refused_locally);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

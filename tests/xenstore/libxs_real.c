/* SPDX-License-Identifier: MIT */
/* Drives skiff-xenstored with Debian's libxenstore (a client no one here wrote); run under with-server.sh. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static struct xs_handle *h;

static void setup(void)
{
	h = xs_open(0);
	ck_assert_msg(h != NULL, "xs_open: %s", strerror(errno));
}

static void teardown(void)
{
	xs_close(h);
}

static char *rd(const char *path)
{
	unsigned int len;

	return xs_read(h, XBT_NULL, path, &len);
}

/* Next watch event within timeout_ms, or NULL. */
static char **next_event(struct xs_handle *xh, int timeout_ms)
{
	struct pollfd p = { .fd = xs_fileno(xh), .events = POLLIN };
	char **ev = xs_check_watch(xh);
	unsigned int n;

	if (ev)
		return ev;
	if (poll(&p, 1, timeout_ms) <= 0)
		return NULL;
	return xs_read_watch(xh, &n);
}

static void expect_event(const char *path, const char *token)
{
	char **ev = next_event(h, 5000);

	ck_assert_msg(ev != NULL, "no event for %s", path);
	ck_assert_str_eq(ev[XS_WATCH_PATH], path);
	ck_assert_str_eq(ev[XS_WATCH_TOKEN], token);
	free(ev);
}

START_TEST(test_read_write_binary)
{
	static const char data[] = { 'a', 0, 'b', 0, 'c' };
	unsigned int len;
	char *v;

	ck_assert(xs_write(h, XBT_NULL, "/rw/bin", data, sizeof(data)));
	v = xs_read(h, XBT_NULL, "/rw/bin", &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(data));
	ck_assert_mem_eq(v, data, sizeof(data));
	free(v);
	ck_assert_ptr_null(rd("/rw/missing"));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_value_at_protocol_limit)
{
	const char *path = "/rw/limit";
	unsigned int max = XENSTORE_PAYLOAD_MAX - (unsigned int)strlen(path) - 1, len;
	char *big = malloc(max), *v;

	memset(big, 'q', max);
	ck_assert(xs_write(h, XBT_NULL, path, big, max));
	v = xs_read(h, XBT_NULL, path, &len);
	ck_assert_uint_eq(len, max);
	ck_assert_mem_eq(v, big, max);
	free(v);
	free(big);
}
END_TEST

START_TEST(test_directory_mkdir_rm)
{
	unsigned int n;
	char **d;

	ck_assert(xs_mkdir(h, XBT_NULL, "/dir/x/y"));
	ck_assert(xs_mkdir(h, XBT_NULL, "/dir/x/y"));  /* existing: still fine */
	ck_assert(xs_write(h, XBT_NULL, "/dir/x/z", "1", 1));
	d = xs_directory(h, XBT_NULL, "/dir/x", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0], "y");
	ck_assert_str_eq(d[1], "z");
	free(d);
	ck_assert(xs_rm(h, XBT_NULL, "/dir"));
	ck_assert_ptr_null(xs_directory(h, XBT_NULL, "/dir/x", &n));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(!xs_rm(h, XBT_NULL, "/"));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_large_directory)
{
	char path[64], **d;
	unsigned int n;

	for (int i = 0; i < 800; i++) {
		snprintf(path, sizeof(path), "/bigdir/entry-number-%04d", i);
		ck_assert(xs_write(h, XBT_NULL, path, "", 0));
	}
	d = xs_directory(h, XBT_NULL, "/bigdir", &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 800);
	for (int i = 0; i < 800; i++) {
		snprintf(path, sizeof(path), "entry-number-%04d", i);
		ck_assert_str_eq(d[i], path);
	}
	free(d);
	ck_assert(xs_rm(h, XBT_NULL, "/bigdir"));
}
END_TEST

START_TEST(test_permissions)
{
	struct xs_permissions set[3] = {
		{ .id = 5, .perms = XS_PERM_NONE },
		{ .id = 6, .perms = XS_PERM_READ },
		{ .id = 7, .perms = XS_PERM_READ | XS_PERM_WRITE },
	}, *got;
	unsigned int n;

	ck_assert(xs_write(h, XBT_NULL, "/perm/a", "v", 1));
	ck_assert(xs_set_permissions(h, XBT_NULL, "/perm/a", set, 3));
	got = xs_get_permissions(h, XBT_NULL, "/perm/a", &n);
	ck_assert_uint_eq(n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(got[i].id, set[i].id);
		ck_assert_uint_eq(got[i].perms, set[i].perms);
	}
	free(got);
	/* A child inherits its parent's permissions. */
	ck_assert(xs_write(h, XBT_NULL, "/perm/a/child", "c", 1));
	got = xs_get_permissions(h, XBT_NULL, "/perm/a/child", &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(got[0].id, 5);
	ck_assert_uint_eq(got[2].perms, XS_PERM_READ | XS_PERM_WRITE);
	free(got);
	got = xs_get_permissions(h, XBT_NULL, "@introduceDomain", &n);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got[0].id, 0);
	free(got);
}
END_TEST

START_TEST(test_transaction_commit_abort)
{
	xs_transaction_t t = xs_transaction_start(h);
	char *v;

	ck_assert(t != XBT_NULL);
	ck_assert(xs_write(h, t, "/tx/a", "in", 2));
	ck_assert_ptr_null(rd("/tx/a"));  /* invisible outside until commit */
	v = xs_read(h, t, "/tx/a", NULL);
	ck_assert_str_eq(v, "in");
	free(v);
	ck_assert(xs_transaction_end(h, t, false));
	v = rd("/tx/a");
	ck_assert_str_eq(v, "in");
	free(v);

	t = xs_transaction_start(h);
	ck_assert(xs_write(h, t, "/tx/a", "aborted", 7));
	ck_assert(xs_rm(h, t, "/tx"));
	ck_assert(xs_transaction_end(h, t, true));
	v = rd("/tx/a");
	ck_assert_str_eq(v, "in");
	free(v);
	ck_assert(!xs_transaction_end(h, t, false));  /* already gone */
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_transaction_conflict)
{
	struct xs_handle *other = xs_open(0);
	xs_transaction_t t;
	char *v;

	ck_assert(xs_write(h, XBT_NULL, "/conf/x", "0", 1));
	t = xs_transaction_start(h);
	v = xs_read(h, t, "/conf/x", NULL);
	free(v);
	ck_assert(xs_write(h, t, "/conf/y", "from-tx", 7));
	ck_assert(xs_write(other, XBT_NULL, "/conf/x", "1", 1));
	ck_assert(!xs_transaction_end(h, t, false));
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_ptr_null(rd("/conf/y"));
	xs_close(other);
}
END_TEST

START_TEST(test_many_open_transactions)
{
	xs_transaction_t t[16];
	char path[32], *v;

	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/many-tx/%d", i);
		ck_assert(xs_write(h, XBT_NULL, path, "0", 1));
	}
	for (int i = 0; i < 16; i++) {
		t[i] = xs_transaction_start(h);
		ck_assert(t[i] != XBT_NULL);
		snprintf(path, sizeof(path), "/many-tx/%d", i);
		ck_assert(xs_write(h, t[i], path, "1", 1));
	}
	for (int i = 0; i < 16; i++)
		ck_assert(xs_transaction_end(h, t[i], false));
	for (int i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/many-tx/%d", i);
		v = rd(path);
		ck_assert_str_eq(v, "1");
		free(v);
	}
}
END_TEST

START_TEST(test_watch_events)
{
	ck_assert(xs_write(h, XBT_NULL, "/wt/base", "", 0));
	ck_assert(xs_watch(h, "/wt", "tok1"));
	expect_event("/wt", "tok1");
	ck_assert(xs_write(h, XBT_NULL, "/wt/base/new", "1", 1));
	expect_event("/wt/base/new", "tok1");
	ck_assert(xs_write(h, XBT_NULL, "/unrelated", "1", 1));
	ck_assert(xs_rm(h, XBT_NULL, "/wt/base"));
	expect_event("/wt/base", "tok1");
	ck_assert(!xs_watch(h, "/wt", "tok1"));
	ck_assert_int_eq(errno, EEXIST);
	ck_assert(xs_unwatch(h, "/wt", "tok1"));
	ck_assert(xs_write(h, XBT_NULL, "/wt/after", "1", 1));
	ck_assert_ptr_null(next_event(h, 200));
	ck_assert(!xs_unwatch(h, "/wt", "tok1"));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_watch_transaction_fires_on_commit)
{
	struct xs_handle *w = xs_open(0);
	xs_transaction_t t;
	char **ev;

	ck_assert(xs_watch(w, "/wtx", "t"));
	ev = next_event(w, 5000);
	ck_assert_ptr_nonnull(ev);
	free(ev);
	t = xs_transaction_start(h);
	ck_assert(xs_write(h, t, "/wtx/a", "1", 1));
	ck_assert_ptr_null(next_event(w, 200));
	ck_assert(xs_transaction_end(h, t, false));
	ev = next_event(w, 5000);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "/wtx/a");
	free(ev);
	xs_close(w);
}
END_TEST

START_TEST(test_relative_paths_and_domain_path)
{
	char *p = xs_get_domain_path(h, 0), *v;

	ck_assert_str_eq(p, "/local/domain/0");
	free(p);
	p = xs_get_domain_path(h, 42);
	ck_assert_str_eq(p, "/local/domain/42");
	free(p);
	ck_assert(xs_write(h, XBT_NULL, "rel/key", "r", 1));
	v = rd("/local/domain/0/rel/key");
	ck_assert_str_eq(v, "r");
	free(v);
	ck_assert(xs_watch(h, "rel", "relative"));
	expect_event("rel", "relative");
	ck_assert(xs_write(h, XBT_NULL, "/local/domain/0/rel/key", "s", 1));
	expect_event("rel/key", "relative");
	ck_assert(xs_unwatch(h, "rel", "relative"));
}
END_TEST

START_TEST(test_introduce_release)
{
	ck_assert(xs_watch(h, "@introduceDomain", "intro"));
	expect_event("@introduceDomain", "intro");
	ck_assert(xs_watch(h, "@releaseDomain", "rel"));
	expect_event("@releaseDomain", "rel");
	ck_assert(!xs_is_domain_introduced(h, 9));
	ck_assert(xs_introduce_domain(h, 9, 0x1234, 5));
	expect_event("@introduceDomain", "intro");
	ck_assert(xs_is_domain_introduced(h, 9));
	ck_assert(xs_introduce_domain(h, 10, 0x1235, 6));
	expect_event("@introduceDomain", "intro");
	ck_assert(xs_set_target(h, 10, 9));
	ck_assert(xs_resume_domain(h, 9));
	ck_assert(xs_release_domain(h, 9));
	expect_event("@releaseDomain", "rel");
	ck_assert(!xs_is_domain_introduced(h, 9));
	ck_assert(!xs_release_domain(h, 9));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(xs_release_domain(h, 10));
	expect_event("@releaseDomain", "rel");
	ck_assert(xs_unwatch(h, "@introduceDomain", "intro"));
	ck_assert(xs_unwatch(h, "@releaseDomain", "rel"));
}
END_TEST

START_TEST(test_control)
{
	char *r = xs_control_command(h, "check", NULL, 0);

	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "OK");
	free(r);
	ck_assert_ptr_null(xs_control_command(h, "no-such-command", NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

#define RC_THREADS 4
#define RC_INCS 150

/* Each thread adds RC_INCS to a shared counter in transactions, retrying on EAGAIN. */
static void *rc_incrementer(void *arg)
{
	struct xs_handle *xh = xs_open(0);
	long *retries = arg;

	for (int done = 0; xh && done < RC_INCS;) {
		xs_transaction_t t = xs_transaction_start(xh);
		char *v = xs_read(xh, t, "/rc/counter", NULL), buf[32];

		snprintf(buf, sizeof(buf), "%ld", (v ? atol(v) : -1000000) + 1);
		free(v);
		if (!xs_write(xh, t, "/rc/counter", buf, (unsigned int)strlen(buf)))
			break;
		if (xs_transaction_end(xh, t, false))
			done++;
		else if (errno == EAGAIN)
			(*retries)++;
		else
			break;
	}
	xs_close(xh);
	return NULL;
}

START_TEST(test_concurrent_real_clients)
{
	struct xs_handle *w = xs_open(0);
	pthread_t tid[RC_THREADS];
	long retries[RC_THREADS] = { 0 }, total_retries = 0;
	int events = 0;
	char **ev, *v;

	ck_assert(xs_write(h, XBT_NULL, "/rc/counter", "0", 1));
	ck_assert(xs_watch(w, "/rc/counter", "rc"));
	ev = next_event(w, 5000);
	ck_assert_ptr_nonnull(ev);
	free(ev);
	for (int i = 0; i < RC_THREADS; i++)
		pthread_create(&tid[i], NULL, rc_incrementer, &retries[i]);
	/* Every commit changes the node once, so exactly one event per increment. */
	while (events < RC_THREADS * RC_INCS && (ev = next_event(w, 10000)) != NULL) {
		ck_assert_str_eq(ev[XS_WATCH_PATH], "/rc/counter");
		free(ev);
		events++;
	}
	for (int i = 0; i < RC_THREADS; i++) {
		pthread_join(tid[i], NULL);
		total_retries += retries[i];
	}
	ck_assert_int_eq(events, RC_THREADS * RC_INCS);
	ck_assert_ptr_null(next_event(w, 300));
	v = rd("/rc/counter");
	ck_assert_int_eq(atoi(v), RC_THREADS * RC_INCS);
	free(v);
	printf("concurrent libxenstore clients: %d commits, %ld EAGAIN retries\n",
	       RC_THREADS * RC_INCS, total_retries);
	xs_close(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libxenstore-vs-skiff-xenstored");
	TCase *tc = tcase_create("real-client");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_read_write_binary);
	tcase_add_test(tc, test_value_at_protocol_limit);
	tcase_add_test(tc, test_directory_mkdir_rm);
	tcase_add_test(tc, test_large_directory);
	tcase_add_test(tc, test_permissions);
	tcase_add_test(tc, test_transaction_commit_abort);
	tcase_add_test(tc, test_transaction_conflict);
	tcase_add_test(tc, test_many_open_transactions);
	tcase_add_test(tc, test_watch_events);
	tcase_add_test(tc, test_watch_transaction_fires_on_commit);
	tcase_add_test(tc, test_relative_paths_and_domain_path);
	tcase_add_test(tc, test_introduce_release);
	tcase_add_test(tc, test_control);
	tcase_add_test(tc, test_concurrent_real_clients);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

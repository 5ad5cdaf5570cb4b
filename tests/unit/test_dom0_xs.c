/* SPDX-License-Identifier: MIT */
/* dom0's xenstore on the host: the nodes and permissions each domain gets, INTRODUCE/RELEASE and their watches. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "dom0_xs.h"

static uint32_t intro_domid, intro_port, released;
static uint64_t intro_mfn;

static int plat_introduce(void *ctx, struct xsd_store *s, uint32_t domid, uint64_t mfn, uint32_t port)
{
	(void)ctx, (void)s;
	intro_domid = domid;
	intro_mfn = mfn;
	intro_port = port;
	return 0;
}

static void plat_release(void *ctx, struct xsd_store *s, uint32_t domid)
{
	(void)ctx, (void)s;
	released = domid;
}

/* A client of the store as some domain, over the same kind of in-process transport. */
struct client {
	struct xsd_conn *c;
	struct xs_handle *h;
};

static int c_send(void *ctx, const void *buf, size_t len)
{
	struct client *cl = ctx;

	return xsd_conn_feed(cl->c, buf, len) == (long)len ? 0 : -1;
}

static long c_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct client *cl = ctx;
	const uint8_t *p;
	size_t n = xsd_conn_out_peek(cl->c, &p);

	(void)timeout_ms;
	if (n > len)
		n = len;
	memcpy(buf, p, n);
	xsd_conn_out_consume(cl->c, n);
	return (long)n;
}

static void client_open(struct client *cl, struct dom0_xs *x, uint32_t domid)
{
	struct xs_transport t = { .ctx = cl, .send = c_send, .recv = c_recv, .alloc = malloc, .free = free };

	cl->c = xsd_conn_new(&x->store, domid);
	ck_assert_ptr_nonnull(cl->c);
	cl->h = xs_open_transport(&t);
	ck_assert_ptr_nonnull(cl->h);
}

static char *rd(struct client *cl, const char *path)
{
	unsigned int len;

	return xs_read(cl->h, XBT_NULL, path, &len);
}

static const struct dom0_xs_domain alpha = {
	.domid = 5, .name = "alpha",
	.uuid = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 1, 2, 3, 4, 5, 6, 7 },
	.mem_kb = 262144, .nr_vcpus = 2, .console_mfn = 0x1234, .console_port = 3, .store_mfn = 0x1235, .store_port = 4,
	.start_time_ns = 1795312385639999999ULL,
};

START_TEST(nodes_and_permissions)
{
	struct xsd_platform plat = { .introduce = plat_introduce, .release = plat_release };
	static struct dom0_xs x;
	struct client me, other, watcher;
	unsigned int num;
	char **ev, *v;

	ck_assert_int_eq(dom0_xs_init(&x, &plat), 0);
	client_open(&watcher, &x, 0);
	ck_assert(xs_watch(watcher.h, "@introduceDomain", "intro"));
	ck_assert(xs_watch(watcher.h, "@releaseDomain", "rel"));
	/* Registering a watch fires it once: take those first. */
	xs_free(watcher.h, xs_read_watch_timeout(watcher.h, &num, 0));
	xs_free(watcher.h, xs_read_watch_timeout(watcher.h, &num, 0));

	ck_assert_int_eq(dom0_xs_introduce(&x, &alpha), 0);
	ck_assert_uint_eq(intro_domid, 5);
	ck_assert_uint_eq(intro_mfn, 0x1235);
	ck_assert_uint_eq(intro_port, 4);
	ev = xs_read_watch_timeout(watcher.h, &num, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "@introduceDomain");
	xs_free(watcher.h, ev);

	client_open(&me, &x, 5);
	client_open(&other, &x, 6);
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/name")), "alpha");
	free(v);
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/domid")), "5");
	free(v);
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/vm")), "/vm/12345678-9abc-def0-0001-020304050607");
	free(v);
	ck_assert_str_eq((v = rd(&me, "/vm/12345678-9abc-def0-0001-020304050607/uuid")),
			 "12345678-9abc-def0-0001-020304050607");
	free(v);
	/* libxl's format: seconds, a dot, centiseconds (truncated, two digits). */
	ck_assert_str_eq((v = rd(&me, "/vm/12345678-9abc-def0-0001-020304050607/start_time")), "1795312385.63");
	free(v);
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/memory/target")), "262144");
	free(v);
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/console/port")), "3");
	free(v);
	ck_assert_str_eq((v = rd(&me, "cpu/1/availability")), "online");
	free(v);
	/* Relative paths are under the domain's own home, as Linux's xenbus uses them. */
	ck_assert_str_eq((v = rd(&me, "control/platform-feature-xs_reset_watches")), "1");
	free(v);
	/* The guest may write its control and data nodes, not what the toolstack owns. */
	ck_assert(xs_write(me.h, XBT_NULL, "control/shutdown", "poweroff", 8));
	ck_assert(xs_write(me.h, XBT_NULL, "data/hello", "x", 1));
	ck_assert(!xs_write(me.h, XBT_NULL, "name", "mallory", 7));
	ck_assert_int_eq(xs_error(me.h), XEN_EACCES);
	ck_assert(!xs_write(me.h, XBT_NULL, "memory/target", "999999999", 9));
	ck_assert_str_eq((v = rd(&me, "/local/domain/5/name")), "alpha");
	free(v);
	/* Another domain sees none of it. */
	ck_assert_ptr_null(rd(&other, "/local/domain/5/name"));
	ck_assert_int_eq(xs_error(other.h), XEN_EACCES);
	ck_assert(!xs_write(other.h, XBT_NULL, "/local/domain/5/control/shutdown", "reboot", 6));
	ck_assert_ptr_null(rd(&other, "/vm/12345678-9abc-def0-0001-020304050607/name"));
	/* Directory listing of the home: the nodes libxl writes. */
	char **dir = xs_directory(me.h, XBT_NULL, "/local/domain/5", &num);
	ck_assert_ptr_nonnull(dir);
	ck_assert_uint_ge(num, 10);
	free(dir);

	/* A backend directory dom0 keeps for d5, as blk.c and net.c write them; d6's stays. */
	ck_assert(xs_write(watcher.h, XBT_NULL, "/local/domain/0/backend/vbd/5/51712/state", "4", 1));
	ck_assert(xs_write(watcher.h, XBT_NULL, "/local/domain/0/backend/vif/5/0/state", "4", 1));
	ck_assert(xs_write(watcher.h, XBT_NULL, "/local/domain/0/backend/vbd/6/51712/state", "4", 1));

	xs_close(me.h);
	xsd_conn_free(me.c);
	ck_assert_int_eq(dom0_xs_release(&x, 5, alpha.uuid), 0);
	ck_assert_uint_eq(released, 5);
	ev = xs_read_watch_timeout(watcher.h, &num, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "@releaseDomain");
	free(ev);
	ck_assert_ptr_null(rd(&watcher, "/local/domain/5/name"));
	ck_assert_ptr_null(rd(&watcher, "/vm/12345678-9abc-def0-0001-020304050607"));
	/* Its backend directories go with it (not when a device is next offered under its id). */
	ck_assert_ptr_null(rd(&watcher, "/local/domain/0/backend/vbd/5"));
	ck_assert_ptr_null(rd(&watcher, "/local/domain/0/backend/vif/5"));
	ck_assert_str_eq((v = rd(&watcher, "/local/domain/0/backend/vbd/6/51712/state")), "4");
	free(v);
	xs_close(other.h);
	xs_close(watcher.h);
	dom0_xs_destroy(&x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dom0_xs");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, nodes_and_permissions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

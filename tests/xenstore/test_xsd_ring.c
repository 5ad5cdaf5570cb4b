/* SPDX-License-Identifier: MIT */
/* Ring transport tests: our guest client over a fake store page, served by xsd_ring through the core. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "xs_client.h"
#include "xsd_ring.h"
#include "xst_harness.h"

/* The fake platform: one page per domain, "mapped" by INTRODUCE's mfn index. */
#define FAKE_DOMS 4
static struct xenstore_domain_interface fake_pages[FAKE_DOMS];
static struct xsd_ring fake_rings[FAKE_DOMS];
static bool fake_attached[FAKE_DOMS];
static int kicks_to_guest, kicks_to_store;

static void fake_notify_guest(void *ctx)
{
	(void)ctx;
	kicks_to_guest++;
}

static int fake_introduce(void *ctx, struct xsd_store *s, uint32_t domid, uint64_t mfn,
			  uint32_t port)
{
	(void)ctx;
	(void)port;
	if (mfn >= FAKE_DOMS)
		return 22;
	if (fake_attached[mfn])
		return 0;
	fake_attached[mfn] = true;
	return xsd_ring_attach(&fake_rings[mfn], s, domid, &fake_pages[mfn], fake_notify_guest,
			       NULL);
}

static void fake_release(void *ctx, struct xsd_store *s, uint32_t domid)
{
	(void)ctx;
	(void)s;
	for (int i = 0; i < FAKE_DOMS; i++) {
		if (fake_attached[i] && fake_rings[i].conn && fake_rings[i].conn->domid == domid) {
			xsd_ring_detach(&fake_rings[i]);
			fake_attached[i] = false;
		}
	}
}

/* Guest side: "waiting for the event channel" means letting the store run. */
static void guest_notify(void *ctx)
{
	(void)ctx;
	kicks_to_store++;
}

static int guest_wait(void *ctx, int timeout_ms)
{
	struct xsd_ring *r = ctx;
	int before = kicks_to_guest;

	(void)timeout_ms;
	if (xsd_ring_poll(r) < 0)
		return -1;
	return kicks_to_guest != before;  /* did the store kick our port? */
}

static struct xsd_conn *dom0;

static void ring_setup(void)
{
	struct xsd_platform plat = { .introduce = fake_introduce, .release = fake_release };

	memset(fake_pages, 0, sizeof(fake_pages));
	memset(fake_attached, 0, sizeof(fake_attached));
	ck_assert_int_eq(xsd_store_init(&xst_store, &plat), 0);
	dom0 = xst_conn(0);
	ck_assert_str_eq(xst_write(dom0, 0, "/local/domain/5", ""), "OK");
	ck_assert_str_eq(xst_callv(dom0, XS_SET_PERMS, 0, "/local/domain/5", "n5", NULL).data, "OK");
	ck_assert_str_eq(xst_callv(dom0, XS_INTRODUCE, 0, "5", "1", "9", NULL).data, "OK");
	ck_assert(fake_attached[1]);
}

static struct xs_handle *guest_open(int page)
{
	struct xs_ring_ops ops = { .ctx = &fake_rings[page], .notify = guest_notify,
				   .wait = guest_wait, .alloc = malloc, .free = free };
	struct xs_handle *h = xs_open_ring(&fake_pages[page], &ops);

	ck_assert_ptr_nonnull(h);
	return h;
}

START_TEST(test_guest_read_write_over_ring)
{
	struct xs_handle *h = guest_open(1);
	unsigned int len, n;
	char *v, **d;

	ck_assert(xs_write(h, XBT_NULL, "device/vbd/51712/state", "1", 1));
	v = xs_read(h, XBT_NULL, "device/vbd/51712/state", &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "1");
	free(v);
	ck_assert_str_eq(xst_read(dom0, 0, "/local/domain/5/device/vbd/51712/state"), "1");
	d = xs_directory(h, XBT_NULL, "device/vbd", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(d[0], "51712");
	free(d);
	ck_assert_ptr_null(xs_read(h, XBT_NULL, "/tool", &len));
	ck_assert_int_eq(xs_error(h), XEN_EACCES);
	ck_assert_int_gt(kicks_to_guest, 0);
	ck_assert_int_gt(kicks_to_store, 0);
	xs_close(h);
}
END_TEST

START_TEST(test_messages_larger_than_the_ring)
{
	struct xs_handle *h = guest_open(1);
	char big[2000], *v;
	unsigned int len;

	for (int round = 0; round < 5; round++) {
		memset(big, 'a' + round, sizeof(big));
		ck_assert(xs_write(h, XBT_NULL, "big", big, sizeof(big)));
		v = xs_read(h, XBT_NULL, "big", &len);
		ck_assert_uint_eq(len, sizeof(big));
		ck_assert_mem_eq(v, big, sizeof(big));
		free(v);
	}
	xs_close(h);
}
END_TEST

START_TEST(test_guest_transaction_and_watch)
{
	struct xs_handle *h = guest_open(1);
	xs_transaction_t t;
	unsigned int n;
	char **ev;

	ck_assert(xs_watch(h, "control", "tok"));
	ev = xs_read_watch_timeout(h, &n, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "control");
	free(ev);
	t = xs_transaction_start(h);
	ck_assert_uint_ne(t, XBT_NULL);
	ck_assert(xs_write(h, t, "control/feature-poweroff", "1", 1));
	ck_assert(xs_transaction_end(h, t, false));
	ev = xs_read_watch_timeout(h, &n, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "control/feature-poweroff");
	free(ev);
	ck_assert_str_eq(xst_write(dom0, 0, "/local/domain/5/control/shutdown", "poweroff"), "OK");
	ev = xs_read_watch_timeout(h, &n, 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "control/shutdown");
	ck_assert_str_eq(ev[XS_WATCH_TOKEN], "tok");
	free(ev);
	ck_assert_ptr_null(xs_read_watch_timeout(h, &n, 0));
	xs_close(h);
}
END_TEST

START_TEST(test_hostile_producer_index)
{
	struct xsd_ring *r = &fake_rings[1];

	fake_pages[1].req_prod = fake_pages[1].req_cons + 5000;
	ck_assert_int_eq(xsd_ring_poll(r), -1);
	ck_assert_uint_eq(fake_pages[1].error, XENSTORE_ERROR_RINGIDX);
	ck_assert_str_eq(xst_write(dom0, 0, "/unaffected", "yes"), "OK");
}
END_TEST

START_TEST(test_oversized_message_on_ring)
{
	struct xsd_sockmsg h = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
	struct xenstore_domain_interface *p = &fake_pages[1];

	memcpy(p->req, &h, sizeof(h));
	p->req_prod += sizeof(h);
	ck_assert_int_eq(xsd_ring_poll(&fake_rings[1]), -1);
	ck_assert_uint_eq(p->error, XENSTORE_ERROR_PROTO);
	ck_assert_str_eq(xst_read(dom0, 0, "/local/domain/5"), "");
}
END_TEST

START_TEST(test_release_tears_down_ring)
{
	struct xsd_domain *d = xsd_domain_get(&xst_store, 5, false);

	ck_assert_ptr_nonnull(d->conn);
	ck_assert_str_eq(xst_callv(dom0, XS_RELEASE, 0, "5", NULL).data, "OK");
	ck_assert(!fake_attached[1]);
	ck_assert_ptr_null(d->conn);
	ck_assert_str_eq(xst_callv(dom0, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL).data, "F");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsd_ring");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, ring_setup, xst_teardown);
	tcase_add_test(tc, test_guest_read_write_over_ring);
	tcase_add_test(tc, test_messages_larger_than_the_ring);
	tcase_add_test(tc, test_guest_transaction_and_watch);
	tcase_add_test(tc, test_hostile_producer_index);
	tcase_add_test(tc, test_oversized_message_on_ring);
	tcase_add_test(tc, test_release_tears_down_ring);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/* Event-channel limits (hv/common/event_channel.c): the per-domain port cap, the heap charge, and running out of memory. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <pvabi/errno.h>
#include <pvabi/event_channel.h>

#include "evtchn_harness.h"
#include "evtchn_ops.h"

START_TEST(test_many_ports)
{
	struct domain *d0 = eh_domain(0, true, 1);
	struct evtchn_status st;
	uint32_t p, expect = 1;
	long rc;

	/* A domU gets ports 1..1023 (Xen's default max_evtchn_port for a domU), then -ENOSPC. */
	while ((rc = alloc_unbound(DOMID_SELF, DOMID_SELF, &p)) == 0) {
		ck_assert_uint_eq(p, expect);
		expect++;
	}
	ck_assert_int_eq(rc, -XEN_ENOSPC);
	ck_assert_uint_eq(expect, DOMAIN_MAX_EVTCHN_PORT_DOMU + 1);
	ck_assert_int_eq(status(DOMID_SELF, 1023, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_int_eq(bind_ipi(0, NULL), -XEN_ENOSPC);
	ck_assert_int_eq(bind_virq(VIRQ_TIMER, 0, NULL), -XEN_ENOSPC);
	ck_assert_int_eq(bind_inter(DOMID_SELF, 77, NULL), -XEN_ENOSPC);
	ck_assert_int_eq(status(DOMID_SELF, 77, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);	/* the refused bind changed nothing */
	/* dom0 allocating in the domU's table is held to the domU's limit. */
	as(d0, 0);
	ck_assert_int_eq(alloc_unbound(1, 0, &p), -XEN_ENOSPC);
	as(d1, 0);
	/* A hole is reused first. */
	ck_assert_int_eq(ev_close(700), 0);
	ck_assert_int_eq(bind_ipi(0, &p), 0);
	ck_assert_uint_eq(p, 700);
	ck_assert_int_eq(ev_send(1023), 0);

	/* dom0 gets the whole 2-level space, ports 1..4095. */
	as(d0, 0);
	expect = 1;
	while ((rc = alloc_unbound(DOMID_SELF, DOMID_SELF, &p)) == 0) {
		ck_assert_uint_eq(p, expect);
		expect++;
	}
	ck_assert_int_eq(rc, -XEN_ENOSPC);
	ck_assert_uint_eq(expect, EVTCHN_2L_NR_CHANNELS);
	ck_assert_int_eq(status(DOMID_SELF, 4095, &st), 0);
	ck_assert_int_eq(ev_send(4095), 0);
}
END_TEST

/* Port buckets are charged to the domain's hypervisor-heap allowance: past it, -ENOMEM; all of it back at teardown. */
START_TEST(test_heap_charge)
{
	struct domain *d2 = eh_domain(2, false, 1);
	uint64_t per_bucket;
	uint32_t p;
	long rc;

	ck_assert_uint_eq(d1->heap_charged, 0);		/* bucket 0 comes with the domain */
	for (unsigned int i = 1; i < 64; i++)
		ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(d1->heap_charged, 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	per_bucket = d1->heap_charged;
	ck_assert_uint_gt(per_bucket, 0);
	/* Room for one more bucket only. */
	d1->heap_max = 2 * per_bucket;
	for (unsigned int i = 65; i < 192; i++)
		ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(d1->heap_charged, 2 * per_bucket);
	rc = alloc_unbound(DOMID_SELF, DOMID_SELF, &p);
	ck_assert_int_eq(rc, -XEN_ENOMEM);
	ck_assert_uint_eq(d1->heap_charged, 2 * per_bucket);
	/* Another domain is not affected by d1's exhaustion. */
	as(d2, 0);
	for (unsigned int i = 1; i < 200; i++)
		ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	as(d1, 0);
	/* A freed port is reused without a new charge. */
	ck_assert_int_eq(ev_close(100), 0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(p, 100);
	evtchn_domain_destroy(d1);
	ck_assert_uint_eq(d1->heap_charged, 0);
	evtchn_domain_destroy(d2);
	ck_assert_uint_eq(d2->heap_charged, 0);
}
END_TEST

START_TEST(test_out_of_memory)
{
	struct evtchn_status st;
	struct domain fake;
	uint32_t p;
	long rc;

	for (unsigned int i = 1; i < 64; i++)
		ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	eh_fail_alloc_after(0);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), -XEN_ENOMEM);
	ck_assert_int_eq(status(DOMID_SELF, 64, &st), -XEN_EINVAL);
	eh_fail_alloc_after(-1);
	ck_assert_int_eq(alloc_unbound(DOMID_SELF, DOMID_SELF, &p), 0);
	ck_assert_uint_eq(p, 64);

	/* Every allocation inside init may fail; nothing leaks and the domain is left without a table. */
	for (int n = 0; n < 3; n++) {
		long before = eh_live_allocs();

		memset(&fake, 0, sizeof(fake));
		fake.max_vcpus = 2;
		eh_fail_alloc_after(n);
		rc = evtchn_domain_init(&fake);
		eh_fail_alloc_after(-1);
		ck_assert_int_eq(rc, -XEN_ENOMEM);
		ck_assert_ptr_null(fake.evtchn);
		ck_assert_int_eq(eh_live_allocs(), before);
	}
	ck_assert_int_eq(evtchn_domain_init(&fake), 0);
	evtchn_domain_destroy(&fake);
	ck_assert_ptr_null(fake.evtchn);
}
END_TEST

static Suite *evtchn_limits_suite(void)
{
	Suite *s = suite_create("evtchn_limits");
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_many_ports);
	tcase_add_test(tc, test_heap_charge);
	tcase_add_test(tc, test_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evtchn_limits_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/*
 * evtchn_peer (security suite): an interdomain event channel whose one end
 * dies while the other sends. "role=a" allocates an unbound port for its
 * peer ("peer=N", default domain 2), waits for its first event, sends back
 * for a while and crashes itself; "role=b" binds to its peer's port (peer=N,
 * default domain 1) and sends in a tight loop for "secs=N" while the peer is
 * torn down on the other CPU. The ids are given because who builds the
 * domains decides them.
 * Every send must answer 0 or -EINVAL, the port must end interdomain (a
 * crashed domain keeps its ports until it is destroyed, as on Xen; Skiff
 * destroys domains only when all have shut down), unbound or closed, and
 * close cleanly; the hypervisor must not fault and every frame must come
 * back. Once domains are destroyed while others run, this is the test of
 * sends racing the peer's teardown.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/sched.h>
#include "test.h"
#include "sec_util.h"

static volatile struct shared_info *sh;

static int pending(uint32_t p)
{
	return (sh->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

static void role_a(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = (domid_t)sec_cmdline_num("peer=", 2) };
	struct evtchn_send snd;
	uint64_t t0;

	sec_expect(hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)), 0, "port for our peer");
	rt_printf("evtchn_peer: a: port %u, waiting\n", au.port);
	t0 = sec_now_ns();
	while (!pending(au.port) && sec_now_ns() - t0 < 20 * SEC_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(pending(au.port), "our peer signalled us");
	snd.port = au.port;
	t0 = sec_now_ns();
	while (sec_now_ns() - t0 < SEC_NS / 5)
		hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&snd));
	rt_printf("evtchn_peer: a: crashing with the channel open\n");
	hyp_set_trap_table(0);
	__asm__ volatile("ud2");
}

static void role_b(uint64_t secs)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = (domid_t)sec_cmdline_num("peer=", 1) };
	struct evtchn_send snd;
	struct evtchn_status st;
	struct evtchn_close cl;
	uint64_t t0 = sec_now_ns(), ok = 0, inval = 0, other = 0;
	long rc = -1;

	while (rc && sec_now_ns() - t0 < 20 * SEC_NS)
		for (bi.remote_port = 1; bi.remote_port < 8 && rc; bi.remote_port++)
			if ((rc = hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi))) != 0)
				hyp_sched_op(SCHEDOP_yield, 0);
	if (rc) {
		tc_error("could not bind to domain %u (%ld)", bi.remote_dom, rc);
		return;
	}
	rt_printf("evtchn_peer: b: bound local port %u, sending for %llu s\n", bi.local_port, (unsigned long long)secs);
	snd.port = bi.local_port;
	t0 = sec_now_ns();
	while (sec_now_ns() - t0 < secs * SEC_NS) {
		rc = hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&snd));
		if (rc == 0)
			ok++;
		else if (rc == -XEN_EINVAL)
			inval++;
		else
			other++;
	}
	rt_printf("evtchn_peer: b: sends: %llu ok, %llu EINVAL, %llu other\n", (unsigned long long)ok,
		  (unsigned long long)inval, (unsigned long long)other);
	tc_check(ok > 0 && other == 0, "every send answered 0 or -EINVAL");
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = bi.local_port };
	sec_expect(hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st)), 0, "status of our end");
	tc_check(st.status == EVTCHNSTAT_interdomain || st.status == EVTCHNSTAT_unbound ||
			 st.status == EVTCHNSTAT_closed,
		 "with the peer crashed our end is interdomain, unbound or closed (status %u)", st.status);
	cl.port = bi.local_port;
	rc = hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&cl));
	tc_check(rc == 0 || (rc == -XEN_EINVAL && st.status == EVTCHNSTAT_closed), "close our end: %ld", rc);
}

void test_main(void)
{
	sh = rt_map_shared_info(NULL);
	if (!sh || !sec_clock_init()) {
		tc_error("no shared_info");
		return;
	}
	if (sec_cmdline_num("role=", 0) == 0xa)
		role_a();
	else
		role_b(sec_cmdline_num("secs=", 3));
}

/* SPDX-License-Identifier: MIT */
/*
 * wake_race (security suite): a vCPU blocking in SCHEDOP_poll while
 * another domain floods its port, so that the sender's wake-up (clearing
 * the blocked flag from another CPU) races the poller's own block. A wake
 * that lands between the poller setting its blocked flag and the
 * scheduler putting it to sleep must not be lost: the poller must finish.
 * Lost, the vCPU has no pause flags yet is never queued again, and the
 * run times out. "role=0xa" polls for secs=N seconds, reports how many
 * polls it made and closes its ports; "role=0xb" sends until that port is
 * closed (or for N + 20 s). "peer=N" names the other one (defaults: the
 * sender is dom0, the poller domain 1), as whoever builds them decides.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/sched.h>
#include "test.h"
#include "sec_util.h"

static volatile struct shared_info *sh;

static void poller(uint64_t secs)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = (domid_t)sec_cmdline_num("peer=", 0) };
	uint64_t t0, polls = 0, woken = 0;
	uint32_t port, ports[8], n = 0;

	sec_expect(hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)), 0, "port for the sender");
	port = au.port;
	/*
	 * The sender binds to the first unbound port of ours it finds (the console's
	 * may come first): poll every port in use among 1-8 (as on Xen, a poll
	 * naming a free port is -EINVAL).
	 */
	for (uint32_t i = 1; i <= 8; i++) {
		struct evtchn_status st = { .dom = DOMID_SELF, .port = i };

		if (hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st)) == 0 && st.status != EVTCHNSTAT_closed)
			ports[n++] = i;
	}
	rt_printf("wake_race: poller on port %u for %llu s\n", port, (unsigned long long)secs);
	t0 = sec_now_ns();
	while (sec_now_ns() - t0 < secs * SEC_NS) {
		struct sched_poll p = { .ports = RT_PTR(ports), .nr_ports = n, .timeout = sec_now_ns() + 2000000 };

		__atomic_and_fetch(&sh->evtchn_pending[0], ~0x1feULL, __ATOMIC_SEQ_CST);
		if (hyp_sched_op(SCHEDOP_poll, RT_PTR(&p)) != 0)
			break;
		polls++;
		woken += (sh->evtchn_pending[0] & 0x1fe) != 0;
	}
	rt_printf("wake_race: %llu polls, %llu ended by an event\n", (unsigned long long)polls, (unsigned long long)woken);
	tc_check(polls > 100 && woken > 0, "the poller kept running and saw the sender's events");
	/* Closing our end tells the sender to stop. */
	{
		struct evtchn_close cl;

		for (cl.port = 1; cl.port < 8; cl.port++)
			hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&cl));
	}
}

static void sender(uint64_t secs)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = (domid_t)sec_cmdline_num("peer=", 1) };
	struct evtchn_send snd;
	struct evtchn_status st;
	uint64_t t0 = sec_now_ns(), sent = 0;
	long rc = -1;

	while (rc && sec_now_ns() - t0 < 20 * SEC_NS)
		for (bi.remote_port = 1; bi.remote_port < 8 && rc; bi.remote_port++)
			if ((rc = hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi))) != 0)
				hyp_sched_op(SCHEDOP_yield, 0);
	if (rc) {
		tc_error("could not bind to domain %u (%ld)", bi.remote_dom, rc);
		return;
	}
	snd.port = bi.local_port;
	t0 = sec_now_ns();
	/* Until the poller is gone: its status query fails or shows the port closed once it has shut down. */
	while (sec_now_ns() - t0 < (secs + 20) * SEC_NS) {
		hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&snd));
		if ((++sent & 1023) == 0) {
			st = (struct evtchn_status){ .dom = DOMID_SELF, .port = bi.local_port };
			if (hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st)) || st.status != EVTCHNSTAT_interdomain)
				break;
		}
	}
	rt_printf("wake_race: sender sent %llu events\n", (unsigned long long)sent);
	tc_check(sent > 0, "the sender sent");
}

void test_main(void)
{
	sh = rt_map_shared_info(NULL);
	if (!sh || !sec_clock_init()) {
		tc_error("no shared_info");
		return;
	}
	if (sec_cmdline_num("role=", 0) == 0xa)
		poller(sec_cmdline_num("secs=", 10));
	else
		sender(sec_cmdline_num("secs=", 10));
}

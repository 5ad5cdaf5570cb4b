/* SPDX-License-Identifier: MIT */
/* dom0's kernel: start of day, then an event loop over event channels and timers that runs the backends. */
#include <pvabi/sched.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "dom0_net.h"

/* A console written without a notification still shows within this long. */
#define DOM0_POLL_NS	100000000ULL

static volatile bool dom0_rescan = true;
static struct rt_timer dom0_tick;

static void dom0_dom_exc(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	dom0_rescan = true;
}

/* A long build gives the other guests a round of service at least this often (dom0_build_yield). */
#define DOM0_YIELD_NS	10000000ULL

static uint64_t dom0_yields;

/*
 * Called by the builder between its long steps (LZMA2 chunks of a kernel
 * being decompressed, runs of pages copied): one round of the disk and
 * network backends and of the pending events (consoles, xenstore, timers),
 * so other guests stay served while a big kernel is built. Not the control
 * channel nor the domain scan: builds run inside those.
 */
void dom0_build_yield(void *ctx)
{
	static bool inside;
	static uint64_t last;

	(void)ctx;
	if (inside || rt_now_ns() - last < DOM0_YIELD_NS)
		return;
	inside = true;
	dom0_blk_poll();
	(void)dom0_net_poll();
	dom0_store_flush();
	rt_event_dispatch();
	dom0_yields++;
	last = rt_now_ns();
	inside = false;
}

uint64_t dom0_build_yields(void)
{
	return dom0_yields;
}

static void dom0_on_tick(struct rt_timer *t, void *arg)
{
	(void)arg;
	dom0_consoles_poll_all();
	dom0_console_input_poll();
	dom0_balloon_poll();
	rt_timer_arm(t, rt_now_ns() + DOM0_POLL_NS, dom0_on_tick, NULL);
}

static void dom0_die(const char *what, long rc)
{
	rt_printf("dom0: %s failed: %ld\n", what, rc);
	rt_shutdown(SHUTDOWN_crash);
}

void rt_app_main(void)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_console_backend };
	unsigned int wanted;
	long rc;

	rt_printf("dom0: Skiff service domain starting\n");
	if ((rc = rt_event_init()) != 0)
		dom0_die("event setup", rc);
	if ((rc = rt_timer_init()) != 0)
		dom0_die("timer setup", rc);
	if ((rc = rt_page_init()) != 0)
		dom0_die("page allocator", rc);
	rc = rt_event_bind_virq(VIRQ_DOM_EXC, dom0_dom_exc, NULL);
	if (rc < 0)
		dom0_die("binding VIRQ_DOM_EXC", rc);
	if ((rc = dom0_store_init()) != 0)
		dom0_die("xenstored setup", rc);
	if ((rc = dom0_domctl(&op)) != 0)
		dom0_die("announcing the console backend", rc);
	if ((rc = dom0_console_input_init()) != 0)
		dom0_die("binding VIRQ_CONSOLE", rc);
	/* The disks before the guests that may use them. */
	dom0_blk_init();
	dom0_net_init();
	dom0_ctl_init();
	dom0_toolstack_boot(&wanted);
	rt_timer_arm(&dom0_tick, rt_now_ns() + DOM0_POLL_NS, dom0_on_tick, NULL);
	for (;;) {
		bool net_busy;

		dom0_blk_poll();
		net_busy = dom0_net_poll();
		dom0_ctl_poll();
		if (dom0_rescan) {
			unsigned int up;

			dom0_rescan = false;
			up = dom0_domains_scan();
			/*
			 * The ends the scan saw, carried out (restarts build here, outside the scan); a
			 * restarted domain may have ended again by the next scan, so until a run restarts
			 * none (a loop ends at the restart bound).
			 */
			while (dom0_lifecycle_run())
				up = dom0_domains_scan();
			/* Domains the boot modules asked for and none came up: nothing to serve either. */
			if (up == 0 && (dom0_domains || wanted) && !dom0_ctl_active()) {
				/* dom0's own end tells the machine whether the domains it built ended as expected. */
				unsigned int bad = dom0_results_report();

				rt_printf("dom0: every other domain has shut down; %s\n",
					  bad ? "crashing: a domain did not end as expected" : "powering off");
				rt_shutdown(bad ? SHUTDOWN_crash : SHUTDOWN_poweroff);
			}
		}
		dom0_store_flush();	/* the backends' nodes and states reach the frontends' watches now */
		if (net_busy)
			rt_event_dispatch();	/* a busy vif waits its turn behind the rest, not for an event */
		else
			rt_event_block();
	}
}

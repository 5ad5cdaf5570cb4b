/* SPDX-License-Identifier: MIT */
/*
 * ctl_guest (toolstack tests, domU created at run time by ./skiff xl create): a small guest that does
 * what a PV guest's toolstack-facing side does. It prints a numbered tick every 200 ms (so a paused
 * domain is seen to stop), reports its memory/target when the toolstack changes it, and obeys
 * control/shutdown as Linux does: it clears the node, then shuts down with the reason asked for.
 * With "stubborn" on its command line it only says so and keeps running: the toolstack must destroy it.
 * With "probe" it also times a xenstore write every 50 ms and prints each second's longest.
 */
#include <pvabi/sched.h>
#include "test.h"
#include "rt_event.h"
#include "rt_timer.h"
#include "rt_xs.h"

#define TICK_MS 200

static char *read_node(struct xs_handle *h, const char *path)
{
	unsigned int len;

	return xs_read(h, XBT_NULL, path, &len);
}

static bool stubborn(void)
{
	return rt_has_word(rt_boot.si->cmd_line, "stubborn");
}

/*
 * With "probe" on its command line: a xenstore write every 50 ms, timed
 * (dom0 answers it from its event loop), and each second the longest round
 * trip of that second, so a test sees whether dom0 kept serving it.
 */
static void probe(struct xs_handle *h)
{
	static uint64_t longest, since, n;
	uint64_t t0 = rt_now_ns(), dt;

	xs_write(h, XBT_NULL, "data/probe", "x", 1);
	dt = rt_now_ns() - t0;
	longest = dt > longest ? dt : longest;
	n++;
	if (!since)
		since = t0;
	if (rt_now_ns() - since >= 1000000000ULL) {
		rt_printf("ctl_guest: probe: longest xenstore round trip %lu ms of %lu\n",
			  (unsigned long)(longest / 1000000), (unsigned long)n);
		longest = n = 0;
		since = rt_now_ns();
	}
}

/* control/shutdown: "" (nothing asked), or poweroff / reboot / halt as xl writes them. */
static void check_shutdown(struct xs_handle *h)
{
	char *v = read_node(h, "control/shutdown");
	unsigned int reason;

	if (!v || !v[0]) {
		xs_free(h, v);
		return;
	}
	reason = strcmp(v, "reboot") == 0 ? SHUTDOWN_reboot : SHUTDOWN_poweroff;
	if (stubborn()) {
		rt_printf("ctl_guest: control/shutdown = %s: ignored (stubborn)\n", v);
		xs_free(h, v);
		return;
	}
	rt_printf("ctl_guest: control/shutdown = %s: shutting down\n", v);
	xs_free(h, v);
	xs_write(h, XBT_NULL, "control/shutdown", "", 0);
	rt_shutdown(reason);
}

static void check_target(struct xs_handle *h)
{
	char *v = read_node(h, "memory/target");

	rt_printf("ctl_guest: memory/target = %s KiB\n", v ? v : "(none)");
	xs_free(h, v);
}

void test_main(void)
{
	struct xs_handle *h;
	unsigned int num, tick = 0;
	uint64_t next;
	char **ev;
	long rc;

	tc_expect_eq(rt_event_init(), 0, "event setup");
	tc_expect_eq(rt_timer_init(), 0, "timer setup");
	h = rt_xs_open(&rc);
	tc_check(h != NULL, "open the xenstore ring (%ld)", rc);
	if (!h)
		return;
	/* The watches fire once when set: both nodes are read then too. */
	tc_check(xs_watch(h, "control/shutdown", "sd") && xs_watch(h, "memory/target", "mt"), "watch our nodes");
	rt_printf("ctl_guest: up\n");
	next = rt_now_ns() + TICK_MS * 1000000ULL;
	for (bool probing = rt_has_word(rt_boot.si->cmd_line, "probe");;) {
		ev = xs_read_watch_timeout(h, &num, probing ? 50 : TICK_MS);
		if (probing)
			probe(h);
		if (ev && strcmp(ev[XS_WATCH_TOKEN], "sd") == 0)
			check_shutdown(h);
		else if (ev && strcmp(ev[XS_WATCH_TOKEN], "mt") == 0)
			check_target(h);
		xs_free(h, ev);
		if (rt_now_ns() >= next) {
			rt_printf("ctl_guest: tick %u\n", ++tick);
			next = rt_now_ns() + TICK_MS * 1000000ULL;
		}
	}
}

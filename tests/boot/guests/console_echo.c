/* SPDX-License-Identifier: MIT */
/*
 * console_echo (Skiff boot tests, domU): reads what is typed on the serial
 * line from its console ring's in half, as hvc_xen does, and prints each
 * line back through console_io ("echo: got 'LINE'"), so the log shows
 * which domain received which keys. "quit" ends it (SUCCESS); no input for
 * 60 s is an error. Ctrl-A bytes that reach it are printed as ^A.
 */
#include <pvabi/io/console.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"

#define ECHO_IDLE_NS	60000000000ULL

static volatile struct xencons_interface *ring;

static void on_event(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
}

static void on_nap(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Until an event or 50 ms: a backend that forgets to notify is still read. */
static void nap(void)
{
	static struct rt_timer t;

	rt_timer_arm(&t, rt_now_ns() + 50000000ULL, on_nap, NULL);
	rt_event_block();
	rt_timer_cancel(&t);
}

/* Takes one byte of input, or -1. The backend owns in_prod: read it once, check it. */
static int take(void)
{
	XENCONS_RING_IDX cons = ring->in_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
	char c;

	if (prod == cons || prod - cons > XENCONS_IN_SIZE)
		return -1;
	c = ring->in[xencons_in_pos(cons)];
	__atomic_store_n(&ring->in_cons, cons + 1, __ATOMIC_RELEASE);
	return (unsigned char)c;
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	char line[128];
	size_t len = 0;
	uint64_t last = rt_now_ns();
	unsigned int lines = 0;
	void *va;

	tc_expect_eq(rt_event_init(), 0, "event setup");
	tc_expect_eq(rt_timer_init(), 0, "timer setup");
	va = rt_window_get();
	if (!si->console.domU.mfn || !va || rt_window_map(va, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map the console ring");
		return;
	}
	ring = va;
	rt_event_set_handler(si->console.domU.evtchn, on_event, NULL);
	rt_event_unmask(si->console.domU.evtchn);
	rt_printf("echo: ready\n");
	for (;;) {
		int c = take();

		if (c < 0) {
			if (rt_now_ns() - last > ECHO_IDLE_NS) {
				tc_error("no input for 60 s");
				return;
			}
			nap();
			continue;
		}
		last = rt_now_ns();
		if (c == '\r' || c == '\n') {
			line[len] = '\0';
			rt_printf("echo: got '%s'\n", line);
			lines++;
			if (strcmp(line, "quit") == 0)
				break;
			len = 0;
		} else if (len + 3 < sizeof(line)) {
			if (c == 0x01) {
				line[len++] = '^';
				line[len++] = 'A';
			} else {
				line[len++] = (char)c;
			}
		}
	}
	tc_check(lines >= 2, "%u lines arrived", lines);
}

/* SPDX-License-Identifier: MIT */
/*
 * stuck_front (toolstack.detach, domU created by ./skiff xl create with one disk): a blkif frontend that
 * will not let go. It connects vbd 51712 as xen-blkfront would, then, when xl block-detach has dom0's
 * backend ask it to close (Closing), it does not: with "stay" on its command line it keeps writing
 * Connected; with "flip" it cycles through every state but Closed. It reports when the backend's
 * directory goes (dom0 gave up waiting), whether dom0 let go of its ring grant (the grant entry's
 * reading/writing bits) and of its event channel (our port no longer interdomain). Then it behaves:
 * when a vbd is offered again (the slot is reusable) it connects afresh and, asked to close, closes.
 */
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/ring.h>
#include <pvabi/io/xenbus.h>
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "rt_xs.h"
#include "test.h"

#define VBD		"device/vbd/51712"
#define REF_FIRST	8		/* refs below 8 are the toolstack's; each round takes a new one */

static struct xs_handle *xs;
static volatile struct grant_entry_v1 *gtab;
static char be_path[128];

static void on_nap(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Until an event or ms milliseconds. */
static void nap(unsigned int ms)
{
	static struct rt_timer t;

	rt_timer_arm(&t, rt_now_ns() + ms * 1000000ULL, on_nap, NULL);
	rt_event_block();
	rt_timer_cancel(&t);
}

static void on_ring_event(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
}

/* A node's value as a number, or -1 when it is not there. */
static long node_num(const char *path)
{
	unsigned int n;
	char *v = xs_read(xs, XBT_NULL, path, &n);
	long val = v && n ? 0 : -1;

	for (unsigned int i = 0; v && i < n && val >= 0; i++)
		val = v[i] >= '0' && v[i] <= '9' ? val * 10 + (v[i] - '0') : -1;
	xs_free(xs, v);
	return val;
}

static bool write_node(const char *path, const char *val)
{
	return xs_write(xs, XBT_NULL, path, val, (unsigned int)strlen(val));
}

static long backend_state(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/state", be_path);
	return node_num(path);
}

/* Waits up to secs for the backend's state to become want (-1: its directory gone). */
static bool wait_backend(long want, unsigned int secs)
{
	uint64_t end = rt_now_ns() + secs * 1000000000ULL;

	do {
		if (backend_state() == want)
			return true;
		nap(20);
	} while (rt_now_ns() < end);
	return false;
}

static bool setup_grants(void)
{
	uint64_t frame = 0;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_PTR(&frame) };
	void *win = rt_window_get();

	if (!win || hyp_grant_table_op(GNTTABOP_setup_table, RT_PTR(&st), 1) || st.status != GNTST_okay ||
	    rt_window_map(win, frame, true))
		return false;
	gtab = win;
	return true;
}

/* The xenbus handshake as xen-blkfront does it: a one-page ring granted to dom0, a port, Connected. */
static bool connect(grant_ref_t ref, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	char v[32];
	unsigned int n;
	char *be;
	uint8_t *rp;
	uint64_t end = rt_now_ns() + 120000000000ULL;

	while (!(be = xs_read(xs, XBT_NULL, VBD "/backend", &n)) || n >= sizeof(be_path)) {
		xs_free(xs, be);
		if (rt_now_ns() > end)
			return false;
		nap(50);
	}
	memcpy(be_path, be, n);
	be_path[n] = 0;
	xs_free(xs, be);
	if (!wait_backend(XenbusStateInitWait, 30) || hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)))
		return false;
	*port = au.port;
	rt_event_set_handler(*port, on_ring_event, NULL);
	rt_event_unmask(*port);
	if (!(rp = rt_page_alloc()))
		return false;
	pvabi_sring_init((struct pvabi_sring_hdr *)rp);
	gtab[ref].domid = 0;
	gtab[ref].frame = (uint32_t)rt_pfn_to_mfn((RT_PTR(rp) - RT_VIRT_BASE) >> 12);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gtab[ref].flags = GTF_permit_access;
	snprintf(v, sizeof(v), "%u", ref);
	write_node(VBD "/ring-ref", v);
	snprintf(v, sizeof(v), "%u", *port);
	write_node(VBD "/event-channel", v);
	write_node(VBD "/protocol", "x86_64-abi");
	write_node(VBD "/state", "3");
	if (!wait_backend(XenbusStateConnected, 30))
		return false;
	write_node(VBD "/state", "4");
	return true;
}

/* What dom0 still holds of round ref/port: its mapping of our ring, its end of our channel. */
static void check_released(grant_ref_t ref, evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	uint16_t flags = gtab[ref].flags;
	long rc = hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st));

	tc_check(!(flags & (GTF_reading | GTF_writing)), "stuck_front: ring grant %u released by dom0 (flags %#x)", ref,
		 flags);
	/* dom0 closed its end: ours is left unbound, bindable by dom0 again, as Xen leaves it. */
	tc_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
		 "stuck_front: port %u no longer bound to dom0 (rc %ld, status %u)", port, rc, st.status);
	gtab[ref].flags = 0;
}

/* Round one: asked to close, we do not; dom0 must remove the vbd anyway. */
static void hold_on(bool flip)
{
	static const char *const states[] = { "4", "1", "3", "2", "5" };	/* never Closed */
	evtchn_port_t port;
	uint64_t asked, end;
	unsigned int i = 0;
	bool ok;

	ok = connect(REF_FIRST, &port);
	tc_check(ok, "stuck_front: connected (ring grant %u)", REF_FIRST);
	if (!ok)
		return;
	rt_printf("stuck_front: connected, holding on (%s)\n", flip ? "flip" : "stay");
	ok = wait_backend(XenbusStateClosing, 300);
	tc_check(ok, "stuck_front: the backend asks us to close");
	if (!ok)
		return;
	asked = rt_now_ns();
	rt_printf("stuck_front: backend Closing; %s\n", flip ? "flipping through every state but Closed" :
							       "staying Connected");
	end = asked + 60000000000ULL;
	while (backend_state() != -1 && rt_now_ns() < end) {
		write_node(VBD "/state", flip ? states[i++ % 5] : "4");
		nap(50);
	}
	tc_check(backend_state() == -1, "stuck_front: backend directory gone after %lu ms",
		 (unsigned long)((rt_now_ns() - asked) / 1000000));
	check_released(REF_FIRST, port);
}

/* Round two: the slot offered again connects afresh, and this time we close when asked. */
static void behave(void)
{
	evtchn_port_t port;
	bool ok;

	rt_printf("stuck_front: waiting for a vbd again\n");
	ok = connect(REF_FIRST + 1, &port);

	tc_check(ok, "stuck_front: connected again (ring grant %u)", REF_FIRST + 1);
	if (!ok)
		return;
	ok = wait_backend(XenbusStateClosing, 300);
	tc_check(ok, "stuck_front: asked to close again");
	if (!ok)
		return;
	write_node(VBD "/state", "5");
	write_node(VBD "/state", "6");
	rt_printf("stuck_front: closed when asked\n");
	tc_check(wait_backend(-1, 30), "stuck_front: backend directory gone after we closed");
	check_released(REF_FIRST + 1, port);
}

void test_main(void)
{
	long rc;

	if (rt_page_init() || rt_event_init() || rt_timer_init() || !(xs = rt_xs_open(&rc)) || !setup_grants()) {
		tc_error("runtime, xenstore or grant table set-up failed");
		return;
	}
	hold_on(rt_has_word(rt_boot.si->cmd_line, "flip"));
	behave();
	rt_printf("stuck_front: done\n");
}

/* SPDX-License-Identifier: MIT */
/*
 * stuck_front (toolstack.detach, domU created by ./skiff xl create with one disk or one vif): a frontend
 * that will not let go. It connects vbd 51712 as xen-blkfront would (with "vif" on its command line: vif 0
 * as xen-netfront would, a tx and an rx ring), then, when xl block-detach (network-detach) has dom0's
 * backend ask it to close (Closing), it does not: with "stay" on its command line it keeps writing
 * Connected; with "flip" it cycles through every state but Closed. It reports when the backend's
 * directory goes (dom0 gave up waiting), whether dom0 let go of its ring grants (the grant entries'
 * reading/writing bits) and of its event channel (our port no longer interdomain). Then it behaves:
 * when the device is offered again (the slot is reusable) it connects afresh and, asked to close, closes.
 * With "bystander" (and "vif") it is the other guest: its vif connects and it samples, every 100 ms until
 * asked to close, that the backend stays Connected and dom0 keeps both rings mapped; then it closes.
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
#define VIF		"device/vif/0"
#define REF_FIRST	8		/* refs below 8 are the toolstack's; each round takes new ones */

static struct xs_handle *xs;
static const char *dev = VBD;
static bool vif;			/* a vif: two rings (refs ref and ref + 1), netfront's nodes */
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

static void node_path(char *out, size_t len, const char *leaf)
{
	snprintf(out, len, "%s/%s", dev, leaf);
}

static bool write_dev(const char *leaf, const char *val)
{
	char path[64];

	node_path(path, sizeof(path), leaf);
	return write_node(path, val);
}

/* A one-page shared ring granted to dom0 under ref. */
static bool grant_ring(grant_ref_t ref)
{
	uint8_t *rp = rt_page_alloc();

	if (!rp)
		return false;
	pvabi_sring_init((struct pvabi_sring_hdr *)rp);
	gtab[ref].domid = 0;
	gtab[ref].frame = (uint32_t)rt_pfn_to_mfn((RT_PTR(rp) - RT_VIRT_BASE) >> 12);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gtab[ref].flags = GTF_permit_access;
	return true;
}

/* The xenbus handshake as xen-blkfront (xen-netfront) does it: rings granted to dom0, a port, Connected. */
static bool connect(grant_ref_t ref, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	char v[32], path[64];
	unsigned int n;
	char *be;
	uint64_t end = rt_now_ns() + 120000000000ULL;

	node_path(path, sizeof(path), "backend");
	while (!(be = xs_read(xs, XBT_NULL, path, &n)) || n >= sizeof(be_path)) {
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
	if (!grant_ring(ref) || (vif && !grant_ring(ref + 1)))
		return false;
	snprintf(v, sizeof(v), "%u", ref);
	write_dev(vif ? "tx-ring-ref" : "ring-ref", v);
	if (vif) {
		snprintf(v, sizeof(v), "%u", ref + 1);
		write_dev("rx-ring-ref", v);
		write_dev("request-rx-copy", "1");
		write_dev("feature-rx-notify", "1");
	}
	snprintf(v, sizeof(v), "%u", *port);
	write_dev("event-channel", v);
	if (!vif)
		write_dev("protocol", "x86_64-abi");
	write_dev("state", vif ? "4" : "3");
	if (!wait_backend(XenbusStateConnected, 30))
		return false;
	write_dev("state", "4");
	return true;
}

/* Whether dom0 has ref mapped (the grant entry's reading/writing bits, which Xen sets while it is). */
static bool mapped(grant_ref_t ref)
{
	return gtab[ref].flags & (GTF_reading | GTF_writing);
}

/* What dom0 still holds of round ref/port: its mappings of our rings, its end of our channel. */
static void check_released(grant_ref_t ref, evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long rc = hyp_event_channel_op(EVTCHNOP_status, RT_PTR(&st));

	for (grant_ref_t r = ref; r <= ref + (vif ? 1 : 0); r++) {
		tc_check(!mapped(r), "stuck_front: ring grant %u released by dom0 (flags %#x)", r, gtab[r].flags);
		gtab[r].flags = 0;
	}
	/* dom0 closed its end: ours is left unbound, bindable by dom0 again, as Xen leaves it. */
	tc_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
		 "stuck_front: port %u no longer bound to dom0 (rc %ld, status %u)", port, rc, st.status);
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
		write_dev("state", flip ? states[i++ % 5] : "4");
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

	grant_ref_t ref = REF_FIRST + (vif ? 2 : 1);

	rt_printf("stuck_front: waiting for a %s again\n", vif ? "vif" : "vbd");
	ok = connect(ref, &port);

	tc_check(ok, "stuck_front: connected again (ring grant %u)", ref);
	if (!ok)
		return;
	ok = wait_backend(XenbusStateClosing, 300);
	tc_check(ok, "stuck_front: asked to close again");
	if (!ok)
		return;
	write_dev("state", "5");
	write_dev("state", "6");
	rt_printf("stuck_front: closed when asked\n");
	tc_check(wait_backend(-1, 30), "stuck_front: backend directory gone after we closed");
	check_released(ref, port);
}

/* The other guest: its vif must stay served, whatever the stuck one does, until it is asked to close. */
static void bystander(void)
{
	evtchn_port_t port;
	unsigned int samples = 0, bad = 0;
	uint64_t t0;
	bool ok = connect(REF_FIRST, &port);

	tc_check(ok, "stuck_front: bystander connected (ring grants %u and %u)", REF_FIRST, REF_FIRST + 1);
	if (!ok)
		return;
	rt_printf("stuck_front: bystander connected, standing by\n");
	t0 = rt_now_ns();
	while (backend_state() == XenbusStateConnected && rt_now_ns() - t0 < 600000000000ULL) {
		samples++;
		if (!mapped(REF_FIRST) || !mapped(REF_FIRST + 1)) {
			bad++;
			rt_printf("stuck_front: bystander: a ring no longer mapped by dom0\n");
		}
		nap(100);
	}
	tc_check(samples > 0 && bad == 0 && backend_state() == XenbusStateClosing,
		 "stuck_front: bystander stayed connected with both rings mapped: %u samples over %lu ms, %u bad, "
		 "then asked to close", samples, (unsigned long)((rt_now_ns() - t0) / 1000000), bad);
	write_dev("state", "5");
	write_dev("state", "6");
	tc_check(wait_backend(-1, 30), "stuck_front: bystander: backend directory gone after we closed");
	check_released(REF_FIRST, port);
}

void test_main(void)
{
	long rc;

	if (rt_page_init() || rt_event_init() || rt_timer_init() || !(xs = rt_xs_open(&rc)) || !setup_grants()) {
		tc_error("runtime, xenstore or grant table set-up failed");
		return;
	}
	vif = rt_has_word(rt_boot.si->cmd_line, "vif");
	dev = vif ? VIF : VBD;
	if (rt_has_word(rt_boot.si->cmd_line, "bystander")) {
		bystander();
	} else {
		hold_on(rt_has_word(rt_boot.si->cmd_line, "flip"));
		behave();
	}
	rt_printf("stuck_front: done\n");
}

/* SPDX-License-Identifier: MIT */
/*
 * grant_pair (Skiff boot tests): two domains sharing pages through grants,
 * one image for both roles. domU1 is the granter ("front"): it grants a
 * control page at ref PAIR_REF_CTRL to domain 0, with an unbound event
 * channel's port in it; dom0 (the mapper, "back") maps that ref once it is
 * valid, binds the port, and the two follow the scenario named on the
 * command line (the same word on both):
 *   basic         back maps and writes; front sees the write, cannot
 *                 revoke while mapped, can once back unmapped
 *   granter_dies  front powers off while mapped; back's mapping stays
 *                 valid (reads and writes) until it unmaps
 *   mapper_dies   back powers off while mapped; front sees its GTF bits
 *                 cleared and revokes
 *   transfer      back gives a page away with GNTTABOP_transfer into
 *                 front's accept_transfer entry; front maps the frame it
 *                 received and finds back's bytes; back can no longer map it
 *   ring          a shared ring (ref PAIR_REF_RING) carries pairs=N
 *                 requests and responses with event-channel notifications
 *                 under the hold-off protocol; every response is checked
 * No xenstore: the ref numbers and domids are the convention.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/io/ring.h>
#include <pvabi/sched.h>
#include <pvabi/skiff_domctl.h>
#include "rt_grant.h"
#include "test.h"

#define PAIR_REF_CTRL	16
#define PAIR_REF_RING	17
#define PAIR_REF_XFER	18
#define PAIR_MAGIC	0x67726e74u	/* "grnt" */
#define PTE_RW		0x063ULL

enum { ST_GRANTED = 1, ST_MAPPED, ST_ACK, ST_UNMAPPED, ST_DYING, ST_RING_READY, ST_XFER_DONE };

struct ctrl_page {
	volatile uint32_t magic;
	volatile uint32_t port;		/* front's unbound port for domain 0 */
	volatile uint32_t state;
	volatile uint32_t pad;
	volatile uint8_t data[256];
};

struct pair_req {
	uint64_t id;
	uint64_t x;
};

struct pair_rsp {
	uint64_t id;
	uint64_t y;
};

PVABI_DEFINE_RING(pair, struct pair_req, struct pair_rsp);

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t ctrl_mem[4096] __attribute__((aligned(4096)));
static uint8_t ring_mem[4096] __attribute__((aligned(4096)));
static uint8_t map_ctrl[4096] __attribute__((aligned(4096)));
static uint8_t map_ring[4096] __attribute__((aligned(4096)));
static uint8_t xfer_page[4096] __attribute__((aligned(4096)));
static uint8_t lost_page[2][4096] __attribute__((aligned(4096)));	/* spent by refused transfers */

static volatile struct shared_info *sh;
static evtchn_port_t port;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

static void notify(void)
{
	struct evtchn_send s = { .port = port };

	hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&s));
}

/* Clear our pending bit first, so a notification after the caller's last check wakes the poll. */
static void clear_pending(void)
{
	__atomic_fetch_and(&sh->evtchn_pending[port / 64], ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
}

static void wait_event(uint64_t timeout_ns)
{
	struct sched_poll p = { .ports = RT_PTR(&port), .nr_ports = 1, .timeout = now_ns() + timeout_ns };

	hyp_sched_op(SCHEDOP_poll, RT_PTR(&p));
}

/* Waits until *v == want (rechecked after every event or 10 ms), at most secs seconds. */
static bool wait_state(volatile uint32_t *v, uint32_t want, unsigned int secs)
{
	uint64_t end = now_ns() + (uint64_t)secs * 1000000000ULL;

	while (*v != want) {
		if (now_ns() > end)
			return false;
		clear_pending();
		if (*v == want)
			break;
		wait_event(10000000);
	}
	return true;
}

static bool has(const char *w)
{
	return rt_has_word(rt_boot.si->cmd_line, w);
}

static uint64_t pairs_wanted(void)
{
	const char *s = rt_boot.si->cmd_line;
	uint64_t n = 0;

	for (; *s; s++) {
		if (strncmp(s, "pairs=", 6) == 0) {
			for (s += 6; *s >= '0' && *s <= '9'; s++)
				n = n * 10 + (uint64_t)(*s - '0');
			return n;
		}
	}
	return 100000;
}

static inline uint64_t ring_fn(uint64_t x)
{
	return x * 0x9e3779b97f4a7c15ULL + 12345;
}

/* ---- front: the granter ---- */

static volatile struct grant_entry_v1 *table;

static void grant(grant_ref_t ref, const void *page)
{
	table[ref].domid = 0;
	table[ref].frame = (uint32_t)mfn_of(page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].flags = GTF_permit_access;
}

static bool revoke(grant_ref_t ref)
{
	uint16_t expect = GTF_permit_access;

	return __atomic_compare_exchange_n(&table[ref].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* The mapper's unmap follows its last write to the page: wait for the entry to go idle. */
static bool wait_idle(grant_ref_t ref)
{
	uint64_t end = now_ns() + 30000000000ULL;

	while ((table[ref].flags & (GTF_reading | GTF_writing)) && now_ns() < end) {
		clear_pending();
		wait_event(10000000);
	}
	return !(table[ref].flags & (GTF_reading | GTF_writing));
}

static void front_ring(struct ctrl_page *c)
{
	struct pvabi_ring r;
	uint64_t n = pairs_wanted(), sent = 0, got = 0, bad = 0, kicks = 0, t0;

	pvabi_sring_init((struct pvabi_sring_hdr *)ring_mem);
	pvabi_ring_attach(&r, ring_mem, sizeof(ring_mem), sizeof(union pair_sring_entry));
	grant(PAIR_REF_RING, ring_mem);
	c->state = ST_RING_READY;
	notify();
	t0 = now_ns();
	while (got < n) {
		struct pair_req *q;
		int64_t avail;

		while (sent < n && (q = pvabi_front_next_request(&r)) != NULL) {
			q->id = sent;
			q->x = sent ^ 0x5a5a;
			sent++;
		}
		if (pvabi_front_push_requests(&r)) {
			notify();
			kicks++;
		}
		clear_pending();
		avail = pvabi_front_final_check(&r);
		if (avail < 0) {
			tc_fail("the backend published more responses than requests");
			return;
		}
		if (avail == 0) {
			wait_event(1000000000ULL);
			continue;
		}
		while (avail-- > 0) {
			struct pair_rsp p;

			PVABI_FRONT_TAKE(&r, &p);
			if (p.id != got || p.y != ring_fn(got ^ 0x5a5a))
				bad++;
			got++;
		}
	}
	t0 = now_ns() - t0;
	rt_printf("ring: %llu request/response pairs in %llu ms, %llu notifications sent\n",
		  (unsigned long long)n, (unsigned long long)(t0 / 1000000), (unsigned long long)kicks);
	tc_check(bad == 0, "every one of %llu responses matched its request (%llu wrong)", (unsigned long long)n,
		 (unsigned long long)bad);
	tc_check(wait_state(&c->state, ST_UNMAPPED, 60) && wait_idle(PAIR_REF_RING) && wait_idle(PAIR_REF_CTRL),
		 "front: the backend unmapped both pages");
	tc_check(revoke(PAIR_REF_RING) && revoke(PAIR_REF_CTRL), "both refs revoke once unmapped");
}

static void front_transfer(struct ctrl_page *c)
{
	volatile struct grant_entry_v1 *e = &table[PAIR_REF_XFER];
	uint64_t mfn = mfn_of(xfer_page);
	struct xen_memory_reservation res = { .extent_start = RT_PTR(&mfn), .nr_extents = 1, .domid = DOMID_SELF };
	long rc;

	/* A transfer needs room under our max_pages, as with Xen: give one page back first. */
	rc = hyp_update_va_mapping(RT_PTR(xfer_page), 0, UVMF_INVLPG);
	if (rc == 0)
		rc = hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&res));
	tc_check(rc == 1, "front: one page ballooned out to make room (%ld)", rc);
	e->domid = 0;
	e->frame = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	e->flags = GTF_accept_transfer;
	c->state = ST_ACK;
	notify();
	tc_check(wait_state(&c->state, ST_XFER_DONE, 60), "front: the mapper says it transferred");
	tc_check((e->flags & (GTF_transfer_committed | GTF_transfer_completed)) ==
			 (GTF_transfer_committed | GTF_transfer_completed),
		 "front: the entry is committed and completed (%#x)", e->flags);
	mfn = e->frame;
	/* The frame is ours now: map it where our old page was (xfer_page of our own image is spare). */
	rc = hyp_update_va_mapping(RT_PTR(xfer_page), (mfn << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc == 0, "front: we may map the frame we received (%ld)", rc);
	if (rc == 0)
		tc_check(memcmp(xfer_page, "page flipped by domain 0", 24) == 0,
			 "front: it holds the bytes domain 0 wrote");
}

static void front(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct ctrl_page *c = (struct ctrl_page *)ctrl_mem;

	if (rt_grant_table_map(table_window) != 0 || hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)) != 0) {
		tc_fail("front: grant table or event channel set-up failed");
		return;
	}
	table = (volatile struct grant_entry_v1 *)table_window;
	port = au.port;
	c->magic = PAIR_MAGIC;
	c->port = port;
	c->state = ST_GRANTED;
	grant(PAIR_REF_CTRL, ctrl_mem);
	if (!wait_state(&c->state, ST_MAPPED, 60)) {
		tc_fail("front: the mapper never mapped the control page");
		return;
	}
	if (has("ring")) {
		front_ring(c);
		return;
	}
	if (has("transfer")) {
		front_transfer(c);
		return;
	}
	tc_check((table[PAIR_REF_CTRL].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
		 "front: the mapped entry shows GTF_reading|GTF_writing (%#x)", table[PAIR_REF_CTRL].flags);
	tc_check(memcmp((const void *)c->data, "written by the mapper", 21) == 0,
		 "front: the mapper's write through its mapping is in our page");
	tc_check(!revoke(PAIR_REF_CTRL), "front: revoking while mapped fails");
	if (has("granter_dies")) {
		memcpy((void *)c->data, "granter's last words", 20);
		c->state = ST_DYING;
		notify();
		rt_printf("front: powering off with the page still mapped by domain 0\n");
		return;
	}
	if (has("mapper_dies")) {
		c->state = ST_ACK;
		notify();
		wait_idle(PAIR_REF_CTRL);
		tc_check(!(table[PAIR_REF_CTRL].flags & (GTF_reading | GTF_writing)),
			 "front: once the mapper died its GTF bits are cleared (%#x)", table[PAIR_REF_CTRL].flags);
		tc_check(revoke(PAIR_REF_CTRL), "front: and the entry revokes");
		return;
	}
	c->state = ST_ACK;
	notify();
	tc_check(wait_state(&c->state, ST_UNMAPPED, 60) && wait_idle(PAIR_REF_CTRL), "front: the mapper unmapped");
	tc_check(!(table[PAIR_REF_CTRL].flags & (GTF_reading | GTF_writing)), "front: the entry is idle again (%#x)",
		 table[PAIR_REF_CTRL].flags);
	tc_check(revoke(PAIR_REF_CTRL), "front: and revokes");
}

/* ---- back: the mapper ---- */

static int16_t map_ref(grant_ref_t ref, void *at, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(at), .flags = GNTMAP_host_map, .ref = ref, .dom = 1 };

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1) != 0)
		return 0x7fff;
	*h = m.handle;
	return m.status;
}

static int16_t unmap_ref(void *at, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = RT_PTR(at), .handle = h };

	if (gnttab(GNTTABOP_unmap_grant_ref, &u, 1) != 0)
		return 0x7fff;
	return u.status;
}

static void back_ring(struct ctrl_page *c)
{
	struct pvabi_ring r;
	grant_handle_t h = 0;
	uint64_t served = 0, n = pairs_wanted();
	int16_t st;

	if (!wait_state(&c->state, ST_RING_READY, 60) || (st = map_ref(PAIR_REF_RING, map_ring, &h)) != GNTST_okay) {
		tc_fail("back: the ring page never became mappable");
		return;
	}
	pvabi_ring_attach(&r, map_ring, sizeof(map_ring), sizeof(union pair_sring_entry));
	while (served < n) {
		int64_t avail;

		clear_pending();
		avail = pvabi_back_final_check(&r);
		if (avail < 0) {
			tc_fail("back: the frontend published more requests than slots");
			return;
		}
		if (avail == 0) {
			wait_event(1000000000ULL);
			continue;
		}
		while (avail-- > 0) {
			struct pair_req q;
			struct pair_rsp *p;

			/* The private copy is what we check and use: the slot can change under us. */
			PVABI_BACK_TAKE(&r, &q);
			p = pvabi_back_next_response(&r);
			p->id = q.id;
			p->y = ring_fn(q.x);
			served++;
		}
		if (pvabi_back_push_responses(&r))
			notify();
	}
	tc_check(unmap_ref(map_ring, h) == GNTST_okay, "back: ring unmapped after %llu requests",
		 (unsigned long long)served);
}

static long transfer(uint64_t mfn, domid_t to, grant_ref_t ref, int16_t *status)
{
	struct gnttab_transfer t = { .mfn = mfn, .domid = to, .ref = ref };
	long rc = gnttab(GNTTABOP_transfer, &t, 1);

	*status = t.status;
	return rc;
}

static void back_transfer(struct ctrl_page *c)
{
	uint64_t mfn = mfn_of(xfer_page);
	int16_t st;
	long rc;

	tc_check(wait_state(&c->state, ST_ACK, 60), "back: the granter offered an accept_transfer entry");
	memcpy(xfer_page, "page flipped by domain 0", 24);
	rc = transfer(mfn, 1, PAIR_REF_XFER, &st);
	tc_check(rc == 0 && st == GNTST_bad_page, "back: a transfer of a page we still map: GNTST_bad_page (%d)", st);
	rc = hyp_update_va_mapping(RT_PTR(xfer_page), 0, UVMF_INVLPG);
	tc_check(rc == 0, "back: unmapped the page from our own tables (%ld)", rc);
	/* A refusal after the page checks frees the page (Xen 4.17): those cases spend pages of their own. */
	for (unsigned int i = 0; i < 2; i++) {
		rc = hyp_update_va_mapping(RT_PTR(lost_page[i]), 0, UVMF_INVLPG);
		tc_check(rc == 0, "back: unmapped page %u to spend (%ld)", i, rc);
	}
	rc = transfer(mfn_of(lost_page[0]), 1, PAIR_REF_XFER + 1, &st);
	tc_check(rc == 0 && st == GNTST_general_error, "back: into an entry that accepts nothing: GNTST_general_error (%d)",
		 st);
	rc = transfer(mfn_of(lost_page[1]), 0x1234, PAIR_REF_XFER, &st);
	tc_check(rc == 0 && st == GNTST_bad_domain, "back: to a domain that does not exist: GNTST_bad_domain (%d)", st);
	for (unsigned int i = 0; i < 2; i++) {
		rc = hyp_update_va_mapping(RT_PTR(lost_page[i]), (mfn_of(lost_page[i]) << 12) | PTE_RW, UVMF_INVLPG);
		tc_check(rc != 0, "back: the refused page %u was freed, not ours to map (%ld)", i, rc);
	}
	rc = transfer(mfn, 1, PAIR_REF_XFER, &st);
	tc_check(rc == 0 && st == GNTST_okay, "back: transfer into domain 1's entry (%d)", st);
	rc = transfer(mfn, 1, PAIR_REF_XFER, &st);
	tc_check(rc == 0 && st == GNTST_bad_page, "back: the same page again: GNTST_bad_page (%d)", st);
	rc = hyp_update_va_mapping(RT_PTR(xfer_page), (mfn << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc != 0, "back: the page is no longer ours to map (%ld)", rc);
}

/* dom0 only: whether domain id is in the hypervisor's domain list (dying ones included). */
static bool domain_listed(domid_t id)
{
	static struct skiff_dominfo list[SKIFF_DOMCTL_LIST_MAX];
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_list_domains,
				   .interface_version = SKIFF_DOMCTL_INTERFACE_VERSION };

	op.u.list.max_entries = SKIFF_DOMCTL_LIST_MAX;
	op.u.list.buffer = RT_PTR(list);
	if (rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(&op), 0) != 0)
		return true;
	for (uint32_t i = 0; i < op.u.list.nr_entries; i++)
		if (list[i].domid == id)
			return true;
	return false;
}

static void back(void)
{
	struct ctrl_page *c = (struct ctrl_page *)map_ctrl;
	struct evtchn_bind_interdomain bi = { .remote_dom = 1 };
	grant_handle_t h = 0;
	int16_t st = GNTST_general_error;
	uint64_t end;

	/* The granter is built and started after us: retry until its grant is there. */
	end = now_ns() + 60000000000ULL;
	while (now_ns() < end && (st = map_ref(PAIR_REF_CTRL, map_ctrl, &h)) != GNTST_okay)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(st == GNTST_okay && c->magic == PAIR_MAGIC, "back: mapped domain 1's control page (status %d)", st);
	if (st != GNTST_okay)
		return;
	bi.remote_port = c->port;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)), 0, "back: bind_interdomain");
	port = bi.local_port;
	memcpy((void *)c->data, "written by the mapper", 21);
	c->state = ST_MAPPED;
	notify();
	if (has("ring")) {
		back_ring(c);
		c->state = ST_UNMAPPED;
		tc_check(unmap_ref(map_ctrl, h) == GNTST_okay, "back: control page unmapped");
		notify();
		return;
	}
	if (has("transfer")) {
		back_transfer(c);
		c->state = ST_XFER_DONE;
		st = unmap_ref(map_ctrl, h);
		notify();
		tc_check(st == GNTST_okay, "back: control page unmapped (%d)", st);
		return;
	}
	if (has("mapper_dies")) {
		tc_check(wait_state(&c->state, ST_ACK, 60), "back: the granter saw our write");
		rt_printf("back: powering off with domain 1's page still mapped\n");
		return;
	}
	if (has("granter_dies")) {
		grant_handle_t h2;
		uint64_t end = now_ns() + 30000000000ULL;

		tc_check(wait_state(&c->state, ST_DYING, 60), "back: the granter said it is dying");
		/* The boot CPU destroys it once it is down: wait until it has left the domain list. */
		while (domain_listed(1) && now_ns() < end)
			hyp_sched_op(SCHEDOP_yield, 0);
		tc_check(!domain_listed(1), "back: the granter was destroyed while we map its page");
		tc_check(map_ref(PAIR_REF_CTRL, map_ring, &h2) == GNTST_bad_domain, "back: its ref no longer maps");
		tc_check(memcmp((const void *)c->data, "granter's last words", 20) == 0,
			 "back: after the granter's death the mapping still shows its page");
		c->data[100] = 0x42;
		tc_check(c->data[100] == 0x42, "back: and still takes writes");
		tc_check(unmap_ref(map_ctrl, h) == GNTST_okay, "back: unmap after the granter died");
		return;
	}
	tc_check(wait_state(&c->state, ST_ACK, 60), "back: the granter saw our write");
	c->state = ST_UNMAPPED;
	st = unmap_ref(map_ctrl, h);
	tc_check(st == GNTST_okay, "back: unmap (%d)", st);
	notify();
}

void test_main(void)
{
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_fail("cannot map shared_info (%ld)", rc);
		return;
	}
	if (rt_boot.si->flags & SIF_INITDOMAIN)
		back();
	else
		front();
}

/* SPDX-License-Identifier: MIT */
/*
 * teardown (hostile-guest suite, Skiff-specific): domains destroyed while
 * others run (SKIFF_DOMCTL_destroydomain, and the boot path's destroy of a
 * domain that crashed). One image, its role the first word of its command
 * line:
 *   ctl      dom0: destroys domain 1 (scenario "destroy"), or waits until
 *            it is gone after crashing itself (scenario "crash"); checks
 *            destroydomain's refusals; in scenario "big" destroys a large
 *            domain while a heartbeat domain measures its longest gap.
 *   granter  domain 1: grants one page to domain 2 (ref 16) and to dom0
 *            (ref 17), then runs (or crashes, in "crash") until it dies.
 *   mapper   domain 2: maps the granter's page, and once the granter is
 *            dead keeps reading and writing it, finds the granter's refs
 *            unusable, then unmaps: the page was the granter's frame all
 *            along (dom0's bytes show through it), and every frame comes
 *            back at the end (the boot tests' accounting line).
 *   victim   domain 1 of "big": maps all of its memory through pinned L1
 *            tables (as a kernel's direct map does), then spins in
 *            hypercalls until it is destroyed.
 *   beat     domain 2 of "big" and "zero": the innocent domain; reads the
 *            clock in a loop and reports the longest gap, in the work
 *            dom0 does meanwhile and overall.
 *   zero     dom0 of scenario "zero": gives back 1 GiB and asks for it as
 *            one 1 GiB extent (zeroed in pieces) beside the heartbeat.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include <pvabi/skiff_domctl.h>
#include "test.h"
#include "rt_grant.h"
#include "rt_page.h"

#define REF_MAPPER	16
#define REF_DOM0	17
#define TD_MAGIC	0x74656172u	/* "tear" */
#define PTE_RW		0x063ULL
#define PTE_RO		0x061ULL
#define GAP_LIMIT_NS	2000000000ULL	/* twice security.cpu_hog's bound: a loaded host deschedules QEMU for ~1 s at times */

enum { ST_READY = 1, ST_MAPPED, ST_DEAD, ST_VERIFIED, ST_UNMAPPED, ST_STOP, ST_DONE };

struct td_page {
	volatile uint32_t magic;
	volatile uint32_t state;
	volatile uint64_t mfn;		/* the granter's MFN of this page */
	volatile uint64_t gap_ns, gap_destroy_ns, ticks;	/* beat's report */
	volatile uint32_t dom0_mapped;	/* dom0 holds its mapping: the crash scenario's granter waits for it */
	volatile uint8_t dom0_mark[64];
	volatile uint64_t data[256];	/* the mapper's pattern */
};

static uint8_t own_page[4096] __attribute__((aligned(4096)));
static uint8_t table_window[4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *table;

static bool has(const char *w)
{
	return rt_has_word(rt_boot.si->cmd_line, w);
}

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static long domctl_dom(uint32_t cmd, domid_t domid, uint16_t pad)
{
	struct skiff_domctl op = { .cmd = cmd, .interface_version = SKIFF_DOMCTL_INTERFACE_VERSION };

	op.u.dom.domid = domid;
	op.u.dom.pad[1] = pad;
	return rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(&op), 0);
}

/* Whether domain id is in dom0's list, and in which state. -1: not there. */
static int listed_state(domid_t id)
{
	static struct skiff_dominfo list[SKIFF_DOMCTL_LIST_MAX];
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_list_domains,
				   .interface_version = SKIFF_DOMCTL_INTERFACE_VERSION };

	op.u.list.max_entries = SKIFF_DOMCTL_LIST_MAX;
	op.u.list.buffer = RT_PTR(list);
	if (rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(&op), 0) != 0)
		return -2;
	for (uint32_t i = 0; i < op.u.list.nr_entries; i++)
		if (list[i].domid == id)
			return list[i].state;
	return -1;
}

static bool wait_state(volatile uint32_t *v, uint32_t want, unsigned int secs)
{
	uint64_t end = rt_now_ns() + (uint64_t)secs * 1000000000ULL;

	while (*v != want) {
		if (rt_now_ns() > end)
			return false;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	return true;
}

/* Maps (dom, ref), retrying while the granter is still being built (60 s at most). */
static struct td_page *map_retry(struct rt_grant_map *m, domid_t dom, grant_ref_t ref)
{
	uint64_t end = rt_now_ns() + 60000000000ULL;
	long rc;

	while ((rc = rt_grant_map(m, dom, ref, false)) != 0 && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(rc == 0, "mapped domain %u's ref %u (%ld)", dom, ref, rc);
	return rc == 0 ? (struct td_page *)m->va : NULL;
}

/* ---- the granting side (granter, victim, beat) ---- */

static struct td_page *grant_own_page(bool to_mapper)
{
	struct td_page *p = (struct td_page *)own_page;

	if (rt_grant_table_map(table_window) != 0) {
		tc_error("grant table set-up failed");
		return NULL;
	}
	table = (volatile struct grant_entry_v1 *)table_window;
	p->magic = TD_MAGIC;
	p->mfn = mfn_of(own_page);
	for (grant_ref_t r = to_mapper ? REF_MAPPER : REF_DOM0; r <= REF_DOM0; r++) {
		table[r].domid = r == REF_MAPPER ? 2 : 0;
		table[r].frame = (uint32_t)p->mfn;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		table[r].flags = GTF_permit_access;
	}
	return p;
}

static void granter(void)
{
	struct td_page *p = grant_own_page(true);

	if (!p)
		return;
	p->state = ST_READY;
	rt_printf("granter: page %#lx granted to domain 2 and dom0; running until destroyed\n", (unsigned long)p->mfn);
	if (has("crash")) {
		/* Both mappers must hold the page before it dies; under load dom0 maps last. */
		wait_state(&p->state, ST_MAPPED, 60);
		wait_state(&p->dom0_mapped, 1, 60);
		rt_printf("granter: crashing with the page mapped by domain 2 and dom0\n");
		rt_shutdown(SHUTDOWN_crash);
	}
	for (;;)
		hyp_xen_version(0, 0);
}

/* ---- the mapper ---- */

static void mapper(void)
{
	struct rt_grant_map m = { 0 }, again = { 0 };
	struct td_page *p = map_retry(&m, 1, REF_MAPPER);
	struct gnttab_copy cp = { 0 };
	uint64_t bad = 0, frame;
	long rc;

	if (!p)
		return;
	tc_check(p->magic == TD_MAGIC, "the granted page holds the granter's magic");
	frame = p->mfn;
	p->state = ST_MAPPED;
	if (!wait_state(&p->state, ST_DEAD, 120)) {
		tc_fail("dom0 never said the granter is dead (state %u)", p->state);
		return;
	}
	/* The granter is gone: its refs can no longer be used, by map or copy. */
	rc = rt_grant_map(&again, 1, REF_MAPPER, false);
	tc_check(rc == GNTST_bad_domain, "mapping the dead granter's ref again: GNTST_bad_domain (%ld)", rc);
	cp.source.u.ref = REF_MAPPER;
	cp.source.domid = 1;
	cp.dest.u.gmfn = mfn_of(own_page);
	cp.dest.domid = DOMID_SELF;
	cp.len = 8;
	cp.flags = GNTCOPY_source_gref;
	rc = gnttab(GNTTABOP_copy, &cp, 1);
	tc_check(rc == 0 && cp.status != GNTST_okay, "copying from the dead granter's ref fails (%d)", cp.status);
	/* The mapping itself is still the granter's frame: read and write it at length. */
	tc_check(p->magic == TD_MAGIC && p->mfn == frame, "the page still reads as the granter left it");
	for (unsigned int round = 0; round < 2000; round++) {
		for (unsigned int i = 0; i < 256; i++)
			p->data[i] = (uint64_t)round * 0x9e3779b97f4a7c15ULL + i;
		for (unsigned int i = 0; i < 256; i++)
			bad += p->data[i] != (uint64_t)round * 0x9e3779b97f4a7c15ULL + i;
	}
	tc_check(bad == 0, "2000 rounds of writes and reads through the mapping (%lu bad words)", (unsigned long)bad);
	tc_check(memcmp((const void *)p->dom0_mark, "dom0 wrote this after the granter died", 38) == 0,
		 "dom0's bytes written after the death show through: the same frame is shared still");
	p->state = ST_VERIFIED;
	rc = rt_grant_unmap(&m);
	tc_check(rc == 0, "unmap after the granter died (%ld)", rc);
	rt_printf("mapper: unmapped the dead granter's page %#lx\n", (unsigned long)frame);
}

/* ---- dom0 ---- */

static void ctl_refusals(void)
{
	tc_expect_eq(domctl_dom(SKIFF_DOMCTL_destroydomain, 1, 0), -XEN_ESRCH, "destroying the destroyed domain again");
	tc_expect_eq(domctl_dom(SKIFF_DOMCTL_destroydomain, 0, 0), -XEN_EBUSY, "destroying dom0");
	tc_expect_eq(domctl_dom(SKIFF_DOMCTL_destroydomain, DOMID_SELF, 0), -XEN_EINVAL, "destroying DOMID_SELF");
	tc_expect_eq(domctl_dom(SKIFF_DOMCTL_destroydomain, 2, 1), -XEN_EINVAL, "destroy with a pad field set");
	tc_expect_eq(domctl_dom(SKIFF_DOMCTL_destroydomain, 77, 0), -XEN_ESRCH, "destroying a domain that never was");
	tc_check(listed_state(2) == SKIFF_DOMSTATE_running, "domain 2 runs on (state %d)", listed_state(2));
}

static void ctl_grant(void)
{
	struct rt_grant_map m = { 0 };
	struct td_page *p = map_retry(&m, 1, REF_DOM0);
	uint64_t t0;
	long rc;

	if (!p)
		return;
	p->dom0_mapped = 1;
	if (!wait_state(&p->state, ST_MAPPED, 60)) {
		tc_fail("domain 2 never mapped the page");
		return;
	}
	if (has("crash")) {
		/* The boot path destroys a crashed domain on its own: wait until it left the list. */
		t0 = rt_now_ns();
		while (listed_state(1) != -1 && rt_now_ns() - t0 < 60000000000ULL)
			hyp_sched_op(SCHEDOP_yield, 0);
		tc_check(listed_state(1) == -1, "the crashed granter was destroyed while the others run");
	} else {
		tc_check(listed_state(1) == SKIFF_DOMSTATE_running, "the granter runs");
		t0 = rt_now_ns();
		rc = domctl_dom(SKIFF_DOMCTL_destroydomain, 1, 0);
		tc_expect_eq(rc, 0, "destroydomain of the running granter");
		rt_printf("ctl: destroydomain took %lu us\n", (unsigned long)((rt_now_ns() - t0) / 1000));
		tc_check(listed_state(1) == -1, "the granter is gone from the list");
		ctl_refusals();
	}
	memcpy((void *)p->dom0_mark, "dom0 wrote this after the granter died", 38);
	p->state = ST_DEAD;
	tc_check(wait_state(&p->state, ST_VERIFIED, 120), "domain 2 used the page after the death");
	rc = rt_grant_unmap(&m);
	tc_check(rc == 0, "dom0 unmaps its own mapping of the dead granter's page (%ld)", rc);
}

/* ---- scenario big: victim, heartbeat, and dom0 between them ---- */

/*
 * One L1 table built in a free frame, mapping frames [base, base + 512)
 * read-only, then pinned. A free frame the builder's start-of-day mapping
 * still maps writable cannot become a table: -XEN_EINVAL, try another.
 */
static long victim_pin_one(const uint64_t *p2m, uint64_t nr, uint64_t base)
{
	int64_t pfn = rt_frame_alloc();
	uint64_t *l1 = rt_window_get();
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE };
	long rc = pfn < 0 || !l1 ? -XEN_ENOMEM : rt_window_map(l1, rt_pfn_to_mfn((uint64_t)pfn), true);

	if (rc == 0) {
		for (unsigned int i = 0; i < 512; i++)
			l1[i] = base + i < nr ? (p2m[base + i] << 12) | PTE_RO : 0;
		rt_window_unmap(l1);
		pin.arg1.mfn = rt_pfn_to_mfn((uint64_t)pfn);
		rc = hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	}
	if (l1)
		rt_window_put(l1);
	return rc;
}

/* Maps every frame of ours read-only through pinned L1 tables, as a kernel's direct map does. */
static uint64_t victim_map_all(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	uint64_t nr = rt_boot.si->nr_pages, tables = 0, skipped = 0;

	for (uint64_t base = 0; base < nr && skipped < 4096;) {
		long rc = victim_pin_one(p2m, nr, base);

		if (rc == -XEN_ENOMEM)
			break;
		if (rc) {
			skipped++;
			continue;
		}
		tables++;
		base += 512;
	}
	tc_check(tables == (nr + 511) / 512, "victim: %lu L1 tables pinned (%lu frames skipped)", (unsigned long)tables,
		 (unsigned long)skipped);
	return tables;
}

static void victim(void)
{
	struct td_page *p = grant_own_page(false);
	uint64_t tables;

	if (!p || rt_page_init() != 0)
		return;
	tables = victim_map_all();
	rt_printf("victim: %lu MiB mapped through %lu pinned L1 tables; spinning until destroyed\n",
		  (unsigned long)(rt_boot.si->nr_pages >> 8), (unsigned long)tables);
	p->state = ST_READY;
	for (;;)
		hyp_xen_version(0, 0);
}

static void beat(void)
{
	struct td_page *p = grant_own_page(false);
	uint64_t last, now, worst = 0, worst_destroy = 0, ticks = 0;

	if (!p)
		return;
	p->state = ST_READY;
	last = rt_now_ns();
	while (p->state != ST_STOP) {
		now = rt_now_ns();
		if (now - last > worst)
			worst = now - last;
		if (p->state == ST_DEAD && now - last > worst_destroy)
			worst_destroy = now - last;
		last = now;
		ticks++;
	}
	rt_printf("heartbeat: %lu ticks; worst gap %lu us during dom0's work, %lu us overall\n",
		  (unsigned long)ticks, (unsigned long)(worst_destroy / 1000), (unsigned long)(worst / 1000));
	tc_check(worst_destroy < GAP_LIMIT_NS, "worst gap during dom0's work under 2 s");
	p->state = ST_DONE;
}

static void ctl_big(void)
{
	struct rt_grant_map vm = { 0 }, bm = { 0 };
	struct td_page *v = map_retry(&vm, 1, REF_DOM0), *b = map_retry(&bm, 2, REF_DOM0);
	uint64_t t0, us;
	long rc;

	if (!v || !b)
		return;
	tc_check(wait_state(&v->state, ST_READY, 240) && wait_state(&b->state, ST_READY, 60),
		 "the victim mapped its memory and the heartbeat ticks");
	/* Our own mapping of the victim's page would make it a zombie: this test is about the big teardown. */
	tc_expect_eq(rt_grant_unmap(&vm), 0, "unmap the victim's page");
	b->state = ST_DEAD;
	t0 = rt_now_ns();
	rc = domctl_dom(SKIFF_DOMCTL_destroydomain, 1, 0);
	us = (rt_now_ns() - t0) / 1000;
	tc_expect_eq(rc, 0, "destroydomain of the large domain");
	rt_printf("ctl: destroydomain of the large domain took %lu ms\n", (unsigned long)(us / 1000));
	tc_check(listed_state(1) == -1, "it is gone from the list");
	b->state = ST_STOP;
	tc_check(wait_state(&b->state, ST_DONE, 60), "the heartbeat reported");
	tc_expect_eq(rt_grant_unmap(&bm), 0, "unmap the heartbeat's page");
}

/*
 * Scenario "zero": dom0 (1 GiB more than it starts with) gives 1 GiB of its
 * frames back, then asks for them again as one 1 GiB extent, while the
 * heartbeat domain ticks on the same CPU: zeroing 262,144 pages is done
 * in pieces across continuations.
 */
#define ZERO_FRAMES	(1u << 18)
static uint64_t extents[ZERO_FRAMES];

static long reservation(unsigned int cmd, uint64_t *list, uint64_t n, unsigned int order)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n, .extent_order = order,
					    .domid = DOMID_SELF };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static bool page_is_zero(uint64_t mfn)
{
	const uint64_t *p = rt_window_get();
	bool zero = p && rt_window_map((void *)p, mfn, false) == 0;

	for (unsigned int i = 0; zero && i < 512; i++)
		zero = p[i] == 0;
	if (p) {
		rt_window_unmap((void *)p);
		rt_window_put((void *)p);
	}
	return zero;
}

static void ctl_zero(void)
{
	struct rt_grant_map bm = { 0 };
	struct td_page *b;
	uint64_t n = 0, t0, mfn, first;
	long rc;

	if (rt_page_init() != 0) {
		tc_error("no free frames");
		return;
	}
	/*
	 * Frames past the start-of-day mapping (stack, 512 KiB of padding, rounded up to 4 MiB) are free and
	 * unmapped; nothing else takes frames here. (rt_frame_alloc starts below that rounding.)
	 */
	first = (rt_boot.si->pt_base + (rt_boot.si->nr_pt_frames + 1) * 4096 + (512 << 10) - RT_VIRT_BASE) >> 12;
	first = (first + 1023) & ~1023ULL;
	for (; n < ZERO_FRAMES && first + n < rt_boot.si->nr_pages; n++)
		extents[n] = rt_pfn_to_mfn(first + n);
	rc = reservation(XENMEM_decrease_reservation, extents, n, 0);
	tc_check(n == ZERO_FRAMES && rc == (long)n, "gave back 1 GiB of our frames (%ld of %lu)", rc, (unsigned long)n);
	b = map_retry(&bm, 1, REF_DOM0);
	if (!b || !wait_state(&b->state, ST_READY, 60))
		return;
	b->state = ST_DEAD;
	t0 = rt_now_ns();
	extents[0] = 0;
	rc = reservation(XENMEM_increase_reservation, extents, 1, 18);
	rt_printf("ctl: one 1 GiB extent allocated and zeroed in %lu ms\n",
		  (unsigned long)((rt_now_ns() - t0) / 1000000));
	b->state = ST_STOP;
	mfn = extents[0];
	tc_check(rc == 1 && mfn % ZERO_FRAMES == 0, "increase_reservation of one 1 GiB extent (%ld, mfn %#lx)", rc,
		 (unsigned long)mfn);
	if (rc == 1)
		tc_check(page_is_zero(mfn) && page_is_zero(mfn + ZERO_FRAMES / 2) && page_is_zero(mfn + ZERO_FRAMES - 1),
			 "its first, middle and last pages are zeroed");
	tc_check(wait_state(&b->state, ST_DONE, 60), "the heartbeat reported");
	tc_expect_eq(rt_grant_unmap(&bm), 0, "unmap the heartbeat's page");
}

void test_main(void)
{
	if (has("granter"))
		granter();
	else if (has("mapper"))
		mapper();
	else if (has("victim"))
		victim();
	else if (has("beat"))
		beat();
	else if (has("big"))
		ctl_big();
	else if (has("zero"))
		ctl_zero();
	else
		ctl_grant();
}

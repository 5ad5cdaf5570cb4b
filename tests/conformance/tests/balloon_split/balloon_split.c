/* SPDX-License-Identifier: MIT */
/*
 * balloon_split: a balloon driver gives back 4 KiB pages from inside 2 MiB
 * extents. The guest makes room (1,024 of its own frames back), takes two
 * order-9 extents with populate_physmap, then gives back half the pages of
 * the first one by one, in a scattered order: each call releases exactly
 * that page and current_reservation falls by one. The pages left are still
 * its own (mapped, written, read back); the released ones are no longer
 * (releasing them again does nothing). It takes them back one by one with
 * populate_physmap (M2P set), is refused an out-of-range frame, a frame
 * named twice and anything past maximum_reservation, and finally gives
 * everything back. Pages released per second are printed. Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/memory.h>
#include "rt_page.h"
#include "test.h"

#define ROOM		1024
#define EXT_ORDER	9
#define EXT_PAGES	(1u << EXT_ORDER)
#define GIVE		(EXT_PAGES / 2)

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
static uint64_t room_pfn[ROOM], room_mfn[ROOM];
static uint64_t ext[2], back[GIVE];
static bool given[EXT_PAGES];

static long reservation(uint64_t cmd, uint64_t *list, uint64_t n, uint32_t order)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n,
					    .extent_order = order, .domid = DOMID_SELF };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static long one(uint64_t cmd, uint64_t val, uint32_t order, uint64_t *out)
{
	uint64_t l = val;
	long rc = reservation(cmd, &l, 1, order);

	if (out)
		*out = l;
	return rc;
}

static long current_pages(void)
{
	return hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
}

static volatile struct shared_info *sh;

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

/*
 * Frames of our own that nothing maps, given back first to make room for
 * the extents: the last ones, far past the initial mapping (which a
 * builder may round up past the padding the ABI promises).
 */
static bool make_room(void)
{
	for (int i = 0; i < ROOM; i++) {
		int64_t pfn = rt_frame_alloc_from(rt_boot.si->nr_pages - ROOM);

		if (pfn < 0) {
			tc_error("only %d free frames to make room with", i);
			return false;
		}
		room_pfn[i] = (uint64_t)pfn;
		room_mfn[i] = rt_pfn_to_mfn((uint64_t)pfn);
	}
	tc_expect_eq(reservation(XENMEM_decrease_reservation, room_mfn, ROOM, 0), ROOM,
		     "1024 of our own frames given back in one call");
	return true;
}

/* Maps mfn in a window page, writes a pattern over it and reads it back. */
static bool touch(void *va, uint64_t mfn)
{
	volatile uint64_t *p = va;

	if (rt_window_map(va, mfn, true) < 0)
		return false;
	for (int i = 0; i < 512; i += 64)
		p[i] = mfn ^ (uint64_t)i;
	for (int i = 0; i < 512; i += 64)
		if (p[i] != (mfn ^ (uint64_t)i))
			return false;
	return rt_window_unmap(va) == 0;
}

static void give_back_pages(long base)
{
	unsigned int wrong = 0;
	uint64_t t0, dt;

	t0 = now_ns();
	for (unsigned int k = 0; k < GIVE; k++) {
		/* 37 is odd: k * 37 mod 512 walks the extent in a scattered order, never twice. */
		unsigned int off = (k * 37) % EXT_PAGES;

		given[off] = true;
		if (one(XENMEM_decrease_reservation, ext[0] + off, 0, NULL) != 1 || current_pages() != base - 1 - (long)k)
			wrong++;
	}
	dt = now_ns() - t0;
	tc_expect_eq(wrong, 0, "256 pages of a 2 MiB extent given back one by one, one page less each time");
	rt_printf("balloon_split: %u single pages released in %llu us (%llu pages/s)\n", GIVE,
		  (unsigned long long)(dt / 1000), (unsigned long long)(dt ? GIVE * 1000000000ULL / dt : 0));
}

static void check_rest(void *va)
{
	unsigned int bad = 0, again = 0;

	for (unsigned int off = 0; off < EXT_PAGES; off++) {
		if (given[off])
			again += one(XENMEM_decrease_reservation, ext[0] + off, 0, NULL) != 0;
		else
			bad += !touch(va, ext[0] + off);
	}
	tc_expect_eq(bad, 0, "the 256 pages kept can be mapped, written and read back");
	tc_expect_eq(again, 0, "a page already given back is not ours: releasing it again does nothing");
}

static void take_back(long base, uint64_t pfn0)
{
	unsigned int wrong = 0, k = 0;

	for (unsigned int off = 0; off < EXT_PAGES; off++) {
		if (!given[off])
			continue;
		if (one(XENMEM_populate_physmap, pfn0 + off, 0, &back[k]) != 1 || m2p[back[k]] != pfn0 + off ||
		    current_pages() != base + 1 + (long)k)
			wrong++;
		k++;
	}
	tc_expect_eq(wrong, 0, "the 256 PFNs populated again one by one, M2P set, one page more each time");
}

static void refusals(long max)
{
	long cur = current_pages(), rc;
	uint64_t pair[2] = { back[0], back[0] }, fill[EXT_PAGES];
	unsigned int n = 0;

	tc_expect_eq(one(XENMEM_decrease_reservation, 1ULL << 40, 0, NULL), 0,
		     "a frame beyond RAM is not released");
	tc_expect_eq(current_pages(), cur, "nothing changed");
	tc_expect_eq(reservation(XENMEM_decrease_reservation, pair, 2, 0), 1, "a frame named twice is released once");
	tc_expect_eq(current_pages(), cur - 1, "one page less");
	tc_expect_eq(one(XENMEM_populate_physmap, room_pfn[0], 0, &back[0]), 1, "and taken back");
	/* Fill up to the maximum, then one page more and one extent more must be refused. */
	if (max - cur > (long)EXT_PAGES) {
		tc_skip("maximum_reservation %ld is more than 512 pages above current %ld", max, cur);
		return;
	}
	while (current_pages() < max && n < EXT_PAGES) {
		if (one(XENMEM_populate_physmap, room_pfn[1 + n], 0, &fill[n]) != 1)
			break;
		n++;
	}
	tc_expect_eq(current_pages(), max, "populated up to maximum_reservation");
	rc = one(XENMEM_populate_physmap, room_pfn[600], 0, NULL);
	tc_expect_eq(rc, 0, "one page past maximum_reservation is refused");
	rc = one(XENMEM_increase_reservation, 0, 0, NULL);
	tc_expect_eq(rc, 0, "increase_reservation past maximum_reservation is refused");
	tc_expect_eq(current_pages(), max, "the reservation stays at the maximum");
	if (n)
		tc_expect_eq(reservation(XENMEM_decrease_reservation, fill, n, 0), n, "the filling pages given back");
}

void test_main(void)
{
	void *va;
	long rc, before = current_pages(), max = hyp_memory_op(XENMEM_maximum_reservation,
							     RT_PTR(&(domid_t){ DOMID_SELF }));
	uint64_t pfn0 = rt_boot.si->nr_pages;	/* PFNs past our P2M: the extents' M2P names */
	unsigned int rest;

	sh = rt_map_shared_info(&rc);
	if (rt_page_init() < 0 || !(va = rt_window_get()) || !sh) {
		tc_error("no free frames, window page or shared_info (%ld)", rc);
		return;
	}
	if (!make_room())
		return;
	tc_expect_eq(current_pages(), before - ROOM, "current_reservation fell by 1024");
	ext[0] = pfn0;
	ext[1] = pfn0 + EXT_PAGES;
	tc_expect_eq(reservation(XENMEM_populate_physmap, ext, 2, EXT_ORDER), 2, "two 2 MiB extents populated");
	tc_check(!(ext[0] % EXT_PAGES) && !(ext[1] % EXT_PAGES), "the extents are 2 MiB aligned (%#llx, %#llx)",
		 (unsigned long long)ext[0], (unsigned long long)ext[1]);
	tc_check(m2p[ext[0] + 511] == pfn0 + 511 && m2p[ext[1]] == pfn0 + EXT_PAGES,
		 "their M2P entries name the PFNs asked for");
	tc_expect_eq(current_pages(), before - ROOM + 2 * EXT_PAGES, "current_reservation rose by 1024");

	give_back_pages(before - ROOM + 2 * EXT_PAGES);
	check_rest(va);
	take_back(before - ROOM + 2 * EXT_PAGES - GIVE, pfn0);
	tc_expect_eq(current_pages(), before - ROOM + 2 * EXT_PAGES, "current_reservation is back");
	refusals(max);

	/* Everything back: the second extent whole, the first's kept pages and the pages taken back. */
	tc_expect_eq(one(XENMEM_decrease_reservation, ext[1], EXT_ORDER, NULL), 1, "the untouched extent given back whole");
	rest = 0;
	for (unsigned int off = 0; off < EXT_PAGES; off++)
		if (!given[off])
			rest += one(XENMEM_decrease_reservation, ext[0] + off, 0, NULL) == 1;
	tc_expect_eq(rest, GIVE, "the pages kept given back");
	tc_expect_eq(reservation(XENMEM_decrease_reservation, back, GIVE, 0), GIVE, "the pages taken back given back");
	tc_expect_eq(current_pages(), before - ROOM, "current_reservation is where it was before the extents");
	tc_expect_eq(reservation(XENMEM_populate_physmap, room_pfn, ROOM, 0), ROOM, "our own 1024 frames back");
	tc_expect_eq(current_pages(), before, "current_reservation is where it started");
}

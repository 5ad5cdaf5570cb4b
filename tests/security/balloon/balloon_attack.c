/* SPDX-License-Identifier: MIT */
/*
 * balloon_attack (hostile-guest suite, Skiff): a domU (two vCPUs) giving
 * back pages of 2 MiB extents in patterns meant to break the allocator's
 * split and merge, beside a mapper (dom0, or "mapper" on its command line,
 * with peer= naming the attacker), which maps pages the attacker granted it.
 * The attacker's reservation must move by exactly what was released, and
 * only its own unused frames may go:
 *  - pages granted to dom0 and mapped there, a page pinned as an L1, a page
 *    mapped in its own tables: refused, also as part of a bigger extent
 *    (nothing of that extent goes); dom0 still reads what it mapped;
 *  - the same frame twice in one batch, a frame already given back,
 *    overlapping extents in one batch, an extent straddling a hole;
 *  - rounds of two order-9 extents released as a checkerboard, in odd
 *    runs and misaligned order-3 extents, refilled with single pages in
 *    between, and merged back (order-9 extents must still be found);
 *  - both vCPUs releasing the same list of frames at the same moment:
 *    each frame released once, no double free.
 * dom0 maps the granted pages, holds them while the attacker tries, checks
 * their contents, unmaps. Every frame must come back at the end.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "rt_grant.h"
#include "rt_page.h"
#include "rt_smp.h"
#include "test.h"
#include "../guests/sec_util.h"

#define ROOM		2048
#define EXT		512
#define NR_GRANT	8
#define FIRST_REF	20
#define STAMP		0x42414c4c4f4f4e00ULL	/* "BALLOON" */
#define ROUNDS		12
#define RACE_N		256
#define RACE_ROUNDS	8

/* The other domain: the attacker grants to it, the mapper maps from it. */
static domid_t peer;

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint64_t map_window[NR_GRANT][512] __attribute__((aligned(4096)));
static volatile uint64_t *touch_window;	/* a runtime window slot */
static volatile struct shared_info *sh;
static uint64_t room_mfn[ROOM];
static uint64_t race_list[RACE_N];
static volatile long race_rc[2];
static int race_go, race_done;
static uint8_t stack1[16384] __attribute__((aligned(16)));

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static long reservation(uint64_t cmd, uint64_t *list, uint64_t n, uint32_t order)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n, .extent_order = order,
					    .domid = DOMID_SELF };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static long give(uint64_t mfn, uint32_t order)
{
	return reservation(XENMEM_decrease_reservation, &mfn, 1, order);
}

static long current_pages(void)
{
	return hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
}

static long ext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* Two order-9 extents (PFN labels past our P2M); false when the hypervisor has no 2 MiB block left. */
static bool take_extents(uint64_t ext[2])
{
	ext[0] = rt_boot.si->nr_pages;
	ext[1] = rt_boot.si->nr_pages + EXT;
	return reservation(XENMEM_populate_physmap, ext, 2, 9) == 2;
}

/* ---------------------------------------------------------------- dom0 -- */

static void mapper(void)
{
	grant_handle_t h[NR_GRANT];
	unsigned int mapped = 0, bad = 0;
	uint64_t t0 = now_ns(), hold;

	/* Map every granted page as soon as the attacker has granted it. */
	while (mapped < NR_GRANT && now_ns() - t0 < 60 * 1000000000ULL) {
		struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window[mapped]), .flags = GNTMAP_host_map,
						  .ref = FIRST_REF + mapped, .dom = peer };

		if (gnttab(GNTTABOP_map_grant_ref, &m, 1) == 0 && m.status == GNTST_okay)
			h[mapped++] = m.handle;
		else
			hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_expect_eq(mapped, NR_GRANT, "mapper: mapped every page the attacker granted");
	/* Hold them while the attacker tries to give them back, checking they stay its pages. */
	hold = now_ns() + 4 * 1000000000ULL;
	while (now_ns() < hold) {
		for (unsigned int i = 0; i < mapped; i++)
			bad += map_window[i][0] != STAMP + i || map_window[i][511] != STAMP + i;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_expect_eq(bad, 0, "mapper: the mapped pages kept the attacker's stamps while it ballooned");
	for (unsigned int i = 0; i < mapped; i++) {
		struct gnttab_unmap_grant_ref u = { .host_addr = RT_PTR(map_window[i]), .handle = h[i] };

		if (gnttab(GNTTABOP_unmap_grant_ref, &u, 1) != 0 || u.status != GNTST_okay)
			tc_fail("mapper: unmap %u failed (%d)", i, u.status);
	}
	rt_printf("mapper: held %u mapped pages of the attacker for 4 s\n", mapped);
}

/* ------------------------------------------------------------ attacker -- */

static volatile struct grant_entry_v1 *table;

static bool grant_table_up(void)
{
	if (rt_grant_table_map(table_window) != 0)
		return false;
	table = (volatile struct grant_entry_v1 *)table_window;
	return true;
}

/* Pages in use (granted and mapped by dom0, pinned, mapped by us): refused, alone or inside an extent. */
static void in_use(const uint64_t ext[2])
{
	uint64_t g = ext[0] + 64, pin = ext[0] + 200, mine = ext[0] + 300, t0;
	long cur;
	unsigned int busy = 0;

	for (unsigned int i = 0; i < NR_GRANT; i++) {
		if (rt_window_map((void *)touch_window, g + i, true) < 0) {
			tc_error("cannot map page %u to stamp it", i);
			return;
		}
		touch_window[0] = touch_window[511] = STAMP + i;
		rt_window_unmap((void *)touch_window);
		table[FIRST_REF + i].domid = peer;
		table[FIRST_REF + i].frame = (uint32_t)(g + i);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		table[FIRST_REF + i].flags = GTF_permit_access;
	}
	t0 = now_ns();
	while (now_ns() - t0 < 60 * 1000000000ULL) {
		busy = 0;
		for (unsigned int i = 0; i < NR_GRANT; i++)
			busy += (table[FIRST_REF + i].flags & GTF_reading) != 0;
		if (busy == NR_GRANT)
			break;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_expect_eq(busy, NR_GRANT, "dom0 has mapped the granted pages");
	tc_expect_eq(rt_window_map((void *)touch_window, mine, true), 0, "a page of the extent mapped by us");
	tc_expect_eq(ext1(MMUEXT_PIN_L1_TABLE, pin), 0, "a page of the extent pinned as an L1");
	cur = current_pages();
	for (unsigned int i = 0; i < NR_GRANT; i++)
		tc_expect_eq(give(g + i, 0), 0, "a page dom0 has mapped is not released");
	tc_expect_eq(give(pin, 0), 0, "the pinned L1 is not released");
	tc_expect_eq(give(mine, 0), 0, "a page we map is not released");
	tc_expect_eq(give(g & ~7ULL, 3), 0, "an order-3 extent holding a mapped page is not released");
	tc_expect_eq(give(ext[0], 9), 0, "the whole 2 MiB extent holding them is not released");
	tc_expect_eq(current_pages(), cur, "nothing of it went");
	/* Their neighbours may go. */
	tc_expect_eq(give(g - 1, 0), 1, "the page before the granted ones is released");
	tc_expect_eq(give(g + NR_GRANT, 0), 1, "the page after them is released");
	tc_expect_eq(current_pages(), cur - 2, "two pages less");
	/* dom0 lets go after its hold; then everything can go. */
	t0 = now_ns();
	while (now_ns() - t0 < 60 * 1000000000ULL) {
		busy = 0;
		for (unsigned int i = 0; i < NR_GRANT; i++)
			busy += (table[FIRST_REF + i].flags & GTF_reading) != 0;
		if (!busy)
			break;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	for (unsigned int i = 0; i < NR_GRANT; i++)
		table[FIRST_REF + i].flags = 0;
	tc_expect_eq(busy, 0, "dom0 unmapped them");
	tc_expect_eq(ext1(MMUEXT_UNPIN_TABLE, pin), 0, "L1 unpinned");
	rt_window_unmap((void *)touch_window);
	for (unsigned int i = 0; i < NR_GRANT; i++)
		tc_expect_eq(give(g + i, 0), 1, "a page dom0 no longer maps is released");
	tc_expect_eq(give(pin, 0), 1, "the unpinned page is released");
	tc_expect_eq(give(mine, 0), 1, "the unmapped page is released");
	tc_expect_eq(current_pages(), cur - 2 - NR_GRANT - 2, "each one page less");
}

/* Releases the held pages of a 512-page extent still marked in held[]; returns how many went. */
static unsigned int give_rest(uint64_t base, bool *held)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < EXT; i++)
		if (held[i] && give(base + i, 0) == 1) {
			held[i] = false;
			n++;
		}
	return n;
}

static void odd_batches(const uint64_t ext[2], bool held[2][EXT])
{
	uint64_t l[4];
	long cur = current_pages();

	l[0] = l[1] = ext[1] + 5;
	tc_expect_eq(reservation(XENMEM_decrease_reservation, l, 2, 0), 1, "a frame named twice is released once");
	held[1][5] = false;
	tc_expect_eq(give(ext[1] + 5, 0), 0, "a frame already given back is not released again");
	/* Overlapping order-2 extents: the second overlaps the first and stops the batch. */
	l[0] = ext[1] + 16;
	l[1] = ext[1] + 18;
	tc_expect_eq(reservation(XENMEM_decrease_reservation, l, 2, 2), 1, "overlapping extents: the first only");
	for (int i = 16; i < 20; i++)
		held[1][i] = false;
	/* An order-3 extent straddling the hole at 5: nothing of it goes. */
	tc_expect_eq(give(ext[1], 3), 0, "an extent with a hole is not released");
	/* Misaligned order-3 extents are still our own frames. */
	tc_expect_eq(give(ext[1] + 33, 3), 1, "a misaligned order-3 extent is released");
	for (int i = 33; i < 41; i++)
		held[1][i] = false;
	tc_expect_eq(give(1ULL << 40, 0), 0, "a frame beyond RAM is not released");
	tc_expect_eq(current_pages(), cur - 1 - 4 - 8, "the reservation fell by exactly what went");
}

/* Rounds of checkerboards, odd runs and refills; every page accounted for after each round. */
static void fragment(void)
{
	static bool held[2][EXT];
	static uint64_t fill[EXT];
	unsigned int bad = 0, rounds = 0, filled, released = 0;
	uint64_t ext[2], t0 = now_ns();

	for (unsigned int r = 0; r < ROUNDS; r++) {
		long cur = current_pages();

		if (!take_extents(ext)) {
			tc_fail("round %u: no two 2 MiB extents (the heap did not merge back?)", r);
			return;
		}
		for (int e = 0; e < 2; e++)
			for (int i = 0; i < EXT; i++)
				held[e][i] = true;
		/* Checkerboard, the phase changing with the round; odd runs in the second extent. */
		for (unsigned int i = r & 1; i < EXT; i += 2)
			released += give(ext[0] + i, 0) == 1 ? (held[0][i] = false, 1) : 0;
		for (unsigned int i = r % 7; i + 3 < EXT; i += 7 + r % 5) {
			if (give(ext[1] + i, 1) == 1) {
				held[1][i] = held[1][i + 1] = false;
				released += 2;
			}
		}
		/* Refill single pages into the holes the heap now has, then give them back. */
		filled = 0;
		for (unsigned int i = 0; i < 64; i++) {
			fill[i] = rt_boot.si->nr_pages + 2 * EXT + i;
			if (reservation(XENMEM_populate_physmap, &fill[i], 1, 0) == 1)
				filled++;
		}
		bad += reservation(XENMEM_decrease_reservation, fill, filled, 0) != (long)filled;
		released += give_rest(ext[0], held[0]) + give_rest(ext[1], held[1]);
		bad += current_pages() != cur;
		rounds++;
	}
	tc_expect_eq(bad, 0, "every round gave back exactly what it took");
	rt_printf("attacker: %u rounds, %u single-page and order-1 releases from 2 MiB extents in %llu ms\n", rounds,
		  released, (unsigned long long)((now_ns() - t0) / 1000000));
	/* The odd batches, on a fresh pair. */
	if (take_extents(ext)) {
		long cur = current_pages();

		for (int e = 0; e < 2; e++)
			for (int i = 0; i < EXT; i++)
				held[e][i] = true;
		odd_batches(ext, held);
		give_rest(ext[0], held[0]);
		give_rest(ext[1], held[1]);
		tc_expect_eq(current_pages(), cur - 2 * EXT, "the odd batches' extents all given back");
	} else {
		tc_fail("no two 2 MiB extents for the odd batches");
	}
}

/* Both vCPUs give back the same pages, one call each, in the same order: they contend for every page. */
static long race_walk(void)
{
	long won = 0;

	for (unsigned int i = 0; i < RACE_N; i++)
		won += give(race_list[i], 0) == 1;
	return won;
}

static void racer(void *arg)
{
	(void)arg;
	for (int round = 1;; round++) {
		/* Spins (to start with vCPU 0), yielding now and then in case both share one CPU. */
		for (unsigned int spin = 1; __atomic_load_n(&race_go, __ATOMIC_SEQ_CST) != round; spin++)
			if (!(spin % 1000))
				hyp_sched_op(SCHEDOP_yield, 0);
		race_rc[1] = race_walk();
		__atomic_store_n(&race_done, round, __ATOMIC_SEQ_CST);
	}
}

/*
 * Both vCPUs give back the same 256 pages at once, page by page: one
 * claims a page while the other may be freeing it. Between them every
 * page must go exactly once; a page released twice would be counted
 * twice here, and would stop the machine on the allocator's check.
 */
static void race(void)
{
	uint64_t ext[2];
	long cur, bad = 0, both = 0;

	if (rt_smp_count() < 2) {
		tc_skip("one vCPU: no race");
		return;
	}
	if (rt_smp_start(1, racer, NULL, stack1, sizeof(stack1)) != 0) {
		tc_error("cannot start vCPU 1");
		return;
	}
	for (int round = 1; round <= RACE_ROUNDS; round++) {
		if (!take_extents(ext)) {
			tc_fail("no 2 MiB extents for race round %d", round);
			return;
		}
		cur = current_pages();
		for (unsigned int i = 0; i < RACE_N; i++)
			race_list[i] = ext[round & 1] + 2 * i;	/* every other page: the splits interleave */
		__atomic_store_n(&race_go, round, __ATOMIC_SEQ_CST);
		race_rc[0] = race_walk();
		while (__atomic_load_n(&race_done, __ATOMIC_SEQ_CST) != round)
			hyp_sched_op(SCHEDOP_yield, 0);
		bad += race_rc[0] + race_rc[1] != RACE_N || current_pages() != cur - RACE_N;
		both += race_rc[0] && race_rc[1];
		for (unsigned int i = 0; i < RACE_N; i++)
			race_list[i] = ext[round & 1] + 2 * i + 1;
		bad += reservation(XENMEM_decrease_reservation, race_list, RACE_N, 0) != RACE_N;
		bad += give(ext[!(round & 1)], 9) != 1;
		bad += current_pages() != cur - 2 * EXT;
	}
	rt_printf("attacker: racing vCPUs: %d rounds of the same 256 pages, both vCPUs won pages in %ld\n",
		  RACE_ROUNDS, both);
	tc_expect_eq(bad, 0, "each page went exactly once, the reservation fell by exactly 256 each round");
}

static void attacker(void)
{
	long before = current_pages();
	uint64_t ext[2];

	if (rt_page_init() < 0 || !(touch_window = rt_window_get()) || !grant_table_up()) {
		tc_error("no free frames or no grant table");
		return;
	}
	/* Room: our last frames back (nothing maps them). */
	for (int i = 0; i < ROOM; i++) {
		int64_t pfn = rt_frame_alloc_from(rt_boot.si->nr_pages - ROOM);

		if (pfn < 0) {
			tc_error("only %d frames for room", i);
			return;
		}
		room_mfn[i] = rt_pfn_to_mfn((uint64_t)pfn);
	}
	tc_expect_eq(reservation(XENMEM_decrease_reservation, room_mfn, ROOM, 0), ROOM, "room made");
	if (!take_extents(ext)) {
		tc_fail("no 2 MiB extents");
		return;
	}
	in_use(ext);
	{
		bool held[EXT];

		for (int i = 0; i < EXT; i++)
			held[i] = true;
		/* Gone in in_use(): the 8 granted, the pinned one, the mapped one and their two neighbours. */
		for (int i = 63; i <= 64 + NR_GRANT; i++)
			held[i] = false;
		held[200] = held[300] = false;
		give_rest(ext[0], held);
		for (int i = 0; i < EXT; i++)
			held[i] = true;
		give_rest(ext[1], held);
	}
	tc_expect_eq(current_pages(), before - ROOM, "in-use round: every page accounted for");
	fragment();
	race();
	tc_expect_eq(current_pages(), before - ROOM, "the reservation is back where it was after making room");
}

void test_main(void)
{
	const char *cmd = (const char *)rt_boot.si->cmd_line;
	bool mapper_role;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_fail("cannot map shared_info (%ld)", rc);
		return;
	}
	/* The mapper is dom0, or says so ("mapper"); peer= is the other one's domid when our dom0 built both. */
	mapper_role = (rt_boot.si->flags & SIF_INITDOMAIN) || rt_has_word(cmd, "mapper");
	peer = (domid_t)sec_cmdline_num("peer=", mapper_role ? 1 : 0);
	if (mapper_role)
		mapper();
	else
		attacker();
}

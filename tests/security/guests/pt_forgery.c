/* SPDX-License-Identifier: MIT */
/*
 * pt_forgery (security suite): page-table forgery and type confusion at
 * every level, beside the heartbeat domain. Each attack is checked for
 * Xen's error code (see hv/include/hv/pv_mm.h) and for leaving every live
 * table as it was:
 * - each live table L1..L4 mapped writable through update_va_mapping,
 *   mmu_update and ptwr emulation (a write through its read-only mapping);
 *   a pinned scratch L1 mapped writable the same ways;
 * - a table pinned at the wrong level, entries naming a table of another
 *   level, tables that map themselves (writable L1, L2/L3 self entries,
 *   writable L4 self map);
 * - linear maps: a read-only L4 self map is allowed, one level of L4 ->
 *   other L4 is allowed, a chain of two is refused both ways;
 * - superpages (PS at L2/L3/L4), the hypervisor's L4 slots, a new base
 *   pointer naming a non-L4.
 */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include "test.h"
#include "sec_util.h"

#define NR_SCR	8

static uint64_t win[512] __attribute__((aligned(4096)));
static uint64_t pt[5], snap[5][512], scr[NR_SCR];
static unsigned int win_l1, free_l2, free_l3, free_l4;

static uint64_t va_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Writes one word of an unmapped scratch frame through the window, then puts the window back. */
static int scr_put(uint64_t mfn, unsigned int i, uint64_t val)
{
	uint64_t own = sec_mfn_of(win);

	if (hyp_update_va_mapping(RT_PTR(win), (mfn << 12) | SEC_PTE_KRW, UVMF_INVLPG))
		return -1;
	win[i] = val;
	return hyp_update_va_mapping(RT_PTR(win), (own << 12) | SEC_PTE_KDATA, UVMF_INVLPG) ? -1 : 0;
}

static void restore_win(void)
{
	sec_expect(hyp_update_va_mapping(RT_PTR(win), (sec_mfn_of(win) << 12) | SEC_PTE_KDATA, UVMF_INVLPG), 0,
		   "window mapped back to its own frame");
}

static unsigned int free_slot(const volatile uint64_t *t, unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to; i++)
		if (!(t[i] & SEC_PTE_P))
			return i;
	return 512;
}

static int setup(void)
{
	uint64_t pfns[NR_SCR];

	if (sec_walk(RT_PTR(win), pt) || sec_scratch_pfns(pfns, NR_SCR) != NR_SCR)
		return -1;
	for (int i = 0; i < NR_SCR; i++)
		scr[i] = sec_p2m(pfns[i]);
	win_l1 = (unsigned int)va_index(RT_PTR(win), 1);
	free_l2 = free_slot(sec_va_of_mfn(pt[2]), 300, 512);
	free_l3 = free_slot(sec_va_of_mfn(pt[3]), 0, 512);
	free_l4 = free_slot(sec_va_of_mfn(pt[4]), 272, 511);
	if (free_l2 == 512 || free_l3 == 512 || free_l4 == 512)
		return -1;
	for (int l = 1; l <= 4; l++)
		for (int i = 0; i < 512; i++)
			snap[l][i] = sec_va_of_mfn(pt[l])[i];
	return 0;
}

static void writable_live_tables(void)
{
	for (int l = 1; l <= 4; l++) {
		sec_expect(hyp_update_va_mapping(RT_PTR(win), (pt[l] << 12) | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
			   "update_va_mapping: live L%d mapped writable", l);
		sec_expect(sec_mmu1((pt[1] << 12) + win_l1 * 8, (pt[l] << 12) | SEC_PTE_KRW), -XEN_EBUSY,
			   "mmu_update: live L%d mapped writable", l);
		sec_expect(sec_mmu1(((pt[1] << 12) + win_l1 * 8) | MMU_PT_UPDATE_PRESERVE_AD, (pt[l] << 12) | SEC_PTE_KRW),
			   -XEN_EBUSY, "mmu_update (preserve A/D): live L%d mapped writable", l);
	}
	/* Read-only is allowed, and the window's frame must come back. */
	sec_expect(hyp_update_va_mapping(RT_PTR(win), (pt[4] << 12) | SEC_PTE_KRO, UVMF_INVLPG), 0,
		   "update_va_mapping: live L4 mapped read-only");
	restore_win();
}

static void wrong_levels(void)
{
	for (int l = 1; l <= 4; l++)
		for (int want = 1; want <= 4; want++)
			if (want != l)
				sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE + want - 1, pt[l]), -XEN_EINVAL,
					   "live L%d pinned as L%d", l, want);
	/* Entries naming a table of another level than the one below. */
	sec_expect(sec_mmu1((pt[2] << 12) + free_l2 * 8, (pt[2] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L2 entry naming the live L2 (as an L1)");
	sec_expect(sec_mmu1((pt[2] << 12) + free_l2 * 8, (pt[3] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L2 entry naming the live L3 (as an L1)");
	sec_expect(sec_mmu1((pt[3] << 12) + free_l3 * 8, (pt[1] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L3 entry naming the live L1 (as an L2)");
	sec_expect(sec_mmu1((pt[3] << 12) + free_l3 * 8, (pt[4] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L3 entry naming the live L4 (as an L2)");
	sec_expect(sec_mmu1((pt[4] << 12) + free_l4 * 8, (pt[2] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L4 entry naming the live L2 (as an L3)");
	sec_expect(sec_mmu1((pt[4] << 12) + free_l4 * 8, (pt[1] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "L4 entry naming the live L1 (as an L3)");
	sec_expect(sec_ext1(MMUEXT_NEW_BASEPTR, pt[3]), -XEN_EINVAL, "new base pointer naming the live L3");
	sec_expect(sec_ext1(MMUEXT_NEW_BASEPTR, pt[1]), -XEN_EINVAL, "new base pointer naming the live L1");
}

static void self_maps(void)
{
	/* Scratch 0..3: a table of level 1..4 whose first entry maps itself. */
	static const long want[5] = { 0, -XEN_EBUSY, -XEN_EINVAL, -XEN_EINVAL, -XEN_EINVAL };

	for (int l = 1; l <= 4; l++) {
		uint64_t m = scr[l - 1];

		if (scr_put(m, 0, (m << 12) | SEC_PTE_KRW)) {
			tc_error("cannot prepare scratch frame %#llx", (unsigned long long)m);
			return;
		}
		sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE + l - 1, m), want[l], "pin L%d whose entry 0 maps it writable", l);
		/* A refused pin leaves no type behind: the frame is an ordinary page again. */
		sec_expect(hyp_update_va_mapping(RT_PTR(win), (m << 12) | SEC_PTE_KRW, UVMF_INVLPG), 0,
			   "after the refused L%d pin the frame maps writable", l);
		restore_win();
		scr_put(m, 0, 0);
	}
	/* A read-only L4 self map is the one linear map the rules allow. */
	scr_put(scr[3], 0, (scr[3] << 12) | SEC_PTE_KRO);
	sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, scr[3]), 0, "pin L4 with a read-only self map");
	sec_expect(hyp_update_va_mapping(RT_PTR(win), (scr[3] << 12) | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
		   "the pinned self-mapping L4 mapped writable");
	sec_expect(sec_mmu1((scr[3] << 12) + 8, (scr[3] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "a writable self map added to the pinned L4");
	sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, scr[3]), 0, "unpin it");
	scr_put(scr[3], 0, 0);
}

static void linear_chains(void)
{
	uint64_t a = scr[4], b = scr[5], c = scr[6];

	sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, a), 0, "pin an empty L4 A");
	scr_put(b, 1, (a << 12) | SEC_PTE_KRO);
	sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, b), 0, "pin L4 B with a read-only entry naming L4 A");
	scr_put(c, 1, (b << 12) | SEC_PTE_KRO);
	sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, c), -XEN_EINVAL, "pin L4 C naming B, which holds a linear entry");
	sec_expect(sec_mmu1((a << 12) + 2 * 8, (b << 12) | SEC_PTE_KRO), -XEN_EINVAL,
		   "A (a linear target) gets an entry naming B");
	sec_expect(sec_mmu1((b << 12) + 2 * 8, (a << 12) | SEC_PTE_KRW), -XEN_EINVAL,
		   "B gets a writable entry naming A");
	sec_expect(sec_mmu1((pt[4] << 12) + free_l4 * 8, (b << 12) | SEC_PTE_KRO), -XEN_EINVAL,
		   "the live L4 gets an entry naming B, which holds a linear entry");
	sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, b), 0, "unpin B");
	sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, a), 0, "unpin A");
	scr_put(b, 1, 0);
	scr_put(c, 1, 0);
}

static void superpages_and_slots(void)
{
	uint64_t s = scr[7];

	sec_expect(sec_mmu1((pt[2] << 12) + free_l2 * 8, (s << 12) | SEC_PTE_KRW | SEC_PTE_PS), -XEN_EINVAL,
		   "2 MiB superpage (PS) in the live L2");
	sec_expect(sec_mmu1((pt[2] << 12) + free_l2 * 8, (0x200ULL << 12) | SEC_PTE_KRW | SEC_PTE_PS), -XEN_EINVAL,
		   "2 MiB superpage of the hypervisor's low memory in the live L2");
	sec_expect(sec_mmu1((pt[3] << 12) + free_l3 * 8, (s << 12) | SEC_PTE_KRW | SEC_PTE_PS), -XEN_EINVAL,
		   "1 GiB superpage (PS) in the live L3");
	sec_expect(sec_mmu1((pt[3] << 12) + free_l3 * 8, SEC_PTE_KRW | SEC_PTE_PS), -XEN_EINVAL,
		   "1 GiB superpage of machine address 0 in the live L3");
	sec_expect(sec_mmu1((pt[4] << 12) + free_l4 * 8, (s << 12) | SEC_PTE_KRW | SEC_PTE_PS), -XEN_EINVAL,
		   "PS in the live L4");
	scr_put(s, 5, (0x400ULL << 12) | SEC_PTE_KRW | SEC_PTE_PS);
	sec_expect(sec_ext1(MMUEXT_PIN_L2_TABLE, s), -XEN_EINVAL, "pin an L2 holding a superpage entry");
	scr_put(s, 5, 0);
	for (unsigned int slot = 256; slot <= 271; slot += 5) {
		uint64_t cur = sec_va_of_mfn(pt[4])[slot];

		sec_expect(sec_mmu1((pt[4] << 12) + slot * 8, cur), -XEN_EINVAL, "L4 hypervisor slot %u rewritten as is", slot);
		sec_expect(sec_mmu1((pt[4] << 12) + slot * 8, (pt[3] << 12) | SEC_PTE_KRW), -XEN_EINVAL,
			   "L4 hypervisor slot %u pointed at the live L3", slot);
	}
}

static void pinned_l1_writable(void)
{
	uint64_t s = scr[0];

	sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, s), 0, "pin an empty scratch L1");
	sec_expect(hyp_update_va_mapping(RT_PTR(win), (s << 12) | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
		   "update_va_mapping: the pinned L1 mapped writable");
	sec_expect(sec_mmu1((pt[1] << 12) + win_l1 * 8, (s << 12) | SEC_PTE_KRW), -XEN_EBUSY,
		   "mmu_update: the pinned L1 mapped writable");
	sec_expect(sec_mmu1((s << 12) + 8, (s << 12) | SEC_PTE_KRW), -XEN_EBUSY,
		   "mmu_update: the pinned L1 made to map itself writable");
	sec_expect(sec_ext1(MMUEXT_CLEAR_PAGE, s), -XEN_EINVAL, "MMUEXT_CLEAR_PAGE of the pinned L1");
	sec_expect(sec_ext1(MMUEXT_CLEAR_PAGE, pt[4]), -XEN_EINVAL, "MMUEXT_CLEAR_PAGE of the live L4");
	sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, s), 0, "unpin it");

	/* A user base pointer holds its L4 after the pin is gone: it cannot be freed, mapped writable or retyped. */
	{
		uint64_t u = scr[1], ext = u;
		struct xen_memory_reservation res = { .extent_start = RT_PTR(&ext), .nr_extents = 1, .domid = DOMID_SELF };

		sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, u), 0, "pin an empty scratch L4");
		sec_expect(sec_ext1(MMUEXT_NEW_USER_BASEPTR, u), 0, "make it the user base pointer");
		sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, u), 0, "unpin it");
		sec_expect(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&res)), 0,
			   "decrease_reservation of the user L4 frees nothing");
		sec_expect(hyp_update_va_mapping(RT_PTR(win), (u << 12) | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
			   "the user L4 mapped writable");
		sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, u), -XEN_EINVAL, "the user L4 pinned as an L1");
		sec_expect(sec_ext1(MMUEXT_NEW_USER_BASEPTR, 0), 0, "no user base pointer");
		sec_expect(hyp_update_va_mapping(RT_PTR(win), (u << 12) | SEC_PTE_KRW, UVMF_INVLPG), 0,
			   "released, the frame maps writable again");
		restore_win();
	}
}

/* Writes through the read-only mappings of the live tables: ptwr emulation must refuse each with a #PF. */
static void ptwr_forgery(void)
{
	volatile uint64_t *l1 = sec_va_of_mfn(pt[1]), *l2 = sec_va_of_mfn(pt[2]), *l4 = sec_va_of_mfn(pt[4]);
	const uint64_t before = l1[win_l1];
	const uint64_t forged[] = {
		(pt[1] << 12) | SEC_PTE_KRW,	/* the L1 itself, writable */
		(pt[4] << 12) | SEC_PTE_KRW,	/* the L4, writable */
		(pt[2] << 12) | SEC_PTE_KRW,
		(0x10ULL << 12) | SEC_PTE_KRO,	/* the hypervisor's low memory */
		(1ULL << 39) | SEC_PTE_KRO,	/* no such frame */
	};
	uint64_t faults0;

	if (sec_install_probe()) {
		tc_error("cannot install the #PF probe");
		return;
	}
	faults0 = sec_probe_faults;
	for (unsigned int i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		uint64_t f = sec_probe_faults;

		sec_probe_store(&l1[win_l1], forged[i]);
		tc_check(sec_probe_faults == f + 1 && l1[win_l1] == before,
			 "ptwr: forged L1 entry %#llx refused with #PF, entry unchanged", (unsigned long long)forged[i]);
	}
	sec_probe_store(&l2[free_l2], (scr[7] << 12) | SEC_PTE_KRW | SEC_PTE_PS);
	sec_probe_store(&l4[free_l4], (pt[3] << 12) | SEC_PTE_KRW);
	sec_probe_store(&l4[256], 0);
	tc_check(sec_probe_faults == faults0 + 8 && !(l2[free_l2] & SEC_PTE_P) && !(l4[free_l4] & SEC_PTE_P) &&
			 l4[256] == snap[4][256],
		 "ptwr: writes to the live L2 and L4 (superpage, new entry, hypervisor slot) fault and change nothing");
	sec_restore_traps();
}

static void check_snapshot(void)
{
	unsigned long diffs = 0;

	for (int l = 1; l <= 4; l++)
		for (unsigned int i = 0; i < 512; i++) {
			uint64_t now = sec_va_of_mfn(pt[l])[i];

			if (l == 4 && i >= 256 && i < 272)
				continue;
			if ((now ^ snap[l][i]) & ~(SEC_PTE_A | SEC_PTE_D) && ++diffs <= 4)
				rt_printf("pt_forgery: live L%d slot %u: %#llx -> %#llx\n", l, i,
					  (unsigned long long)snap[l][i], (unsigned long long)now);
		}
	tc_check(diffs == 0, "the live tables equal their snapshot (%lu entries differ)", diffs);
}

/* Our grant-table frames are ours to map, as on Xen (that is how a PV guest reaches its table): list them. */
static void mark_grant_frames(uint64_t *own)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	struct gnttab_setup_table st = { .dom = DOMID_SELF };
	static xen_pfn_t frames[8];

	if (rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, RT_PTR(&q), 1) || q.status)
		return;
	st.nr_frames = q.nr_frames < 8 ? q.nr_frames : 8;
	st.frame_list = RT_PTR(frames);
	if (rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, RT_PTR(&st), 1) || st.status)
		return;
	for (uint32_t i = 0; i < st.nr_frames; i++)
		if (frames[i] < (1u << 20))
			own[frames[i] / 64] |= 1ULL << (frames[i] % 64);
}

/* Every machine frame of the machine, mapped read-only: only our own frames, grant frames and shared_info may be. */
static void sweep_all_frames(void)
{
	static uint64_t own[(1u << 20) / 64];
	uint64_t max = (uint64_t)hyp_memory_op(XENMEM_maximum_ram_page, 0), shinfo = rt_boot.si->shared_info >> 12;
	uint64_t tried = 0, accepted = 0, own_refused = 0;

	for (uint64_t pfn = 0; pfn < rt_boot.si->nr_pages; pfn++)
		if (sec_p2m(pfn) < (1u << 20))
			own[sec_p2m(pfn) / 64] |= 1ULL << (sec_p2m(pfn) % 64);
	mark_grant_frames(own);
	if (max > (1u << 20))
		max = 1u << 20;
	for (uint64_t m = 0; m < max; m++) {
		int mine = ((own[m / 64] >> (m % 64)) & 1) || m == shinfo;
		long rc = hyp_update_va_mapping(RT_PTR(win), (m << 12) | SEC_PTE_KRO, 0);

		tried++;
		if (rc == 0 && !mine && ++accepted <= 4)
			rt_printf("pt_forgery: frame %#llx (not ours) mapped\n", (unsigned long long)m);
		own_refused += rc != 0 && mine && m != sec_mfn_of(win);
	}
	restore_win();
	tc_check(accepted == 0 && tried > 0, "of all %llu frames, none but ours could be mapped (%llu others were)",
		 (unsigned long long)tried, (unsigned long long)accepted);
	tc_check(own_refused == 0, "our own frames all mapped read-only (%llu refused)", (unsigned long long)own_refused);
}

void test_main(void)
{
	if (setup()) {
		tc_error("setup failed");
		return;
	}
	writable_live_tables();
	pinned_l1_writable();
	wrong_levels();
	self_maps();
	linear_chains();
	superpages_and_slots();
	ptwr_forgery();
	check_snapshot();
	sweep_all_frames();
}

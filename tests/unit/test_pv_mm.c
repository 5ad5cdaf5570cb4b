/* SPDX-License-Identifier: MIT */
/* Unit tests of hv/common/pv_mm*.c: reference/type state machine, entry rules, pins, mod_entry, linear maps, teardown. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>
#include <pvabi/errno.h>
#include "test_pv_mm_util.h"

#define PG(m)	mfn_to_page(m)

static void expect_recount(void)
{
	const char *msg = pvt_recount(NULL, NULL);

	ck_assert_msg(msg == NULL, "%s", msg);
}

START_TEST(test_get_page_ownership)
{
	mfn_t a = pvt_alloc(&dom_a), b = pvt_alloc(&dom_b);
	mfn_t hv = frame_alloc_zeroed(0, &frame_owner_hv);
	mfn_t free_mfn = pvt_alloc(&dom_a);

	frame_free(free_mfn, 0);
	ck_assert_int_eq(get_page(PG(a), &dom_a, false), 0);
	ck_assert_uint_eq(pvt_gen(a), 1);
	ck_assert_int_eq(get_page(PG(b), &dom_a, false), -XEN_EINVAL);
	ck_assert_int_eq(get_page(PG(free_mfn), &dom_a, true), -XEN_EINVAL);
	ck_assert_int_eq(get_page(PG(T_BASE - 1), &dom_a, true), -XEN_EINVAL);
	/* A hypervisor frame: only when marked shared and the caller accepts it. */
	ck_assert_int_eq(get_page(PG(hv), &dom_a, true), -XEN_EINVAL);
	PG(hv)->count_info |= PGC_SHARED_HV;
	ck_assert_int_eq(get_page(PG(hv), &dom_a, false), -XEN_EINVAL);
	ck_assert_int_eq(get_page(PG(hv), &dom_a, true), 0);
	ck_assert_uint_eq(pvt_gen(hv), 1);
	ck_assert_uint_eq(pvt_gen(b), 0);
	put_page(PG(hv));
	put_page(PG(a));
	ck_assert_uint_eq(pvt_gen(a), 0);
	ck_assert(PG(hv)->count_info == PGC_SHARED_HV);
}
END_TEST

/* Ballooning a frame out: claimed only without references, and then nothing can take one. */
START_TEST(test_claim_for_release)
{
	mfn_t a = pvt_alloc(&dom_a), b = pvt_alloc(&dom_b);

	ck_assert_int_eq(pv_mm_claim_for_release(&dom_a, PG(b)), -XEN_EINVAL);	/* not ours */
	ck_assert_int_eq(get_page(PG(a), &dom_a, false), 0);
	ck_assert_int_eq(pv_mm_claim_for_release(&dom_a, PG(a)), -XEN_EINVAL);	/* mapped */
	ck_assert(!(PG(a)->count_info & PGC_LEAVING));				/* refusal undone */
	put_page(PG(a));
	ck_assert_int_eq(get_page_and_type(PG(a), &dom_a, PAGE_TYPE_WRITABLE), 0);
	put_page(PG(a));							/* type ref alone left */
	ck_assert_int_eq(pv_mm_claim_for_release(&dom_a, PG(a)), -XEN_EINVAL);
	put_page_type(PG(a));
	ck_assert_int_eq(pv_mm_claim_for_release(&dom_a, PG(a)), 0);
	ck_assert_int_eq(get_page(PG(a), &dom_a, false), -XEN_EINVAL);
	ck_assert_int_eq(get_page_and_type(PG(a), &dom_a, PAGE_TYPE_WRITABLE), -XEN_EINVAL);
	ck_assert_uint_eq(pvt_gen(a), 0);
	pv_mm_release_abort(PG(a));
	ck_assert_int_eq(get_page(PG(a), &dom_a, false), 0);
	put_page(PG(a));
}
END_TEST

START_TEST(test_count_overflow)
{
	mfn_t a = pvt_alloc(&dom_a);

	PG(a)->count_info = PGC_COUNT_MASK;
	ck_assert_int_eq(get_page(PG(a), &dom_a, false), -XEN_EOVERFLOW);
	ck_assert(PG(a)->count_info == PGC_COUNT_MASK);
	PG(a)->count_info = 1;
	PG(a)->type_info = page_type_info_make(PAGE_TYPE_WRITABLE, UINT32_MAX, PGT_VALIDATED);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_WRITABLE), -XEN_EOVERFLOW);
	ck_assert(PG(a)->type_info == page_type_info_make(PAGE_TYPE_WRITABLE, UINT32_MAX, PGT_VALIDATED));
	PG(a)->count_info = 0;
	PG(a)->type_info = 0;
}
END_TEST

START_TEST(test_type_change_rules)
{
	mfn_t a = pvt_alloc(&dom_a);

	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_NONE), -XEN_EINVAL);
	ck_assert_int_eq(get_page_type(PG(a), (enum page_type)7), -XEN_EINVAL);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_WRITABLE), 0);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_WRITABLE), 0);
	ck_assert_uint_eq(pvt_tcount(a), 2);
	/* Writable in use: no page-table type, no descriptor type. */
	for (enum page_type t = PAGE_TYPE_L1; t <= PAGE_TYPE_SEGDESC; t++)
		ck_assert_int_eq(get_page_type(PG(a), t), -XEN_EINVAL);
	put_page_type(PG(a));
	put_page_type(PG(a));
	ck_assert_uint_eq(pvt_tcount(a), 0);
	/* Count 0: the type may change, an empty page validates as any table. */
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_L2), 0);
	ck_assert_int_eq(pvt_type(a), PAGE_TYPE_L2);
	ck_assert(PG(a)->type_info & PGT_VALIDATED);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_WRITABLE), -XEN_EINVAL);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_L1), -XEN_EINVAL);
	put_page_type(PG(a));
	/* The last put of a table type devalidates. */
	ck_assert(!(PG(a)->type_info & PGT_VALIDATED));
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_SEGDESC), 0);
	ck_assert_int_eq(get_page_type(PG(a), PAGE_TYPE_WRITABLE), -XEN_EINVAL);
	put_page_type(PG(a));
	ck_assert_uint_eq(pvt_tcount(a), 0);
}
END_TEST

START_TEST(test_put_without_get_panics)
{
	mfn_t a = pvt_alloc(&dom_a);

	EXPECT_PANIC(put_page(PG(a)), "no general reference");
	EXPECT_PANIC(put_page_type(PG(a)), "no type reference");
}
END_TEST

START_TEST(test_pin_each_level)
{
	struct pvt_tree t;

	pvt_tree_build(&dom_a, &t, 3);
	/* Pin bottom-up: each table is validated once, the pins only add references. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l1, 1), 0);
	ck_assert_uint_eq(pvt_gen(t.l1), 1);
	ck_assert_uint_eq(pvt_tcount(t.l1), 1);
	for (unsigned int i = 0; i < t.n; i++) {
		ck_assert_uint_eq(pvt_gen(t.data[i]), 1);
		ck_assert_uint_eq(pvt_tcount(t.data[i]), 1);
		ck_assert_int_eq(pvt_type(t.data[i]), PAGE_TYPE_WRITABLE);
	}
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l2, 2), 0);
	ck_assert_uint_eq(pvt_tcount(t.l1), 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l3, 3), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_gen(t.l3), 2);
	ck_assert_uint_eq(pvt_tcount(t.l3), 2);
	ck_assert_uint_eq(pvt_gen(t.l4), 1);
	ck_assert(PG(t.l4)->type_info & PGT_PINNED);
	expect_recount();
	/* Pinned twice, pinned as another type, unpinned at the wrong level: refused, nothing moves. */
	struct pvt_snap s;
	pvt_snap_take(&s);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l2, 1), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l2, 0), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l2, 5), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 3), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_b, t.l4, 4), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_pin_table(&dom_b, t.l4, 4), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.data[0], 1), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, T_BASE + T_FRAMES, 1), -XEN_EINVAL);
	pvt_snap_same(&s, "bad pins");
	/* Unpin top-down: tables stay validated while referenced from above. */
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_tcount(t.l4), 0);
	ck_assert_uint_eq(pvt_gen(t.l4), 0);
	ck_assert_uint_eq(pvt_tcount(t.l3), 1);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 4), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l3, 3), 0);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l2, 2), 0);
	ck_assert_uint_eq(pvt_tcount(t.l1), 1);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l1, 1), 0);
	for (mfn_t m = T_BASE; m < T_BASE + T_FRAMES; m++) {
		ck_assert_uint_eq(pvt_gen(m), 0);
		ck_assert_uint_eq(pvt_tcount(m), 0);
	}
	expect_recount();
}
END_TEST

START_TEST(test_pin_top_validates_tree)
{
	struct pvt_tree t;

	pvt_tree_build(&dom_a, &t, 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_int_eq(pvt_type(t.l3), PAGE_TYPE_L3);
	ck_assert_int_eq(pvt_type(t.l2), PAGE_TYPE_L2);
	ck_assert_int_eq(pvt_type(t.l1), PAGE_TYPE_L1);
	ck_assert_uint_eq(pvt_tcount(t.l1), 1);
	ck_assert_uint_eq(pvt_gen(t.l1), 1);
	expect_recount();
	/* The whole tree goes with the last reference to its top. */
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_tcount(t.l1), 0);
	ck_assert_uint_eq(pvt_gen(t.data[1]), 0);
	ck_assert_uint_eq(pvt_tcount(t.data[1]), 0);
	ck_assert(!(PG(t.l2)->type_info & PGT_VALIDATED));
	/* Devalidated frames may now be written by the guest. */
	ck_assert_int_eq(get_page_type(PG(t.l1), PAGE_TYPE_WRITABLE), 0);
	put_page_type(PG(t.l1));
}
END_TEST

/* One forbidden table: pinning it at level must fail with err and leave everything as it was. */
static void expect_pin_refused(mfn_t table, unsigned int level, int err, const char *what)
{
	struct pvt_snap s;

	pvt_snap_take(&s);
	ck_assert_msg(pv_mm_pin_table(&dom_a, table, level) == err, "%s: expected %d", what, err);
	pvt_snap_same(&s, what);
}

START_TEST(test_refused_tables)
{
	mfn_t l1 = pvt_alloc(&dom_a), l2 = pvt_alloc(&dom_a), other = pvt_alloc(&dom_b);
	mfn_t data = pvt_alloc(&dom_a), pinned = pvt_alloc(&dom_a);
	uint64_t *t1 = pvt_tbl(l1), *t2 = pvt_tbl(l2);

	ck_assert_int_eq(pv_mm_pin_table(&dom_a, pinned, 1), 0);
	t1[0] = pvt_pte(data, F_DATA);
	t1[1] = pvt_pte(other, F_RO);
	expect_pin_refused(l1, 1, -XEN_EBUSY, "L1 maps another domain's frame");
	t1[1] = pvt_pte(pinned, F_DATA);
	expect_pin_refused(l1, 1, -XEN_EBUSY, "L1 maps a page table writable");
	t1[1] = pvt_pte(l1, F_DATA);
	expect_pin_refused(l1, 1, -XEN_EBUSY, "L1 maps itself writable");
	t1[1] = pvt_pte(T_BASE + T_FRAMES, F_RO);
	expect_pin_refused(l1, 1, -XEN_EPERM, "L1 maps beyond the frame table");
	t1[1] = pvt_pte(T_BASE - 2, F_RO);
	expect_pin_refused(l1, 1, -XEN_EBUSY, "L1 maps a reserved frame");
	t1[1] = pvt_pte(data, F_RO | PV_PTE_PCD);
	expect_pin_refused(l1, 1, -XEN_EINVAL, "cache attributes in a domU");
	t1[1] = pvt_pte(data, F_RO | PV_PTE_PS);
	expect_pin_refused(l1, 1, -XEN_EINVAL, "PAT bit in a domU");
	/* An L1 that maps itself read-only is fine. */
	t1[1] = pvt_pte(l1, F_RO);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l1, 1), 0);
	ck_assert_uint_eq(pvt_gen(l1), 2);
	ck_assert_uint_eq(pvt_tcount(l1), 1);
	expect_recount();
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, l1, 1), 0);

	t2[3] = pvt_pte(l1, F_TABLE | PV_PTE_PS);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "superpage at L2");
	t2[3] = pvt_pte(l1, F_TABLE | PV_PTE_G);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "G at L2");
	t2[3] = pvt_pte(l1, F_TABLE | PV_PTE_PWT);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "PWT at L2");
	t2[3] = pvt_pte(other, F_TABLE);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "L2 maps another domain's frame");
	t2[3] = pvt_pte(l2, F_TABLE);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "L2 maps itself as an L1");
	t2[3] = pvt_pte(pinned, F_TABLE);
	t2[4] = pvt_pte(data, F_TABLE);
	ck_assert_int_eq(get_page_type(PG(data), PAGE_TYPE_WRITABLE), 0);
	expect_pin_refused(l2, 2, -XEN_EINVAL, "L2 maps a writable frame as an L1");
	put_page_type(PG(data));
	/* The same L2 with the data frame free of writable users: data becomes an (empty) L1. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l2, 2), 0);
	ck_assert_int_eq(pvt_type(data), PAGE_TYPE_L1);
	expect_recount();
}
END_TEST

START_TEST(test_deep_failure_undoes_everything)
{
	struct pvt_tree t;
	mfn_t other = pvt_alloc(&dom_b), l1b = pvt_alloc(&dom_a);

	pvt_tree_build(&dom_a, &t, 5);
	/* A second L1 whose last entry is bad: everything the first ones took must be released. */
	pvt_tbl(t.l2)[1] = pvt_pte(l1b, F_TABLE);
	pvt_tbl(l1b)[0] = pvt_pte(t.data[0], F_RO);
	pvt_tbl(l1b)[511] = pvt_pte(other, F_DATA);
	pvt_tbl(t.l4)[300] = pvt_pte(t.l3, F_TABLE);	/* after the hypervisor slots */
	expect_pin_refused(t.l4, 4, -XEN_EBUSY, "bad entry four levels down");
	pvt_tbl(l1b)[511] = 0;
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_gen(t.l3), 2);
	ck_assert_uint_eq(pvt_gen(t.data[0]), 2);
	ck_assert_uint_eq(pvt_tcount(t.data[0]), 1);
	expect_recount();
}
END_TEST

START_TEST(test_hv_slots_and_us)
{
	struct pvt_tree t;
	uint64_t *l4, *l1;

	pvt_tree_build(&dom_a, &t, 2);
	l4 = pvt_tbl(t.l4);
	l1 = pvt_tbl(t.l1);
	/* Junk (even an entry that would be refused) in the hypervisor slots is ignored and overwritten. */
	for (unsigned int i = PV_L4_HV_FIRST; i <= PV_L4_HV_LAST; i++)
		l4[i] = pvt_pte(T_BASE + T_FRAMES + i, PV_PTE_P | PV_PTE_PS);
	l4[0] &= ~PV_PTE_US;
	l1[0] = pvt_pte(t.data[0], PV_PTE_P | PV_PTE_RW | PV_PTE_G);	/* kernel mapping, global */
	l1[1] = pvt_pte(t.data[1], PV_PTE_P | PV_PTE_US | PV_PTE_G);	/* user mapping, global: G goes too */
	l1[2] = 0xfffffffffffffffeULL;					/* not present: left alone */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	for (unsigned int i = PV_L4_HV_FIRST; i <= PV_L4_HV_LAST; i++)
		ck_assert(l4[i] == T_HV_SLOT(i));
	ck_assert(l4[0] == pvt_pte(t.l3, F_TABLE));
	ck_assert(l1[0] == pvt_pte(t.data[0], PV_PTE_P | PV_PTE_RW | PV_PTE_US));
	ck_assert(l1[1] == pvt_pte(t.data[1], PV_PTE_P | PV_PTE_US));
	ck_assert(l1[2] == 0xfffffffffffffffeULL);
	expect_recount();
}
END_TEST

/* Entries needing US in every 64-entry word of an L1, first and last slots included, all get it. */
START_TEST(test_us_every_word)
{
	static const unsigned int slots[] = { 1, 63, 64, 127, 128, 200, 255, 256, 320, 383, 384, 450, 511 };
	struct pvt_tree t;
	uint64_t *l1;

	pvt_tree_build(&dom_a, &t, 2);
	l1 = pvt_tbl(t.l1);
	for (unsigned int i = 0; i < ARRAY_SIZE(slots); i++)
		l1[slots[i]] = pvt_pte(t.data[i & 1], PV_PTE_P | PV_PTE_A);
	l1[2] = pvt_pte(t.data[1], PV_PTE_P | PV_PTE_US);	/* already right: left as it is */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(slots); i++)
		ck_assert_msg(l1[slots[i]] == pvt_pte(t.data[i & 1], PV_PTE_P | PV_PTE_A | PV_PTE_US),
			      "slot %u: %#lx", slots[i], l1[slots[i]]);
	ck_assert(l1[2] == pvt_pte(t.data[1], PV_PTE_P | PV_PTE_US));
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 4), 0);
	expect_recount();
}
END_TEST

/*
 * Entries at both ends of 8-slot groups, and non-zero entries that are not
 * present among them: the pin takes a reference for every present one and
 * the unpin gives every one back (the scan passes over empty groups only).
 */
START_TEST(test_sparse_slots)
{
	static const unsigned int slots[] = { 0, 7, 8, 15, 16, 63, 64, 255, 256, 257, 504, 510, 511 };
	static const unsigned int swapped[] = { 9, 100, 383, 505 };
	struct pvt_tree t;
	uint32_t before[2], want[2] = { 0, 0 };
	uint64_t *l1;

	pvt_tree_build(&dom_a, &t, 2);
	l1 = pvt_tbl(t.l1);
	l1[1] = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(slots); i++) {
		l1[slots[i]] = pvt_pte(t.data[i & 1], F_RO);
		want[i & 1]++;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(swapped); i++)
		l1[swapped[i]] = 0x5a5a5a00ULL;		/* not present: holds nothing */
	before[0] = pvt_gen(t.data[0]);
	before[1] = pvt_gen(t.data[1]);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_gen(t.data[0]), before[0] + want[0]);
	ck_assert_uint_eq(pvt_gen(t.data[1]), before[1] + want[1]);
	expect_recount();
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, t.l4, 4), 0);
	ck_assert_uint_eq(pvt_gen(t.data[0]), before[0]);
	ck_assert_uint_eq(pvt_gen(t.data[1]), before[1]);
	expect_recount();
}
END_TEST

START_TEST(test_check_entry_masks)
{
	uint64_t v;
	mfn_t m = pvt_alloc(&dom_a);
	uint64_t ok_all = PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_A | PV_PTE_D | PV_PTE_AVAIL |
			  PV_PTE_AVAIL_HIGH | PV_PTE_NX;

	for (unsigned int lv = 1; lv <= 4; lv++) {
		ck_assert_int_eq(pv_mm_check_entry(&dom_a, lv, pvt_pte(m, ok_all), &v), 0);
		ck_assert(v == pvt_pte(m, ok_all));
		ck_assert_int_eq(pv_mm_check_entry(&dom_a, lv, pvt_pte(m, PV_PTE_P | PV_PTE_PCD), &v), -XEN_EINVAL);
		ck_assert_int_eq(pv_mm_check_entry(&dom_a, lv, pvt_pte(m, PV_PTE_P | PV_PTE_PS), &v), -XEN_EINVAL);
		ck_assert_int_eq(pv_mm_check_entry(&dom_a, lv, pvt_pte(m, PV_PTE_P | PV_PTE_G | PV_PTE_US), &v),
				 lv == 1 ? 0 : -XEN_EINVAL);
	}
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 0, 0, &v), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 5, 0, &v), -XEN_EINVAL);
	/* A privileged domain may choose cache attributes in L1 entries only. */
	dom_a.is_privileged = true;
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 1, pvt_pte(m, PV_PTE_P | PV_PTE_PCD | PV_PTE_PWT | PV_PTE_PS), &v), 0);
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 2, pvt_pte(m, PV_PTE_P | PV_PTE_PCD), &v), -XEN_EINVAL);
	dom_a.is_privileged = false;
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 1, pvt_pte(frame_table_frames, PV_PTE_P), &v), -XEN_EPERM);
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 2, pvt_pte(frame_table_frames, PV_PTE_P), &v), -XEN_EINVAL);
	/* The all-ones frame number is Xen's INVALID_MFN: -EINVAL, not I/O memory. */
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 1, PV_PTE_ADDR_MASK | PV_PTE_P, &v), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 1, pvt_pte(frame_table_frames, 0), &v), 0);
}
END_TEST

/*
 * A device frame (outside the frame table) in an L1 of the domain that
 * drives devices: allowed where hv/iomem.h says so, holds no reference, and
 * goes again like any entry; refused to everyone else and at other levels.
 */
START_TEST(test_device_frame_entry)
{
	extern mfn_t host_device_mfn;
	mfn_t l1 = pvt_alloc(&dom_a), dev = frame_table_frames + 5;
	uint32_t gen, tcount;
	uint64_t v;

	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l1, 1), 0);
	host_device_mfn = dev;
	gen = pvt_gen(l1);
	tcount = pvt_tcount(l1);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 3, pvt_pte(dev, PV_PTE_P | PV_PTE_RW | PV_PTE_PCD), false),
			 -XEN_EINVAL);	/* not the privileged domain: no cache bits */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 3, pvt_pte(dev, PV_PTE_P | PV_PTE_RW), false),
			 -XEN_EPERM);	/* nor device frames */
	dom_a.is_privileged = true;
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 2, pvt_pte(dev, PV_PTE_P), &v), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_check_entry(&dom_a, 1, pvt_pte(dev + 1, PV_PTE_P), &v), -XEN_EPERM);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 3, pvt_pte(dev, PV_PTE_P | PV_PTE_RW | PV_PTE_PCD), false), 0);
	ck_assert_uint_eq(pvt_gen(l1), gen);	/* only counts of real frames could change: there are none */
	ck_assert_uint_eq(pvt_tcount(l1), tcount);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 3, pvt_pte(dev, PV_PTE_P | PV_PTE_PCD), false), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 3, 0, false), 0);
	ck_assert_uint_eq(pvt_gen(l1), gen);
	ck_assert_uint_eq(pvt_tcount(l1), tcount);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 4, pvt_pte(dev, PV_PTE_P), false), 0);
	dom_a.is_privileged = false;
	host_device_mfn = ~(mfn_t)0;
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, l1, 1), 0);	/* releasing the table skips the device entry */
	ck_assert(pvt_unused(l1));
}
END_TEST

START_TEST(test_shared_info_mapping)
{
	mfn_t si = frame_alloc_zeroed(0, &frame_owner_hv), other_hv = frame_alloc_zeroed(0, &frame_owner_hv);
	mfn_t l1 = pvt_alloc(&dom_a), l2 = pvt_alloc(&dom_a);

	PG(si)->count_info |= PGC_SHARED_HV;
	PG(other_hv)->count_info |= PGC_SHARED_HV;
	dom_a.shared_info_mfn = si;
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l1, 1), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 5, pvt_pte(si, F_DATA), false), 0);
	ck_assert_uint_eq(pvt_gen(si), 1);
	ck_assert_int_eq(pvt_type(si), PAGE_TYPE_WRITABLE);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 6, pvt_pte(other_hv, F_RO), false), -XEN_EBUSY);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_b, l1, 6, pvt_pte(si, F_RO), false), -XEN_EINVAL);
	/* shared_info is never a page table. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l2, 2), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l2, 0, pvt_pte(si, F_TABLE), false), -XEN_EINVAL);
	expect_recount();
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 5, 0, false), 0);
	ck_assert_uint_eq(pvt_gen(si), 0);
	ck_assert_uint_eq(pvt_tcount(si), 0);
}
END_TEST

static void expect_mod_refused(mfn_t table, unsigned int i, uint64_t e, int err, const char *what)
{
	struct pvt_snap s;

	pvt_snap_take(&s);
	ck_assert_msg(pv_mm_mod_entry(&dom_a, table, i, e, false) == err, "%s: expected %d", what, err);
	pvt_snap_same(&s, what);
}

START_TEST(test_mod_entry_refusals)
{
	struct pvt_tree t;
	mfn_t other = pvt_alloc(&dom_b), plain = pvt_alloc(&dom_a), otherl1 = pvt_alloc(&dom_b);

	pvt_tree_build(&dom_a, &t, 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_b, otherl1, 1), 0);
	expect_mod_refused(t.l4, 256, 0, -XEN_EINVAL, "clear a hypervisor slot");
	expect_mod_refused(t.l4, 271, pvt_pte(t.l3, F_TABLE), -XEN_EINVAL, "write a hypervisor slot");
	expect_mod_refused(t.l1, 9, pvt_pte(other, F_RO), -XEN_EBUSY, "map another domain's frame");
	expect_mod_refused(t.l1, 9, pvt_pte(t.l2, F_DATA), -XEN_EBUSY, "map a page table writable");
	expect_mod_refused(t.l1, 9, pvt_pte(t.l1, F_DATA), -XEN_EBUSY, "L1 maps itself writable");
	expect_mod_refused(t.l1, 9, pvt_pte(T_BASE + T_FRAMES + 7, F_RO), -XEN_EPERM, "beyond the table");
	expect_mod_refused(t.l1, 9, pvt_pte(plain, F_RO | PV_PTE_PWT), -XEN_EINVAL, "reserved bit");
	expect_mod_refused(t.l1, 512, 0, -XEN_EINVAL, "index out of range");
	expect_mod_refused(t.l2, 0, pvt_pte(t.l1, F_TABLE | PV_PTE_PS), -XEN_EINVAL, "superpage");
	expect_mod_refused(t.l2, 1, pvt_pte(otherl1, F_TABLE), -XEN_EINVAL, "another domain's L1");
	expect_mod_refused(t.l3, 1, pvt_pte(t.l1, F_TABLE), -XEN_EINVAL, "an L1 used as an L2");
	expect_mod_refused(plain, 0, 0, -XEN_EINVAL, "a frame that is no page table");
	expect_mod_refused(T_BASE + T_FRAMES, 0, 0, -XEN_EINVAL, "a table beyond the frame table");
	ck_assert_int_eq(pv_mm_mod_entry(&dom_b, t.l1, 0, 0, false), -XEN_EINVAL);
	/* A refused replacement keeps the old entry and its references. */
	expect_mod_refused(t.l1, 0, pvt_pte(other, F_RO), -XEN_EBUSY, "replace with a foreign frame");
	ck_assert_uint_eq(pvt_gen(t.data[0]), 1);
	expect_recount();
}
END_TEST

/* The compare-and-exchange form: a stale expectation changes nothing, neither entry nor references. */
START_TEST(test_mod_entry_from)
{
	struct pvt_tree t;
	mfn_t plain = pvt_alloc(&dom_a);
	uint64_t before;

	pvt_tree_build(&dom_a, &t, 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	before = pvt_tbl(t.l1)[0];
	/* Another vCPU cleared accessed since the caller read the entry (Linux's test-and-clear-young): refused. */
	ck_assert(before & PV_PTE_A);
	pvt_tbl(t.l1)[0] &= ~PV_PTE_A;
	ck_assert_int_eq(pv_mm_mod_entry_from(&dom_a, t.l1, 0, before, pvt_pte(plain, F_RO)), -XEN_EAGAIN);
	ck_assert(pvt_tbl(t.l1)[0] == (before & ~PV_PTE_A));
	ck_assert_uint_eq(pvt_gen(plain), 0);
	ck_assert_uint_eq(pvt_gen(t.data[0]), 1);
	/* With the entry as it is now: done, the references move. */
	ck_assert_int_eq(pv_mm_mod_entry_from(&dom_a, t.l1, 0, before & ~PV_PTE_A, pvt_pte(plain, F_RO)), 0);
	ck_assert(pvt_tbl(t.l1)[0] == pvt_pte(plain, F_RO));
	ck_assert_uint_eq(pvt_gen(plain), 1);
	ck_assert_uint_eq(pvt_gen(t.data[0]), 0);
	/* The rules still apply to a current expectation. */
	ck_assert_int_eq(pv_mm_mod_entry_from(&dom_a, t.l1, 0, pvt_pte(plain, F_RO), pvt_pte(t.l1, F_DATA)), -XEN_EBUSY);
	expect_recount();
}
END_TEST

START_TEST(test_mod_entry_counts)
{
	struct pvt_tree t;
	mfn_t d1 = pvt_alloc(&dom_a), d2 = pvt_alloc(&dom_a), nl1 = pvt_alloc(&dom_a);
	uint64_t *l1;

	pvt_tree_build(&dom_a, &t, 1);
	l1 = pvt_tbl(t.l1);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	/* L1: RW takes a writable type, RO only a general reference. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 1, pvt_pte(d1, F_DATA), false), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 2, pvt_pte(d1, F_RO), false), 0);
	ck_assert_uint_eq(pvt_gen(d1), 2);
	ck_assert_uint_eq(pvt_tcount(d1), 1);
	/* RW -> RO on the same frame moves the type reference only. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 1, pvt_pte(d1, F_RO), false), 0);
	ck_assert_uint_eq(pvt_gen(d1), 2);
	ck_assert_uint_eq(pvt_tcount(d1), 0);
	/* Retarget: references move from d1 to d2. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 2, pvt_pte(d2, F_DATA), false), 0);
	ck_assert_uint_eq(pvt_gen(d1), 1);
	ck_assert_uint_eq(pvt_gen(d2), 1);
	ck_assert_uint_eq(pvt_tcount(d2), 1);
	/* A/D (and NX, AVAIL) changes take and drop nothing; U/S is still forced. */
	PG(d2)->count_info += 0;
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 2, pvt_pte(d2, PV_PTE_P | PV_PTE_RW | PV_PTE_NX | (1ULL << 9)), false), 0);
	ck_assert(l1[2] == pvt_pte(d2, PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_NX | (1ULL << 9)));
	ck_assert_uint_eq(pvt_gen(d2), 1);
	ck_assert_uint_eq(pvt_tcount(d2), 1);
	/* preserve_ad keeps what the CPU set. */
	l1[2] |= PV_PTE_A | PV_PTE_D;
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 2, pvt_pte(d2, PV_PTE_P | PV_PTE_US), true), 0);
	ck_assert(l1[2] == pvt_pte(d2, PV_PTE_P | PV_PTE_US | PV_PTE_A | PV_PTE_D));
	ck_assert_uint_eq(pvt_tcount(d2), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l1, 2, pvt_pte(d2, PV_PTE_P | PV_PTE_US), false), 0);
	ck_assert(l1[2] == pvt_pte(d2, PV_PTE_P | PV_PTE_US));
	expect_recount();
	/* L2: a new L1 is validated through the entry and released with it. */
	pvt_tbl(nl1)[7] = pvt_pte(d1, F_DATA);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l2, 1, pvt_pte(nl1, F_TABLE), false), 0);
	ck_assert_int_eq(pvt_type(nl1), PAGE_TYPE_L1);
	ck_assert_uint_eq(pvt_tcount(nl1), 1);
	ck_assert_uint_eq(pvt_tcount(d1), 1);
	expect_recount();
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l2, 1, 0, false), 0);
	ck_assert_uint_eq(pvt_tcount(nl1), 0);
	ck_assert_uint_eq(pvt_gen(nl1), 0);
	ck_assert_uint_eq(pvt_tcount(d1), 0);
	/* L3 and L4: the same L2 / L3 referenced twice counts twice. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l3, 5, pvt_pte(t.l2, F_TABLE), false), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l4, 511, pvt_pte(t.l3, F_TABLE), false), 0);
	ck_assert_uint_eq(pvt_tcount(t.l2), 2);
	ck_assert_uint_eq(pvt_tcount(t.l3), 2);
	ck_assert_uint_eq(pvt_gen(t.l3), 2);
	expect_recount();
	/* Clearing L4[0] and L4[511] releases the whole tree below. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l4, 0, 0, false), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l4, 511, 0, false), 0);
	ck_assert_uint_eq(pvt_tcount(t.l3), 0);
	ck_assert_uint_eq(pvt_tcount(t.l1), 0);
	ck_assert_uint_eq(pvt_gen(t.data[0]), 0);
	expect_recount();
}
END_TEST

START_TEST(test_linear_l4)
{
	struct pvt_tree a, b;
	mfn_t c = pvt_alloc(&dom_a);

	pvt_tree_build(&dom_a, &a, 1);
	pvt_tree_build(&dom_a, &b, 1);
	/* Self map, read-only, at validation time: no reference on itself. */
	pvt_tbl(a.l4)[510] = pvt_pte(a.l4, F_RO);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, a.l4, 4), 0);
	ck_assert_uint_eq(pvt_gen(a.l4), 1);
	ck_assert_uint_eq(pvt_tcount(a.l4), 1);
	expect_mod_refused(a.l4, 509, pvt_pte(a.l4, F_TABLE), -XEN_EINVAL, "writable self map");
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, a.l4, 509, pvt_pte(a.l4, F_RO), false), 0);
	ck_assert_uint_eq(pvt_tcount(a.l4), 1);
	/* Another validated L4 of the domain, read-only: a linear entry holding general + type references. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, b.l4, 4), 0);
	expect_mod_refused(a.l4, 508, pvt_pte(b.l4, F_TABLE), -XEN_EINVAL, "writable map of another L4");
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, a.l4, 508, pvt_pte(b.l4, F_RO), false), 0);
	ck_assert_uint_eq(pvt_gen(b.l4), 2);
	ck_assert_uint_eq(pvt_tcount(b.l4), 2);
	ck_assert_int_eq(pvt_linear(a.l4), 1);
	ck_assert_int_eq(pvt_linear(b.l4), -1);
	expect_recount();
	/* Chains stay one level deep: b (a target) may not hold linear entries, a (a holder) may not be a target. */
	expect_mod_refused(b.l4, 508, pvt_pte(a.l4, F_RO), -XEN_EINVAL, "linear entry in a linear target");
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, c, 4), 0);
	expect_mod_refused(c, 1, pvt_pte(a.l4, F_RO), -XEN_EINVAL, "linear map of a table with linear entries");
	/* b self-mapping is not a linear entry: allowed. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, b.l4, 507, pvt_pte(b.l4, F_RO), false), 0);
	/* b unpinned: a's entry keeps it alive and validated. */
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, b.l4, 4), 0);
	ck_assert_uint_eq(pvt_tcount(b.l4), 1);
	ck_assert(PG(b.l4)->type_info & PGT_VALIDATED);
	expect_recount();
	/* Dropping the linear entry releases b and its tree. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, a.l4, 508, 0, false), 0);
	ck_assert_uint_eq(pvt_tcount(b.l4), 0);
	ck_assert_uint_eq(pvt_tcount(b.l3), 0);
	ck_assert_int_eq(pvt_linear(a.l4), 0);
	ck_assert_int_eq(pvt_linear(b.l4), 0);
	/*
	 * b is now a stale L4 (count 0): a read-only entry to it is no linear
	 * map, it is taken as an L3, and its hypervisor slots fail that.
	 */
	expect_mod_refused(a.l4, 508, pvt_pte(b.l4, F_RO), -XEN_EINVAL, "entry to an unvalidated L4");
	expect_recount();
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, a.l4, 4), 0);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, c, 4), 0);
	for (mfn_t m = T_BASE; m < T_BASE + T_FRAMES; m++)
		ck_assert(pvt_gen(m) == 0 && pvt_tcount(m) == 0 && pvt_linear(m) == 0);
}
END_TEST

START_TEST(test_stale_writable_flush)
{
	mfn_t l1 = pvt_alloc(&dom_a), x = pvt_alloc(&dom_a), l1b = pvt_alloc(&dom_a), other = pvt_alloc(&dom_b);

	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l1, 1), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 0, pvt_pte(x, F_DATA), false), 0);
	ck_assert(!(PG(x)->type_info & PGT_NEED_FLUSH));
	/* RW -> RO: the writable translation may still be cached somewhere. */
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, l1, 0, pvt_pte(x, F_RO), false), 0);
	ck_assert(PG(x)->type_info & PGT_NEED_FLUSH);
	ck_assert_uint_eq(pvt_tcount(x), 0);
	/* Writable again: no flush needed, the flag stays. */
	ck_assert_int_eq(get_page_type(PG(x), PAGE_TYPE_WRITABLE), 0);
	put_page_type(PG(x));
	ck_assert_uint_eq(pvt_flushes, 0);
	ck_assert(PG(x)->type_info & PGT_NEED_FLUSH);
	/* Becoming a page table flushes first, once. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, x, 1), 0);
	ck_assert_uint_eq(pvt_flushes, 1);
	ck_assert_uint_eq(pvt_last_flush, x);
	ck_assert(!(PG(x)->type_info & PGT_NEED_FLUSH));
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, x, 1), 0);
	/* It was a table: paging-structure caches may point into it; the same type again needs no flush. */
	ck_assert(PG(x)->type_info & PGT_STALE_PT);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, x, 1), 0);
	ck_assert_uint_eq(pvt_flushes, 1);
	ck_assert(PG(x)->type_info & PGT_STALE_PT);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, x, 1), 0);
	/* Devalidating an L1 drops its RW mappings: flagged too. */
	pvt_tbl(l1b)[3] = pvt_pte(x, F_DATA);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, l1b, 1), 0);
	ck_assert(!(PG(x)->type_info & PGT_NEED_FLUSH));
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, l1b, 1), 0);
	ck_assert(PG(x)->type_info & PGT_NEED_FLUSH);
	/* A writable reference taken and given back by a failed validation was never stored: no flag. */
	mfn_t y = pvt_alloc(&dom_a), bad = pvt_alloc(&dom_a);
	pvt_tbl(bad)[0] = pvt_pte(y, F_DATA);
	pvt_tbl(bad)[1] = pvt_pte(other, F_RO);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, bad, 1), -XEN_EBUSY);
	ck_assert(PG(y)->type_info == 0);
	expect_recount();
}
END_TEST

START_TEST(test_relinquish)
{
	struct pvt_tree t, u;
	mfn_t all[32];
	size_t n = 0;

	pvt_tree_build(&dom_a, &t, 4);
	pvt_tree_build(&dom_a, &u, 2);
	/* Cross references, a linear entry, extra pins and a base-pointer style reference. */
	pvt_tbl(u.l2)[9] = pvt_pte(t.l1, F_TABLE);
	pvt_tbl(t.l1)[40] = pvt_pte(u.l1, F_RO);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, t.l4, 4), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, u.l4, 4), 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, u.l2, 2), 0);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, t.l4, 400, pvt_pte(u.l4, F_RO), false), 0);
	ck_assert_int_eq(get_page_and_type(PG(t.l4), &dom_a, PAGE_TYPE_L4), 0);
	mfn_t ids[] = { t.l4, t.l3, t.l2, t.l1, u.l4, u.l3, u.l2, u.l1 };
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		all[n++] = ids[i];
	for (unsigned int i = 0; i < t.n; i++)
		all[n++] = t.data[i];
	for (unsigned int i = 0; i < u.n; i++)
		all[n++] = u.data[i];
	all[n++] = pvt_alloc(&dom_b);	/* not dom_a's: skipped */
	pv_mm_pin_table(&dom_b, all[n - 1], 1);
	/* The base-pointer reference is someone else's: it alone is left. */
	ck_assert_uint_eq(pv_mm_relinquish(&dom_a, all, n), 1);
	ck_assert_uint_eq(pvt_gen(t.l4), 1);
	ck_assert_uint_eq(pvt_tcount(t.l4), 1);
	put_page_and_type(PG(t.l4));
	for (size_t i = 0; i + 1 < n; i++) {
		ck_assert_uint_eq(pvt_gen(all[i]), 0);
		ck_assert_uint_eq(pvt_tcount(all[i]), 0);
		ck_assert_int_eq(pvt_linear(all[i]), 0);
		frame_free(all[i], 0);
	}
	ck_assert_uint_eq(pvt_tcount(all[n - 1]), 1);
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

static Suite *pv_mm_suite(void)
{
	Suite *s = suite_create("pv_mm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, pvt_setup, pvt_teardown);
	tcase_add_test(tc, test_claim_for_release);
	tcase_add_test(tc, test_device_frame_entry);
	tcase_add_test(tc, test_mod_entry_from);
	tcase_add_test(tc, test_get_page_ownership);
	tcase_add_test(tc, test_count_overflow);
	tcase_add_test(tc, test_type_change_rules);
	tcase_add_test(tc, test_put_without_get_panics);
	tcase_add_test(tc, test_pin_each_level);
	tcase_add_test(tc, test_pin_top_validates_tree);
	tcase_add_test(tc, test_refused_tables);
	tcase_add_test(tc, test_deep_failure_undoes_everything);
	tcase_add_test(tc, test_hv_slots_and_us);
	tcase_add_test(tc, test_us_every_word);
	tcase_add_test(tc, test_sparse_slots);
	tcase_add_test(tc, test_check_entry_masks);
	tcase_add_test(tc, test_shared_info_mapping);
	tcase_add_test(tc, test_mod_entry_refusals);
	tcase_add_test(tc, test_mod_entry_counts);
	tcase_add_test(tc, test_linear_l4);
	tcase_add_test(tc, test_stale_writable_flush);
	tcase_add_test(tc, test_relinquish);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pv_mm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

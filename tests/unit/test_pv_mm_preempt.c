/* SPDX-License-Identifier: MIT */
/* Unit tests of preemptible (de)validation in hv/common/pv_mm*.c: stops at every point, resume, abandon, refuse. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <hv/mm.h>
#include <pvabi/errno.h>
#include "test_pv_mm_util.h"

#define PG(m)	mfn_to_page(m)

/* The arch hooks, faked: when preemption fires, and the vCPU's list of deferred releases. */
enum { NEVER, ALWAYS, AT } preempt_mode;
static unsigned long checks, fire_at;
static struct page_info *deferred[8];
static unsigned int nr_deferred;

bool pv_mm_preempt_check(struct domain *d)
{
	ck_assert_ptr_eq(d, &dom_a);
	checks++;
	return preempt_mode == ALWAYS || (preempt_mode == AT && checks == fire_at);
}

void pv_mm_defer_put(struct page_info *pg)
{
	ck_assert_uint_lt(nr_deferred, 8);
	deferred[nr_deferred++] = pg;
}

static void preempt(int mode, unsigned long at)
{
	preempt_mode = mode;
	checks = 0;
	fire_at = at;
}

/* Recount with the deferred releases as references held from outside (each: one general, one type). */
static void expect_recount(void)
{
	uint32_t *g = calloc(frame_table_frames, sizeof(*g)), *t = calloc(frame_table_frames, sizeof(*t));
	const char *msg;

	for (unsigned int i = 0; i < nr_deferred; i++) {
		g[page_to_mfn(deferred[i])]++;
		t[page_to_mfn(deferred[i])]++;
	}
	msg = pvt_recount(g, t);
	free(g);
	free(t);
	ck_assert_msg(msg == NULL, "%s", msg);
}

/* What the arch does before the vCPU's next MMU call; returns how many times it was preempted. */
static unsigned int drain(void)
{
	unsigned int stops = 0;

	while (nr_deferred) {
		if (put_page_and_type_preemptible(deferred[nr_deferred - 1]) == -XEN_ERESTART) {
			stops++;
			expect_recount();
			continue;
		}
		nr_deferred--;
	}
	return stops;
}

/*
 * L4 -> L3 (slots 0, 1) -> two L2s -> three L1s each (slots 0, 5, 511) ->
 * per L1 one frame RW and one RO. bad: the last L1's last entry maps a
 * frame of dom_b (refused with -XEN_EBUSY).
 */
struct wide {
	mfn_t l4, l3, l2[2], l1[6], data[12];
	mfn_t all[22];
};

static void wide_build(struct wide *w, bool bad)
{
	static const unsigned int l2_slots[3] = { 0, 5, 511 };
	unsigned int n = 0;

	w->all[n++] = w->l4 = pvt_alloc(&dom_a);
	w->all[n++] = w->l3 = pvt_alloc(&dom_a);
	pvt_tbl(w->l4)[0] = pvt_pte(w->l3, F_TABLE);
	for (unsigned int i = 0; i < 2; i++) {
		w->all[n++] = w->l2[i] = pvt_alloc(&dom_a);
		pvt_tbl(w->l3)[i] = pvt_pte(w->l2[i], F_TABLE);
		for (unsigned int j = 0; j < 3; j++) {
			unsigned int k = i * 3 + j;

			w->all[n++] = w->l1[k] = pvt_alloc(&dom_a);
			pvt_tbl(w->l2[i])[l2_slots[j]] = pvt_pte(w->l1[k], F_TABLE);
			w->all[n++] = w->data[2 * k] = pvt_alloc(&dom_a);
			w->all[n++] = w->data[2 * k + 1] = pvt_alloc(&dom_a);
			pvt_tbl(w->l1[k])[0] = pvt_pte(w->data[2 * k], F_DATA);
			pvt_tbl(w->l1[k])[1] = pvt_pte(w->data[2 * k + 1], F_RO);
		}
	}
	ck_assert_uint_eq(n, 22);
	if (bad)
		pvt_tbl(w->l1[5])[511] = pvt_pte(pvt_alloc(&dom_b), F_DATA);
}

static void expect_unused(const struct wide *w)
{
	for (unsigned int i = 0; i < 2; i++)
		ck_assert_msg(pvt_unused(w->l2[i]), "L2 %u still used", i);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_msg(pvt_unused(w->l1[i]), "L1 %u still used", i);
	for (unsigned int i = 0; i < 12; i++)
		ck_assert_msg(pvt_unused(w->data[i]), "data %u still used", i);
	ck_assert(pvt_unused(w->l4) && pvt_unused(w->l3));
}

/* Counts of the tree once pinned, without preemption: what every preempted pin must end with. */
struct counts {
	uint64_t c[32], t[32];
};

static void counts_take(const struct wide *w, struct counts *c)
{
	for (unsigned int i = 0; i < 22; i++) {
		c->c[i] = PG(w->all[i])->count_info;
		c->t[i] = PG(w->all[i])->type_info & ~PGT_FLUSH_FLAGS;
	}
}

static void counts_same(const struct wide *w, const struct counts *c)
{
	struct counts now;

	counts_take(w, &now);
	for (unsigned int i = 0; i < 22; i++)
		ck_assert_msg(now.c[i] == c->c[i] && now.t[i] == c->t[i],
			      "frame %#lx: count %#lx type %#lx, unpreempted %#lx %#lx", w->all[i], now.c[i], now.t[i],
			      c->c[i], c->t[i]);
}

/* Pins as a hypercall continuation does: the same call again until it stops saying -XEN_ERESTART. */
static int pin_retrying(mfn_t m, unsigned int level, unsigned int *stops)
{
	int rc;

	*stops = 0;
	while ((rc = pv_mm_pin_table(&dom_a, m, level)) == -XEN_ERESTART) {
		(*stops)++;
		expect_recount();
	}
	return rc;
}

/* Reference run: how many preemption points a pin and an unpin of the tree pass. */
static void reference(struct wide *w, struct counts *pinned, unsigned long *pin_checks, unsigned long *unpin_checks)
{
	preempt(NEVER, 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w->l4, 4), 0);
	*pin_checks = checks;
	counts_take(w, pinned);
	expect_recount();
	preempt(NEVER, 0);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w->l4, 4), 0);
	*unpin_checks = checks;
	ck_assert_uint_eq(nr_deferred, 0);
	expect_unused(w);
	/*
	 * Validating: after each present entry of the L4, L3 and L2s but the
	 * one in slot 511. Releasing (top down): after each but the one in slot 0.
	 */
	ck_assert_uint_eq(*pin_checks, 7);
	ck_assert_uint_eq(*unpin_checks, 5);
}

START_TEST(test_preempt_always)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;
	unsigned int stops;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	/* One entry per call: every point is a stop. */
	preempt(ALWAYS, 0);
	ck_assert_int_eq(pin_retrying(w.l4, 4, &stops), 0);
	ck_assert_uint_ge(stops, 7);
	counts_same(&w, &pinned);
	expect_recount();
	/* The unpin succeeds at once; the release goes to the vCPU's deferred list. */
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
	ck_assert_uint_eq(nr_deferred, 1);
	expect_recount();
	/* The unpin itself stopped once; the rest of the points are the drain's. */
	ck_assert_uint_eq(drain(), 4);
	expect_unused(&w);
	expect_recount();
}
END_TEST

START_TEST(test_preempt_each_point)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;
	unsigned int stops;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	for (unsigned long k = 1; k <= pc; k++) {
		preempt(AT, k);
		ck_assert_int_eq(pin_retrying(w.l4, 4, &stops), 0);
		ck_assert_uint_eq(stops, 1);
		counts_same(&w, &pinned);
		preempt(NEVER, 0);
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
		expect_unused(&w);
	}
	for (unsigned long k = 1; k <= uc; k++) {
		preempt(NEVER, 0);
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
		preempt(AT, k);
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
		ck_assert_uint_eq(nr_deferred, 1);
		expect_recount();
		drain();
		expect_unused(&w);
	}
}
END_TEST

/* Clears US in every entry of the tree's tables (its L4 slot too); the pin must force it on again. */
static void strip_us(const struct wide *w)
{
	static const unsigned int l2_slots[3] = { 0, 5, 511 };

	pvt_tbl(w->l4)[0] &= ~PV_PTE_US;
	for (unsigned int i = 0; i < 2; i++) {
		pvt_tbl(w->l3)[i] &= ~PV_PTE_US;
		for (unsigned int j = 0; j < 3; j++)
			pvt_tbl(w->l2[i])[l2_slots[j]] &= ~PV_PTE_US;
	}
	for (unsigned int k = 0; k < 6; k++) {
		pvt_tbl(w->l1[k])[0] &= ~PV_PTE_US;
		pvt_tbl(w->l1[k])[1] &= ~PV_PTE_US;
	}
}

static void expect_us(const struct wide *w)
{
	static const unsigned int l2_slots[3] = { 0, 5, 511 };

	ck_assert(pvt_tbl(w->l4)[0] & PV_PTE_US);
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert_msg(pvt_tbl(w->l3)[i] & PV_PTE_US, "L3 entry %u without US", i);
		for (unsigned int j = 0; j < 3; j++)
			ck_assert_msg(pvt_tbl(w->l2[i])[l2_slots[j]] & PV_PTE_US, "L2 %u entry %u without US", i,
				      l2_slots[j]);
	}
	for (unsigned int k = 0; k < 6; k++)
		ck_assert_msg((pvt_tbl(w->l1[k])[0] & pvt_tbl(w->l1[k])[1] & PV_PTE_US), "L1 %u without US", k);
}

/* A pin stopped at any point and resumed still forces US on in the entries the earlier calls looked at. */
START_TEST(test_preempt_keeps_us)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	for (unsigned long k = 1; k <= pc; k++) {
		strip_us(&w);
		preempt(AT, k);
		/* Not pin_retrying: its recount wants US on a stopped table's entries, which only the last call adds. */
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), -XEN_ERESTART);
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
		counts_same(&w, &pinned);
		expect_us(&w);
		expect_recount();
		preempt(NEVER, 0);
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
		expect_unused(&w);
	}
}
END_TEST

/* The guest never comes back (or the domain dies): teardown releases the partial tree exactly. */
START_TEST(test_preempt_abandoned)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	for (unsigned long k = 1; k < pc; k++) {
		preempt(AT, k);
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), -XEN_ERESTART);
		expect_recount();
		preempt(NEVER, 0);
		ck_assert_uint_eq(pv_mm_relinquish(&dom_a, w.all, 22), 0);
		expect_unused(&w);
	}
	/* Dying in the middle of a deferred release: the arch finishes it with put_page_and_type. */
	for (unsigned long k = 1; k < uc; k++) {
		preempt(NEVER, 0);
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
		preempt(AT, k);
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
		ck_assert_uint_eq(nr_deferred, 1);
		preempt(NEVER, 0);
		put_page_and_type(deferred[--nr_deferred]);
		ck_assert_uint_eq(pv_mm_relinquish(&dom_a, w.all, 22), 0);
		expect_unused(&w);
	}
}
END_TEST

/* Refused after many stops: the error comes back, and once the deferred undo ran nothing has changed. */
START_TEST(test_preempt_refused)
{
	struct wide w;
	struct pvt_snap snap;
	unsigned int stops;

	wide_build(&w, true);
	pvt_snap_take(&snap);
	preempt(ALWAYS, 0);
	ck_assert_int_eq(pin_retrying(w.l4, 4, &stops), -XEN_EBUSY);
	ck_assert_uint_ge(stops, 5);
	expect_recount();
	ck_assert_uint_ge(nr_deferred, 1);
	drain();
	pvt_snap_same(&snap, "refused pin after preemption");
	/* And with one stop at each point. */
	for (unsigned long k = 1; k < 40; k++) {
		pvt_snap_take(&snap);
		preempt(AT, k);
		ck_assert_int_eq(pin_retrying(w.l4, 4, &stops), -XEN_EBUSY);
		expect_recount();
		preempt(NEVER, 0);
		drain();
		pvt_snap_same(&snap, "refused pin, one stop");
	}
}
END_TEST

/* A partial table is nobody's table yet: other types and updates are refused, the same type resumes it. */
START_TEST(test_partial_refuses_others)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	preempt(AT, pc / 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), -XEN_ERESTART);
	preempt(NEVER, 0);
	ck_assert(PG(w.l4)->type_info & PGT_PARTIAL);
	ck_assert_int_eq(get_page_and_type(PG(w.l4), &dom_a, PAGE_TYPE_WRITABLE), -XEN_EINVAL);
	ck_assert_int_eq(get_page_and_type(PG(w.l4), &dom_a, PAGE_TYPE_L3), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_mod_entry(&dom_a, w.l4, 3, 0, false), -XEN_EINVAL);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), -XEN_EINVAL);
	expect_recount();
	/* Another user of the type (a base pointer, say) finishes it and holds it. */
	ck_assert_int_eq(get_page_and_type(PG(w.l4), &dom_a, PAGE_TYPE_L4), 0);
	ck_assert(PG(w.l4)->type_info & PGT_VALIDATED);
	ck_assert_uint_eq(pvt_tcount(w.l4), 1);
	ck_assert_uint_eq(pvt_gen(w.l4), 1);
	put_page_and_type(PG(w.l4));
	expect_recount();
	expect_unused(&w);
}
END_TEST

/* Issue 9: a frame that stops being any page table is flushed before its next type, writable above all. */
START_TEST(test_stale_table_flush)
{
	struct wide w;
	unsigned long before;

	wide_build(&w, false);
	preempt(NEVER, 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
	for (unsigned int i = 0; i < 2; i++)
		ck_assert(PG(w.l2[i])->type_info & PGT_STALE_PT);
	ck_assert(PG(w.l3)->type_info & PGT_STALE_PT);
	ck_assert(PG(w.l4)->type_info & PGT_STALE_PT);
	ck_assert(PG(w.l1[0])->type_info & PGT_STALE_PT);
	/* Data frames were never tables. */
	ck_assert(!(PG(w.data[1])->type_info & PGT_STALE_PT));
	/* The same tables again: their contents cannot have changed, no flush. */
	before = pvt_flushes;
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l4, 4), 0);
	ck_assert_uint_eq(pvt_flushes, before);
	ck_assert_int_eq(get_page_and_type(PG(w.l2[0]), &dom_a, PAGE_TYPE_WRITABLE), 0);
	ck_assert_uint_eq(pvt_flushes, before + 1);
	ck_assert_uint_eq(pvt_last_flush, w.l2[0]);
	ck_assert(!(PG(w.l2[0])->type_info & PGT_STALE_PT));
	put_page_and_type(PG(w.l2[0]));
	/* Once flushed, writable again costs nothing. */
	ck_assert_int_eq(get_page_and_type(PG(w.l2[0]), &dom_a, PAGE_TYPE_WRITABLE), 0);
	ck_assert_uint_eq(pvt_flushes, before + 1);
	put_page_and_type(PG(w.l2[0]));
	/* An L4 becoming a descriptor page, an L3 becoming an L1: flushed too. */
	ck_assert_int_eq(get_page_and_type(PG(w.l4), &dom_a, PAGE_TYPE_SEGDESC), 0);
	ck_assert_uint_eq(pvt_flushes, before + 2);
	put_page_and_type(PG(w.l4));
	/* As an L1 it maps both L2 frames writable: the one still stale is flushed as well. */
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l3, 1), 0);
	ck_assert_uint_eq(pvt_flushes, before + 4);
	ck_assert(!(PG(w.l3)->type_info & PGT_STALE_PT) && !(PG(w.l2[1])->type_info & PGT_STALE_PT));
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, w.l3, 1), 0);
	/* A table refused before it was ever used was never walked: no flag. */
	mfn_t bad = pvt_alloc(&dom_a);
	pvt_tbl(bad)[0] = pvt_pte(pvt_alloc(&dom_b), F_DATA);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, bad, 1), -XEN_EBUSY);
	ck_assert(PG(bad)->type_info == 0);
	expect_recount();
}
END_TEST

/* Teardown in steps: a pinned tree, and one the guest left half validated, go back whatever the stops. */
static unsigned int relinquish_stepping(const struct wide *w, size_t left)
{
	struct pv_mm_teardown t = { 0 };
	unsigned int steps = 0;

	while (pv_mm_relinquish_step(&dom_a, w->all, 22, &t) == -XEN_ERESTART)
		ck_assert_uint_lt(++steps, 10000);
	ck_assert_uint_eq(t.left, left);
	return steps;
}

START_TEST(test_relinquish_in_steps)
{
	struct wide w;
	struct counts pinned;
	unsigned long pc, uc;

	wide_build(&w, false);
	reference(&w, &pinned, &pc, &uc);
	preempt(NEVER, 0);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
	preempt(ALWAYS, 0);
	ck_assert_uint_ge(relinquish_stepping(&w, 0), 5);
	expect_unused(&w);
	for (unsigned long k = 1; k < 40; k++) {
		preempt(NEVER, 0);
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), 0);
		preempt(AT, k);
		relinquish_stepping(&w, 0);
		expect_unused(&w);
	}
	/* A table still held after its pin went (as by a base pointer), released by force in steps. */
	preempt(NEVER, 0);
	ck_assert_int_eq(get_page_and_type(PG(w.l3), &dom_a, PAGE_TYPE_L3), 0);
	preempt(ALWAYS, 0);
	relinquish_stepping(&w, 1);
	ck_assert_uint_eq(pvt_tcount(w.l3), 1);
	ck_assert(!(PG(w.l3)->type_info & PGT_VALIDATED));
	put_page_and_type(PG(w.l3));
	expect_unused(&w);
	/* Abandoned half way: the partial state's own references go too. */
	preempt(AT, pc / 2);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.l4, 4), -XEN_ERESTART);
	preempt(ALWAYS, 0);
	relinquish_stepping(&w, 0);
	expect_unused(&w);
}
END_TEST

static void setup(void)
{
	pvt_setup();
	preempt(NEVER, 0);
	nr_deferred = 0;
}

static Suite *preempt_suite(void)
{
	Suite *s = suite_create("pv_mm_preempt");
	TCase *tc = tcase_create("preempt");

	tcase_add_checked_fixture(tc, setup, pvt_teardown);
	tcase_add_test(tc, test_preempt_always);
	tcase_add_test(tc, test_preempt_each_point);
	tcase_add_test(tc, test_preempt_keeps_us);
	tcase_add_test(tc, test_preempt_abandoned);
	tcase_add_test(tc, test_preempt_refused);
	tcase_add_test(tc, test_partial_refuses_others);
	tcase_add_test(tc, test_stale_table_flush);
	tcase_add_test(tc, test_relinquish_in_steps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(preempt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

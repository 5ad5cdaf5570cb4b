/* SPDX-License-Identifier: MIT */
/* Stress tests of hv/common/pv_mm*.c: ten thousand tables, a seeded random walk with a recount after every step, two threads. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libc's sched.h (via pthread.h) owns the plain name on the host; hv/sched.h comes in through hv/domain.h. */
#include <hv/mm.h>
#include <pvabi/errno.h>
#include "test_pv_mm_util.h"

#define PG(m)	mfn_to_page(m)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: fixed seeds, same walk on every run. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

START_TEST(test_ten_thousand_tables)
{
	enum { ROUNDS = 1000, PER_ROUND = 10, NDATA = 4 };
	mfn_t data[NDATA];
	uint64_t frames_before;
	unsigned long validated = 0;
	double t0;

	for (int i = 0; i < NDATA; i++)
		data[i] = pvt_alloc(&dom_a);
	frames_before = frame_owner_frames(&dom_a.mem);
	t0 = now_s();
	for (int r = 0; r < ROUNDS; r++) {
		mfn_t m[PER_ROUND];	/* l4, l3, l2a, l2b, six L1s */

		for (int i = 0; i < PER_ROUND; i++)
			m[i] = pvt_alloc(&dom_a);
		pvt_tbl(m[0])[r % 256] = pvt_pte(m[1], F_TABLE);
		pvt_tbl(m[1])[3] = pvt_pte(m[2], F_TABLE);
		pvt_tbl(m[1])[4] = pvt_pte(m[3], F_TABLE);
		for (int i = 4; i < PER_ROUND; i++) {
			pvt_tbl(m[i < 7 ? 2 : 3])[i] = pvt_pte(m[i], F_TABLE);
			pvt_tbl(m[i])[0] = pvt_pte(data[i % NDATA], (i & 1) ? F_DATA : F_RO);
			pvt_tbl(m[i])[511] = pvt_pte(data[0], F_RO);
		}
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, m[0], 4), 0);
		for (int i = 0; i < PER_ROUND; i++)
			validated += (PG(m[i])->type_info & PGT_VALIDATED) != 0;
		/* data[0]: RO from slot 511 of all six L1s and from slot 0 of i = 4, 8; RW (odd i) data[1] twice. */
		ck_assert_uint_eq(pvt_gen(data[0]), 8);
		ck_assert_uint_eq(pvt_tcount(data[0]), 0);
		ck_assert_uint_eq(pvt_tcount(data[1]), 2);	/* i = 5, 9 */
		ck_assert_int_eq(pv_mm_mod_entry(&dom_a, m[4], 1, pvt_pte(data[1], F_DATA), false), 0);
		ck_assert_uint_eq(pvt_tcount(data[1]), 3);
		/* Move an L1 from one L2 to the other, then remove an L2 and what hangs below it. */
		ck_assert_int_eq(pv_mm_mod_entry(&dom_a, m[3], 100, pvt_pte(m[4], F_TABLE), false), 0);
		ck_assert_int_eq(pv_mm_mod_entry(&dom_a, m[2], 4, 0, false), 0);
		ck_assert_uint_eq(pvt_tcount(m[4]), 1);
		ck_assert_int_eq(pv_mm_mod_entry(&dom_a, m[1], 3, 0, false), 0);
		ck_assert_uint_eq(pvt_tcount(m[2]), 0);
		ck_assert_uint_eq(pvt_tcount(m[5]), 0);
		ck_assert_uint_eq(pvt_tcount(m[4]), 1);
		if (r % 100 == 0) {
			const char *msg = pvt_recount(NULL, NULL);

			ck_assert_msg(msg == NULL, "round %d: %s", r, msg);
		}
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, m[0], 4), 0);
		/* frame_free panics on any count left. */
		for (int i = 0; i < PER_ROUND; i++)
			frame_free(m[i], 0);
		for (int i = 0; i < NDATA; i++)
			ck_assert(pvt_unused(data[i]));
	}
	printf("ten thousand tables: %lu validated, %.3f s\n", validated, now_s() - t0);
	ck_assert_uint_eq(validated, ROUNDS * PER_ROUND);
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), frames_before);
	for (mfn_t m = 0; m < frame_table_frames; m++)
		ck_assert(pvt_unused(m));
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/* Full tables: 64 L1s of 512 RW entries each under one L2, validated and released ten times. */
START_TEST(test_full_tables)
{
	enum { NL1 = 64, NDATA = 512, ROUNDS = 10 };
	static mfn_t data[NDATA], l1[NL1];
	mfn_t l2 = pvt_alloc(&dom_a);
	double t0, t_pin = 0, t_unpin = 0;
	const char *msg;

	for (int i = 0; i < NDATA; i++)
		data[i] = pvt_alloc(&dom_a);
	for (int j = 0; j < NL1; j++) {
		l1[j] = pvt_alloc(&dom_a);
		for (int i = 0; i < NDATA; i++)
			pvt_tbl(l1[j])[i] = pvt_pte(data[(i + j) % NDATA], F_DATA);
		pvt_tbl(l2)[j] = pvt_pte(l1[j], F_TABLE);
	}
	for (int r = 0; r < ROUNDS; r++) {
		t0 = now_s();
		ck_assert_int_eq(pv_mm_pin_table(&dom_a, l2, 2), 0);
		t_pin += now_s() - t0;
		if (r == 0) {
			msg = pvt_recount(NULL, NULL);
			ck_assert_msg(msg == NULL, "%s", msg);
			ck_assert_uint_eq(pvt_tcount(data[7]), NL1);
		}
		t0 = now_s();
		ck_assert_int_eq(pv_mm_unpin_table(&dom_a, l2, 2), 0);
		t_unpin += now_s() - t0;
		for (int i = 0; i < NDATA; i++)
			ck_assert(pvt_unused(data[i]));
	}
	printf("full tables: %d entries validated in %.3f s (%.1f M entries/s), released in %.3f s\n",
	       ROUNDS * NL1 * NDATA, t_pin, ROUNDS * NL1 * NDATA / t_pin / 1e6, t_unpin);
	fflush(stdout);
}
END_TEST

/* The random walk's frames: its own pool, one frame of dom_b, one beyond the table. */
#define POOL	48

struct walk {
	mfn_t pool[POOL];
	mfn_t foreign, beyond;
	unsigned long ok_mod[5], ok_pin, ok_unpin, refused[64];
};

static mfn_t walk_target(struct walk *w)
{
	unsigned int k = rnd_below(100);

	if (k < 94)
		return w->pool[rnd_below(POOL)];
	return k < 97 ? w->foreign : w->beyond;
}

static uint64_t walk_entry(struct walk *w)
{
	static const uint64_t extra[] = { PV_PTE_A, PV_PTE_D, PV_PTE_G, PV_PTE_NX, PV_PTE_PS, PV_PTE_PWT,
					  1ULL << 10, 1ULL << 55 };
	uint64_t e;

	if (rnd_below(8) == 0)
		return 0;
	e = pvt_pte(walk_target(w), PV_PTE_P);
	if (rnd_below(2))
		e |= PV_PTE_RW;
	if (rnd_below(2))
		e |= PV_PTE_US;
	for (unsigned int i = 0; i < ARRAY_SIZE(extra); i++)
		if (rnd_below(i >= 4 && i <= 5 ? 24 : 4) == 0)
			e |= extra[i];
	return e;
}

static unsigned int walk_index(void)
{
	static const unsigned int slots[] = { 0, 1, 2, 3, 4, 5, 255, 256, 271, 272, 510, 511 };

	return slots[rnd_below(ARRAY_SIZE(slots))];
}

/* Snapshot: the whole frame table, and the contents of the pool and the foreign frame. */
struct walk_snap {
	struct page_info *pi;
	uint64_t *mem;
};

static void walk_snap_take(struct walk *w, struct walk_snap *s)
{
	s->pi = malloc(frame_table_frames * sizeof(*s->pi));
	s->mem = malloc((POOL + 1) * PAGE_SIZE);
	ck_assert(s->pi && s->mem);
	memcpy(s->pi, frame_table, frame_table_frames * sizeof(*s->pi));
	for (int i = 0; i <= POOL; i++)
		memcpy((char *)s->mem + i * PAGE_SIZE, mfn_to_virt(i < POOL ? w->pool[i] : w->foreign), PAGE_SIZE);
}

static void walk_snap_free(struct walk_snap *s)
{
	free(s->pi);
	free(s->mem);
}

static void walk_snap_same(struct walk *w, struct walk_snap *s, int step)
{
	/* Plain ifs: every ck_assert writes a checkpoint to Check's pipe, too slow for millions. */
	for (mfn_t m = 0; m < frame_table_frames; m++)
		if (!pvt_page_same(&s->pi[m], &frame_table[m]))
			ck_abort_msg("step %d: refused call changed frame %#lx", step, m);
	for (int i = 0; i <= POOL; i++) {
		mfn_t m = i < POOL ? w->pool[i] : w->foreign;

		if (memcmp((char *)s->mem + i * PAGE_SIZE, mfn_to_virt(m), PAGE_SIZE) != 0)
			ck_abort_msg("step %d: refused call changed contents of %#lx", step, m);
	}
	walk_snap_free(s);
}

static mfn_t walk_pick_table(struct walk *w, mfn_t dflt)
{
	mfn_t by_level[4][POOL];
	unsigned int n[4] = { 0 }, lv;

	for (int k = 0; k < POOL; k++) {
		enum page_type t = pvt_type(w->pool[k]);

		if (t >= PAGE_TYPE_L1 && t <= PAGE_TYPE_L4 && pvt_tcount(w->pool[k])) {
			lv = (unsigned int)(t - PAGE_TYPE_L1);
			by_level[lv][n[lv]++] = w->pool[k];
		}
	}
	lv = rnd_below(4);
	for (unsigned int k = 0; k < 4 && n[lv] == 0; k++)
		lv = (lv + 1) % 4;
	return n[lv] ? by_level[lv][rnd_below(n[lv])] : dflt;
}

static int walk_step(struct walk *w, int step, unsigned int *level_out)
{
	unsigned int op = rnd_below(100);
	mfn_t f = w->pool[rnd_below(POOL)];
	unsigned int lv = 1 + rnd_below(4);

	*level_out = 0;
	if (op < 80) {
		unsigned int idx = walk_index();
		uint64_t e = walk_entry(w), adj;
		enum page_type t = pvt_type(f);
		int rc;

		/* Mostly a table that is one now, each level as likely as the others. */
		if (rnd_below(4))
			f = walk_pick_table(w, f);
		t = pvt_type(f);
		rc = pv_mm_mod_entry(&dom_a, f, idx, e, rnd_below(2));
		if (rc == 0) {
			lv = (unsigned int)(t - PAGE_TYPE_L1) + 1;
			*level_out = lv;
			ck_assert_int_eq(pv_mm_check_entry(&dom_a, lv, e, &adj), 0);
			ck_assert_msg((pvt_tbl(f)[idx] & ~(PV_PTE_A | PV_PTE_D)) == (adj & ~(PV_PTE_A | PV_PTE_D)),
				      "step %d: stored %#lx, asked %#lx", step, pvt_tbl(f)[idx], e);
			w->ok_mod[lv]++;
		}
		return rc;
	}
	if (op < 90) {
		int rc = pv_mm_pin_table(&dom_a, f, lv);

		w->ok_pin += rc == 0;
		return rc;
	}
	int rc = pv_mm_unpin_table(&dom_a, f, lv);

	w->ok_unpin += rc == 0;
	return rc;
}

START_TEST(test_random_walk)
{
	enum { STEPS = 12000 };
	struct walk w;
	double t0 = now_s();

	memset(&w, 0, sizeof(w));
	rnd_state = 0x5eed5eed12345678ULL;
	for (int i = 0; i < POOL; i++)
		w.pool[i] = pvt_alloc(&dom_a);
	w.foreign = pvt_alloc(&dom_b);
	w.beyond = T_BASE + T_FRAMES + 3;
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, w.pool[0], 4), 0);
	for (int step = 0; step < STEPS; step++) {
		struct walk_snap s;
		unsigned int lv;
		const char *msg;
		int rc;

		walk_snap_take(&w, &s);
		rc = walk_step(&w, step, &lv);
		if (rc) {
			ck_assert_msg(rc == -XEN_EINVAL || rc == -XEN_EBUSY || rc == -XEN_EPERM,
				      "step %d: unexpected error %d", step, rc);
			w.refused[-rc]++;
			walk_snap_same(&w, &s, step);
		} else {
			walk_snap_free(&s);
		}
		msg = pvt_recount(NULL, NULL);
		ck_assert_msg(msg == NULL, "step %d: %s", step, msg);
	}
	printf("random walk: %d steps in %.2f s; mod ok L1 %lu L2 %lu L3 %lu L4 %lu; pin %lu unpin %lu; "
	       "refused EINVAL %lu EBUSY %lu EPERM %lu\n", STEPS, now_s() - t0, w.ok_mod[1], w.ok_mod[2],
	       w.ok_mod[3], w.ok_mod[4], w.ok_pin, w.ok_unpin, w.refused[XEN_EINVAL], w.refused[XEN_EBUSY],
	       w.refused[XEN_EPERM]);
	fflush(stdout);
	/* The walk must have exercised every level and every refusal, or it proves little. */
	for (int l = 1; l <= 4; l++)
		ck_assert_uint_ge(w.ok_mod[l], 50);
	ck_assert_uint_ge(w.ok_pin, 20);
	ck_assert_uint_ge(w.ok_unpin, 20);
	ck_assert_uint_ge(w.refused[XEN_EINVAL], 100);
	ck_assert_uint_ge(w.refused[XEN_EBUSY], 100);
	ck_assert_uint_ge(w.refused[XEN_EPERM], 1);	/* an L1 entry naming the frame beyond the table */
	/* L4 hypervisor slots are refused with -EINVAL as Xen does (test_pv_mm checks them by name). */
	/* Teardown returns every count to zero. */
	ck_assert_uint_eq(pv_mm_relinquish(&dom_a, w.pool, POOL), 0);
	for (int i = 0; i < POOL; i++)
		ck_assert(pvt_unused(w.pool[i]));
	ck_assert(pvt_unused(w.foreign));
}
END_TEST

/* Two threads fight over the type of the same frames. */
enum { NSHARED = 6, NDATA2 = 3 };

struct fight {
	mfn_t shared[NSHARED];
	mfn_t data[NDATA2];
	unsigned long iters;
	unsigned long got[2], refused[2];
	const char *error;
};

static void *fight_thread(void *arg, int who)
{
	struct fight *f = arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (uint64_t)(who + 1);

	for (unsigned long n = 0; n < f->iters && !f->error; n++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		mfn_t m = f->shared[s % NSHARED];
		struct page_info *pg = PG(m);
		/* Thread 0 wants page tables (L1, sometimes L2), thread 1 writable mappings. */
		enum page_type want = who == 0 ? ((s >> 20) % 4 ? PAGE_TYPE_L1 : PAGE_TYPE_L2) : PAGE_TYPE_WRITABLE;

		if (get_page(pg, &dom_a, false)) {
			f->error = "get_page failed";
			break;
		}
		if (get_page_type(pg, want) == 0) {
			uint64_t ti = __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);

			if (((ti >> PGT_TYPE_SHIFT) & 0xf) != (uint64_t)want || !(ti & PGT_VALIDATED) ||
			    (ti & PGT_COUNT_MASK) == 0)
				f->error = "holding a type the frame does not have";
			if (want == PAGE_TYPE_L1)
				for (int d = 0; d < NDATA2; d++)
					if (pvt_type(f->data[d]) != PAGE_TYPE_WRITABLE)
						f->error = "validated L1 while its RW target is not writable";
			f->got[who]++;
			put_page_type(pg);
		} else {
			f->refused[who]++;
		}
		put_page(pg);
	}
	return NULL;
}

static void *fight0(void *arg)
{
	return fight_thread(arg, 0);
}

static void *fight1(void *arg)
{
	return fight_thread(arg, 1);
}

START_TEST(test_two_threads_types)
{
	struct fight f;
	pthread_t a, b;

	memset(&f, 0, sizeof(f));
	f.iters = 300000;
	for (int d = 0; d < NDATA2; d++)
		f.data[d] = pvt_alloc(&dom_a);
	for (int i = 0; i < NSHARED; i++) {
		f.shared[i] = pvt_alloc(&dom_a);
		/* Valid as an L1 (RW data mappings) and as an L2 would refuse: data frames are writable-typed. */
		for (int d = 0; d < NDATA2; d++)
			pvt_tbl(f.shared[i])[d * 7] = pvt_pte(f.data[d], F_DATA);
	}
	/* Keep data writable-typed throughout so an L2 validation always fails cleanly. */
	for (int d = 0; d < NDATA2; d++)
		ck_assert_int_eq(get_page_and_type(PG(f.data[d]), &dom_a, PAGE_TYPE_WRITABLE), 0);
	ck_assert_int_eq(pthread_create(&a, NULL, fight0, &f), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, fight1, &f), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("two threads: L1/L2 got %lu refused %lu, writable got %lu refused %lu\n",
	       f.got[0], f.refused[0], f.got[1], f.refused[1]);
	ck_assert_msg(f.error == NULL, "%s", f.error);
	ck_assert_uint_gt(f.got[0], 1000);
	ck_assert_uint_gt(f.got[1], 1000);
	ck_assert_uint_gt(f.refused[0], 0);
	for (int i = 0; i < NSHARED; i++)
		ck_assert(pvt_unused(f.shared[i]));
	for (int d = 0; d < NDATA2; d++) {
		ck_assert_uint_eq(pvt_gen(f.data[d]), 1);
		ck_assert_uint_eq(pvt_tcount(f.data[d]), 1);
		put_page_and_type(PG(f.data[d]));
	}
}
END_TEST

/* Two threads rewrite the same slots of one pinned L1: the compare-and-swap must never lose a reference. */
struct race {
	mfn_t l1;
	mfn_t data[4];
	unsigned long iters;
	int bad_rc;
};

struct racer {
	struct race *r;
	uint64_t seed;
};

static void *race_thread(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	uint64_t s = me->seed;

	for (unsigned long n = 0; n < r->iters; n++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		uint64_t e = (s >> 8) % 5 == 0 ? 0 : pvt_pte(r->data[(s >> 12) % 4], (s >> 16) & 1 ? F_DATA : F_RO);
		int rc = pv_mm_mod_entry(&dom_a, r->l1, (unsigned int)((s >> 20) % 3), e, (s >> 24) & 1);

		if (rc)
			__atomic_store_n(&r->bad_rc, rc, __ATOMIC_RELAXED);
	}
	return NULL;
}

START_TEST(test_two_threads_mod_entry)
{
	struct race r;
	pthread_t a, b;
	const char *msg;

	memset(&r, 0, sizeof(r));
	r.iters = 200000;
	r.l1 = pvt_alloc(&dom_a);
	for (int i = 0; i < 4; i++)
		r.data[i] = pvt_alloc(&dom_a);
	ck_assert_int_eq(pv_mm_pin_table(&dom_a, r.l1, 1), 0);
	struct racer ra = { &r, 0x1234567ULL }, rb = { &r, 0x89abcdefULL };

	ck_assert_int_eq(pthread_create(&a, NULL, race_thread, &ra), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, race_thread, &rb), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_int_eq(r.bad_rc, 0);
	msg = pvt_recount(NULL, NULL);
	ck_assert_msg(msg == NULL, "%s", msg);
	ck_assert_int_eq(pv_mm_unpin_table(&dom_a, r.l1, 1), 0);
	for (int i = 0; i < 4; i++)
		ck_assert(pvt_unused(r.data[i]));
}
END_TEST

/*
 * One thread pins and unpins a whole tree (validating and devalidating it
 * each time) while the other pins the tree's L2 on its own and rewrites its
 * entries: every call must succeed, waiting where the other is midway.
 */
struct tree_race {
	struct pvt_tree t;
	mfn_t l1s[3];
	unsigned long iters;
	int bad_rc;
	int bad_step;
};

static void *tree_pinner(void *arg)
{
	struct tree_race *r = arg;

	for (unsigned long n = 0; n < r->iters; n++) {
		int rc = pv_mm_pin_table(&dom_a, r->t.l4, 4);

		if (!rc)
			rc = pv_mm_unpin_table(&dom_a, r->t.l4, 4);
		if (rc) {
			r->bad_rc = rc;
			r->bad_step = 1;
		}
	}
	return NULL;
}

static void *l2_writer(void *arg)
{
	struct tree_race *r = arg;

	for (unsigned long n = 0; n < r->iters; n++) {
		int rc = pv_mm_pin_table(&dom_a, r->t.l2, 2);

		for (unsigned int k = 0; !rc && k < 3; k++)
			rc = pv_mm_mod_entry(&dom_a, r->t.l2, 1 + k, (n + k) % 4 ? pvt_pte(r->l1s[(n + k) % 3], F_TABLE) : 0,
					     false);
		if (!rc)
			rc = pv_mm_unpin_table(&dom_a, r->t.l2, 2);
		if (rc) {
			r->bad_rc = rc;
			r->bad_step = 2;
		}
	}
	return NULL;
}

START_TEST(test_two_threads_trees)
{
	struct tree_race r;
	pthread_t a, b;
	const char *msg;

	memset(&r, 0, sizeof(r));
	r.iters = 20000;
	pvt_tree_build(&dom_a, &r.t, 4);
	for (int i = 0; i < 3; i++) {
		r.l1s[i] = pvt_alloc(&dom_a);
		pvt_tbl(r.l1s[i])[i] = pvt_pte(r.t.data[i], F_DATA);
		pvt_tbl(r.l1s[i])[100] = pvt_pte(r.t.data[3], F_RO);
	}
	ck_assert_int_eq(pthread_create(&a, NULL, tree_pinner, &r), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, l2_writer, &r), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_msg(r.bad_rc == 0, "thread %d got %d", r.bad_step, r.bad_rc);
	msg = pvt_recount(NULL, NULL);
	ck_assert_msg(msg == NULL, "%s", msg);
	for (mfn_t m = T_BASE; m < T_BASE + T_FRAMES; m++)
		ck_assert(pvt_unused(m));
}
END_TEST

static Suite *pv_mm_stress_suite(void)
{
	Suite *s = suite_create("pv_mm_stress");
	TCase *tc = tcase_create("stress");

	tcase_add_checked_fixture(tc, pvt_setup, pvt_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_ten_thousand_tables);
	tcase_add_test(tc, test_full_tables);
	tcase_add_test(tc, test_random_walk);
	tcase_add_test(tc, test_two_threads_types);
	tcase_add_test(tc, test_two_threads_mod_entry);
	tcase_add_test(tc, test_two_threads_trees);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pv_mm_stress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

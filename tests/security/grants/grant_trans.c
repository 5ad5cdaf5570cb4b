/* SPDX-License-Identifier: MIT */
/*
 * grant_trans (hostile-guest suite, Skiff): v2 sub-page and transitive
 * grants between two domains. domU1 grants dom0 its page as a full-page
 * grant, a sub-page window, and transitive grants: one through dom0's own
 * grant back to dom0 (legal: the chain may end at the caller), one into a
 * loop (domU1 -> dom0 -> domU1), one at a revoked entry and one at an
 * entry granted to somebody else. dom0 copies through all of them, tries
 * windows and counts out of range, writes just outside the window, maps
 * what cannot be mapped, and batches 512 transitive copies in one call.
 * Only dom0's calls fail; domU1 finds its page changed inside the window
 * only and every entry idle; every frame comes back.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/sched.h>
#include "rt_grant.h"
#include "test.h"
#include "../guests/sec_util.h"

#define PTE_RO		0x021ULL
#define X_FULL		30	/* domU1's refs, all for dom0 */
#define X_SUB		31
#define X_LOOP		32	/* -> dom0 M_LOOP -> X_LOOP */
#define X_BACK		33	/* -> dom0 M_PAGE (dom0's own page) */
#define X_REVOKED	34	/* -> dom0 M_NONE */
#define X_OTHER		35	/* -> dom0 M_ELSE (granted to domain 5) */
#define X_HUGE		36	/* -> dom0 gref 0xffffffff */
#define X_WIDE		37	/* sub-page, page_off 0xffff length 0xffff */
#define M_LOOP		50	/* dom0's refs, all for domU1 */
#define M_PAGE		60
#define M_NONE		62
#define M_ELSE		63
#define SUB_OFF		100
#define SUB_LEN		50
#define DONE		0x454e4f44ULL
#define BATCH		512

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t status_window[4096] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));
static struct gnttab_copy batch[BATCH];
static volatile union grant_entry_v2 *v2;
static volatile grant_status_t *status;
static volatile struct shared_info *sh;

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

static bool setup_v2(void)
{
	uint64_t sframe = 0;
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF, .frame_list = RT_PTR(&sframe) };

	if (rt_grant_table_map(table_window) != 0 || gnttab(GNTTABOP_set_version, &sv, 1) != 0 || gnttab(GNTTABOP_get_status_frames, &gs, 1) != 0 ||
	    gs.status != GNTST_okay ||
	    hyp_update_va_mapping(RT_PTR(status_window), (sframe << 12) | PTE_RO, UVMF_INVLPG) != 0) {
		tc_fail("v2 grant table set-up failed");
		return false;
	}
	v2 = (volatile union grant_entry_v2 *)table_window;
	status = (volatile grant_status_t *)status_window;
	return true;
}

static void grant(grant_ref_t ref, domid_t to, uint16_t flags, uint32_t mid, uint64_t last)
{
	v2[ref].hdr.domid = to;
	v2[ref].spacer[1] = mid;
	v2[ref].full_page.frame = last;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].hdr.flags = flags;
}

/* A copy between ref of dom (at roff) and scratch (at soff); into: scratch into the grant. */
static void copy_init(struct gnttab_copy *c, domid_t dom, grant_ref_t ref, uint16_t roff, bool into,
		      uint16_t soff, uint16_t len)
{
	struct gnttab_copy_ptr *r = into ? &c->dest : &c->source, *f = into ? &c->source : &c->dest;

	memset(c, 0, sizeof(*c));
	r->u.ref = ref;
	r->domid = dom;
	r->offset = roff;
	f->u.gmfn = sec_mfn_of(scratch);
	f->domid = DOMID_SELF;
	f->offset = soff;
	c->len = len;
	c->flags = into ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
}

static int16_t copy1(domid_t dom, grant_ref_t ref, uint16_t off, bool into, uint16_t len)
{
	struct gnttab_copy c;

	copy_init(&c, dom, ref, off, into, off, len);
	if (gnttab(GNTTABOP_copy, &c, 1) != 0)
		return 0x7fff;
	return c.status;
}

static int16_t map1(domid_t dom, grant_ref_t ref)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = GNTMAP_host_map | GNTMAP_readonly,
					  .ref = ref, .dom = dom };

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1) != 0)
		return 0x7fff;
	return m.status;
}

static uint8_t pattern(unsigned int i, uint8_t seed)
{
	return (uint8_t)(seed + i * 13);
}

/* domU1: grants, then waits for dom0's DONE (read through dom0's grant M_PAGE) and checks what is left. */
static void granter(void)
{
	uint64_t t0;
	bool done = false, revoked = false;

	if (!setup_v2())
		return;
	for (unsigned int i = 0; i < 4096; i++)
		page[i] = pattern(i, 0x11);
	grant(X_SUB, 0, GTF_permit_access | GTF_sub_page, SUB_OFF | (uint32_t)SUB_LEN << 16, sec_mfn_of(page));
	grant(X_LOOP, 0, GTF_transitive, 0, M_LOOP);
	grant(X_BACK, 0, GTF_transitive, 0, M_PAGE);
	grant(X_REVOKED, 0, GTF_transitive, 0, M_NONE);
	grant(X_OTHER, 0, GTF_transitive, 0, M_ELSE);
	grant(X_HUGE, 0, GTF_transitive, 0, 0xffffffffu);
	grant(X_WIDE, 0, GTF_permit_access | GTF_sub_page, 0xffffffffu, sec_mfn_of(page));
	grant(X_FULL, 0, GTF_permit_access | GTF_readonly, 0, sec_mfn_of(page));	/* last: dom0 waits for it */
	t0 = now_ns();
	while (!done && now_ns() - t0 < 60000000000ULL) {
		done = copy1(0, M_PAGE, 0, false, 8) == GNTST_okay && memcmp(scratch, &(uint64_t){ DONE }, 8) == 0;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_check(done, "domU1: dom0 finished");
	unsigned int changed_out = 0, changed_in = 0;

	for (unsigned int i = 0; i < 4096; i++) {
		bool inside = i >= SUB_OFF && i < SUB_OFF + SUB_LEN;

		if (page[i] != pattern(i, 0x11))
			inside ? changed_in++ : changed_out++;
	}
	tc_check(changed_out == 0, "domU1: nothing written outside the sub-page window (%u bytes)", changed_out);
	tc_check(changed_in == 20, "domU1: dom0's 20-byte write inside the window landed (%u bytes)", changed_in);
	for (grant_ref_t r = X_SUB; r <= X_WIDE; r++)
		tc_check(status[r] == 0, "domU1: ref %u idle (%#x)", r, status[r]);
	/* The answer dom0 waits for: X_FULL revoked as Linux revokes v2 grants (dom0 is copying it meanwhile). */
	t0 = now_ns();
	while (!revoked && now_ns() - t0 < 30000000000ULL) {
		__atomic_store_n(&v2[X_FULL].hdr.flags, 0, __ATOMIC_SEQ_CST);
		revoked = !(__atomic_load_n(&status[X_FULL], __ATOMIC_SEQ_CST) & (GTF_reading | GTF_writing));
		if (!revoked)
			__atomic_store_n(&v2[X_FULL].hdr.flags, GTF_permit_access | GTF_readonly, __ATOMIC_SEQ_CST);
	}
	tc_check(revoked, "domU1: X_FULL revoked at the end");
}

static void attacker_sub_page(void)
{
	int16_t st;

	st = copy1(1, X_SUB, SUB_OFF, false, SUB_LEN);
	tc_check(st == GNTST_okay && scratch[SUB_OFF] == pattern(SUB_OFF, 0x11),
		 "dom0: a copy of domU1's whole sub-page window (%d)", st);
	static const struct { uint16_t off, len; } bad[] = {
		{ SUB_OFF - 1, 1 }, { SUB_OFF + SUB_LEN - 1, 2 }, { 0, 4096 }, { 4095, 1 },
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = copy1(1, X_SUB, bad[i].off, false, bad[i].len);
		tc_check(st == GNTST_general_error, "dom0: reading [%u, +%u) of the window: GNTST_general_error (%d)",
			 bad[i].off, bad[i].len, st);
		st = copy1(1, X_SUB, bad[i].off, true, bad[i].len);
		tc_check(st == GNTST_general_error, "dom0: writing [%u, +%u) of the window: GNTST_general_error (%d)",
			 bad[i].off, bad[i].len, st);
	}
	memset(scratch, 0xee, sizeof(scratch));
	st = copy1(1, X_SUB, SUB_OFF + 10, true, 20);
	tc_check(st == GNTST_okay, "dom0: writing 20 bytes inside the window (%d)", st);
	st = copy1(1, X_WIDE, 0, false, 1);
	tc_check(st == GNTST_general_error, "dom0: a window at page_off 0xffff: GNTST_general_error (%d)", st);
	st = copy1(1, X_SUB, 4000, false, 200);
	tc_check(st == GNTST_bad_copy_arg, "dom0: past the frame: GNTST_bad_copy_arg (%d)", st);
	st = map1(1, X_SUB);
	tc_check(st == GNTST_general_error, "dom0: a map of the sub-page grant: GNTST_general_error (%d)", st);
}

static void attacker_transitive(void)
{
	int16_t st;

	memset(scratch, 0, sizeof(scratch));
	st = copy1(1, X_BACK, 0, false, 4096);
	tc_check(st == GNTST_okay && scratch[7] == pattern(7, 0x33) && scratch[4095] == pattern(4095, 0x33),
		 "dom0: a copy through domU1's transitive grant of dom0's own grant (%d)", st);
	st = copy1(1, X_BACK, 0, true, 1);
	tc_check(st == GNTST_general_error, "dom0: writing through it (dom0's grant is read-only): refused (%d)", st);
	st = copy1(1, X_LOOP, 0, false, 8);
	tc_check(st == GNTST_general_error, "dom0: the loop domU1 -> dom0 -> domU1: GNTST_general_error (%d)", st);
	st = copy1(1, X_REVOKED, 0, false, 8);
	tc_check(st == GNTST_general_error, "dom0: a transitive grant of a revoked entry: GNTST_general_error (%d)", st);
	st = copy1(1, X_OTHER, 0, false, 8);
	tc_check(st == GNTST_general_error, "dom0: of an entry granted to domain 5: GNTST_general_error (%d)", st);
	st = copy1(1, X_HUGE, 0, false, 8);
	tc_check(st == GNTST_bad_gntref, "dom0: of gref 0xffffffff: GNTST_bad_gntref (%d)", st);
	st = map1(1, X_BACK);
	tc_check(st == GNTST_general_error, "dom0: a map of the transitive grant: GNTST_general_error (%d)", st);
	/* domU1 keeps reading M_PAGE (it polls it for DONE), so that one may show GTF_reading, never GTF_writing. */
	tc_check(status[M_LOOP] == 0 && !(status[M_PAGE] & GTF_writing),
		 "dom0: its own entries idle after all that (%#x, %#x)", status[M_LOOP], status[M_PAGE]);

	/* One call, 512 transitive copies (each one byte to its own offset). */
	memset(scratch, 0, sizeof(scratch));
	for (unsigned int i = 0; i < BATCH; i++)
		copy_init(&batch[i], 1, X_BACK, (uint16_t)(i * 8), false, (uint16_t)(i * 8), 1);
	long rc = gnttab(GNTTABOP_copy, batch, BATCH);
	unsigned int ok = 0;

	for (unsigned int i = 0; i < BATCH; i++)
		ok += batch[i].status == GNTST_okay && scratch[i * 8] == pattern(i * 8, 0x33);
	tc_check(rc == 0 && ok == BATCH, "dom0: a batch of %u transitive copies (rc %ld, %u ok)", BATCH, rc, ok);
}

static void attacker(void)
{
	uint64_t t0;
	bool ready = false;

	if (!setup_v2())
		return;
	for (unsigned int i = 0; i < 4096; i++)
		page[i] = pattern(i, 0x33);
	grant(M_LOOP, 1, GTF_transitive, 1, X_LOOP);
	grant(M_ELSE, 5, GTF_permit_access, 0, sec_mfn_of(page));
	grant(M_PAGE, 1, GTF_permit_access | GTF_readonly, 0, sec_mfn_of(page));
	t0 = now_ns();
	while (!ready && now_ns() - t0 < 30000000000ULL) {
		ready = copy1(1, X_FULL, 0, false, 8) == GNTST_okay;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	if (!ready) {
		tc_fail("dom0: domU1's grants never appeared");
		return;
	}
	attacker_sub_page();
	attacker_transitive();
	__atomic_store_n((uint64_t *)page, DONE, __ATOMIC_SEQ_CST);
	/* domU1 reads DONE through M_PAGE, checks, and answers by revoking X_FULL; dom0 must live until then. */
	t0 = now_ns();
	while (copy1(1, X_FULL, 0, false, 8) == GNTST_okay && now_ns() - t0 < 60000000000ULL)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(copy1(1, X_FULL, 0, false, 8) != GNTST_okay, "dom0: domU1 answered");
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
		attacker();
	else
		granter();
}

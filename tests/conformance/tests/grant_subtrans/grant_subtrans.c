/* SPDX-License-Identifier: MIT */
/*
 * Version 2 sub-page and transitive grants, on the guest's own grants: a
 * copy inside a sub-page grant's [page_off, page_off + length) works in
 * either direction, one reaching outside it is refused, neither kind can
 * be mapped, and a transitive grant that names its own domain, a domain
 * that does not exist or a revoked entry is refused for copy. Copying
 * through a transitive grant needs a second domain (tests/security/
 * grants_trans.cmake does it on Skiff). Not Skiff-specific; checked on
 * real Xen 4.17. The guest is dom0 (domid 0).
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "rt_grant.h"
#include "test.h"

#define PTE_RO		0x021ULL	/* P A */
#define SELF_ID		0
#define R_SUB		10
#define R_FULL		11
#define R_TRANS		12
#define SUB_OFF		512
#define SUB_LEN		256

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t status_window[4096] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));

static volatile union grant_entry_v2 *v2;
static volatile grant_status_t *status;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static void grant_sub(grant_ref_t ref, uint64_t mfn, uint16_t off, uint16_t len, uint16_t flags)
{
	v2[ref].hdr.flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].sub_page.hdr.domid = SELF_ID;
	v2[ref].sub_page.page_off = off;
	v2[ref].sub_page.length = len;
	v2[ref].sub_page.frame = mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].hdr.flags = (uint16_t)(GTF_permit_access | GTF_sub_page | flags);
}

static void grant_full(grant_ref_t ref, uint64_t mfn)
{
	v2[ref].hdr.flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].full_page.hdr.domid = SELF_ID;
	v2[ref].full_page.frame = mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].hdr.flags = GTF_permit_access;
}

static void grant_trans(grant_ref_t ref, domid_t trans_domid, grant_ref_t gref)
{
	v2[ref].hdr.flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].transitive.hdr.domid = SELF_ID;
	v2[ref].transitive.trans_domid = trans_domid;
	v2[ref].transitive.gref = gref;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].hdr.flags = GTF_transitive;
}

/* One copy between ref (at off) and page_b (at the same offset); to_ref: page_b into the grant. */
static int16_t copy_ref(grant_ref_t ref, bool to_ref, uint16_t off, uint16_t len)
{
	struct gnttab_copy c;
	struct gnttab_copy_ptr *r = to_ref ? &c.dest : &c.source, *f = to_ref ? &c.source : &c.dest;

	memset(&c, 0, sizeof(c));
	r->u.ref = ref;
	r->domid = SELF_ID;
	r->offset = off;
	f->u.gmfn = mfn_of(page_b);
	f->domid = DOMID_SELF;
	f->offset = off;
	c.len = len;
	c.flags = to_ref ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
	if (gnttab(GNTTABOP_copy, &c, 1) != 0)
		return 0x7fff;
	return c.status;
}

static int16_t map_ref(grant_ref_t ref, uint32_t flags)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = flags, .ref = ref, .dom = SELF_ID };
	struct gnttab_unmap_grant_ref u;

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1) != 0)
		return 0x7fff;
	if (m.status == GNTST_okay) {
		u = (struct gnttab_unmap_grant_ref){ .host_addr = RT_PTR(map_window), .handle = m.handle };
		gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
	}
	return m.status;
}

/*
 * Before the switch to v2: a v1 entry has no window. Xen's copy ignores
 * GTF_sub_page there (the whole frame is granted), its map refuses the
 * entry; type GTF_transitive is not a v1 type.
 */
static void check_v1_flags(volatile struct grant_entry_v1 *e)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = GNTMAP_host_map | GNTMAP_readonly,
					  .ref = R_SUB, .dom = SELF_ID };
	struct gnttab_unmap_grant_ref u = { .host_addr = RT_PTR(map_window) };
	struct gnttab_copy c;
	long rc;

	for (unsigned int i = 0; i < 2; i++) {
		e->domid = SELF_ID;
		e->frame = (uint32_t)mfn_of(page_a);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		e->flags = i ? GTF_transitive : (GTF_permit_access | GTF_sub_page);
		memset(&c, 0, sizeof(c));
		c.source.u.ref = R_SUB;
		c.source.domid = SELF_ID;
		c.dest.u.gmfn = mfn_of(page_b);
		c.dest.domid = DOMID_SELF;
		c.source.offset = 4000;
		c.len = 96;
		c.flags = GNTCOPY_source_gref;
		rc = gnttab(GNTTABOP_copy, &c, 1);
		if (i)
			tc_check(rc == 0 && c.status == GNTST_general_error,
				 "a copy of a v1 entry of type GTF_transitive: GNTST_general_error (%d)", c.status);
		else
			tc_check(rc == 0 && c.status == GNTST_okay,
				 "a copy anywhere in a v1 entry with GTF_sub_page: the bit is ignored (%d)", c.status);
		rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);
		if (i)
			tc_check(rc == 0 && m.status == GNTST_general_error,
				 "a map of a v1 entry of type GTF_transitive: GNTST_general_error (%d)", m.status);
		else
			tc_check(rc == 0 && m.status == GNTST_general_error,
				 "a map of a v1 entry with GTF_sub_page: GNTST_general_error (%d)", m.status);
		if (rc == 0 && m.status == GNTST_okay) {
			u.handle = m.handle;
			gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
		}
		e->flags = 0;
	}
}

static int setup(void)
{
	uint64_t sframe = 0;
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF, .frame_list = RT_PTR(&sframe) };
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("setup_table and mapping its frame (%ld)", rc);
		return -1;
	}
	check_v1_flags(&((volatile struct grant_entry_v1 *)table_window)[R_SUB]);
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	if (rc != 0 || gnttab(GNTTABOP_get_status_frames, &gs, 1) != 0 || gs.status != GNTST_okay ||
	    hyp_update_va_mapping(RT_PTR(status_window), (sframe << 12) | PTE_RO, UVMF_INVLPG) != 0) {
		tc_fail("set_version(2) and mapping the status frame (rc %ld, status %d)", rc, gs.status);
		return -1;
	}
	v2 = (volatile union grant_entry_v2 *)table_window;
	status = (volatile grant_status_t *)status_window;
	return 0;
}

static void fill(uint8_t *p, uint8_t seed)
{
	for (unsigned int i = 0; i < 4096; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void check_sub_page(void)
{
	uint64_t a = mfn_of(page_a);
	int16_t st;

	fill(page_a, 1);
	memset(page_b, 0, sizeof(page_b));
	grant_sub(R_SUB, a, SUB_OFF, SUB_LEN, GTF_readonly);
	st = copy_ref(R_SUB, false, SUB_OFF, SUB_LEN);
	tc_check(st == GNTST_okay && memcmp(page_b + SUB_OFF, page_a + SUB_OFF, SUB_LEN) == 0,
		 "a copy of the whole sub-page (%d)", st);
	st = copy_ref(R_SUB, false, SUB_OFF + 100, 20);
	tc_check(st == GNTST_okay, "a copy inside it (%d)", st);
	tc_check(status[R_SUB] == 0, "the status is idle after the copies (%#x)", status[R_SUB]);
	st = copy_ref(R_SUB, false, SUB_OFF - 1, 10);
	tc_check(st == GNTST_general_error, "a copy starting before page_off: GNTST_general_error (%d)", st);
	st = copy_ref(R_SUB, false, SUB_OFF + SUB_LEN - 10, 11);
	tc_check(st == GNTST_general_error, "a copy ending past page_off + length: GNTST_general_error (%d)", st);
	st = copy_ref(R_SUB, false, 0, 4096);
	tc_check(st == GNTST_general_error, "a whole-page copy of a sub-page grant: GNTST_general_error (%d)", st);
	st = copy_ref(R_SUB, true, SUB_OFF, 16);
	tc_check(st == GNTST_general_error, "a copy into a read-only sub-page grant: GNTST_general_error (%d)", st);

	fill(page_b, 9);
	grant_sub(R_SUB, a, SUB_OFF, SUB_LEN, 0);
	st = copy_ref(R_SUB, true, SUB_OFF + 16, 32);
	tc_check(st == GNTST_okay && memcmp(page_a + SUB_OFF + 16, page_b + SUB_OFF + 16, 32) == 0 &&
			 page_a[SUB_OFF + 15] != page_b[SUB_OFF + 15] && page_a[SUB_OFF + 48] != page_b[SUB_OFF + 48],
		 "a copy into a writable sub-page grant writes just those bytes (%d)", st);
	st = copy_ref(R_SUB, true, SUB_OFF + SUB_LEN, 1);
	tc_check(st == GNTST_general_error && page_a[SUB_OFF + SUB_LEN] != page_b[SUB_OFF + SUB_LEN],
		 "a copy into the byte after the sub-page: GNTST_general_error, nothing written (%d)", st);
	st = copy_ref(R_SUB, true, SUB_OFF, 0);
	tc_check(st == GNTST_okay, "a zero-length copy at page_off (%d)", st);
	st = copy_ref(R_SUB, true, SUB_OFF + SUB_LEN, 0);
	tc_check(st == GNTST_okay, "a zero-length copy at page_off + length (%d)", st);
	st = copy_ref(R_SUB, true, SUB_OFF - 1, 0);
	tc_check(st == GNTST_general_error, "a zero-length copy just before page_off: GNTST_general_error (%d)", st);

	/* A window that runs past the frame: the copy's own page bound still applies. */
	grant_sub(R_SUB, a, 4000, 200, 0);
	st = copy_ref(R_SUB, false, 4000, 96);
	tc_check(st == GNTST_okay, "a sub-page grant running past the frame: the in-frame part copies (%d)", st);
	st = copy_ref(R_SUB, false, 4000, 97);
	tc_check(st == GNTST_bad_copy_arg, "and a copy past the frame: GNTST_bad_copy_arg (%d)", st);
	grant_sub(R_SUB, a, 100, 0, 0);
	st = copy_ref(R_SUB, false, 100, 1);
	tc_check(st == GNTST_general_error, "a zero-length sub-page grant refuses one byte (%d)", st);

	grant_sub(R_SUB, a, SUB_OFF, SUB_LEN, 0);
	st = map_ref(R_SUB, GNTMAP_host_map);
	tc_check(st == GNTST_general_error, "a map of a sub-page grant: GNTST_general_error (%d)", st);
	st = map_ref(R_SUB, GNTMAP_host_map | GNTMAP_readonly);
	tc_check(st == GNTST_general_error, "a read-only map of it too (%d)", st);
	tc_check(status[R_SUB] == 0, "and the status stays idle (%#x)", status[R_SUB]);
	v2[R_SUB].hdr.flags = 0;
}

static void check_transitive(void)
{
	int16_t st;

	fill(page_a, 3);
	grant_full(R_FULL, mfn_of(page_a));
	st = copy_ref(R_FULL, false, 0, 64);
	tc_check(st == GNTST_okay, "the full-page grant a transitive one names copies (%d)", st);

	grant_trans(R_TRANS, SELF_ID, R_FULL);
	st = copy_ref(R_TRANS, false, 0, 64);
	tc_check(st == GNTST_general_error, "a transitive grant naming its own domain: GNTST_general_error (%d)", st);
	st = map_ref(R_TRANS, GNTMAP_host_map | GNTMAP_readonly);
	tc_check(st == GNTST_general_error, "a map of a transitive grant: GNTST_general_error (%d)", st);
	tc_check(status[R_TRANS] == 0 && status[R_FULL] == 0, "both entries stay idle (%#x, %#x)", status[R_TRANS],
		 status[R_FULL]);

	grant_trans(R_TRANS, 77, R_FULL);
	st = copy_ref(R_TRANS, false, 0, 64);
	tc_check(st == GNTST_general_error, "a transitive grant naming no domain: GNTST_general_error (%d)", st);
	grant_trans(R_TRANS, SELF_ID, R_FULL);
	v2[R_TRANS].hdr.flags = GTF_transitive | GTF_sub_page;
	st = copy_ref(R_TRANS, false, 0, 64);
	tc_check(st == GNTST_general_error, "a transitive grant with GTF_sub_page: GNTST_general_error (%d)", st);
	v2[R_TRANS].hdr.flags = 0;
	v2[R_FULL].hdr.flags = 0;
}

void test_main(void)
{
	if (!(rt_boot.si->flags & SIF_INITDOMAIN)) {
		tc_skip("the self-grant checks assume the guest is domain 0");
		return;
	}
	if (setup() != 0)
		return;
	check_sub_page();
	check_transitive();
}

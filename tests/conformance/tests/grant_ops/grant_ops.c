/* SPDX-License-Identifier: MIT */
/*
 * grant_table_op beyond the basics, on the guest's own grants (a domain may
 * map its own grants): read-only maps (a write through one faults, the
 * entry shows GTF_reading only), write maps of read-only grants refused,
 * a mapped entry cannot be revoked (the granter's cmpxchg fails), unmap
 * with a wrong address / twice / with a forged handle, map refusals (bad
 * flags, refs past the table, foreign or invalid entries, DOMID_SELF),
 * every copy combination (ref or frame on either side) with partial
 * failure in one batch, unmap_and_replace, swap_grant_ref, and version 2:
 * set_version while a grant is in use refused, status frames carrying the
 * GTF bits while the entry stays untouched, and the switch back; and
 * transfers refused before anything moves; cache_flush by address and
 * the 32-bit cmd/count rules. Not Skiff-specific; checked on
 * real Xen 4.17. The guest is dom0 (domid 0).
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "rt_grant.h"
#include "test.h"

#define PTE_RO		0x021ULL	/* P A */
#define SELF_ID		0
#define R1		10
#define R2		11
#define R3		12

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t status_window[4096] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint8_t page_c[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));
static uint8_t spare_window[4096] __attribute__((aligned(4096)));

static volatile struct grant_entry_v1 *v1;
static volatile union grant_entry_v2 *v2;
static volatile grant_status_t *status;

void go_store(volatile uint64_t *p, uint64_t v);
void go_pf_entry(void);
extern volatile uint64_t go_faults;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static void grant1(grant_ref_t ref, domid_t dom, uint64_t mfn, uint16_t flags)
{
	v1[ref].domid = dom;
	v1[ref].frame = (uint32_t)mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v1[ref].flags = flags;
}

static void grant2(grant_ref_t ref, domid_t dom, uint64_t mfn, uint16_t flags)
{
	v2[ref].full_page.hdr.domid = dom;
	v2[ref].full_page.frame = mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v2[ref].hdr.flags = flags;
}

static int16_t map(grant_ref_t ref, domid_t dom, void *at, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(at), .flags = flags, .ref = ref, .dom = dom };

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1) != 0)
		return 0x7fff;
	if (h)
		*h = m.handle;
	return m.status;
}

static int16_t unmap(void *at, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = RT_PTR(at), .handle = h };

	if (gnttab(GNTTABOP_unmap_grant_ref, &u, 1) != 0)
		return 0x7fff;
	return u.status;
}

static int setup(void)
{
	static struct trap_info pf[2];
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("setup_table and mapping its frame (%ld)", rc);
		return -1;
	}
	v1 = (volatile struct grant_entry_v1 *)table_window;
	v2 = (volatile union grant_entry_v2 *)table_window;
	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(go_pf_entry);
	if (hyp_set_trap_table(RT_PTR(pf)) != 0) {
		tc_fail("set_trap_table for #PF failed");
		return -1;
	}
	return 0;
}

static void check_readonly_map(void)
{
	grant_handle_t h = 0;
	volatile uint8_t *w = map_window;
	uint64_t faults = go_faults;
	uint16_t expect = GTF_permit_access;
	int16_t st;

	page_a[0] = 0x3c;
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access | GTF_readonly);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_general_error, "a writable map of a read-only grant: GNTST_general_error (%d)", st);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map | GNTMAP_readonly, &h);
	tc_check(st == GNTST_okay, "a read-only map of it (status %d)", st);
	if (st != GNTST_okay)
		return;
	tc_check(w[0] == 0x3c, "the read-only mapping shows the page");
	tc_check((v1[R1].flags & (GTF_reading | GTF_writing)) == GTF_reading,
		 "the entry shows GTF_reading only (%#x)", v1[R1].flags);
	go_store((volatile uint64_t *)(void *)map_window, 0x1111);
	tc_check(go_faults == faults + 1 && page_a[0] == 0x3c,
		 "a write through the read-only mapping faults and changes nothing");
	/* The granter's revoke (Linux: cmpxchg flags from "permit" to 0) must fail while mapped. */
	expect = GTF_permit_access | GTF_readonly;
	tc_check(!__atomic_compare_exchange_n(&v1[R1].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST),
		 "revoking the mapped entry with cmpxchg fails (flags %#x)", expect);
	st = unmap(spare_window, h);
	tc_check(st == GNTST_general_error, "unmap at the wrong address: GNTST_general_error (%d)", st);
	st = unmap(map_window, h);
	tc_check(st == GNTST_okay, "unmap at the right one (status %d)", st);
	st = unmap(map_window, h);
	tc_check(st == GNTST_bad_handle, "the same handle again: GNTST_bad_handle (%d)", st);
	st = unmap(map_window, 0x7ffffff);
	tc_check(st == GNTST_bad_handle, "a forged handle: GNTST_bad_handle (%d)", st);
	expect = GTF_permit_access | GTF_readonly;
	tc_check(__atomic_compare_exchange_n(&v1[R1].flags, &expect, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST),
		 "after the unmap the revoke succeeds");
}

/* After unmap the VA must fault: no stale TLB entry may still reach the granted page. */
static void check_unmap_flushes(void)
{
	grant_handle_t h = 0;
	volatile uint64_t *w = (volatile uint64_t *)(void *)map_window;
	uint64_t faults;
	int16_t st;

	page_a[0] = 0x11;
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map, &h);
	w[0] = 0x2222;	/* the translation is now in the TLB */
	tc_check(st == GNTST_okay && page_a[0] == 0x22, "a write through a fresh writable mapping (%d)", st);
	st = unmap(map_window, h);
	faults = go_faults;
	go_store(w, 0x3333);
	tc_check(st == GNTST_okay && go_faults == faults + 1 && page_a[0] == 0x22,
		 "after unmap a write to the VA faults and the page is untouched (%d)", st);
	v1[R1].flags = 0;
}

static void check_map_refusals(void)
{
	int16_t st;

	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	st = map(R1, SELF_ID, map_window, 0, NULL);
	tc_check(st == GNTST_bad_gntref, "a map with neither host_map nor device_map: GNTST_bad_gntref (%d)", st);
	st = map(1U << 22, SELF_ID, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_bad_gntref, "a map of a ref past the table: GNTST_bad_gntref (%d)", st);
	st = map(R1, DOMID_SELF, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_bad_domain, "a map naming DOMID_SELF: GNTST_bad_domain (%d)", st);
	st = map(R1, 0x1234, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_bad_domain, "a map naming a domain that does not exist: GNTST_bad_domain (%d)", st);
	grant1(R2, 7, mfn_of(page_a), GTF_permit_access);
	st = map(R2, SELF_ID, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_general_error, "a map of a grant to another domain: GNTST_general_error (%d)", st);
	grant1(R2, SELF_ID, mfn_of(page_a), GTF_accept_transfer);
	st = map(R2, SELF_ID, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_general_error, "a map of an accept_transfer entry: GNTST_general_error (%d)", st);
	st = map(R3, SELF_ID, map_window, GNTMAP_host_map, NULL);
	tc_check(st == GNTST_general_error, "a map of an invalid entry: GNTST_general_error (%d)", st);
	st = map(R1, SELF_ID, (void *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, GNTMAP_host_map, NULL);
	tc_check(st != GNTST_okay, "a map over the hypervisor's range is refused (%d)", st);
	tc_check(!(v1[R1].flags & (GTF_reading | GTF_writing)), "refused maps leave the entry idle (%#x)",
		 v1[R1].flags);
	v1[R1].flags = 0;
	v1[R2].flags = 0;
}

static void copy_op(struct gnttab_copy *c, bool sref, uint64_t s, uint16_t soff, bool dref, uint64_t d,
		    uint16_t doff, uint16_t len)
{
	memset(c, 0, sizeof(*c));
	if (sref)
		c->source.u.ref = (grant_ref_t)s;
	else
		c->source.u.gmfn = s;
	c->source.domid = sref ? SELF_ID : DOMID_SELF;
	c->source.offset = soff;
	if (dref)
		c->dest.u.ref = (grant_ref_t)d;
	else
		c->dest.u.gmfn = d;
	c->dest.domid = dref ? SELF_ID : DOMID_SELF;
	c->dest.offset = doff;
	c->len = len;
	c->flags = (uint16_t)((sref ? GNTCOPY_source_gref : 0) | (dref ? GNTCOPY_dest_gref : 0));
}

static void check_copy(void)
{
	static const char *names[4] = { "frame to frame", "ref to frame", "frame to ref", "ref to ref" };
	struct gnttab_copy c[3];
	long rc;

	for (int i = 0; i < 4096; i++)
		page_a[i] = (uint8_t)(i * 13 + 1);
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access | GTF_readonly);
	grant1(R2, SELF_ID, mfn_of(page_b), GTF_permit_access);
	for (int k = 0; k < 4; k++) {
		bool sref = k & 1, dref = k & 2;

		memset(page_b, 0, sizeof(page_b));
		copy_op(&c[0], sref, sref ? R1 : mfn_of(page_a), 300 + k, dref, dref ? R2 : mfn_of(page_b), 17,
			1000);
		rc = gnttab(GNTTABOP_copy, c, 1);
		tc_check(rc == 0 && c[0].status == GNTST_okay && memcmp(page_b + 17, page_a + 300 + k, 1000) == 0 &&
				 page_b[16] == 0 && page_b[1017] == 0,
			 "copy %s moves exactly the bytes (status %d)", names[k], c[0].status);
	}
	tc_check(!(v1[R1].flags & (GTF_reading | GTF_writing)) && !(v1[R2].flags & (GTF_reading | GTF_writing)),
		 "copies leave both entries idle (%#x %#x)", v1[R1].flags, v1[R2].flags);
	copy_op(&c[0], false, mfn_of(page_a), 0, true, R1, 0, 8);
	rc = gnttab(GNTTABOP_copy, c, 1);
	tc_check(rc == 0 && c[0].status == GNTST_general_error,
		 "a copy into a read-only grant: GNTST_general_error (%d)", c[0].status);
	copy_op(&c[0], false, mfn_of(page_a), 0, false, mfn_of(page_b), 4095, 2);
	rc = gnttab(GNTTABOP_copy, c, 1);
	tc_check(rc == 0 && c[0].status == GNTST_bad_copy_arg,
		 "a destination range past the page: GNTST_bad_copy_arg (%d)", c[0].status);
	copy_op(&c[0], false, mfn_of(page_a), 0, false, mfn_of(page_b), 0, 0xffff);
	rc = gnttab(GNTTABOP_copy, c, 1);
	tc_check(rc == 0 && c[0].status == GNTST_bad_copy_arg, "a 64 KiB length: GNTST_bad_copy_arg (%d)",
		 c[0].status);
	copy_op(&c[0], false, mfn_of(page_a), 0, false, mfn_of(page_b), 0, 8);
	c[0].source.domid = 0x1234;
	rc = gnttab(GNTTABOP_copy, c, 1);
	tc_check(rc == 0 && c[0].status == GNTST_bad_domain, "a source domain that does not exist: GNTST_bad_domain (%d)",
		 c[0].status);
	/* Partial failure: the bad middle element fails alone. */
	memset(page_b, 0, sizeof(page_b));
	copy_op(&c[0], true, R1, 0, false, mfn_of(page_b), 0, 64);
	copy_op(&c[1], true, 1U << 22, 0, false, mfn_of(page_b), 64, 64);
	copy_op(&c[2], true, R1, 128, false, mfn_of(page_b), 128, 64);
	rc = gnttab(GNTTABOP_copy, c, 3);
	tc_check(rc == 0 && c[0].status == GNTST_okay && c[1].status == GNTST_bad_gntref && c[2].status == GNTST_okay,
		 "a batch with one bad ref: statuses %d %d %d", c[0].status, c[1].status, c[2].status);
	tc_check(memcmp(page_b, page_a, 64) == 0 && page_b[64] == 0 && memcmp(page_b + 128, page_a + 128, 64) == 0,
		 "and only the good elements copied");
	v1[R1].flags = 0;
	v1[R2].flags = 0;
}

static void check_replace_and_swap(void)
{
	struct gnttab_unmap_and_replace r;
	struct gnttab_swap_grant_ref sw[2];
	grant_handle_t h = 0;
	volatile uint8_t *w = map_window;
	int16_t st;
	long rc;

	page_a[0] = 0xa1;
	page_c[0] = 0xc1;
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map, &h);
	tc_check(st == GNTST_okay && w[0] == 0xa1, "map for unmap_and_replace (%d)", st);
	rc = hyp_update_va_mapping(RT_PTR(spare_window), (mfn_of(page_c) << 12) | PTE_RO, UVMF_INVLPG);
	memset(&r, 0, sizeof(r));
	r.host_addr = RT_PTR(map_window);
	r.new_addr = RT_PTR(spare_window);
	r.handle = h;
	if (rc == 0)
		rc = gnttab(GNTTABOP_unmap_and_replace, &r, 1);
	tc_check(rc == 0 && r.status == GNTST_okay, "unmap_and_replace (rc %ld, status %d)", rc, r.status);
	tc_check(w[0] == 0xc1, "the grant's VA now shows the page that was at new_addr");
	tc_check(!(v1[R1].flags & (GTF_reading | GTF_writing)), "and the entry is idle (%#x)", v1[R1].flags);
	hyp_update_va_mapping(RT_PTR(map_window), 0, UVMF_INVLPG);

	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	grant1(R2, 5, mfn_of(page_b), GTF_permit_access | GTF_readonly);
	memset(sw, 0, sizeof(sw));
	sw[0].ref_a = R1;
	sw[0].ref_b = R2;
	sw[1].ref_a = R1;
	sw[1].ref_b = 1U << 22;
	rc = gnttab(GNTTABOP_swap_grant_ref, sw, 2);
	tc_check(rc == 0 && sw[0].status == GNTST_okay && v1[R1].domid == 5 && v1[R2].domid == SELF_ID &&
			 v1[R1].frame == (uint32_t)mfn_of(page_b) && v1[R1].flags == (GTF_permit_access | GTF_readonly),
		 "swap_grant_ref exchanges the two entries (status %d)", sw[0].status);
	tc_check(sw[1].status == GNTST_bad_gntref, "and refuses a ref past the table (%d)", sw[1].status);
	v1[R1].flags = 0;
	v1[R2].flags = 0;
}

static int16_t get_status_frame(uint64_t *frame, uint32_t n)
{
	struct gnttab_get_status_frames g = { .nr_frames = n, .dom = DOMID_SELF, .frame_list = RT_PTR(frame) };

	if (gnttab(GNTTABOP_get_status_frames, &g, 1) != 0)
		return 0x7fff;
	return g.status;
}

static void check_v2(void)
{
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	struct gnttab_copy c;
	grant_handle_t h = 0;
	uint64_t sframe = 0;
	volatile uint8_t *w = map_window;
	long rc;
	int16_t st;

	st = get_status_frame(&sframe, 1);
	tc_check(st == GNTST_general_error, "get_status_frames under v1: GNTST_general_error (%d)", st);
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map, &h);
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	tc_check(st == GNTST_okay && rc == -XEN_EBUSY && sv.version == 1,
		 "set_version(2) while a grant is mapped: -EBUSY, version stays 1 (rc %ld, %u)", rc, sv.version);
	unmap(map_window, h);
	sv.version = 3;
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	tc_expect_eq(rc, -XEN_EINVAL, "set_version(3)");
	sv.version = 2;
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	tc_check(rc == 0 && sv.version == 2, "set_version(2) (rc %ld, version %u)", rc, sv.version);
	rc = gnttab(GNTTABOP_get_version, &gv, 1);
	tc_check(rc == 0 && gv.version == 2, "get_version says 2 (%u)", gv.version);
	tc_check(v1[R1].flags == 0, "the switch cleared the old entries (%#x)", v1[R1].flags);
	st = get_status_frame(&sframe, 1);
	rc = st == GNTST_okay ? hyp_update_va_mapping(RT_PTR(status_window), (sframe << 12) | PTE_RO, UVMF_INVLPG) : -1;
	tc_check(st == GNTST_okay && rc == 0, "get_status_frames(1) gives a frame the guest maps (%d, %ld)", st, rc);
	if (rc != 0)
		return;
	status = (volatile grant_status_t *)status_window;
	st = get_status_frame(&sframe, 64);
	tc_check(st == GNTST_general_error, "more status frames than exist: GNTST_general_error (%d)", st);

	page_a[5] = 0x77;
	grant2(R1, SELF_ID, mfn_of(page_a), GTF_permit_access);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map, &h);
	tc_check(st == GNTST_okay && w[5] == 0x77, "a v2 full-page grant maps (%d)", st);
	tc_check(status[R1] == (GTF_reading | GTF_writing) && v2[R1].hdr.flags == GTF_permit_access,
		 "the status frame holds GTF_reading|GTF_writing, the entry is untouched (%#x, %#x)", status[R1],
		 v2[R1].hdr.flags);
	st = unmap(map_window, h);
	tc_check(st == GNTST_okay && status[R1] == 0, "unmap clears the status (%d, %#x)", st, status[R1]);
	grant2(R2, SELF_ID, mfn_of(page_b), GTF_permit_access);
	memset(page_b, 0, 64);
	copy_op(&c, true, R1, 0, true, R2, 0, 64);
	rc = gnttab(GNTTABOP_copy, &c, 1);
	tc_check(rc == 0 && c.status == GNTST_okay && memcmp(page_a, page_b, 64) == 0,
		 "a v2 ref-to-ref copy (status %d)", c.status);
	v2[R1].hdr.flags = 0;
	v2[R2].hdr.flags = 0;

	hyp_update_va_mapping(RT_PTR(status_window), 0, UVMF_INVLPG);
	sv.version = 1;
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	tc_check(rc == 0 && sv.version == 1, "back to version 1 once the status frame is unmapped (rc %ld)", rc);
	grant1(R1, SELF_ID, mfn_of(page_a), GTF_permit_access | GTF_readonly);
	st = map(R1, SELF_ID, map_window, GNTMAP_host_map | GNTMAP_readonly, &h);
	tc_check(st == GNTST_okay && w[5] == 0x77 && unmap(map_window, h) == GNTST_okay,
		 "and v1 grants work again (%d)", st);
	v1[R1].flags = 0;
}

/* Transfers that must fail before anything moves (the page stays ours). */
static void check_transfer_refusals(void)
{
	struct gnttab_transfer t = { .mfn = mfn_of(page_a), .domid = SELF_ID, .ref = R1 };
	long rc;

	page_a[7] = 0x7e;
	rc = gnttab(GNTTABOP_transfer, &t, 1);
	tc_check(rc == 0 && t.status == GNTST_bad_page,
		 "transfer of a page we still map: GNTST_bad_page (rc %ld, status %d)", rc, t.status);
	tc_check(page_a[7] == 0x7e, "and the page is still ours");
	t.mfn = 1ULL << 40;
	t.status = 0;
	rc = gnttab(GNTTABOP_transfer, &t, 1);
	tc_check(rc == 0 && t.status == GNTST_bad_page, "transfer of an MFN past memory: GNTST_bad_page (%d)",
		 t.status);
}

/* cache_flush by machine address, and the 32-bit cmd/count rules, as measured on Xen 4.17. */
static void check_cache_flush_and_counts(void)
{
	struct gnttab_cache_flush f[2];
	uint64_t own = mfn_of(page_a) << 12, tbl = mfn_of(table_window) << 12;
	const struct { uint64_t a; uint16_t off, len; uint32_t op; long rc; const char *what; } cases[] = {
		{ own, 0, 64, GNTTAB_CACHE_CLEAN, 0, "clean of our own page" },
		{ own, 0, 64, GNTTAB_CACHE_INVAL, -XEN_EOPNOTSUPP, "invalidate alone" },
		{ own, 0, 64, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL, 0, "clean and invalidate" },
		{ own, 4000, 200, GNTTAB_CACHE_CLEAN, -XEN_EINVAL, "a range past the page" },
		{ own, 4096, 0, GNTTAB_CACHE_CLEAN, -XEN_EINVAL, "offset 4096" },
		{ own, 0, 0, GNTTAB_CACHE_CLEAN, 0, "length 0" },
		{ own, 0, 64, 0, 0, "op 0" },
		{ own, 0, 64, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_SOURCE_GREF, -XEN_EINVAL, "a ref (SOURCE_GREF)" },
		{ own + 100, 0, 64, GNTTAB_CACHE_CLEAN, 0, "an address inside the page" },
		{ tbl, 0, 64, GNTTAB_CACHE_CLEAN, 0, "our own grant frame" },
		{ 0x100000, 0, 64, GNTTAB_CACHE_CLEAN, -XEN_EPERM, "a hypervisor frame" },
		{ 1ULL << 52, 0, 64, GNTTAB_CACHE_CLEAN, -XEN_EINVAL, "an address past memory" },
	};
	long rc;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(f, 0, sizeof(f));
		f[0].a.dev_bus_addr = cases[i].a;
		f[0].offset = cases[i].off;
		f[0].length = cases[i].len;
		f[0].op = cases[i].op;
		rc = gnttab(GNTTABOP_cache_flush, f, 1);
		tc_check(rc == cases[i].rc, "cache_flush, %s: %ld (expected %ld)", cases[i].what, rc, cases[i].rc);
	}
	memset(f, 0, sizeof(f));
	f[0].a.dev_bus_addr = own;
	f[0].length = 8;
	f[0].op = GNTTAB_CACHE_CLEAN;
	f[1] = f[0];
	rc = gnttab(GNTTABOP_cache_flush, f, 2);
	tc_expect_eq(rc, 0, "a batch of two cache_flush ops");
	rc = gnttab(GNTTABOP_copy, f, 1ULL << 40);
	tc_expect_eq(rc, 0, "a copy count of 2^40 (count is 32-bit: 0)");
	rc = gnttab(GNTTABOP_copy, f, 0x80000000ULL);
	tc_expect_eq(rc, -XEN_EINVAL, "a copy count of 2^31");
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	rc = gnttab(GNTTABOP_query_size | (1ULL << 32), &qs, 1);
	tc_check(rc == 0 && qs.status == GNTST_okay, "bits above 32 of cmd are ignored (%ld, status %d)", rc, qs.status);
	rc = gnttab(GNTTABOP_query_size | (1ULL << 12), &qs, 1);
	tc_expect_eq(rc, -XEN_EINVAL, "continuation bits on a cmd other than cache_flush");
	rc = gnttab(GNTTABOP_dump_table, f, 1);
	tc_expect_eq(rc, -XEN_ENOSYS, "GNTTABOP_dump_table");
}

void test_main(void)
{
	if (!(rt_boot.si->flags & SIF_INITDOMAIN)) {
		tc_skip("the self-grant checks assume the guest is domain 0");
		return;
	}
	if (setup() != 0)
		return;
	check_readonly_map();
	check_unmap_flushes();
	check_map_refusals();
	check_copy();
	check_replace_and_swap();
	check_v2();
	check_transfer_refusals();
	check_cache_flush_and_counts();
}

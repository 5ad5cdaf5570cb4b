/* SPDX-License-Identifier: MIT */
/*
 * GNTTABOP_transfer as Xen 4.17 answers a single domain: a domain may
 * transfer a page to itself through its own GTF_accept_transfer entry (the
 * entry gets the frame and both completion bits, the M2P the frame number
 * the entry held, the contents survive); a page still mapped or typed, or
 * past memory, is GNTST_bad_page whatever the rest says; DOMID_SELF or a
 * missing domain is GNTST_bad_domain; an entry past the table, one whose
 * flags are not exactly GTF_accept_transfer (a stale completed bit), one
 * naming another domain, or a permit_access entry is GNTST_general_error;
 * statuses are per element in one batch. A page whose transfer fails
 * after the page checks is freed (the sender's reservation falls, the
 * frame is no longer its own), so each such case gives up a page. The
 * receiver at its limit or dying needs a second domain: the host tests
 * (tests/unit/test_grant_op.c) check those. Not Skiff-specific; checked on
 * real Xen 4.17. The guest is dom0 (domid 0).
 */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include "rt_grant.h"
#include "test.h"

#define PTE_RW		0x063ULL	/* P RW A D */
#define SELF_ID		0
#define R_OK		20
#define R_STALE		21
#define R_OTHER		22
#define R_PERMIT	23
#define LOST_PAGES	6

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t give[4096] __attribute__((aligned(4096)));
static uint8_t typed[4096] __attribute__((aligned(4096)));
static uint8_t lost[LOST_PAGES][4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *v1;
static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

static uint64_t pfn_of(const void *va)
{
	return ((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12;
}

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[pfn_of(va)];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static void entry(grant_ref_t ref, domid_t domid, uint32_t frame, uint16_t flags)
{
	v1[ref].flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v1[ref].domid = domid;
	v1[ref].frame = frame;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v1[ref].flags = flags;
}

static int setup(void)
{
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("grant table set-up failed (%ld)", rc);
		return -1;
	}
	v1 = (volatile struct grant_entry_v1 *)table_window;
	return 0;
}

/* Checked before the receiver: a page we map, a page table, a frame past memory. */
static void check_bad_pages(void)
{
	struct gnttab_transfer t[3];
	uint64_t tmfn = mfn_of(typed);
	long rc;

	entry(R_OK, SELF_ID, (uint32_t)pfn_of(give), GTF_accept_transfer);
	memset(typed, 0, sizeof(typed));
	/* typed becomes an L1 table: read-only in our mapping first, then pinned. */
	rc = hyp_update_va_mapping(RT_PTR(typed), (tmfn << 12) | 0x021ULL, UVMF_INVLPG);
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = tmfn };
	if (rc == 0)
		rc = hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	tc_check(rc == 0, "a page pinned as an L1 table (%ld)", rc);
	t[0] = (struct gnttab_transfer){ .mfn = mfn_of(give), .domid = 77, .ref = R_OK };	/* still mapped */
	t[1] = (struct gnttab_transfer){ .mfn = tmfn, .domid = SELF_ID, .ref = R_OK };
	t[2] = (struct gnttab_transfer){ .mfn = 1ULL << 40, .domid = SELF_ID, .ref = R_OK };
	rc = gnttab(GNTTABOP_transfer, t, 3);
	tc_check(rc == 0, "a batch of three refused transfers returns 0 (%ld)", rc);
	tc_check(t[0].status == GNTST_bad_page, "a page we still map, to no domain: GNTST_bad_page first (%d)",
		 t[0].status);
	tc_check(t[1].status == GNTST_bad_page, "a pinned page table: GNTST_bad_page (%d)", t[1].status);
	tc_check(t[2].status == GNTST_bad_page, "a frame past memory: GNTST_bad_page (%d)", t[2].status);
	tc_check(v1[R_OK].flags == GTF_accept_transfer, "the entry is untouched (%#x)", v1[R_OK].flags);
	pin.cmd = MMUEXT_UNPIN_TABLE;
	rc = hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	if (rc == 0)
		rc = hyp_update_va_mapping(RT_PTR(typed), (tmfn << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc == 0, "the table unpinned and mapped writable again (%ld)", rc);
}

/* The page goes to ourselves: the entry completes, the M2P follows the entry, the bytes stay. */
static void check_self_transfer(void)
{
	uint64_t mfn = mfn_of(give), pfn = pfn_of(give);
	struct gnttab_transfer t = { .mfn = mfn, .domid = SELF_ID, .ref = R_OK };
	long rc;

	for (unsigned int i = 0; i < 4096; i++)
		give[i] = (uint8_t)(i * 7);
	/* The frame number the entry holds is where we want the page: a different one shows the M2P follows it. */
	entry(R_OK, SELF_ID, (uint32_t)(pfn + 1), GTF_accept_transfer);
	rc = hyp_update_va_mapping(RT_PTR(give), 0, UVMF_INVLPG);
	tc_check(rc == 0, "the page to give is unmapped (%ld)", rc);
	rc = gnttab(GNTTABOP_transfer, &t, 1);
	tc_check(rc == 0 && t.status == GNTST_okay, "a transfer to ourselves through our own entry (rc %ld, %d)", rc,
		 t.status);
	tc_check(v1[R_OK].flags == (GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed),
		 "the entry is committed and completed (%#x)", v1[R_OK].flags);
	tc_check(v1[R_OK].frame == (uint32_t)mfn, "the entry names the machine frame (%#x, want %#llx)", v1[R_OK].frame,
		 (unsigned long long)mfn);
	tc_check(m2p[mfn] == pfn + 1, "the M2P has the frame number the entry held (%#llx)",
		 (unsigned long long)m2p[mfn]);
	struct mmu_update u = { .ptr = (mfn << 12) | MMU_MACHPHYS_UPDATE, .val = pfn };
	rc = hyp_mmu_update(RT_PTR(&u), 1, 0, DOMID_SELF);
	if (rc == 0)
		rc = hyp_update_va_mapping(RT_PTR(give), (mfn << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc == 0, "the page is still ours: M2P set back, mapped again (%ld)", rc);
	bool same = true;
	for (unsigned int i = 0; i < 4096; i++)
		same = same && give[i] == (uint8_t)(i * 7);
	tc_check(same, "its bytes came through");
	/* Committed: the same entry takes no second page. */
	rc = hyp_update_va_mapping(RT_PTR(lost[0]), 0, UVMF_INVLPG);
	t = (struct gnttab_transfer){ .mfn = mfn_of(lost[0]), .domid = SELF_ID, .ref = R_OK };
	rc = rc ? rc : gnttab(GNTTABOP_transfer, &t, 1);
	tc_check(rc == 0 && t.status == GNTST_general_error, "a second transfer into a completed entry (%ld, %d)", rc,
		 t.status);
	v1[R_OK].flags = 0;
}

static long current_pages(void)
{
	return hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
}

/*
 * After the page checks: each case spends one of the lost pages. The page
 * has left the sender already, so a refusal frees it (Xen 4.17): the
 * reservation falls by one per case and the frame cannot be mapped again.
 */
static void check_refusals(void)
{
	struct gnttab_transfer t[LOST_PAGES - 1];
	static const struct {
		domid_t domid;
		grant_ref_t ref;
		int16_t status;
		const char *what;
	} c[LOST_PAGES - 1] = {
		{ DOMID_SELF, R_OK, GNTST_bad_domain, "DOMID_SELF as the receiver" },
		{ 77, R_OK, GNTST_bad_domain, "a receiver that does not exist" },
		{ SELF_ID, 0x7fffffff, GNTST_general_error, "a ref past the receiver's table" },
		{ SELF_ID, R_STALE, GNTST_general_error, "an entry with a stale completed bit" },
		{ SELF_ID, R_OTHER, GNTST_general_error, "an entry accepting from another domain" },
	};
	long rc = 0, before;

	entry(R_OK, SELF_ID, 0, GTF_accept_transfer);
	entry(R_STALE, SELF_ID, 0, GTF_accept_transfer | GTF_transfer_completed);
	entry(R_OTHER, 5, 0, GTF_accept_transfer);
	for (unsigned int i = 1; i < LOST_PAGES && rc == 0; i++) {
		rc = hyp_update_va_mapping(RT_PTR(lost[i]), 0, UVMF_INVLPG);
		t[i - 1] = (struct gnttab_transfer){ .mfn = mfn_of(lost[i]), .domid = c[i - 1].domid, .ref = c[i - 1].ref };
	}
	tc_check(rc == 0, "the pages to spend are unmapped (%ld)", rc);
	before = current_pages();
	rc = gnttab(GNTTABOP_transfer, t, LOST_PAGES - 1);
	tc_check(rc == 0, "one batch of refused transfers returns 0 (%ld)", rc);
	for (unsigned int i = 0; i < LOST_PAGES - 1; i++)
		tc_check(t[i].status == c[i].status, "%s: status %d (want %d)", c[i].what, t[i].status, c[i].status);
	tc_check(v1[R_OK].flags == GTF_accept_transfer && v1[R_STALE].flags == (GTF_accept_transfer |
		 GTF_transfer_completed) && v1[R_OTHER].flags == GTF_accept_transfer, "no entry was committed");
	tc_check(current_pages() == before - (LOST_PAGES - 1), "each refused page was freed: %ld pages, want %ld",
		 current_pages(), before - (LOST_PAGES - 1));
	for (unsigned int i = 1; i < LOST_PAGES; i++) {
		rc = hyp_update_va_mapping(RT_PTR(lost[i]), (t[i - 1].mfn << 12) | PTE_RW, UVMF_INVLPG);
		tc_check(rc != 0, "a freed page cannot be mapped again (page %u: %ld)", i, rc);
	}
	v1[R_OK].flags = v1[R_STALE].flags = v1[R_OTHER].flags = 0;
}

/* A permit_access entry accepts no page; a count with the sign bit is -EINVAL before anything is read. */
static void check_permit_and_count(void)
{
	struct gnttab_transfer t;
	long rc;

	entry(R_PERMIT, SELF_ID, (uint32_t)mfn_of(give), GTF_permit_access);
	t = (struct gnttab_transfer){ .mfn = mfn_of(give), .domid = SELF_ID, .ref = R_PERMIT, .status = 0x5555 };
	rc = gnttab(GNTTABOP_transfer, &t, 0x80000000ULL);
	tc_check(rc == -XEN_EINVAL && t.status == 0x5555, "count 2^31: -EINVAL, nothing done (%ld, %d)", rc,
		 t.status);
	rc = gnttab(GNTTABOP_transfer, &t, 1ULL << 32);
	tc_check(rc == 0 && t.status == 0x5555, "count 2^32 is 0: nothing done (%ld, %d)", rc, t.status);
	v1[R_PERMIT].flags = 0;
}

void test_main(void)
{
	if (!(rt_boot.si->flags & SIF_INITDOMAIN)) {
		tc_skip("the transfer checks assume the guest is domain 0");
		return;
	}
	if (setup() != 0)
		return;
	check_bad_pages();
	check_self_transfer();
	check_refusals();
	check_permit_and_count();
}

/* SPDX-License-Identifier: MIT */
/* Grant-table core (hv/common/grant_table.c) over the arena harness: every pin transition, references, versions, maptrack, and map racing revoke. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <hv/grant_table.h>
#include <hv/heap.h>
#include <hv/mm.h>
#include <pvabi/errno.h>
#include "test_pv_mm_util.h"

/* Arch glue, faked: the core calls these only from gnttab_release_mappings. */
static unsigned int fake_unmaps, fake_flushes;

int gnttab_arch_map(struct domain *d, struct domain *granter, uint64_t host_addr, uint32_t flags, mfn_t mfn,
		    uint64_t *pte, uint64_t *pte_maddr)
{
	(void)d, (void)granter, (void)host_addr, (void)flags, (void)mfn, (void)pte, (void)pte_maddr;
	return GNTST_general_error;
}

int gnttab_arch_unmap(struct domain *d, uint64_t host_addr, uint32_t flags, uint64_t pte, uint64_t new_addr)
{
	(void)d, (void)host_addr, (void)flags, (void)pte, (void)new_addr;
	fake_unmaps++;
	return GNTST_okay;
}

void gnttab_arch_flush(struct domain *d)
{
	(void)d;
	fake_flushes++;
}

struct vcpu *current_vcpu(void)
{
	return NULL;
}

/* Domain lookup, faked: dom_a and dom_b only; the references are counted so a test can check they balance. */
struct domain *domain_find(domid_t domid)
{
	struct domain *d = domid == dom_a.domid ? &dom_a : domid == dom_b.domid ? &dom_b : NULL;

	if (d)
		domain_get(d);
	return d;
}

void domain_get(struct domain *d)
{
	__atomic_fetch_add(&d->refcnt, 1, __ATOMIC_SEQ_CST);
}

void domain_put(struct domain *d)
{
	ck_assert(__atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_SEQ_CST) > 0);
}

static uint64_t hv_frames_before;

static void setup(void)
{
	pvt_setup();
	hv_heap_init();
	hv_frames_before = frame_owner_frames(&frame_owner_hv);
	fake_unmaps = fake_flushes = 0;
	ck_assert_int_eq(gnttab_domain_init(&dom_a, 4, 2), 0);
	ck_assert_int_eq(gnttab_domain_init(&dom_b, 0, 0), 0);
}

static void teardown(void)
{
	gnttab_domain_destroy(&dom_a);
	gnttab_domain_destroy(&dom_b);
	pvt_teardown();
}

/* The granter's view of its own table, through the hypervisor's mapping of the frame. */
static volatile struct grant_entry_v1 *v1_of(struct domain *d)
{
	return mfn_to_virt(gnttab_shared_mfn(d, 0));
}

static volatile union grant_entry_v2 *v2_of(struct domain *d)
{
	return mfn_to_virt(gnttab_shared_mfn(d, 0));
}

static volatile grant_status_t *status_of(struct domain *d)
{
	return mfn_to_virt(gnttab_status_mfn(d, 0));
}

static void grant_v1(struct domain *d, grant_ref_t ref, domid_t to, mfn_t mfn, uint16_t flags)
{
	volatile struct grant_entry_v1 *e = &v1_of(d)[ref];

	e->domid = to;
	e->frame = (uint32_t)mfn;
	e->flags = flags;
}

START_TEST(test_init_defaults)
{
	ck_assert_uint_eq(gnttab_version(&dom_a), 1);
	ck_assert_uint_eq(gnttab_nr_frames(&dom_a), 1);
	ck_assert_uint_eq(gnttab_max_frames(&dom_a), 4);
	ck_assert_uint_eq(gnttab_max_frames(&dom_b), GNTTAB_DEFAULT_MAX_FRAMES);
	ck_assert_uint_eq(gnttab_nr_entries(&dom_a), 512);
	ck_assert(frame_table[gnttab_shared_mfn(&dom_a, 0)].count_info & PGC_SHARED_HV);
	ck_assert(frame_owner_of(gnttab_shared_mfn(&dom_a, 0)) == &frame_owner_hv);
	ck_assert(gnttab_is_guest_frame(&dom_a, gnttab_shared_mfn(&dom_a, 0)));
	ck_assert(!gnttab_is_guest_frame(&dom_b, gnttab_shared_mfn(&dom_a, 0)));
	ck_assert_int_eq(gnttab_grow(&dom_a, 4), 0);
	ck_assert_uint_eq(gnttab_nr_entries(&dom_a), 2048);
	ck_assert_int_eq(gnttab_grow(&dom_a, 5), -XEN_EINVAL);
	ck_assert_uint_eq(gnttab_nr_frames(&dom_a), 4);
}
END_TEST

/* ro pin, add rw, drop rw, drop ro: GTF bits and frame references follow every step. */
START_TEST(test_pin_transitions)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_use ro, rw, rw2;
	volatile struct grant_entry_v1 *e = &v1_of(&dom_a)[10];

	grant_v1(&dom_a, 10, dom_b.domid, page, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &ro), GNTST_okay);
	ck_assert_uint_eq(ro.mfn, page);
	ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(pvt_gen(page), 1);
	ck_assert_uint_eq(pvt_tcount(page), 0);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, true, &rw), GNTST_okay);
	ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_uint_eq(pvt_gen(page), 2);
	ck_assert_int_eq(pvt_type(page), PAGE_TYPE_WRITABLE);
	ck_assert_uint_eq(pvt_tcount(page), 1);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, true, &rw2), GNTST_okay);
	ck_assert_uint_eq(pvt_tcount(page), 2);
	/* A frame in writable use cannot become a page table. */
	ck_assert_int_eq(get_page_type(&frame_table[page], PAGE_TYPE_L1), -XEN_EINVAL);
	/* Revoke (the granter's cmpxchg from the idle value) fails while pinned. */
	uint16_t expect = GTF_permit_access;
	ck_assert(!__atomic_compare_exchange_n(&e->flags, &expect, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	gnttab_release(&rw2);
	ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
	gnttab_release(&rw);
	ck_assert_uint_eq(e->flags, GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(pvt_tcount(page), 0);
	gnttab_release(&ro);
	ck_assert_uint_eq(e->flags, GTF_permit_access);
	ck_assert(pvt_unused(page));
	/* Idle again: revocable. */
	expect = GTF_permit_access;
	ck_assert(__atomic_compare_exchange_n(&e->flags, &expect, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}
END_TEST

START_TEST(test_pin_refusals)
{
	mfn_t page = pvt_alloc(&dom_a), other = pvt_alloc(&dom_b), table = pvt_alloc(&dom_a);
	struct gnttab_use u;
	volatile struct grant_entry_v1 *t = v1_of(&dom_a);

	ck_assert_int_eq(gnttab_acquire(&dom_a, 512, &dom_b, false, &u), GNTST_bad_gntref);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 0xffffffff, &dom_b, false, &u), GNTST_bad_gntref);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 11, &dom_b, false, &u), GNTST_general_error);	/* invalid */
	grant_v1(&dom_a, 11, dom_b.domid, page, GTF_permit_access | GTF_readonly);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 11, &dom_b, true, &u), GNTST_general_error);
	ck_assert_uint_eq(t[11].flags, GTF_permit_access | GTF_readonly);
	grant_v1(&dom_a, 12, 77, page, GTF_permit_access);	/* to someone else */
	ck_assert_int_eq(gnttab_acquire(&dom_a, 12, &dom_b, false, &u), GNTST_general_error);
	grant_v1(&dom_a, 13, dom_b.domid, page, GTF_accept_transfer);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 13, &dom_b, false, &u), GNTST_general_error);
	grant_v1(&dom_a, 14, dom_b.domid, page, GTF_permit_access | GTF_sub_page);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 14, &dom_b, false, &u), GNTST_general_error);
	/* A frame the granter does not own (forged): refused, and the bits it set are taken back. */
	grant_v1(&dom_a, 15, dom_b.domid, other, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 15, &dom_b, false, &u), GNTST_general_error);
	ck_assert_uint_eq(t[15].flags, GTF_permit_access);
	ck_assert(pvt_unused(other));
	grant_v1(&dom_a, 16, dom_b.domid, 0xfffffff, GTF_permit_access);	/* beyond the frame table */
	ck_assert_int_eq(gnttab_acquire(&dom_a, 16, &dom_b, false, &u), GNTST_general_error);
	ck_assert_uint_eq(t[16].flags, GTF_permit_access);
	grant_v1(&dom_a, 17, dom_b.domid, gnttab_shared_mfn(&dom_a, 0), GTF_permit_access);	/* a grant frame */
	ck_assert_int_eq(gnttab_acquire(&dom_a, 17, &dom_b, false, &u), GNTST_general_error);
	/* A page table may be granted read-only, never writable. */
	ck_assert_int_eq(get_page_and_type(&frame_table[table], &dom_a, PAGE_TYPE_L1), 0);
	grant_v1(&dom_a, 18, dom_b.domid, table, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 18, &dom_b, true, &u), GNTST_general_error);
	ck_assert_uint_eq(t[18].flags, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 18, &dom_b, false, &u), GNTST_okay);
	gnttab_release(&u);
	put_page_and_type(&frame_table[table]);
	/* A second mapper of a pinned entry is refused; the first keeps it. */
	grant_v1(&dom_a, 19, dom_b.domid, page, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 19, &dom_b, false, &u), GNTST_okay);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 19, &dom_a, false, &(struct gnttab_use){ 0 }), GNTST_general_error);
	/* The guest rewriting a pinned entry's frame changes nothing for the pin. */
	t[19].frame = (uint32_t)other;
	struct gnttab_use u2;
	ck_assert_int_eq(gnttab_acquire(&dom_a, 19, &dom_b, false, &u2), GNTST_okay);
	ck_assert_uint_eq(u2.mfn, page);
	gnttab_release(&u2);
	gnttab_release(&u);
	ck_assert(pvt_unused(page) && pvt_unused(other));
}
END_TEST

START_TEST(test_versions)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_use u;

	grant_v1(&dom_a, 1, 0, 0x1234, GTF_permit_access);	/* reserved: survives switches */
	grant_v1(&dom_a, 20, dom_b.domid, page, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 20, &dom_b, false, &u), GNTST_okay);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), -XEN_EBUSY);
	gnttab_release(&u);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 3), -XEN_EINVAL);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	ck_assert_uint_eq(gnttab_version(&dom_a), 2);
	ck_assert_uint_eq(gnttab_nr_status_frames(&dom_a), 1);
	ck_assert_uint_eq(gnttab_nr_entries(&dom_a), 256);
	ck_assert_uint_eq(v2_of(&dom_a)[1].full_page.frame, 0x1234);
	ck_assert_uint_eq(v2_of(&dom_a)[1].hdr.flags, GTF_permit_access);
	ck_assert_uint_eq(v2_of(&dom_a)[20].hdr.flags, 0);
	ck_assert(gnttab_is_guest_frame(&dom_a, gnttab_status_mfn(&dom_a, 0)));

	volatile union grant_entry_v2 *e = &v2_of(&dom_a)[20];
	e->full_page.hdr.domid = dom_b.domid;
	e->full_page.frame = page;
	e->hdr.flags = GTF_permit_access;
	ck_assert_int_eq(gnttab_acquire(&dom_a, 20, &dom_b, true, &u), GNTST_okay);
	ck_assert_uint_eq(status_of(&dom_a)[20], GTF_reading | GTF_writing);
	ck_assert_uint_eq(e->hdr.flags, GTF_permit_access);	/* v2 never writes the entry */
	gnttab_release(&u);
	ck_assert_uint_eq(status_of(&dom_a)[20], 0);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 256, &dom_b, false, &u), GNTST_bad_gntref);
	/* Growing a v2 table grows its status frames: 256 entries a frame, 2048 statuses a frame. */
	ck_assert_int_eq(gnttab_grow(&dom_a, 4), 0);
	ck_assert_uint_eq(gnttab_nr_status_frames(&dom_a), 1);

	/* Back to v1 only while the guest does not map the status frame. */
	struct page_info *sp = &frame_table[gnttab_status_mfn(&dom_a, 0)];
	ck_assert_int_eq(get_page(sp, &dom_a, true), 0);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 1), -XEN_EBUSY);
	ck_assert(sp->count_info & PGC_SHARED_HV);
	put_page(sp);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 1), 0);
	ck_assert_uint_eq(gnttab_nr_status_frames(&dom_a), 0);
	ck_assert_uint_eq(v1_of(&dom_a)[1].frame, 0x1234);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 1), 0);
}
END_TEST

/* v2 revoke as Linux does it: clear the flags, then look at the status; a pin in between must show. */
START_TEST(test_v2_unstable_entry)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_use u;

	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	volatile union grant_entry_v2 *e = &v2_of(&dom_a)[30];
	e->full_page.hdr.domid = dom_b.domid;
	e->full_page.frame = page;
	e->hdr.flags = GTF_permit_access | GTF_readonly;
	ck_assert_int_eq(gnttab_acquire(&dom_a, 30, &dom_b, true, &u), GNTST_general_error);
	ck_assert_uint_eq(status_of(&dom_a)[30], 0);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 30, &dom_b, false, &u), GNTST_okay);
	e->hdr.flags = 0;	/* the granter revokes anyway ... */
	ck_assert(status_of(&dom_a)[30] & GTF_reading);	/* ... and sees the pin */
	gnttab_release(&u);
	ck_assert_uint_eq(status_of(&dom_a)[30], 0);
	ck_assert(pvt_unused(page));
}
END_TEST

START_TEST(test_swap)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_use u;
	volatile struct grant_entry_v1 *t = v1_of(&dom_a);

	grant_v1(&dom_a, 40, dom_b.domid, page, GTF_permit_access);
	grant_v1(&dom_a, 41, 9, 0x55, GTF_permit_access | GTF_readonly);
	ck_assert_int_eq(gnttab_swap(&dom_a, 40, 41), GNTST_okay);
	ck_assert_uint_eq(t[40].domid, 9);
	ck_assert_uint_eq(t[41].frame, page);
	ck_assert_int_eq(gnttab_swap(&dom_a, 40, 512), GNTST_bad_gntref);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 41, &dom_b, false, &u), GNTST_okay);
	ck_assert_int_eq(gnttab_swap(&dom_a, 40, 41), GNTST_general_error);
	gnttab_release(&u);
	ck_assert_int_eq(gnttab_swap(&dom_a, 41, 41), GNTST_okay);
}
END_TEST

/* Maptrack grows a page of entries at a time, up to the domain's limit (2 pages for dom_a). */
START_TEST(test_maptrack)
{
	unsigned int per = PAGE_SIZE / sizeof(struct gnttab_maptrack), n = 0;
	struct gnttab_maptrack m = { .flags = GNTMAP_device_map }, out;
	int h;

	while ((h = gnttab_maptrack_alloc(&dom_a)) >= 0) {
		ck_assert_int_eq(h, (int)n);
		n++;
	}
	ck_assert_uint_eq(n, 2 * per);
	gnttab_maptrack_put(&dom_a, 5);
	ck_assert_int_eq(gnttab_maptrack_alloc(&dom_a), 5);
	gnttab_maptrack_set(&dom_a, 5, &m);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_a), 1);
	ck_assert(!gnttab_maptrack_take(&dom_a, 6, &out));	/* reserved, not live */
	ck_assert(!gnttab_maptrack_take(&dom_a, 100000, &out));
	ck_assert(gnttab_maptrack_take(&dom_a, 5, &out));
	ck_assert(!gnttab_maptrack_take(&dom_a, 5, &out));	/* a second unmap loses */
	gnttab_maptrack_untake(&dom_a, 5, GNTMAP_device_map);
	ck_assert(gnttab_maptrack_take(&dom_a, 5, &out));
	gnttab_maptrack_put(&dom_a, 5);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_a), 0);
}
END_TEST

/* The mapper dies: release_mappings removes its PTEs, drops its uses, clears the granter's bits. */
START_TEST(test_release_mappings)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_maptrack m = { .flags = GNTMAP_host_map, .pte_maddr = 0x1000 };
	int h = gnttab_maptrack_alloc(&dom_b);

	grant_v1(&dom_a, 50, dom_b.domid, page, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 50, &dom_b, true, &m.use), GNTST_okay);
	gnttab_maptrack_set(&dom_b, h, &m);
	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), -XEN_EBUSY);
	gnttab_release_mappings(&dom_b);
	ck_assert_uint_eq(fake_unmaps, 1);
	ck_assert_uint_eq(fake_flushes, 1);
	ck_assert_uint_eq(v1_of(&dom_a)[50].flags, GTF_permit_access);
	ck_assert(pvt_unused(page));
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	gnttab_release_mappings(&dom_b);
	ck_assert_uint_eq(fake_unmaps, 1);
}
END_TEST

/* What the guest makes the hypervisor allocate is charged to it, refused past its allowance, settled at destroy. */
START_TEST(test_heap_charge)
{
	unsigned int per = PAGE_SIZE / sizeof(struct gnttab_maptrack);
	uint64_t start = dom_a.heap_charged, per_frame, cap;

	ck_assert_uint_gt(start, 0);			/* the first grant frame */
	ck_assert_int_eq(gnttab_grow(&dom_a, 2), 0);
	per_frame = dom_a.heap_charged - start;
	ck_assert_uint_gt(per_frame, PAGE_SIZE);	/* the frame and its active array */
	ck_assert_uint_eq(start, per_frame);
	for (unsigned int i = 0; i < per; i++)
		ck_assert_int_ge(gnttab_maptrack_alloc(&dom_a), 0);
	ck_assert_uint_eq(dom_a.heap_charged, 2 * per_frame + PAGE_SIZE);
	/* At the allowance: the next chunk and the next frame are refused and nothing changes. */
	cap = dom_a.heap_max;
	dom_a.heap_max = dom_a.heap_charged;
	ck_assert_int_lt(gnttab_maptrack_alloc(&dom_a), 0);
	ck_assert_int_eq(gnttab_grow(&dom_a, 3), -XEN_ENOMEM);
	ck_assert_uint_eq(gnttab_nr_frames(&dom_a), 2);
	ck_assert_uint_eq(dom_a.heap_charged, 2 * per_frame + PAGE_SIZE);
	dom_a.heap_max = cap;
	ck_assert_int_ge(gnttab_maptrack_alloc(&dom_a), 0);
	ck_assert_uint_eq(dom_a.heap_charged, 2 * per_frame + 2 * PAGE_SIZE);
	gnttab_domain_destroy(&dom_a);
	ck_assert_uint_eq(dom_a.heap_charged, 0);
	ck_assert_uint_eq(dom_a.heap_max, 0);		/* the grant allowance is given back too */
}
END_TEST

/* Destroy returns every frame the tables took; a frame the guest still maps is kept (and logged). */
START_TEST(test_destroy_accounting)
{
	ck_assert_int_eq(gnttab_grow(&dom_b, 8), 0);
	ck_assert_int_eq(gnttab_set_version(&dom_b, 2), 0);
	ck_assert_uint_gt(frame_owner_frames(&frame_owner_hv), hv_frames_before);
	gnttab_domain_destroy(&dom_a);
	gnttab_domain_destroy(&dom_b);
	ck_assert_uint_eq(dom_a.heap_charged, 0);
	ck_assert_uint_eq(dom_b.heap_charged, 0);
	/* The heap may keep its slabs; the grant frames (9 + 1 + 1) must all be back. */
	ck_assert_uint_le(frame_owner_frames(&frame_owner_hv), hv_frames_before + 2);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/* Receiver's half of a transfer: entry checks, commit, the frame and its charge move, max_frames respected. */
START_TEST(test_transfer_commit)
{
	mfn_t page = pvt_alloc(&dom_a), page2 = pvt_alloc(&dom_a);
	volatile struct grant_entry_v1 *t = v1_of(&dom_b);
	uint64_t a_before = frame_owner_frames(&dom_a.mem), b_before = frame_owner_frames(&dom_b.mem), gfn = 0;

	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_general_error);	/* invalid */
	grant_v1(&dom_b, 9, dom_a.domid, 0, GTF_permit_access);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_general_error);
	grant_v1(&dom_b, 9, 77, 0, GTF_accept_transfer);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_general_error);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 4096, &dom_a, page, &gfn), GNTST_general_error);
	/* Any flag beside GTF_accept_transfer refuses (Xen compares the whole word): a stale completed bit, readonly. */
	grant_v1(&dom_b, 9, dom_a.domid, 0, GTF_accept_transfer | GTF_transfer_completed);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_general_error);
	grant_v1(&dom_b, 9, dom_a.domid, 0, GTF_accept_transfer | GTF_readonly);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_general_error);
	ck_assert(frame_owner_of(page) == &dom_a.mem);
	grant_v1(&dom_b, 9, dom_a.domid, 0x1234, GTF_accept_transfer);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page, &gfn), GNTST_okay);
	ck_assert_uint_eq(t[9].flags, GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed);
	ck_assert_uint_eq(t[9].frame, page);
	ck_assert_uint_eq(gfn, 0x1234);	/* the receiver's frame number, for the M2P */
	ck_assert(frame_owner_of(page) == &dom_b.mem);
	ck_assert_uint_eq(frame_owner_frames(&dom_a.mem), a_before - 1);
	ck_assert_uint_eq(frame_owner_frames(&dom_b.mem), b_before + 1);
	/* Committed already: a second transfer into the same entry is refused. */
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 9, &dom_a, page2, &gfn), GNTST_general_error);
	/* A receiver at its limit: refused, and the commit is taken back. */
	frame_owner_set_max(&dom_b.mem, frame_owner_frames(&dom_b.mem));
	grant_v1(&dom_b, 10, dom_a.domid, 0, GTF_accept_transfer);
	ck_assert_int_eq(gnttab_transfer_commit(&dom_b, 10, &dom_a, page2, &gfn), GNTST_general_error);
	ck_assert_uint_eq(t[10].flags, GTF_accept_transfer);
	ck_assert(frame_owner_of(page2) == &dom_a.mem);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/*
 * Two threads: one pins and unpins ref 60 (writable) as a mapper would,
 * one revokes and re-grants it as a hostile granter would. Whenever the
 * mapper holds a pin the entry must be valid with its bits set, and the
 * revoker must never win while a pin is held.
 */
struct race {
	volatile bool stop, pinned, revoked;
	volatile unsigned long pins, revokes, violations;	/* read by the main thread while running */
	unsigned int version;
	mfn_t page;
};

static void regrant(struct race *r)
{
	if (r->version == 2) {
		volatile union grant_entry_v2 *e = &v2_of(&dom_a)[60];

		e->full_page.hdr.domid = dom_b.domid;
		e->full_page.frame = r->page;
		__atomic_store_n(&e->hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
	} else {
		grant_v1(&dom_a, 60, dom_b.domid, r->page, GTF_permit_access);
	}
}

/* Linux's gnttab_end_foreign_access_ref: true when the ref is ours again. */
static bool try_revoke(struct race *r)
{
	if (r->version == 2) {
		volatile union grant_entry_v2 *e = &v2_of(&dom_a)[60];

		__atomic_store_n(&e->hdr.flags, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&status_of(&dom_a)[60], __ATOMIC_SEQ_CST) & (GTF_reading | GTF_writing)) {
			__atomic_store_n(&e->hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
			return false;
		}
		return true;
	}
	uint16_t expect = GTF_permit_access;

	return __atomic_compare_exchange_n(&v1_of(&dom_a)[60].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/*
 * v1: after a successful revoke the hypervisor never writes the entry.
 * v2 may set status bits for a moment (a pin that read the entry before
 * the revoke sets them, sees the change and backs out, as Xen's does), so
 * there only a pin that succeeds counts, through r->pinned.
 */
static bool revoked_entry_touched(struct race *r)
{
	if (r->version == 2)
		return false;
	return __atomic_load_n(&v1_of(&dom_a)[60].flags, __ATOMIC_SEQ_CST) != 0;
}

static void *race_mapper(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		struct gnttab_use u;

		if (gnttab_acquire(&dom_a, 60, &dom_b, true, &u) != GNTST_okay)
			continue;
		__atomic_store_n(&r->pinned, true, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->revoked, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
		if (u.mfn != r->page || pvt_tcount(r->page) == 0)
			__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
		if (r->version == 1 && !(v1_of(&dom_a)[60].flags & GTF_writing))
			__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
		r->pins++;
		__atomic_store_n(&r->pinned, false, __ATOMIC_SEQ_CST);
		gnttab_release(&u);
	}
	return NULL;
}

static void *race_revoker(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		if (try_revoke(r)) {
			__atomic_store_n(&r->revoked, true, __ATOMIC_SEQ_CST);
			/*
			 * Revoked: no pin may exist now, and none may appear (nor
			 * any bit be written into the entry) until we grant again.
			 * Linger a little so a late writer has the time to show.
			 */
			for (volatile int spin = 0; spin < 300; spin++)
				;
			if (__atomic_load_n(&r->pinned, __ATOMIC_SEQ_CST) || revoked_entry_touched(r))
				__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
			r->revokes++;
			__atomic_store_n(&r->revoked, false, __ATOMIC_SEQ_CST);
			regrant(r);
		}
	}
	return NULL;
}

static void run_race(unsigned int version)
{
	struct race r = { .version = version };
	pthread_t a, b;

	if (version == 2)
		ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	r.page = pvt_alloc(&dom_a);
	regrant(&r);
	pthread_create(&a, NULL, race_mapper, &r);
	pthread_create(&b, NULL, race_revoker, &r);
	/*
	 * Until every side has run enough, not for a fixed time: on a loaded machine one thread can get no CPU
	 * for seconds. The bound only stops a test that cannot progress (60 s, under Check's 120 s).
	 */
	for (int i = 0; i < 6000 && (r.pins < 20000 || r.revokes < 20000); i++) {
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	r.stop = true;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_msg(r.violations == 0, "%lu violations in %lu pins / %lu revokes", r.violations, r.pins,
		      r.revokes);
	ck_assert_msg(r.pins > 100 && r.revokes > 100, "both sides ran (%lu pins, %lu revokes)", r.pins, r.revokes);
	ck_assert(pvt_unused(r.page));
}

/* ---- v2 sub-page and transitive grants (GNTTABOP_copy only) ---- */

static volatile union grant_entry_v2 *grant_sub(struct domain *d, grant_ref_t ref, domid_t to, mfn_t mfn,
						uint16_t off, uint16_t len, uint16_t flags)
{
	volatile union grant_entry_v2 *e = &v2_of(d)[ref];

	e->sub_page.hdr.domid = to;
	e->sub_page.page_off = off;
	e->sub_page.length = len;
	e->sub_page.frame = mfn;
	__atomic_store_n(&e->hdr.flags, (uint16_t)(GTF_permit_access | GTF_sub_page | flags), __ATOMIC_SEQ_CST);
	return e;
}

static volatile union grant_entry_v2 *grant_trans(struct domain *d, grant_ref_t ref, domid_t to, domid_t via,
						  grant_ref_t gref, uint16_t flags)
{
	volatile union grant_entry_v2 *e = &v2_of(d)[ref];

	e->transitive.hdr.domid = to;
	e->transitive.trans_domid = via;
	e->transitive.gref = gref;
	__atomic_store_n(&e->hdr.flags, (uint16_t)(GTF_transitive | flags), __ATOMIC_SEQ_CST);
	return e;
}

static void grant_full2(struct domain *d, grant_ref_t ref, domid_t to, mfn_t mfn)
{
	volatile union grant_entry_v2 *e = &v2_of(d)[ref];

	e->full_page.hdr.domid = to;
	e->full_page.frame = mfn;
	__atomic_store_n(&e->hdr.flags, (uint16_t)GTF_permit_access, __ATOMIC_SEQ_CST);
}

/* A sub-page grant: copy pins give its window, maps are refused, also while a copy holds it. */
START_TEST(test_sub_page)
{
	mfn_t page = pvt_alloc(&dom_a);
	struct gnttab_use u, m;

	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	grant_sub(&dom_a, 10, dom_b.domid, page, 512, 256, 0);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &m), GNTST_general_error);
	ck_assert_uint_eq(status_of(&dom_a)[10], 0);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, true, &u), GNTST_okay);
	ck_assert_uint_eq(u.mfn, page);
	ck_assert_uint_eq(u.off, 512);
	ck_assert_uint_eq(u.len, 256);
	ck_assert(u.trans == NULL);
	ck_assert_uint_eq(status_of(&dom_a)[10], GTF_reading | GTF_writing);
	ck_assert_uint_eq(pvt_tcount(page), 1);
	/* The granter turns it into a full-page grant while in use: the pin keeps its window, a map is still refused. */
	grant_full2(&dom_a, 10, dom_b.domid, page);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &m), GNTST_general_error);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &m), GNTST_okay);
	ck_assert_uint_eq(m.off, 512);
	ck_assert_uint_eq(m.len, 256);
	gnttab_release(&m);
	gnttab_release(&u);
	ck_assert_uint_eq(status_of(&dom_a)[10], 0);
	ck_assert(pvt_unused(page));
	/* Read-only refuses a write. In a v1 table (no window) Xen's copy ignores GTF_sub_page, its map refuses it. */
	grant_sub(&dom_a, 10, dom_b.domid, page, 0, 16, GTF_readonly);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, true, &u), GNTST_general_error);
	ck_assert_uint_eq(status_of(&dom_a)[10], 0);
	v2_of(&dom_a)[10].hdr.flags = 0;
	ck_assert_int_eq(gnttab_set_version(&dom_a, 1), 0);
	grant_v1(&dom_a, 10, dom_b.domid, page, GTF_permit_access | GTF_sub_page);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &m), GNTST_general_error);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &u), GNTST_okay);
	ck_assert(u.mfn == page && u.off == 0 && u.len == 4096);
	gnttab_release(&u);
	ck_assert_uint_eq(v1_of(&dom_a)[10].flags, GTF_permit_access | GTF_sub_page);
	grant_v1(&dom_a, 10, dom_b.domid, page, GTF_transitive);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &u), GNTST_general_error);
	ck_assert_uint_eq(v1_of(&dom_a)[10].flags, GTF_transitive);
	ck_assert(pvt_unused(page));
}
END_TEST

/*
 * b copies through a's transitive grant 10, which names b's own grant 20
 * (to a) of b's page: both entries pinned while in use, the frame held
 * once, a kept alive by a reference; everything back after the release.
 */
START_TEST(test_transitive)
{
	mfn_t page = pvt_alloc(&dom_b);
	struct gnttab_use u, u2, m;

	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	ck_assert_int_eq(gnttab_set_version(&dom_b, 2), 0);
	grant_sub(&dom_b, 20, dom_a.domid, page, 100, 50, 0);
	grant_trans(&dom_a, 10, dom_b.domid, dom_b.domid, 20, 0);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &m), GNTST_general_error);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, true, &u), GNTST_okay);
	ck_assert_uint_eq(u.mfn, page);
	ck_assert(u.trans == &dom_b && u.trans_ref == 20 && u.granter == &dom_a && u.ref == 10);
	ck_assert_uint_eq(u.off, 100);
	ck_assert_uint_eq(u.len, 50);
	ck_assert_uint_eq(status_of(&dom_a)[10], GTF_reading | GTF_writing);
	ck_assert_uint_eq(status_of(&dom_b)[20], GTF_reading | GTF_writing);
	ck_assert_uint_eq(pvt_tcount(page), 1);
	ck_assert_uint_eq(dom_a.refcnt, 1);
	ck_assert_uint_eq(dom_b.refcnt, 0);
	/* A second, read-only use while the first is held; a map of the pinned transitive entry is refused. */
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &u2), GNTST_okay);
	ck_assert_uint_eq(u2.mfn, page);
	ck_assert_int_eq(gnttab_acquire(&dom_a, 10, &dom_b, false, &m), GNTST_general_error);
	gnttab_release(&u);
	ck_assert_uint_eq(status_of(&dom_a)[10], GTF_reading);
	ck_assert_uint_eq(status_of(&dom_b)[20], GTF_reading);
	gnttab_release(&u2);
	ck_assert_uint_eq(status_of(&dom_a)[10], 0);
	ck_assert_uint_eq(status_of(&dom_b)[20], 0);
	ck_assert_uint_eq(dom_a.refcnt, 0);
	ck_assert(pvt_unused(page));
}
END_TEST

/* Every way a transitive grant can be refused leaves both entries idle and nothing held. */
START_TEST(test_transitive_refusals)
{
	mfn_t page = pvt_alloc(&dom_b);
	struct gnttab_use u;
	static const struct {
		domid_t via;
		grant_ref_t gref;
		uint16_t flags;
		bool writable;
		int st;
	} cases[] = {
		{ 1, 20, 0, false, GNTST_general_error },		/* names its own domain (a) */
		{ 9, 20, 0, false, GNTST_general_error },		/* no such domain */
		{ 2, 21, 0, false, GNTST_general_error },		/* target revoked */
		{ 2, 22, 0, false, GNTST_general_error },		/* target transitive itself: one level only */
		{ 2, 23, 0, false, GNTST_general_error },		/* target granted to b, not a */
		{ 2, 4000, 0, false, GNTST_bad_gntref },		/* target past b's table */
		{ 2, 20, GTF_readonly, true, GNTST_general_error },	/* read-only transitive, written */
		{ 2, 20, GTF_sub_page, false, GNTST_general_error },	/* transitive with GTF_sub_page */
	};

	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	ck_assert_int_eq(gnttab_set_version(&dom_b, 2), 0);
	grant_full2(&dom_b, 20, dom_a.domid, page);
	grant_trans(&dom_b, 22, dom_a.domid, dom_a.domid, 10, 0);
	grant_full2(&dom_b, 23, dom_b.domid, page);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		grant_trans(&dom_a, 10, dom_b.domid, cases[i].via, cases[i].gref, cases[i].flags);
		ck_assert_msg(gnttab_acquire_copy(&dom_a, 10, &dom_b, cases[i].writable, &u) == cases[i].st,
			      "case %u", i);
		ck_assert_msg(status_of(&dom_a)[10] == 0 && status_of(&dom_b)[20] == 0 && status_of(&dom_b)[22] == 0,
			      "case %u left bits", i);
		ck_assert_msg(dom_a.refcnt == 0 && dom_b.refcnt == 0, "case %u left a domain reference", i);
	}
	/* a's own chain back to itself through b (a -> b -> a): refused at b's transitive entry, nothing pinned. */
	grant_trans(&dom_a, 10, dom_b.domid, dom_b.domid, 22, 0);
	ck_assert_int_eq(gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &u), GNTST_general_error);
	ck_assert(pvt_unused(page));
}
END_TEST

/*
 * a keeps rewriting its ref 10 (transitive to b's grant 20, a sub-page of
 * its own page, revoked as Linux revokes v2) while b copies through it:
 * every use sees one consistent kind (the frame and window of the entry as
 * it was pinned), no revoke succeeds while a use is held, and all comes
 * back at the end.
 */
struct trans_race {
	mfn_t own, other;
	volatile bool stop, revoked, pinned;
	volatile unsigned long pins, trans_pins, revokes, violations;	/* read by the main thread while running */
};

static void *trans_race_copier(void *arg)
{
	struct trans_race *r = arg;

	while (!r->stop) {
		struct gnttab_use u, u2;
		bool bad;

		if (gnttab_acquire_copy(&dom_a, 10, &dom_b, true, &u) != GNTST_okay)
			continue;
		__atomic_store_n(&r->pinned, true, __ATOMIC_SEQ_CST);
		bad = __atomic_load_n(&r->revoked, __ATOMIC_SEQ_CST);
		if (u.trans)
			bad |= u.mfn != r->other || u.off != 0 || u.len != 4096 || (u.trans_ref != 20 && u.trans_ref != 24) ||
			       !(status_of(&dom_b)[u.trans_ref] & GTF_writing);
		else
			bad |= u.mfn != r->own || !((u.off == 8 && u.len == 16) || (u.off == 32 && u.len == 64));
		bad |= pvt_tcount(u.mfn) == 0 || !(status_of(&dom_a)[10] & GTF_writing);
		/* A second use while the first is held gets what the first pin recorded, whatever the entry says now. */
		if (gnttab_acquire_copy(&dom_a, 10, &dom_b, false, &u2) != GNTST_okay)
			bad = true;
		else {
			bad |= u2.mfn != u.mfn || u2.off != u.off || u2.len != u.len || u2.trans != u.trans ||
			       u2.trans_ref != u.trans_ref;
			gnttab_release(&u2);
		}
		if (bad)
			__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
		r->pins++;
		r->trans_pins += u.trans != NULL;
		__atomic_store_n(&r->pinned, false, __ATOMIC_SEQ_CST);
		gnttab_release(&u);
	}
	return NULL;
}

static void *trans_race_granter(void *arg)
{
	struct trans_race *r = arg;
	volatile union grant_entry_v2 *e = &v2_of(&dom_a)[10];

	for (unsigned long n = 0; !r->stop; n++) {
		uint16_t flags = e->hdr.flags;

		/* Linux's v2 revoke: clear the flags, then the status says whether a use got in first. */
		__atomic_store_n(&e->hdr.flags, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&status_of(&dom_a)[10], __ATOMIC_SEQ_CST) & (GTF_reading | GTF_writing)) {
			__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
			/* In use: rewrite the body anyway (other target ref, other window); the pinned use must not notice. */
			if ((flags & GTF_type_mask) == GTF_transitive)
				e->transitive.gref = (n & 2) ? 24 : 20;
			else
				e->spacer[1] = (n & 2) ? (32u | 64u << 16) : (8u | 16u << 16);
			continue;
		}
		__atomic_store_n(&r->revoked, true, __ATOMIC_SEQ_CST);
		for (volatile int spin = 0; spin < 300; spin++)
			;
		if (__atomic_load_n(&r->pinned, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&r->violations, 1, __ATOMIC_RELAXED);
		r->revokes++;
		__atomic_store_n(&r->revoked, false, __ATOMIC_SEQ_CST);
		if (n & 1)
			grant_trans(&dom_a, 10, dom_b.domid, dom_b.domid, 20, 0);
		else
			grant_sub(&dom_a, 10, dom_b.domid, r->own, 8, 16, 0);
	}
	return NULL;
}

START_TEST(test_transitive_race)
{
	struct trans_race r = { 0 };
	pthread_t a, b;

	ck_assert_int_eq(gnttab_set_version(&dom_a, 2), 0);
	ck_assert_int_eq(gnttab_set_version(&dom_b, 2), 0);
	r.own = pvt_alloc(&dom_a);
	r.other = pvt_alloc(&dom_b);
	grant_full2(&dom_b, 20, dom_a.domid, r.other);
	grant_full2(&dom_b, 24, dom_a.domid, r.other);
	grant_trans(&dom_a, 10, dom_b.domid, dom_b.domid, 20, 0);
	pthread_create(&a, NULL, trans_race_copier, &r);
	pthread_create(&b, NULL, trans_race_granter, &r);
	/*
	 * Until every side has run enough, not for a fixed time: on a loaded machine one thread can get no CPU
	 * for seconds. The bound only stops a test that cannot progress (60 s, under Check's 120 s).
	 */
	for (int i = 0; i < 6000 && (r.pins < 20000 || r.revokes < 20000 || r.trans_pins <= 100 ||
				     r.pins - r.trans_pins <= 100); i++) {
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	r.stop = true;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_msg(r.violations == 0, "%lu violations in %lu pins (%lu transitive) / %lu revokes", r.violations,
		      r.pins, r.trans_pins, r.revokes);
	ck_assert_msg(r.trans_pins > 100 && r.pins - r.trans_pins > 100 && r.revokes > 100,
		      "every side ran (%lu pins, %lu transitive, %lu revokes)", r.pins, r.trans_pins, r.revokes);
	ck_assert_uint_eq(status_of(&dom_a)[10], 0);
	ck_assert_uint_eq(status_of(&dom_b)[20], 0);
	ck_assert_uint_eq(status_of(&dom_b)[24], 0);
	ck_assert_uint_eq(dom_a.refcnt, 0);
	ck_assert(pvt_unused(r.own));
	ck_assert(pvt_unused(r.other));
}
END_TEST

START_TEST(test_race_v1)
{
	run_race(1);
}
END_TEST

START_TEST(test_race_v2)
{
	run_race(2);
}
END_TEST

static Suite *grant_suite(void)
{
	Suite *s = suite_create("grant_table");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_defaults);
	tcase_add_test(tc, test_heap_charge);
	tcase_add_test(tc, test_pin_transitions);
	tcase_add_test(tc, test_pin_refusals);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_v2_unstable_entry);
	tcase_add_test(tc, test_swap);
	tcase_add_test(tc, test_maptrack);
	tcase_add_test(tc, test_release_mappings);
	tcase_add_test(tc, test_destroy_accounting);
	tcase_add_test(tc, test_transfer_commit);
	tcase_add_test(tc, test_race_v1);
	tcase_add_test(tc, test_race_v2);
	tcase_add_test(tc, test_sub_page);
	tcase_add_test(tc, test_transitive);
	tcase_add_test(tc, test_transitive_refusals);
	tcase_add_test(tc, test_transitive_race);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(grant_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

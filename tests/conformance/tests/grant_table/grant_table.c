/* SPDX-License-Identifier: MIT */
/*
 * grant_table (v1), the calls split drivers are built on, exercised by the
 * guest on its own grants: query_size and get_version (1) answer for
 * DOMID_SELF; setup_table returns a frame the guest maps and writes grant
 * entries into, and refuses more frames than the maximum; GNTTABOP_copy
 * through a granted ref copies the bytes and reports bad refs, invalid
 * entries and out-of-page ranges in its per-op status; map_grant_ref maps
 * a granted page at a guest VA (the entry shows GTF_reading/GTF_writing
 * while mapped) and unmap_grant_ref removes it and clears them; unknown
 * commands give -ENOSYS, an unreadable op array -EFAULT. The guest is the
 * initial domain, so its own domid is 0. Not Skiff-specific; checked on
 * real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "test.h"

#define PTE_FLAGS	0x063ULL	/* P RW A D */
#define SELF_ID		0		/* the initial domain */
#define REF		8		/* first ref not reserved for the toolstack */

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t src[4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *table;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static int check_setup(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	uint64_t frame = 0;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_PTR(&frame) };

	long rc = gnttab(GNTTABOP_query_size, &qs, 1);

	/* Arguments are evaluated in any order: every call happens before its check. */
	tc_check(rc == 0 && qs.status == GNTST_okay, "query_size: %u of %u frames", qs.nr_frames,
		 qs.max_nr_frames);
	tc_check(qs.max_nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames, "max_nr_frames >= nr_frames");
	rc = gnttab(GNTTABOP_get_version, &gv, 1);
	tc_check(rc == 0 && gv.version == 1, "grant table version 1 (%u)", gv.version);
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	tc_check(rc == 0 && st.status == GNTST_okay && frame != 0, "setup_table(1) gives frame %#llx",
		 (unsigned long long)frame);
	if (hyp_update_va_mapping(RT_PTR(table_window), (frame << 12) | PTE_FLAGS, UVMF_INVLPG) != 0) {
		tc_fail("cannot map the grant-table frame");
		return -1;
	}
	table = (volatile struct grant_entry_v1 *)table_window;
	st.nr_frames = qs.max_nr_frames + 1;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	tc_check(rc == 0 && st.status == GNTST_general_error,
		 "setup_table past max_nr_frames: GNTST_general_error (status %d)", st.status);
	return 0;
}

static void grant(grant_ref_t ref, uint64_t mfn, uint16_t flags)
{
	table[ref].domid = SELF_ID;
	table[ref].frame = (uint32_t)mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].flags = flags;
}

static int16_t copy_from_ref(grant_ref_t ref, uint16_t src_off, uint16_t len)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	c.source.u.ref = ref;
	c.source.domid = SELF_ID;
	c.source.offset = src_off;
	c.dest.u.gmfn = mfn_of(dst);
	c.dest.domid = DOMID_SELF;
	c.len = len;
	c.flags = GNTCOPY_source_gref;
	if (gnttab(GNTTABOP_copy, &c, 1) != 0)
		return 0x7fff;
	return c.status;
}

static void check_copy(void)
{
	int16_t st;

	for (int i = 0; i < 4096; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, sizeof(dst));
	grant(REF, mfn_of(src), GTF_permit_access | GTF_readonly);
	st = copy_from_ref(REF, 100, 256);
	tc_check(st == GNTST_okay && memcmp(dst, src + 100, 256) == 0,
		 "GNTTABOP_copy from a granted ref copies the bytes (status %d)", st);
	st = copy_from_ref(REF, 4000, 200);
	tc_check(st == GNTST_bad_copy_arg, "a copy past the end of the page: GNTST_bad_copy_arg (%d)", st);
	st = copy_from_ref(REF + 1, 0, 16);
	tc_check(st == GNTST_general_error, "a copy from an invalid entry: GNTST_general_error (%d)", st);
	st = copy_from_ref(1U << 20, 0, 16);
	tc_check(st == GNTST_bad_gntref, "a copy from a ref past the table: GNTST_bad_gntref (%d)", st);
	table[REF].flags = GTF_invalid;
}

static void check_map(void)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = GNTMAP_host_map,
					  .ref = REF, .dom = SELF_ID };
	struct gnttab_unmap_grant_ref u;
	volatile uint8_t *vsrc = src, *vmap = map_window;
	long rc;

	vsrc[0] = 0x5c;
	grant(REF, mfn_of(src), GTF_permit_access);
	rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);
	tc_check(rc == 0 && m.status == GNTST_okay, "map_grant_ref of an own grant (status %d)", m.status);
	if (m.status != GNTST_okay)
		return;
	tc_check(vmap[0] == 0x5c && vmap[1] == vsrc[1], "the mapped VA shows the granted page");
	vmap[2] = 0xa7;
	tc_check(vsrc[2] == 0xa7, "a write through the writable grant mapping lands in the page");
	tc_check((table[REF].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
		 "the entry shows GTF_reading|GTF_writing while mapped (%#x)", table[REF].flags);
	memset(&u, 0, sizeof(u));
	u.host_addr = RT_PTR(map_window);
	u.handle = m.handle;
	rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
	tc_check(rc == 0 && u.status == GNTST_okay, "unmap_grant_ref (status %d)", u.status);
	tc_check(!(table[REF].flags & (GTF_reading | GTF_writing)), "and the entry is idle again");
	u.status = 0;
	rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
	tc_check(rc == 0 && u.status == GNTST_bad_handle,
		 "unmapping the same handle twice: GNTST_bad_handle (%d)", u.status);
	table[REF].flags = GTF_invalid;
}

static void check_refusals(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };

	tc_expect_eq(gnttab(64, &qs, 1), -XEN_ENOSYS, "grant_table_op 64");
	tc_expect_eq(gnttab(GNTTABOP_query_size, (void *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 1),
		     -XEN_EFAULT, "query_size with its argument in the hypervisor's range");
	tc_expect_eq(gnttab(GNTTABOP_copy, &qs, 0), 0, "a batch of 0 copies");
}

void test_main(void)
{
	if (!(rt_boot.si->flags & SIF_INITDOMAIN)) {
		tc_skip("the self-grant checks assume the guest is domain 0");
		return;
	}
	if (check_setup() != 0)
		return;
	check_copy();
	check_map();
	check_refusals();
}

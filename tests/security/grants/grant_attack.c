/* SPDX-License-Identifier: MIT */
/*
 * grant_attack (hostile-guest suite, Skiff): a guest abusing grant_table_op
 * beside an innocent domain (the other boot domain, which grants nothing).
 * Every attack must be refused with an error and leave nothing behind:
 *  - maps and copies of the other domain's refs (forged refs), and of refs
 *    past any table;
 *  - copies naming the other domain's frames directly, and a sweep of
 *    every MFN as a "own frame" copy source: only our own frames may copy;
 *  - the other domain's grant frames (privileged callers can learn them
 *    with setup_table) mapped through our own page tables;
 *  - GNTMAP_contains_pte aimed at hypervisor memory, at our own L4 and at
 *    a misaligned address; host maps over the hypervisor's VA range;
 *  - a self-grant of our own L1 table mapped writable; a writable grant
 *    mapping's frame pinned as a page table; maps of revoked grants;
 *  - the PTE of a grant mapping overwritten behind the hypervisor's back,
 *    then unmapped (refused, and teardown still returns every frame);
 *  - copies with offsets and lengths running past the page, absurd batch
 *    counts, op arrays and frame lists in the hypervisor's range.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/grant_table.h>
#include <pvabi/sched.h>
#include "test.h"
#include "../guests/sec_util.h"

#define PTE_RW		0x063ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define MY_REF		20
#define SWEEP_BATCH	256

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t victim_window[4096] __attribute__((aligned(4096)));
static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));
static uint8_t page_c[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));
static struct gnttab_copy sweep[SWEEP_BATCH];
/* Copy ops fill the first page; the second is unmapped, so a long batch must end in -EFAULT there. */
static uint8_t tail[2][4096] __attribute__((aligned(4096)));

static volatile struct grant_entry_v1 *table;
static domid_t self_id, other_id;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static bool mfn_is_mine(uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	for (uint64_t i = 0; i < rt_boot.si->nr_pages; i++)
		if (p2m[i] == mfn)
			return true;
	return false;
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static int16_t map(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom };

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1) != 0)
		return 0x7fff;
	if (h)
		*h = m.handle;
	return m.status;
}

static int16_t unmap(uint64_t addr, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = h };

	if (gnttab(GNTTABOP_unmap_grant_ref, &u, 1) != 0)
		return 0x7fff;
	return u.status;
}

static void grant(grant_ref_t ref, uint64_t mfn, uint16_t flags)
{
	table[ref].domid = self_id;
	table[ref].frame = (uint32_t)mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].flags = flags;
}

static void attack_foreign_refs(void)
{
	unsigned int mapped = 0, copied = 0;
	struct gnttab_copy c;

	for (grant_ref_t r = 0; r < 600; r++) {
		if (map(other_id, r, RT_PTR(map_window), GNTMAP_host_map, NULL) == GNTST_okay)
			mapped++;
		memset(&c, 0, sizeof(c));
		c.source.u.ref = r;
		c.source.domid = other_id;
		c.dest.u.gmfn = mfn_of(page_b);
		c.dest.domid = DOMID_SELF;
		c.len = 8;
		c.flags = GNTCOPY_source_gref;
		if (gnttab(GNTTABOP_copy, &c, 1) == 0 && c.status == GNTST_okay)
			copied++;
	}
	tc_check(mapped == 0 && copied == 0, "600 forged refs of domain %u: %u mapped, %u copied", other_id, mapped,
		 copied);
	tc_check(map(self_id, 0xfffffff0, RT_PTR(map_window), GNTMAP_host_map, NULL) == GNTST_bad_gntref,
		 "a ref far past our own table: GNTST_bad_gntref");
	memset(&c, 0, sizeof(c));
	c.source.u.gmfn = mfn_of(page_a);
	c.source.domid = other_id;
	c.dest.u.gmfn = mfn_of(page_b);
	c.dest.domid = DOMID_SELF;
	c.len = 8;
	long rc = gnttab(GNTTABOP_copy, &c, 1);

	tc_check(rc == 0 && c.status == GNTST_permission_denied,
		 "a frame copy naming the other domain without a ref: GNTST_permission_denied (%d)", c.status);
}

/* Every MFN of the machine as a "DOMID_SELF frame" source: only our own may copy. */
static void attack_mfn_sweep(void)
{
	uint64_t foreign_ok = 0, own_ok = 0, max_mfn = 1ULL << 18;

	for (uint64_t base = 0; base < max_mfn; base += SWEEP_BATCH) {
		for (unsigned int i = 0; i < SWEEP_BATCH; i++) {
			memset(&sweep[i], 0, sizeof(sweep[i]));
			sweep[i].source.u.gmfn = base + i;
			sweep[i].source.domid = DOMID_SELF;
			sweep[i].dest.u.gmfn = mfn_of(page_b);
			sweep[i].dest.domid = DOMID_SELF;
			sweep[i].len = 16;
		}
		if (gnttab(GNTTABOP_copy, sweep, SWEEP_BATCH) != 0) {
			tc_fail("the sweep batch at MFN %#llx failed as a whole", (unsigned long long)base);
			return;
		}
		for (unsigned int i = 0; i < SWEEP_BATCH; i++) {
			if (sweep[i].status != GNTST_okay)
				continue;
			if (mfn_is_mine(base + i))
				own_ok++;
			else
				foreign_ok++;
		}
	}
	tc_check(foreign_ok == 0 && own_ok > 0,
		 "an MFN sweep as copy source: %llu foreign frames copied (own frames: %llu)",
		 (unsigned long long)foreign_ok, (unsigned long long)own_ok);
}

static void attack_foreign_grant_frames(void)
{
	uint64_t frame = 0;
	struct gnttab_setup_table st = { .dom = other_id, .nr_frames = 1, .frame_list = RT_PTR(&frame) };
	long rc = gnttab(GNTTABOP_setup_table, &st, 1);

	if (!(rt_boot.si->flags & SIF_PRIVILEGED)) {
		tc_check(rc == 0 && st.status == GNTST_permission_denied,
			 "setup_table for another domain, unprivileged: GNTST_permission_denied (%d)", st.status);
		return;
	}
	tc_check(rc == 0 && st.status == GNTST_okay, "setup_table for domain %u, privileged (%d)", other_id,
		 st.status);
	rc = hyp_update_va_mapping(RT_PTR(victim_window), (frame << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc != 0, "mapping the other domain's grant frame writable is refused (%ld)", rc);
	rc = hyp_update_va_mapping(RT_PTR(victim_window), (frame << 12) | 0x21, UVMF_INVLPG);
	tc_check(rc != 0, "and read-only too (%ld)", rc);
}

static uint64_t l1_maddr_of(const void *va, uint64_t *l4_mfn)
{
	const uint64_t *m2p = (const uint64_t *)(uintptr_t)MACH2PHYS_VIRT_START;
	uint64_t mfn = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base), va_u = RT_PTR(va);

	*l4_mfn = mfn;
	for (int level = 4; level > 1; level--) {
		const uint64_t *t = (const uint64_t *)(uintptr_t)(RT_VIRT_BASE + (m2p[mfn] << 12));

		mfn = (t[(va_u >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR) >> 12;
	}
	return (mfn << 12) | (((va_u >> 12) & 511) * 8);
}

static void attack_host_addresses(void)
{
	uint64_t l4;
	uint64_t pte = l1_maddr_of(map_window, &l4);
	int16_t st;

	grant(MY_REF, mfn_of(page_a), GTF_permit_access);
	st = map(self_id, MY_REF, 0x100000, GNTMAP_host_map | GNTMAP_contains_pte, NULL);
	tc_check(st != GNTST_okay, "contains_pte aimed at hypervisor memory (1 MiB): refused (%d)", st);
	st = map(self_id, MY_REF, (l4 << 12) + 8 * 300, GNTMAP_host_map | GNTMAP_contains_pte, NULL);
	tc_check(st != GNTST_okay, "contains_pte aimed at a hypervisor slot of our L4: refused (%d)", st);
	st = map(self_id, MY_REF, (l4 << 12) + 8, GNTMAP_host_map | GNTMAP_contains_pte, NULL);
	tc_check(st != GNTST_okay, "contains_pte aimed at our L4 itself: refused (%d)", st);
	st = map(self_id, MY_REF, pte + 3, GNTMAP_host_map | GNTMAP_contains_pte, NULL);
	tc_check(st != GNTST_okay, "a misaligned contains_pte address: refused (%d)", st);
	st = map(self_id, MY_REF, 0xffff830000000000ULL, GNTMAP_host_map, NULL);
	tc_check(st != GNTST_okay, "a host map in the hypervisor's direct map: refused (%d)", st);
	st = map(self_id, MY_REF, 0xffff800000000000ULL, GNTMAP_host_map, NULL);
	tc_check(st != GNTST_okay, "a host map over the read-only M2P: refused (%d)", st);
	st = map(self_id, MY_REF, 0x0000800000000000ULL, GNTMAP_host_map, NULL);
	tc_check(st != GNTST_okay, "a host map at a non-canonical address: refused (%d)", st);
	tc_check(!(table[MY_REF].flags & (GTF_reading | GTF_writing)), "the entry is idle after all that (%#x)",
		 table[MY_REF].flags);
	/* The legitimate form works, through the PTE address. */
	grant_handle_t h = 0;
	st = map(self_id, MY_REF, pte, GNTMAP_host_map | GNTMAP_contains_pte, &h);
	tc_check(st == GNTST_okay, "contains_pte at our own L1 slot works (%d)", st);
	if (st == GNTST_okay) {
		struct gnttab_unmap_grant_ref u = { .host_addr = pte, .handle = h };

		gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
		tc_check(u.status == GNTST_okay, "and unmaps the same way (%d)", u.status);
	}
	table[MY_REF].flags = 0;
}

static void attack_types(void)
{
	uint64_t l4;
	uint64_t l1 = l1_maddr_of(map_window, &l4) >> 12;
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE };
	grant_handle_t h = 0;
	int16_t st;
	long rc;

	grant(MY_REF, l1, GTF_permit_access);
	st = map(self_id, MY_REF, RT_PTR(map_window), GNTMAP_host_map, NULL);
	tc_check(st != GNTST_okay, "a writable map of our own L1 table: refused (%d)", st);
	table[MY_REF].flags = 0;
	/*
	 * page_c, zeroed (a valid empty L1), mapped read-only by our image so
	 * that only the grant mapping holds a writable type on it: pinning it
	 * as an L1 must fail while the grant is mapped and work once it is not.
	 */
	memset(page_c, 0, sizeof(page_c));
	rc = hyp_update_va_mapping(RT_PTR(page_c), (mfn_of(page_c) << 12) | 0x21, UVMF_INVLPG);
	grant(MY_REF, mfn_of(page_c), GTF_permit_access);
	st = map(self_id, MY_REF, RT_PTR(map_window), GNTMAP_host_map, &h);
	pin.arg1.mfn = mfn_of(page_c);
	tc_check(rc == 0 && st == GNTST_okay, "page_c read-only in our image, grant-mapped writable (%ld, %d)", rc, st);
	rc = hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	tc_check(rc != 0, "pinning a grant-mapped writable frame as L1: refused (%ld)", rc);
	/* Revoke is refused while mapped; a map of a revoked entry is refused. */
	uint16_t expect = GTF_permit_access;
	tc_check(!__atomic_compare_exchange_n(&table[MY_REF].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST), "revoke while mapped fails");
	unmap(RT_PTR(map_window), h);
	rc = hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	tc_check(rc == 0, "once unmapped the same pin works (%ld)", rc);
	pin.cmd = MMUEXT_UNPIN_TABLE;
	hyp_mmuext_op(RT_PTR(&pin), 1, 0, DOMID_SELF);
	hyp_update_va_mapping(RT_PTR(page_c), (mfn_of(page_c) << 12) | PTE_RW, UVMF_INVLPG);
	table[MY_REF].flags = 0;
	st = map(self_id, MY_REF, RT_PTR(map_window), GNTMAP_host_map, NULL);
	tc_check(st == GNTST_general_error, "a map of the revoked entry: GNTST_general_error (%d)", st);
}

/* The guest removes the grant PTE itself: the unmap is refused, nothing leaks (checked at teardown). */
static void attack_implicit_unmap(void)
{
	grant_handle_t h = 0;
	int16_t st;
	long rc;

	grant(MY_REF, mfn_of(page_a), GTF_permit_access);
	st = map(self_id, MY_REF, RT_PTR(map_window), GNTMAP_host_map, &h);
	rc = hyp_update_va_mapping(RT_PTR(map_window), 0, UVMF_INVLPG);
	tc_check(st == GNTST_okay && rc == 0, "the grant PTE overwritten by the guest (%d, %ld)", st, rc);
	st = unmap(RT_PTR(map_window), h);
	tc_check(st == GNTST_general_error, "then unmap_grant_ref: GNTST_general_error (%d)", st);
	tc_check(table[MY_REF].flags & GTF_writing, "the use stays until teardown (%#x)", table[MY_REF].flags);
	/* A second grant mapping elsewhere, left mapped for teardown to clean. */
	grant(MY_REF + 1, mfn_of(page_b), GTF_permit_access);
	st = map(self_id, MY_REF + 1, RT_PTR(victim_window), GNTMAP_host_map, NULL);
	tc_check(st == GNTST_okay, "a grant mapping left for teardown (%d)", st);
}

static void attack_lengths_and_counts(void)
{
	struct gnttab_copy c;
	static const struct { uint16_t soff, doff, len; } bad[] = {
		{ 4095, 0, 2 }, { 0, 4095, 2 }, { 0, 0, 4097 }, { 0xffff, 0, 1 }, { 0, 0xffff, 1 },
		{ 0x8000, 0x8000, 0x8000 }, { 1, 1, 0xffff },
	};
	unsigned int refused = 0;
	long rc;

	grant(MY_REF, mfn_of(page_a), GTF_permit_access);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.source.u.ref = MY_REF;
		c.source.domid = self_id;
		c.source.offset = bad[i].soff;
		c.dest.u.gmfn = mfn_of(page_b);
		c.dest.domid = DOMID_SELF;
		c.dest.offset = bad[i].doff;
		c.len = bad[i].len;
		c.flags = GNTCOPY_source_gref;
		if (gnttab(GNTTABOP_copy, &c, 1) == 0 && c.status == GNTST_bad_copy_arg)
			refused++;
	}
	tc_check(refused == sizeof(bad) / sizeof(bad[0]), "copies crossing the page: %u of %u refused", refused,
		 (unsigned int)(sizeof(bad) / sizeof(bad[0])));
	tc_check(!(table[MY_REF].flags & (GTF_reading | GTF_writing)), "and the entry is idle (%#x)",
		 table[MY_REF].flags);
	struct gnttab_copy *ops = (struct gnttab_copy *)(void *)tail[0];
	unsigned int n = sizeof(tail[0]) / sizeof(*ops);

	for (unsigned int i = 0; i < n; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].source.u.gmfn = mfn_of(page_a);
		ops[i].source.domid = DOMID_SELF;
		ops[i].dest.u.gmfn = mfn_of(page_b);
		ops[i].dest.domid = DOMID_SELF;
		ops[i].status = 0x5555;
	}
	rc = hyp_update_va_mapping(RT_PTR(tail[1]), 0, UVMF_INVLPG);
	if (rc == 0)
		rc = gnttab(GNTTABOP_copy, ops, n + 1);
	tc_check(rc == -XEN_EFAULT && ops[0].status == GNTST_okay && ops[n - 1].status == GNTST_okay,
		 "a batch running into an unmapped page: the %u mapped copies done, then -EFAULT (%ld)", n, rc);
	for (unsigned int i = 0; i < n; i++)
		ops[i].status = 0x5555;
	rc = gnttab(GNTTABOP_copy, ops, 0x7fffffffULL);
	tc_check(rc == -XEN_EFAULT && ops[n - 1].status == GNTST_okay,
		 "a batch of 2^31-1 copies: done up to the unmapped page, then -EFAULT (%ld)", rc);
	rc = gnttab(GNTTABOP_map_grant_ref, &c, 0x80000000ULL);
	tc_expect_eq(rc, -XEN_EINVAL, "a batch count of 2^31");
	rc = gnttab(GNTTABOP_copy, (void *)(uintptr_t)RT_BAD_PTR_HYPERVISOR, 4);
	tc_expect_eq(rc, -XEN_EFAULT, "an op array in the hypervisor's range");
	uint64_t dummy;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_BAD_PTR_HYPERVISOR };
	st.status = 0x5555;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	/* As Xen 4.17 (difftest_rows): a list starting outside the guest's addresses is refused before anything. */
	tc_check(rc == -XEN_EFAULT && st.status == 0x5555,
		 "setup_table with its frame list in the hypervisor's range: -EFAULT, nothing written (%ld, %#x)", rc,
		 (unsigned int)(uint16_t)st.status);
	st.frame_list = RT_BAD_PTR_UNMAPPED;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	tc_check(rc == 0 && st.status == GNTST_bad_virt_addr,
		 "setup_table writing its frame list to an unmapped page: GNTST_bad_virt_addr (%d)", st.status);
	st.frame_list = RT_PTR(&dummy);
	st.nr_frames = 0xffffffff;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	tc_check(rc == 0 && st.status == GNTST_general_error, "setup_table of 2^32-1 frames: GNTST_general_error (%d)",
		 st.status);
	table[MY_REF].flags = 0;
}

void test_main(void)
{
	uint64_t frame = 0;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_PTR(&frame) };

	/* dom0 and domain 1 unless the command line says otherwise (self=, other=: whoever built us decides). */
	self_id = (domid_t)sec_cmdline_num("self=", (rt_boot.si->flags & SIF_INITDOMAIN) ? 0 : 1);
	other_id = (domid_t)sec_cmdline_num("other=", self_id ? 0 : 1);
	if (gnttab(GNTTABOP_setup_table, &st, 1) != 0 || st.status != GNTST_okay ||
	    hyp_update_va_mapping(RT_PTR(table_window), (frame << 12) | PTE_RW, UVMF_INVLPG) != 0) {
		tc_fail("cannot set up our own grant table");
		return;
	}
	table = (volatile struct grant_entry_v1 *)table_window;
	/* The other boot domain may not be built yet when we start: wait until it exists. */
	for (unsigned long i = 0; i < 10000000; i++) {
		struct gnttab_query_size q = { .dom = other_id };

		if (gnttab(GNTTABOP_query_size, &q, 1) == 0 && q.status != GNTST_bad_domain)
			break;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	attack_foreign_refs();
	attack_mfn_sweep();
	attack_foreign_grant_frames();
	attack_host_addresses();
	attack_types();
	attack_lengths_and_counts();
	attack_implicit_unmap();
}

/* SPDX-License-Identifier: MIT */
/*
 * grant_xfer (hostile-guest suite, Skiff): GNTTABOP_transfer aimed at
 * another domain. domU1 gives one page back (room for exactly one more)
 * and offers dom0 accept_transfer entries: one with a stale completed bit,
 * one with GTF_readonly added, one accepting from domain 5, and two honest
 * ones; it also grants dom0 a page to map. dom0 tries to give away domU1's
 * frame (mapped through the grant), its own pages into the forged entries,
 * a ref past domU1's table and a permit_access entry while domU1 has room,
 * then one page into an honest entry (it arrives) and one into the other
 * (domU1 is now at its limit), a count with the sign bit and a batch of
 * 512 frames it does not own. Every answer is Xen 4.17's (GNTST_bad_page
 * for the frames, GNTST_general_error for the entries and the limit);
 * domU1's page and forged entries end unchanged and it finds dom0's bytes
 * in the frame it received, dom0's refused pages are freed (as Xen 4.17
 * does: they can no longer be mapped, and dom0's reservation falls by each),
 * and every frame comes back at teardown.
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "rt_grant.h"
#include "test.h"
#include "../guests/sec_util.h"

#define PTE_RW		0x063ULL
#define PTE_RO		0x021ULL
#define X_MAP		16	/* domU1's refs, all for dom0 */
#define X_STALE		17
#define X_RO		18
#define X_OTHER		19
#define X_OK		20	/* honest: takes the one page domU1 has room for */
#define X_FULL		21	/* honest, but domU1 is at its limit by then */
#define X_READY		22
#define M_PAGE		40	/* dom0's, for domU1: DONE appears in it */
#define SPARES		6
#define BATCH		512
#define DONE		0x454e4f44ULL

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[4096] __attribute__((aligned(4096)));
static uint8_t map_window[4096] __attribute__((aligned(4096)));
static uint8_t spare[SPARES][4096] __attribute__((aligned(4096)));
static uint8_t room[4096] __attribute__((aligned(4096)));
static uint8_t full_page[4096] __attribute__((aligned(4096)));
static struct gnttab_transfer batch[BATCH];
static volatile struct grant_entry_v1 *v1;
static volatile struct shared_info *sh;

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

static bool setup_v1(void)
{
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("grant table set-up failed (%ld)", rc);
		return false;
	}
	v1 = (volatile struct grant_entry_v1 *)table_window;
	return true;
}

static void grant(grant_ref_t ref, domid_t to, uint32_t frame, uint16_t flags)
{
	v1[ref].domid = to;
	v1[ref].frame = frame;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v1[ref].flags = flags;
}

/* 8 bytes of ref of dom into scratch. */
static int16_t peek(domid_t dom, grant_ref_t ref)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	c.source.u.ref = ref;
	c.source.domid = dom;
	c.dest.u.gmfn = sec_mfn_of(scratch);
	c.dest.domid = DOMID_SELF;
	c.len = 8;
	c.flags = GNTCOPY_source_gref;
	if (gnttab(GNTTABOP_copy, &c, 1) != 0)
		return 0x7fff;
	return c.status;
}

static uint8_t pattern(unsigned int i, uint8_t seed)
{
	return (uint8_t)(seed + i * 29);
}

static const struct {
	grant_ref_t ref;
	domid_t to;
	uint32_t frame;
	uint16_t flags;
} offers[] = {
	{ X_STALE, 0, 0x111, GTF_accept_transfer | GTF_transfer_completed },
	{ X_RO, 0, 0x112, GTF_accept_transfer | GTF_readonly },
	{ X_OTHER, 5, 0x113, GTF_accept_transfer },
	{ X_FULL, 0, 0x114, GTF_accept_transfer },
};
#define XFER_BYTES	"page given by domain 0"
#define NR_OFFERS	(sizeof(offers) / sizeof(offers[0]))

/* domU1: offers, waits for dom0's DONE, checks nothing of its own moved. */
static void receiver(void)
{
	uint64_t t0;
	bool done = false, revoked = false;

	uint64_t mfn = sec_mfn_of(room);
	struct xen_memory_reservation res = { .extent_start = RT_PTR(&mfn), .nr_extents = 1, .domid = DOMID_SELF };
	long rc;

	if (!setup_v1())
		return;
	for (unsigned int i = 0; i < 4096; i++)
		page[i] = pattern(i, 0x21);
	/* Room for one page under our limit, as a Xen receiver needs. */
	rc = hyp_update_va_mapping(RT_PTR(room), 0, UVMF_INVLPG);
	if (rc == 0)
		rc = hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&res));
	tc_check(rc == 1, "domU1: one page given back to make room (%ld)", rc);
	grant(X_OK, 0, 0x115, GTF_accept_transfer);
	for (unsigned int i = 0; i < NR_OFFERS; i++)
		grant(offers[i].ref, offers[i].to, offers[i].frame, offers[i].flags);
	grant(X_MAP, 0, (uint32_t)sec_mfn_of(page), GTF_permit_access);
	grant(X_READY, 0, (uint32_t)sec_mfn_of(page), GTF_permit_access | GTF_readonly);	/* last: dom0 waits for it */
	t0 = now_ns();
	while (!done && now_ns() - t0 < 60000000000ULL) {
		done = peek(0, M_PAGE) == GNTST_okay && memcmp(scratch, &(uint64_t){ DONE }, 8) == 0;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_check(done, "domU1: dom0 finished");
	unsigned int changed = 0;

	for (unsigned int i = 0; i < 4096; i++)
		changed += page[i] != pattern(i, 0x21);
	tc_check(changed == 0, "domU1: its page is unchanged (%u bytes differ)", changed);
	for (unsigned int i = 0; i < NR_OFFERS; i++)
		tc_check(v1[offers[i].ref].flags == offers[i].flags && v1[offers[i].ref].frame == offers[i].frame,
			 "domU1: entry %u neither committed nor filled (%#x, %#x)", offers[i].ref,
			 v1[offers[i].ref].flags, v1[offers[i].ref].frame);
	tc_check(v1[X_MAP].flags == GTF_permit_access, "domU1: the mapped grant is idle again (%#x)", v1[X_MAP].flags);
	tc_check(v1[X_OK].flags == (GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed),
		 "domU1: the honest entry took a page (%#x)", v1[X_OK].flags);
	mfn = v1[X_OK].frame;
	rc = hyp_update_va_mapping(RT_PTR(room), (mfn << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc == 0 && memcmp(room, XFER_BYTES, sizeof(XFER_BYTES)) == 0,
		 "domU1: the frame it received is its own and holds dom0's bytes (%ld)", rc);
	/* The answer dom0 waits for: X_READY revoked. */
	t0 = now_ns();
	while (!revoked && now_ns() - t0 < 30000000000ULL) {
		uint16_t idle = GTF_permit_access | GTF_readonly;

		revoked = __atomic_compare_exchange_n(&v1[X_READY].flags, &idle, 0, false, __ATOMIC_SEQ_CST,
						      __ATOMIC_SEQ_CST);
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_check(revoked, "domU1: X_READY revoked at the end");
}

static int16_t transfer1(uint64_t mfn, domid_t to, grant_ref_t ref)
{
	struct gnttab_transfer t = { .mfn = mfn, .domid = to, .ref = ref, .status = 0x5555 };

	if (gnttab(GNTTABOP_transfer, &t, 1) != 0)
		return 0x7fff;
	return t.status;
}

/* dom0: domU1's frame through a mapping, then its own unmapped pages into every entry. */
static void attacker(void)
{
	struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = GNTMAP_host_map | GNTMAP_device_map,
					  .ref = X_MAP, .dom = 1 };
	struct gnttab_unmap_grant_ref u;
	uint64_t t0, theirs;
	bool ready = false;
	int16_t st;
	long rc;

	if (!setup_v1())
		return;
	grant(M_PAGE, 1, (uint32_t)sec_mfn_of(page), GTF_permit_access | GTF_readonly);
	t0 = now_ns();
	while (!ready && now_ns() - t0 < 30000000000ULL) {
		ready = peek(1, X_READY) == GNTST_okay;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	if (!ready) {
		tc_fail("dom0: domU1's grants never appeared");
		return;
	}
	rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);
	tc_check(rc == 0 && m.status == GNTST_okay, "dom0: domU1's page mapped (%ld, %d)", rc, m.status);
	theirs = m.dev_bus_addr >> 12;
	st = transfer1(theirs, 1, X_FULL);
	tc_check(st == GNTST_bad_page, "dom0: domU1's own frame back to it: GNTST_bad_page (%d)", st);
	st = transfer1(theirs, 0, 0);
	tc_check(st == GNTST_bad_page, "dom0: domU1's frame to ourselves: GNTST_bad_page (%d)", st);
	/* Our pages, unmapped first so only the transfer could take them. */
	long before = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));

	rc = hyp_update_va_mapping(RT_PTR(full_page), 0, UVMF_INVLPG);
	tc_check(rc == 0, "dom0: the page for the full receiver unmapped (%ld)", rc);
	for (unsigned int i = 0; i < SPARES; i++) {
		for (unsigned int b = 0; b < 4096; b++)
			spare[i][b] = pattern(b, (uint8_t)(0x40 + i));
		if (i == SPARES - 1)
			memcpy(spare[i], XFER_BYTES, sizeof(XFER_BYTES));
		rc = hyp_update_va_mapping(RT_PTR(spare[i]), 0, UVMF_INVLPG);
		tc_check(rc == 0, "dom0: spare %u unmapped (%ld)", i, rc);
	}
	/* While domU1 has room: only the entries can refuse. The last spare goes into the honest entry. */
	static const struct { grant_ref_t ref; int16_t st; const char *what; } into[SPARES] = {
		{ X_STALE, GNTST_general_error, "an entry with a stale completed bit" },
		{ X_RO, GNTST_general_error, "an entry with GTF_readonly added" },
		{ X_OTHER, GNTST_general_error, "an entry accepting from domain 5" },
		{ 0x7fffffff, GNTST_general_error, "a ref past domU1's table" },
		{ X_MAP, GNTST_general_error, "a permit_access entry" },
		{ X_OK, GNTST_okay, "the honest entry, into domU1's room" },
	};
	for (unsigned int i = 0; i < SPARES; i++) {
		st = transfer1(sec_mfn_of(spare[i]), 1, into[i].ref);
		tc_check(st == into[i].st, "dom0: %s: status %d (want %d)", into[i].what, st, into[i].st);
	}
	/* domU1 is full now: an honest entry refuses too, and the page is freed. */
	st = transfer1(sec_mfn_of(full_page), 1, X_FULL);
	tc_check(st == GNTST_general_error, "dom0: an honest entry of a receiver at its limit: GNTST_general_error (%d)",
		 st);
	/* A batch of frames that are not ours (domU1's, the hypervisor's, past memory), and a negative count. */
	for (unsigned int i = 0; i < BATCH; i++)
		batch[i] = (struct gnttab_transfer){ .mfn = i % 3 == 0 ? theirs : i % 3 == 1 ? 0x100 + i : (1ULL << 40) + i,
						     .domid = 1, .ref = X_FULL, .status = 0x5555 };
	rc = gnttab(GNTTABOP_transfer, batch, BATCH);
	unsigned int bad = 0;

	for (unsigned int i = 0; i < BATCH; i++)
		bad += batch[i].status != GNTST_bad_page;
	tc_check(rc == 0 && bad == 0, "dom0: 512 foreign or missing frames in one call: all GNTST_bad_page (%ld, %u)",
		 rc, bad);
	batch[0].status = 0x5555;
	rc = gnttab(GNTTABOP_transfer, batch, 0x80000000ULL);
	tc_check(rc == -XEN_EINVAL && batch[0].status == 0x5555, "dom0: count 2^31: -EINVAL, nothing read (%ld)", rc);
	/* The given page is domU1's; each refused one was freed, as Xen 4.17 frees it: none maps again. */
	rc = hyp_update_va_mapping(RT_PTR(spare[SPARES - 1]), (sec_mfn_of(spare[SPARES - 1]) << 12) | PTE_RW, UVMF_INVLPG);
	tc_check(rc != 0, "dom0: the page it gave away is not its to map any more (%ld)", rc);
	for (unsigned int i = 0; i <= SPARES - 1; i++) {
		uint8_t *va = i < SPARES - 1 ? spare[i] : full_page;

		rc = hyp_update_va_mapping(RT_PTR(va), (sec_mfn_of(va) << 12) | PTE_RW, UVMF_INVLPG);
		tc_check(rc != 0, "dom0: refused page %u was freed, not ours to map (%ld)", i, rc);
	}
	rc = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
	tc_check(rc == before - (SPARES + 1), "dom0: its reservation fell by the %u pages it sent or lost (%ld, was %ld)",
		 SPARES + 1, rc, before);
	u = (struct gnttab_unmap_grant_ref){ .host_addr = RT_PTR(map_window), .dev_bus_addr = m.dev_bus_addr,
					     .handle = m.handle };
	rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
	tc_check(rc == 0 && u.status == GNTST_okay, "dom0: domU1's page unmapped (%ld, %d)", rc, u.status);
	__atomic_store_n((uint64_t *)page, DONE, __ATOMIC_SEQ_CST);
	t0 = now_ns();
	while (peek(1, X_READY) == GNTST_okay && now_ns() - t0 < 60000000000ULL)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(peek(1, X_READY) != GNTST_okay, "dom0: domU1 answered");
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
		receiver();
}

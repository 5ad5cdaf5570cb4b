/* SPDX-License-Identifier: MIT */
/*
 * grant_race (hostile-guest suite, Skiff): a granter that grants and
 * revokes one ref as fast as it can, switching it between two pages,
 * against a mapper on the other CPU that maps, reads, copies and unmaps it
 * in a loop. The mapper is dom0 or the guest given "mapper=1" (its granter
 * is domain "granter=N", default 1); the granter grants ref RACE_REF to
 * domain "peer=N" (default 0). Both domUs of our dom0 in security.grants_race.
 *
 * The granter stamps a page "live" before granting it and "dead" right
 * after each revoke that succeeds (Linux's cmpxchg protocol). So the
 * mapper must never see "dead" through a mapping it holds or in a copy it
 * made: that would mean a revoke succeeded while the hypervisor still had
 * the page in use. Nothing may crash, and every frame must come back.
 * The mapper also copies in batches of COPY_BATCH pieces of the same ref,
 * which the hypervisor pins once for the whole batch: every piece must
 * still be live, and the pin must go with the batch (the granter keeps
 * flipping the entry).
 */
#include <stdbool.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/sched.h>
#include "rt_grant.h"
#include "test.h"
#include "../guests/sec_util.h"

#define RACE_REF	20
#define STAMP_LIVE_A	0x4c495645414141ULL	/* "LIVEAAA" */
#define STAMP_LIVE_B	0x4c495645424242ULL
#define STAMP_DEAD	0x44454144444444ULL	/* "DEADDDD" */
#define COPY_BATCH	16

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint64_t pages[2][512] __attribute__((aligned(4096)));
static uint64_t map_window[512] __attribute__((aligned(4096)));
static uint64_t copy_dst[512] __attribute__((aligned(4096)));
static volatile struct shared_info *sh;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long gnttab(uint64_t cmd, void *ops, uint64_t count)
{
	return rt_hypercall3(__HYPERVISOR_grant_table_op, cmd, RT_PTR(ops), count);
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

static bool live(uint64_t v)
{
	return v == STAMP_LIVE_A || v == STAMP_LIVE_B;
}

static void granter(void)
{
	volatile struct grant_entry_v1 *e;
	uint64_t end, grants = 0, busy = 0;
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("granter: grant table set-up failed (%ld)", rc);
		return;
	}
	e = &((volatile struct grant_entry_v1 *)table_window)[RACE_REF];
	end = now_ns() + 8000000000ULL;
	while (now_ns() < end) {
		unsigned int which = (unsigned int)(grants & 1);
		volatile uint64_t *p = pages[which];
		uint16_t expect = GTF_permit_access;

		p[0] = which ? STAMP_LIVE_B : STAMP_LIVE_A;
		e->domid = (uint16_t)sec_cmdline_num("peer=", 0);
		e->frame = (uint32_t)mfn_of(pages[which]);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		e->flags = GTF_permit_access;
		grants++;
		for (volatile int spin = 0; spin < (int)(grants % 64); spin++)
			;
		/* Revoke; while the mapper holds it the cmpxchg fails and we try again. */
		while (!__atomic_compare_exchange_n(&e->flags, &expect, 0, false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST)) {
			expect = GTF_permit_access;
			busy++;
		}
		p[0] = STAMP_DEAD;
	}
	rt_printf("granter: %llu grants, %llu revokes found the entry busy\n", (unsigned long long)grants,
		  (unsigned long long)busy);
	tc_check(grants > 1000, "granter: flipped the entry %llu times", (unsigned long long)grants);
}

/* COPY_BATCH pieces of RACE_REF's first word, each to its own word of copy_dst; the pieces that arrived, or dead ones counted. */
static uint64_t copy_batch(uint64_t *dead)
{
	static struct gnttab_copy b[COPY_BATCH];
	uint64_t won = 0;

	for (unsigned int i = 0; i < COPY_BATCH; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].source.u.ref = RACE_REF;
		b[i].source.domid = (domid_t)sec_cmdline_num("granter=", 1);
		b[i].dest.u.gmfn = mfn_of(copy_dst);
		b[i].dest.domid = DOMID_SELF;
		b[i].dest.offset = (uint16_t)(8 * (i + 1));
		b[i].len = 8;
		b[i].flags = GNTCOPY_source_gref;
		copy_dst[i + 1] = 0;
	}
	if (gnttab(GNTTABOP_copy, b, COPY_BATCH) != 0)
		return 0;
	for (unsigned int i = 0; i < COPY_BATCH; i++) {
		if (b[i].status != GNTST_okay)
			continue;
		won++;
		if (!live(copy_dst[i + 1]))
			(*dead)++;
	}
	return won;
}

static void mapper(void)
{
	uint64_t end, maps = 0, copies = 0, batched = 0, refused = 0, dead = 0, t0;
	struct gnttab_copy c;

	/* Wait for the granter to exist and have a table. */
	t0 = now_ns();
	while (now_ns() - t0 < 30000000000ULL) {
		struct gnttab_copy w = { .source.u.ref = RACE_REF, .source.domid = (domid_t)sec_cmdline_num("granter=", 1),
					 .dest.u.gmfn = mfn_of(copy_dst), .dest.domid = DOMID_SELF, .len = 8,
					 .flags = GNTCOPY_source_gref };

		if (gnttab(GNTTABOP_copy, &w, 1) == 0 && w.status == GNTST_okay)
			break;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	end = now_ns() + 6000000000ULL;
	while (now_ns() < end) {
		struct gnttab_map_grant_ref m = { .host_addr = RT_PTR(map_window), .flags = GNTMAP_host_map,
						  .ref = RACE_REF, .dom = (domid_t)sec_cmdline_num("granter=", 1) };
		struct gnttab_unmap_grant_ref u = { .host_addr = RT_PTR(map_window) };

		if (gnttab(GNTTABOP_map_grant_ref, &m, 1) == 0 && m.status == GNTST_okay) {
			volatile uint64_t *w = map_window;
			uint64_t first = w[0];

			for (volatile int spin = 0; spin < 200; spin++)
				;
			if (!live(first) || !live(w[0]))
				dead++;
			u.handle = m.handle;
			if (gnttab(GNTTABOP_unmap_grant_ref, &u, 1) != 0 || u.status != GNTST_okay)
				tc_fail("mapper: unmap of a live mapping failed (%d)", u.status);
			maps++;
		} else {
			refused++;
		}
		memset(&c, 0, sizeof(c));
		c.source.u.ref = RACE_REF;
		c.source.domid = (domid_t)sec_cmdline_num("granter=", 1);
		c.dest.u.gmfn = mfn_of(copy_dst);
		c.dest.domid = DOMID_SELF;
		c.len = 8;
		c.flags = GNTCOPY_source_gref;
		copy_dst[0] = 0;
		if (gnttab(GNTTABOP_copy, &c, 1) == 0 && c.status == GNTST_okay) {
			copies++;
			if (!live(copy_dst[0]))
				dead++;
		}
		batched += copy_batch(&dead);
	}
	rt_printf("mapper: %llu maps, %llu copies, %llu batched pieces, %llu refused while revoked\n",
		  (unsigned long long)maps, (unsigned long long)copies, (unsigned long long)batched,
		  (unsigned long long)refused);
	tc_check(maps > 100 && copies > 100 && batched > 100,
		 "mapper: maps, copies and batched copies won some races (%llu, %llu, %llu)", (unsigned long long)maps,
		 (unsigned long long)copies, (unsigned long long)batched);
	tc_check(dead == 0, "mapper: never saw a revoked page through a mapping or a copy (%llu times)",
		 (unsigned long long)dead);
}

void test_main(void)
{
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_fail("cannot map shared_info (%ld)", rc);
		return;
	}
	if ((rt_boot.si->flags & SIF_INITDOMAIN) || sec_cmdline_num("mapper=", 0))
		mapper();
	else
		granter();
}

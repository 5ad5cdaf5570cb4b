/* SPDX-License-Identifier: MIT */
/* grant_table_op's decoding (hv/common/grant_op.c) over fake guest memory: counts, handles, faults, continuations, per-element status. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <pvabi/errno.h>
#include "grant_op_harness.h"
#include "test_pv_mm_util.h"

static uint32_t refs_a_before, refs_b_before;

static void setup(void)
{
	pvt_setup();
	hv_heap_init();
	grant_op_harness_reset();
	ck_assert_int_eq(gnttab_domain_init(&dom_a, 4, 0), 0);
	ck_assert_int_eq(gnttab_domain_init(&dom_b, 0, 1), 0);
	refs_a_before = dom_a.refcnt;
	refs_b_before = dom_b.refcnt;
}

static void teardown(void)
{
	/* Every domain reference the handlers took came back. */
	ck_assert_uint_eq(dom_a.refcnt, refs_a_before);
	ck_assert_uint_eq(dom_b.refcnt, refs_b_before);
	gnttab_domain_destroy(&dom_a);
	gnttab_domain_destroy(&dom_b);
	pvt_teardown();
}

static volatile struct grant_entry_v1 *v1_of(struct domain *d)
{
	return mfn_to_virt(gnttab_shared_mfn(d, 0));
}

static void grant_v1(struct domain *d, grant_ref_t ref, domid_t to, mfn_t mfn, uint16_t flags)
{
	volatile struct grant_entry_v1 *e = &v1_of(d)[ref];

	e->domid = to;
	e->frame = (uint32_t)mfn;
	e->flags = flags;
}

static long gnttab_op(uint64_t cmd, uint64_t uop, uint64_t count)
{
	return do_grant_table_op(current_vcpu(), cmd, uop, count, 0xdead, 0xbeef);
}

/* Guest-visible element i of an array of T at va. */
#define ELEM(T, va, i)	((T *)ghost((va) + (i) * sizeof(T)))

static void put_map(uint64_t va, unsigned int i, grant_ref_t ref, domid_t dom, uint32_t flags, uint64_t addr)
{
	struct gnttab_map_grant_ref *m = ELEM(struct gnttab_map_grant_ref, va, i);

	memset(m, 0, sizeof(*m));
	m->ref = ref;
	m->dom = dom;
	m->flags = flags;
	m->host_addr = addr;
	m->status = 0x5555;
	m->handle = 0xaaaaaaaa;
}

static void put_unmap(uint64_t va, unsigned int i, grant_handle_t h, uint64_t addr, uint64_t dev)
{
	struct gnttab_unmap_grant_ref *u = ELEM(struct gnttab_unmap_grant_ref, va, i);

	memset(u, 0, sizeof(*u));
	u->handle = h;
	u->host_addr = addr;
	u->dev_bus_addr = dev;
	u->status = 0x5555;
}

static const unsigned int batch_cmds[] = {
	GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref, GNTTABOP_unmap_and_replace, GNTTABOP_transfer,
	GNTTABOP_copy, GNTTABOP_swap_grant_ref, GNTTABOP_cache_flush,
};
static const unsigned int single_cmds[] = {
	GNTTABOP_setup_table, GNTTABOP_query_size, GNTTABOP_get_status_frames,
};

/* Counts: negative as int32 is -EINVAL before anything is read; the upper 32 bits are ignored; 0 does nothing. */
START_TEST(test_counts)
{
	uint64_t va = gva(0, 0);

	for (unsigned int i = 0; i < sizeof(batch_cmds) / sizeof(batch_cmds[0]); i++) {
		copy_from_calls = 0;
		ck_assert_int_eq(gnttab_op(batch_cmds[i], va, 0x80000000u), -XEN_EINVAL);
		ck_assert_int_eq(gnttab_op(batch_cmds[i], va, 0xffffffffu), -XEN_EINVAL);
		ck_assert_int_eq(gnttab_op(batch_cmds[i], va, 0xffffffff80000000ull), -XEN_EINVAL);
		/* 2^40 is 0 as a 32-bit count: nothing to do, and nothing read even from a bad array. */
		ck_assert_int_eq(gnttab_op(batch_cmds[i], va, 1ull << 40), 0);
		ck_assert_int_eq(gnttab_op(batch_cmds[i], 0, 0), 0);
		/* ...but where the array starts is checked even then, as Xen 4.17 (conformance.difftest_rows). */
		ck_assert_int_eq(gnttab_op(batch_cmds[i], G_HV_VA, 1ull << 32), -XEN_EFAULT);
		ck_assert_uint_eq(copy_from_calls, 0);
		/* A count with an array the guest cannot own. */
		ck_assert_int_eq(gnttab_op(batch_cmds[i], G_HV_VA, 1), -XEN_EFAULT);
		ck_assert_int_eq(gnttab_op(batch_cmds[i], 0x0000800000000000ull, 3), -XEN_EFAULT);
		ck_assert_int_eq(gnttab_op(batch_cmds[i], gva(G_HOLE, 0), 1), -XEN_EFAULT);
	}
	/* The single-struct ops take exactly one. */
	for (unsigned int i = 0; i < sizeof(single_cmds) / sizeof(single_cmds[0]); i++) {
		ck_assert_int_eq(gnttab_op(single_cmds[i], va, 0), -XEN_EINVAL);
		ck_assert_int_eq(gnttab_op(single_cmds[i], va, 2), -XEN_EINVAL);
		ck_assert_int_eq(gnttab_op(single_cmds[i], va, 0x80000001u), -XEN_EINVAL);
		ck_assert_int_eq(gnttab_op(single_cmds[i], G_HV_VA, 1), -XEN_EFAULT);
	}
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	ck_assert_uint_eq(conts, 0);
}
END_TEST

/* Commands: unknown ones are -ENOSYS; bits above the op are -EINVAL except for cache_flush's cursor. */
START_TEST(test_cmds)
{
	struct gnttab_cache_flush *cf = ELEM(struct gnttab_cache_flush, gva(0, 0), 0);
	mfn_t page = pvt_alloc(&dom_b);

	ck_assert_int_eq(gnttab_op(GNTTABOP_dump_table, gva(0, 0), 1), -XEN_ENOSYS);
	ck_assert_int_eq(gnttab_op(13, gva(0, 0), 1), -XEN_ENOSYS);
	ck_assert_int_eq(gnttab_op(0xfff, gva(0, 0), 1), -XEN_ENOSYS);
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref | 0x1000, gva(0, 0), 0), -XEN_EINVAL);
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy | 0x80000000u, gva(0, 0), 0), -XEN_EINVAL);
	/* The upper half of the register is not part of cmd. */
	ck_assert_int_eq(gnttab_op((1ull << 32) | GNTTABOP_query_size, gva(0, 0), 1), 0);
	cf->a.dev_bus_addr = (uint64_t)page << PAGE_SHIFT;
	cf->length = 64;
	cf->op = GNTTAB_CACHE_CLEAN;
	ck_assert_int_eq(gnttab_op(GNTTABOP_cache_flush | (7u << 12), gva(0, 0), 1), 0);
	ck_assert_uint_eq(arch_cleans, 1);
}
END_TEST

/* Each map element gets its own status; failures hold nothing, successes a handle each. */
START_TEST(test_map_partial)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	static const struct {
		grant_ref_t ref;
		domid_t dom;
		uint32_t flags;
		uint64_t addr;
		int16_t status;
	} e[] = {
		{ 5, 1, GNTMAP_host_map, MAP_ADDR, GNTST_okay },
		{ 512, 1, GNTMAP_host_map, MAP_ADDR, GNTST_bad_gntref },	/* past the table */
		{ 0xffffffff, 1, GNTMAP_host_map, MAP_ADDR, GNTST_bad_gntref },
		{ 5, 77, GNTMAP_host_map, MAP_ADDR, GNTST_bad_domain },
		{ 5, DOMID_SELF, GNTMAP_host_map, MAP_ADDR, GNTST_bad_domain },	/* the granter is named by id */
		{ 5, 1, 0, MAP_ADDR, GNTST_bad_gntref },			/* neither host nor device map */
		{ 6, 1, GNTMAP_host_map, MAP_ADDR, GNTST_general_error },	/* not granted */
		{ 7, 1, GNTMAP_host_map, MAP_ADDR, GNTST_general_error },	/* read-only grant, writable map */
		{ 7, 1, GNTMAP_host_map | GNTMAP_readonly, MAP_ADDR, GNTST_okay },
		{ 5, 1, GNTMAP_host_map, BAD_ADDR, GNTST_general_error },	/* the arch refuses the address */
		{ 5, 1, GNTMAP_device_map, 0, GNTST_okay },
	};
	const unsigned int n = sizeof(e) / sizeof(e[0]);

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	grant_v1(&dom_a, 7, dom_b.domid, page, GTF_permit_access | GTF_readonly);
	for (unsigned int i = 0; i < n; i++)
		put_map(va, i, e[i].ref, e[i].dom, e[i].flags, e[i].addr);
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		struct gnttab_map_grant_ref *m = ELEM(struct gnttab_map_grant_ref, va, i);

		ck_assert_msg(m->status == e[i].status, "element %u: status %d, want %d", i, m->status, e[i].status);
		/* The inputs are written back as the guest gave them. */
		ck_assert_uint_eq(m->ref, e[i].ref);
		ck_assert_uint_eq(m->host_addr, e[i].addr);
		if (e[i].status != GNTST_okay)
			ck_assert_uint_eq(m->handle, 0xaaaaaaaa);
	}
	/* Three live handles, all distinct; device maps return the bus address, host maps 0. */
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 3);
	ck_assert_uint_ne(ELEM(struct gnttab_map_grant_ref, va, 0)->handle, ELEM(struct gnttab_map_grant_ref, va, 8)->handle);
	ck_assert_uint_ne(ELEM(struct gnttab_map_grant_ref, va, 0)->handle, ELEM(struct gnttab_map_grant_ref, va, 10)->handle);
	ck_assert_uint_eq(ELEM(struct gnttab_map_grant_ref, va, 0)->dev_bus_addr, 0);
	ck_assert_uint_eq(ELEM(struct gnttab_map_grant_ref, va, 10)->dev_bus_addr, (uint64_t)page << PAGE_SHIFT);
	ck_assert_uint_eq(arch_maps, 2);
	/* Refs 5 (twice) and 7 pinned; 6 untouched. */
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_uint_eq(v1_of(&dom_a)[7].flags, GTF_permit_access | GTF_readonly | GTF_reading);
	ck_assert_uint_eq(v1_of(&dom_a)[6].flags, 0);
	gnttab_release_mappings(&dom_b);
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access);
	ck_assert(pvt_unused(page));
}
END_TEST

/* A fault ends a batch with -EFAULT; the elements before it are done and their status written. */
START_TEST(test_map_fault)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(G_HOLE, 0) - 2 * sizeof(struct gnttab_map_grant_ref);

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	put_map(va, 0, 5, 1, GNTMAP_host_map, MAP_ADDR);
	put_map(va, 1, 5, 1, GNTMAP_host_map | GNTMAP_readonly, MAP_ADDR);
	/* A count far past the array: the third element is in the hole. */
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 0x7fffffff), -XEN_EFAULT);
	ck_assert_int_eq(ELEM(struct gnttab_map_grant_ref, va, 0)->status, GNTST_okay);
	ck_assert_int_eq(ELEM(struct gnttab_map_grant_ref, va, 1)->status, GNTST_okay);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 2);
	/* An element straddling into the hole: nothing of it is done. */
	va = gva(G_HOLE, 0) - sizeof(struct gnttab_map_grant_ref) - 8;
	put_map(va, 0, 5, 1, GNTMAP_host_map, MAP_ADDR);
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 2), -XEN_EFAULT);
	ck_assert_int_eq(ELEM(struct gnttab_map_grant_ref, va, 0)->status, GNTST_okay);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 3);
	/*
	 * A status that cannot be written back (read-only array): the map is
	 * done and stays (as on Xen: the guest lost its handle, teardown
	 * releases it), and the batch ends there.
	 */
	va = gva(G_RO, 0);
	put_map(gva(0, 0), 0, 5, 1, GNTMAP_host_map, MAP_ADDR);
	memcpy(ghost(va), ghost(gva(0, 0)), sizeof(struct gnttab_map_grant_ref));
	memcpy(ghost(va + 32), ghost(gva(0, 0)), sizeof(struct gnttab_map_grant_ref));
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 2), -XEN_EFAULT);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 4);
	gnttab_release_mappings(&dom_b);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	ck_assert(pvt_unused(page));
}
END_TEST

/* The mapper's maptrack is bounded: past it, GNTST_no_device_space, and nothing is pinned for the refused map. */
START_TEST(test_map_no_space)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	unsigned int ok = 0;
	int16_t st = GNTST_okay;

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	put_map(va, 0, 5, 1, GNTMAP_host_map | GNTMAP_readonly, MAP_ADDR);
	for (unsigned int i = 0; i < 10000 && st == GNTST_okay; i++) {
		ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 1), 0);
		st = ELEM(struct gnttab_map_grant_ref, va, 0)->status;
		ok += st == GNTST_okay;
	}
	ck_assert_int_eq(st, GNTST_no_device_space);
	ck_assert_uint_gt(ok, 0);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), ok);
	ck_assert_uint_eq(pvt_gen(page), ok);
	gnttab_release_mappings(&dom_b);
	ck_assert(pvt_unused(page));
}
END_TEST

static grant_handle_t map_one_ok(grant_ref_t ref, uint32_t flags, uint64_t addr)
{
	uint64_t va = gva(5, 0);
	struct gnttab_map_grant_ref *m = ELEM(struct gnttab_map_grant_ref, va, 0);

	put_map(va, 0, ref, dom_a.domid, flags, addr);
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 1), 0);
	ck_assert_int_eq(m->status, GNTST_okay);
	return m->handle;
}

/* Unmap: bad, forged and stale handles, a wrong address or bus address, each with its own status. */
START_TEST(test_unmap_handles)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	grant_handle_t h, hd;

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	h = map_one_ok(5, GNTMAP_host_map, MAP_ADDR);
	hd = map_one_ok(5, GNTMAP_host_map | GNTMAP_device_map, MAP_ADDR);
	put_unmap(va, 0, 0xffffffff, MAP_ADDR, 0);
	put_unmap(va, 1, 0x7fff, MAP_ADDR, 0);		/* past the maptrack */
	put_unmap(va, 2, 5, MAP_ADDR, 0);			/* a free slot of the maptrack */
	put_unmap(va, 3, h, MAP_ADDR + 8, 0);		/* the slot does not hold it */
	put_unmap(va, 4, hd, 0, (uint64_t)(page + 1) << PAGE_SHIFT);	/* wrong bus address */
	put_unmap(va, 5, h, 0, (uint64_t)page << PAGE_SHIFT);	/* not a device mapping */
	put_unmap(va, 6, h, MAP_ADDR, 0);
	put_unmap(va, 7, h, MAP_ADDR, 0);			/* again */
	put_unmap(va, 8, hd, 0, (uint64_t)page << PAGE_SHIFT);	/* device half only: the handle stays */
	put_unmap(va, 9, hd, MAP_ADDR, 0);			/* host half: the handle goes */
	put_unmap(va, 10, hd, MAP_ADDR, 0);
	ck_assert_int_eq(gnttab_op(GNTTABOP_unmap_grant_ref, va, 11), 0);
	{
		static const int16_t want[] = {
			GNTST_bad_handle, GNTST_bad_handle, GNTST_bad_handle, GNTST_general_error, GNTST_bad_dev_addr,
			GNTST_bad_dev_addr, GNTST_okay, GNTST_bad_handle, GNTST_okay, GNTST_okay, GNTST_bad_handle,
		};

		for (unsigned int i = 0; i < 11; i++) {
			int16_t st = ELEM(struct gnttab_unmap_grant_ref, va, i)->status;

			ck_assert_msg(st == want[i], "element %u: status %d, want %d", i, st, want[i]);
		}
	}
	ck_assert_uint_eq(arch_unmaps, 2);
	ck_assert_uint_eq(arch_flushes, 1);	/* one for the batch */
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access);
	ck_assert(pvt_unused(page));
}
END_TEST

/* unmap_and_replace: host_addr 0 is general_error; a fault after an unmap still flushes. */
START_TEST(test_unmap_replace)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	struct gnttab_unmap_and_replace *r = ghost(va);
	grant_handle_t h;

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	h = map_one_ok(5, GNTMAP_host_map, MAP_ADDR);
	r[0] = (struct gnttab_unmap_and_replace){ .host_addr = 0, .new_addr = 0x1000, .handle = h };
	r[1] = (struct gnttab_unmap_and_replace){ .host_addr = MAP_ADDR, .new_addr = 0x1000, .handle = 99 };
	r[2] = (struct gnttab_unmap_and_replace){ .host_addr = MAP_ADDR, .new_addr = 0x1000, .handle = h };
	ck_assert_int_eq(gnttab_op(GNTTABOP_unmap_and_replace, va, 3), 0);
	ck_assert_int_eq(r[0].status, GNTST_general_error);
	ck_assert_int_eq(r[1].status, GNTST_bad_handle);
	ck_assert_int_eq(r[2].status, GNTST_okay);
	ck_assert_uint_eq(arch_flushes, 1);
	/* An unmap whose status cannot be written: done, flushed, -EFAULT. */
	h = map_one_ok(5, GNTMAP_host_map, MAP_ADDR);
	va = gva(G_RO, 0);
	((struct gnttab_unmap_grant_ref *)ghost(va))->handle = h;
	((struct gnttab_unmap_grant_ref *)ghost(va))->host_addr = MAP_ADDR;
	ck_assert_int_eq(gnttab_op(GNTTABOP_unmap_grant_ref, va, 1), -XEN_EFAULT);
	ck_assert_uint_eq(arch_flushes, 2);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	ck_assert(pvt_unused(page));
}
END_TEST

/*
 * A preempted batch continues with uop advanced past the elements done and
 * count reduced; run from there, every element is done exactly once (swap
 * is its own inverse, so an element done twice shows).
 */
START_TEST(test_continuation_swap)
{
	uint64_t va = gva(1, 8);
	struct gnttab_swap_grant_ref *s = ghost(va);
	const unsigned int n = 40;

	for (unsigned int i = 0; i < 2 * n; i++)
		v1_of(&dom_b)[i].frame = i;
	for (unsigned int i = 0; i < n; i++)
		s[i] = (struct gnttab_swap_grant_ref){ .ref_a = 2 * i, .ref_b = 2 * i + 1, .status = 0x5555 };
	preempt_on = 5;	/* checked before elements 1, 2, ...: the 5th check stops before element 5 */
	/* A count with upper bits set: only the low 32 count. */
	ck_assert_int_eq(gnttab_op(GNTTABOP_swap_grant_ref, va, (3ull << 32) | n), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(conts, 1);
	ck_assert_uint_eq(cont_nr, __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[0], GNTTABOP_swap_grant_ref);
	ck_assert_uint_eq(cont_args[1], va + 5 * sizeof(*s));
	ck_assert_uint_eq(cont_args[2], n - 5);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(s[i].status, i < 5 ? GNTST_okay : 0x5555);
	/* The guest re-enters with the continuation's arguments; the next stop is 3 elements later. */
	preempt_on = 3;
	preempt_checks = 0;
	ck_assert_int_eq(gnttab_op(cont_args[0], cont_args[1], cont_args[2]), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[1], va + 8 * sizeof(*s));
	ck_assert_uint_eq(cont_args[2], n - 8);
	preempt_on = 0;
	ck_assert_int_eq(gnttab_op(cont_args[0], cont_args[1], cont_args[2]), 0);
	ck_assert_uint_eq(conts, 2);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(s[i].status, GNTST_okay);
		ck_assert_uint_eq(v1_of(&dom_b)[2 * i].frame, 2 * i + 1);
		ck_assert_uint_eq(v1_of(&dom_b)[2 * i + 1].frame, 2 * i);
	}
	/* The first element of each part is done whatever the check says: a part always progresses. */
	preempt_on = 1;
	preempt_checks = 0;
	ck_assert_int_eq(gnttab_op(GNTTABOP_swap_grant_ref, va, n), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[2], n - 1);
	ck_assert_uint_eq(v1_of(&dom_b)[0].frame, 0);
	ck_assert_uint_eq(v1_of(&dom_b)[2].frame, 3);
}
END_TEST

/* A preempted unmap batch flushes what it removed before continuing; map and copy continue the same way. */
START_TEST(test_continuation_map_unmap)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	const unsigned int n = 20;
	struct gnttab_map_grant_ref *m = ghost(va);
	struct gnttab_unmap_grant_ref *u = ghost(gva(2, 0));

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	for (unsigned int i = 0; i < n; i++)
		put_map(va, i, 5, 1, GNTMAP_host_map, MAP_ADDR);
	preempt_on = 7;
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, n), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[0], GNTTABOP_map_grant_ref);
	ck_assert_uint_eq(cont_args[1], va + 7 * sizeof(*m));
	ck_assert_uint_eq(cont_args[2], n - 7);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 7);
	preempt_on = 0;
	ck_assert_int_eq(gnttab_op(cont_args[0], cont_args[1], cont_args[2]), 0);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), n);
	ck_assert_uint_eq(pvt_gen(page), n);
	for (unsigned int i = 0; i < n; i++)
		put_unmap(gva(2, 0), i, m[i].handle, MAP_ADDR, 0);
	preempt_on = 4;
	preempt_checks = 0;
	ck_assert_int_eq(gnttab_op(GNTTABOP_unmap_grant_ref, gva(2, 0), n), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[0], GNTTABOP_unmap_grant_ref);
	ck_assert_uint_eq(cont_args[1], gva(2, 0) + 4 * sizeof(*u));
	ck_assert_uint_eq(cont_args[2], n - 4);
	ck_assert_uint_eq(arch_flushes, 1);
	ck_assert_uint_eq(arch_unmaps, 4);
	preempt_on = 0;
	ck_assert_int_eq(gnttab_op(cont_args[0], cont_args[1], cont_args[2]), 0);
	ck_assert_uint_eq(arch_flushes, 2);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(u[i].status, GNTST_okay);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
	ck_assert(pvt_unused(page));
	/* unmap_and_replace continues as itself. */
	for (unsigned int i = 0; i < 3; i++)
		put_unmap(gva(2, 0), i, map_one_ok(5, GNTMAP_host_map, MAP_ADDR), MAP_ADDR, 0);
	preempt_on = 2;
	preempt_checks = 0;
	ck_assert_int_eq(gnttab_op(GNTTABOP_unmap_and_replace, gva(2, 0), 3), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[0], GNTTABOP_unmap_and_replace);
	ck_assert_uint_eq(cont_args[1], gva(2, 0) + 2 * sizeof(*u));
	ck_assert_uint_eq(cont_args[2], 1);
	preempt_on = 0;
	ck_assert_int_eq(gnttab_op(cont_args[0], cont_args[1], cont_args[2]), 0);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 0);
}
END_TEST

static void put_copy(struct gnttab_copy *c, uint16_t flags, uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst,
		     domid_t ddom, uint16_t doff, uint16_t len)
{
	*c = (struct gnttab_copy){ .flags = flags, .len = len, .status = 0x5555 };
	c->source.u.gmfn = src;
	c->source.domid = sdom;
	c->source.offset = soff;
	c->dest.u.gmfn = dst;
	c->dest.domid = ddom;
	c->dest.offset = doff;
}

/* Copy: every refusal has its status, nothing is copied or held for it, and only the status is written back. */
START_TEST(test_copy_partial)
{
	mfn_t granted = pvt_alloc(&dom_a), rogrant = pvt_alloc(&dom_a), mine = pvt_alloc(&dom_b);
	mfn_t foreign = pvt_alloc(&dom_a);
	uint64_t va = gva(1, 0);
	struct gnttab_copy *c = ghost(va), before[16];
	uint8_t *gp = mfn_to_virt(granted), *mp = mfn_to_virt(mine);
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
	static const int16_t want[] = {
		GNTST_okay, GNTST_okay, GNTST_bad_copy_arg, GNTST_bad_copy_arg, GNTST_bad_gntref, GNTST_bad_domain,
		GNTST_permission_denied, GNTST_bad_page, GNTST_bad_page, GNTST_general_error, GNTST_general_error,
		GNTST_okay, GNTST_bad_domain,
	};
	const unsigned int n = sizeof(want) / sizeof(want[0]);

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		gp[i] = (uint8_t)i, mp[i] = 0xee;
	grant_v1(&dom_a, 5, dom_b.domid, granted, GTF_permit_access);
	grant_v1(&dom_a, 6, dom_b.domid, rogrant, GTF_permit_access | GTF_readonly);
	/* 0: granted -> mine, 100 bytes at 16 -> 200. 1: mine -> granted, 8 bytes at 0 -> 4088 (to the end). */
	put_copy(&c[0], S, 5, 1, 16, mine, DOMID_SELF, 200, 100);
	put_copy(&c[1], D, mine, DOMID_SELF, 0, 5, 1, 4088, 8);
	put_copy(&c[2], S, 5, 1, 4000, mine, DOMID_SELF, 0, 97);	/* runs past the source page */
	put_copy(&c[3], S, 5, 1, 0, mine, DOMID_SELF, 0xffff, 1);	/* offset past the page */
	put_copy(&c[4], S, 0x7fffffff, 1, 0, mine, DOMID_SELF, 0, 8);
	put_copy(&c[5], S, 5, 77, 0, mine, DOMID_SELF, 0, 8);
	put_copy(&c[6], 0, foreign, 1, 0, mine, DOMID_SELF, 0, 8);	/* a frame of another domain by number */
	put_copy(&c[7], 0, foreign, DOMID_SELF, 0, mine, DOMID_SELF, 0, 8);	/* not the caller's frame */
	put_copy(&c[8], 0, 0xfffffffffull, DOMID_SELF, 0, mine, DOMID_SELF, 0, 8);	/* no such frame */
	put_copy(&c[9], D, mine, DOMID_SELF, 0, 6, 1, 0, 8);	/* write through a read-only grant */
	put_copy(&c[10], S, 7, 1, 0, mine, DOMID_SELF, 0, 8);	/* not granted */
	put_copy(&c[11], S, 6, 1, 0, mine, DOMID_SELF, 300, 0);	/* zero length */
	put_copy(&c[12], D, mine, DOMID_SELF, 0, 5, DOMID_IO, 0, 8);	/* no domain here */
	memcpy(before, c, n * sizeof(*c));
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy, va, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_msg(c[i].status == want[i], "element %u: status %d, want %d", i, c[i].status, want[i]);
		c[i].status = before[i].status;
		ck_assert_msg(memcmp(&c[i], &before[i], sizeof(*c)) == 0, "element %u changed beyond its status", i);
	}
	for (unsigned int i = 0; i < PAGE_SIZE; i++) {
		ck_assert_uint_eq(mp[i], i >= 200 && i < 300 ? (uint8_t)(i - 184) : 0xee);
		ck_assert_uint_eq(gp[i], i >= 4088 ? 0xee : (uint8_t)i);
	}
	ck_assert(pvt_unused(granted) && pvt_unused(rogrant) && pvt_unused(mine) && pvt_unused(foreign));
	for (unsigned int r = 5; r <= 7; r++)
		ck_assert_uint_eq(v1_of(&dom_a)[r].flags & (GTF_reading | GTF_writing), 0);
}
END_TEST

/* A copy array running into the hole: the elements before it are copied; a preempted copy continues. */
START_TEST(test_copy_fault_and_continue)
{
	mfn_t granted = pvt_alloc(&dom_a), mine = pvt_alloc(&dom_b);
	uint64_t va = gva(G_HOLE, 0) - 3 * sizeof(struct gnttab_copy);
	struct gnttab_copy *c = ghost(va);
	uint8_t *mp = mfn_to_virt(mine);

	memset(mfn_to_virt(granted), 0x11, PAGE_SIZE);
	grant_v1(&dom_a, 5, dom_b.domid, granted, GTF_permit_access);
	for (unsigned int i = 0; i < 3; i++)
		put_copy(&c[i], GNTCOPY_source_gref, 5, 1, 0, mine, DOMID_SELF, (uint16_t)(i * 8), 8);
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy, va, 1000), -XEN_EFAULT);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(c[i].status, GNTST_okay);
	ck_assert_uint_eq(mp[23], 0x11);
	ck_assert_uint_eq(mp[24], 0);
	/* Continuation from element 2. */
	for (unsigned int i = 0; i < 3; i++)
		c[i].status = 0x5555;
	preempt_on = 2;
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy, va, 3), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[1], va + 2 * sizeof(*c));
	ck_assert_uint_eq(cont_args[2], 1);
	ck_assert_int_eq(c[1].status, GNTST_okay);
	ck_assert_int_eq(c[2].status, 0x5555);
	ck_assert(pvt_unused(granted) && pvt_unused(mine));
}
END_TEST

/*
 * A copy batch keeps what consecutive elements share, as Xen: the granter
 * is looked up once, a ref named again stays pinned (one pin, one frame
 * reference) until an element names another, and nothing is held once the
 * call returns, continues, or stops at a fault.
 */
static mfn_t batch_granted;
static unsigned int batch_seen;
static uint16_t batch_flags[8];
static uint32_t batch_gen[8];

static void look_between_copies(void)
{
	if (batch_seen < 8) {
		batch_flags[batch_seen] = v1_of(&dom_a)[5].flags;
		batch_gen[batch_seen] = pvt_gen(batch_granted);
	}
	batch_seen++;
}

START_TEST(test_copy_batch_shares)
{
	mfn_t granted = pvt_alloc(&dom_a), other = pvt_alloc(&dom_a), mine = pvt_alloc(&dom_b);
	uint64_t va = gva(1, 0);
	struct gnttab_copy *c = ghost(va);
	uint8_t *mp = mfn_to_virt(mine);
	const uint16_t S = GNTCOPY_source_gref;
	static const int16_t want[] = { GNTST_okay, GNTST_okay, GNTST_general_error, GNTST_okay, GNTST_okay,
					GNTST_okay };

	memset(mfn_to_virt(granted), 0x11, PAGE_SIZE);
	memset(mfn_to_virt(other), 0x22, PAGE_SIZE);
	memset(mp, 0, PAGE_SIZE);
	grant_v1(&dom_a, 5, dom_b.domid, granted, GTF_permit_access);
	grant_v1(&dom_a, 6, dom_b.domid, other, GTF_permit_access);
	/* Pieces of ref 5, a refused element in between, more of ref 5, then ref 6. */
	put_copy(&c[0], S, 5, 1, 0, mine, DOMID_SELF, 0, 8);
	put_copy(&c[1], S, 5, 1, 8, mine, DOMID_SELF, 8, 8);
	put_copy(&c[2], S, 7, 1, 0, mine, DOMID_SELF, 16, 8);	/* not granted */
	put_copy(&c[3], S, 5, 1, 16, mine, DOMID_SELF, 24, 8);
	put_copy(&c[4], S, 5, 1, 24, mine, DOMID_SELF, 32, 8);
	put_copy(&c[5], S, 6, 1, 0, mine, DOMID_SELF, 40, 8);
	batch_granted = granted;
	batch_seen = 0;
	between_elements = look_between_copies;
	domain_lookups = 0;
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy, va, 6), 0);
	between_elements = NULL;
	ck_assert_uint_eq(batch_seen, 5);	/* before elements 1..5 */
	/* Before elements 1 and 2: ref 5 pinned once, one reference on its frame. */
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert_uint_eq(batch_flags[i], GTF_permit_access | GTF_reading);
		ck_assert_uint_eq(batch_gen[i], 1);
	}
	/* Element 2 named ref 7 (refused): ref 5 went for it, and was pinned again by element 3. */
	ck_assert_uint_eq(batch_flags[2], GTF_permit_access);
	ck_assert_uint_eq(batch_gen[2], 0);
	ck_assert_uint_eq(batch_flags[3], GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(batch_gen[3], 1);
	ck_assert_uint_eq(batch_flags[4], GTF_permit_access | GTF_reading);
	ck_assert_uint_eq(domain_lookups, 1);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_msg(c[i].status == want[i], "element %u: status %d, want %d", i, c[i].status, want[i]);
	for (unsigned int i = 0; i < 48; i++)
		ck_assert_uint_eq(mp[i], i >= 40 ? 0x22 : i >= 16 && i < 24 ? 0 : 0x11);
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access);
	ck_assert_uint_eq(v1_of(&dom_a)[6].flags, GTF_permit_access);
	ck_assert(pvt_unused(granted) && pvt_unused(other) && pvt_unused(mine));

	/* Stopped for a continuation after element 1: what it held goes before the guest runs again. */
	for (unsigned int i = 0; i < 6; i++)
		c[i].status = 0x5555;
	preempt_on = 2;
	ck_assert_int_eq(gnttab_op(GNTTABOP_copy, va, 6), __HYPERVISOR_grant_table_op);
	ck_assert_uint_eq(cont_args[1], va + 2 * sizeof(*c));
	ck_assert_int_eq(c[1].status, GNTST_okay);
	ck_assert_int_eq(c[2].status, 0x5555);
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access);
	ck_assert(pvt_unused(granted) && pvt_unused(mine));
}
END_TEST

/* A batch of maps from one granter looks it up once, and drops that reference when the batch ends. */
START_TEST(test_map_batch_one_lookup)
{
	mfn_t page = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);

	grant_v1(&dom_a, 5, dom_b.domid, page, GTF_permit_access);
	for (unsigned int i = 0; i < 4; i++)
		put_map(va, i, 5, 1, GNTMAP_device_map, 0);
	put_map(va, 4, 5, 77, GNTMAP_device_map, 0);	/* another id: looked up, refused */
	put_map(va, 5, 5, 1, GNTMAP_device_map, 0);
	domain_lookups = 0;
	ck_assert_int_eq(gnttab_op(GNTTABOP_map_grant_ref, va, 6), 0);
	ck_assert_uint_eq(domain_lookups, 2);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_int_eq(ELEM(struct gnttab_map_grant_ref, va, i)->status, i == 4 ? GNTST_bad_domain : GNTST_okay);
	ck_assert_uint_eq(gnttab_maptrack_live(&dom_b), 5);
	gnttab_release_mappings(&dom_b);
	ck_assert_uint_eq(v1_of(&dom_a)[5].flags, GTF_permit_access);
	ck_assert(pvt_unused(page));
}
END_TEST

static void put_setup(uint64_t va, domid_t dom, uint32_t nr, uint64_t list)
{
	struct gnttab_setup_table *s = ghost(va);

	*s = (struct gnttab_setup_table){ .dom = dom, .nr_frames = nr, .frame_list = list, .status = 0x5555 };
}

/* setup_table, query_size, get_status_frames: the target domain, the sizes, and a frame list the guest cannot write. */
START_TEST(test_setup_query)
{
	uint64_t va = gva(0, 0), list = gva(1, 0);
	struct gnttab_setup_table *s = ghost(va);
	struct gnttab_query_size *q = ghost(va);
	struct gnttab_get_status_frames *g = ghost(va);
	uint64_t *frames = ghost(list);

	set_current(&dom_a);
	put_setup(va, DOMID_SELF, 2, list);
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_okay);
	ck_assert_uint_eq(frames[0], gnttab_shared_mfn(&dom_a, 0));
	ck_assert_uint_eq(frames[1], gnttab_shared_mfn(&dom_a, 1));
	ck_assert_uint_eq(frames[2], 0);
	put_setup(va, dom_a.domid, 5, list);	/* more than its maximum (4) */
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_general_error);
	ck_assert_uint_eq(gnttab_nr_frames(&dom_a), 2);
	put_setup(va, DOMID_SELF, 0xffffffff, list);
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_general_error);
	put_setup(va, DOMID_SELF, 3, gva(G_RO, 0));	/* frame list not writable */
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_bad_virt_addr);
	put_setup(va, DOMID_SELF, 4, gva(G_HOLE, 0) - 16);	/* two frames fit, then the hole */
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_bad_virt_addr);
	ck_assert_uint_eq(*(uint64_t *)ghost(gva(G_HOLE, 0) - 8), gnttab_shared_mfn(&dom_a, 1));
	put_setup(va, dom_b.domid, 1, list);	/* another domain, unprivileged */
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_permission_denied);
	put_setup(va, 77, 1, list);
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_bad_domain);
	/* The struct itself read-only: the work is done, -EFAULT. */
	put_setup(gva(G_RO, 0), DOMID_SELF, 1, list);
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, gva(G_RO, 0), 1), -XEN_EFAULT);
	/* A privileged caller may name another domain. */
	dom_b.is_privileged = true;
	set_current(&dom_b);
	put_setup(va, dom_a.domid, 1, list);
	ck_assert_int_eq(gnttab_op(GNTTABOP_setup_table, va, 1), 0);
	ck_assert_int_eq(s->status, GNTST_okay);
	ck_assert_uint_eq(frames[0], gnttab_shared_mfn(&dom_a, 0));
	*q = (struct gnttab_query_size){ .dom = dom_a.domid, .status = 0x5555 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_query_size, va, 1), 0);
	ck_assert_int_eq(q->status, GNTST_okay);
	ck_assert_uint_eq(q->nr_frames, 4);
	ck_assert_uint_eq(q->max_nr_frames, 4);
	dom_b.is_privileged = false;
	*q = (struct gnttab_query_size){ .dom = dom_a.domid, .nr_frames = 9, .status = 0x5555 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_query_size, va, 1), 0);
	ck_assert_int_eq(q->status, GNTST_permission_denied);
	ck_assert_uint_eq(q->nr_frames, 9);
	*q = (struct gnttab_query_size){ .dom = DOMID_SELF };
	ck_assert_int_eq(gnttab_op(GNTTABOP_query_size, va, 1), 0);
	ck_assert_uint_eq(q->nr_frames, 1);
	ck_assert_uint_eq(q->max_nr_frames, GNTTAB_DEFAULT_MAX_FRAMES);
	/* Status frames: only in v2, at most as many as there are. */
	*g = (struct gnttab_get_status_frames){ .dom = DOMID_SELF, .nr_frames = 1, .frame_list = list };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_status_frames, va, 1), 0);
	ck_assert_int_eq(g->status, GNTST_general_error);
	ck_assert_int_eq(gnttab_set_version(&dom_b, 2), 0);
	*g = (struct gnttab_get_status_frames){ .dom = DOMID_SELF, .nr_frames = 2, .frame_list = list };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_status_frames, va, 1), 0);
	ck_assert_int_eq(g->status, GNTST_general_error);
	*g = (struct gnttab_get_status_frames){ .dom = DOMID_SELF, .nr_frames = 1, .frame_list = list };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_status_frames, va, 1), 0);
	ck_assert_int_eq(g->status, GNTST_okay);
	ck_assert_uint_eq(frames[0], gnttab_status_mfn(&dom_b, 0));
	*g = (struct gnttab_get_status_frames){ .dom = DOMID_SELF, .nr_frames = 1, .frame_list = gva(G_RO, 0) };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_status_frames, va, 1), 0);
	ck_assert_int_eq(g->status, GNTST_bad_virt_addr);
	*g = (struct gnttab_get_status_frames){ .dom = 77, .nr_frames = 1, .frame_list = list };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_status_frames, va, 1), 0);
	ck_assert_int_eq(g->status, GNTST_bad_domain);
}
END_TEST

/* get_version answers in the return value; set_version writes back the version in effect, switched or not. */
START_TEST(test_versions)
{
	uint64_t va = gva(0, 0);
	struct gnttab_get_version *g = ghost(va);
	struct gnttab_set_version *s = ghost(va);

	*g = (struct gnttab_get_version){ .dom = DOMID_SELF };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_version, va, 1), 0);
	ck_assert_uint_eq(g->version, 1);
	*g = (struct gnttab_get_version){ .dom = 77 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_version, va, 1), -XEN_ESRCH);
	*g = (struct gnttab_get_version){ .dom = dom_a.domid };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_version, va, 1), -XEN_EPERM);
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_version, gva(G_HOLE, 0), 1), -XEN_EFAULT);
	/* count is not looked at by the two version ops. */
	*g = (struct gnttab_get_version){ .dom = DOMID_SELF, .version = 9 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_get_version, va, 0), 0);
	ck_assert_uint_eq(g->version, 1);
	*s = (struct gnttab_set_version){ .version = 3 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_set_version, va, 1), -XEN_EINVAL);
	ck_assert_uint_eq(s->version, 1);
	*s = (struct gnttab_set_version){ .version = 0xffffffff };
	ck_assert_int_eq(gnttab_op(GNTTABOP_set_version, va, 1), -XEN_EINVAL);
	ck_assert_uint_eq(s->version, 1);
	*s = (struct gnttab_set_version){ .version = 2 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_set_version, va, 1), 0);
	ck_assert_uint_eq(s->version, 2);
	ck_assert_uint_eq(gnttab_version(&dom_b), 2);
	/* Read-only: switched, but -EFAULT. */
	((struct gnttab_set_version *)ghost(gva(G_RO, 0)))->version = 1;
	ck_assert_int_eq(gnttab_op(GNTTABOP_set_version, gva(G_RO, 0), 1), -XEN_EFAULT);
	ck_assert_uint_eq(gnttab_version(&dom_b), 1);
}
END_TEST

/* swap: refs past the table, the same ref twice, an entry in use. */
START_TEST(test_swap_status)
{
	mfn_t page = pvt_alloc(&dom_b);
	uint64_t va = gva(0, 0);
	struct gnttab_swap_grant_ref *s = ghost(va);
	struct gnttab_use use;

	grant_v1(&dom_b, 3, dom_a.domid, page, GTF_permit_access);
	ck_assert_int_eq(gnttab_acquire(&dom_b, 3, &dom_a, false, &use), GNTST_okay);
	s[0] = (struct gnttab_swap_grant_ref){ .ref_a = 1, .ref_b = 512 };
	s[1] = (struct gnttab_swap_grant_ref){ .ref_a = 0xffffffff, .ref_b = 1 };
	s[2] = (struct gnttab_swap_grant_ref){ .ref_a = 3, .ref_b = 4 };
	s[3] = (struct gnttab_swap_grant_ref){ .ref_a = 2, .ref_b = 2 };
	s[4] = (struct gnttab_swap_grant_ref){ .ref_a = 3, .ref_b = 4 };
	ck_assert_int_eq(gnttab_op(GNTTABOP_swap_grant_ref, va, 4), 0);
	ck_assert_int_eq(s[0].status, GNTST_bad_gntref);
	ck_assert_int_eq(s[1].status, GNTST_bad_gntref);
	ck_assert_int_eq(s[2].status, GNTST_general_error);
	ck_assert_int_eq(s[3].status, GNTST_okay);
	ck_assert_int_eq(s[4].status, 0);	/* past count: untouched */
	ck_assert_uint_eq(v1_of(&dom_b)[3].frame, page);
	gnttab_release(&use);
	ck_assert_int_eq(gnttab_op(GNTTABOP_swap_grant_ref, va + 2 * sizeof(*s), 1), 0);
	ck_assert_int_eq(s[2].status, GNTST_okay);
	ck_assert_uint_eq(v1_of(&dom_b)[4].frame, page);
	ck_assert(pvt_unused(page));
}
END_TEST

static void put_transfer(struct gnttab_transfer *t, uint64_t mfn, domid_t dom, grant_ref_t ref)
{
	*t = (struct gnttab_transfer){ .mfn = mfn, .domid = dom, .ref = ref, .status = 0x5555 };
}

/* transfer: the sender's page checked first (bad_page whatever the target), then the receiver, as Xen 4.17. */
START_TEST(test_transfer_status)
{
	mfn_t give = pvt_alloc(&dom_b), busy = pvt_alloc(&dom_b), theirs = pvt_alloc(&dom_a);
	mfn_t typed = pvt_alloc(&dom_b), spent[6];
	uint64_t va = gva(0, 0);
	struct gnttab_transfer *t = ghost(va);
	volatile struct grant_entry_v1 *e = &v1_of(&dom_a)[9];
	static const int16_t want[] = {
		GNTST_bad_page, GNTST_bad_page, GNTST_bad_page, GNTST_bad_page, GNTST_bad_page, GNTST_bad_domain,
		GNTST_general_error, GNTST_bad_domain, GNTST_general_error, GNTST_general_error, GNTST_general_error,
		GNTST_okay, GNTST_bad_page,
	};
	const unsigned int n = sizeof(want) / sizeof(want[0]);

	/* A transfer refused after the page checks frees its page (Xen 4.17): each such element spends its own. */
	for (unsigned int i = 0; i < 6; i++)
		spent[i] = pvt_alloc(&dom_b);
	ck_assert_int_eq(get_page(&frame_table[busy], &dom_b, false), 0);
	ck_assert_int_eq(get_page_and_type(&frame_table[typed], &dom_b, PAGE_TYPE_L1), 0);
	grant_v1(&dom_a, 9, dom_b.domid, 0x4321, GTF_accept_transfer);
	grant_v1(&dom_a, 11, dom_b.domid, 0, GTF_accept_transfer | GTF_transfer_completed);	/* stale */
	grant_v1(&dom_a, 12, 77, 0, GTF_accept_transfer);	/* for someone else */
	put_transfer(&t[0], theirs, dom_a.domid, 9);	/* not the caller's frame */
	put_transfer(&t[1], 0xfffffffffull, dom_a.domid, 9);	/* no such frame */
	put_transfer(&t[2], busy, dom_a.domid, 9);		/* still referenced */
	put_transfer(&t[3], typed, dom_a.domid, 9);		/* a page table */
	put_transfer(&t[4], busy, 77, 9);			/* bad page beats bad domain */
	put_transfer(&t[5], spent[0], 77, 9);
	put_transfer(&t[6], spent[1], dom_b.domid, 9);		/* to itself: its own entry 9 accepts nothing */
	put_transfer(&t[7], spent[2], DOMID_SELF, 9);		/* DOMID_SELF names no receiver */
	put_transfer(&t[8], spent[3], dom_a.domid, 512);	/* ref past the receiver's table */
	put_transfer(&t[9], spent[4], dom_a.domid, 11);		/* forged: flags not exactly accept_transfer */
	put_transfer(&t[10], spent[5], dom_a.domid, 12);	/* names another domain */
	put_transfer(&t[11], give, dom_a.domid, 9);
	put_transfer(&t[12], give, dom_a.domid, 9);		/* no longer the caller's */
	ck_assert_int_eq(gnttab_op(GNTTABOP_transfer, va, n), 0);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_msg(t[i].status == want[i], "element %u: status %d, want %d", i, t[i].status, want[i]);
	ck_assert(frame_owner_of(give) == &dom_a.mem);
	ck_assert_uint_eq(e->frame, give);
	ck_assert_uint_eq(e->flags, GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed);
	ck_assert_uint_eq(given_away_gfn, 0x4321);
	ck_assert_uint_eq(v1_of(&dom_a)[11].flags, GTF_accept_transfer | GTF_transfer_completed);
	ck_assert(frame_owner_of(busy) == &dom_b.mem);
	ck_assert_uint_eq(pvt_gen(busy), 1);
	ck_assert_uint_eq(arch_given_away, 1);
	ck_assert_uint_eq(arch_dropped, 6);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_msg(frame_owner_of(spent[i]) == NULL, "refused page %u was freed", i);
	put_page(&frame_table[busy]);
	put_page_and_type(&frame_table[typed]);
	ck_assert(pvt_unused(busy) && pvt_unused(typed));
}
END_TEST

/* A domain may be its own receiver (Xen allows it): the frame stays, the entry completes, the M2P gets the gfn. */
START_TEST(test_transfer_self)
{
	mfn_t give = pvt_alloc(&dom_b);
	uint64_t frames = frame_owner_frames(&dom_b.mem);
	struct gnttab_transfer *t = ghost(gva(0, 0));

	grant_v1(&dom_b, 3, dom_b.domid, 0x77, GTF_accept_transfer);
	put_transfer(t, give, dom_b.domid, 3);
	ck_assert_int_eq(gnttab_op(GNTTABOP_transfer, gva(0, 0), 1), 0);
	ck_assert_int_eq(t->status, GNTST_okay);
	ck_assert(frame_owner_of(give) == &dom_b.mem);
	ck_assert_uint_eq(frame_owner_frames(&dom_b.mem), frames);
	ck_assert_uint_eq(v1_of(&dom_b)[3].frame, give);
	ck_assert_uint_eq(given_away_gfn, 0x77);
	ck_assert(pvt_unused(give));
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/* A receiver that is dying, or at its memory limit: GNTST_general_error, and the sender's page is freed (Xen 4.17). */
START_TEST(test_transfer_receiver_refuses)
{
	mfn_t give = pvt_alloc(&dom_b), give2 = pvt_alloc(&dom_b);
	uint64_t frames = frame_owner_frames(&dom_b.mem);
	struct gnttab_transfer *t = ghost(gva(0, 0));

	grant_v1(&dom_a, 9, dom_b.domid, 0, GTF_accept_transfer);
	frame_owner_set_max(&dom_a.mem, frame_owner_frames(&dom_a.mem));
	put_transfer(t, give, dom_a.domid, 9);
	ck_assert_int_eq(gnttab_op(GNTTABOP_transfer, gva(0, 0), 1), 0);
	ck_assert_int_eq(t->status, GNTST_general_error);
	ck_assert_uint_eq(v1_of(&dom_a)[9].flags, GTF_accept_transfer);
	frame_owner_set_max(&dom_a.mem, T_FRAMES);
	dom_a.state = DOM_DYING;
	put_transfer(t, give2, dom_a.domid, 9);
	ck_assert_int_eq(gnttab_op(GNTTABOP_transfer, gva(0, 0), 1), 0);
	ck_assert_int_eq(t->status, GNTST_general_error);
	ck_assert_uint_eq(v1_of(&dom_a)[9].flags, GTF_accept_transfer);
	dom_a.state = 0;
	ck_assert(frame_owner_of(give) == NULL && frame_owner_of(give2) == NULL);
	ck_assert_uint_eq(frame_owner_frames(&dom_b.mem), frames - 2);
	ck_assert_uint_eq(arch_dropped, 2);
	ck_assert_uint_eq(arch_given_away, 0);
	ck_assert_int_eq(frame_audit(), 0);
}
END_TEST

/* cache_flush has no status: an element's error ends the batch with it, after the elements before it. */
START_TEST(test_cache_flush_errors)
{
	mfn_t mine = pvt_alloc(&dom_b), theirs = pvt_alloc(&dom_a);
	uint64_t va = gva(0, 0);
	struct gnttab_cache_flush *f = ghost(va);
	const struct {
		uint64_t addr;
		uint16_t off, len;
		uint32_t op;
		long rc;
	} e[] = {
		{ (uint64_t)mine << PAGE_SHIFT, 0, 64, GNTTAB_CACHE_CLEAN, 0 },
		{ (uint64_t)mine << PAGE_SHIFT, 4095, 2, GNTTAB_CACHE_CLEAN, -XEN_EINVAL },
		{ (uint64_t)mine << PAGE_SHIFT, 4096, 0, GNTTAB_CACHE_CLEAN, -XEN_EINVAL },
		{ (uint64_t)mine << PAGE_SHIFT, 0, 64, GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN, -XEN_EINVAL },
		{ (uint64_t)mine << PAGE_SHIFT, 0, 64, GNTTAB_CACHE_INVAL, -XEN_EOPNOTSUPP },
		{ (uint64_t)theirs << PAGE_SHIFT, 0, 64, GNTTAB_CACHE_CLEAN, -XEN_EINVAL },	/* not mapped by grant */
		{ 0xfffffffffull << PAGE_SHIFT, 0, 64, GNTTAB_CACHE_CLEAN, -XEN_EINVAL },
		{ (uint64_t)theirs << PAGE_SHIFT, 0, 0, GNTTAB_CACHE_CLEAN, 0 },	/* nothing to do */
	};

	for (unsigned int i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		arch_cleans = 0;
		f[0] = (struct gnttab_cache_flush){ .a.dev_bus_addr = (uint64_t)mine << PAGE_SHIFT, .length = 8,
						    .op = GNTTAB_CACHE_CLEAN };
		f[1] = (struct gnttab_cache_flush){ .a.dev_bus_addr = e[i].addr, .offset = e[i].off, .length = e[i].len,
						    .op = e[i].op };
		f[2] = f[0];
		ck_assert_msg(gnttab_op(GNTTABOP_cache_flush, va, 3) == e[i].rc, "case %u", i);
		ck_assert_uint_eq(arch_cleans, e[i].rc ? 1 : 2 + (e[i].len && e[i].op ? 1 : 0));
	}
	/* A frame it has grant-mapped is allowed. */
	grant_v1(&dom_a, 5, dom_b.domid, theirs, GTF_permit_access);
	map_one_ok(5, GNTMAP_host_map | GNTMAP_readonly, MAP_ADDR);
	f[0] = (struct gnttab_cache_flush){ .a.dev_bus_addr = (uint64_t)theirs << PAGE_SHIFT, .length = 8,
					    .op = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL };
	ck_assert_int_eq(gnttab_op(GNTTABOP_cache_flush, va, 1), 0);
	gnttab_release_mappings(&dom_b);
}
END_TEST

static Suite *grant_op_suite(void)
{
	Suite *s = suite_create("grant_op");
	TCase *tc = tcase_create("decode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_cmds);
	tcase_add_test(tc, test_map_partial);
	tcase_add_test(tc, test_map_fault);
	tcase_add_test(tc, test_map_no_space);
	tcase_add_test(tc, test_unmap_handles);
	tcase_add_test(tc, test_unmap_replace);
	tcase_add_test(tc, test_continuation_swap);
	tcase_add_test(tc, test_continuation_map_unmap);
	tcase_add_test(tc, test_copy_partial);
	tcase_add_test(tc, test_copy_fault_and_continue);
	tcase_add_test(tc, test_copy_batch_shares);
	tcase_add_test(tc, test_map_batch_one_lookup);
	tcase_add_test(tc, test_setup_query);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_swap_status);
	tcase_add_test(tc, test_transfer_status);
	tcase_add_test(tc, test_transfer_self);
	tcase_add_test(tc, test_transfer_receiver_refuses);
	tcase_add_test(tc, test_cache_flush_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(grant_op_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark guest: grant copy against memcpy in the same guest (4 KiB and
 * 64 KiB per call), 16 pieces of one page per call, and map+unmap of a
 * self-grant, one pair per call and batched by 32. TSC cycles; the guest
 * is dom0 and grants to itself.
 */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "rt_grant.h"
#include "test.h"

#define BATCHES		32
#define CALLS		200
#define PAGES		16	/* 64 KiB */
#define MAPS		32
#define FIRST_REF	16

static uint8_t table_window[4096] __attribute__((aligned(4096)));
static uint8_t src[PAGES][4096] __attribute__((aligned(4096)));
static uint8_t dst[PAGES][4096] __attribute__((aligned(4096)));
static uint8_t map_area[MAPS][4096] __attribute__((aligned(4096)));
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

/* The same word-sized string move the hypervisor's memcpy uses: a like-for-like baseline. */
static void copy_words(void *d, const void *s, size_t n)
{
	size_t words = n >> 3;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) :: "memory");
}

static void sort_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* per_op: cycles per call (copies, memcpy) or per map+unmap pair. */
static void report(const char *what, uint64_t *per_op)
{
	sort_u64(per_op, BATCHES);
	rt_printf("bench grants: %s median %llu cycles (min %llu, max %llu; %u batches of %u)\n", what,
		  (unsigned long long)per_op[BATCHES / 2], (unsigned long long)per_op[0],
		  (unsigned long long)per_op[BATCHES - 1], BATCHES, CALLS);
}

static void bench_memcpy(unsigned int pages, const char *what)
{
	static uint64_t per_op[BATCHES];

	for (unsigned int b = 0; b <= BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		for (unsigned int i = 0; i < CALLS; i++)
			for (unsigned int p = 0; p < pages; p++)
				copy_words(dst[p], src[p], 4096);
		if (b)
			per_op[b - 1] = (rt_rdtsc() - t0) / CALLS;
	}
	report(what, per_op);
}

/* pages copy ops of a whole page each, ref (a read-only self-grant) to our own frame, in one call. */
static void bench_copy(unsigned int pages, const char *what)
{
	static struct gnttab_copy ops[PAGES];
	static uint64_t per_op[BATCHES];
	unsigned long bad = 0;

	for (unsigned int p = 0; p < pages; p++) {
		memset(&ops[p], 0, sizeof(ops[p]));
		ops[p].source.u.ref = FIRST_REF + p;
		ops[p].source.domid = 0;
		ops[p].dest.u.gmfn = mfn_of(dst[p]);
		ops[p].dest.domid = DOMID_SELF;
		ops[p].len = 4096;
		ops[p].flags = GNTCOPY_source_gref;
	}
	for (unsigned int b = 0; b <= BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		for (unsigned int i = 0; i < CALLS; i++) {
			bad += gnttab(GNTTABOP_copy, ops, pages) != 0;
			for (unsigned int p = 0; p < pages; p++)
				bad += ops[p].status != GNTST_okay;
		}
		if (b)
			per_op[b - 1] = (rt_rdtsc() - t0) / CALLS;
	}
	tc_check(bad == 0, "%s: every copy succeeded (%lu did not)", what, bad);
	tc_check(memcmp(dst[pages - 1], src[pages - 1], 4096) == 0, "%s: the bytes arrived", what);
	report(what, per_op);
}

/*
 * A backend's other common batch: many pieces of one granted page (netback
 * copying the fragments of a packet), here 16 x 256 bytes from one ref into
 * one frame of ours, in one call.
 */
static void bench_copy_pieces(const char *what)
{
	static struct gnttab_copy ops[PAGES];
	static uint64_t per_op[BATCHES];
	unsigned long bad = 0;

	for (unsigned int p = 0; p < PAGES; p++) {
		memset(&ops[p], 0, sizeof(ops[p]));
		ops[p].source.u.ref = FIRST_REF;
		ops[p].source.domid = 0;
		ops[p].source.offset = (uint16_t)(p * 256);
		ops[p].dest.u.gmfn = mfn_of(dst[0]);
		ops[p].dest.domid = DOMID_SELF;
		ops[p].dest.offset = (uint16_t)(p * 256);
		ops[p].len = 256;
		ops[p].flags = GNTCOPY_source_gref;
	}
	memset(dst[0], 0, 4096);
	for (unsigned int b = 0; b <= BATCHES; b++) {
		uint64_t t0 = rt_rdtsc();

		for (unsigned int i = 0; i < CALLS; i++) {
			bad += gnttab(GNTTABOP_copy, ops, PAGES) != 0;
			for (unsigned int p = 0; p < PAGES; p++)
				bad += ops[p].status != GNTST_okay;
		}
		if (b)
			per_op[b - 1] = (rt_rdtsc() - t0) / CALLS;
	}
	tc_check(bad == 0, "%s: every copy succeeded (%lu did not)", what, bad);
	tc_check(memcmp(dst[0], src[0], 4096) == 0, "%s: the bytes arrived", what);
	report(what, per_op);
}

static void bench_map(unsigned int batch, const char *what)
{
	static struct gnttab_map_grant_ref m[MAPS];
	static struct gnttab_unmap_grant_ref u[MAPS];
	static uint64_t per_op[BATCHES];
	unsigned long bad = 0;

	for (unsigned int b = 0; b <= BATCHES; b++) {
		uint64_t t0 = rt_rdtsc(), pairs = 0;

		for (unsigned int i = 0; i < CALLS; i += batch, pairs += batch) {
			for (unsigned int k = 0; k < batch; k++) {
				m[k] = (struct gnttab_map_grant_ref){ .host_addr = RT_PTR(map_area[k]),
								      .flags = GNTMAP_host_map,
								      .ref = FIRST_REF + k % PAGES, .dom = 0 };
			}
			bad += gnttab(GNTTABOP_map_grant_ref, m, batch) != 0;
			for (unsigned int k = 0; k < batch; k++) {
				bad += m[k].status != GNTST_okay;
				u[k] = (struct gnttab_unmap_grant_ref){ .host_addr = RT_PTR(map_area[k]),
									.handle = m[k].handle };
			}
			bad += gnttab(GNTTABOP_unmap_grant_ref, u, batch) != 0;
			for (unsigned int k = 0; k < batch; k++)
				bad += u[k].status != GNTST_okay;
		}
		if (b)
			per_op[b - 1] = (rt_rdtsc() - t0) / pairs;
	}
	tc_check(bad == 0, "%s: every map and unmap succeeded (%lu did not)", what, bad);
	report(what, per_op);
}

void test_main(void)
{
	long rc = rt_grant_table_map(table_window);

	if (rc != 0) {
		tc_fail("grant table set-up failed (%ld)", rc);
		return;
	}
	table = (volatile struct grant_entry_v1 *)table_window;
	for (unsigned int p = 0; p < PAGES; p++) {
		for (unsigned int i = 0; i < 4096; i++)
			src[p][i] = (uint8_t)(i + p);
		table[FIRST_REF + p].domid = 0;
		table[FIRST_REF + p].frame = (uint32_t)mfn_of(src[p]);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		table[FIRST_REF + p].flags = GTF_permit_access;
	}
	bench_memcpy(1, "memcpy 4KiB");
	bench_copy(1, "grant copy 4KiB");
	bench_memcpy(PAGES, "memcpy 64KiB");
	bench_copy(PAGES, "grant copy 64KiB");
	bench_copy_pieces("grant copy 16x256B one page");
	bench_map(1, "map+unmap single");
	bench_map(MAPS, "map+unmap batch32");
}

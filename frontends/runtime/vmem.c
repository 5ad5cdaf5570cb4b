/* SPDX-License-Identifier: MIT */
/* Large buffers for runtime programs: our own free frames mapped at consecutive addresses past the start-of-day region. */
#include <pvabi/errno.h>
#include "rt.h"
#include "rt_page.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL
#define L2_SPAN		(2ULL << 20)
#define RT_VMEM_MAX	128		/* live allocations */
#define RT_MMU_BATCH	128

/*
 * The start-of-day L2 maps the whole initial region (one GiB at
 * RT_VIRT_BASE, as the ABI lays it out: L4, L3, L2, then L1s from
 * pt_base) and is mapped read-only inside it, so its entries can be read
 * here. Entries past the region are empty: new L1 tables hooked there
 * through mmu_update give the address space for big buffers (a kernel
 * being decompressed, a guest's P2M). A new area takes the lowest hole
 * between live ones that fits, else goes on top, and the top comes down to
 * the highest live area; frames always go back at once. The reclaim hook
 * is asked only when frames run short, not when address space or area
 * slots do.
 */
struct rt_vmem_area {
	uint64_t va, pages;
	uint32_t *pfns;
};

static struct rt_vmem_area rt_vmem_areas[RT_VMEM_MAX];
static uint64_t rt_vmem_top, rt_region_pfns;

static const uint64_t *rt_l2(void)
{
	return (const uint64_t *)(rt_boot.si->pt_base + 2 * RT_PAGE_SIZE);
}

static uint64_t rt_l2_mfn(void)
{
	return rt_pfn_to_mfn((rt_boot.si->pt_base + 2 * RT_PAGE_SIZE - RT_VIRT_BASE) / RT_PAGE_SIZE);
}

/* The L1 entry of va, as a machine address for MMU_NORMAL_PT_UPDATE; 0 if va has no L1. */
static uint64_t rt_l1e_maddr(uint64_t va)
{
	uint64_t l2e = rt_l2()[(va >> 21) & 511];

	if (!(l2e & PTE_P) || va < RT_VIRT_BASE || va - RT_VIRT_BASE >= (1ULL << 30))
		return 0;
	return (l2e & PTE_ADDR) + ((va >> 12) & 511) * 8;
}

static long rt_mmu(struct mmu_update *req, unsigned int n, domid_t dom)
{
	return n ? hyp_mmu_update(RT_PTR(req), n, 0, dom) : 0;
}

/*
 * A zeroed frame of ours hooked in as the L1 of the 2 MiB at va. Frames
 * inside the start-of-day region are mapped writable there, and a page
 * table must not be: the L1 comes from past the region.
 */
static long rt_vmem_new_l1(uint64_t va)
{
	int64_t pfn = rt_frame_alloc_from(rt_region_pfns);
	void *w = rt_window_get();
	struct mmu_update req;
	long rc = -XEN_ENOMEM;

	if (pfn >= 0 && w && (rc = rt_window_map(w, rt_pfn_to_mfn((uint64_t)pfn), true)) == 0) {
		memset(w, 0, RT_PAGE_SIZE);
		rc = rt_window_unmap(w);
	}
	if (w)
		rt_window_put(w);
	if (rc == 0) {
		req.ptr = (rt_l2_mfn() << 12) + ((va >> 21) & 511) * 8 + MMU_NORMAL_PT_UPDATE;
		req.val = (rt_pfn_to_mfn((uint64_t)pfn) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
		rc = rt_mmu(&req, 1, DOMID_SELF);
	}
	if (rc && pfn >= 0)
		rt_frame_free((uint64_t)pfn);
	return rc;
}

static uint64_t rt_vmem_base(void)
{
	uint64_t i = 0;

	if (!rt_vmem_top) {
		while (i < 512 && (rt_l2()[((RT_VIRT_BASE >> 21) + i) & 511] & PTE_P))
			i++;
		rt_vmem_top = RT_VIRT_BASE + i * L2_SPAN;
		rt_region_pfns = i * 512;
	}
	return rt_vmem_top;
}

/* Unmaps pages [from, to) of area a and gives their frames back. */
static void rt_vmem_release(struct rt_vmem_area *a, uint64_t from, uint64_t to)
{
	struct mmu_update req[RT_MMU_BATCH];
	unsigned int n = 0;

	for (uint64_t i = from; i < to; i++) {
		req[n].ptr = rt_l1e_maddr(a->va + i * RT_PAGE_SIZE) + MMU_NORMAL_PT_UPDATE;
		req[n++].val = 0;
		if (n == RT_MMU_BATCH || i + 1 == to) {
			if (rt_mmu(req, n, DOMID_SELF) < 0)
				rt_printf("rt: vmem: unmapping failed; frames kept\n");
			else
				for (unsigned int k = 0; k < n; k++)
					rt_frame_free(a->pfns[i + 1 - n + k]);
			n = 0;
		}
	}
}

/* Maps fresh frames at every page of a, in batches; on any failure undoes what it did. */
static bool rt_vmem_map(struct rt_vmem_area *a)
{
	struct mmu_update req[RT_MMU_BATCH];
	uint64_t done = 0;		/* pages [0, done) mapped */
	unsigned int n = 0;		/* pages [done, done + n) waiting in req */

	for (uint64_t i = 0; i < a->pages; i++) {
		uint64_t va = a->va + i * RT_PAGE_SIZE;
		int64_t pfn = -1;
		bool ok = (rt_l1e_maddr(va) || rt_vmem_new_l1(va) == 0) && (pfn = rt_frame_alloc()) >= 0;

		if (ok) {
			a->pfns[i] = (uint32_t)pfn;
			req[n].ptr = rt_l1e_maddr(va) + MMU_NORMAL_PT_UPDATE;
			req[n++].val = (rt_pfn_to_mfn((uint64_t)pfn) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX;
		}
		if (n && (!ok || n == RT_MMU_BATCH || i + 1 == a->pages)) {
			if (rt_mmu(req, n, DOMID_SELF) < 0) {
				for (unsigned int k = 0; k < n; k++)
					rt_frame_free(a->pfns[done + k]);
				ok = false;
			} else {
				done += n;
			}
			n = 0;
		}
		if (!ok) {
			rt_vmem_release(a, 0, done);
			return false;
		}
	}
	return true;
}

size_t (*rt_vmem_reclaim)(size_t pages);

/*
 * The lowest address below the top where pages fit between live areas
 * (one freed under another leaves a hole: a long-lived buffer, such as a
 * cached kernel, must not make every later allocation climb), else the top.
 */
static uint64_t rt_vmem_place(uint64_t pages)
{
	uint64_t top = rt_vmem_base(), len = pages * RT_PAGE_SIZE;

	for (int i = -1; i < RT_VMEM_MAX; i++) {
		uint64_t at = i < 0 ? RT_VIRT_BASE + rt_region_pfns * RT_PAGE_SIZE :
				      rt_vmem_areas[i].va + rt_vmem_areas[i].pages * RT_PAGE_SIZE;
		bool clear = i < 0 || rt_vmem_areas[i].pages;

		for (unsigned int k = 0; clear && k < RT_VMEM_MAX; k++) {
			const struct rt_vmem_area *o = &rt_vmem_areas[k];

			clear = !o->pages || o->va >= at + len || o->va + o->pages * RT_PAGE_SIZE <= at;
		}
		if (clear && at + len <= top)
			return at;
	}
	return top;
}

/* Page tables for every page of a, without frames (an area grant mappings fill); false if one cannot be made. */
static bool rt_vmem_hook_l1s(const struct rt_vmem_area *a)
{
	for (uint64_t i = 0; i < a->pages; i += 512) {
		uint64_t va = a->va + i * RT_PAGE_SIZE;

		if (!rt_l1e_maddr(va) && rt_vmem_new_l1(va) != 0)
			return false;
	}
	/* The last page may lie in the next L1 when the area does not start on a 2 MiB boundary. */
	return rt_l1e_maddr(a->va + (a->pages - 1) * RT_PAGE_SIZE) ||
	       rt_vmem_new_l1(a->va + (a->pages - 1) * RT_PAGE_SIZE) == 0;
}

/* An area of len bytes: backed by our frames, or (frames false) address space with page tables and no frames. */
static void *rt_vmem_get(size_t len, bool frames)
{
	struct rt_vmem_area *a = NULL;
	uint64_t pages = (len + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE, va;

	/* Memory the program keeps only as a cache goes before an allocation fails. */
	if (frames && pages > rt_frames_free() && rt_vmem_reclaim)
		rt_vmem_reclaim(pages - rt_frames_free());
	va = rt_vmem_place(pages);

	for (unsigned int i = 0; i < RT_VMEM_MAX && !a; i++)
		if (!rt_vmem_areas[i].pages)
			a = &rt_vmem_areas[i];
	if (!a || !pages || (frames && pages > rt_frames_free()) || va + pages * RT_PAGE_SIZE > RT_VIRT_BASE + (1ULL << 30))
		return NULL;
	a->pfns = frames ? malloc(pages * sizeof(uint32_t)) : NULL;
	if (frames && !a->pfns)
		return NULL;
	a->va = va;
	a->pages = pages;
	if (frames ? !rt_vmem_map(a) : !rt_vmem_hook_l1s(a)) {
		free(a->pfns);
		a->pages = 0;
		return NULL;
	}
	if (va + pages * RT_PAGE_SIZE > rt_vmem_top)
		rt_vmem_top = va + pages * RT_PAGE_SIZE;
	return (void *)a->va;
}

void *rt_vmem_alloc(size_t len)
{
	return rt_vmem_get(len, true);
}

void *rt_vmem_reserve(size_t len)
{
	return rt_vmem_get(len, false);
}

void rt_vmem_free(void *p)
{
	for (unsigned int i = 0; i < RT_VMEM_MAX; i++) {
		struct rt_vmem_area *a = &rt_vmem_areas[i];

		if (!a->pages || a->va != (uint64_t)p)
			continue;
		/* A reserved area's pages were emptied by whoever filled them (rt_grant_area_undo). */
		if (a->pfns)
			rt_vmem_release(a, 0, a->pages);
		free(a->pfns);
		a->pages = 0;
		/* The top comes down to the highest area still live (holes below it are found by rt_vmem_place). */
		rt_vmem_top = RT_VIRT_BASE + rt_region_pfns * RT_PAGE_SIZE;
		for (unsigned int k = 0; k < RT_VMEM_MAX; k++)
			if (rt_vmem_areas[k].pages &&
			    rt_vmem_areas[k].va + rt_vmem_areas[k].pages * RT_PAGE_SIZE > rt_vmem_top)
				rt_vmem_top = rt_vmem_areas[k].va + rt_vmem_areas[k].pages * RT_PAGE_SIZE;
		return;
	}
}

int64_t rt_va_pfn(const void *p)
{
	uint64_t va = (uint64_t)p;

	/* The start-of-day region (the image, its bss, the padding) maps PFNs in order: no search. */
	rt_vmem_base();		/* finds the region's end the first time */
	if (va >= RT_VIRT_BASE && va < RT_VIRT_BASE + rt_region_pfns * RT_PAGE_SIZE)
		return (int64_t)((va - RT_VIRT_BASE) / RT_PAGE_SIZE);
	for (unsigned int i = 0; i < RT_VMEM_MAX; i++) {
		const struct rt_vmem_area *a = &rt_vmem_areas[i];

		if (a->pages && va >= a->va && va - a->va < a->pages * RT_PAGE_SIZE)
			return a->pfns ? (int64_t)a->pfns[(va - a->va) / RT_PAGE_SIZE] : -1;
	}
	return -1;
}

long rt_window_map_foreign(void *va, uint64_t mfn, uint16_t dom, bool writable)
{
	struct mmu_update req = {
		.ptr = rt_l1e_maddr((uint64_t)va) + MMU_NORMAL_PT_UPDATE,
		.val = (mfn << 12) | PTE_P | PTE_A | PTE_NX | (writable ? PTE_RW | PTE_D : 0),
	};

	return rt_mmu(&req, 1, dom);
}

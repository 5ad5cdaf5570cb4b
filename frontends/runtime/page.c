/* SPDX-License-Identifier: MIT */
/* Memory for runtime programs: the guest's free frames (a bitmap), pages from the boot padding, and a map window. */
#include <pvabi/errno.h>
#include "rt.h"
#include "rt_page.h"

#define RT_PADDING_PAGES	128		/* the ABI's 512 KiB after the boot stack */
#define RT_WINDOW_PAGES		64
#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL
#define PTE_NX	(1ULL << 63)

static uint64_t *rt_used;			/* one bit per PFN: 1 = not free */
static uint64_t rt_nr_pfns, rt_first_free, rt_frames_left;
static uint8_t *rt_pad_base;
static uint64_t rt_pad_next, rt_pad_free_list_len;
static void *rt_pad_free_list[RT_PADDING_PAGES];

static uint8_t rt_window[RT_WINDOW_PAGES][RT_PAGE_SIZE] __attribute__((aligned(4096)));
static bool rt_window_busy[RT_WINDOW_PAGES];

static void rt_mark_used(uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n && p < rt_nr_pfns; p++)
		rt_used[p / 64] |= 1ULL << (p % 64);
}

static bool rt_is_used(uint64_t pfn)
{
	return (rt_used[pfn / 64] >> (pfn % 64)) & 1;
}

uint64_t rt_pfn_to_mfn(uint64_t pfn)
{
	const uint64_t *p2m = (const uint64_t *)rt_boot.si->mfn_list;

	return pfn < rt_nr_pfns ? p2m[pfn] : ~0ULL;
}

long rt_page_init(void)
{
	const struct start_info *si = rt_boot.si;
	uint64_t stack_end, bitmap_pages;

	if (rt_used)
		return 0;
	rt_nr_pfns = si->nr_pages;
	stack_end = si->pt_base + (si->nr_pt_frames + 1) * RT_PAGE_SIZE;
	rt_first_free = (stack_end - RT_VIRT_BASE) / RT_PAGE_SIZE;
	if (rt_first_free + RT_PADDING_PAGES > rt_nr_pfns)
		return -XEN_ENOMEM;
	/* The used-frame bitmap takes the first padding pages. */
	rt_pad_base = (uint8_t *)stack_end;
	bitmap_pages = (rt_nr_pfns / 8 + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE;
	if (bitmap_pages >= RT_PADDING_PAGES)
		return -XEN_ENOMEM;
	rt_used = (uint64_t *)rt_pad_base;
	memset(rt_used, 0, bitmap_pages * RT_PAGE_SIZE);
	rt_pad_next = bitmap_pages;
	rt_mark_used(0, rt_first_free + RT_PADDING_PAGES);
	if (si->flags & SIF_MOD_START_PFN)
		rt_mark_used(si->mod_start, (si->mod_len + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	if (si->first_p2m_pfn || si->nr_p2m_frames)
		rt_mark_used(si->first_p2m_pfn, si->nr_p2m_frames);
	rt_frames_left = 0;
	for (uint64_t p = 0; p < rt_nr_pfns; p++)
		rt_frames_left += !rt_is_used(p);
	return 0;
}

void *rt_page_alloc(void)
{
	void *page = NULL;

	if (rt_pad_free_list_len)
		page = rt_pad_free_list[--rt_pad_free_list_len];
	else if (rt_pad_base && rt_pad_next < RT_PADDING_PAGES)
		page = rt_pad_base + RT_PAGE_SIZE * rt_pad_next++;
	if (page)
		memset(page, 0, RT_PAGE_SIZE);
	return page;
}

void rt_page_free(void *page)
{
	uint8_t *p = page;

	if (!p || p < rt_pad_base || p >= rt_pad_base + RT_PADDING_PAGES * RT_PAGE_SIZE ||
	    rt_pad_free_list_len >= RT_PADDING_PAGES)
		return;
	rt_pad_free_list[rt_pad_free_list_len++] = page;
}

uint64_t rt_pages_free(void)
{
	return rt_pad_free_list_len + (rt_pad_base ? RT_PADDING_PAGES - rt_pad_next : 0);
}

int64_t rt_frame_alloc(void)
{
	return rt_frame_alloc_from(0);
}

int64_t rt_frame_alloc_from(uint64_t first)
{
	if (!rt_used)
		return -1;
	for (uint64_t p = first > rt_first_free ? first : rt_first_free; p < rt_nr_pfns; p++) {
		if (!rt_is_used(p)) {
			rt_mark_used(p, 1);
			rt_frames_left--;
			return (int64_t)p;
		}
	}
	return -1;
}

void rt_frame_free(uint64_t pfn)
{
	if (!rt_used || pfn < rt_first_free + RT_PADDING_PAGES || pfn >= rt_nr_pfns || !rt_is_used(pfn))
		return;
	rt_used[pfn / 64] &= ~(1ULL << (pfn % 64));
	rt_frames_left++;
}

uint64_t rt_frames_free(void)
{
	return rt_frames_left;
}

void *rt_window_get(void)
{
	for (unsigned int i = 0; i < RT_WINDOW_PAGES; i++) {
		if (!rt_window_busy[i]) {
			rt_window_busy[i] = true;
			return rt_window[i];
		}
	}
	return NULL;
}

void rt_window_put(void *va)
{
	uint64_t i = ((uint8_t *)va - &rt_window[0][0]) / RT_PAGE_SIZE;

	if ((uint8_t *)va >= &rt_window[0][0] && i < RT_WINDOW_PAGES)
		rt_window_busy[i] = false;
}

long rt_window_map(void *va, uint64_t mfn, bool writable)
{
	uint64_t pte = (mfn << 12) | PTE_P | PTE_A | PTE_NX | (writable ? PTE_RW | PTE_D : 0);

	return hyp_update_va_mapping(RT_PTR(va), pte, UVMF_INVLPG);
}

long rt_window_unmap(void *va)
{
	return hyp_update_va_mapping(RT_PTR(va), 0, UVMF_INVLPG);
}

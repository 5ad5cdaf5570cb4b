/* SPDX-License-Identifier: MIT */
/*
 * vmem (Skiff boot test): the runtime's big buffers (rt_vmem_alloc), which
 * dom0's toolstack decompresses kernels into. Buffers past the start-of-day
 * region need new L1 tables hooked into the boot L2 by mmu_update; every
 * byte is ours and holds what was written; freeing gives every frame back,
 * and the freed address range is used again, also a hole under a live
 * buffer; an allocation short of frames asks the program's reclaim hook.
 */
#include "test.h"
#include "rt_page.h"

static bool fill_and_check(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i += 512)
		p[i] = (uint8_t)(seed + i / 512);
	for (size_t i = 0; i < len; i += 512)
		if (p[i] != (uint8_t)(seed + i / 512))
			return false;
	return true;
}

/* A range freed under a live buffer is used again by one that fits, and the top comes down when the live one goes. */
static void holes(void)
{
	uint8_t *a = rt_vmem_alloc(2 << 20), *b = rt_vmem_alloc(1 << 20), *c, *d;

	tc_check(a && b && b == a + (2 << 20), "two buffers, one after the other");
	if (!a || !b)
		return;
	rt_vmem_free(a);
	c = rt_vmem_alloc(1 << 20);
	tc_check(c == a, "a smaller buffer takes the hole under the live one (%p, hole at %p)", (void *)c, (void *)a);
	d = rt_vmem_alloc(2 << 20);
	tc_check(d == b + (1 << 20), "one that does not fit goes on top (%p)", (void *)d);
	tc_check(c && d && fill_and_check(c, 1 << 20, 5) && fill_and_check(d, 2 << 20, 9) &&
		 fill_and_check(b, 1 << 20, 11), "each holds its own data");
	rt_vmem_free(b);
	rt_vmem_free(d);
	rt_vmem_free(c);
	c = rt_vmem_alloc(4096 * 3);
	tc_check(c == a, "with all freed, the next buffer starts where the first did");
	rt_vmem_free(c);
}

static uint8_t *cached;
static size_t cached_len;
static unsigned int reclaims;

/* The program's cache: freed when an allocation would otherwise fail. */
static size_t give_back(size_t pages)
{
	size_t had = cached ? (cached_len + 4095) / 4096 : 0;

	(void)pages;
	reclaims++;
	if (cached)
		rt_vmem_free(cached);
	cached = NULL;
	return had;
}

/* An allocation that needs the frames a cache holds gets them: the hook is asked, then it succeeds. */
static void reclaim(void)
{
	uint64_t before = rt_frames_free();
	uint8_t *big;
	size_t want;

	cached_len = (size_t)rt_frames_free() * 4096 / 2;
	cached = rt_vmem_alloc(cached_len);
	tc_check(cached != NULL, "a cache of half the free memory (%lu KiB)", (unsigned long)(cached_len >> 10));
	want = (size_t)rt_frames_free() * 4096 + cached_len / 2;
	tc_check(rt_vmem_alloc(want) == NULL && reclaims == 0, "without the hook, more than is free fails");
	rt_vmem_reclaim = give_back;
	big = rt_vmem_alloc(want);
	tc_check(big != NULL && reclaims == 1 && cached == NULL, "with it, the cache is given back and the allocation "
		 "succeeds (%u reclaims)", reclaims);
	if (big)
		rt_vmem_free(big);
	rt_vmem_reclaim = NULL;
	/* Only the L1 tables of the address range stay (one frame per 2 MiB), kept for reuse. */
	tc_check(before - rt_frames_free() <= (want >> 21) + 2, "frames back: %lu still taken for %lu KiB of range",
		 (unsigned long)(before - rt_frames_free()), (unsigned long)(want >> 10));
}

void test_main(void)
{
	uint64_t frames0, frames1;
	uint8_t *a, *b, *c;
	size_t alen = 5 << 20, blen = 12345;	/* 5 MiB crosses two 2 MiB boundaries */

	tc_check(rt_page_init() == 0, "page allocator");
	frames0 = rt_frames_free();
	a = rt_vmem_alloc(alen);
	tc_check(a != NULL, "a 5 MiB buffer");
	if (!a)
		return;
	tc_check((uint64_t)(uintptr_t)a >= (uint64_t)(uintptr_t)rt_image_end, "past the image");
	b = rt_vmem_alloc(blen);
	tc_check(b == a + alen, "the next buffer follows (%p after %p)", (void *)b, (void *)a);
	tc_check(fill_and_check(a, alen, 1) && fill_and_check(b, blen, 7), "every page holds what was written");
	frames1 = rt_frames_free();
	tc_check(frames0 - frames1 >= alen / 4096 + 4, "frames taken: %lu", (unsigned long)(frames0 - frames1));
	rt_vmem_free(b);
	rt_vmem_free(a);
	/* The L1 tables stay hooked for reuse: at most three frames (one per 2 MiB started) stay taken. */
	tc_check(frames0 - rt_frames_free() <= 4, "frames back after free: %lu still taken",
		 (unsigned long)(frames0 - rt_frames_free()));
	c = rt_vmem_alloc(alen);
	tc_check(c == a, "the range is used again");
	tc_check(c && fill_and_check(c, alen, 3), "and holds new data");
	rt_vmem_free(c);
	tc_check(rt_vmem_alloc((size_t)rt_frames_free() * 4096 + 4096) == NULL, "more than we have: NULL");
	tc_check(frames0 - rt_frames_free() <= 4, "and nothing leaked");
	holes();
	reclaim();
}

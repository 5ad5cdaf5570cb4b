/* SPDX-License-Identifier: MIT */
/*
 * vmem (Skiff boot test): the runtime's big buffers (rt_vmem_alloc), which
 * dom0's toolstack decompresses kernels into. Buffers past the start-of-day
 * region need new L1 tables hooked into the boot L2 by mmu_update; every
 * byte is ours and holds what was written; freeing gives every frame back,
 * and the freed address range is used again.
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
}

/* SPDX-License-Identifier: MIT */
/* Hypervisor heap: small objects from power-of-two slabs, big ones straight from the frame allocator. */
#ifndef HV_HEAP_H
#define HV_HEAP_H

#include <hv/types.h>

/* Size classes are 16, 32, ..., 2048 bytes; anything bigger takes whole frames. */
#define HEAP_MIN_SHIFT		4
#define HEAP_MAX_SHIFT		11
#define HEAP_NR_CLASSES		(HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_MAX_SMALL		(1UL << HEAP_MAX_SHIFT)
/* Every pointer hv_alloc returns is aligned to at least this. */
#define HEAP_ALIGN		16

/*
 * Call once after frame_table_init (and before any hv_alloc). All heap
 * memory is charged to frame_owner_hv.
 */
void hv_heap_init(void);

/* NULL for size 0, sizes above 1 GiB, or no memory. Contents are not zeroed. */
void *hv_alloc(size_t size);
void *hv_zalloc(size_t size);

/*
 * NULL is ignored. Panics on a pointer the heap did not hand out, a pointer
 * into the middle of an object, or a double free (hypervisor bugs only).
 */
void hv_free(void *p);

struct hv_heap_stats {
	uint64_t slab_frames;			/* frames held by slabs */
	uint64_t big_frames;			/* frames held by big allocations */
	uint64_t big_allocs;			/* live big allocations */
	uint64_t live[HEAP_NR_CLASSES];		/* live objects per class */
	uint64_t slabs[HEAP_NR_CLASSES];	/* slabs per class */
	uint64_t bytes_in_use;			/* class or block size of live allocations */
};

void hv_heap_stats(struct hv_heap_stats *st);
void hv_heap_stats_print(void);

#endif

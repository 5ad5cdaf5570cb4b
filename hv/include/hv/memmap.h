/* SPDX-License-Identifier: MIT */
/* Boot-time view of physical memory: RAM minus what is reserved, and an early allocator over it; host-testable. */
#ifndef HV_MEMMAP_H
#define HV_MEMMAP_H

#include <hv/bootinfo.h>

#define MEMMAP_MAX_RESERVED 64

struct memmap {
	const struct boot_info *bi;
	unsigned int nr_reserved;
	struct {
		paddr_t start, end;
		const char *what;
	} reserved[MEMMAP_MAX_RESERVED];
	uint64_t early_bytes;		/* handed out by memmap_early_alloc */
	bool closed;			/* the frame allocator owns free memory now */
};

void memmap_init(struct memmap *m, const struct boot_info *bi);
/* Returns false if the table is full (the caller's bug: the table is sized for boot). */
bool memmap_reserve(struct memmap *m, paddr_t start, paddr_t end, const char *what);

typedef void (*memmap_range_fn)(paddr_t start, paddr_t end, void *arg);
/* Calls fn for each page-aligned [start, end) of RAM not reserved and not overlapped by non-RAM firmware ranges. */
void memmap_for_each_free(const struct memmap *m, memmap_range_fn fn, void *arg);

/* Page-aligned, contiguous, below limit, from the highest free range that fits; 0 when none (PA 0 is always reserved). */
paddr_t memmap_early_alloc(struct memmap *m, uint64_t bytes, uint64_t align, paddr_t limit);

#endif

/* SPDX-License-Identifier: MIT */
/* Memory for runtime programs: the guest's free frames, mapped pages from the boot padding, a map window, malloc. */
#ifndef RT_PAGE_H
#define RT_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Finds the free frames from start_info: every PFN past the start-of-day
 * region (kernel, modules, P2M, start info, xenstore and console pages,
 * page tables, boot stack, in the ABI's order) except an unmapped initrd
 * and a P2M placed by XEN_ELFNOTE_INIT_P2M. The ABI guarantees 512 KiB of
 * mapped padding after the boot stack: rt_page_alloc() hands those out.
 * Returns 0, or -XEN_ENOMEM when the domain has no free frames.
 */
long rt_page_init(void);
/* A zeroed page mapped read-write in the boot region, or NULL when the padding is used up. */
void *rt_page_alloc(void);
void rt_page_free(void *page);
/* A free frame not mapped anywhere (to give away, or to map through the window); returns its PFN or -1. */
int64_t rt_frame_alloc(void);
/* The same from PFN first on: frames past the start-of-day region are mapped nowhere (new page tables). */
int64_t rt_frame_alloc_from(uint64_t first);
void rt_frame_free(uint64_t pfn);
uint64_t rt_pfn_to_mfn(uint64_t pfn);
/* Free frames and free mapped pages left, for diagnostics and tests. */
uint64_t rt_frames_free(void);
uint64_t rt_pages_free(void);

/*
 * A window of virtual pages inside the image whose PTEs the runtime may
 * replace: for foreign frames (dom0 mapping a guest's ring), grant
 * mappings, or the guest's own unmapped frames. rt_window_get() returns a
 * free slot's address or NULL; rt_window_map() maps a machine frame there.
 */
void *rt_window_get(void);
void rt_window_put(void *va);
long rt_window_map(void *va, uint64_t mfn, bool writable);
long rt_window_unmap(void *va);

/*
 * Big buffers (vmem.c): n bytes of our own free frames mapped read-write at
 * consecutive addresses past the start-of-day region, or NULL. Freed
 * frames go back to the free list at once. rt_window_map_foreign() maps a
 * frame of domain dom in a window slot (dom0 building or inspecting it).
 */
void *rt_vmem_alloc(size_t len);
/* Address space alone: page tables for n bytes and no frames, for grant mappings to fill (their unmapping empties it). */
void *rt_vmem_reserve(size_t len);
/* Set by a program that keeps caches in vmem: asked to free about pages frames when an allocation lacks them. */
extern size_t (*rt_vmem_reclaim)(size_t pages);
void rt_vmem_free(void *p);
/* The PFN behind an address of the start-of-day region or a live vmem area (a device needs the frame); else -1. */
int64_t rt_va_pfn(const void *p);
long rt_window_map_foreign(void *va, uint64_t mfn, uint16_t dom, bool writable);

/* A small first-fit heap in the image's bss, for libxenstore's buffers and dom0's tables. */
void *malloc(size_t n);
void *calloc(size_t nmemb, size_t n);
void free(void *p);
void *realloc(void *p, size_t n);
/* Bytes the heap has handed out and not got back. */
size_t rt_heap_in_use(void);

#endif

/* SPDX-License-Identifier: MIT */
/* Grant helpers for runtime programs: map another domain's granted page into the map window, and unmap it. */
#ifndef RT_GRANT_H
#define RT_GRANT_H

#include <stdbool.h>
#include <stdint.h>
#include <pvabi/grant_table.h>

struct rt_grant_map {
	void *va;			/* where the page is mapped, NULL when not */
	grant_handle_t handle;
	domid_t dom;
	grant_ref_t ref;
	uint64_t dev_bus_addr;		/* the frame's machine address when mapped by rt_grant_map_frame, else 0 */
};

/*
 * Maps (dom, ref) read-write (or read-only) at a free window slot.
 * Returns 0, a GNTST_* status (< 0) from the hypervisor, or -XEN_ENOMEM
 * when the window is full (reported as GNTST_no_device_space).
 */
long rt_grant_map(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, bool readonly);
/*
 * The same, also asking for a device mapping (GNTMAP_device_map), whose
 * answer names the machine frame: what a backend compares when two grants
 * must not be one page. The frame in *mfn; rt_grant_unmap drops both.
 */
long rt_grant_map_frame(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, bool readonly, uint64_t *mfn);
long rt_grant_unmap(struct rt_grant_map *m);

#define RT_GRANT_AREA_MAX	16	/* pages of one rt_grant_area: a blkif ring of the largest order */

/* Several grants of one domain mapped read-write at consecutive pages (a multi-page shared ring). */
struct rt_grant_area {
	void *va;			/* the first page, NULL when not mapped */
	unsigned int nr;
	grant_handle_t handle[RT_GRANT_AREA_MAX];
};

/*
 * Maps (dom, refs[0 .. n-1]) in that order at n consecutive pages of a
 * new vmem area, in one hypercall. All or nothing: 0, or the first
 * failing entry's GNTST_* status with whatever did map undone (a revoked
 * or foreign ref among them fails the whole area); GNTST_no_device_space
 * when n is 0, above RT_GRANT_AREA_MAX or no address space is left.
 */
long rt_grant_map_area(struct rt_grant_area *a, domid_t dom, const grant_ref_t *refs, unsigned int n);
/* Undoes rt_grant_map_area (nothing if not mapped); its address space goes back. */
void rt_grant_unmap_area(struct rt_grant_area *a);

/*
 * What every granting guest does first: setup_table of one frame for
 * itself, and that frame mapped writable at window (a page-aligned page of
 * its own image). 0, the failing hypercall's error, or setup_table's
 * GNTST_* status.
 */
long rt_grant_table_map(void *window);

#endif

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
};

/*
 * Maps (dom, ref) read-write (or read-only) at a free window slot.
 * Returns 0, a GNTST_* status (< 0) from the hypervisor, or -XEN_ENOMEM
 * when the window is full (reported as GNTST_no_device_space).
 */
long rt_grant_map(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, bool readonly);
long rt_grant_unmap(struct rt_grant_map *m);

/*
 * What every granting guest does first: setup_table of one frame for
 * itself, and that frame mapped writable at window (a page-aligned page of
 * its own image). 0, the failing hypercall's error, or setup_table's
 * GNTST_* status.
 */
long rt_grant_table_map(void *window);

#endif

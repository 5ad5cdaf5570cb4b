/* SPDX-License-Identifier: MIT */
/* Grant helpers of the runtime: GNTTABOP_map_grant_ref / unmap_grant_ref at a slot of the map window. */
#include <pvabi/errno.h>
#include "rt.h"
#include "rt_grant.h"
#include "rt_page.h"

#define PTE_TABLE_RW	0x063ULL	/* P RW A D */

static long grant_map(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, uint32_t flags)
{
	struct gnttab_map_grant_ref op = { .flags = flags, .ref = ref, .dom = dom };
	void *va = rt_window_get();
	long rc;

	m->va = NULL;
	if (!va)
		return GNTST_no_device_space;
	op.host_addr = RT_PTR(va);
	rc = hyp_grant_table_op(GNTTABOP_map_grant_ref, RT_PTR(&op), 1);
	if (rc == 0)
		rc = op.status;
	if (rc != GNTST_okay) {
		rt_window_put(va);
		return rc;
	}
	m->va = va;
	m->handle = op.handle;
	m->dom = dom;
	m->ref = ref;
	m->dev_bus_addr = (flags & GNTMAP_device_map) ? op.dev_bus_addr : 0;
	return 0;
}

long rt_grant_map(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, bool readonly)
{
	return grant_map(m, dom, ref, GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0));
}

long rt_grant_map_frame(struct rt_grant_map *m, domid_t dom, grant_ref_t ref, bool readonly, uint64_t *mfn)
{
	long rc = grant_map(m, dom, ref, GNTMAP_host_map | GNTMAP_device_map | (readonly ? GNTMAP_readonly : 0));

	*mfn = rc ? 0 : m->dev_bus_addr >> 12;
	return rc;
}

long rt_grant_table_map(void *window)
{
	uint64_t frame = 0;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = RT_PTR(&frame) };
	long rc = hyp_grant_table_op(GNTTABOP_setup_table, RT_PTR(&st), 1);

	if (rc == 0)
		rc = st.status;
	if (rc == 0)
		rc = hyp_update_va_mapping(RT_PTR(window), (frame << 12) | PTE_TABLE_RW, UVMF_INVLPG);
	return rc;
}

long rt_grant_unmap(struct rt_grant_map *m)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = RT_PTR(m->va), .dev_bus_addr = m->dev_bus_addr,
					     .handle = m->handle };
	long rc;

	if (!m->va)
		return 0;
	rc = hyp_grant_table_op(GNTTABOP_unmap_grant_ref, RT_PTR(&op), 1);
	if (rc == 0)
		rc = op.status;
	if (rc == GNTST_okay) {
		rt_window_put(m->va);
		m->va = NULL;
	}
	return rc;
}

/*
 * Unmaps pages [0, n) of a where ok[i]; the area (address space alone, no
 * frames of ours under the grant entries) goes back only when every page
 * did: a grant PTE left behind must not be handed out again.
 */
static void rt_grant_area_undo(struct rt_grant_area *a, const bool *ok, unsigned int n)
{
	struct gnttab_unmap_grant_ref op[RT_GRANT_AREA_MAX];
	unsigned int m = 0;
	bool all = true;

	for (unsigned int i = 0; i < n; i++)
		if (ok[i])
			op[m++] = (struct gnttab_unmap_grant_ref){ .host_addr = RT_PTR(a->va) + i * RT_PAGE_SIZE,
								   .handle = a->handle[i], .status = GNTST_general_error };
	if (m && hyp_grant_table_op(GNTTABOP_unmap_grant_ref, RT_PTR(op), m) != 0)
		all = false;
	for (unsigned int i = 0; i < m; i++)
		all &= op[i].status == GNTST_okay;
	if (all)
		rt_vmem_free(a->va);
	else
		rt_printf("rt: unmapping a grant area failed: its address space is kept\n");
	a->va = NULL;
	a->nr = 0;
}

long rt_grant_map_area(struct rt_grant_area *a, domid_t dom, const grant_ref_t *refs, unsigned int n)
{
	struct gnttab_map_grant_ref op[RT_GRANT_AREA_MAX];
	bool ok[RT_GRANT_AREA_MAX];
	long rc = GNTST_okay;

	a->va = NULL;
	a->nr = 0;
	if (n == 0 || n > RT_GRANT_AREA_MAX || !(a->va = rt_vmem_reserve((size_t)n * RT_PAGE_SIZE)))
		return GNTST_no_device_space;
	/* An entry the hypervisor never reached keeps this status: counted as failed, never undone. */
	for (unsigned int i = 0; i < n; i++)
		op[i] = (struct gnttab_map_grant_ref){ .host_addr = RT_PTR(a->va) + i * RT_PAGE_SIZE,
						       .flags = GNTMAP_host_map, .ref = refs[i], .dom = dom,
						       .status = GNTST_general_error };
	if (hyp_grant_table_op(GNTTABOP_map_grant_ref, RT_PTR(op), n) != 0)
		rc = GNTST_general_error;
	for (unsigned int i = 0; i < n; i++) {
		ok[i] = op[i].status == GNTST_okay;
		a->handle[i] = op[i].handle;
		if (!ok[i] && rc == GNTST_okay)
			rc = op[i].status;
	}
	if (rc != GNTST_okay) {
		rt_grant_area_undo(a, ok, n);
		return rc;
	}
	a->nr = n;
	return 0;
}

void rt_grant_unmap_area(struct rt_grant_area *a)
{
	bool ok[RT_GRANT_AREA_MAX];

	if (!a->va)
		return;
	for (unsigned int i = 0; i < a->nr; i++)
		ok[i] = true;
	rt_grant_area_undo(a, ok, a->nr);
}

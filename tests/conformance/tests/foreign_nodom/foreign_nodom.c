/* SPDX-License-Identifier: MIT */
/*
 * foreign_nodom: the foreign forms of Xen's hypercalls, called by the
 * privileged domain (dom0) naming a domain that does not exist, or itself
 * by its id rather than DOMID_SELF (Xen's page-owner lookup refuses that):
 * mmu_update and mmuext_op with that foreigndom,
 * update_va_mapping_otherdomain and EVTCHNOP_alloc_unbound all answer
 * -ESRCH and do nothing. The reservation calls (populate_physmap and
 * increase/decrease_reservation with that domid) do nothing too and
 * answer 0 extents, as Xen 4.17 does (measured; Skiff said -ESRCH before).
 * (DOMID_XEN as foreigndom: Xen 4.17 answers -EINVAL for a machphys
 * update and a pin, Skiff -ESRCH; not checked here.) Not Skiff-specific;
 * checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include "test.h"
#include "rt_page.h"

#define NOBODY		77

static uint64_t list[2] = { 0x100, 0x101 };

static long reservation(unsigned int cmd, domid_t domid)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = 2, .domid = domid };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static void check_reservations(void)
{
	domid_t self = DOMID_SELF;
	long before = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self)), rc;

	rc = reservation(XENMEM_populate_physmap, NOBODY);
	rt_printf("foreign_nodom: populate_physmap for d%u: %ld\n", NOBODY, rc);
	tc_check(rc == 0, "populate_physmap for no domain does nothing, 0 extents (%ld)", rc);
	rc = reservation(XENMEM_increase_reservation, NOBODY);
	tc_check(rc == 0, "increase_reservation for no domain does nothing, 0 extents (%ld)", rc);
	rc = reservation(XENMEM_decrease_reservation, NOBODY);
	tc_check(rc == 0, "decrease_reservation for no domain does nothing, 0 extents (%ld)", rc);
	tc_check(list[0] == 0x100 && list[1] == 0x101, "the extent list is untouched");
	tc_expect_eq(hyp_memory_op(XENMEM_current_reservation, RT_PTR(&self)), before, "our reservation unchanged");
}

void test_main(void)
{
	uint8_t *w;
	int64_t pfn;
	uint64_t mfn;
	struct mmu_update u;
	struct mmuext_op pin;
	struct evtchn_alloc_unbound a = { .dom = NOBODY, .remote_dom = 0 };
	uint32_t done = 7;

	if (rt_page_init() < 0 || !(w = rt_window_get()) || (pfn = rt_frame_alloc()) < 0) {
		tc_error("no free frame or window slot");
		return;
	}
	mfn = rt_pfn_to_mfn((uint64_t)pfn);
	u = (struct mmu_update){ (mfn << 12) | MMU_MACHPHYS_UPDATE, (uint64_t)pfn };
	pin = (struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn };
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, RT_PTR(&done), NOBODY), -XEN_ESRCH,
		     "mmu_update with foreigndom of no domain");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&pin), 1, 0, NOBODY), -XEN_ESRCH, "mmuext_op with foreigndom of no domain");
	/* The runner boots every test as dom0: our own id is 0. */
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u), 1, 0, 0), -XEN_ESRCH,
		     "mmu_update with foreigndom = our own id (only DOMID_SELF means us)");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&pin), 1, 0, 0), -XEN_ESRCH, "mmuext_op with foreigndom = our own id");
	tc_expect_eq(rt_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, RT_PTR(w), (mfn << 12) | 1, 0,
				   NOBODY, 0), -XEN_ESRCH, "update_va_mapping_otherdomain with no domain");
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&a)), -XEN_ESRCH,
		     "alloc_unbound in no domain's table");
	/* The frame is still a plain free frame of ours: it maps writable in our own name. */
	tc_expect_eq(rt_window_map(w, mfn, true), 0, "our frame still maps writable (nothing pinned it)");
	rt_window_unmap(w);
	check_reservations();
	rt_frame_free((uint64_t)pfn);
	rt_window_put(w);
}

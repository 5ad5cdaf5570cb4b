/* SPDX-License-Identifier: MIT */
/*
 * privops_domu (hostile-guest suite, Skiff-specific): a domU tries the
 * privileged interface. Every domctl command, well-formed and aimed at
 * dom0 or at itself, gets -EPERM before its argument is read (nothing is
 * written back); every foreign form of Xen's hypercalls aimed at dom0 gets
 * -EPERM and at a domain that does not exist -ESRCH, as Xen 4.17 answers
 * them (the reservation calls answer 0 extents, as Xen's do, and do
 * nothing). Its own memory and dom0's (the heartbeat beside it
 * checks its own) are unchanged.
 */
#include <pvabi/sched.h>
#include "privops_util.h"

#define VICTIM		0	/* dom0, the heartbeat */
#define NOBODY		9

static struct skiff_dominfo infobuf[2];
static uint8_t modbuf[4096];

/* Every command, with arguments a privileged caller could use; the sentinel shows nothing came back. */
static void domctl_all(domid_t target)
{
	for (uint32_t cmd = 0; cmd <= SKIFF_DOMCTL_readconsole + 1; cmd++) {
		struct skiff_domctl op;
		char what[96];

		po_op(&op, cmd);
		switch (cmd) {
		case SKIFF_DOMCTL_list_domains:
			op.u.list.max_entries = 2;
			op.u.list.buffer = RT_PTR(infobuf);
			break;
		case SKIFF_DOMCTL_createdomain:
			op.u.create.max_vcpus = 1;
			op.u.create.max_pages = 16;
			memcpy(op.u.create.name, "intruder", 9);
			break;
		case SKIFF_DOMCTL_setvcpucontext:
			op.u.vcpuctx.domid = target;
			op.u.vcpuctx.ctxt = RT_PTR(modbuf);
			break;
		case SKIFF_DOMCTL_max_mem:
			op.u.mem.domid = target;
			op.u.mem.value = 1ULL << 30;
			break;
		case SKIFF_DOMCTL_getdomaininfo:
			op.u.info.domid = target;
			op.u.info.buffer = RT_PTR(infobuf);
			break;
		case SKIFF_DOMCTL_boot_module:
			op.u.module.buffer = RT_PTR(modbuf);
			op.u.module.buffer_len = sizeof(modbuf);
			break;
		default:
			op.u.dom.domid = target;
			break;
		}
		op.u.module.copied = 0x5e5e5e5e;	/* the union's last word: written back only on success */
		snprintf(what, sizeof(what), "domctl %u aimed at d%u", cmd, target);
		tc_expect_eq(po_domctl(&op), -XEN_EPERM, what);
		tc_check(op.u.module.copied == 0x5e5e5e5e && infobuf[0].name[0] == 0 && modbuf[0] == 0,
			 "and nothing was written back (command %u)", cmd);
	}
}

static void reservations(void)
{
	uint64_t self = 0, after = 0, list[2] = { 0x1000, 0x1001 };
	domid_t me = DOMID_SELF;

	self = (uint64_t)hyp_memory_op(XENMEM_current_reservation, RT_PTR(&me));
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, VICTIM, list, 2, 0), 0,
		     "populate_physmap for dom0: 0 extents");
	tc_expect_eq(po_reservation(XENMEM_increase_reservation, VICTIM, list, 2, 0), 0,
		     "increase_reservation for dom0: 0 extents");
	tc_expect_eq(po_reservation(XENMEM_decrease_reservation, VICTIM, list, 2, 0), 0,
		     "decrease_reservation of 'dom0's' frames: 0 extents");
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, NOBODY, list, 2, 0), 0,
		     "populate_physmap for no domain: 0 extents");
	tc_expect_eq(po_reservation(XENMEM_populate_physmap, DOMID_XEN, list, 2, 0), 0,
		     "populate_physmap for DOMID_XEN: 0 extents");
	after = (uint64_t)hyp_memory_op(XENMEM_current_reservation, RT_PTR(&me));
	tc_check(list[0] == 0x1000 && list[1] == 0x1001 && after == self,
		 "the extent list is untouched and our own reservation unchanged (%lu pages)", (unsigned long)after);
}

static void mmu_forms(void)
{
	uint8_t *w = rt_window_get();
	int64_t pfn = rt_frame_alloc();
	uint64_t mfn = pfn >= 0 ? rt_pfn_to_mfn((uint64_t)pfn) : 0;
	struct mmu_update u[2] = {
		{ po_pte_maddr(w) | MMU_NORMAL_PT_UPDATE, (mfn << 12) | PO_PTE_P | PO_PTE_RW | PO_PTE_A },
		{ (mfn << 12) | MMU_MACHPHYS_UPDATE, 5 },
	};
	uint32_t done = 77;
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = mfn };
	struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn };
	struct mmuext_op base = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfn };

	tc_expect_eq(hyp_mmu_update(RT_PTR(&u[0]), 1, RT_PTR(&done), VICTIM), -XEN_EPERM,
		     "mmu_update mapping a frame in dom0's name");
	tc_expect_eq(done, 0, "with no entry done");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u[1]), 1, 0, VICTIM), -XEN_EPERM, "an M2P update in dom0's name");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u[0]), 1, 0, NOBODY), -XEN_ESRCH, "foreigndom of no domain");
	tc_expect_eq(hyp_mmu_update(RT_PTR(&u[0]), 1, 0, 0x10000 | VICTIM), -XEN_ESRCH,
		     "a page-table owner in foreigndom's upper half");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&pin), 1, 0, VICTIM), -XEN_EPERM, "pinning in dom0's name");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&unpin), 1, 0, VICTIM), -XEN_EPERM, "unpinning in dom0's name");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&base), 1, 0, VICTIM), -XEN_EPERM, "a base pointer in dom0's name");
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&pin), 1, 0, NOBODY), -XEN_ESRCH, "pinning for no domain");
	tc_expect_eq(rt_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, RT_PTR(w), u[0].val, 0, VICTIM, 0),
		     -XEN_EPERM, "update_va_mapping_otherdomain with dom0");
	tc_expect_eq(rt_hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, RT_PTR(w), u[0].val, 0, NOBODY, 0),
		     -XEN_ESRCH, "update_va_mapping_otherdomain with no domain");
	/* Our own window slot still works as ours: the refusals left it as it was (unmapped). */
	tc_expect_eq(po_map_foreign(w, mfn, true, DOMID_SELF), 0, "our own frame maps there afterwards");
	po_map_foreign(w, 0, false, DOMID_SELF);
	if (pfn >= 0)
		rt_frame_free((uint64_t)pfn);
	rt_window_put(w);
}

static void evtchn_forms(void)
{
	tc_expect_eq(po_alloc_unbound(VICTIM, 1), -XEN_EPERM, "alloc_unbound in dom0's table");
	tc_expect_eq(po_alloc_unbound(NOBODY, 1), -XEN_ESRCH, "alloc_unbound for no domain");
	tc_check(po_alloc_unbound(DOMID_SELF, VICTIM) > 0, "in our own table it works");
}

/* Only the control domain shuts other domains down; as on Xen 4.17, a domU may not name even itself here. */
static void sched_forms(void)
{
	struct sched_remote_shutdown rs = { .domain_id = VICTIM, .reason = SHUTDOWN_poweroff };

	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&rs)), -XEN_EPERM, "remote_shutdown of dom0");
	rs.domain_id = 1;
	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&rs)), -XEN_EPERM, "remote_shutdown of itself");
	rs.domain_id = NOBODY;
	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&rs)), -XEN_ESRCH, "remote_shutdown of no domain");
}

void test_main(void)
{
	if (rt_page_init() < 0) {
		tc_error("no free frames");
		return;
	}
	domctl_all(VICTIM);
	domctl_all(1);
	reservations();
	mmu_forms();
	evtchn_forms();
	sched_forms();
}

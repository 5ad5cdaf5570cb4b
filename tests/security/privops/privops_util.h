/* SPDX-License-Identifier: MIT */
/* Shared by the privops guests: domctl calls and foreign mappings into the map window (Skiff-specific). */
#ifndef PRIVOPS_UTIL_H
#define PRIVOPS_UTIL_H

#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/skiff_domctl.h>
#include "test.h"
#include "rt_page.h"

#define PO_PTE_P	0x001ULL
#define PO_PTE_RW	0x002ULL
#define PO_PTE_US	0x004ULL
#define PO_PTE_A	0x020ULL
#define PO_PTE_D	0x040ULL
#define PO_PTE_NX	(1ULL << 63)

static inline long po_domctl(struct skiff_domctl *op)
{
	return rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(op), 0);
}

static inline void po_op(struct skiff_domctl *op, uint32_t cmd)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->interface_version = SKIFF_DOMCTL_INTERFACE_VERSION;
}

/* A one-domain command (pause, unpause, destroy). */
static inline long po_dom_cmd(uint32_t cmd, domid_t domid)
{
	struct skiff_domctl op;

	po_op(&op, cmd);
	op.u.dom.domid = domid;
	return po_domctl(&op);
}

static inline long po_info(domid_t domid, struct skiff_dominfo *out)
{
	struct skiff_domctl op;

	po_op(&op, SKIFF_DOMCTL_getdomaininfo);
	op.u.info.domid = domid;
	op.u.info.buffer = RT_PTR(out);
	return po_domctl(&op);
}

/* XENMEM_{populate_physmap,increase,decrease}_reservation for domid, one extent list. */
static inline long po_reservation(unsigned int cmd, domid_t domid, uint64_t *list, uint64_t n, unsigned int order)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n, .extent_order = order,
					    .domid = domid };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

/* Machine address of the PTE mapping va in this guest's start-of-day tables (L4, L3, L2, then the L1s). */
static inline uint64_t po_pte_maddr(void *va)
{
	const struct start_info *si = rt_boot.si;
	uint64_t off = (uint64_t)(uintptr_t)va - RT_VIRT_BASE;
	uint64_t l1_va = si->pt_base + (3 + off / (2ULL << 20)) * RT_PAGE_SIZE;

	return (rt_pfn_to_mfn((l1_va - RT_VIRT_BASE) / RT_PAGE_SIZE) << 12) + ((off >> 12) & 511) * 8;
}

/* mmu_update of our own PTE for va with foreigndom: maps mfn of dom there (or unmaps with pte 0). */
static inline long po_map_foreign(void *va, uint64_t mfn, bool writable, domid_t dom)
{
	struct mmu_update u = { po_pte_maddr(va) | MMU_NORMAL_PT_UPDATE,
				mfn ? (mfn << 12) | PO_PTE_P | PO_PTE_A | PO_PTE_NX | (writable ? PO_PTE_RW | PO_PTE_D : 0)
				    : 0 };
	struct mmuext_op flush = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = RT_PTR(va) };
	long rc = hyp_mmu_update(RT_PTR(&u), 1, 0, dom);

	hyp_mmuext_op(RT_PTR(&flush), 1, 0, DOMID_SELF);
	return rc;
}

static inline long po_pin(unsigned int cmd, uint64_t mfn, domid_t dom)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return hyp_mmuext_op(RT_PTR(&op), 1, 0, dom);
}

static inline long po_alloc_unbound(domid_t dom, domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	long rc = hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&a));

	return rc ? rc : (long)a.port;
}

#endif

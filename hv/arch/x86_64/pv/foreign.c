/* SPDX-License-Identifier: MIT */
/* Foreign mappings: the privileged domain maps another domain's frames into its own L1 tables (mmu_update with foreigndom, update_va_mapping_otherdomain). */
#include <asm/domain.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/mm.h>
#include <hv/priv.h>
#include <hv/pv_mm.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

int pv_foreign_owner(struct domain *cur, domid_t domid, bool own_id_ok, struct domain **out)
{
	struct domain *d;

	if (domid == DOMID_SELF || (own_id_ok && domid == cur->domid)) {
		*out = cur;
		return 0;
	}
	/* Xen 4.17's page-owner lookup refuses the caller's own id ("cannot specify itself"): measured. */
	if (domid == cur->domid)
		return -XEN_ESRCH;
	/* DOMID_IO and DOMID_XEN name no domain here: no I/O or hypervisor mappings (yet). */
	d = domid < DOMID_FIRST_RESERVED ? domain_find(domid) : NULL;
	if (!d)
		return -XEN_ESRCH;
	if (!priv_may_control(cur, d) || d->state == DOM_DYING) {
		int rc = priv_may_control(cur, d) ? -XEN_ESRCH : -XEN_EPERM;

		domain_put(d);
		return rc;
	}
	/*
	 * A fully virtual domain's frames include its nested page tables, which
	 * nothing outside the hypervisor may map, pin or free: until foreign
	 * access goes through its guest-physical map, none at all.
	 */
	if (is_hvm_domain(d)) {
		domain_put(d);
		return -XEN_EOPNOTSUPP;
	}
	*out = d;
	return 0;
}

void pv_foreign_put(struct domain *cur, struct domain *d)
{
	if (d != cur)
		domain_put(d);
}

/*
 * The entry is stored with the same references a local mapping holds (a
 * general one, and a writable type one for RW) but taken on fd's frame, so
 * fd's frame cannot become a page table while mapped writable here, cannot
 * leave fd while mapped at all, and whoever removes the entry (cur's
 * mmu_update, cur's teardown) drops exactly those. fd is marked: its
 * frames may now sit in cur's TLBs, so fd's type-change and release
 * flushes reach every CPU, not only fd's own.
 */
int pv_foreign_l1_update(struct domain *cur, struct domain *fd, mfn_t table, unsigned int index, uint64_t val)
{
	struct page_info *pg;
	uint64_t adj;
	mfn_t target;
	bool rw, shared;
	int rc;

	rc = pv_mm_check_entry(cur, 1, val, &adj);
	if (rc < 0)
		return rc;
	target = pv_pte_mfn(adj);
	if (!mfn_valid(target))
		return -XEN_EBUSY;	/* as for a local L1 target the domain may not map */
	pg = mfn_to_page(target);
	/* Besides fd's own frames, the hypervisor frames fd itself may map: its shared_info and grant frames. */
	shared = (__atomic_load_n(&pg->count_info, __ATOMIC_ACQUIRE) & PGC_SHARED_HV) &&
		 (target == fd->shared_info_mfn || gnttab_is_guest_frame(fd, target));
	if ((!shared && frame_owner_of(target) != &fd->mem) || get_page(pg, fd, shared) < 0)
		return -XEN_EBUSY;
	rw = adj & PV_PTE_RW;
	if (rw && get_page_type(pg, PAGE_TYPE_WRITABLE) < 0) {
		put_page(pg);
		return -XEN_EBUSY;
	}
	__atomic_store_n(&fd->arch.foreign_mapped, true, __ATOMIC_SEQ_CST);
	rc = pv_mm_grant_swap_l1(cur, table, index, adj, NULL);
	if (rc) {
		if (rw)
			put_page_type(pg);
		put_page(pg);
	}
	return rc;
}

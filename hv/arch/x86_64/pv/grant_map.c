/* SPDX-License-Identifier: MIT */
/* Grant mappings of PV guests: the PTE that map_grant_ref installs at a guest VA (or PTE address) and unmap removes. */
#include <asm/domain.h>
#include <asm/flush.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <pvabi/grant_table.h>

void flush_tlb_local_all(void);

/* L1 table and slot of a guest VA in the current vCPU's kernel tables; MFN_INVALID if a level is missing. */
static mfn_t va_to_l1_slot(struct domain *d, uint64_t va, unsigned int *index)
{
	struct vcpu *v = current_vcpu();
	mfn_t mfn;

	if (!v || v->domain != d || !guest_range_ok(va, 1))
		return MFN_INVALID;
	mfn = v->arch.guest_table;
	for (unsigned int level = 4; level > 1 && mfn != MFN_INVALID; level--) {
		const uint64_t *t = mfn_to_virt(mfn);
		uint64_t e = __atomic_load_n(&t[(va >> (12 + 9 * (level - 1))) & 511], __ATOMIC_ACQUIRE);

		if (!(e & PTE_P) || (e & PTE_PS))
			return MFN_INVALID;
		mfn = pv_pte_mfn(e);
		if (!mfn_valid(mfn))
			return MFN_INVALID;
	}
	*index = (unsigned int)((va >> 12) & 511);
	return mfn;
}

/* GNTMAP_contains_pte: host_addr is the machine address of the slot; otherwise a VA. */
static mfn_t slot_of(struct domain *d, uint64_t host_addr, uint32_t flags, unsigned int *index)
{
	if (flags & GNTMAP_contains_pte) {
		if (host_addr & 7)
			return MFN_INVALID;
		*index = (unsigned int)((host_addr & (PAGE_SIZE - 1)) >> 3);
		return (mfn_t)(host_addr >> PAGE_SHIFT);
	}
	return va_to_l1_slot(d, host_addr, index);
}

/*
 * Installs val in slot index of L1 table l1, and says what it replaced in
 * *old: the swap is made against the value read (A/D aside), so that value
 * is the one replaced. Another vCPU's update in between makes it try again.
 */
static bool swap_in(struct domain *d, mfn_t l1, unsigned int index, uint64_t val, uint64_t *old)
{
	/*
	 * contains_pte names any machine address: only a frame typed as an L1
	 * table is read (RAM, never device memory); the swap then checks it is
	 * one of d's, under its own references.
	 */
	if (!mfn_valid(l1) || page_type_of(mfn_to_page(l1)) != PAGE_TYPE_L1)
		return false;
	for (unsigned int tries = 0; tries < 4; tries++) {
		*old = __atomic_load_n(&((const uint64_t *)mfn_to_virt(l1))[index], __ATOMIC_ACQUIRE);
		if (pv_mm_grant_swap_l1(d, l1, index, val, old) == 0)
			return true;
	}
	return false;
}

/*
 * As Xen for PV: present, accessed, dirty, user (the 64-bit PV kernel runs
 * at CPL3, so application_map changes nothing), RW unless readonly.
 */
int gnttab_arch_map(struct domain *d, struct domain *granter, uint64_t host_addr, uint32_t flags,
		    mfn_t mfn, uint64_t *pte, uint64_t *pte_maddr)
{
	bool rw = !(flags & GNTMAP_readonly);
	struct page_info *pg = mfn_to_page(mfn);
	unsigned int index;
	mfn_t l1 = slot_of(d, host_addr, flags, &index);
	uint64_t val = (mfn << PAGE_SHIFT) | PV_PTE_P | PV_PTE_US | PV_PTE_A | PV_PTE_D | (rw ? PV_PTE_RW : 0), old;

	if (l1 == MFN_INVALID)
		return GNTST_general_error;
	/* The entry's own references, as any L1 entry holds (the grant use holds another set). */
	if (get_page(pg, granter, false))
		return GNTST_general_error;
	if (rw && get_page_type(pg, PAGE_TYPE_WRITABLE)) {
		put_page(pg);
		return GNTST_general_error;
	}
	if (!swap_in(d, l1, index, val, &old)) {
		if (rw)
			put_page_type(pg);
		put_page(pg);
		return GNTST_general_error;
	}
	/*
	 * Only a present entry can be cached: a slot that was empty needs no
	 * flush (an emulator's invlpg can throw away its whole TLB, and most
	 * maps go to empty slots).
	 */
	if (old & PV_PTE_P) {
		if (!(flags & GNTMAP_contains_pte))
			invlpg((void *)host_addr);
		else
			flush_tlb_local_all();
	}
	*pte = val;
	*pte_maddr = (l1 << PAGE_SHIFT) | ((uint64_t)index << 3);
	return GNTST_okay;
}

/*
 * The slot must still hold our entry (the guest may have replaced it: that
 * dropped its references already, and Xen too refuses to unmap then). For
 * unmap_and_replace, new_addr's entry moves into the slot, references and
 * all, and new_addr's slot is cleared.
 */
int gnttab_arch_unmap(struct domain *d, uint64_t host_addr, uint32_t flags, uint64_t pte, uint64_t new_addr)
{
	unsigned int index, nindex;
	mfn_t l1 = slot_of(d, host_addr, flags, &index), nl1;
	uint64_t moved = 0;

	if (l1 == MFN_INVALID)
		return GNTST_general_error;
	if (new_addr) {
		nl1 = va_to_l1_slot(d, new_addr, &nindex);
		if (nl1 == MFN_INVALID)
			return GNTST_general_error;
		moved = __atomic_load_n(&((uint64_t *)mfn_to_virt(nl1))[nindex], __ATOMIC_ACQUIRE);
		/* Clearing new_addr first would drop the references we are about to move: take one set more. */
		if (moved & PV_PTE_P) {
			struct page_info *mp = mfn_to_page(pv_pte_mfn(moved));

			if (!mfn_valid(pv_pte_mfn(moved)) || get_page(mp, d, false))
				return GNTST_general_error;
			if ((moved & PV_PTE_RW) && get_page_type(mp, PAGE_TYPE_WRITABLE)) {
				put_page(mp);
				return GNTST_general_error;
			}
		}
		if (pv_mm_grant_swap_l1(d, nl1, nindex, 0, &moved) != 0) {
			if (moved & PV_PTE_P) {
				if (moved & PV_PTE_RW)
					put_page_type(mfn_to_page(pv_pte_mfn(moved)));
				put_page(mfn_to_page(pv_pte_mfn(moved)));
			}
			return GNTST_general_error;
		}
	}
	if (pv_mm_grant_swap_l1(d, l1, index, moved, &pte) != 0) {
		/* new_addr is already cleared; its references stay with nobody: give them back. */
		if (moved & PV_PTE_P) {
			if (moved & PV_PTE_RW)
				put_page_type(mfn_to_page(pv_pte_mfn(moved)));
			put_page(mfn_to_page(pv_pte_mfn(moved)));
		}
		return GNTST_general_error;
	}
	return GNTST_okay;
}

/*
 * Domains have one vCPU today and it runs here (or nowhere, at teardown):
 * a local flush reaches every TLB that may hold the mapping. SMP guests
 * will need a flush IPI to every CPU that ran one of d's vCPUs since.
 * A CR3 reload is enough: guest entries are never global (pv_mm strips G,
 * and grant PTEs are written without it), and it keeps the hypervisor's
 * own global translations, unlike the PGE toggle.
 */
/* Every CPU that may hold d's translations (guest entries are never global, so a flush there is enough). */
void gnttab_arch_flush(struct domain *d)
{
	flush_tlb_domain(d);
}

/* The M2P names the receiver's pseudo-physical frame (the one its entry gave), as Xen sets it for a PV receiver. */
void gnttab_arch_page_given_away(struct domain *d, mfn_t mfn, uint64_t gfn)
{
	m2p_set(mfn, gfn);
	gnttab_arch_flush(d);
}

/*
 * A refused transfer's page, as Xen 4.17 frees it: the sender gave it up
 * (unmapped, its own reference dropped just before this call). Claimed
 * first, so a reference another vCPU of the sender took meanwhile wins and
 * the page stays the sender's (it raced itself); otherwise it leaves as a
 * decrease_reservation'd page does: M2P invalid, TLBs flushed, freed and
 * uncharged.
 */
void gnttab_arch_page_dropped(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (pv_mm_claim_for_release(d, pg) < 0)
		return;
	m2p_set(mfn, M2P_INVALID);
	pg->type_info = 0;
	if (__atomic_load_n(&d->arch.foreign_mapped, __ATOMIC_SEQ_CST))
		flush_tlb_mask(~0ULL);
	else
		flush_tlb_domain(d);
	frame_free_range(mfn, 1);
}

/* clflush writes back and invalidates each line; the fence orders it before the hypercall returns. */
void gnttab_arch_cache_clean(const void *p, size_t len)
{
	const uint8_t *b = (const uint8_t *)((uintptr_t)p & ~(uintptr_t)63), *e = (const uint8_t *)p + len;

	for (; b < e; b += 64)
		__asm__ volatile("clflush (%0)" :: "r"(b) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

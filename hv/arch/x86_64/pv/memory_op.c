/* SPDX-License-Identifier: MIT */
/* memory_op for PV guests: reservations (balloon), the M2P's whereabouts, and memory maps. */
#include <asm/domain.h>
#include <asm/flush.h>
#include <asm/m2p.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/bootinfo.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include <pvabi/xen.h>

/* A domU may ask for at most 2 MiB extents; the initial domain for up to 1 GiB (as Xen). */
#define MAX_ORDER_DOMU	9
#define MAX_ORDER_DOM0	18
#define MAX_EXTENTS	(1u << 20)

void flush_tlb_local_all(void);

static struct domain *self_or_null(struct domain *d, domid_t domid)
{
	return domid == DOMID_SELF || domid == d->domid ? d : NULL;
}

/* A frame can leave the guest only when nothing maps, pins or types it any more. */
static bool frame_releasable(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;

	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return false;
	pg = mfn_to_page(mfn);
	return !page_ref_count(pg) && !page_type_count(pg);
}

/*
 * Any frames the guest owns go back, whatever extents they came in: the
 * allocator splits a block the range cuts (a 4 KiB page of a 2 MiB extent).
 * Claimed here, freed by release_batch_end after one TLB flush for the batch.
 */
static int release_claim(struct domain *d, mfn_t mfn, unsigned int order)
{
	if (mfn > MFN_INVALID - (1ULL << order))
		return -XEN_EINVAL;
	for (uint64_t i = 0; i < (1ULL << order); i++)
		if (!frame_releasable(d, mfn + i))
			return -XEN_EINVAL;
	/* The look above was a quick refusal; this claim holds against the guest's other vCPUs mapping a frame now. */
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		if (pv_mm_claim_for_release(d, mfn_to_page(mfn + i)) < 0) {
			while (i--)
				pv_mm_release_abort(mfn_to_page(mfn + i));
			return -XEN_EINVAL;
		}
	}
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		m2p_set(mfn + i, M2P_INVALID);
		mfn_to_page(mfn + i)->type_info = 0;
	}
	return 0;
}

/*
 * The guest may still have the frames in a TLB from mappings it already
 * removed: every CPU it ran on flushes; every CPU, if another domain has
 * mapped its frames (the toolstack building it). Once per batch: a flush
 * per page made a balloon driver's 512-page call cost 512 IPI rounds.
 */
static void release_batch_end(struct domain *d, const mfn_t *mfns, unsigned int n, unsigned int order)
{
	if (!n)
		return;
	if (__atomic_load_n(&d->arch.foreign_mapped, __ATOMIC_SEQ_CST))
		flush_tlb_mask(~0ULL);
	else
		flush_tlb_domain(d);
	for (unsigned int i = 0; i < n; i++)
		frame_free_range(mfns[i], 1ULL << order);
}

/* Extents per flush: up to 512 frames, at least one extent. */
#define RELEASE_BATCH	64

static unsigned int release_batch_size(unsigned int order)
{
	return order >= 9 ? 1 : MIN(RELEASE_BATCH, 512u >> order);
}

/*
 * Extents above 2 MiB are zeroed 2 MiB at a time, and the call continues
 * when the CPU is wanted (dom0's 1 GiB extent is 262,144 pages). Until it
 * is zeroed the extent is the domain's (charged) but every frame is
 * PGC_LEAVING, so no reference to old data can be taken by a guest that
 * guesses the MFN. A call that does not come back for it (the guest's
 * upcall changed its registers, or it asks for something else) frees it;
 * so does the domain's teardown, which frees LEAVING frames as any other.
 */
#define ZERO_PIECE_ORDER	9

static void zero_pending_drop(struct arch_vcpu *a)
{
	if (a->zero_mfn == MFN_INVALID)
		return;
	frame_free(a->zero_mfn, a->zero_order);
	a->zero_mfn = MFN_INVALID;
}

/*
 * The extent for slot done of this call, or MFN_INVALID with *again set
 * when it is not zeroed yet: the calling vCPU v keeps the half-zeroed one.
 */
static mfn_t alloc_extent(struct vcpu *v, struct domain *d, unsigned int order, uint64_t cmd, uint64_t arg,
			  bool *again)
{
	struct arch_vcpu *a = &v->arch;
	uint64_t n = 1ULL << order;
	mfn_t mfn;

	*again = false;
	if (order <= ZERO_PIECE_ORDER)
		return frame_alloc_zeroed(order, &d->mem);
	/* The same call continued, for the same domain: a caller that rewrote its argument to name another starts over. */
	if (a->zero_mfn != MFN_INVALID && (a->zero_cmd != cmd || a->zero_arg != arg || a->zero_order != order ||
					   __atomic_load_n(&mfn_to_page(a->zero_mfn)->u.owner, __ATOMIC_ACQUIRE) != &d->mem))
		zero_pending_drop(a);
	if (a->zero_mfn == MFN_INVALID) {
		mfn = frame_alloc(order, &d->mem);
		if (mfn == MFN_INVALID)
			return MFN_INVALID;
		for (uint64_t i = 0; i < n; i++)
			__atomic_fetch_or(&mfn_to_page(mfn + i)->count_info, PGC_LEAVING, __ATOMIC_RELEASE);
		a->zero_mfn = mfn;
		a->zero_order = order;
		a->zero_next = 0;
		a->zero_cmd = cmd;
		a->zero_arg = arg;
	}
	mfn = a->zero_mfn;
	while (a->zero_next < n) {
		/* At least one piece per call: a preempted call always makes progress. */
		for (uint64_t i = 0; i < (1ULL << ZERO_PIECE_ORDER); i++)
			memset(mfn_to_virt(mfn + a->zero_next + i), 0, PAGE_SIZE);
		a->zero_next += 1ULL << ZERO_PIECE_ORDER;
		if (a->zero_next < n && hypercall_preempt_check()) {
			*again = true;
			return MFN_INVALID;
		}
	}
	/* All at once, so an abandoned extent never has a referenced frame and can always be freed whole. */
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_and(&mfn_to_page(mfn + i)->count_info, ~PGC_LEAVING, __ATOMIC_RELEASE);
	a->zero_mfn = MFN_INVALID;
	return mfn;
}

/* decrease_reservation from extent done on: batches of claims, each freed after one flush. */
static long decrease(struct domain *d, uint64_t cmd, uint64_t arg, const struct xen_memory_reservation *r,
		     uint64_t done)
{
	unsigned int order = r->extent_order, max = release_batch_size(order), n;
	uint64_t start = done;
	mfn_t batch[RELEASE_BATCH];
	bool failed = false;

	while (done < r->nr_extents && !failed) {
		if (done > start && hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_memory_op,
							     (cmd & MEMOP_CMD_MASK) | (done << MEMOP_EXTENT_SHIFT),
							     arg, 0, 0, 0);
		for (n = 0; n < max && done + n < r->nr_extents; n++) {
			uint64_t slot = r->extent_start + (done + n) * sizeof(xen_pfn_t), val;

			if (copy_from_guest(&val, slot, sizeof(val)) < 0 || release_claim(d, val, order) < 0) {
				failed = true;
				break;
			}
			batch[n] = val;
		}
		release_batch_end(d, batch, n, order);
		done += n;
	}
	return (long)done;
}

/*
 * Returns extents done, counted from the start extent; errors end the batch
 * early, as Xen's reservation calls do. cmd is the whole unsigned long:
 * bits 6 and up carry the extent to start at (Xen's MEMOP_EXTENT_SHIFT
 * encoding), which a continuation advances; the count returned is the total.
 */
static long reservation(struct vcpu *v, struct domain *d, uint64_t cmd, uint64_t arg,
			const struct xen_memory_reservation *r)
{
	/* The caller's limit, as Xen's: the toolstack may give a domU larger extents than it may take itself. */
	unsigned int max_order = v->domain->is_privileged ? MAX_ORDER_DOM0 : MAX_ORDER_DOMU;
	uint64_t done = cmd >> MEMOP_EXTENT_SHIFT, start = done;
	unsigned int op = cmd & MEMOP_CMD_MASK;
	bool again;

	if (start >= r->nr_extents)
		return (long)start;
	if (r->extent_order > max_order || r->nr_extents > MAX_EXTENTS)
		return (long)start;
	/*
	 * As Xen: the extents left must all lie in the guest's half before any
	 * is done (increase_reservation may pass no list at all), so a list
	 * running into the hypervisor's slots does nothing rather than part.
	 */
	if ((op != XENMEM_increase_reservation || r->extent_start) &&
	    !guest_range_ok(r->extent_start + start * sizeof(xen_pfn_t), (r->nr_extents - start) * sizeof(xen_pfn_t)))
		return (long)start;
	/* Frames a half-done page-table release still holds must be free before the guest can give them back. */
	if (pv_mm_finish_deferred(v))
		return hypercall_create_continuation(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
	if (op == XENMEM_decrease_reservation)
		return decrease(d, cmd, arg, r, done);
	for (; done < r->nr_extents; done++) {
		uint64_t slot = r->extent_start + done * sizeof(xen_pfn_t), val;
		mfn_t mfn;

		if (done > start && hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_memory_op,
							     (cmd & MEMOP_CMD_MASK) | (done << MEMOP_EXTENT_SHIFT),
							     arg, 0, 0, 0);
		if (op != XENMEM_increase_reservation && copy_from_guest(&val, slot, sizeof(val)) < 0)
			break;
		mfn = alloc_extent(v, d, r->extent_order, (cmd & MEMOP_CMD_MASK) | (done << MEMOP_EXTENT_SHIFT), arg,
				   &again);
		if (again)
			return hypercall_create_continuation(__HYPERVISOR_memory_op,
							     (cmd & MEMOP_CMD_MASK) | (done << MEMOP_EXTENT_SHIFT),
							     arg, 0, 0, 0);
		if (mfn == MFN_INVALID)
			break;		/* out of memory or past max_pages */
		if (op == XENMEM_populate_physmap) {
			for (uint64_t i = 0; i < (1ULL << r->extent_order); i++)
				m2p_set(mfn + i, val + i);
		}
		if ((op != XENMEM_increase_reservation || r->extent_start) &&
		    copy_to_guest(slot, &mfn, sizeof(mfn)) < 0) {
			for (uint64_t i = 0; i < (1ULL << r->extent_order); i++)
				m2p_set(mfn + i, M2P_INVALID);
			frame_free(mfn, r->extent_order);
			break;
		}
	}
	return (long)done;
}

static long machphys_mfn_list(uint64_t arg)
{
	struct xen_machphys_mfn_list l;
	uint64_t mfn = m2p_first_mfn();
	uint32_t n = 0, chunks = m2p_nr_chunks();

	if (copy_from_guest(&l, arg, sizeof(l)) < 0)
		return -XEN_EFAULT;
	for (; n < l.max_extents && n < chunks; n++) {
		uint64_t m = mfn + (uint64_t)n * 512;

		if (copy_to_guest(l.extent_start + n * sizeof(m), &m, sizeof(m)) < 0)
			return -XEN_EFAULT;
	}
	l.nr_extents = n;
	return copy_to_guest(arg, &l, sizeof(l)) < 0 ? -XEN_EFAULT : 0;
}

static long pseudo_physical_map(struct domain *d, uint64_t arg)
{
	struct xen_memory_map m;
	struct e820entry e = { 0, d->mem.max_frames << PAGE_SHIFT, E820_RAM };

	if (copy_from_guest(&m, arg, sizeof(m)) < 0)
		return -XEN_EFAULT;
	if (m.nr_entries < 1)
		return -XEN_EINVAL;
	/* One RAM range the size of the domain's allowance: there is no toolstack map yet. */
	if (copy_to_guest(m.buffer, &e, sizeof(e)) < 0)
		return -XEN_EFAULT;
	m.nr_entries = 1;
	return copy_to_guest(arg, &m, sizeof(m)) < 0 ? -XEN_EFAULT : 0;
}

static long machine_map(struct domain *d, uint64_t arg)
{
	struct xen_memory_map m;
	unsigned int n;

	if (!d->is_privileged)
		return -XEN_EPERM;
	if (copy_from_guest(&m, arg, sizeof(m)) < 0)
		return -XEN_EFAULT;
	for (n = 0; n < bootinfo.nr_ranges && n < m.nr_entries; n++) {
		struct e820entry e = { bootinfo.ranges[n].start, bootinfo.ranges[n].len, bootinfo.ranges[n].type };

		if (copy_to_guest(m.buffer + n * sizeof(e), &e, sizeof(e)) < 0)
			return -XEN_EFAULT;
	}
	m.nr_entries = n;
	return copy_to_guest(arg, &m, sizeof(m)) < 0 ? -XEN_EFAULT : 0;
}

long do_memory_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	struct xen_memory_reservation r;
	struct xen_machphys_mapping mm;
	domid_t domid;
	/* cmd is a whole unsigned long: bits 6 and up are the extent to start at (Xen's continuations). */
	uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;

	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap: {
		long rc;

		/*
		 * As Xen 4.17, these calls answer how many extents are done, never an
		 * error code: an unreadable argument, no such domain, one not the
		 * caller's to change (or an HVM domain's, see pv_foreign_owner) all
		 * answer the start extent, i.e. nothing more done. Another domain
		 * (the toolstack building it) is charged and bounded by its own
		 * max_pages.
		 */
		if (copy_from_guest(&r, arg, sizeof(r)) < 0)
			return (long)start;
		if (pv_foreign_owner(v->domain, r.domid, true, &d))
			return (long)start;
		rc = reservation(v, d, cmd, arg, &r);
		pv_foreign_put(v->domain, d);
		return rc;
	}
	case XENMEM_maximum_ram_page:
		return start ? -XEN_EINVAL : (long)frame_table_frames;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		if (start)
			return -XEN_EINVAL;
		if (copy_from_guest(&domid, arg, sizeof(domid)) < 0)
			return -XEN_EFAULT;
		d = self_or_null(v->domain, domid);
		if (!d)
			return -XEN_ESRCH;
		return (long)((cmd & 0x3f) == XENMEM_current_reservation ? frame_owner_frames(&d->mem)
									  : d->mem.max_frames);
	default:
		break;
	}
	/* Xen hands the rest to its arch layer with the whole cmd: a start extent makes them unknown. */
	if (start)
		return -XEN_ENOSYS;
	switch (cmd) {
	case XENMEM_machphys_mapping:
		mm = (struct xen_machphys_mapping){ MACH2PHYS_VIRT_START, MACH2PHYS_VIRT_END,
						    frame_table_frames - 1 };
		return copy_to_guest(arg, &mm, sizeof(mm)) < 0 ? -XEN_EFAULT : 0;
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_memory_map:
		return pseudo_physical_map(d, arg);
	case XENMEM_machine_memory_map:
		return machine_map(d, arg);
	default:
		return -XEN_ENOSYS;
	}
}

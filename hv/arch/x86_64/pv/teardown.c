/* SPDX-License-Identifier: MIT */
/* PV domain teardown: kept frames, page tables and memory given back in resumable steps of bounded work; zombie frames freed. */
#include <asm/domain.h>
#include <asm/flush.h>
#include <asm/hvm.h>
#include <asm/m2p.h>
#include <asm/pv.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <pvabi/errno.h>

/*
 * Preemption points per step: each may release a whole L1 (512 entries)
 * or look at TEARDOWN_SCAN frames of the frame table.
 */
#define TEARDOWN_BUDGET		16
#define TEARDOWN_SCAN		512

enum { TD_KEPT, TD_TABLES, TD_FREE, TD_DONE };

void arch_domain_kill(struct domain *d)
{
	/*
	 * on_cpu drops before a CPU leaving d's vCPU has switched CR3 and
	 * cleared its bit in dirty_cpus (context_switch must drop it early, or
	 * two CPUs swapping vCPUs would wait on each other). That clear is the
	 * last touch of d on that path, and d's tables are freed after this:
	 * wait for every CPU to have left them.
	 */
	while (__atomic_load_n(&d->arch.dirty_cpus, __ATOMIC_ACQUIRE))
		pv_mm_spin_wait();
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		pv_vcpu_timers_kill(d->vcpu[i]);
	hvm_domain_kill(d);
}

/* Each slot is cleared only once its release finished: a step that stops resumes at the same one. */
static int release_vcpu_tables(struct arch_vcpu *a)
{
	while (a->nr_deferred_put) {
		if (put_page_and_type_preemptible(a->deferred_put[a->nr_deferred_put - 1]))
			return -XEN_ERESTART;
		a->nr_deferred_put--;
	}
	/* An L4 the guest unpinned while using it: this may release its whole tree. */
	if (a->guest_table != MFN_INVALID) {
		if (put_page_and_type_preemptible(mfn_to_page(a->guest_table)))
			return -XEN_ERESTART;
		a->guest_table = MFN_INVALID;
	}
	if (a->guest_table_user != MFN_INVALID) {
		if (put_page_and_type_preemptible(mfn_to_page(a->guest_table_user)))
			return -XEN_ERESTART;
		a->guest_table_user = MFN_INVALID;
	}
	return 0;
}

/*
 * Drops the references of every guest frame the hypervisor kept using (see
 * "Guest frames the hypervisor keeps" in docs/ARCHITECTURE.md): a hypercall
 * left half done and base pointers first, as they hold L4 references the
 * table walk must see dropped; then vcpu_info pages, GDT frames, the pirq
 * EOI page and the console ring.
 */
static int release_kept_frames(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct arch_vcpu *a = &d->vcpu[i]->arch;

		if (release_vcpu_tables(a))
			return -XEN_ERESTART;
		if (a->vcpu_info_mfn != MFN_INVALID) {
			d->vcpu[i]->vcpu_info = NULL;
			put_page_and_type(mfn_to_page(a->vcpu_info_mfn));
			a->vcpu_info_mfn = MFN_INVALID;
		}
		for (unsigned int f = 0; f < a->gdt_nr_frames; f++)
			put_page_and_type(mfn_to_page(a->gdt_frames[f]));
		a->gdt_nr_frames = 0;
	}
	if (d->arch.pirq_eoi_mfn) {
		put_page_and_type(mfn_to_page(d->arch.pirq_eoi_mfn));
		d->arch.pirq_eoi_mfn = 0;
	}
	/* d is dying: its console timer is dead, so nobody drains the ring now. */
	if (d->console_mfn != MFN_INVALID) {
		put_page_and_type(mfn_to_page(d->console_mfn));
		d->console_mfn = MFN_INVALID;
	}
	return 0;
}

/*
 * Whether d owns mfn. The unlocked look filters the frame table cheaply
 * (a dying domain gains no frames); the allocator confirms under its lock.
 */
static bool owned(struct domain *d, mfn_t mfn)
{
	const struct page_info *pg = mfn_to_page(mfn);

	if ((__atomic_load_n(&pg->alloc_info, __ATOMIC_RELAXED) & FRAME_STATE_MASK) != FRAME_STATE_ALLOCATED ||
	    __atomic_load_n(&pg->u.owner, __ATOMIC_RELAXED) != &d->mem)
		return false;
	return frame_owner_of(mfn) == &d->mem;
}

/* The frame table walked once: pins, abandoned validations and table contents dropped, frame by frame. */
static int walk_tables(struct domain *d)
{
	struct arch_domain *a = &d->arch;

	for (; a->td_scan < frame_table_frames; a->td_scan++) {
		if (a->td_scan % TEARDOWN_SCAN == 0 && !a->td_pt.phase && pv_mm_preempt_check(d))
			return -XEN_ERESTART;
		if (owned(d, a->td_scan) && pv_mm_relinquish_frame(d, mfn_to_page(a->td_scan), &a->td_pt))
			return -XEN_ERESTART;
	}
	return 0;
}

/* A frame some other domain still uses stays, charged to d; the last put hands it to the reaper. */
static void free_or_keep(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	__atomic_add_fetch(&d->zombie_frames, 1, __ATOMIC_ACQ_REL);
	if (pv_mm_make_zombie(pg)) {
		d->zombies_total++;
		return;
	}
	/* The bias keeps the count above 0 while frames are being given up. */
	__atomic_sub_fetch(&d->zombie_frames, 1, __ATOMIC_ACQ_REL);
	if (page_type_count(pg)) {
		log_err("d%u: mfn %#lx has a type count but no reference; left allocated", d->domid, mfn);
		return;
	}
	frame_free(mfn, 0);
}

/*
 * A block whose frames nobody uses goes back whole; otherwise it is split
 * and each frame goes back on its own, or stays as a zombie.
 */
static void give_up_block(struct domain *d, mfn_t head, unsigned int order)
{
	uint64_t n = 1ULL << order;
	bool all = true;

	for (uint64_t i = 0; i < n; i++) {
		m2p_set(head + i, M2P_INVALID);
		if (!pv_mm_claim_dead(mfn_to_page(head + i)))
			all = false;
	}
	if (all) {
		frame_free(head, order);
		return;
	}
	if (order)
		frame_split(head, order);
	for (uint64_t i = 0; i < n; i++) {
		if (mfn_to_page(head + i)->count_info & PGC_LEAVING)
			frame_free(head + i, 0);	/* claimed above: nobody can take a reference */
		else
			free_or_keep(d, head + i);
	}
}

static int walk_free(struct domain *d)
{
	struct arch_domain *a = &d->arch;
	uint64_t seen = 0;

	while (a->td_scan < frame_table_frames) {
		mfn_t head;
		unsigned int order = 0;

		if (seen >= TEARDOWN_SCAN) {
			seen = 0;
			if (pv_mm_preempt_check(d))
				return -XEN_ERESTART;
		}
		head = owned(d, a->td_scan) ? frame_block_head(a->td_scan, &order) : MFN_INVALID;
		/* Blocks are aligned and walked upwards: the head always comes first. */
		if (head == a->td_scan) {
			give_up_block(d, head, order);
			a->td_scan += 1ULL << order;
			seen += 1ULL << order;
		} else {
			a->td_scan++;
			seen++;
		}
	}
	return 0;
}

void arch_domain_free(struct domain *d)
{
	hvm_domain_free(d);
}

int arch_domain_relinquish(struct domain *d)
{
	struct arch_domain *a = &d->arch;
	int rc = 0;

	a->teardown_budget = TEARDOWN_BUDGET;
	switch (a->td_stage) {
	case TD_KEPT:
		/* An HVM domain's VMCBs; its RAM and NPT tables are its frames, given up by the walks below. */
		hvm_domain_relinquish(d);
		rc = release_kept_frames(d);
		if (rc)
			break;
		a->td_stage = TD_TABLES;
		a->td_scan = 0;
		a->td_pt = (struct pv_mm_teardown){ 0 };
		/* fall through */
	case TD_TABLES:
		rc = walk_tables(d);
		if (rc)
			break;
		a->td_stage = TD_FREE;
		a->td_scan = 0;
		/* fall through */
	case TD_FREE:
		rc = walk_free(d);
		if (rc)
			break;
		a->td_stage = TD_DONE;
		a->nr_pages = 0;
		/* fall through */
	default:
		break;
	}
	a->teardown_budget = 0;
	return rc;
}

/*
 * Zombie frames whose last user let go. The user's mapping may still be
 * in any CPU's TLB (its unmap flushes only at the end of its batch), so
 * every CPU flushes before the frames return to the allocator.
 */
void arch_domain_reap_zombies(void)
{
	struct page_info *pg = pv_mm_zombies_take();

	if (!pg)
		return;
	flush_tlb_mask(~0ULL);
	while (pg) {
		struct page_info *next = pv_mm_zombie_next(pg);
		mfn_t mfn = page_to_mfn(pg);
		struct frame_owner *o = frame_owner_of(mfn);

		frame_free(mfn, 0);
		domain_zombie_put(container_of(o, struct domain, mem));
		pg = next;
	}
}

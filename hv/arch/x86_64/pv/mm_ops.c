/* SPDX-License-Identifier: MIT */
/* PV MMU hypercalls: mmu_update, mmuext_op, update_va_mapping. Validation lives in common/pv_mm*.c; this is decode and TLB work. */
#include <asm/domain.h>
#include <asm/flush.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/iomem.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

/*
 * mmu_update and mmuext_op take any count, as Xen: a round ends at a
 * preemption point or after this many entries, whichever comes first, and
 * a continuation carries on, so no call holds the CPU for long.
 */
#define BATCH_ROUND	256

static bool m2p_strict(const struct domain *d)
{
	return __atomic_load_n(&d->vm_assist, __ATOMIC_RELAXED) & (1UL << VMASST_TYPE_m2p_strict);
}

/*
 * Every guest L4 gets the hypervisor's slots as the idle tables have them,
 * except the read-only M2P (slot HV_SLOT_FIRST), which Xen 4.17 gives a new
 * L4 only under m2p_strict; without it the slot appears when the L4 becomes
 * a kernel base (set_baseptr). Guest user mode must not read the M2P.
 */
void pv_mm_install_hv_slots(uint64_t *l4)
{
	const uint64_t *idle = paddr_to_virt(idle_pg_table_pa);
	struct frame_owner *o = frame_owner_of(virt_to_mfn(l4));

	for (unsigned int i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++)
		l4[i] = idle[i];
	if (!o || o == &frame_owner_hv || !m2p_strict(container_of(o, struct domain, mem)))
		l4[HV_SLOT_FIRST] = 0;
}

/* An L4 becomes a kernel base: without m2p_strict it gains the M2P slot (and keeps it as a user base). */
void pv_l4_kernel_base(struct domain *d, mfn_t mfn)
{
	uint64_t *l4 = mfn_to_virt(mfn);

	if (!m2p_strict(d) && !l4[HV_SLOT_FIRST])
		l4[HV_SLOT_FIRST] = ((const uint64_t *)paddr_to_virt(idle_pg_table_pa))[HV_SLOT_FIRST];
}

/* Counts full flushes for the domain whose vCPU runs here (its perf counters, printed at teardown). */
static void count_flush(bool type_change)
{
	struct vcpu *v = this_cpu()->curr;

	if (v) {
		v->domain->tlb_flushes++;
		v->domain->type_flushes += type_change;
	}
}

/*
 * Drops every guest translation on this CPU. No guest entry is global
 * (pv_mm clears G in every entry it stores; the builder never sets it), so
 * reloading CR3 is enough and the hypervisor's global mappings survive.
 * Under QEMU TCG it is also one softmmu flush where toggling CR4.PGE was two.
 */
void pv_write_cr3(uint64_t pa)
{
	write_cr3(pa);
	this_cpu()->tlb_epoch++;
}

void flush_tlb_local_all(void)
{
	pv_write_cr3(read_cr3());
	count_flush(false);
}

void pv_mm_note_stale(struct page_info *pg)
{
	struct percpu *pc = this_cpu();

	pc->stale_epoch = pc->tlb_epoch;
}

/*
 * A frame changed type: no CPU may keep a mapping made under the old one.
 * Only its owner's page tables can map it (a grant mapping holds a type
 * reference, so a granted frame cannot change type while mapped), and only
 * CPUs in the owner's dirty mask may cache those. When that mask names no
 * other CPU, a CPU that stopped running the domain loaded another CR3 and
 * flushed; so if this CPU too has loaded CR3 since it last marked a frame
 * stale, nothing stale is cached anywhere and the flush is needless: fork,
 * exec and exit recycle frames between page tables and data all the time,
 * and a return to user mode (a CR3 load) nearly always comes in between.
 */
void pv_mm_flush_tlbs(struct page_info *pg)
{
	struct frame_owner *o = frame_owner_of(page_to_mfn(pg));
	struct domain *d = o && o != &frame_owner_hv ? container_of(o, struct domain, mem) : NULL;
	struct percpu *pc = this_cpu();

	if (!d || __atomic_load_n(&d->arch.foreign_mapped, __ATOMIC_SEQ_CST)) {
		flush_tlb_mask(~0ULL);
		count_flush(true);
		return;
	}
	if (!(__atomic_load_n(&d->arch.dirty_cpus, __ATOMIC_SEQ_CST) & ~(1ULL << pc->cpu_id)) &&
	    pc->tlb_epoch != pc->stale_epoch) {
		d->type_flushes_saved++;
		return;
	}
	flush_tlb_domain(d);
	count_flush(true);
}

/* Waiting for another CPU's (de)validation: it may be waiting for this CPU's flush. */
void pv_mm_spin_wait(void)
{
	flush_answer();
	cpu_relax();
}

/*
 * Arch side of pv_mm's preemption: inside d's own hypercall, when this CPU
 * has other work; in d's teardown, when the step's budget is spent.
 */
bool pv_mm_preempt_check(struct domain *d)
{
	struct vcpu *v = current_vcpu();

	if (d->arch.teardown_budget)
		return --d->arch.teardown_budget == 0;

	return v && v->domain == d && v->arch.in_hypercall && hypercall_preempt_check();
}

void pv_mm_defer_put(struct page_info *pg)
{
	struct arch_vcpu *a = &current_vcpu()->arch;

	/* A call defers at most one release per table level before it continues; full is our bug, but finishable. */
	if (a->nr_deferred_put == sizeof(a->deferred_put) / sizeof(a->deferred_put[0])) {
		log_warn("pv_mm: deferred releases full; mfn %#lx released at once", page_to_mfn(pg));
		put_page_and_type(pg);
		return;
	}
	a->deferred_put[a->nr_deferred_put++] = pg;
}

/*
 * Finishes the releases earlier calls left (an unpin, a replaced entry, a
 * refused validation): before any MMU work, so the guest never sees them
 * half done. -XEN_ERESTART: preempted again, the caller continues itself.
 */
int pv_mm_finish_deferred(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	while (a->nr_deferred_put) {
		if (put_page_and_type_preemptible(a->deferred_put[a->nr_deferred_put - 1]))
			return -XEN_ERESTART;
		a->nr_deferred_put--;
		if (a->nr_deferred_put && hypercall_preempt_check())
			return -XEN_ERESTART;
	}
	return 0;
}

static int machphys_update(struct domain *d, mfn_t mfn, uint64_t pfn)
{
	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return -XEN_EINVAL;
	m2p_set(mfn, pfn);
	return 0;
}

/* A "page-table update" aimed at an ordinary page of the guest's is just a store (as Xen does). */
static int plain_store(struct domain *d, uint64_t addr, uint64_t val)
{
	mfn_t mfn = addr >> PAGE_SHIFT;
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (get_page_and_type(pg, d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	__atomic_store_n((uint64_t *)((char *)mfn_to_virt(mfn) + (addr & ~PAGE_MASK)), val, __ATOMIC_RELAXED);
	put_page_and_type(pg);
	return 0;
}

/*
 * pg_owner (foreigndom) owns the frames mapped by new L1 entries and the
 * frames of MMU_MACHPHYS_UPDATE; the tables written are always d's own,
 * and entries above L1 or that map nothing take d's rules (as in Xen).
 */
static int one_mmu_update(struct domain *d, struct domain *pg_owner, const struct mmu_update *u)
{
	/* The command is the low 3 bits (an entry's alignment), as Xen decodes it: 4-7 are unknown. */
	uint64_t cmd = u->ptr & 7, addr = u->ptr & ~7ULL;
	mfn_t table = addr >> PAGE_SHIFT;
	unsigned int index = (unsigned int)((addr & ~PAGE_MASK) >> 3);

	switch (cmd) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_PRESERVE_AD:
	case MMU_PT_UPDATE_NO_TRANSLATE:	/* PV addresses are machine addresses: nothing to translate */
		if (mfn_valid(table) && !pv_type_is_pt(page_type_of(mfn_to_page(table))))
			return plain_store(d, addr, u->val);
		/* A foreign mapping ignores PRESERVE_AD: the old entry mapped another frame anyway. */
		if (pg_owner != d && (u->val & PTE_P) && mfn_valid(table) &&
		    page_type_of(mfn_to_page(table)) == PAGE_TYPE_L1)
			return pv_foreign_l1_update(d, pg_owner, table, index, u->val);
		return pv_mm_mod_entry(d, table, index, u->val, cmd == MMU_PT_UPDATE_PRESERVE_AD);
	case MMU_MACHPHYS_UPDATE:
		return machphys_update(pg_owner, addr >> PAGE_SHIFT, u->val);
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * Under foreigndom DOMID_IO (Xen's way for dom0 to map device memory) a
 * present entry must name a device frame the caller may map: RAM, the
 * hypervisor's frames and devices, and frames past the physical address
 * width are refused, even where an ordinary update would map RAM.
 */
static int io_update_check(struct domain *d, const struct mmu_update *u)
{
	uint64_t cmd = u->ptr & 7;

	if (cmd != MMU_NORMAL_PT_UPDATE && cmd != MMU_PT_UPDATE_PRESERVE_AD && cmd != MMU_PT_UPDATE_NO_TRANSLATE)
		return -XEN_EINVAL;
	if ((u->val & PV_PTE_P) && !iomem_device_frame(d, pv_pte_mfn(u->val), u->val & PV_PTE_RW))
		return -XEN_EPERM;
	return 0;
}

/*
 * Batch bookkeeping shared by mmu_update and mmuext_op (Xen's ABI): a
 * continuation carries the remaining count with MMU_UPDATE_PREEMPTED and
 * the advanced list pointer; *pdone carries what earlier rounds did.
 */
static int batch_start(uint64_t list, uint64_t *count, uint64_t pdone, uint32_t *done_before)
{
	*done_before = 0;
	if (*count & MMU_UPDATE_PREEMPTED) {
		*count &= ~(uint64_t)MMU_UPDATE_PREEMPTED;
		/* As Xen: a done count it cannot read starts from 0. */
		if (pdone && copy_from_guest(done_before, pdone, sizeof(*done_before)) < 0)
			*done_before = 0;
	}
	/*
	 * As Xen, only where the list starts is checked before the first entry
	 * (in the guest's half, not the hypervisor's), without writing pdone;
	 * an entry it cannot read later ends the batch with -EFAULT.
	 */
	return guest_range_ok(list, 1) ? 0 : -XEN_EFAULT;
}

/* Time to end this round: after at least one entry, so a preempted round always makes progress. */
static bool batch_yield(const struct vcpu *v, uint64_t done)
{
	return done && (done % BATCH_ROUND == 0 || hypercall_preempt_check() || v->arch.nr_deferred_put);
}

/* As Xen, a pdone the guest cannot have written is its loss: the batch's result stands. */
static long batch_end(long rc, uint64_t pdone, uint32_t done)
{
	if (pdone)
		(void)copy_to_guest(pdone, &done, sizeof(done));
	return rc;
}

static long batch_continue(unsigned int nr, uint64_t list, uint64_t left, uint64_t pdone, uint64_t foreigndom,
			   uint32_t done)
{
	if (pdone)
		(void)copy_to_guest(pdone, &done, sizeof(done));
	return hypercall_create_continuation(nr, list, left | MMU_UPDATE_PREEMPTED, pdone, foreigndom, 0);
}

static long mmu_update_batch(struct vcpu *v, struct domain *pg_owner, uint64_t reqs, uint64_t count, uint64_t pdone,
			     uint64_t foreigndom)
{
	bool io = foreigndom == DOMID_IO;
	uint32_t before;
	uint64_t done = 0;
	long rc = batch_start(reqs, &count, pdone, &before);

	if (rc)
		return rc;
	if (v->arch.nr_deferred_put && pv_mm_finish_deferred(v))
		return hypercall_create_continuation(__HYPERVISOR_mmu_update, reqs, count | MMU_UPDATE_PREEMPTED,
						     pdone, foreigndom, 0);
	for (; done < count; done++) {
		struct mmu_update u;

		if (batch_yield(v, done))
			return batch_continue(__HYPERVISOR_mmu_update, reqs + done * sizeof(u), count - done, pdone,
					      foreigndom, before + (uint32_t)done);
		if (copy_from_guest(&u, reqs + done * sizeof(u), sizeof(u)) < 0) {
			rc = -XEN_EFAULT;
			break;
		}
		if (likely(!io)) {
			rc = one_mmu_update(v->domain, pg_owner, &u);
		} else {
			rc = io_update_check(v->domain, &u);
			if (!rc) {
				iomem_io_update(true);
				rc = one_mmu_update(v->domain, pg_owner, &u);
				iomem_io_update(false);
			}
		}
		/* A table this entry needs was left partly validated: this entry again, later. */
		if (rc == -XEN_ERESTART)
			return batch_continue(__HYPERVISOR_mmu_update, reqs + done * sizeof(u), count - done, pdone,
					      foreigndom, before + (uint32_t)done);
		if (rc < 0)
			break;
	}
	/*
	 * No flush here, as on Xen: the guest flushes what it changed. A stale
	 * entry can only reach a frame the domain still owns; frames leave a
	 * domain (balloon, teardown) only after a flush, and every vCPU load
	 * flushes, so no other domain ever sees one. Frames mapped from another
	 * domain mark it (foreign_mapped): its releases flush every CPU.
	 */
	if (rc == 0 && v->arch.nr_deferred_put)
		return batch_continue(__HYPERVISOR_mmu_update, reqs + done * sizeof(struct mmu_update), 0, pdone,
				      foreigndom, before + (uint32_t)done);
	return batch_end(rc, pdone, before + (uint32_t)done);
}

long do_mmu_update(struct vcpu *v, uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t foreigndom, uint64_t a5)
{
	struct domain *pg_owner;
	uint32_t before;
	long rc;

	/* As Xen: where the list starts is checked before any domain is looked up. */
	if (!guest_range_ok(reqs, 1))
		return -XEN_EFAULT;
	/*
	 * The upper half names the page tables' owner plus one (Xen's encoding).
	 * The caller itself is what no upper half means; one that does not
	 * exist is -ESRCH, as on Xen. Another domain's tables Xen would let a
	 * privileged caller update: not supported, -ESRCH too.
	 */
	if (foreigndom >> 16) {
		if ((foreigndom >> 16) - 1 != v->domain->domid)
			return -XEN_ESRCH;
		foreigndom &= 0xffff;
	}
	/* The usual case (Linux's every set_pte): what pv_foreign_owner answers for DOMID_SELF, without the calls. */
	if (likely(foreigndom == DOMID_SELF))
		return mmu_update_batch(v, v->domain, reqs, count, pdone, foreigndom);
	/* DOMID_IO: the caller's own tables map device frames (io_update_check says which); dom0 only. */
	if (foreigndom == DOMID_IO) {
		if (!v->domain->is_privileged)
			return -XEN_EPERM;
		return mmu_update_batch(v, v->domain, reqs, count, pdone, foreigndom);
	}
	rc = pv_foreign_owner(v->domain, (domid_t)foreigndom, false, &pg_owner);
	if (rc == -XEN_EPERM) {
		/* As Xen: a domain the caller may not touch fails the batch at its first entry. */
		rc = batch_start(reqs, &count, pdone, &before);
		return rc ? rc : batch_end(-XEN_EPERM, pdone, before);
	}
	if (rc)
		return rc;
	rc = mmu_update_batch(v, pg_owner, reqs, count, pdone, foreigndom);
	pv_foreign_put(v->domain, pg_owner);
	return rc;
}

/* Replaces a base pointer: the new L4 gets its reference first, the old one loses it after. */
static int set_baseptr(struct vcpu *v, mfn_t mfn, bool user)
{
	mfn_t *slot = user ? &v->arch.guest_table_user : &v->arch.guest_table;
	mfn_t old = *slot;

	if (user && mfn == 0) {
		mfn = MFN_INVALID;	/* no user page tables */
	} else {
		int rc;

		if (!mfn_valid(mfn))
			return -XEN_EINVAL;
		rc = get_page_and_type(mfn_to_page(mfn), v->domain, PAGE_TYPE_L4);
		if (rc == -XEN_ERESTART)
			return rc;
		if (rc < 0)
			return -XEN_EINVAL;
	}
	*slot = mfn;
	/*
	 * The M2P slot as Xen 4.17 keeps it (measured, conformance test m2p_slot):
	 * only a change of base touches it; a kernel base gains it unless
	 * m2p_strict; a user base loses it only under m2p_strict, so one L4 may
	 * serve both modes.
	 */
	if (mfn != MFN_INVALID && mfn != old) {
		if (!user)
			pv_l4_kernel_base(v->domain, mfn);
		else if (m2p_strict(v->domain))
			((uint64_t *)mfn_to_virt(mfn))[HV_SLOT_FIRST] = 0;
	}
	if (v->arch.kernel_mode != user && mfn != MFN_INVALID)
		pv_write_cr3(mfn << PAGE_SHIFT);
	/* The switch is done; releasing a whole old tree may take long: off this call then. */
	if (old != MFN_INVALID && put_page_and_type_preemptible(mfn_to_page(old)))
		pv_mm_defer_put(mfn_to_page(old));
	return 0;
}

/*
 * mov to %cr3 from a PV kernel, as Xen emulates it: a switch of the kernel
 * base pointer to the L4 at that machine address. It runs from the #GP
 * path with interrupts on and the preemption a hypercall has; when it is
 * preempted (-XEN_ERESTART) the caller leaves rip on the instruction, the
 * guest runs it again and the validation resumes where it stopped.
 */
int pv_emulate_write_cr3(struct vcpu *v, uint64_t val)
{
	int rc;

	v->arch.in_hypercall = true;
	local_irq_enable();
	rc = pv_mm_finish_deferred(v);
	if (!rc)
		rc = set_baseptr(v, (val & PV_PTE_ADDR_MASK) >> PAGE_SHIFT, false);
	local_irq_disable();
	v->arch.in_hypercall = false;
	return rc;
}

static int page_op(struct domain *d, const struct mmuext_op *op)
{
	struct page_info *dst, *src = NULL;
	int rc;

	if (!mfn_valid(op->arg1.mfn) || (op->cmd == MMUEXT_COPY_PAGE && !mfn_valid(op->arg2.src_mfn)))
		return -XEN_EINVAL;
	dst = mfn_to_page(op->arg1.mfn);
	rc = get_page_and_type(dst, d, PAGE_TYPE_WRITABLE);
	if (rc < 0)
		return rc;
	if (op->cmd == MMUEXT_COPY_PAGE) {
		src = mfn_to_page(op->arg2.src_mfn);
		rc = get_page(src, d, false);
		if (rc < 0) {
			put_page_and_type(dst);
			return rc;
		}
		memcpy(mfn_to_virt(op->arg1.mfn), mfn_to_virt(op->arg2.src_mfn), PAGE_SIZE);
		put_page(src);
	} else {
		memset(mfn_to_virt(op->arg1.mfn), 0, PAGE_SIZE);
	}
	put_page_and_type(dst);
	return 0;
}

/* A guest's vCPU bitmap (MULTI flushes): read whole first (-EFAULT as Xen), then only those vCPUs' CPUs flush va. */
static int flush_vcpumask(struct domain *d, uint64_t mask_va, uint64_t va)
{
	uint64_t bits[(DOMAIN_MAX_VCPUS + 63) / 64];
	unsigned int words = (d->max_vcpus + 63) / 64;

	if (words > ARRAY_SIZE(bits) || copy_from_guest(bits, mask_va, words * sizeof(bits[0])) < 0)
		return -XEN_EFAULT;
	flush_tlb_vcpus_va(d, bits, d->max_vcpus, va);
	return 0;
}

/* pg_owner (foreigndom) owns the tables pinned and unpinned; every other operation is the caller's own. */
static int one_mmuext(struct vcpu *v, struct domain *pg_owner, const struct mmuext_op *op)
{
	struct domain *d = v->domain;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pv_mm_pin_table(pg_owner, op->arg1.mfn, op->cmd - MMUEXT_PIN_L1_TABLE + 1);
	case MMUEXT_UNPIN_TABLE:
		if (!mfn_valid(op->arg1.mfn))
			return -XEN_EINVAL;
		return pv_mm_unpin_table(pg_owner, op->arg1.mfn,
					 (unsigned int)page_type_of(mfn_to_page(op->arg1.mfn)) - PAGE_TYPE_L1 + 1);
	default:
		break;
	}
	if (pg_owner != d)
		return -XEN_EPERM;	/* as Xen: only pins and unpins act on a foreign domain */
	switch (op->cmd) {
	case MMUEXT_NEW_BASEPTR:
		return set_baseptr(v, op->arg1.mfn, false);
	case MMUEXT_NEW_USER_BASEPTR:
		return set_baseptr(v, op->arg1.mfn, true);
	case MMUEXT_TLB_FLUSH_LOCAL:
		flush_tlb_local_all();
		return 0;
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
		/*
		 * As Xen: the mask is read whatever the address (an unreadable one
		 * is -EINVAL here, unlike update_va_mapping's -EFAULT). INVLPG of an
		 * address outside the guest's half flushes everything instead.
		 */
		return flush_vcpumask(d, op->arg2.vcpumask,
				      op->cmd == MMUEXT_INVLPG_MULTI && guest_range_ok(op->arg1.linear_addr, 1)
					      ? op->arg1.linear_addr : FLUSH_ALL) == -XEN_EFAULT ? -XEN_EINVAL : 0;
	case MMUEXT_TLB_FLUSH_ALL:
		flush_tlb_domain(d);
		return 0;
	case MMUEXT_INVLPG_LOCAL:
		if (guest_range_ok(op->arg1.linear_addr, 1))
			invlpg((void *)op->arg1.linear_addr);
		return 0;
	case MMUEXT_INVLPG_ALL:
		if (guest_range_ok(op->arg1.linear_addr, 1))
			flush_tlb_domain_va(d, op->arg1.linear_addr);
		return 0;
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		if (!d->is_privileged)
			return -XEN_EPERM;
		__asm__ volatile("wbinvd" ::: "memory");
		return 0;
	case MMUEXT_SET_LDT:
		/* Only "no LDT" until descriptor tables are virtualised (what Linux asks at boot). */
		return op->arg2.nr_ents == 0 ? 0 : -XEN_EINVAL;
	case MMUEXT_CLEAR_PAGE:
	case MMUEXT_COPY_PAGE:
		return page_op(d, op);
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		return -XEN_EOPNOTSUPP;		/* as Xen 4.17: superpage marking is gone, the commands stay known */
	default:
		return -XEN_ENOSYS;
	}
}

static long mmuext_batch(struct vcpu *v, struct domain *pg_owner, uint64_t ops, uint64_t count, uint64_t pdone,
			 uint64_t foreigndom)
{
	uint32_t before;
	uint64_t done = 0;
	long rc;

	rc = batch_start(ops, &count, pdone, &before);
	if (rc)
		return rc;
	if (v->arch.nr_deferred_put && pv_mm_finish_deferred(v))
		return hypercall_create_continuation(__HYPERVISOR_mmuext_op, ops, count | MMU_UPDATE_PREEMPTED, pdone,
						     foreigndom, 0);
	for (; done < count; done++) {
		struct mmuext_op op;

		if (batch_yield(v, done))
			return batch_continue(__HYPERVISOR_mmuext_op, ops + done * sizeof(op), count - done, pdone,
					      foreigndom, before + (uint32_t)done);
		if (copy_from_guest(&op, ops + done * sizeof(op), sizeof(op)) < 0) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = one_mmuext(v, pg_owner, &op);
		/* A pin or base pointer whose validation stopped early: the same op again, which resumes it. */
		if (rc == -XEN_ERESTART)
			return batch_continue(__HYPERVISOR_mmuext_op, ops + done * sizeof(op), count - done, pdone,
					      foreigndom, before + (uint32_t)done);
		if (rc < 0)
			break;
	}
	/* A release left for later (unpin, old base pointer) ends before the guest sees success. */
	if (rc == 0 && v->arch.nr_deferred_put)
		return batch_continue(__HYPERVISOR_mmuext_op, ops + done * sizeof(struct mmuext_op), 0, pdone,
				      foreigndom, before + (uint32_t)done);
	return batch_end(rc, pdone, before + (uint32_t)done);
}

long do_mmuext_op(struct vcpu *v, uint64_t ops, uint64_t count, uint64_t pdone, uint64_t foreigndom, uint64_t a5)
{
	struct domain *pg_owner;
	long rc;

	/* As Xen: the list's start first; foreigndom is a domid_t there, its upper 16 bits dropped. */
	if (!guest_range_ok(ops, 1))
		return -XEN_EFAULT;
	foreigndom &= 0xffff;
	/* As Xen: -ESRCH for no such domain, -EPERM for one the caller may not touch, before any operation. */
	rc = pv_foreign_owner(v->domain, (domid_t)foreigndom, false, &pg_owner);
	if (rc)
		return rc;
	rc = mmuext_batch(v, pg_owner, ops, count, pdone, foreigndom);
	pv_foreign_put(v->domain, pg_owner);
	return rc;
}

/* Finds the L1 table mapping va in the vCPU's kernel page tables; MFN_INVALID if a level is missing. */
static mfn_t walk_to_l1(const struct vcpu *v, uint64_t va)
{
	mfn_t mfn = v->arch.guest_table;

	for (unsigned int level = 4; level > 1; level--) {
		const uint64_t *t = mfn_to_virt(mfn);
		uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & PTE_P) || (e & PTE_PS))
			return MFN_INVALID;
		mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
		if (!mfn_valid(mfn))
			return MFN_INVALID;
	}
	return mfn;
}

long do_update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags, uint64_t a4, uint64_t a5)
{
	mfn_t l1;
	int rc;

	if (!guest_range_ok(va, 1))
		return -XEN_EINVAL;
	if (v->arch.nr_deferred_put && pv_mm_finish_deferred(v))
		return hypercall_create_continuation(__HYPERVISOR_update_va_mapping, va, val, flags, a4, a5);
	l1 = walk_to_l1(v, va);
	if (l1 == MFN_INVALID)
		return -XEN_EINVAL;
	rc = pv_mm_mod_entry(v->domain, l1, (unsigned int)((va >> 12) & 511), val, false);
	if (rc < 0)
		return rc;
	/*
	 * Bits above the flush type: UVMF_ALL, or UVMF_MULTI's vCPU-mask
	 * pointer (Xen reads it after the update). As Xen, only the two flush
	 * types look at them: type 3, like 0, flushes nothing and reads nothing.
	 */
	if (((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH || (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG) &&
	    (flags & ~UVMF_FLUSHTYPE_MASK)) {
		uint64_t page = (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG ? va : FLUSH_ALL;

		if ((flags & ~UVMF_FLUSHTYPE_MASK) == UVMF_ALL) {
			flush_tlb_domain_va(v->domain, page);
			return 0;
		}
		return flush_vcpumask(v->domain, flags & ~UVMF_FLUSHTYPE_MASK, page);
	}
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_TLB_FLUSH:
		flush_tlb_local_all();
		break;
	case UVMF_INVLPG:
		invlpg((void *)va);
		break;
	}
	return 0;
}

/*
 * update_va_mapping_otherdomain: the new entry maps a frame of domid into
 * the caller's own tables at va (a foreign mapping, for the privileged
 * domain); our own domain works like update_va_mapping.
 */
long do_update_va_mapping_otherdomain(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags, uint64_t domid,
				      uint64_t a5)
{
	struct domain *fd;
	mfn_t l1;
	long rc;

	if (domid > 0xffff)
		return -XEN_ESRCH;
	rc = pv_foreign_owner(v->domain, (domid_t)domid, false, &fd);
	if (rc)
		return rc;
	if (fd == v->domain || !(val & PTE_P)) {
		pv_foreign_put(v->domain, fd);
		return do_update_va_mapping(v, va, val, flags, 0, 0);
	}
	if (!guest_range_ok(va, 1)) {
		rc = -XEN_EINVAL;
	} else if (pv_mm_finish_deferred(v)) {
		pv_foreign_put(v->domain, fd);
		return hypercall_create_continuation(__HYPERVISOR_update_va_mapping_otherdomain, va, val, flags,
						     domid, a5);
	} else {
		l1 = walk_to_l1(v, va);
		rc = l1 == MFN_INVALID ? -XEN_EINVAL
				       : pv_foreign_l1_update(v->domain, fd, l1, (unsigned int)((va >> 12) & 511), val);
	}
	pv_foreign_put(v->domain, fd);
	if (rc)
		return rc;
	if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH || (flags & ~UVMF_FLUSHTYPE_MASK))
		flush_tlb_domain(v->domain);
	else if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
		invlpg((void *)va);
	return 0;
}

/*
 * Batched hypercalls: each entry's result is written back; the batch stops
 * at the first copy fault. Any count (a 32-bit one, as Xen's nr_calls):
 * preempted between entries, or inside one (its entry then gets the nested
 * call's continuation arguments, as on Xen), it continues from that entry,
 * so a huge batch costs its caller time and nobody else.
 */
long do_multicall(struct vcpu *v, uint64_t list, uint64_t count, uint64_t a3, uint64_t a4, uint64_t a5)
{
	/* As Xen: where the list starts is checked before the count, so an empty batch there is -EFAULT too. */
	if (!guest_range_ok(list, 1))
		return -XEN_EFAULT;
	for (uint64_t i = 0; i < count; i++) {
		struct multicall_entry e;
		uint64_t at = list + i * sizeof(e), nr, args[5];

		if (i && hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_multicall, at, count - i, 0, 0, 0);
		if (copy_from_guest(&e, at, sizeof(e)) < 0)
			return -XEN_EFAULT;
		/* No nesting, and iret only makes sense as the guest's own last act. */
		if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret)
			e.result = (uint64_t)-XEN_EINVAL;
		else
			e.result = (uint64_t)hypercall_dispatch(v, e.op, e.args[0], e.args[1], e.args[2],
								e.args[3], e.args[4]);
		if (hypercall_cont_take(&nr, args)) {
			for (unsigned int k = 0; k < 5; k++)
				e.args[k] = args[k];
			if (copy_to_guest(at + offsetof(struct multicall_entry, args), e.args, sizeof(e.args)) < 0)
				return -XEN_EFAULT;
			return hypercall_create_continuation(__HYPERVISOR_multicall, at, count - i, 0, 0, 0);
		}
		if (copy_to_guest(at + offsetof(struct multicall_entry, result), &e.result,
				  sizeof(e.result)) < 0)
			return -XEN_EFAULT;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* A PV vCPU's whole context, for VCPUOP_initialise and SKIFF_DOMCTL_setvcpucontext alike: one decode, one take of the frames, one commit that cannot fail; the domctl's other arch parts. */
#include <asm/domain.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pv_desc.h>
#include <hv/pv_mm.h>
#include <hv/time.h>
#include <hv/vcpu_context.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>

#define FXSAVE_MXCSR_MASK	28

/* The CPU's MXCSR_MASK: an FXRSTOR of a bit outside it would #GP in the hypervisor. */
static uint32_t mxcsr_mask(void)
{
	static uint32_t mask;
	uint8_t area[512] __aligned(16);
	uint64_t cr0;

	if (mask)
		return mask;
	memset(area, 0, sizeof(area));
	cr0 = read_cr0();
	__asm__ volatile("clts; fxsaveq %0" : "=m"(area));
	write_cr0(cr0);
	memcpy(&mask, &area[FXSAVE_MXCSR_MASK], sizeof(mask));
	if (!mask)
		mask = 0xffbf;		/* the architectural default when the CPU reports none */
	return mask;
}

/*
 * A page-table root of d. The guest's VCPUOP_initialise may name a tree not
 * yet validated (as Xen; validating it may be preempted: -XEN_ERESTART, and
 * nothing is held). A builder's domctl has no continuation: its roots must
 * be pinned, so they are whole and validated already.
 */
static int take_root(struct domain *d, mfn_t mfn, enum vcpu_ctx_caller who)
{
	struct page_info *pg;
	uint64_t t;
	int rc;

	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (who == VCPU_CTX_DOMCTL) {
		t = __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);
		if (page_type_of(pg) != PAGE_TYPE_L4 || !(t & PGT_PINNED) || !(t & PGT_VALIDATED))
			return -XEN_EINVAL;
	}
	rc = get_page_and_type(pg, d, PAGE_TYPE_L4);
	if (rc < 0)
		return rc == -XEN_ERESTART && who == VCPU_CTX_INITIALISE ? rc : -XEN_EINVAL;
	return 0;
}

/* Gives back whatever the plan still holds: after a refusal, or what a commit did not take over. */
static void ctx_release(struct vcpu_ctx_plan *p)
{
	if (p->gdt_taken)
		pv_gdt_abandon(p->gdt, p->c.gdt_ents);
	if (p->l4_user_taken)
		put_page_and_type(mfn_to_page(p->l4_user));
	if (p->l4_taken)
		put_page_and_type(mfn_to_page(p->l4));
	p->gdt_taken = p->l4_user_taken = p->l4_taken = false;
}

/* Every reference the context needs, and the selectors against the GDT it brings; all or nothing. */
static int ctx_take(struct domain *d, struct vcpu_ctx_plan *p, enum vcpu_ctx_caller who)
{
	const struct vcpu_guest_context *c = &p->c;
	int rc;

	rc = take_root(d, p->l4, who);
	p->l4_taken = rc == 0;
	if (!rc && p->l4_user != MFN_INVALID) {
		rc = take_root(d, p->l4_user, who);
		p->l4_user_taken = rc == 0;
	}
	if (!rc) {
		rc = pv_gdt_prepare(d, p->gdt, c->gdt_ents);
		p->gdt_taken = rc == 0;
	}
	/* v never ran on this GDT: iretq must not fault on the selectors it starts with. */
	if (!rc && !pv_gdt_iret_selectors_ok(p->gdt, (unsigned int)c->gdt_ents, (uint16_t)c->user_regs.cs,
					     (uint16_t)c->user_regs.ss))
		rc = -XEN_EINVAL;
	if (rc)
		ctx_release(p);
	return rc;
}

static void commit_regs(struct vcpu *v, const struct vcpu_ctx_plan *p)
{
	const struct cpu_user_regs *u = &p->c.user_regs;
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	r->r15 = u->r15; r->r14 = u->r14; r->r13 = u->r13; r->r12 = u->r12;
	r->r11 = u->r11; r->r10 = u->r10; r->r9 = u->r9; r->r8 = u->r8;
	r->rbp = u->rbp; r->rdi = u->rdi; r->rsi = u->rsi; r->rdx = u->rdx;
	r->rcx = u->rcx; r->rbx = u->rbx; r->rax = u->rax;
	r->rip = u->rip;
	r->rsp = u->rsp;
	r->cs = u->cs;
	r->ss = u->ss;
	r->rflags = p->rflags;
	v->arch.iopl = p->iopl;
}

static uint16_t data_selector(uint16_t sel)
{
	return (sel & 0xfffc) ? sel | 3 : 0;
}

static void commit_entries(struct vcpu *v, const struct vcpu_ctx_plan *p)
{
	const struct vcpu_guest_context *c = &p->c;
	struct arch_vcpu *a = &v->arch;

	for (unsigned int i = 0; i < 256; i++) {
		const struct trap_info *t = &c->trap_ctxt[i];

		a->traps[i] = (struct pv_trap_entry){ t->address, t->cs, t->flags };
	}
	a->event_callback = c->event_callback_eip;
	a->event_mask = true;
	a->failsafe_callback = c->failsafe_callback_eip;
	a->failsafe_mask = c->flags & VGCF_failsafe_disables_events;
	a->syscall_callback = c->syscall_callback_eip;
	a->syscall_mask = c->flags & VGCF_syscall_disables_events;
	a->kernel_ss = (uint16_t)c->kernel_ss;
	a->kernel_sp = c->kernel_sp;
	a->fs_base = c->fs_base;
	a->gs_base_kernel = c->gs_base_kernel;
	a->gs_base_user = c->gs_base_user;
	/* Loaded at the vCPU's first switch-in; RPL 3 (its kernel's) so none names a ring-0 segment. */
	a->sel_ds = data_selector(c->user_regs.ds);
	a->sel_es = data_selector(c->user_regs.es);
	a->sel_fs = data_selector(c->user_regs.fs);
	a->sel_gs = data_selector(c->user_regs.gs);
	a->guest_ts = p->guest_ts;
	a->kernel_mode = p->kernel_mode;
	memcpy(a->fpu, c->fpu_ctxt, sizeof(a->fpu));
	memcpy(a->debugreg, p->debugreg, sizeof(a->debugreg));
}

/*
 * Cannot fail: v is off every CPU and nothing else writes its context (the
 * claim, or d->lock with the domain paused). The plan's references become
 * v's; the roots v had are returned in old[] for the caller to drop outside
 * any lock (a last reference may release a whole tree). guest_table is
 * published last (release): VCPUOP_up reads it (acquire), so v never runs
 * on half a context.
 */
static void ctx_commit(struct vcpu *v, struct vcpu_ctx_plan *p, mfn_t old[2])
{
	struct arch_vcpu *a = &v->arch;

	commit_regs(v, p);
	commit_entries(v, p);
	pv_gdt_commit(v, p->gdt, p->c.gdt_ents);
	old[0] = a->guest_table;
	old[1] = a->guest_table_user;
	a->guest_table_user = p->l4_user;
	pv_l4_kernel_base(v->domain, p->l4);
	__atomic_store_n(&a->guest_table, p->l4, __ATOMIC_RELEASE);
	p->gdt_taken = p->l4_user_taken = p->l4_taken = false;
}

static void drop_old_roots(const mfn_t old[2])
{
	for (unsigned int i = 0; i < 2; i++)
		if (old[i] != MFN_INVALID)
			put_page_and_type(mfn_to_page(old[i]));
}

/* Under v's claim: who may initialise is settled first (Xen: -EEXIST before any check). */
static int initialise_claimed(struct vcpu *v, struct vcpu_ctx_plan *p)
{
	mfn_t old[2];
	int rc;

	if (__atomic_load_n(&v->arch.guest_table, __ATOMIC_ACQUIRE) != MFN_INVALID)
		return -XEN_EEXIST;
	rc = vcpu_context_decode(p, VCPU_CTX_INITIALISE, mxcsr_mask());
	if (!rc)
		rc = ctx_take(v->domain, p, VCPU_CTX_INITIALISE);
	if (rc)
		return rc;
	ctx_commit(v, p, old);
	drop_old_roots(old);		/* none: v was never initialised */
	return 0;
}

int pv_vcpu_initialise(struct vcpu *v, struct vcpu_ctx_plan *p)
{
	bool idle = false;
	int rc;

	if (!__atomic_compare_exchange_n(&v->arch.ctx_claim, &idle, true, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -XEN_EBUSY;
	rc = initialise_claimed(v, p);
	__atomic_store_n(&v->arch.ctx_claim, false, __ATOMIC_RELEASE);
	return rc;
}

long arch_domctl_setvcpucontext(struct domain *d, struct vcpu *v, uint64_t ctxt)
{
	struct vcpu_ctx_plan *p;
	mfn_t old[2] = { MFN_INVALID, MFN_INVALID };
	unsigned long f;
	long rc;

	/* A PV context names page tables: an HVM domain's frames must never take PV types (the NPT lets it write them all). */
	if (is_hvm_domain(d))
		return -XEN_EINVAL;
	p = hv_zalloc(sizeof(*p));
	if (!p)
		return -XEN_ENOMEM;
	rc = copy_from_guest(&p->c, ctxt, sizeof(p->c)) < 0 ? -XEN_EFAULT : 0;
	if (!rc)
		rc = vcpu_context_decode(p, VCPU_CTX_DOMCTL, mxcsr_mask());
	if (!rc)
		rc = ctx_take(d, p, VCPU_CTX_DOMCTL);
	if (!rc) {
		f = spin_lock_irqsave(&d->lock);
		rc = domctl_vcpu_context_settable(v);
		if (!rc)
			ctx_commit(v, p, old);
		spin_unlock_irqrestore(&d->lock, f);
		ctx_release(p);		/* everything, when v could not take it */
	}
	drop_old_roots(old);
	hv_free(p);
	return rc;
}

bool arch_vcpu_has_context(const struct vcpu *v)
{
	return v->arch.guest_table != MFN_INVALID;
}

void arch_domctl_domain_init(struct domain *d)
{
	pv_domain_time_init(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		pv_update_time(d->vcpu[i]);
}

/* The frame is the domain's and may be written: a page table or descriptor page of its is refused. */
long arch_domctl_hypercall_init(struct domain *d, uint64_t mfn)
{
	struct page_info *pg;

	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem || is_hvm_domain(d))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (get_page_and_type(pg, d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	pv_hypercall_page_fill(mfn_to_virt(mfn));
	put_page_and_type(pg);
	return 0;
}

uint64_t arch_vcpu_run_ns(const struct vcpu *v)
{
	uint64_t ns = v->arch.runstate.time[RUNSTATE_running];

	if (v->arch.runstate.state == RUNSTATE_running) {
		uint64_t now = (uint64_t)time_now_ns();

		if (now > v->arch.runstate.state_entry_time)
			ns += now - v->arch.runstate.state_entry_time;
	}
	return ns;
}

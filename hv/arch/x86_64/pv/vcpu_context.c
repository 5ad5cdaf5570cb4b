/* A PV vCPU's whole context from a vcpu_guest_context (SKIFF_DOMCTL_setvcpucontext), checked as VCPUOP_initialise would; the domctl's other arch parts. */
#include <asm/domain.h>
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
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>

#define VGCF_KNOWN	(VGCF_i387_valid | VGCF_in_kernel | VGCF_failsafe_disables_events | \
			 VGCF_syscall_disables_events | VGCF_online)
#define RFLAGS_KEEP	0x00000cd5ULL	/* CF PF AF ZF SF TF DF OF, as the return to guest keeps them */
#define RFLAGS_IF	0x200ULL
#define MXCSR_OFF	24
#define MXCSR_OK	0xffbfu		/* no reserved bit (DAZ is not promised): fxrstor would fault in the hypervisor */

/* Everything decided before anything of the vCPU changes; the references taken are the plan's until committed. */
struct ctx_plan {
	struct vcpu_guest_context c;
	mfn_t l4, l4_user;		/* each holds a general and an L4 type reference once taken */
	mfn_t gdt[PV_GDT_MAX_FRAMES];	/* SEGDESC references once gdt_taken */
	bool gdt_taken;
	uint64_t debugreg[8];
};

static bool guest_code_ok(uint64_t va)
{
	return is_canonical(va) && (va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END);
}

/* Xen's xen_pfn_to_cr3 for x86_64: the frame in bits 12 and up, nothing below. */
static int take_root(struct domain *d, uint64_t cr3, mfn_t *out)
{
	mfn_t mfn = cr3 >> PAGE_SHIFT;
	struct page_info *pg;
	uint64_t t;

	if ((cr3 & ~PAGE_MASK) || !mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	t = __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);
	/* Pinned, so the guest's tables are whole and validated now; our reference keeps them so. */
	if (page_type_of(pg) != PAGE_TYPE_L4 || !(t & PGT_PINNED) || !(t & PGT_VALIDATED))
		return -XEN_EINVAL;
	if (get_page_and_type(pg, d, PAGE_TYPE_L4) < 0)
		return -XEN_EINVAL;
	*out = mfn;
	return 0;
}

static void plan_release(struct ctx_plan *p)
{
	if (p->l4 != MFN_INVALID)
		put_page_and_type(mfn_to_page(p->l4));
	if (p->l4_user != MFN_INVALID)
		put_page_and_type(mfn_to_page(p->l4_user));
	if (p->gdt_taken)
		pv_gdt_abandon(p->gdt, p->c.gdt_ents);
	p->l4 = p->l4_user = MFN_INVALID;
	p->gdt_taken = false;
}

static bool addresses_ok(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!guest_code_ok(r->rip) || !is_canonical(r->rsp) || !is_canonical(c->kernel_sp) ||
	    !is_canonical(c->fs_base) || !is_canonical(c->gs_base_kernel) || !is_canonical(c->gs_base_user))
		return false;
	if ((c->event_callback_eip && !guest_code_ok(c->event_callback_eip)) ||
	    (c->failsafe_callback_eip && !guest_code_ok(c->failsafe_callback_eip)) ||
	    (c->syscall_callback_eip && !guest_code_ok(c->syscall_callback_eip)))
		return false;
	for (unsigned int i = 0; i < 256; i++)
		if (c->trap_ctxt[i].address && !guest_code_ok(c->trap_ctxt[i].address))
			return false;
	return true;
}

/* Debug registers through the same checks as set_debugreg, on a scratch vCPU that never runs. */
static int plan_debugregs(struct ctx_plan *p)
{
	struct vcpu *scratch = hv_zalloc(sizeof(*scratch));
	int rc = 0;

	if (!scratch)
		return -XEN_ENOMEM;
	pv_debugreg_init(scratch);
	for (unsigned int i = 0; i < 8 && !rc; i++)
		if (i != 4 && i != 5 && pv_debugreg_set(scratch, i, p->c.debugreg[i]) < 0)
			rc = -XEN_EINVAL;
	memcpy(p->debugreg, scratch->arch.debugreg, sizeof(p->debugreg));
	hv_free(scratch);
	return rc;
}

static int plan_check(struct domain *d, struct ctx_plan *p)
{
	const struct vcpu_guest_context *c = &p->c;
	uint32_t mxcsr;
	int rc;

	/* Only a start in kernel mode: a vCPU begins where its kernel's entry point is. */
	if ((c->flags & ~(uint64_t)VGCF_KNOWN) || !(c->flags & VGCF_in_kernel))
		return -XEN_EINVAL;
	if (!addresses_ok(c) || c->ldt_ents || c->ldt_base)
		return -XEN_EINVAL;	/* no LDTs yet (MMUEXT_SET_LDT takes none either) */
	if ((c->user_regs.cs | 3) != FLAT_KERNEL_CS || (c->user_regs.ss | 3) != FLAT_KERNEL_SS ||
	    (c->kernel_ss | 3) != FLAT_KERNEL_SS)
		return -XEN_EINVAL;
	memcpy(&mxcsr, c->fpu_ctxt + MXCSR_OFF, sizeof(mxcsr));
	if ((c->flags & VGCF_i387_valid) && (mxcsr & ~MXCSR_OK))
		return -XEN_EINVAL;
	if (c->gdt_ents > PV_GDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	rc = plan_debugregs(p);
	if (rc)
		return rc;
	rc = take_root(d, c->ctrlreg[3], &p->l4);
	if (!rc && c->ctrlreg[1])
		rc = take_root(d, c->ctrlreg[1], &p->l4_user);
	if (!rc) {
		for (unsigned int i = 0; i < (c->gdt_ents + 511) / 512; i++)
			p->gdt[i] = c->gdt_frames[i];
		rc = pv_gdt_prepare(d, p->gdt, c->gdt_ents);
		p->gdt_taken = rc == 0;
	}
	if (rc)
		plan_release(p);
	return rc;
}

/* Under d->lock with the vCPU off every CPU: nothing here can fail. Returns the old base pointers to drop. */
static void plan_commit(struct vcpu *v, struct ctx_plan *p, mfn_t old[2])
{
	const struct vcpu_guest_context *c = &p->c;
	const struct cpu_user_regs *u = &c->user_regs;
	struct arch_vcpu *a = &v->arch;
	struct cpu_regs *r = &a->regs;
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;

	memset(r, 0, sizeof(*r));
	r->r15 = u->r15, r->r14 = u->r14, r->r13 = u->r13, r->r12 = u->r12;
	r->r11 = u->r11, r->r10 = u->r10, r->r9 = u->r9, r->r8 = u->r8;
	r->rbp = u->rbp, r->rdi = u->rdi, r->rsi = u->rsi, r->rdx = u->rdx;
	r->rcx = u->rcx, r->rbx = u->rbx, r->rax = u->rax;
	r->rip = u->rip;
	r->rsp = u->rsp;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	r->rflags = (u->rflags & RFLAGS_KEEP) | RFLAGS_IF;
	a->kernel_mode = true;
	old[0] = a->guest_table;
	old[1] = a->guest_table_user;
	a->guest_table = p->l4;
	a->guest_table_user = p->l4_user;
	pv_l4_kernel_base(v->domain, p->l4);
	p->l4 = p->l4_user = MFN_INVALID;
	pv_gdt_commit(v, p->gdt, c->gdt_ents);
	p->gdt_taken = false;
	for (unsigned int i = 0; i < 256; i++) {
		const struct trap_info *t = &c->trap_ctxt[i];

		a->traps[i] = (struct pv_trap_entry){ t->address, (uint16_t)(t->cs | 3), t->flags };
	}
	a->event_callback = c->event_callback_eip;
	a->failsafe_callback = c->failsafe_callback_eip;
	a->syscall_callback = c->syscall_callback_eip;
	a->event_mask = true;
	a->failsafe_mask = c->flags & VGCF_failsafe_disables_events;
	a->syscall_mask = c->flags & VGCF_syscall_disables_events;
	a->kernel_ss = (uint16_t)(c->kernel_ss | 3);
	a->kernel_sp = c->kernel_sp;
	a->fs_base = c->fs_base;
	a->gs_base_kernel = c->gs_base_kernel;
	a->gs_base_user = c->gs_base_user;
	memcpy(a->debugreg, p->debugreg, sizeof(a->debugreg));
	if (c->flags & VGCF_i387_valid) {
		memcpy(a->fpu, c->fpu_ctxt, sizeof(a->fpu));
	} else {
		memset(a->fpu, 0, sizeof(a->fpu));
		memcpy(&a->fpu[0], &fcw, 2);
		memcpy(&a->fpu[MXCSR_OFF], &mxcsr, 4);
	}
	a->guest_ts = false;
}

long arch_domctl_setvcpucontext(struct domain *d, struct vcpu *v, uint64_t ctxt)
{
	struct ctx_plan *p = hv_zalloc(sizeof(*p));
	mfn_t old[2] = { MFN_INVALID, MFN_INVALID };
	unsigned long f;
	long rc;

	if (!p)
		return -XEN_ENOMEM;
	p->l4 = p->l4_user = MFN_INVALID;
	if (copy_from_guest(&p->c, ctxt, sizeof(p->c)) < 0) {
		hv_free(p);
		return -XEN_EFAULT;
	}
	rc = plan_check(d, p);
	if (!rc) {
		f = spin_lock_irqsave(&d->lock);
		rc = domctl_vcpu_context_settable(v);
		if (!rc)
			plan_commit(v, p, old);
		spin_unlock_irqrestore(&d->lock, f);
		plan_release(p);
	}
	/* Outside the lock: an old base pointer's last reference may release a whole tree. */
	for (unsigned int i = 0; i < 2; i++)
		if (old[i] != MFN_INVALID)
			put_page_and_type(mfn_to_page(old[i]));
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

	if (!mfn_valid(mfn) || frame_owner_of(mfn) != &d->mem)
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

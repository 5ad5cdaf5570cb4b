/* A secondary vCPU's first state (VCPUOP_initialise): the whole vcpu_guest_context checked, then given to the vCPU (the domctl's twin is vcpu_context.c). */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pv_desc.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

#define CTX_RFLAGS_KEEP		0x00040cd5ULL	/* CF PF AF ZF SF TF DF OF AC: the rest is the hypervisor's */
#define CTX_RFLAGS_IOPL_SHIFT	12
#define CTX_LDT_MAX_ENTS	8192
#define CTX_RFLAGS_IF		0x200ULL
#define FXSAVE_MXCSR		24
#define FXSAVE_MXCSR_MASK	28

/* What the context takes from the domain, held until commit or given back on any refusal. */
struct ctx_refs {
	mfn_t l4, l4_user;
	mfn_t gdt[PV_GDT_MAX_FRAMES];
	unsigned int gdt_frames;
};

/* Entry points and stacks: canonical (else the hypervisor's iretq or wrmsr would fault) and, for code, outside the hypervisor. */
static bool code_ok(uint64_t va)
{
	return is_canonical(va) && (va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END);
}

/* The CPU's MXCSR_MASK: an FXRSTOR of a reserved MXCSR bit would #GP in the hypervisor. */
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

/* Every check that needs no reference: addresses, table sizes, flags. */
static int check_scalars(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!is_canonical(r->rip) || !is_canonical(r->rsp) || !is_canonical(c->kernel_sp) ||
	    !is_canonical(c->fs_base) || !is_canonical(c->gs_base_kernel) || !is_canonical(c->gs_base_user))
		return -XEN_EINVAL;
	if ((c->event_callback_eip && !code_ok(c->event_callback_eip)) ||
	    (c->failsafe_callback_eip && !code_ok(c->failsafe_callback_eip)) ||
	    (c->syscall_callback_eip && !code_ok(c->syscall_callback_eip)))
		return -XEN_EINVAL;
	for (unsigned int i = 0; i < 256; i++)
		if (c->trap_ctxt[i].address && !code_ok(c->trap_ctxt[i].address))
			return -XEN_EINVAL;
	if ((c->ldt_base & (PAGE_SIZE - 1)) || !is_canonical(c->ldt_base) || c->ldt_ents > CTX_LDT_MAX_ENTS)
		return -XEN_EINVAL;
	/* Skiff has no guest LDTs yet (MMUEXT_SET_LDT takes only 0 entries): the same here. */
	if (c->ldt_ents)
		return -XEN_EINVAL;
	if (c->gdt_ents > PV_GDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	/* Guest user mode needs user page tables to run on (as Xen). */
	if (!(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
		return -XEN_EINVAL;
	return 0;
}

static void refs_put(const struct ctx_refs *refs)
{
	for (unsigned int i = 0; i < refs->gdt_frames; i++)
		put_page_and_type(mfn_to_page(refs->gdt[i]));
	if (refs->l4_user != MFN_INVALID)
		put_page_and_type(mfn_to_page(refs->l4_user));
	if (refs->l4 != MFN_INVALID)
		put_page_and_type(mfn_to_page(refs->l4));
}

/* An L4 of d by the machine frame in a cr3 value; validating a fresh tree may be preempted. */
static int take_l4(struct domain *d, uint64_t cr3, mfn_t *out)
{
	mfn_t mfn = cr3 >> PAGE_SHIFT;
	int rc;

	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	rc = get_page_and_type(mfn_to_page(mfn), d, PAGE_TYPE_L4);
	if (rc < 0)
		return rc == -XEN_ERESTART ? rc : -XEN_EINVAL;
	*out = mfn;
	return 0;
}

static int take_refs(struct domain *d, const struct vcpu_guest_context *c, struct ctx_refs *refs)
{
	int rc;

	refs->l4 = refs->l4_user = MFN_INVALID;
	refs->gdt_frames = 0;
	rc = take_l4(d, c->ctrlreg[3], &refs->l4);
	if (!rc && c->ctrlreg[1])
		rc = take_l4(d, c->ctrlreg[1], &refs->l4_user);
	if (!rc) {
		unsigned int n = (unsigned int)((c->gdt_ents + 511) / 512);

		for (unsigned int i = 0; i < n; i++)
			refs->gdt[i] = c->gdt_frames[i];
		rc = pv_gdt_prepare(d, refs->gdt, c->gdt_ents);
		if (!rc)
			refs->gdt_frames = n;
	}
	if (rc)
		refs_put(refs);
	return rc;
}

/* Debug registers through the same checks as set_debugreg; v is not running, so they only take effect when it does. */
static int set_debugregs(struct vcpu *v, const struct vcpu_guest_context *c)
{
	static const unsigned int regs[] = { 0, 1, 2, 3, 6, 7 };

	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++)
		if (pv_debugreg_set(v, regs[i], c->debugreg[regs[i]]) < 0) {
			pv_debugreg_init(v);
			return -XEN_EINVAL;
		}
	return 0;
}

static void commit_regs(struct vcpu *v, const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *u = &c->user_regs;
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	r->r15 = u->r15; r->r14 = u->r14; r->r13 = u->r13; r->r12 = u->r12;
	r->r11 = u->r11; r->r10 = u->r10; r->r9 = u->r9; r->r8 = u->r8;
	r->rbp = u->rbp; r->rdi = u->rdi; r->rsi = u->rsi; r->rdx = u->rdx;
	r->rcx = u->rcx; r->rbx = u->rbx; r->rax = u->rax;
	r->rip = u->rip;
	r->rsp = u->rsp;
	r->cs = (uint16_t)(u->cs | 3);		/* a 64-bit PV kernel runs in ring 3: RPL 0 means it */
	r->ss = (uint16_t)(u->ss | 3);
	/* IOPL in the image is the guest's virtual IOPL (as Xen); the real flags keep only the arithmetic ones. */
	v->arch.iopl = (uint8_t)((u->rflags >> CTX_RFLAGS_IOPL_SHIFT) & 3);
	r->rflags = (u->rflags & CTX_RFLAGS_KEEP) | CTX_RFLAGS_IF;
}

static void commit_entries(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct arch_vcpu *a = &v->arch;

	for (unsigned int i = 0; i < 256; i++) {
		const struct trap_info *t = &c->trap_ctxt[i];

		a->traps[i] = (struct pv_trap_entry){ t->address, (uint16_t)(t->cs | 3), t->flags };
	}
	a->event_callback = c->event_callback_eip;
	a->event_mask = true;
	a->failsafe_callback = c->failsafe_callback_eip;
	a->failsafe_mask = c->flags & VGCF_failsafe_disables_events;
	a->syscall_callback = c->syscall_callback_eip;
	a->syscall_mask = c->flags & VGCF_syscall_disables_events;
	a->kernel_ss = (uint16_t)(c->kernel_ss | 3);
	a->kernel_sp = c->kernel_sp;
	a->fs_base = c->fs_base;
	a->gs_base_kernel = c->gs_base_kernel;
	a->gs_base_user = c->gs_base_user;
	a->guest_ts = c->ctrlreg[0] & CR0_TS;
	if (c->flags & VGCF_i387_valid) {
		uint32_t mxcsr;

		memcpy(a->fpu, c->fpu_ctxt, sizeof(a->fpu));
		memcpy(&mxcsr, &a->fpu[FXSAVE_MXCSR], sizeof(mxcsr));
		mxcsr &= mxcsr_mask();
		memcpy(&a->fpu[FXSAVE_MXCSR], &mxcsr, sizeof(mxcsr));
	}
}

/* Checks and takes everything, then commits; guest_table is published last, and VCPUOP_up reads it. */
static int set_context_claimed(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct domain *d = v->domain;
	struct ctx_refs refs;
	int rc;

	if (__atomic_load_n(&v->arch.guest_table, __ATOMIC_ACQUIRE) != MFN_INVALID)
		return -XEN_EEXIST;
	rc = check_scalars(c);
	if (rc)
		return rc;
	rc = take_refs(d, c, &refs);
	if (rc)
		return rc;
	/* The selectors against the GDT the context brings (v has none before: it never ran). */
	memcpy(v->arch.gdt_frames, refs.gdt, sizeof(refs.gdt));
	v->arch.gdt_nr_frames = refs.gdt_frames;
	v->arch.gdt_ents = (unsigned int)c->gdt_ents;
	if (!pv_iret_selectors_ok(v, (uint16_t)(c->user_regs.cs | 3), (uint16_t)(c->user_regs.ss | 3)) ||
	    set_debugregs(v, c) < 0) {
		v->arch.gdt_nr_frames = v->arch.gdt_ents = 0;
		refs_put(&refs);
		return -XEN_EINVAL;
	}
	commit_regs(v, c);
	commit_entries(v, c);
	v->arch.kernel_mode = c->flags & VGCF_in_kernel;
	v->arch.guest_table_user = refs.l4_user;
	pv_l4_kernel_base(d, refs.l4);
	__atomic_store_n(&v->arch.guest_table, refs.l4, __ATOMIC_RELEASE);
	return 0;
}

int pv_vcpu_set_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
	bool idle = false;
	int rc;

	if (!__atomic_compare_exchange_n(&v->arch.ctx_claim, &idle, true, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -XEN_EBUSY;
	rc = set_context_claimed(v, c);
	__atomic_store_n(&v->arch.ctx_claim, false, __ATOMIC_RELEASE);
	return rc;
}

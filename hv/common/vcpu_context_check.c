/* SPDX-License-Identifier: MIT */
/* The decode and check of a PV vCPU context shared by VCPUOP_initialise and setvcpucontext: everything that needs no frame. */
#include <hv/lib.h>
#include <hv/pv_desc.h>
#include <hv/vcpu_context.h>
#include <pvabi/errno.h>

#define VGCF_KNOWN	(VGCF_i387_valid | VGCF_in_kernel | VGCF_failsafe_disables_events | \
			 VGCF_syscall_disables_events | VGCF_online)
#define FCW_OFF		0
#define MXCSR_OFF	24
#define FCW_RESET	0x037f		/* x87 state after FNINIT */
#define MXCSR_RESET	0x1f80		/* all SSE exceptions masked */
#define MXCSR_PORTABLE	0xffbfu		/* no reserved bit; DAZ (bit 6) is not promised by every CPU */
#define RFLAGS_KEEP	0x00040cd5ULL	/* CF PF AF ZF SF DF OF AC (not TF): the rest is the hypervisor's */
#define RFLAGS_IF	0x200ULL
#define RFLAGS_IOPL_SHIFT 12
#define LDT_MAX_ENTS	8192
#define CR0_TS_BIT	(1ULL << 3)

#define DR6_DEFAULT		0xffff0ff0ULL	/* reset value; bits 0-3 and 13-15 report, 16 is active-low */
#define DR6_RESERVED_ZERO	0x1000ULL
#define DR7_DEFAULT		0x400ULL
#define DR7_RESERVED_ZERO	0xd800ULL	/* bits 11, 12, 14, 15 */
#define DR7_GD			0x2000ULL
#define DR7_ENABLES		0xffULL		/* L0 G0 ... L3 G3 */
#define DR7_RW_IO		2u

static bool canonical(uint64_t va)
{
	return (uint64_t)(((int64_t)va << 16) >> 16) == va;
}

/* Where a guest may put code: canonical and not in the hypervisor's slots. */
static bool code_ok(uint64_t va)
{
	return canonical(va) && (va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END);
}

/*
 * As Xen 4.17 (conformance test debugreg): breakpoints only at guest
 * addresses; %dr7 may not set GD (the hypervisor touches the registers),
 * enable an I/O breakpoint (a PV guest's CR4.DE is clear) or use its upper
 * half. Reserved bits are forced as the CPU forces them.
 */
int vcpu_debugreg_check(unsigned int reg, uint64_t *value)
{
	uint64_t v = *value;

	if (reg > 7 || reg == 4 || reg == 5)
		return -XEN_ENODEV;
	if (reg < 4) {
		if (!canonical(v) || !canonical(v + 7) ||
		    (v + 7 >= HYPERVISOR_VIRT_START && v < HYPERVISOR_VIRT_END))
			return -XEN_EPERM;
	} else if (reg == 6) {
		v = (uint32_t)((v & ~DR6_RESERVED_ZERO) | DR6_DEFAULT);
	} else {
		if (v >> 32)
			return -XEN_EINVAL;
		if (v & DR7_GD)
			return -XEN_EPERM;
		for (unsigned int bp = 0; bp < 4 && (v & DR7_ENABLES); bp++)
			if (((v >> (16 + 4 * bp)) & 3) == DR7_RW_IO)
				return -XEN_EPERM;
		v = (v & ~DR7_RESERVED_ZERO) | DR7_DEFAULT;
	}
	*value = v;
	return 0;
}

static bool addresses_ok(const struct vcpu_guest_context *c, enum vcpu_ctx_caller who)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!(who == VCPU_CTX_DOMCTL ? code_ok(r->rip) : canonical(r->rip)))
		return false;
	if (!canonical(r->rsp) || !canonical(c->kernel_sp) || !canonical(c->fs_base) ||
	    !canonical(c->gs_base_kernel) || !canonical(c->gs_base_user))
		return false;
	if ((c->event_callback_eip && !code_ok(c->event_callback_eip)) ||
	    (c->failsafe_callback_eip && !code_ok(c->failsafe_callback_eip)) ||
	    (c->syscall_callback_eip && !code_ok(c->syscall_callback_eip)))
		return false;
	for (unsigned int i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
		if (c->trap_ctxt[i].address && !code_ok(c->trap_ctxt[i].address))
			return false;
	return true;
}

static bool flags_ok(const struct vcpu_guest_context *c, enum vcpu_ctx_caller who)
{
	if (who == VCPU_CTX_DOMCTL && ((c->flags & ~(uint64_t)VGCF_KNOWN) || !(c->flags & VGCF_in_kernel)))
		return false;
	/* Guest user mode needs user page tables to run on (as Xen). */
	return (c->flags & VGCF_in_kernel) || c->ctrlreg[1];
}

static bool tables_ok(const struct vcpu_guest_context *c, enum vcpu_ctx_caller who)
{
	if (c->ldt_ents || c->gdt_ents > PV_GDT_MAX_ENTRIES)
		return false;
	if (who == VCPU_CTX_DOMCTL)
		return !c->ldt_base && !(c->ctrlreg[3] & 0xfff) && !(c->ctrlreg[1] & 0xfff);
	return !(c->ldt_base & 0xfff) && canonical(c->ldt_base);
}

/* The FXSAVE image the vCPU loads: an FXRSTOR of a reserved MXCSR bit would #GP in the hypervisor. */
static bool fpu_decode(struct vcpu_guest_context *c, enum vcpu_ctx_caller who, uint32_t mxcsr_mask)
{
	uint16_t fcw = FCW_RESET;
	uint32_t mxcsr = MXCSR_RESET;

	if (!(c->flags & VGCF_i387_valid)) {
		memset(c->fpu_ctxt, 0, sizeof(c->fpu_ctxt));
		memcpy(c->fpu_ctxt + FCW_OFF, &fcw, sizeof(fcw));
		memcpy(c->fpu_ctxt + MXCSR_OFF, &mxcsr, sizeof(mxcsr));
		return true;
	}
	memcpy(&mxcsr, c->fpu_ctxt + MXCSR_OFF, sizeof(mxcsr));
	if (who == VCPU_CTX_DOMCTL && (mxcsr & ~MXCSR_PORTABLE))
		return false;
	mxcsr &= mxcsr_mask;
	memcpy(c->fpu_ctxt + MXCSR_OFF, &mxcsr, sizeof(mxcsr));
	return true;
}

static bool debugregs_decode(struct vcpu_ctx_plan *p)
{
	static const unsigned int regs[] = { 0, 1, 2, 3, 6, 7 };

	memset(p->debugreg, 0, sizeof(p->debugreg));
	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++) {
		p->debugreg[regs[i]] = p->c.debugreg[regs[i]];
		if (vcpu_debugreg_check(regs[i], &p->debugreg[regs[i]]) < 0)
			return false;
	}
	return true;
}

/* A 64-bit PV kernel runs in ring 3: RPL 0 means it (Xen's fix-up). */
static bool selectors_decode(struct vcpu_guest_context *c, enum vcpu_ctx_caller who)
{
	c->user_regs.cs |= 3;
	c->user_regs.ss |= 3;
	c->kernel_ss |= 3;
	for (unsigned int i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
		c->trap_ctxt[i].cs |= 3;
	if (who != VCPU_CTX_DOMCTL)
		return true;
	return c->user_regs.cs == FLAT_KERNEL_CS && c->user_regs.ss == FLAT_KERNEL_SS &&
	       c->kernel_ss == FLAT_KERNEL_SS;
}

int vcpu_context_decode(struct vcpu_ctx_plan *p, enum vcpu_ctx_caller who, uint32_t mxcsr_mask)
{
	struct vcpu_guest_context *c = &p->c;

	if (!flags_ok(c, who) || !addresses_ok(c, who) || !tables_ok(c, who) || !selectors_decode(c, who) ||
	    !fpu_decode(c, who, mxcsr_mask) || !debugregs_decode(p))
		return -XEN_EINVAL;
	p->rflags = (c->user_regs.rflags & RFLAGS_KEEP) | RFLAGS_IF;
	p->iopl = (uint8_t)((c->user_regs.rflags >> RFLAGS_IOPL_SHIFT) & 3);
	p->kernel_mode = c->flags & VGCF_in_kernel;
	p->guest_ts = c->ctrlreg[0] & CR0_TS_BIT;
	p->l4 = c->ctrlreg[3] >> 12;
	p->l4_user = c->ctrlreg[1] ? c->ctrlreg[1] >> 12 : MFN_INVALID;
	p->gdt_nr_frames = (unsigned int)((c->gdt_ents + 511) / 512);
	for (unsigned int i = 0; i < PV_GDT_MAX_FRAMES; i++)
		p->gdt[i] = i < p->gdt_nr_frames ? c->gdt_frames[i] : MFN_INVALID;
	p->l4_taken = p->l4_user_taken = p->gdt_taken = false;
	return 0;
}

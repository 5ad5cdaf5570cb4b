/* The frame-independent checks of a PV vCPU context (setvcpucontext): addresses, selectors, flags, FPU control word. */
#include <hv/lib.h>
#include <hv/pv_desc.h>
#include <hv/vcpu_context.h>
#include <pvabi/errno.h>

#define VGCF_KNOWN	(VGCF_i387_valid | VGCF_in_kernel | VGCF_failsafe_disables_events | \
			 VGCF_syscall_disables_events | VGCF_online)
#define MXCSR_OFF	24
#define MXCSR_OK	0xffbfu		/* no reserved bit; DAZ (bit 6) is not promised by every CPU */

static bool canonical(uint64_t va)
{
	return (uint64_t)(((int64_t)va << 16) >> 16) == va;
}

/* Where a guest may put code: canonical and not in the hypervisor's slots. */
static bool code_ok(uint64_t va)
{
	return canonical(va) && (va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END);
}

static bool addresses_ok(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!code_ok(r->rip) || !canonical(r->rsp) || !canonical(c->kernel_sp) || !canonical(c->fs_base) ||
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

int vcpu_context_check_fields(const struct vcpu_guest_context *c)
{
	uint32_t mxcsr;

	if ((c->flags & ~(uint64_t)VGCF_KNOWN) || !(c->flags & VGCF_in_kernel))
		return -XEN_EINVAL;
	if (!addresses_ok(c) || c->ldt_ents || c->ldt_base)
		return -XEN_EINVAL;
	if ((c->user_regs.cs | 3) != FLAT_KERNEL_CS || (c->user_regs.ss | 3) != FLAT_KERNEL_SS ||
	    (c->kernel_ss | 3) != FLAT_KERNEL_SS)
		return -XEN_EINVAL;
	memcpy(&mxcsr, c->fpu_ctxt + MXCSR_OFF, sizeof(mxcsr));
	if ((c->flags & VGCF_i387_valid) && (mxcsr & ~MXCSR_OK))
		return -XEN_EINVAL;
	if (c->gdt_ents > PV_GDT_MAX_ENTRIES)
		return -XEN_EINVAL;
	return 0;
}

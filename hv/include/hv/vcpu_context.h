/* Checks of a PV vCPU context (struct vcpu_guest_context) that need no domain state; the rest is arch (pv/vcpu_context.c). */
#ifndef HV_VCPU_CONTEXT_H
#define HV_VCPU_CONTEXT_H

#include <hv/types.h>
#include <pvabi/arch_x86_64.h>

/*
 * What SKIFF_DOMCTL_setvcpucontext accepts before it looks at frames:
 * known flags with VGCF_in_kernel (a vCPU starts in its kernel); rip, the
 * callbacks and every trap handler canonical and outside the hypervisor's
 * slots (0 for "none" where allowed); rsp, kernel_sp and the segment bases
 * canonical; Xen's flat ring-3 kernel selectors for cs, ss and kernel_ss;
 * no LDT; at most 14 GDT frames' worth of entries; with VGCF_i387_valid no
 * reserved MXCSR bit (fxrstor would fault in the hypervisor).
 * 0 or -XEN_EINVAL.
 */
int vcpu_context_check_fields(const struct vcpu_guest_context *c);

#endif

/* SPDX-License-Identifier: MIT */
/* One decode and check of a PV vCPU context (struct vcpu_guest_context) for both callers; the frames are taken by arch (pv/vcpu_context.c). */
#ifndef HV_VCPU_CONTEXT_H
#define HV_VCPU_CONTEXT_H

#include <hv/pv_desc.h>
#include <hv/types.h>
#include <pvabi/arch_x86_64.h>

/* Who gives the vCPU its context: the rules differ only where the two ABIs do. */
enum vcpu_ctx_caller {
	VCPU_CTX_INITIALISE,	/* VCPUOP_initialise: the guest, for a vCPU of its own never initialised */
	VCPU_CTX_DOMCTL,	/* SKIFF_DOMCTL_setvcpucontext: a builder, for a vCPU of a paused domain */
};

/*
 * A context decoded: what a commit writes, computed before anything of the
 * vCPU changes. c is the caller's copy, normalised in place by the decode
 * (selectors with RPL 3, the FXSAVE image the vCPU will load); the frames
 * named in it are only numbers here: arch takes them (pv_vcpu_ctx_take).
 */
struct vcpu_ctx_plan {
	struct vcpu_guest_context c;
	uint64_t rflags;		/* what the CPU runs with: arithmetic flags, AC and IF */
	uint8_t iopl;			/* the guest's virtual IOPL, from rflags */
	bool kernel_mode;
	bool guest_ts;			/* the guest's CR0.TS */
	uint64_t debugreg[8];		/* as pv_debugreg_set would leave them; 4 and 5 unused */
	mfn_t l4, l4_user;		/* cr3's and cr1's frames; l4_user MFN_INVALID when cr1 is 0 */
	mfn_t gdt[PV_GDT_MAX_FRAMES];
	unsigned int gdt_nr_frames;
	/* Set by arch while it holds the frames' references. */
	bool l4_taken, l4_user_taken, gdt_taken;
};

/*
 * Decodes p->c as `who` may give it. Both callers (as Xen's one
 * arch_set_info_guest for both): rsp, kernel_sp and the segment bases
 * canonical; the callbacks and trap handlers (0: none) canonical and outside
 * the hypervisor's slots; no LDT entries (Skiff has no guest LDTs); at most
 * 14 GDT frames' worth of entries; debug registers as set_debugreg takes
 * them; IOPL becomes the virtual IOPL and the real flags keep only the
 * arithmetic ones, AC and IF; without VGCF_i387_valid the FPU starts from
 * its reset state; a start outside the kernel needs a user L4 (cr1).
 * INITIALISE as Xen 4.17: rip canonical; flags not in the ABI ignored; an
 * LDT base page-aligned and canonical; cr3's low bits ignored; MXCSR bits
 * the CPU lacks (mxcsr_mask, its MXCSR_MASK) cleared; cs and ss are checked
 * against the context's own GDT by arch.
 * DOMCTL (Skiff's own, for a builder): rip also outside the hypervisor;
 * only known flags, and VGCF_in_kernel; no LDT base; cr3 with no low bits;
 * Xen's flat kernel selectors for cs, ss and kernel_ss; with VGCF_i387_valid
 * no MXCSR bit outside 0xffbf (refused, so a saved context restores on any
 * CPU). 0 or -XEN_EINVAL.
 */
int vcpu_context_decode(struct vcpu_ctx_plan *p, enum vcpu_ctx_caller who, uint32_t mxcsr_mask);

/*
 * The rule of set_debugreg for one debug register (4 and 5 already mapped
 * to 6 and 7): 0 with *value as the register will hold it, or -XEN_EPERM
 * (a breakpoint on the hypervisor, GD, an I/O breakpoint), -XEN_EINVAL
 * (%dr7's upper half) or -XEN_ENODEV (no such register).
 */
int vcpu_debugreg_check(unsigned int reg, uint64_t *value);

#endif

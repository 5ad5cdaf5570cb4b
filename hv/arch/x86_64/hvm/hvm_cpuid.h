/* SPDX-License-Identifier: MIT */
/* What CPUID says to a fully virtual guest: the host's answers filtered down to what the guest really gets. */
#ifndef HVM_CPUID_H
#define HVM_CPUID_H

#include <hv/types.h>

struct cpuid_regs {
	uint32_t a, b, c, d;
};

/* The signature of the hypervisor leaf 0x40000000 ("SkiffSkiffSk" in EBX, ECX, EDX). */
#define HVM_CPUID_BASE		0x40000000u
#define HVM_CPUID_SIG_EBX	0x66696b53u	/* "Skif" */
#define HVM_CPUID_SIG_ECX	0x696b5366u	/* "fSki" */
#define HVM_CPUID_SIG_EDX	0x6b536666u	/* "ffSk" */
#define HVM_CPUID_MAX_BASIC	0x7u
#define HVM_CPUID_MAX_EXT	0x80000008u

/* The guest's answer for (leaf, subleaf) on vCPU vcpu_id; host() gives the real CPU's. */
void hvm_cpuid(uint32_t leaf, uint32_t sub, unsigned int vcpu_id,
	       void (*host)(uint32_t leaf, uint32_t sub, struct cpuid_regs *r), struct cpuid_regs *out);

/*
 * Xen's leaves for a guest that asked for Xen (@xen), at 0x40000000 in
 * place of Skiff's: the signature "XenVMMXenVMM" with the last leaf, the
 * version (4.17), one hypercall page through MSR 0x40000000, no TSC
 * leaf, and leaf 4 with the vCPU id. false: not one of these leaves.
 */
#define HVM_XEN_CPUID_LAST	(HVM_CPUID_BASE + 4)
bool hvm_cpuid_xen(uint32_t leaf, unsigned int vcpu_id, struct cpuid_regs *out);

#endif

/* SPDX-License-Identifier: MIT */
/* CPUID for HVM guests: only features the guest really has (no SVM, no APIC or XSAVE until they are modelled). */
#include "hvm_cpuid.h"

/*
 * Leaf 1. EDX: FPU VME DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE36
 * CLFSH MMX FXSR SSE SSE2. Not MTRR, MCE/MCA (no MSRs yet), not HTT. ECX:
 * SSE3 PCLMUL SSSE3 CX16 SSE4.1 SSE4.2 x2APIC (the APIC is only that,
 * vlapic.c) MOVBE POPCNT AES RDRAND, and bit 31 (a hypervisor is present).
 * TSC-deadline whatever the host has (vlapic.c models it: Linux's one
 * timer here, as it needs no PIT to calibrate). Not VMX/SMX, monitor,
 * XSAVE/OSXSAVE (XCR0 is not switched) or AVX.
 */
#define LEAF1_EDX_KEEP	0x078bab7fu
#define LEAF1_ECX_KEEP	0x42f82203u
#define LEAF1_ECX_HV	(1u << 31)
#define LEAF1_ECX_TSC_DEADLINE	(1u << 24)
/* Leaf 6 EAX: ARAT, the APIC timer runs in every C-state (it is a host timer). */
#define LEAF6_EAX_ARAT	(1u << 2)
/*
 * 0x80000007 EDX: invariant TSC. The guest's TSC is the hypervisor's plus
 * an offset, and the hypervisor's own clock counts on it running at one
 * rate (time.c calibrates it once), whatever the host's CPUID says (QEMU's
 * TCG model does not say). With it and TSC_ADJUST Linux trusts the TSC
 * without a watchdog: its only other clock here is jiffies, whose ticks a
 * slow host delays, and it marked the TSC unstable against them.
 */
#define EXT7_EDX_INVTSC	(1u << 8)
/* Leaf 7.0 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS RDSEED ADX SMAP; and TSC_ADJUST, modelled in exits.c. */
#define LEAF7_EBX_KEEP	0x001c0389u
#define LEAF7_EBX_TSC_ADJUST	(1u << 1)
/*
 * 0x80000001. ECX: LAHF, LZCNT, SSE4A, misaligned SSE, PREFETCHW; never SVM.
 * EDX: the leaf-1 mirrors AMD keeps here (FPU..CX8, APIC, PGE, CMOV, PAT, PSE36,
 * MMX, FXSR), SYSCALL, NX, 1 GiB pages, long mode; not RDTSCP (TSC_AUX is
 * not switched for HVM vCPUs).
 */
#define EXT1_ECX_KEEP	0x000001e1u
#define EXT1_EDX_KEEP	0x2593ab7fu

void hvm_cpuid(uint32_t leaf, uint32_t sub, unsigned int vcpu_id,
	       void (*host)(uint32_t leaf, uint32_t sub, struct cpuid_regs *r), struct cpuid_regs *out)
{
	struct cpuid_regs h = { 0 };
	uint32_t max_basic, max_ext;

	*out = (struct cpuid_regs){ 0 };
	host(0, 0, &h);
	max_basic = h.a < HVM_CPUID_MAX_BASIC ? h.a : HVM_CPUID_MAX_BASIC;
	host(0x80000000u, 0, &h);
	max_ext = h.a < HVM_CPUID_MAX_EXT ? h.a : HVM_CPUID_MAX_EXT;

	if (leaf == HVM_CPUID_BASE) {
		out->a = HVM_CPUID_BASE;
		out->b = HVM_CPUID_SIG_EBX;
		out->c = HVM_CPUID_SIG_ECX;
		out->d = HVM_CPUID_SIG_EDX;
		return;
	}
	/* Unknown leaves read as zeros (AMD's rule; Intel repeats the top basic leaf). */
	if (leaf < 0x80000000u ? leaf > max_basic : leaf > max_ext)
		return;
	host(leaf, sub, &h);
	switch (leaf) {
	case 0:
		*out = h;
		out->a = max_basic;
		break;
	case 1:
		out->a = h.a;
		/* APIC id = vCPU id, one logical processor, CLFLUSH line size kept. */
		out->b = (h.b & 0x0000ff00u) | ((uint32_t)vcpu_id << 24) | (1u << 16);
		out->c = (h.c & LEAF1_ECX_KEEP) | LEAF1_ECX_HV | LEAF1_ECX_TSC_DEADLINE;
		out->d = h.d & LEAF1_EDX_KEEP;
		break;
	case 6:
		out->a = LEAF6_EAX_ARAT;
		break;
	case 7:
		if (sub == 0)
			out->b = (h.b & LEAF7_EBX_KEEP) | LEAF7_EBX_TSC_ADJUST;
		break;
	case 0x80000000u:
		*out = h;
		out->a = max_ext;
		break;
	case 0x80000001u:
		out->a = h.a;
		out->c = h.c & EXT1_ECX_KEEP;
		out->d = h.d & EXT1_EDX_KEEP;
		break;
	case 0x80000002u:
	case 0x80000003u:
	case 0x80000004u:
	case 0x80000005u:
	case 0x80000006u:
		*out = h;	/* brand string and cache descriptions */
		break;
	case 0x80000007u:
		out->d = EXT7_EDX_INVTSC;
		break;
	case 0x80000008u:
		out->a = h.a & 0xffffu;	/* physical and virtual address bits; one core */
		break;
	default:
		break;		/* 2-5: nothing claimed */
	}
}

/* "XenVMMXenVMM" in EBX, ECX, EDX; leaf 4's EAX bit 3 says EBX holds the vCPU id. */
#define XEN_SIG_EBX		0x566e6558u
#define XEN_SIG_ECX		0x65584d4du
#define XEN_SIG_EDX		0x4d4d566eu
#define XEN_VERSION_4_17	((4u << 16) | 17u)
#define XEN_CPUID_VCPU_ID	(1u << 3)

bool hvm_cpuid_xen(uint32_t leaf, unsigned int vcpu_id, struct cpuid_regs *out)
{
	if (leaf < HVM_CPUID_BASE || leaf > HVM_CPUID_BASE + 0xff)
		return false;
	*out = (struct cpuid_regs){ 0 };
	switch (leaf - HVM_CPUID_BASE) {
	case 0:
		*out = (struct cpuid_regs){ HVM_XEN_CPUID_LAST, XEN_SIG_EBX, XEN_SIG_ECX, XEN_SIG_EDX };
		break;
	case 1:
		out->a = XEN_VERSION_4_17;
		break;
	case 2:
		out->a = 1;		/* hypercall pages */
		out->b = 0x40000000u;	/* the MSR that writes them */
		break;
	case 4:
		out->a = XEN_CPUID_VCPU_ID;
		out->b = vcpu_id;
		break;
	default:
		break;			/* 3 (TSC) and beyond the last: zeros */
	}
	return true;
}

/* SPDX-License-Identifier: MIT */
/* AMD SVM: the VMCB layout (AMD64 APM vol. 2, appendix B), intercept bits, exit codes and the MSRs of SVM. */
#ifndef ASM_SVM_H
#define ASM_SVM_H

#include <hv/types.h>

#define MSR_VM_CR		0xc0010114
#define VM_CR_SVMDIS		(1u << 4)
#define MSR_VM_HSAVE_PA		0xc0010117
#define EFER_SVME		(1UL << 12)
#define EFER_LMA		(1UL << 10)

/* CPUID 0x80000001 ECX and 0x8000000A EDX. */
#define CPUID_80000001_ECX_SVM	(1u << 2)
#define CPUID_SVM_EDX_NPT	(1u << 0)
#define CPUID_SVM_EDX_NRIPS	(1u << 3)

/* Control-area intercept words. */
#define SVM_INTERCEPT_INTR	(1u << 0)
#define SVM_INTERCEPT_VINTR	(1u << 4)
#define SVM_INTERCEPT_NMI	(1u << 1)
#define SVM_INTERCEPT_SMI	(1u << 2)
#define SVM_INTERCEPT_INIT	(1u << 3)
#define SVM_INTERCEPT_RDPMC	(1u << 15)
#define SVM_INTERCEPT_CPUID	(1u << 18)
#define SVM_INTERCEPT_INVD	(1u << 22)
#define SVM_INTERCEPT_HLT	(1u << 24)
#define SVM_INTERCEPT_INVLPGA	(1u << 26)
#define SVM_INTERCEPT_IOIO	(1u << 27)
#define SVM_INTERCEPT_MSR	(1u << 28)
#define SVM_INTERCEPT_TASKSW	(1u << 29)
#define SVM_INTERCEPT_SHUTDOWN	(1u << 31)

#define SVM_INTERCEPT2_VMRUN	(1u << 0)	/* VMRUN refuses a VMCB without it */
#define SVM_INTERCEPT2_VMMCALL	(1u << 1)
#define SVM_INTERCEPT2_VMLOAD	(1u << 2)
#define SVM_INTERCEPT2_VMSAVE	(1u << 3)
#define SVM_INTERCEPT2_STGI	(1u << 4)
#define SVM_INTERCEPT2_CLGI	(1u << 5)
#define SVM_INTERCEPT2_SKINIT	(1u << 6)
#define SVM_INTERCEPT2_RDTSCP	(1u << 7)
#define SVM_INTERCEPT2_MONITOR	(1u << 10)
#define SVM_INTERCEPT2_MWAIT	(1u << 11)
#define SVM_INTERCEPT2_XSETBV	(1u << 13)

/* EXITCODE values. */
#define SVM_EXIT_EXCP_BASE	0x40
#define SVM_EXIT_INTR		0x60
#define SVM_EXIT_NMI		0x61
#define SVM_EXIT_SMI		0x62
#define SVM_EXIT_INIT		0x63
#define SVM_EXIT_VINTR		0x64
#define SVM_EXIT_RDPMC		0x6f
#define SVM_EXIT_CPUID		0x72
#define SVM_EXIT_INVD		0x76
#define SVM_EXIT_HLT		0x78
#define SVM_EXIT_INVLPGA	0x7a
#define SVM_EXIT_IOIO		0x7b
#define SVM_EXIT_MSR		0x7c
#define SVM_EXIT_TASKSW		0x7d
#define SVM_EXIT_SHUTDOWN	0x7f
#define SVM_EXIT_VMRUN		0x80
#define SVM_EXIT_VMMCALL	0x81
#define SVM_EXIT_VMLOAD		0x82
#define SVM_EXIT_VMSAVE		0x83
#define SVM_EXIT_STGI		0x84
#define SVM_EXIT_CLGI		0x85
#define SVM_EXIT_SKINIT		0x86
#define SVM_EXIT_RDTSCP		0x87
#define SVM_EXIT_MONITOR	0x8a
#define SVM_EXIT_MWAIT		0x8b
#define SVM_EXIT_XSETBV		0x8d
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	(~0ULL)

/* IOIO EXITINFO1. */
#define SVM_IOIO_IN		(1u << 0)
#define SVM_IOIO_STR		(1u << 2)
#define SVM_IOIO_REP		(1u << 3)
#define SVM_IOIO_SIZE_SHIFT	4		/* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_PORT_SHIFT	16

/* EVENTINJ and EXITINTINFO. */
#define SVM_EVTINJ_VALID	(1u << 31)
#define SVM_EVTINJ_EV		(1u << 11)
#define SVM_EVTINJ_TYPE_EXC	(3u << 8)

#define SVM_TLB_FLUSH_ALL	1

/* A segment register in the state save area; attrib packs descriptor bits 40-47 and 52-55. */
struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct vmcb {
	/* Control area. */
	uint32_t intercept_cr;		/* 0x000: reads 0-15, writes 16-31 */
	uint32_t intercept_dr;
	uint32_t intercept_exc;
	uint32_t intercept1;		/* 0x00c: SVM_INTERCEPT_* */
	uint32_t intercept2;		/* 0x010: SVM_INTERCEPT2_* */
	uint32_t intercept3;
	uint8_t rsvd0[0x3c - 0x18];
	uint16_t pause_filter_thresh;
	uint16_t pause_filter_count;
	uint64_t iopm_base_pa;		/* 0x040 */
	uint64_t msrpm_base_pa;
	uint64_t tsc_offset;
	uint32_t asid;			/* 0x058 */
	uint8_t tlb_control;
	uint8_t rsvd1[3];
	uint64_t vintr;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING (bit 24), vector */
	uint64_t int_state;		/* 0x068: interrupt shadow */
	uint64_t exitcode;		/* 0x070 */
	uint64_t exitinfo1;
	uint64_t exitinfo2;
	uint64_t exitintinfo;
	uint64_t np_enable;		/* 0x090 */
	uint64_t avic_apic_bar;
	uint64_t ghcb_pa;
	uint64_t eventinj;		/* 0x0a8 */
	uint64_t n_cr3;			/* 0x0b0 */
	uint64_t virt_ext;
	uint32_t clean;			/* 0x0c0: 0, everything reloaded */
	uint32_t rsvd2;
	uint64_t next_rip;		/* 0x0c8 (NRIPS) */
	uint8_t insn_len;
	uint8_t insn_bytes[15];
	uint8_t rsvd3[0x400 - 0xe0];
	/* State save area. */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;	/* 0x400 */
	uint8_t rsvd4[0x4cb - 0x4a0];
	uint8_t cpl;			/* 0x4cb */
	uint32_t rsvd5;
	uint64_t efer;			/* 0x4d0 */
	uint8_t rsvd6[0x548 - 0x4d8];
	uint64_t cr4;			/* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;			/* 0x578 */
	uint8_t rsvd7[0x5d8 - 0x580];
	uint64_t rsp;			/* 0x5d8 */
	uint8_t rsvd8[0x5f8 - 0x5e0];
	uint64_t rax;			/* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;	/* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;			/* 0x640 */
	uint8_t rsvd9[0x668 - 0x648];
	uint64_t g_pat;			/* 0x668 */
	uint64_t dbgctl;
	uint8_t rsvd10[PAGE_SIZE - 0x678];
};

_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, iopm_base_pa) == 0x40, "VMCB iopm");
_Static_assert(offsetof(struct vmcb, asid) == 0x58, "VMCB asid");
_Static_assert(offsetof(struct vmcb, exitcode) == 0x70, "VMCB exitcode");
_Static_assert(offsetof(struct vmcb, np_enable) == 0x90, "VMCB np_enable");
_Static_assert(offsetof(struct vmcb, eventinj) == 0xa8, "VMCB eventinj");
_Static_assert(offsetof(struct vmcb, n_cr3) == 0xb0, "VMCB n_cr3");
_Static_assert(offsetof(struct vmcb, next_rip) == 0xc8, "VMCB next_rip");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "VMCB save area");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "VMCB tr");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4cb, "VMCB cpl");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "VMCB efer");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "VMCB cr4");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "VMCB rip");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5d8, "VMCB rsp");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "VMCB rax");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "VMCB cr2");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "VMCB g_pat");

#endif

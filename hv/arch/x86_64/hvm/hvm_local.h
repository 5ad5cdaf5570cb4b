/* SPDX-License-Identifier: MIT */
/* State of HVM vCPUs and domains, shared by the files of hv/arch/x86_64/hvm/ only. */
#ifndef HVM_LOCAL_H
#define HVM_LOCAL_H

#include <asm/hvm.h>
#include <asm/svm.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <hv/types.h>

#include "npt.h"
#include "cmos_rtc.h"
#include "uart16550.h"
#include "vioapic.h"

/* Guest registers VMRUN does not switch (rax, rsp, rip, rflags live in the VMCB); svm_entry.S uses these offsets. */
struct hvm_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

enum { VLAPIC_X2APIC, VLAPIC_XAPIC, VLAPIC_DISABLED };

/* The vCPU's local APIC (vlapic.c): x2APIC registers, the timer, the 256-bit request and service sets. */
struct vlapic {
	uint32_t tpr, svr, lvt_timer, lvt_error, tmict, tdcr;
	volatile uint64_t irr[4], isr[4];	/* IRR is set by the timer on another CPU too: atomics */
	uint64_t tsc_deadline;			/* IA32_TSC_DEADLINE in guest TSC, 0: disarmed */
	uint8_t mode;				/* VLAPIC_X2APIC (from reset), VLAPIC_XAPIC or VLAPIC_DISABLED */
	uint32_t ldr, dfr, icr_hi;		/* xAPIC mode's own registers (x2APIC derives or lacks them) */
	s_time_t deadline;			/* of the running count, 0: stopped */
	struct timer timer;			/* on the CPU the vCPU last ran on; killed with the domain */
	uint64_t timer_fired, injected;
};

enum hvm_exit_stat {
	HVM_STAT_CPUID, HVM_STAT_HLT, HVM_STAT_IO, HVM_STAT_MSR, HVM_STAT_NPF, HVM_STAT_INTR,
	HVM_STAT_INJECT, HVM_STAT_OTHER, HVM_NR_STATS,
};

struct hvm_vcpu {
	struct hvm_gprs gprs;		/* first: svm_entry.S takes its address */
	struct vmcb *vmcb;		/* a frame of the hypervisor's (frame_owner_hv), freed by hvm_domain_relinquish */
	paddr_t vmcb_pa;
	uint64_t exits, stats[HVM_NR_STATS];
	uint64_t hypercalls, callbacks;	/* VMMCALLs (@xen), callback vectors injected */
	bool vcpu_info_moved;		/* vcpu_info is in a RAM frame of the guest's (VCPUOP_register_vcpu_info) */
	uint64_t guest_cycles, exit_cycles;	/* TSC: inside svm_vmrun, and handling exits */
	bool halted;			/* in HLT until an interrupt can be taken */
	uint64_t dr[4];			/* DR0-3 while off the CPU */
	uint64_t tsc_adjust;		/* IA32_TSC_ADJUST: what the guest added to its TSC (kept in the VMCB's offset) */
	/* Start-up of a secondary vCPU: claimed by compare-and-swap while an INIT or SIPI changes it (it runs on no CPU). */
	volatile bool startup_claim;
	bool wait_sipi;			/* INIT received, the next SIPI starts it */
	struct vlapic lapic;
};

struct hvm_domain {
	uint64_t nr_pages;		/* guest-physical RAM is [0, nr_pages << 12) */
	struct npt npt;			/* its tables are charged to the domain and freed with its frames */
	/* COM1 and the I/O APIC: any vCPU's exits and the console input poll reach them. Taken with interrupts off. */
	spinlock_t dev_lock;
	struct uart16550 com1;
	struct vioapic ioapic;
	struct cmos_rtc rtc;
	/* console.c: COM1 through a xencons ring dom0 serves (console_ring), polled for input and prompts. */
	bool console_ring;
	volatile bool console_unsent;	/* output without an event to dom0 yet (no newline) */
	uint64_t console_dropped;	/* bytes that found the ring full */
	struct timer console_timer;
	bool io_logged, msr_logged;	/* the first unhandled port and the first refused MSR are logged */
	/* xen_hvm.c: Xen's interface for PV drivers (@xen). xen_lock orders moves of shared_info in the NPT and of vcpu_info. */
	bool xen;
	spinlock_t xen_lock;
	uint8_t callback_vector;	/* HVM_PARAM_CALLBACK_IRQ's vector, 0: none */
	uint64_t params[39];		/* HVM params as the guest reads them */
	bool shinfo_mapped;		/* shared_info is behind shinfo_gpfn, which held shinfo_displaced */
	uint64_t shinfo_gpfn;
	mfn_t shinfo_displaced;		/* a RAM frame of the domain's, set aside while shared_info is there */
	uint64_t hypercall_page_gpa;
	bool unplug_logged;		/* the platform device's unplug request is logged once */
};

/* The exit port a test guest writes to end itself (the port QEMU's isa-debug-exit uses). */
#define HVM_EXIT_PORT		0x501

/* svm_entry.S: runs the guest until its next #VMEXIT. Host state: hsave_pa's page. Interrupts off on entry and return. */
void svm_vmrun(struct hvm_gprs *gprs, paddr_t vmcb_pa, paddr_t host_pa);

/* svm.c: the VMCB's controls (the NPT must exist) and the state INIT leaves, at cs:ip for entry (< 1 MiB). */
void hvm_vcpu_reset(struct vcpu *v, uint64_t entry);
/* svm.c: after hvm_vcpu_reset, flat 32-bit protected mode (paging off) at eip with esi and the GDT given. */
void hvm_vcpu_enter_protected(struct vcpu *v, uint32_t eip, uint32_t esi, uint32_t gdt, uint16_t cs, uint16_t ds);
/* build.c: len bytes (zeros when src is NULL) to guest-physical gpa inside its RAM (the caller checked the range). */
void hvm_copy_to_gpa(struct hvm_domain *hd, uint64_t gpa, const void *src, uint64_t len);
/* In HLT: stays blocked unless an interrupt can be taken now. */
void hvm_halt_check(struct vcpu *v);
/* The CPU saves the next instruction's address on intercepts (else the handlers know the lengths). */
bool hvm_next_rip_saved(void);

/* vlapic.c: the local APIC. msr_* return false for a #GP. */
void vlapic_init(struct vcpu *v);
void vlapic_kill(struct vcpu *v);
void vlapic_switch_in(struct vcpu *v);
bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* The xAPIC page at offset off (a 32-bit aligned access): false if the APIC is not in xAPIC mode. */
bool vlapic_mmio_read(struct vcpu *v, uint32_t off, uint32_t *val);
bool vlapic_mmio_write(struct vcpu *v, uint32_t off, uint32_t val);
void vlapic_inject(struct vcpu *v);
/* vlapic.c: an I/O APIC interrupt to the vCPUs its destination names. */
void vlapic_deliver_irq(struct domain *d, uint8_t dest, bool logical, bool lowest, uint8_t vec);
bool vlapic_wakes_hlt(struct vcpu *v);
/* svm.c: INIT and STARTUP from another vCPU's APIC; only a vCPU that has not started yet takes them. */
void hvm_vcpu_init_ipi(struct vcpu *v);
void hvm_vcpu_sipi(struct vcpu *v, unsigned int vector);

/* guest_walk.c: up to len bytes at the guest's rip through its page tables; fewer where a page is not reachable. */
unsigned int hvm_fetch_insn(const struct vcpu *v, uint8_t *buf, unsigned int len);
/* The vCPU runs 64-bit code (long mode, CS.L): REX prefixes exist. */
bool hvm_code_is_64bit(const struct vcpu *v);
/* Real mode or a 16-bit code segment: other operand and address sizes, which the MMIO decoder does not take. */
bool hvm_code_is_16bit(const struct vcpu *v);

/* ports.c: port I/O to the guest's devices (COM1, the RTC, ACPI sleep control, the exit port). */
uint32_t hvm_port_in(struct vcpu *v, uint16_t port, unsigned int size);
void hvm_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
/* ports.c: the I/O APIC page, a 32-bit access at offset off. */
uint32_t hvm_ioapic_read(struct domain *d, uint32_t off);
void hvm_ioapic_write(struct domain *d, uint32_t off, uint32_t val);

/* console.c: the ring for dom0's console service (build time), COM1's bytes into it, the poll timer. */
int hvm_console_ring_init(struct domain *d);
bool hvm_console_out(struct domain *d, uint8_t c);
void hvm_console_init(struct domain *d);
void hvm_console_kill(struct domain *d);

/* xen_hvm.c: the hypercall page MSR (false: #GP), a VMMCALL, and the callback vector due now (0: none). */
#define HVM_XEN_MSR_HYPERCALL	0x40000000u
bool hvm_xen_msr_write(struct vcpu *v, uint64_t val);
void hvm_xen_hypercall(struct vcpu *v);
uint8_t hvm_xen_callback_due(struct vcpu *v);
/*
 * xen_hvm.c: the xenstore ring for dom0's store service (build time, after the console ring), at a page
 * outside RAM above the I/O APIC's and local APIC's pages (0xfec00000, 0xfee00000) and below 0xff000000:
 * 3 NPT tables at most beyond RAM's. RAM is one run from 0, so a guest with more than HVM_XEN_STORE_GPFN
 * pages has no room for it and is not built.
 */
#define HVM_XEN_STORE_GPFN	0xfeff0ULL
#define HVM_XEN_STORE_TABLES	3
int hvm_xen_store_init(struct domain *d);
/* xen_hvm.c: the Xen platform device's ports (@xen only); false: not one of them. */
bool hvm_xen_port_in(struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val);
bool hvm_xen_port_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);

/* exits.c: handles v's last #VMEXIT, interrupts off. */
void hvm_handle_exit(struct vcpu *v);
/* svm.c: a #GP/#UD into the guest at its current instruction. */
void hvm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error);

#endif

/* SPDX-License-Identifier: MIT */
/* Fully virtual (HVM) domains on AMD SVM: per-vCPU and per-domain state, and the hooks the rest of the hypervisor calls. */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <hv/types.h>

struct domain;
struct vcpu;
struct percpu;
struct vmcb;

/* struct hvm_vcpu and struct hvm_domain are the hvm/ directory's own (hvm/hvm_local.h); a non-NULL pointer in arch marks HVM. */
#define is_hvm_domain(d)	((d)->arch.hvm != NULL)
#define is_hvm_vcpu(v)		((v)->arch.hvm != NULL)

/* SVM is usable on this machine (every CPU checked at bring-up). */
bool hvm_available(void);
/* At CPU bring-up: EFER.SVME and this CPU's host save area, if SVM is there. */
void hvm_cpu_init(struct percpu *pc);

/* Makes d an HVM domain before anything is built in it: every vCPU gets a VMCB. 0 or -XEN_E*. */
int hvm_domain_init(struct domain *d);
/* At domain kill: stops the vCPUs' APIC timers for good. */
void hvm_domain_kill(struct domain *d);
/* Gives back what hvm_domain_init took (VMCBs, the vCPU state); guest memory and NPT go with the domain's frames. */
void hvm_domain_relinquish(struct domain *d);
void hvm_domain_free(struct domain *d);

/* context_switch's HVM halves: next's guest state into this CPU, prev's out of it. */
void hvm_switch_in(struct vcpu *next);
void hvm_switch_out(struct vcpu *prev);
/* The VMRUN loop of the current vCPU: never returns (schedule() switches away from it). */
void __noreturn hvm_vcpu_loop(void);
void hvm_dump_vcpu(struct vcpu *v);
/* Hypercall arguments of an HVM vCPU: len bytes at its virtual va (its own page tables, its RAM only); 0 or -XEN_EFAULT. */
int hvm_copy_guest(struct vcpu *v, void *buf, uint64_t va, size_t len, bool to_guest);
/* As hvm_copy_guest without the copy: 0 if every page of the range could be read (written) now, else -XEN_EFAULT. */
int hvm_probe_guest(struct vcpu *v, uint64_t va, size_t len, bool write);
/* Typed console input for an HVM domain's COM1 (its receive FIFO, then its interrupt). Returns the bytes taken. */
size_t hvm_console_input(struct domain *d, const char *buf, size_t len);

/*
 * The builder of a boot module marked @hvm: an ELF's PT_LOAD segments at their physical addresses (vCPU 0 in
 * real mode), or a Linux bzImage booted directly (32-bit protocol) with its initrd and command line.
 */
struct hvm_build_args {
	const uint8_t *image;
	size_t image_len;
	uint64_t nr_pages;
	const uint8_t *initrd;		/* bzImage only; NULL: none */
	size_t initrd_len;
	const char *cmdline;		/* bzImage only; NULL: empty */
	bool console_ring;		/* dom0 serves consoles: COM1 also goes through a ring granted to it */
	bool xen;			/* @xen: Xen's CPUID leaves and hypercalls for PV drivers (hvm/xen_hvm.c) */
};
int hvm_build(struct domain *d, const struct hvm_build_args *a);

#endif

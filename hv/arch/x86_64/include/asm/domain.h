/* SPDX-License-Identifier: MIT */
/* x86_64 PV state of vCPUs and domains: the guest's registers while it is off the CPU, its page tables and segment bases. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <asm/regs.h>
#include <hv/types.h>
#include <hv/lib.h>
#include <hv/pv_mm.h>
#include <hv/timer.h>

struct arch_vcpu {
	/* Guest registers while the vCPU is not running (on the CPU, they are the frame at the stack top). */
	struct cpu_regs regs;
	bool kernel_mode;		/* guest kernel (true) or guest user mode */
	/*
	 * Xen's TRAP_syscall: set by a syscall entry and by every bounce frame,
	 * cleared by an interrupt or exception from the guest and by an iret
	 * hypercall without VGCF_in_syscall. While set, the guest's rcx and r11
	 * are dead (a bounce frame or the guest itself saved them) and the
	 * return loads them with rip and rflags, as SYSRET does (and as Xen
	 * does, SYSRET or not).
	 */
	bool exit_sysret;
	mfn_t guest_table;		/* kernel L4 */
	mfn_t guest_table_user;		/* user L4 (MMUEXT_NEW_USER_BASEPTR), MFN_INVALID: none */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
	/*
	 * Data selectors while off the CPU: the registers are one per CPU, so
	 * without these a vCPU would read the last one's (Linux then drops a
	 * task's FS base: it takes a non-null FS selector for a TLS one).
	 */
	uint16_t sel_ds, sel_es, sel_fs, sel_gs;

	/* Guest entry points (set_trap_table, callback_op, stack_switch). */
	struct pv_trap_entry {
		uint64_t address;	/* 0: no handler */
		uint16_t cs;
		uint8_t flags;		/* TI_FLAG_DPL_MASK | TI_FLAG_MASK_EVENTS */
	} traps[256];
	uint64_t event_callback, failsafe_callback, syscall_callback, nmi_callback;
	bool event_mask, failsafe_mask, syscall_mask;	/* CALLBACKF_mask_events */
	/* Compat-mode (FLAT_USER_CS32) entries: syscall32 is delivered; sysenter is recorded only. */
	uint64_t syscall32_callback, sysenter_callback;
	bool syscall32_mask, sysenter_mask;
	uint64_t kernel_sp;
	uint16_t kernel_ss;

	/* Virtual CPU state the guest sees instead of the real one. */
	bool guest_ts;			/* CR0.TS from fpu_taskswitch */
	uint8_t iopl;			/* PHYSDEVOP_set_iopl */
	uint32_t iobmp_limit;		/* PHYSDEVOP_set_iobitmap: ports below it follow the bitmap */
	uint64_t iobmp;			/* the bitmap's guest VA, read only when port I/O traps */
	uint64_t debugreg[8];		/* 4, 5 unused; live in hardware while %dr7 enables any */
	uint32_t tsc_aux;		/* WRMSR TSC_AUX; in hardware while the vCPU runs */
	uint8_t fpu[512] __aligned(16);	/* fxsave area while off the CPU */

	/* vcpu_op: timers on the CPU the vCPU runs on (periodic_period 0 = off), runstate, a vcpu_info moved out of shared_info. */
	struct timer singleshot_timer;
	struct timer periodic_timer;	/* armed only while the vCPU runs */
	int64_t periodic_period, periodic_next;
	uint64_t runstate_area;		/* guest VA, 0: none */
	bool runstate_pending;		/* changed while user page tables were loaded: publish on kernel entry */
	uint64_t time_area;		/* VCPUOP_register_vcpu_time_memory_area: guest VA, 0: none */
	bool time_pending;		/* as runstate_pending, for the time area */
	uint32_t runstate_seq;		/* odd while runstate changes: other vCPUs read it without a lock */
	struct {
		int state;
		uint64_t state_entry_time;
		uint64_t time[4];
	} runstate;
	mfn_t vcpu_info_mfn;		/* registered page (holds a writable reference), MFN_INVALID: none */
	/* Set (compare-and-swap) while a VCPUOP_initialise of this vCPU runs: two at once must not both commit. */
	volatile bool ctx_claim;

	/* Guest GDT (set_gdt): frames typed SEGDESC, shown in pages 0-13 of the CPU's GDT window. */
	mfn_t gdt_frames[14];
	unsigned int gdt_nr_frames;
	unsigned int gdt_ents;
	/* The last cs:ss pair an iret passed the GDT checks with (0: none), and pv_gdt_generation then. */
	uint32_t iret_sels;
	uint64_t iret_sels_gen;
	bool fpu_used;

	/*
	 * Hypercall continuation: set by hypercall_create_continuation, turned
	 * into a re-entry of the same hypercall (rip back over the syscall,
	 * these arguments) when the guest hypercall returns.
	 */
	bool in_hypercall;		/* a guest hypercall of this vCPU runs: it may stop early */
	bool cont_pending;
	uint64_t cont_nr, cont_args[5];
	/*
	 * An extent above 2 MiB being zeroed across continuations (pv/memory_op.c):
	 * allocated to the domain but PGC_LEAVING (no reference can be taken)
	 * until zeroed; zero_cmd/zero_arg name the call it belongs to.
	 */
	mfn_t zero_mfn;
	unsigned int zero_order;
	uint64_t zero_next, zero_cmd, zero_arg;
	/* Page-table releases that stopped early (pv_mm_defer_put): finished before the next MMU call. */
	struct page_info *deferred_put[4];
	unsigned int nr_deferred_put;
	/* Fully virtual vCPUs only (asm/hvm.h): the SVM state; NULL for PV, whose state is all of the above. */
	struct hvm_vcpu *hvm;
};

struct arch_domain {
	uint64_t virt_base;		/* guest VA of PFN 0 of the initial region */
	uint64_t nr_pages;		/* pages given at build time */
	unsigned int teardown_budget;	/* preemption points left in this teardown step (0: not tearing down) */
	/* Where the resumable teardown stands (pv/teardown.c): stage, next frame of the table walk, pv_mm's place. */
	unsigned int td_stage;
	mfn_t td_scan;
	struct pv_mm_teardown td_pt;
	/*
	 * CPUs that may hold TLB entries made through this domain's page
	 * tables (bit per CPU, atomics): set before a CPU loads them, cleared
	 * once it flushed after leaving the domain (flush.c).
	 */
	volatile uint64_t dirty_cpus;
	/* Another domain's tables have mapped its frames (pv/foreign.c): its stale-TLB flushes go to every CPU. */
	bool foreign_mapped;
	/* Set once, before it is built: a fully virtual domain (asm/hvm.h), NULL for PV. */
	struct hvm_domain *hvm;
	/* A domU's pirqs get_free_pirq handed out (pv/physdev_domu.c; atomics): nothing is bound to them. */
	uint64_t domu_pirqs;
	/*
	 * PHYSDEVOP_pirq_eoi_gmfn: the guest's EOI bitmap page, held with a
	 * writable type reference until teardown; 0 for none (as Xen: set once).
	 */
	mfn_t pirq_eoi_mfn;
};

#endif

/* SPDX-License-Identifier: MIT */
/* PV guest glue between the arch entry code and the common scheduler and hypercalls. */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <asm/regs.h>
#include <hv/types.h>
#include <pvabi/xen.h>

struct vcpu;
struct domain;
struct percpu;

#define VEC_SYSCALL64	0x100
#define VEC_SYSCALL32	0x101

/* The guest's registers on this CPU: the frame at the top of the primary stack. */
struct cpu_regs *guest_frame(struct percpu *pc);
static inline bool regs_from_guest(const struct cpu_regs *r)
{
	return (r->cs & 3) == 3;
}

/* Per-CPU: syscall MSRs and the stub that finds the hypervisor stack without a free register. */
void pv_cpu_init(struct percpu *pc);

bool pv_syscall(struct cpu_regs *r);	/* true: return with sysretq */
bool exit_to_guest_work(struct cpu_regs *r);
/* A fault from guest ring 3 (traps are bounced in a later issue; today the domain crashes). */
void pv_guest_trap(struct cpu_regs *r);
/* trap_dispatch for an exception (vector < 32, not NMI/#DF/#MC) from the guest: pv_guest_trap and the exit work. */
bool pv_guest_exception(struct cpu_regs *r);

/* Switches this CPU from prev (NULL: idle) to next (NULL: idle); never returns. */
void __noreturn context_switch(struct vcpu *prev, struct vcpu *next);
void __noreturn reset_stack_and_jump(void *sp, void (*fn)(void));

/* Trap delivery to the guest kernel (bounce.c). */
int pv_toggle_guest_mode(struct vcpu *v);
void pv_inject_trap(struct vcpu *v, struct cpu_regs *r, unsigned int vec, uint64_t error);
/* Debug registers (pv/debugreg.c). */
void pv_debugreg_init(struct vcpu *v);
void pv_debugreg_switch_in(const struct vcpu *v);
/* Loads v's TSC_AUX (RDTSCP's answer) into this CPU. */
void pv_tsc_aux_switch_in(const struct vcpu *v);
void pv_tsc_aux_cpu_init(struct percpu *pc);
void pv_debugreg_switch_out(const struct vcpu *v);
long pv_debugreg_set(struct vcpu *v, unsigned int reg, uint64_t value);
long pv_debugreg_get(const struct vcpu *v, unsigned int reg, uint64_t *value);
void pv_debug_trap_guest(struct vcpu *v);
void pv_debug_trap_hypervisor(const struct cpu_regs *r);

void pv_l4_kernel_base(struct domain *d, mfn_t mfn);
void pv_software_interrupt(struct vcpu *v, struct cpu_regs *r, unsigned int n, bool rip_after);
void pv_bounce_user_syscall(struct vcpu *v, struct cpu_regs *r, bool compat);
long pv_do_iret(struct vcpu *v, struct cpu_regs *r);
/* Privileged-instruction emulation (emulate.c): true if handled (rip advanced). */
bool pv_emulate_op(struct vcpu *v, struct cpu_regs *r);
bool pv_emulate_cpuid_prefix(struct vcpu *v, struct cpu_regs *r);
/* Once at boot, after the command line: the CPUID policy's host-dependent choices (pv_erms). */
void pv_cpuid_init(void);
/* The guest's CR0.TS (fpu_taskswitch): mirrored into the real CR0 while the vCPU runs. */
void pv_set_guest_ts(struct vcpu *v, bool ts);

/* A guest register by its x86 number (ModRM/REX encoding). */
uint64_t *pv_gpr(struct cpu_regs *r, unsigned int n);

/* Page-table releases an earlier hypercall left for later (mm_ops.c): 0, or -XEN_ERESTART if preempted again. */
int pv_mm_finish_deferred(struct vcpu *v);
int pv_emulate_write_cr3(struct vcpu *v, uint64_t val);

/* Writable page tables (ptwr.c): true if a write fault on an own L1 table was emulated. */
bool pv_emulate_ptwr(struct vcpu *v, struct cpu_regs *r, uint64_t cr2);

/* Events and time (bounce.c, vcpu_op.c). */
void pv_deliver_upcall(struct vcpu *v, struct cpu_regs *r);
void pv_update_time(struct vcpu *v);
void pv_domain_time_init(struct domain *d);
void pv_runstate_change(struct vcpu *v, int state, bool publish);
void pv_runstate_switch_out(struct vcpu *v);
/* On entry to guest kernel mode: writes a runstate update that user page tables kept out. */
void pv_runstate_publish_pending(struct vcpu *v);
/* vCPU timers (pv/vcpu_op.c): created with the vCPU, killed before it is freed, moved with it between CPUs. */
void pv_vcpu_timers_init(struct vcpu *v);
void pv_vcpu_timers_kill(struct vcpu *v);
void pv_timers_switch_out(struct vcpu *prev);
void pv_timers_switch_in(struct vcpu *next);

/* Guest GDTs (descriptors.c). */
/* Types and checks d's frames as a GDT of entries descriptors (fixing them up): 0, or -XEN_EINVAL and nothing held. */
int pv_gdt_prepare(struct domain *d, const mfn_t *frames, uint64_t entries);
/* Drops what pv_gdt_prepare took; or installs the prepared frames as v's GDT, releasing the old ones. */
void pv_gdt_abandon(const mfn_t *frames, uint64_t entries);
void pv_gdt_commit(struct vcpu *v, const mfn_t *frames, uint64_t entries);
/* Writes the hypercall page (hypercall_page.c): entry N makes hypercall N. */
void pv_hypercall_page_fill(void *page);
void pv_show_gdt(struct percpu *pc, const struct vcpu *v);
bool pv_iret_selectors_ok(struct vcpu *v, uint16_t cs, uint16_t ss);
/* The same against a GDT not yet v's: frames prepared for entries descriptors. */
bool pv_gdt_iret_selectors_ok(const mfn_t *frames, unsigned int entries, uint16_t cs, uint16_t ss);
bool pv_user_data_selector(const struct vcpu *v, uint16_t sel, uint64_t *base);
/* The same, or a readable code selector of DPL 3: what set_segment_base(SEGBASE_GS_USER_SEL) loads. */
bool pv_user_gs_selector(const struct vcpu *v, uint16_t sel, uint64_t *base);
/* The data segment selectors of a vCPU that goes off or onto this CPU (segments.c). */
void pv_segments_save(struct vcpu *v);
void pv_segments_load(const struct vcpu *v);
uint16_t pv_load_user_gs_selector(uint16_t sel, uint64_t *base);

/*
 * VCPUOP_initialise's work (vcpu_context.c): p->c as the guest gave it is
 * decoded and checked as Xen does, then given to v, which must be down and
 * never initialised (-EEXIST otherwise). 0, -XEN_EINVAL, -XEN_EEXIST,
 * -XEN_EBUSY (another initialise of v runs) or -XEN_ERESTART (page-table
 * validation was preempted: nothing taken, call again).
 */
struct vcpu_ctx_plan;
int pv_vcpu_initialise(struct vcpu *v, struct vcpu_ctx_plan *p);

/*
 * Foreign mappings (foreign.c). pv_foreign_owner: the domain a foreigndom
 * or domid argument names, for the calling domain cur: itself (no reference),
 * or another with a reference (pv_foreign_put) when the policy allows;
 * -XEN_ESRCH (none, reserved, dying, or the caller's own id unless
 * own_id_ok: Xen's mmu_update family refuses it) or -XEN_EPERM.
 * pv_foreign_l1_update: puts val, mapping a frame of fd, into slot index
 * of cur's validated L1 table; errors as pv_mm_mod_entry's for L1.
 */
int pv_foreign_owner(struct domain *cur, domid_t domid, bool own_id_ok, struct domain **out);
void pv_foreign_put(struct domain *cur, struct domain *d);
int pv_foreign_l1_update(struct domain *cur, struct domain *fd, mfn_t table, unsigned int index, uint64_t val);

/* Loads a guest's (or the idle) page tables and counts the full flush of guest translations it is (mm_ops.c). */
void pv_write_cr3(uint64_t pa);

/* Exception fixups for guest-memory copies: returns the fixup address for a faulting rip, or 0. */
uint64_t search_exception_table(uint64_t rip);

#endif

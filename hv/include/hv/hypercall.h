/* SPDX-License-Identifier: MIT */
/* Hypercall dispatch: one decode function per hypercall, all arguments as raw 64-bit values. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct vcpu;

/*
 * The calling vCPU (always the one running on this CPU) and up to five
 * arguments (rdi, rsi, rdx, r10, r8), already narrowed to the widths of
 * Xen's prototypes; returns >= 0 or -XEN_E*. Handlers act for v and never
 * look it up again, so a continuation or a nested multicall entry runs for
 * the vCPU the dispatcher named.
 */
typedef long (*hypercall_fn)(struct vcpu *v, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Looks up and runs hypercall nr for v, the vCPU running here; unknown numbers get -XEN_ENOSYS. */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5);

/* Bounded and never waits for another CPU: may run with interrupts off (SHORT_HYPERCALL in hypercall.c). */
extern const uint64_t hypercall_short_mask;

static inline bool hypercall_is_short(uint64_t nr)
{
	return nr < 64 && ((hypercall_short_mask >> nr) & 1);
}

/*
 * Makes the current guest hypercall continue later: when its handler
 * returns, the guest is set to enter hypercall nr again with these
 * arguments (a nested call of a multicall: its entry is rewritten). Returns
 * nr, which the caller returns. The handler must leave the guest-visible
 * state such that the re-entry does the rest and nothing twice.
 */
long hypercall_create_continuation(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* True when the current hypercall should stop at its next safe point: this CPU has other work. */
bool hypercall_preempt_check(void);
/* A continuation is recorded for the current vCPU (multicall collects a nested one). */
bool hypercall_cont_take(uint64_t *nr, uint64_t args[5]);

/* Handlers (one file each, or grouped by subsystem). */
long do_console_io(struct vcpu *v, uint64_t cmd, uint64_t count, uint64_t buf, uint64_t, uint64_t);
long do_xen_version(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_sched_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_sched_op_compat(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_vm_assist(struct vcpu *v, uint64_t cmd, uint64_t type, uint64_t, uint64_t, uint64_t);

/* x86_64 PV vCPU set-up (arch/x86_64/pv/callbacks.c). */
long do_set_trap_table(struct vcpu *v, uint64_t table, uint64_t, uint64_t, uint64_t, uint64_t);
long do_set_callbacks(struct vcpu *v, uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t, uint64_t);
long do_callback_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_stack_switch(struct vcpu *v, uint64_t ss, uint64_t sp, uint64_t, uint64_t, uint64_t);
long do_set_segment_base(struct vcpu *v, uint64_t which, uint64_t base, uint64_t, uint64_t, uint64_t);
long do_fpu_taskswitch(struct vcpu *v, uint64_t set, uint64_t, uint64_t, uint64_t, uint64_t);
long do_set_debugreg(struct vcpu *v, uint64_t reg, uint64_t value, uint64_t, uint64_t, uint64_t);
long do_get_debugreg(struct vcpu *v, uint64_t reg, uint64_t, uint64_t, uint64_t, uint64_t);
long do_physdev_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);

/* x86_64 PV MMU (arch/x86_64/pv/mm_ops.c). */
long do_mmu_update(struct vcpu *v, uint64_t reqs, uint64_t count, uint64_t pdone, uint64_t foreigndom, uint64_t);
long do_mmuext_op(struct vcpu *v, uint64_t ops, uint64_t count, uint64_t pdone, uint64_t foreigndom, uint64_t);
long do_update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags, uint64_t, uint64_t);
long do_update_va_mapping_otherdomain(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags, uint64_t domid,
				      uint64_t);
long do_multicall(struct vcpu *v, uint64_t list, uint64_t count, uint64_t, uint64_t, uint64_t);
long do_vcpu_op(struct vcpu *v, uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t, uint64_t);
long do_set_timer_op(struct vcpu *v, uint64_t timeout, uint64_t, uint64_t, uint64_t, uint64_t);
long do_memory_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
long do_set_gdt(struct vcpu *v, uint64_t frame_list, uint64_t entries, uint64_t, uint64_t, uint64_t);
long do_update_descriptor(struct vcpu *v, uint64_t maddr, uint64_t desc, uint64_t, uint64_t, uint64_t);

#endif

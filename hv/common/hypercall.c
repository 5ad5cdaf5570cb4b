/* SPDX-License-Identifier: MIT */
/* Typed hypercall table and dispatch: argument widths as Xen declares them; counts every call; unknown numbers get -ENOSYS. */
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

/*
 * Each hypercall's handler and its arguments' widths as Xen 4.17's
 * prototypes declare them: an int or unsigned int argument ignores the
 * upper half of its register, a domid_t the upper 48 bits; unsigned long,
 * uint64_t and pointers are whole. memory_op's cmd is unsigned long: its
 * bits 6 and up carry a start extent. (grant_table_op: cmd and count are
 * unsigned int; set_timer_op's s_time_t is whole.)
 */
#define L 64		/* unsigned long, uint64_t, pointers */
#define I 32		/* int, unsigned int */
#define H 16		/* domid_t */
/* Widths become masks at compile time, so the entry path narrows with one and per argument; unlisted ones stay whole. */
#define WIDTH_MASK(w) ((w) == 64 ? ~0ULL : (1ULL << ((w) & 63)) - 1)
#define MASKS5(a, b, c, d, e, ...) { WIDTH_MASK(a), WIDTH_MASK(b), WIDTH_MASK(c), WIDTH_MASK(d), WIDTH_MASK(e) }
#define HYPERCALL(name, ...) [__HYPERVISOR_##name] = { do_##name, MASKS5(__VA_ARGS__, L, L, L, L, L) }

static const struct hypercall_entry {
	hypercall_fn fn;
	uint64_t mask[5];
} hypercall_table[PVABI_NR_HYPERCALLS] = {
	HYPERCALL(console_io, I, I, L),
	HYPERCALL(xen_version, I, L),
	HYPERCALL(sched_op, I, L),
	HYPERCALL(sched_op_compat, I, L),
	HYPERCALL(vm_assist, I, I),
	HYPERCALL(event_channel_op, I, L),
	HYPERCALL(event_channel_op_compat, L),
	HYPERCALL(grant_table_op, I, L, I),
	[__HYPERVISOR_domctl] = { do_skiff_domctl, MASKS5(L, L, L, L, L) },
	HYPERCALL(set_trap_table, L),
	HYPERCALL(set_callbacks, L, L, L),
	HYPERCALL(callback_op, I, L),
	HYPERCALL(stack_switch, L, L),
	HYPERCALL(set_segment_base, I, L),
	HYPERCALL(fpu_taskswitch, I),
	HYPERCALL(set_debugreg, I, L),
	HYPERCALL(get_debugreg, I),
	HYPERCALL(physdev_op, I, L),
	HYPERCALL(mmu_update, L, I, L, I),
	HYPERCALL(mmuext_op, L, I, L, I),
	HYPERCALL(update_va_mapping, L, L, L),
	HYPERCALL(update_va_mapping_otherdomain, L, L, L, H),
	HYPERCALL(multicall, L, I),
	HYPERCALL(set_gdt, L, I),
	HYPERCALL(memory_op, L, L),
	HYPERCALL(vcpu_op, I, I, L),
	HYPERCALL(set_timer_op, L),
	HYPERCALL(update_descriptor, L, L),
};

#undef L
#undef I
#undef H

/*
 * Short hypercalls: bounded work on the caller's own state that never
 * waits for another CPU (no TLB shootdown, no pausing of a vCPU elsewhere,
 * no preemption point), so they run with interrupts off and save the
 * sti/cli pair; a context switch in a Linux guest makes three of them.
 * One word, so the entry path tests a bit instead of calling here.
 */
_Static_assert(PVABI_NR_HYPERCALLS <= 64, "hypercall_short_mask has a bit per hypercall");
const uint64_t hypercall_short_mask = (1ULL << __HYPERVISOR_xen_version) | (1ULL << __HYPERVISOR_stack_switch) |
				      (1ULL << __HYPERVISOR_set_segment_base) |
				      (1ULL << __HYPERVISOR_fpu_taskswitch) | (1ULL << __HYPERVISOR_get_debugreg);

/* loglvl=debug traces refused hypercalls: the first thing to look at when a guest gives up. */
static __attribute__((noinline)) long hypercall_traced(struct vcpu *v, const struct hypercall_entry *e,
						       uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
						       uint64_t a4, uint64_t a5)
{
	long rc = e->fn(v, a1, a2, a3, a4, a5);

	if (rc < 0)
		log_debug("d%u v%u: hypercall %lu(%lx, %lx, %lx, %lx) = %ld", v->domain->domid, v->vcpu_id, nr,
			  a1, a2, a3, a4, rc);
	return rc;
}

/*
 * Every argument is narrowed once, here, so handlers see exactly what
 * Xen's C prototypes would give them, and each handler is given the
 * calling vCPU rather than finding it through this CPU's state. Without
 * tracing the handler is a tail call: the null hypercall's whole dispatch
 * is a few instructions.
 */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	const struct hypercall_entry *e;

	v->hypercalls++;
	if (unlikely(nr >= PVABI_NR_HYPERCALLS)) {
		d->hypercall_bad++;
		return -XEN_ENOSYS;
	}
	d->hypercall_count[nr]++;
	e = &hypercall_table[nr];
	if (unlikely(!e->fn))
		return -XEN_ENOSYS;
	a1 &= e->mask[0];
	a2 &= e->mask[1];
	a3 &= e->mask[2];
	a4 &= e->mask[3];
	a5 &= e->mask[4];
	if (unlikely(log_threshold >= LOG_DEBUG))
		return hypercall_traced(v, e, nr, a1, a2, a3, a4, a5);
	return e->fn(v, a1, a2, a3, a4, a5);
}

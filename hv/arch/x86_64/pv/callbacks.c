/* SPDX-License-Identifier: MIT */
/* Hypercalls that set up a PV vCPU's entry points and virtual CPU state: traps, callbacks, stacks, segments, FPU, debug, IOPL. */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/callback.h>
#include <pvabi/errno.h>

/*
 * Entries one set_trap_table round reads before it installs them. A table
 * of up to this many (every real one: there are 256 vectors, and later
 * entries win) is installed whole or not at all. Xen takes a table of any
 * length; a longer one is installed a round at a time, each round followed
 * by a continuation, so no call holds the CPU for more than a round and a
 * bad entry in a later round leaves the earlier rounds in force (Xen leaves
 * every entry before a bad one).
 */
#define TRAP_TABLE_ROUND	1024

static bool guest_code_address_ok(uint64_t va)
{
	return is_canonical(va) && (va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END);
}

void pv_set_guest_ts(struct vcpu *v, bool ts)
{
	v->arch.guest_ts = ts;
	if (ts)
		write_cr0(read_cr0() | CR0_TS);
	else
		__asm__ volatile("clts");
}

/*
 * Copies a round of the table in before changing anything: a bad entry
 * leaves the table as the previous round (or the call) found it. A table
 * that goes on past the round continues from its next entry.
 */
long do_set_trap_table(struct vcpu *v, uint64_t table, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct pv_trap_entry *next;
	struct trap_info t;
	long rc = 0;

	if (!table) {
		memset(v->arch.traps, 0, sizeof(v->arch.traps));
		return 0;
	}
	next = hv_zalloc(sizeof(v->arch.traps));
	if (!next)
		return -XEN_ENOMEM;
	memcpy(next, v->arch.traps, sizeof(v->arch.traps));
	for (unsigned int i = 0;; i++) {
		if (i == TRAP_TABLE_ROUND) {
			/* A table running off the top of the address space must not continue at 0 (no table: all cleared). */
			if (table + i * sizeof(t) < table) {
				hv_free(next);
				return -XEN_EFAULT;
			}
			rc = hypercall_create_continuation(__HYPERVISOR_set_trap_table, table + i * sizeof(t), 0, 0,
							   0, 0);
			break;
		}
		if (copy_from_guest(&t, table + i * sizeof(t), sizeof(t)) < 0) {
			hv_free(next);
			return -XEN_EFAULT;
		}
		if (!t.address)
			break;
		if (!guest_code_address_ok(t.address)) {
			hv_free(next);
			return -XEN_EINVAL;
		}
		next[t.vector] = (struct pv_trap_entry){ t.address, (uint16_t)(t.cs | 3), t.flags };
	}
	memcpy(v->arch.traps, next, sizeof(v->arch.traps));
	hv_free(next);
	return rc;
}

static long register_callback(struct vcpu *v, const struct callback_register *c)
{
	bool mask = c->flags & CALLBACKF_mask_events;

	if (c->address && !guest_code_address_ok(c->address))
		return -XEN_EINVAL;
	switch (c->type) {
	case CALLBACKTYPE_event:
		v->arch.event_callback = c->address;
		v->arch.event_mask = mask;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->arch.failsafe_callback = c->address;
		v->arch.failsafe_mask = mask;
		return 0;
	case CALLBACKTYPE_syscall:
		v->arch.syscall_callback = c->address;
		v->arch.syscall_mask = mask;
		return 0;
	case CALLBACKTYPE_nmi:
		v->arch.nmi_callback = c->address;
		return 0;
	case CALLBACKTYPE_syscall32:
		v->arch.syscall32_callback = c->address;
		v->arch.syscall32_mask = mask;
		return 0;
	case CALLBACKTYPE_sysenter:
		/*
		 * Recorded as Xen does, never entered: SYSENTER does not exist in
		 * long mode on AMD, and on Intel it would need the SYSENTER MSRs
		 * pointed at a hypervisor entry; a guest's sysenter gets #GP(0).
		 */
		v->arch.sysenter_callback = c->address;
		v->arch.sysenter_mask = mask;
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* As Xen: only the NMI callback can be removed; the others are only ever replaced. */
static long unregister_callback(struct vcpu *v, uint16_t type)
{
	switch (type) {
	case CALLBACKTYPE_nmi:
		v->arch.nmi_callback = 0;
		return 0;
	case CALLBACKTYPE_event:
	case CALLBACKTYPE_failsafe:
	case CALLBACKTYPE_syscall:
	case CALLBACKTYPE_sysenter:
	case CALLBACKTYPE_syscall32:
		return -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}

long do_callback_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct callback_register reg;
	struct callback_unregister unreg;

	switch ((int)cmd) {
	case CALLBACKOP_register:
		if (copy_from_guest(&reg, arg, sizeof(reg)) < 0)
			return -XEN_EFAULT;
		return register_callback(v, &reg);
	case CALLBACKOP_unregister:
		if (copy_from_guest(&unreg, arg, sizeof(unreg)) < 0)
			return -XEN_EFAULT;
		return unregister_callback(v, unreg.type);
	default:
		return -XEN_ENOSYS;
	}
}

/* The old three-address form: event, failsafe, syscall, all delivered with events masked as Xen does. */
long do_set_callbacks(struct vcpu *v, uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t a4, uint64_t a5)
{
	if (!guest_code_address_ok(event) || !guest_code_address_ok(failsafe) ||
	    !guest_code_address_ok(syscall))
		return -XEN_EINVAL;
	v->arch.event_callback = event;
	v->arch.failsafe_callback = failsafe;
	v->arch.syscall_callback = syscall;
	v->arch.event_mask = v->arch.failsafe_mask = v->arch.syscall_mask = true;
	return 0;
}

long do_stack_switch(struct vcpu *v, uint64_t ss, uint64_t sp, uint64_t a3, uint64_t a4, uint64_t a5)
{
	v->arch.kernel_ss = (uint16_t)(ss | 3);
	v->arch.kernel_sp = sp;
	return 0;
}

long do_set_segment_base(struct vcpu *v, uint64_t which, uint64_t base, uint64_t a3, uint64_t a4, uint64_t a5)
{
	switch ((uint32_t)which) {
	case SEGBASE_FS:
		if (!is_canonical(base))
			return -XEN_EINVAL;
		wrmsr(MSR_FS_BASE, base);
		v->arch.fs_base = base;
		return 0;
	case SEGBASE_GS_USER:
		if (!is_canonical(base))
			return -XEN_EINVAL;
		v->arch.gs_base_user = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		if (!is_canonical(base))
			return -XEN_EINVAL;
		wrmsr(MSR_GS_BASE, base);	/* hypercalls come from kernel mode: the kernel's GS is live */
		v->arch.gs_base_kernel = base;
		return 0;
	case SEGBASE_GS_USER_SEL: {
		/*
		 * As "swapgs; mov sel, %gs; swapgs": the user GS base becomes the
		 * descriptor's base. As on Xen, a non-null selector gets RPL 3 and
		 * a selector that cannot be loaded loads the null one: the call
		 * never fails (Linux treats a failure here as a bug).
		 */
		uint16_t sel = (uint16_t)base;
		uint64_t b;

		if (sel > 3)
			sel |= 3;
		if (!pv_user_gs_selector(v, sel, &b))
			sel = 0;
		/*
		 * The selector register too: the guest reads it back, and it is
		 * the vCPU's own (segments.c). The base recorded is the one the
		 * load took, as on Xen: another vCPU may have changed the
		 * descriptor since the check (0 if it made it unloadable).
		 */
		pv_load_user_gs_selector(sel, &b);
		v->arch.gs_base_user = b;
		return 0;
	}
	default:
		return -XEN_EINVAL;
	}
}

long do_fpu_taskswitch(struct vcpu *v, uint64_t set, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	pv_set_guest_ts(v, set != 0);
	return 0;
}

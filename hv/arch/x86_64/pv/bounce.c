/* SPDX-License-Identifier: MIT */
/* Delivering exceptions and syscalls to a PV guest kernel: the bounce frame, the kernel/user switch, and the iret hypercall. */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

#define RF_TF	(1ULL << 8)
#define RF_IF	(1ULL << 9)
#define RF_DF	(1ULL << 10)
#define RF_IOPL	(3ULL << 12)
#define RF_NT	(1ULL << 14)
#define RF_RF	(1ULL << 16)
#define RF_VM	(1ULL << 17)
#define RF_AC	(1ULL << 18)

/* Exceptions for which the CPU (and so the bounce frame) carries an error code. */
static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30;
}

/* Switches between guest kernel and guest user mode: GS base, page tables, the mode flag. */
int pv_toggle_guest_mode(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	if (a->kernel_mode && a->guest_table_user == MFN_INVALID)
		return -XEN_EINVAL;	/* to user mode without user page tables */
	if (a->kernel_mode)
		a->gs_base_kernel = rdmsr(MSR_GS_BASE);
	else
		a->gs_base_user = rdmsr(MSR_GS_BASE);
	a->kernel_mode = !a->kernel_mode;
	wrmsr(MSR_GS_BASE, a->kernel_mode ? a->gs_base_kernel : a->gs_base_user);
	pv_write_cr3((a->kernel_mode ? a->guest_table : a->guest_table_user) << PAGE_SHIFT);
	if (a->kernel_mode)
		pv_runstate_publish_pending(v);
	return 0;
}

/*
 * Pushes rcx, r11, [error], rip, cs, rflags, rsp, ss on the guest kernel
 * stack and points the vCPU at handler. Returns false if the stack cannot
 * take the frame (the caller crashes the domain: it cannot be told).
 */
static bool bounce(struct vcpu *v, struct cpu_regs *r, uint64_t handler, bool mask_events,
		   bool with_error, uint64_t error)
{
	uint8_t saved_mask = v->vcpu_info ? v->vcpu_info->evtchn_upcall_mask : 1;
	bool from_kernel = v->arch.kernel_mode;
	uint64_t frame[9], sp, cs = r->cs;
	unsigned int n = 0;

	if (!from_kernel && pv_toggle_guest_mode(v) < 0)
		return false;
	sp = (from_kernel ? r->rsp : v->arch.kernel_sp) & ~15ULL;
	if (from_kernel)
		cs &= ~3ULL;		/* the guest's user_mode() test is cs & 3 */
	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	if (with_error)
		frame[n++] = error;
	frame[n++] = r->rip;
	frame[n++] = cs | ((uint64_t)saved_mask << 32);
	frame[n++] = (r->rflags & ~(RF_IF | RF_IOPL)) | (saved_mask ? 0 : RF_IF);
	frame[n++] = r->rsp;
	frame[n++] = r->ss;
	sp -= n * 8;
	if (copy_to_guest(sp, frame, n * 8) < 0)
		return false;
	r->rsp = sp;
	r->rip = handler;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	r->rflags &= ~(RF_TF | RF_VM | RF_RF | RF_NT | RF_AC);
	v->arch.exit_sysret = true;	/* rcx and r11 are in the frame now */
	if (mask_events && v->vcpu_info)
		v->vcpu_info->evtchn_upcall_mask = 1;
	return true;
}

/*
 * A #PF the guest cannot be told about: the walk of an address through the
 * tables loaded now, so the log says which entry was absent or read-only
 * and which L4 the vCPU ran on (reads only frames in the frame table).
 */
static void log_fault_walk(const struct vcpu *v, uint64_t va)
{
	mfn_t mfn = read_cr3() >> PAGE_SHIFT;
	uint64_t e[4] = { 0, 0, 0, 0 };

	for (int level = 4, i = 0; level >= 1 && mfn_valid(mfn); level--, i++) {
		e[i] = ((const uint64_t *)mfn_to_virt(mfn))[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e[i] & PV_PTE_P) || (level > 1 && (e[i] & PV_PTE_PS)))
			break;
		mfn = pv_pte_mfn(e[i]);
	}
	log_warn("d%u v%u: #PF at %lx (%s mode, cr3 mfn %lx, kernel L4 %lx, user L4 %lx): L4e %lx L3e %lx L2e %lx L1e %lx",
		 v->domain->domid, v->vcpu_id, va, v->arch.kernel_mode ? "kernel" : "user", read_cr3() >> PAGE_SHIFT,
		 v->arch.guest_table, v->arch.guest_table_user, e[0], e[1], e[2], e[3]);
}

static __attribute__((noinline)) void deliver_failed(struct vcpu *v, const struct cpu_regs *r,
						       const struct pv_trap_entry *t, unsigned int vec, uint64_t error)
{
	char why[96];

	/* The guest's fault address was saved before the bounce; CR2 now is where the bounce frame faulted, if it did. */
	if (vec == 14) {
		if (v->vcpu_info)
			log_fault_walk(v, v->vcpu_info->arch.cr2);
		log_fault_walk(v, read_cr2());
	}

	snprintf(why, sizeof(why), "%s exception %u (error %#lx) at %lx",
		 t->address ? "cannot deliver" : "no handler for", vec, error, r->rip);
	domain_crash(v->domain, why);
}

/* Enters the guest's trap-table handler for vec, or crashes the domain: a guest without one cannot be told. */
static void deliver(struct vcpu *v, struct cpu_regs *r, unsigned int vec, bool with_error, uint64_t error)
{
	const struct pv_trap_entry *t = &v->arch.traps[vec & 255];

	if (t->address && bounce(v, r, t->address, t->flags & TI_FLAG_MASK_EVENTS, with_error, error))
		return;
	deliver_failed(v, r, t, vec, error);
}

/* Delivers exception vec through the guest's trap table, or crashes the domain if it cannot be delivered. */
void pv_inject_trap(struct vcpu *v, struct cpu_regs *r, unsigned int vec, uint64_t error)
{
	if (vec == 14) {
		if (v->vcpu_info)
			v->vcpu_info->arch.cr2 = read_cr2();
		/* Ring 3 always sets U/S: tell the guest kernel the truth about its own faults. */
		error = v->arch.kernel_mode ? error & ~4ULL : error | 4ULL;
	}
	deliver(v, r, vec, has_error_code(vec), error);
}

/*
 * `int $n` (2 bytes, rip at it) that the hardware refused through a DPL-0
 * gate, or int $0x80 (rip after it). As Xen 4.17: the guest's entry must
 * allow the guest's mode (DPL >= 1 from kernel mode, 3 from user mode;
 * 0x80 needs only an entry); then n is delivered as a software interrupt,
 * without an error code, rip after the instruction. Otherwise the guest
 * gets #GP with error code (n << 3) | 2, the IDT form, rip at the
 * instruction.
 */
void pv_software_interrupt(struct vcpu *v, struct cpu_regs *r, unsigned int n, bool rip_after)
{
	const struct pv_trap_entry *t = &v->arch.traps[n & 255];
	unsigned int dpl = t->flags & TI_FLAG_DPL_MASK;
	bool permitted = n == 0x80 ? t->address != 0 : dpl >= (v->arch.kernel_mode ? 1u : 3u);

	if (permitted) {
		if (!rip_after)
			r->rip += 2;
		deliver(v, r, n, false, 0);
		return;
	}
	if (rip_after)
		r->rip -= 2;
	deliver(v, r, 13, true, ((uint64_t)(n & 255) << 3) | 2);
}

/* An event is pending and the guest takes events: enter its event callback, events masked. */
void pv_deliver_upcall(struct vcpu *v, struct cpu_regs *r)
{
	struct vcpu_info *vi = v->vcpu_info;

	if (!vi || !vi->evtchn_upcall_pending || vi->evtchn_upcall_mask || !v->arch.event_callback)
		return;
	if (!bounce(v, r, v->arch.event_callback, true, false, 0))
		domain_crash(v->domain, "cannot deliver an event upcall to the guest kernel");
}

/* syscall from guest user mode (compat: from FLAT_USER_CS32): enter the matching callback, or #UD without one. */
void pv_bounce_user_syscall(struct vcpu *v, struct cpu_regs *r, bool compat)
{
	uint64_t callback = compat ? v->arch.syscall32_callback : v->arch.syscall_callback;
	bool mask = compat ? v->arch.syscall32_mask : v->arch.syscall_mask;

	if (!callback) {
		r->rip -= 2;		/* as Xen 4.17: #UD at the SYSCALL instruction, not after it */
		pv_inject_trap(v, r, 6, 0);
		return;
	}
	if (!bounce(v, r, callback, mask, false, 0)) {
		domain_crash(v->domain, "cannot deliver a user-mode syscall to the guest kernel");
		return;
	}
	r->rflags &= ~RF_DF;
}

/* The iret hypercall: the guest's frame is at its rsp; restore it, switching to user mode if cs says so. */
long pv_do_iret(struct vcpu *v, struct cpu_regs *r)
{
	struct iret_context c;
	bool to_user;

	if (copy_from_guest(&c, r->rsp, sizeof(c)) < 0) {
		domain_crash(v->domain, "iret with an unreadable frame");
		return -XEN_EFAULT;
	}
	/* Selectors are 16 bits: the bounce frame parks the saved upcall mask in cs bits 32-39. */
	c.cs &= 0xffff;
	c.ss &= 0xffff;
	/* RPL 3 in the saved selector means "back to guest user mode" (kernel returns carry RPL 0). */
	to_user = (c.cs & 3) == 3;
	c.cs |= 3;
	c.ss |= 3;
	if (!is_canonical(c.rip) || !pv_iret_selectors_ok(v, (uint16_t)c.cs, (uint16_t)c.ss)) {
		domain_crash(v->domain, "iret to a bad frame (selector or non-canonical rip)");
		return -XEN_EINVAL;
	}
	if (to_user && v->arch.kernel_mode && pv_toggle_guest_mode(v) < 0) {
		domain_crash(v->domain, "iret to user mode without user page tables");
		return -XEN_EINVAL;
	}
	/* With VGCF_in_syscall the guest declares rcx and r11 dead: they come back as rip and rflags. */
	v->arch.exit_sysret = c.flags & VGCF_in_syscall;
	if (!v->arch.exit_sysret) {
		r->r11 = c.r11;
		r->rcx = c.rcx;
	}
	r->rip = c.rip;
	r->cs = c.cs;
	r->ss = c.ss;
	r->rsp = c.rsp;
	r->rflags = (c.rflags & ~(RF_IOPL | RF_VM)) | RF_IF;
	r->rax = c.rax;
	if (v->vcpu_info)
		v->vcpu_info->evtchn_upcall_mask = !(c.rflags & RF_IF);
	return (long)c.rax;
}

/* SPDX-License-Identifier: MIT */
/* PV vCPU state on and off the CPU: syscall stubs, context switch, exit-to-guest work, guest faults. */
#include <asm/desc.h>
#include <asm/flush.h>
#include <asm/hvm.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/cmdline.h>
#include <hv/main.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/main.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/pv_mm.h>
#include <asm/m2p.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>
#include <pvabi/vcpu.h>

extern char syscall_entry64[], syscall_entry32[], restore_guest_frame[];
extern const uint64_t __ex_table_start[], __ex_table_end[];

void schedule(void);
void __noreturn idle_loop(void);

/* rflags bits a guest may hold in ring 3: never IOPL, NT, VM, RF or VIF; IF always set. */
#define GUEST_RFLAGS_KEEP	0x00000cd5ULL	/* CF PF AF ZF SF TF DF OF */
#define X86_RFLAGS_IF		0x200ULL
#define X86_RFLAGS_AC		0x40000ULL
#define X86_RFLAGS_FIXED	0x2ULL		/* reads as 1 whatever is loaded */

struct cpu_regs *guest_frame(struct percpu *pc)
{
	return (struct cpu_regs *)((char *)pc->stack_block + STACK_PRIMARY_TOP) - 1;
}

struct vcpu *current_vcpu(void)
{
	return this_cpu()->curr;
}

uint64_t search_exception_table(uint64_t rip)
{
	for (const uint64_t *e = __ex_table_start; e < __ex_table_end; e += 2)
		if (e[0] == rip)
			return e[1];
	return 0;
}

/* Emits the stub: park rax, load this CPU's stack, push ss and the guest rsp, restore rax, jump to the entry. */
static uint8_t *emit_stub(uint8_t *p, uint64_t stub_va, struct percpu *pc, const void *target)
{
	uint64_t scratch = (uint64_t)(uintptr_t)&pc->syscall_scratch;
	uint64_t top = (uint64_t)(uintptr_t)pc->stack_block + STACK_PRIMARY_TOP;
	uint8_t *start = p;
	int64_t rel;

	*p++ = 0x48; *p++ = 0xa3; memcpy(p, &scratch, 8); p += 8;	/* movabs %rax, scratch */
	*p++ = 0x48; *p++ = 0x89; *p++ = 0xe0;				/* mov %rsp, %rax */
	*p++ = 0x48; *p++ = 0xbc; memcpy(p, &top, 8); p += 8;		/* movabs $top, %rsp */
	*p++ = 0x68; *p++ = GUEST_DS & 0xff; *p++ = GUEST_DS >> 8; *p++ = 0; *p++ = 0;	/* push $GUEST_DS */
	*p++ = 0x50;							/* push %rax */
	*p++ = 0x48; *p++ = 0xa1; memcpy(p, &scratch, 8); p += 8;	/* movabs scratch, %rax */
	rel = (int64_t)(uintptr_t)target - (int64_t)(stub_va + (uint64_t)(p - start) + 5);
	if (rel != (int32_t)rel)
		panic("syscall stub out of reach of its entry point");
	*p++ = 0xe9; memcpy(p, &(int32_t){ (int32_t)rel }, 4); p += 4;	/* jmp entry */
	return p;
}

void pv_cpu_init(struct percpu *pc)
{
	mfn_t mfn = frame_alloc_zeroed(0, &frame_owner_hv);
	uint8_t *page;
	uint64_t va;

	if (mfn == MFN_INVALID)
		panic("cpu%u: no memory for its syscall stubs", pc->cpu_id);
	page = mfn_to_virt(mfn);
	/* Written through the direct map (NX), executed through a read-only alias: W^X holds. */
	va = (uint64_t)(uintptr_t)paging_map_exec(mfn);
	pc->syscall_stub = (void *)va;
	emit_stub(page, va, pc, syscall_entry64);
	emit_stub(page + 64, va + 64, pc, syscall_entry32);
	wrmsr(MSR_STAR, ((uint64_t)GUEST_CS32 << 48) | ((uint64_t)HV_CS64 << 32));
	wrmsr(MSR_LSTAR, va);
	wrmsr(MSR_CSTAR, va + 64);
	/* IF, TF, DF, IOPL, NT, AC cleared on entry. */
	wrmsr(MSR_FMASK, 0x47700);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	pv_tsc_aux_cpu_init(pc);
	/*
	 * Xen's PAT for PV guests (WB WT UC- UC WC WP UC UC): a kernel reads it
	 * to learn what its PTEs' PAT/PCD/PWT bits mean, and dom0 may use them
	 * on device frames. Entries 0-3 are the power-on ones the hypervisor's
	 * own mappings assume.
	 */
	wrmsr(MSR_PAT, 0x0000050100070406ULL);
}

int arch_vcpu_init(struct vcpu *v)
{
	uint16_t fcw = 0x037f;		/* x87 state after FNINIT */
	uint32_t mxcsr = 0x1f80;	/* all SSE exceptions masked */

	memcpy(&v->arch.fpu[0], &fcw, 2);
	memcpy(&v->arch.fpu[24], &mxcsr, 4);
	v->arch.guest_table = MFN_INVALID;
	v->arch.guest_table_user = MFN_INVALID;
	v->arch.vcpu_info_mfn = MFN_INVALID;
	v->arch.zero_mfn = MFN_INVALID;
	v->arch.runstate.state = RUNSTATE_offline;
	pv_debugreg_init(v);
	/* Xen gives every vCPU a 10 ms periodic VIRQ_TIMER until the guest stops it. */
	v->arch.periodic_period = 10000000;
	pv_vcpu_timers_init(v);
	return 0;
}

/* Loads next's state into this CPU: registers into the stack-top frame, page tables, segment bases. */
static void load_vcpu(struct percpu *pc, struct vcpu *next)
{
	struct cpu_regs *f = guest_frame(pc);

	*f = next->arch.regs;
	pv_show_gdt(pc, next);
	/* No guest translation is global (pv_mm.h): the CR3 load below drops every one the last vCPU left. */
	/* Eager FPU switch: every vCPU's x87/SSE state is its own, whoever ran before. */
	__asm__ volatile("clts; fxrstorq %0" :: "m"(*(const uint8_t (*)[512])next->arch.fpu));
	if (next->arch.guest_ts)
		write_cr0(read_cr0() | CR0_TS);
	/* The tables of the mode it was in: a guest user process must not resume on its kernel's. */
	BUG_ON(!next->arch.kernel_mode && next->arch.guest_table_user == MFN_INVALID);
	pv_write_cr3((next->arch.kernel_mode ? next->arch.guest_table : next->arch.guest_table_user) << PAGE_SHIFT);
	/* Through its GDT, shown above; the selector loads change the bases the MSR writes below set. */
	pv_segments_load(next);
	wrmsr(MSR_FS_BASE, next->arch.fs_base);
	wrmsr(MSR_GS_BASE, next->arch.kernel_mode ? next->arch.gs_base_kernel : next->arch.gs_base_user);
	pv_debugreg_switch_in(next);
	pv_tsc_aux_switch_in(next);
}

static void save_vcpu(struct percpu *pc, struct vcpu *prev)
{
	prev->arch.regs = *guest_frame(pc);
	pv_debugreg_switch_out(prev);
	__asm__ volatile("clts; fxsaveq %0" : "=m"(*(uint8_t (*)[512])prev->arch.fpu));
	pv_segments_save(prev);
	prev->arch.fs_base = rdmsr(MSR_FS_BASE);
	if (prev->arch.kernel_mode)
		prev->arch.gs_base_kernel = rdmsr(MSR_GS_BASE);
	else
		prev->arch.gs_base_user = rdmsr(MSR_GS_BASE);
}

/*
 * The guest's rcx and r11 are dead (exit_sysret): give them rip and rflags,
 * the registers Xen's guests see after a hypercall, a bounce or an iret
 * with VGCF_in_syscall, whichever instruction returns.
 */
static void exit_clobber_rcx_r11(const struct vcpu *v, struct cpu_regs *r)
{
	if (v->arch.exit_sysret) {
		r->rcx = r->rip;
		r->r11 = r->rflags | X86_RFLAGS_FIXED;
	}
}

/*
 * True when sysretq would give the guest exactly the registers iretq
 * gives: it takes rip from rcx and rflags from r11 (bit 1 forced on, as
 * iretq forces it) and loads fixed flat selectors derived from MSR_STAR.
 * A non-canonical rip must never reach sysretq: on Intel it faults in
 * ring 0 with the guest's rsp loaded.
 */
static bool sysret_equivalent(const struct cpu_regs *r)
{
	return r->cs == GUEST_CS64 && r->ss == GUEST_DS && r->rcx == r->rip &&
	       ((r->r11 ^ r->rflags) & ~X86_RFLAGS_FIXED) == 0 && is_canonical(r->rip);
}

void context_switch(struct vcpu *prev, struct vcpu *next)
{
	struct percpu *pc = this_cpu();
	struct cpu_regs *f = guest_frame(pc);

	if (prev && is_hvm_vcpu(prev)) {
		hvm_switch_out(prev);
		pv_runstate_switch_out(prev);	/* the accounting only: an HVM vCPU registers no runstate area */
		pv_timers_switch_out(prev);
		__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	} else if (prev) {
		save_vcpu(pc, prev);
		/* Published while prev's page tables are still loaded: the area is a guest VA. */
		pv_runstate_switch_out(prev);
		pv_timers_switch_out(prev);
		__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	}
	pc->curr = next;
	if (!next) {
		/* No guest entry is global (pv_mm.h): the CR3 load drops prev's, so its domain needs no shootdown here. */
		pv_write_cr3(idle_pg_table_pa);
		if (prev)
			flush_domain_leave(prev->domain);
		pv_show_gdt(pc, NULL);
		reset_stack_and_jump(f, idle_loop);
	}
	/* Its old CPU saves it before it waits for anything, so this wait always ends. */
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	next->on_cpu = true;
	flush_domain_enter(next->domain);
	if (is_hvm_vcpu(next))
		hvm_switch_in(next);	/* the hypervisor's own CR3 under the guest */
	else
		load_vcpu(pc, next);	/* its CR3 load drops every guest translation */
	if (prev && prev->domain != next->domain)
		flush_domain_leave(prev->domain);
	pv_runstate_change(next, RUNSTATE_running, true);
	pv_timers_switch_in(next);
	if (is_hvm_vcpu(next))
		reset_stack_and_jump(f, hvm_vcpu_loop);
	pv_update_time(next);
	/* A vCPU woken by an event enters its callback first, as any return to the guest does. */
	pv_deliver_upcall(next, guest_frame(pc));
	exit_clobber_rcx_r11(next, guest_frame(pc));
	reset_stack_and_jump(f, (void (*)(void))restore_guest_frame);
}

/*
 * Everything that must happen between the hypervisor's work and the return
 * to the guest, with interrupts off. Returns true if entry.S may return
 * with sysretq instead of iretq. Inlined into the syscall path, which then
 * makes one call from entry.S for the hypercall and its exit both.
 */
static inline __attribute__((always_inline)) bool exit_work(struct percpu *pc, struct cpu_regs *r)
{
	struct vcpu *v = pc->curr;
	const struct vcpu_info *vi;

	if (pc->need_resched || !v || v->pause_flags) {
		schedule();		/* returns only if the same vCPU keeps running */
		v = pc->curr;
	}
	/* Run-time teardown must not wait for the boot CPU to idle: a bounded step here (curr is no dying domain's). */
	if (pc->cpu_id == 0 && boot_domains_work_pending())
		boot_domains_work();
	/* The first test of pv_deliver_upcall's, here so the usual case (nothing pending) makes no call. */
	vi = v->vcpu_info;
	if (vi && vi->evtchn_upcall_pending)
		pv_deliver_upcall(v, r);
	r->rflags = (r->rflags & (GUEST_RFLAGS_KEEP | X86_RFLAGS_AC)) | X86_RFLAGS_IF;
	if (v->arch.exit_sysret) {
		/* exit_clobber_rcx_r11, and sysret_equivalent's rcx and r11 tests hold by construction. */
		r->rcx = r->rip;
		r->r11 = r->rflags | X86_RFLAGS_FIXED;
		return r->cs == GUEST_CS64 && r->ss == GUEST_DS && is_canonical(r->rip);
	}
	return sysret_equivalent(r);
}

bool exit_to_guest_work(struct cpu_regs *r)
{
	return exit_work(this_cpu(), r);
}

/* The handler asked to be entered again (hypercall_create_continuation): rewind the guest onto the syscall. */
static __attribute__((noinline)) void pv_hypercall_continue(struct cpu_regs *r)
{
	uint64_t nr, args[5];

	if (!hypercall_cont_take(&nr, args))
		return;
	/* Back over the 2-byte syscall: the guest enters again, after its pending events if any. */
	r->rip -= 2;
	r->rax = nr;
	r->rdi = args[0];
	r->rsi = args[1];
	r->rdx = args[2];
	r->r10 = args[3];
	r->r8 = args[4];
}

/* A hypercall from guest kernel mode, interrupts off on entry and on return. */
static inline __attribute__((always_inline)) void pv_hypercall(struct vcpu *v, struct cpu_regs *r)
{
	uint64_t nr = r->rax;
	long ret;

	if (nr == __HYPERVISOR_iret) {
		v->domain->hypercall_count[__HYPERVISOR_iret]++;
		r->rax = (uint64_t)pv_do_iret(v, r);
		return;
	}
	v->arch.in_hypercall = true;
	v->arch.cont_pending = false;
	if (hypercall_is_short(nr)) {
		ret = hypercall_dispatch(v, nr, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
	} else {
		local_irq_enable();
		ret = hypercall_dispatch(v, nr, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
		local_irq_disable();
	}
	v->arch.in_hypercall = false;
	r->rax = (uint64_t)ret;
	if (unlikely(v->arch.cont_pending))
		pv_hypercall_continue(r);
}

/* Two TSC reads cost about 7% of a null hypercall under TCG: only when asked for (hypercall_profile). */
static __attribute__((noinline)) void pv_hypercall_profiled(struct vcpu *v, struct cpu_regs *r)
{
	uint64_t nr = r->rax, t0 = rdtsc();

	pv_hypercall(v, r);
	if (nr < PVABI_NR_HYPERCALLS)
		v->domain->hypercall_cycles[nr] += rdtsc() - t0;
}

static __attribute__((noinline)) void pv_syscall_from_user(struct vcpu *v, struct cpu_regs *r)
{
	if (r->vector == VEC_SYSCALL32) {
		/* Compat-mode user code (FLAT_USER_CS32): the entry stub pushed the 64-bit CS. */
		r->cs = GUEST_CS32;
		if (v->arch.kernel_mode)
			pv_inject_trap(v, r, 6, 0);
		else
			pv_bounce_user_syscall(v, r, true);
		return;
	}
	v->arch.exit_sysret = true;	/* SYSCALL itself overwrote rcx and r11 */
	pv_bounce_user_syscall(v, r, false);
}

/*
 * Every SYSCALL from the guest, interrupts off (MSR_FMASK clears IF): a
 * hypercall from its kernel, a system call from its user mode. Also does
 * the exit work: returns true if entry.S may return with sysretq.
 */
bool pv_syscall(struct cpu_regs *r)
{
	struct percpu *pc = this_cpu();
	struct vcpu *v = pc->curr;

	if (likely(r->vector != VEC_SYSCALL32 && v->arch.kernel_mode)) {
		v->arch.exit_sysret = true;	/* SYSCALL itself overwrote rcx and r11 */
		if (unlikely(hv_cmdline.hypercall_profile))
			pv_hypercall_profiled(v, r);
		else
			pv_hypercall(v, r);
	} else {
		pv_syscall_from_user(v, r);
	}
	local_irq_disable();	/* a no-op today: every path above returns with interrupts off */
	return exit_work(pc, r);
}

long hypercall_create_continuation(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct vcpu *v = current_vcpu();

	v->arch.cont_nr = nr;
	v->arch.cont_args[0] = a1;
	v->arch.cont_args[1] = a2;
	v->arch.cont_args[2] = a3;
	v->arch.cont_args[3] = a4;
	v->arch.cont_args[4] = a5;
	v->arch.cont_pending = true;
	return (long)nr;
}

bool hypercall_cont_take(uint64_t *nr, uint64_t args[5])
{
	struct vcpu *v = current_vcpu();

	if (!v->arch.cont_pending)
		return false;
	v->arch.cont_pending = false;
	*nr = v->arch.cont_nr;
	for (unsigned int i = 0; i < 5; i++)
		args[i] = v->arch.cont_args[i];
	return true;
}

/* A timer tick found the slice over with others waiting (or a kick asked): give the CPU back soon. */
bool hypercall_preempt_check(void)
{
	return this_cpu()->need_resched;
}

/* ptwr emulation with its TSC cost counted (hypercall_profile). */
static __attribute__((noinline)) bool pv_ptwr_profiled(struct vcpu *v, struct cpu_regs *r)
{
	uint64_t t0 = rdtsc();
	bool done = pv_emulate_ptwr(v, r, read_cr2());

	if (done)
		v->domain->ptwr_cycles += rdtsc() - t0;
	return done;
}

/* int n through a gate the hardware refused (#GP, error code IDT form). */
static __attribute__((noinline)) void pv_refused_int(struct vcpu *v, struct cpu_regs *r)
{
	/* n comes from the instruction: QEMU TCG scales the vector in the error code by 16. */
	uint8_t insn[2];
	unsigned int n = (unsigned int)(r->error_code >> 3) & 255;

	if (copy_from_guest(insn, r->rip, 2) == 0 && insn[0] == 0xcd)
		n = insn[1];
	pv_software_interrupt(v, r, n, false);
}

/* A fault in the guest: emulate what the ABI says the hypervisor emulates, deliver the rest. #PF first: the common one. */
void pv_guest_trap(struct cpu_regs *r)
{
	struct vcpu *v = this_cpu()->curr;
	bool done;

	switch (r->vector) {
	case 14:
		v->domain->trap_count[14]++;
		done = unlikely(hv_cmdline.hypercall_profile) ? pv_ptwr_profiled(v, r) :
			pv_emulate_ptwr(v, r, read_cr2());
		if (done) {
			v->domain->ptwr_count++;
			return;
		}
		break;
	case 6:
		if (pv_emulate_cpuid_prefix(v, r))
			return;
		v->domain->trap_count[6]++;
		break;
	case 1:
		pv_debug_trap_guest(v);
		v->domain->trap_count[1]++;
		break;
	case 13:
		if (r->error_code == 0 && pv_emulate_op(v, r))
			return;
		v->domain->trap_count[13]++;
		if ((r->error_code & 3) == 2) {
			pv_refused_int(v, r);
			return;
		}
		break;
	case 7:
		v->domain->trap_count[7]++;
		/* Real TS is only ever set on the guest's behalf: it gets its #NM once, as after clts. */
		if (!v->arch.guest_ts) {
			pv_set_guest_ts(v, false);
			return;
		}
		pv_set_guest_ts(v, false);
		break;
	default:
		if (r->vector < 32)
			v->domain->trap_count[r->vector]++;
		break;
	}
	pv_inject_trap(v, r, (unsigned int)r->vector, r->error_code);
}

bool pv_guest_exception(struct cpu_regs *r)
{
	struct percpu *pc = this_cpu();

	/* An exception leaves every guest register live, rcx and r11 too. */
	if (pc->curr)
		pc->curr->arch.exit_sysret = false;
	pv_guest_trap(r);
	return exit_work(pc, r);
}

/* iretq to the guest faulted (entry.S fixup): the frame was bad after all. Only this domain pays. */
void pv_iret_failed(struct cpu_regs *r)
{
	struct vcpu *v = this_cpu()->curr;

	log_err("d%u: return to guest faulted at rip %lx cs %lx ss %lx", v->domain->domid, r->rip, r->cs,
		r->ss);
	domain_crash(v->domain, "return to the guest faulted");
	this_cpu()->need_resched = true;
	schedule();
	panic("pv_iret_failed: a crashed vCPU was scheduled again");
}

void arch_dump_vcpu(struct vcpu *v)
{
	const struct cpu_regs *r = this_cpu()->curr == v ? guest_frame(this_cpu()) : &v->arch.regs;

	if (is_hvm_vcpu(v)) {
		hvm_dump_vcpu(v);
		return;
	}
	log_err("d%uv%u %s mode: rip %04lx:%016lx rsp %04lx:%016lx rflags %08lx", v->domain->domid,
		v->vcpu_id, v->arch.kernel_mode ? "kernel" : "user", r->cs, r->rip, r->ss, r->rsp,
		r->rflags);
	log_err("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", r->rax, r->rbx, r->rcx, r->rdx);
	log_err("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", r->rsi, r->rdi, r->rbp, r->r8);
	log_err("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", r->r9, r->r10, r->r11, r->r12);
	log_err("  r13 %016lx r14 %016lx r15 %016lx cr3 %lx", r->r13, r->r14, r->r15,
		v->arch.guest_table << PAGE_SHIFT);
}

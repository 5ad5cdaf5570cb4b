/* SPDX-License-Identifier: MIT */
/* Trap dispatch and the crash path: register dump, symbolised backtrace, all CPUs stopped, failure status. */
#include <asm/physdev.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/power.h>
#include <asm/pv.h>
#include <asm/regs.h>
#include <asm/smp.h>
#include <asm/x86.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/symbols.h>

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
};

/* -1 while no CPU is crashing; else the cpu_id that owns the crash path. */
static volatile int crashing_cpu = -1;
static volatile unsigned int cpus_stopped;

static void crash_print(const char *fmt, ...) __printf(1, 2);

/* Bypasses printk's lock and level: the crash path must always be heard. */
static void crash_print(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

static void print_symbol(const char *prefix, uint64_t addr)
{
	uint64_t off, size;
	const char *name = symbol_lookup(addr, &off, &size);

	if (name)
		crash_print("%s[<%016lx>] %s+0x%lx/0x%lx\n", prefix, addr, name, off, size);
	else
		crash_print("%s[<%016lx>] ?\n", prefix, addr);
}

static void dump_regs(const struct cpu_regs *r)
{
	crash_print("RIP: %04lx:%016lx RFLAGS: %016lx\n", r->cs, r->rip, r->rflags);
	print_symbol("RIP is at ", r->rip);
	crash_print("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	crash_print("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	crash_print("RBP: %016lx RSP: %016lx  R8: %016lx\n", r->rbp, r->rsp, r->r8);
	crash_print(" R9: %016lx R10: %016lx R11: %016lx\n", r->r9, r->r10, r->r11);
	crash_print("R12: %016lx R13: %016lx R14: %016lx\n", r->r12, r->r13, r->r14);
	crash_print("R15: %016lx  SS: %04lx\n", r->r15, r->ss);
	crash_print("CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
		    read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* Follows saved frame pointers while they stay inside the stack block the walk started in. */
static void backtrace_from(uint64_t rbp, uint64_t sp)
{
	uint64_t lo = sp & ~((uint64_t)STACK_SIZE - 1), hi = lo + STACK_SIZE;

	crash_print("Backtrace:\n");
	for (int depth = 0; depth < 32; depth++) {
		uint64_t *frame = (uint64_t *)rbp;

		if (rbp < lo || rbp + 16 > hi || (rbp & 7))
			break;
		if (!frame[1])
			break;
		print_symbol("  ", frame[1] - 1);	/* -1: the call, not the instruction after it */
		if (frame[0] <= rbp)
			break;	/* frames grow upwards; anything else is a loop or garbage */
		rbp = frame[0];
	}
}

/* NMI on another CPU while one is crashing: stop here for good. */
static void __noreturn crash_stop_self(void)
{
	__atomic_fetch_add(&cpus_stopped, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		local_irq_disable();
		halt();
	}
}

static void stop_other_cpus(void)
{
	unsigned int others = nr_cpus_online > 0 ? nr_cpus_online - 1 : 0;
	uint64_t spins = 0;

	if (!others)
		return;
	apic_send_nmi_allbutself();
	while (__atomic_load_n(&cpus_stopped, __ATOMIC_SEQ_CST) < others && spins++ < 100000000)
		cpu_relax();
	crash_print("Stopped %u of %u other CPUs\n", cpus_stopped, others);
}

/* Claims the crash path; a second crashing CPU just stops. */
static void crash_enter(void)
{
	int me = (int)smp_processor_id(), expected = -1;

	local_irq_disable();
	if (!__atomic_compare_exchange_n(&crashing_cpu, &expected, me, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (expected == me)
			hv_exit(HV_EXIT_CRASH);	/* crashed inside the crash path */
		crash_stop_self();
	}
	console_force_unlock();
}

static void __noreturn crash_finish(void)
{
	stop_other_cpus();
	crash_print("*** Skiff hypervisor halted after a fatal error on CPU %u ***\n",
		    smp_processor_id());
	hv_exit(HV_EXIT_CRASH);
}

static void __noreturn fatal_trap(const struct cpu_regs *r)
{
	const char *name = r->vector < 32 ? exception_names[r->vector] : "interrupt";

	crash_enter();
	crash_print("\n*** HYPERVISOR CRASH on CPU %u: %s (vector %lu) error 0x%lx ***\n",
		    smp_processor_id(), name ? name : "reserved", r->vector, r->error_code);
	if (r->vector == VEC_PF)
		crash_print("Page fault address (CR2): %016lx (%s, %s, %s)\n", read_cr2(),
			    r->error_code & 1 ? "protection" : "not present",
			    r->error_code & 2 ? "write" : "read",
			    r->error_code & 16 ? "instruction fetch" : "data");
	dump_regs(r);
	print_symbol("  ", r->rip);
	backtrace_from(r->rbp, r->rsp);
	crash_finish();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	uint64_t rbp;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	crash_enter();
	crash_print("\n*** HYPERVISOR PANIC on CPU %u: %s ***\n", smp_processor_id(), msg);
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace_from(rbp, rbp);
	crash_finish();
}

static void nmi_interrupt(const struct cpu_regs *r)
{
	if (crashing_cpu >= 0 && crashing_cpu != (int)smp_processor_id())
		crash_stop_self();
	log_warn("unexpected NMI at %016lx", r->rip);
}


/* Vectors with their own IST stack: their frame is not the guest frame at the stack top, so no exit work. */
static bool ist_vector(uint64_t v)
{
	return v == VEC_NMI || v == VEC_DF || v == VEC_MC;
}

static void hypervisor_exception(struct cpu_regs *r)
{
	uint64_t fixup;

	/* A guest-memory copy that faulted: resume at its fixup, which reports -EFAULT. */
	if (r->vector >= 11 && r->vector <= 14 && (fixup = search_exception_table(r->rip))) {
		r->rip = fixup;
		return;
	}
	fatal_trap(r);
}

/* Returns true when the return to the guest may use sysretq (see exit_to_guest_work). */
bool trap_dispatch(struct cpu_regs *r)
{
	bool guest = regs_from_guest(r);

	/* A guest's own exception (no IST vector: those never use the guest frame): the case that must be quick. */
	if (guest && r->vector < 32 && !ist_vector(r->vector))
		return pv_guest_exception(r);
	/* An interrupt or exception leaves every guest register live, rcx and r11 too. */
	if (guest && this_cpu()->curr)
		this_cpu()->curr->arch.exit_sysret = false;
	switch (r->vector) {
	case VEC_NMI:
		nmi_interrupt(r);
		return false;
	case VEC_TIMER:
		apic_timer_interrupt();	/* runs this CPU's due timers, the scheduler tick among them */
		break;
	case VEC_IPI:
		smp_ipi_interrupt();
		break;
	case VEC_SPURIOUS:
		return false;	/* no EOI for spurious interrupts */
	case VEC_APIC_ERROR:
		log_warn("local APIC error interrupt");
		apic_eoi();
		break;
	default:
		if (r->vector == 1 && !guest) {
			pv_debug_trap_hypervisor(r);
			return false;
		}
		if (r->vector < 32 && (!guest || ist_vector(r->vector))) {
			hypervisor_exception(r);
			return false;
		}
		if (r->vector < 32) {
			pv_guest_trap(r);
		} else if (r->vector == VEC_INT80 && guest) {
			pv_software_interrupt(this_cpu()->curr, r, VEC_INT80, true);
		} else if (physdev_irq((unsigned int)r->vector)) {
			/* a device's MSI-X vector: delivered to dom0 as its pirq's event */
		} else {
			log_warn("unexpected interrupt vector %lu", r->vector);
			apic_eoi();
		}
	}
	return guest && exit_to_guest_work(r);
}

/* For the crash-path tests: a store the compiler cannot see through or reject. */
void test_bad_write(uint64_t va)
{
	__asm__ volatile("movq $0xdead, (%0)" :: "r"(va) : "memory");
}

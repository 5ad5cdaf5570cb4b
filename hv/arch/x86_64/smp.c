/* SPDX-License-Identifier: MIT */
/* SMP: start every CPU the MADT lists with INIT-SIPI-SIPI, give each its stack and tables, and ping them by IPI. */
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/hvm.h>
#include <asm/flush.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/regs.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/cmdline.h>
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>

#define TRAMPOLINE_PA	0x8000

extern char ap_trampoline[], ap_trampoline_end[];
extern uint32_t ap_tramp_cr3, ap_tramp_efer;
extern uint64_t ap_tramp_stack, ap_tramp_entry;
extern uint32_t hv_test_switches;

struct percpu **cpu_table;
unsigned int nr_cpus_possible;
volatile unsigned int nr_cpus_online;

static void __noreturn ap_start(void);

/* Writes a trampoline variable in the low-memory copy (the image copy is read-only). */
static void tramp_set(void *sym, const void *val, size_t len)
{
	size_t off = (size_t)((char *)sym - ap_trampoline);

	memcpy((char *)paddr_to_virt(TRAMPOLINE_PA) + off, val, len);
}

/* A stack block with the per-CPU pointer at its top, so this_cpu() works on the new CPU's first instruction. */
struct percpu *percpu_alloc(unsigned int cpu_id, uint32_t apic)
{
	struct percpu *pc = hv_zalloc(sizeof(*pc));
	mfn_t mfn = frame_alloc_zeroed(STACK_ORDER, &frame_owner_hv);

	if (!pc || mfn == MFN_INVALID)
		return NULL;
	pc->cpu_id = cpu_id;
	pc->apic_id = apic;
	pc->stack_block = mfn_to_virt(mfn);
	*(struct percpu **)((char *)pc->stack_block + STACK_PCPU_OFF) = pc;
	return pc;
}

static bool start_ap(struct percpu *pc)
{
	uint64_t stack = (uint64_t)(uintptr_t)pc->stack_block + STACK_PRIMARY_TOP;
	uint64_t entry = (uint64_t)(uintptr_t)ap_start;
	s_time_t deadline;

	tramp_set(&ap_tramp_stack, &stack, 8);
	tramp_set(&ap_tramp_entry, &entry, 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (apic_send_init_sipi(pc->apic_id, TRAMPOLINE_PA >> 12) < 0)
		log_warn("smp: start-up IPI to APIC %u not accepted", pc->apic_id);
	/* TCG runs CPUs one after another: give a slow emulator a whole second. */
	deadline = time_now_ns() + 1000000000;
	while (!pc->online && time_now_ns() < deadline)
		cpu_relax();
	return pc->online;
}

static void prepare_trampoline(void)
{
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);
	uint32_t cr3 = (uint32_t)paging_trampoline_l4();
	uint32_t efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));

	if (len > PAGE_SIZE)
		panic("smp: trampoline is %zu bytes, more than a page", len);
	memcpy(paddr_to_virt(TRAMPOLINE_PA), ap_trampoline, len);
	tramp_set(&ap_tramp_cr3, &cr3, 4);
	tramp_set(&ap_tramp_efer, &efer, 4);
}

unsigned int smp_boot_cpus(unsigned int maxcpus)
{
	uint32_t self = apic_id();
	unsigned int want = acpi.nr_lapics ? acpi.nr_lapics : 1, next = 1;

	if (maxcpus && want > maxcpus)
		want = maxcpus;
	if (want > TIMER_MAX_CPUS) {
		log_warn("smp: %u CPUs, using the first %u (timer queues)", want, TIMER_MAX_CPUS);
		want = TIMER_MAX_CPUS;
	}
	nr_cpus_possible = want;
	cpu_table[0] = this_cpu();
	if (want == 1)
		return nr_cpus_online;
	prepare_trampoline();
	for (unsigned int i = 0; i < acpi.nr_lapics && next < want; i++) {
		struct percpu *pc;

		if (acpi.lapic_ids[i] == self)
			continue;
		pc = percpu_alloc(next, acpi.lapic_ids[i]);
		if (!pc)
			panic("smp: no memory for CPU %u", next);
		cpu_table[next] = pc;
		if (!start_ap(pc)) {
			log_err("smp: CPU with APIC id %u did not come up", pc->apic_id);
			cpu_table[next] = NULL;
			continue;	/* its stack stays allocated: it may still wake and run on it */
		}
		next++;
	}
	return nr_cpus_online;
}

static void __noreturn ap_start(void)
{
	struct percpu *pc = this_cpu();

	write_cr3(idle_pg_table_pa);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	cpu_tables_init(pc);
	pv_cpu_init(pc);
	hvm_cpu_init(pc);
	apic_init_cpu();
	apic_timer_start(cpu_table[0]->timer_period_ns);
	sched_cpu_start();
	pc->online = true;
	__atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
	log_info("smp: CPU %u (APIC id %u) online", pc->cpu_id, pc->apic_id);
	if (hv_test_switches & TEST_APFAULT)
		test_bad_write(0x10);	/* deliberate: the crash path must work off the boot CPU */
	reset_stack_and_jump(guest_frame(pc), idle_loop);
}

void smp_ipi_interrupt(void)
{
	struct percpu *pc = this_cpu();
	uint32_t work = __atomic_exchange_n(&pc->ipi_pending, 0, __ATOMIC_ACQ_REL);

	if (work & IPI_PING)
		__atomic_fetch_add(&pc->ipi_pings, 1, __ATOMIC_RELEASE);
	apic_eoi();
	flush_answer();
	/*
	 * Only a timer kick needs the queue run and the hardware re-armed: a
	 * shootdown or a scheduler kick does not, and re-arming is an APIC
	 * write on every flush a busy guest asks for.
	 */
	if (work & IPI_TIMER)
		timer_run();
}

unsigned int smp_ping_all(void)
{
	unsigned int answered = 0;

	for (unsigned int i = 1; i < nr_cpus_possible; i++) {
		struct percpu *pc = cpu_table[i];
		uint64_t before;
		s_time_t deadline;

		if (!pc || !pc->online)
			continue;
		before = __atomic_load_n(&pc->ipi_pings, __ATOMIC_ACQUIRE);
		__atomic_fetch_or(&pc->ipi_pending, IPI_PING, __ATOMIC_RELEASE);
		apic_send_ipi(pc->apic_id, VEC_IPI);
		deadline = time_now_ns() + 1000000000;
		while (__atomic_load_n(&pc->ipi_pings, __ATOMIC_ACQUIRE) == before &&
		       time_now_ns() < deadline)
			cpu_relax();
		if (pc->ipi_pings != before)
			answered++;
		else
			log_err("smp: CPU %u did not answer an IPI", i);
	}
	return answered;
}

void arch_enter_idle(void)
{
	reset_stack_and_jump(guest_frame(this_cpu()), idle_loop);
}

void cpu_kick(struct percpu *pc)
{
	apic_send_ipi(pc->apic_id, VEC_IPI);
}

void timer_arch_kick(unsigned int cpu)
{
	struct percpu *pc = cpu < nr_cpus_possible ? cpu_table[cpu] : NULL;

	if (pc && pc->online) {
		/* Set before the IPI: the handler that takes it (this one or a later one) runs the queue. */
		__atomic_fetch_or(&pc->ipi_pending, IPI_TIMER, __ATOMIC_RELEASE);
		cpu_kick(pc);
	}
}

unsigned int timer_arch_cpu(void)
{
	return smp_processor_id();
}

bool sched_work_waiting(void);
void schedule(void);

/* Runs on the stack below the guest frame; schedule() leaves it for good when a vCPU is picked. */
void idle_loop(void)
{
	struct percpu *pc = this_cpu();

	for (;;) {
		local_irq_disable();
		if (pc->need_resched || sched_work_waiting()) {
			pc->is_idle = false;
			schedule();
		}
		/* Teardown steps left: let interrupts in (a tick may want a vCPU run), then the next step. */
		if (pc->cpu_id == 0 && boot_domains_poll()) {
			local_irq_enable();
			cpu_relax();
			continue;
		}
		pc->is_idle = true;
		/* sti; hlt back to back: a wake-up IPI between them cannot be lost. */
		__asm__ volatile("sti; hlt" ::: "memory");
		pc->idle_halts++;
	}
}

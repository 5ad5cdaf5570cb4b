/* SPDX-License-Identifier: MIT */
/* Local APIC (xAPIC MMIO): enable, one-shot or TSC-deadline timer for the nearest timer, IPIs, INIT/SIPI. */
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/paging.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>

#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TIMER_INIT	0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define TIMER_MAX_DELTA_NS 1000000000LL	/* arm at most this far ahead: the count is 32 bits */
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)
#define ICR_NMI		(4u << 8)
#define ICR_INIT	(5u << 8)
#define ICR_SIPI	(6u << 8)
#define ICR_ALLBUTSELF	(3u << 18)

static volatile uint32_t *apic_base;
static uint64_t timer_khz;	/* APIC timer ticks per ms at divide-by-16 */
static bool use_tsc_deadline;	/* CPUID says the LVT timer has TSC-deadline mode */

static uint32_t apic_read(unsigned int reg)
{
	return apic_base[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t v)
{
	apic_base[reg / 4] = v;
}

uint32_t apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_init_bsp(paddr_t base_pa)
{
	/* The 8259 PICs stay masked for good: the hypervisor takes interrupts from the APICs only. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	wrmsr(MSR_APIC_BASE, (base_pa & PAGE_MASK) | (1u << 11) | (1u << 8));
	apic_base = ioremap_page(base_pa);
	apic_init_cpu();
}

void apic_init_cpu(void)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, msr | (1u << 11));
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, (4u << 8));	/* LINT1 = NMI, as firmware wires it */
	apic_write(APIC_LVT_ERROR, VEC_APIC_ERROR);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_eoi();
}

static void icr_wait(void)
{
	for (unsigned long i = 0; i < 10000000 && (apic_read(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
	unsigned long f = read_rflags();

	local_irq_disable();
	icr_wait();
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, vector | ICR_ASSERT);
	if (f & (1u << 9))
		local_irq_enable();
}

void apic_send_nmi_allbutself(void)
{
	icr_wait();
	apic_write(APIC_ICR_LO, ICR_NMI | ICR_ASSERT | ICR_ALLBUTSELF);
}

int apic_send_init_sipi(uint32_t dest, uint8_t sipi_page)
{
	/* The Intel SDM's sequence: INIT assert, INIT de-assert, then two SIPIs 200 us apart. */
	icr_wait();
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	icr_wait();
	tsc_delay_ns(10000000);
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, ICR_INIT | ICR_LEVEL);
	icr_wait();
	for (int i = 0; i < 2; i++) {
		apic_write(APIC_ICR_HI, dest << 24);
		apic_write(APIC_ICR_LO, ICR_SIPI | sipi_page);
		tsc_delay_ns(200000);
		icr_wait();
	}
	return (apic_read(APIC_ICR_LO) & ICR_PENDING) ? -1 : 0;
}

/* The timer's current count with the TSC around it (best of a few tries, as for the PIT: time.c). */
static uint64_t apic_timer_read_pair(uint32_t *count, uint64_t *tsc)
{
	uint64_t best = ~0ULL;

	for (int i = 0; i < 4; i++) {
		uint64_t a = rdtsc(), b;
		uint32_t c = apic_read(APIC_TIMER_CUR);

		b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*count = c;
		}
	}
	return best;
}

/*
 * Against the TSC, read together with the count at both ends: a stall of
 * the CPU (or of QEMU's thread) between the two readings moves both clocks
 * alike, where reading the count after a TSC delay counted the stall too.
 */
void apic_timer_calibrate(void)
{
	uint32_t c0 = 0, c1 = 0;
	uint64_t t0 = 0, t1 = 0;

	apic_write(APIC_TIMER_DIV, 0x3);	/* divide by 16 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	apic_timer_read_pair(&c0, &t0);
	tsc_delay_ns(10000000);
	apic_timer_read_pair(&c1, &t1);
	apic_write(APIC_TIMER_INIT, 0);
	if (c1 < c0 && t1 > t0)
		timer_khz = (uint64_t)(c0 - c1) * tsc_khz() / (t1 - t0);
	if (!timer_khz)
		panic("apic: timer did not count during calibration");
	log_info("apic: timer %lu kHz (divide by 16), xAPIC at %p", timer_khz, (void *)apic_base);
}

uint64_t apic_timer_khz(void)
{
	return timer_khz;
}

/*
 * This CPU's timer from now on fires once per timer_arch_program; the
 * period is only the scheduler's tick, which other code reads
 * (rtc_edge_tick) to know how often it is called.
 */
void apic_timer_start(uint64_t tick_ns)
{
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	this_cpu()->timer_period_ns = tick_ns;
	apic_write(APIC_TIMER_DIV, 0x3);
	if (c & CPUID1_ECX_TSC_DEADLINE) {
		use_tsc_deadline = true;
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	} else {
		apic_write(APIC_LVT_TIMER, VEC_TIMER);	/* one-shot */
	}
	if (this_cpu()->cpu_id == 0)
		log_info("apic: timer armed per deadline (%s), scheduler tick %lu ms",
			 use_tsc_deadline ? "TSC-deadline mode" : "one-shot count", tick_ns / 1000000);
}

bool apic_timer_tsc_deadline(void)
{
	return use_tsc_deadline;
}

/* Interrupts off. Rounds up: an interrupt that comes early finds nothing due and costs a second one. */
void timer_arch_program(s_time_t deadline)
{
	s_time_t delta;
	uint64_t count;

	if (use_tsc_deadline) {
		/* 0 disarms; a deadline already past fires at once. */
		wrmsr(MSR_TSC_DEADLINE, deadline == TIMER_NEVER ? 0 : time_ns_to_tsc(deadline));
		return;
	}
	if (deadline == TIMER_NEVER) {
		apic_write(APIC_TIMER_INIT, 0);		/* stops the count */
		return;
	}
	delta = deadline - time_now_ns();
	delta = delta < 1 ? 1 : delta > TIMER_MAX_DELTA_NS ? TIMER_MAX_DELTA_NS : delta;
	count = ((uint64_t)delta * timer_khz + 999999) / 1000000;
	apic_write(APIC_TIMER_INIT, (uint32_t)MAX(count, 1));
}

void apic_timer_interrupt(void)
{
	this_cpu()->timer_ticks++;
	apic_eoi();
	timer_run();
}

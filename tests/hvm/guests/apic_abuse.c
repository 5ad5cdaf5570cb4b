/* SPDX-License-Identifier: MIT */
/*
 * A hostile HVM guest on the emulated devices a Linux guest needs: the xAPIC page (every MOV form Linux uses,
 * then wild offsets and values), the TSC-deadline timer with wild deadlines, the RTC. It ends with one access
 * the MMIO emulation must refuse (APIC_ABUSE_END): 1 a 64-bit MOV (bytes the decoder does not take), 2 a load
 * that crosses the APIC page's end, 3 a jump into the APIC page, 4 a page-table walk through it (a page
 * directory at 0xfee00000). Only this domain may die of it.
 */
#include "hvm_guest.h"

#define APIC_PAGE	0xfee00000ull
#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define TIMER_VECTOR	0x41

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static volatile uint32_t *apic(uint32_t off)
{
	return (volatile uint32_t *)(APIC_PAGE + off);
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A page directory for the 4th GiB: its 2 MiB page at 0xfee00000 maps the APIC page (uncached). */
static uint64_t pd3[512] __attribute__((aligned(4096)));

static void map_apic_page(void)
{
	uint64_t cr3, *pml4, *pdpt;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & ~0xfffull);
	pdpt = (uint64_t *)(pml4[0] & ~0xfffull);
	pd3[(APIC_PAGE >> 21) & 511] = (APIC_PAGE & ~0x1fffffull) | 0x83 | 0x18;	/* PCD PWT */
	pdpt[3] = (uint64_t)pd3 | 3;
	__asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
}

/* x2APIC (as the hypervisor starts it) -> disabled -> xAPIC, as Linux does without interrupt remapping. */
static void to_xapic(void)
{
	bool f;
	uint64_t base = rdmsr_safe(MSR_APIC_BASE, &f);

	if (f || (base & 0xc00) != 0xc00)
		fail("the APIC does not start in x2APIC mode");
	if (!wrmsr_safe(MSR_APIC_BASE, (base & ~0xc00ull) | 0x800))
		fail("x2APIC straight to xAPIC accepted");
	if (apic(0x30)[0] != 0x00050014)
		fail("the APIC page does not read the version in x2APIC mode");
	if (wrmsr_safe(MSR_APIC_BASE, base & ~0xc00ull) || wrmsr_safe(MSR_APIC_BASE, (base & ~0xc00ull) | 0x800))
		fail("x2APIC -> disabled -> xAPIC refused");
	if (wrmsr_safe(MSR_APIC_BASE, (base & ~0xc00ull) | 0x400) == false)
		fail("EXTD without EN accepted");
	rdmsr_safe(0x802, &f);
	if (!f)
		fail("an x2APIC MSR read in xAPIC mode did not #GP");
	puts("apic-abuse: x2APIC -> disabled -> xAPIC, x2APIC MSRs #GP in xAPIC mode\n");
}

/* The MOV forms Linux and compilers use on the page: absolute, base+disp8/32, SIB, REX.R registers, immediates. */
static void mov_forms(void)
{
	uint32_t id, ver, svr;
	uint64_t base = APIC_PAGE;

	__asm__ volatile("mov 0x20(%1), %0" : "=r"(id) : "r"(base));
	if (id != 0)
		fail("xAPIC id is not vCPU 0's");
	__asm__ volatile("mov 0x30(%1), %%r12d; mov %%r12d, %0" : "=r"(ver) : "r"(base) : "r12");
	if (ver != 0x00050014)
		fail("version through r12d");
	__asm__ volatile("movl $0x1ff, 0xf0(%0)" :: "r"(base) : "memory");
	__asm__ volatile("mov 0xf0(%1,%2,1), %0" : "=r"(svr) : "r"(base), "r"(0ull));
	if (svr != 0x1ff)
		fail("SVR immediate store, SIB load");
	__asm__ volatile("mov %0, %%r9d; mov %%r9d, 0x80(%1)" :: "r"(0x20u), "r"(base) : "r9", "memory");
	if (apic(0x80)[0] != 0x20)
		fail("TPR through r9d");
	apic(0x80)[0] = 0;
	if (apic(0x24)[0] != 0 || apic(0x3f0)[0] != 0)
		fail("between registers, or an unknown one, does not read 0");
	puts("apic-abuse: MOV forms: absolute, disp8, disp32, SIB, REX.R, immediate\n");
}

volatile uint64_t timer_ticks;
extern char timer_entry[];

__asm__(".text\n"
	"timer_entry:\n"
	"	push %rax\n"
	"	incq timer_ticks(%rip)\n"
	"	mov $0xfee000b0, %rax\n"
	"	movl $0, (%rax)\n"		/* EOI through the page */
	"	pop %rax\n"
	"	iretq\n");

static void wait_ticks(uint64_t want, uint64_t spins)
{
	__asm__ volatile("sti" ::: "memory");
	for (volatile uint64_t i = 0; i < spins && timer_ticks < want; i++)
		;
	__asm__ volatile("cli" ::: "memory");
}

/* TSC-deadline: one soon fires once; 0 disarms; the far future and wild values never fire within the test. */
static void tsc_deadline(void)
{
	set_gate(TIMER_VECTOR, timer_entry);
	apic(0x320)[0] = TIMER_VECTOR | (2u << 17);
	if (apic(0x320)[0] != (TIMER_VECTOR | (2u << 17)))
		fail("LVT timer in TSC-deadline mode");
	wrmsr_safe(MSR_TSC_DEADLINE, rdtsc() + 1000000);
	wait_ticks(1, 50000000);
	if (timer_ticks != 1)
		fail("a TSC deadline did not fire exactly once");
	bool f;
	if (rdmsr_safe(MSR_TSC_DEADLINE, &f) != 0)
		fail("the deadline MSR does not read 0 after firing");
	wrmsr_safe(MSR_TSC_DEADLINE, 1);		/* long past: fires at once, once */
	wait_ticks(2, 50000000);
	wrmsr_safe(MSR_TSC_DEADLINE, ~0ull);		/* far future: capped, never seen */
	wrmsr_safe(MSR_TSC_DEADLINE, rdtsc() + 1000);
	wrmsr_safe(MSR_TSC_DEADLINE, 0);		/* disarmed before it fires (or just after) */
	for (int i = 0; i < 200; i++)
		wrmsr_safe(MSR_TSC_DEADLINE, next_rand() | (1ull << 63));
	wrmsr_safe(MSR_TSC_DEADLINE, ~0ull);
	wait_ticks(100, 2000000);
	if (timer_ticks < 2 || timer_ticks > 3)
		fail("wild deadlines fired");
	apic(0x320)[0] = 1u << 16;			/* masked, one-shot */
	puts("apic-abuse: TSC-deadline timer fired once per deadline, wild deadlines never\n");
}

/* Every register, wild values: the model drops what it does not take; then the state Linux needs is set again. */
static void wild_registers(void)
{
	for (int i = 0; i < 3000; i++) {
		uint32_t off = (uint32_t)next_rand() & 0xffc, val = (uint32_t)next_rand();

		if (off == 0x300 || off == 0x320)
			val &= ~0x700u;		/* no INIT/SIPI/NMI to itself; the timer stays in a sane mode */
		if (next_rand() & 1)
			apic(off)[0] = val;
		else
			(void)apic(off)[0];
	}
	apic(0x320)[0] = 1u << 16;
	apic(0x380)[0] = 0;
	apic(0xf0)[0] = 0x1ff;
	/* Interrupts stay off from here: the wild writes left vectors pending that have no gate in the IDT. */
	if (apic(0x20)[0] != 0 || apic(0x30)[0] != 0x00050014)
		fail("id or version changed by wild writes");
	puts("apic-abuse: 3000 wild accesses across the page, id and version intact\n");
}

static unsigned int bcd_ok(uint8_t v)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9;
}

static void rtc(void)
{
	uint8_t v[0x80];

	for (unsigned int i = 0; i < 0x100; i++) {
		outb(0x70, (uint8_t)i);
		v[i & 0x7f] = inb(0x71);
		outb(0x71, (uint8_t)next_rand());	/* the guest may not set the clock */
	}
	if (!bcd_ok(v[0]) || !bcd_ok(v[2]) || !bcd_ok(v[4]) || !bcd_ok(v[9]) || v[0x32] < 0x20 ||
	    (v[0x0a] & 0x80) || (v[0x0d] & 0xc0) != 0x80)
		fail("RTC registers");
	puts("apic-abuse: RTC: BCD date, no update in progress, writes dropped\n");
}

void guest_main(void)
{
	idt_install();
	map_apic_page();
	to_xapic();
	mov_forms();
	tsc_deadline();
	wild_registers();
	rtc();
#if APIC_ABUSE_END == 1
	puts("apic-abuse: a 64-bit load from the APIC page\n");
	uint64_t x;
	__asm__ volatile("movq 0x30(%1), %0" : "=r"(x) : "r"(APIC_PAGE));
#elif APIC_ABUSE_END == 2
	puts("apic-abuse: a load across the APIC page's end\n");
	(void)*(volatile uint32_t *)(APIC_PAGE + 0xffe);
#elif APIC_ABUSE_END == 3
	puts("apic-abuse: a jump into the APIC page\n");
	((void (*)(void))APIC_PAGE)();
#else
	uint64_t cr3, *pdpt;

	puts("apic-abuse: a page-table walk through the APIC page\n");
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pdpt = (uint64_t *)(((uint64_t *)(cr3 & ~0xfffull))[0] & ~0xfffull);
	pdpt[2] = APIC_PAGE | 3;			/* the 3rd GiB's page directory is the APIC page */
	__asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
	(void)*(volatile uint32_t *)0x80000000ull;
#endif
	fail("still running after the access that must end it");
}

/* SPDX-License-Identifier: MIT */
/* The tiny HVM guest: reached long mode through real and protected mode (start.S); checks CPUID, EFER and the APIC timer, then powers off. */
#include "hvm_guest.h"

static bool printable(uint32_t w)
{
	for (int i = 0; i < 4; i++, w >>= 8)
		if ((w & 0xff) < 0x20 || (w & 0xff) > 0x7e)
			return false;
	return true;
}

static void check_cpuid(void)
{
	uint32_t r[4], vendor[4] = { 0 };

	cpuid(0, r);
	vendor[0] = r[1];
	vendor[1] = r[3];
	vendor[2] = r[2];
	if (r[0] < 1 || !printable(r[1]) || !printable(r[2]) || !printable(r[3]))
		fail("cpuid 0: no basic leaves or an unprintable vendor");
	puts("hvm: cpuid vendor '");
	puts((const char *)vendor);
	puts("'\n");
	cpuid(1, r);
	if (!(r[2] & (1u << 31)))
		fail("cpuid 1: the hypervisor bit is clear");
	if (r[2] & (1u << 5))
		fail("cpuid 1: VMX offered");
	if (r[2] & (1u << 26))
		fail("cpuid 1: XSAVE offered, XCR0 is not switched");
	if ((r[3] & 0x01000001u) != 0x01000001u)
		fail("cpuid 1: no FPU or FXSR");
	if (r[1] >> 24)
		fail("cpuid 1: vCPU 0's APIC id is not 0");
	cpuid(0x80000000u, r);
	if (r[0] < 0x80000001u || r[0] > 0x80000008u)
		fail("cpuid 0x80000000: extended range outside what Skiff offers");
	cpuid(0x80000001u, r);
	if (!(r[3] & (1u << 29)))
		fail("cpuid 0x80000001: no long mode");
	if (r[2] & (1u << 2))
		fail("cpuid 0x80000001: SVM offered to the guest");
	cpuid(0x8000000au, r);
	if (r[0] | r[1] | r[2] | r[3])
		fail("cpuid 0x8000000a: SVM leaf not empty");
	cpuid(0x40000000u, r);
	if (r[1] != 0x66696b53u || r[2] != 0x696b5366u || r[3] != 0x6b536666u)
		fail("cpuid 0x40000000: not the Skiff signature");
	puts("hvm: cpuid checks passed (hypervisor bit, Skiff leaf, no SVM/VMX/XSAVE, long mode)\n");
}

static void check_efer(void)
{
	bool f;
	uint64_t efer = rdmsr_safe(0xc0000080u, &f);

	if (f || !(efer & (1u << 10)))
		fail("EFER: long mode not active, or rdmsr refused");
	if (efer & (1u << 12))
		fail("EFER: the host's SVME shows through");
	puts("hvm: long mode: EFER ");
	put_hex(efer);
	puts("\n");
}

#define APIC_TIMER_VECTOR	0x40
#define TICKS			5

volatile uint64_t apic_ticks;
extern char apic_timer_entry[];

/* The timer's handler: count, EOI (x2APIC: a write of 0 to MSR 0x80b). */
__asm__(".text\n"
	"apic_timer_entry:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	incq apic_ticks(%rip)\n"
	"	mov $0x80b, %ecx\n	xor %eax, %eax\n	xor %edx, %edx\n	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n");

static void must_wrmsr(uint32_t msr, uint64_t val, const char *what)
{
	if (wrmsr_safe(msr, val))
		fail(what);
}

/*
 * Around each HLT the vCPU sleeps and others run on its CPU: r12-r15 and
 * xmm0 hold a pattern of this domain's own (from the TSC at start) that must
 * come back unchanged, whoever ran in between.
 */
static uint64_t pattern;

static void halt_keeps_registers(void)
{
	uint64_t out[5], p = pattern;

	__asm__ volatile("mov %5, %%r12; lea 1(%5), %%r13; lea 2(%5), %%r14; lea 3(%5), %%r15\n"
			 "lea 4(%5), %%rax; movq %%rax, %%xmm0\n"
			 "sti; hlt; cli\n"
			 "mov %%r12, %0; mov %%r13, %1; mov %%r14, %2; mov %%r15, %3; movq %%xmm0, %4"
			 : "=m"(out[0]), "=m"(out[1]), "=m"(out[2]), "=m"(out[3]), "=m"(out[4])
			 : "r"(p) : "rax", "r12", "r13", "r14", "r15", "memory");	/* no xmm0: -mgeneral-regs-only, nothing else uses it */
	for (int i = 0; i < 5; i++)
		if (out[i] != p + (uint64_t)i)
			fail("a register changed across a HLT: another vCPU's state leaked in");
}

/* SSE on (CR4.OSFXSR, CR0.MP, not EM): the register check uses xmm0. */
static void enable_sse(void)
{
	uint64_t cr0, cr4;
	uint32_t lo, hi;

	__asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
	__asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" :: "r"((cr0 | 2) & ~4ULL), "r"(cr4 | 0x600));
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	pattern = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ULL;
}

/* A periodic x2APIC timer of 10 ms; each tick must end a HLT. */
static void check_apic_timer(void)
{
	bool f;
	uint64_t base = rdmsr_safe(0x1b, &f), count, halts = 0;

	if (f || (base & 0xc00) != 0xc00 || !(base & 0x100))
		fail("APIC_BASE: not an enabled x2APIC of the boot CPU");
	if (rdmsr_safe(0x802, &f) != 0 || f)
		fail("x2APIC id of vCPU 0 is not 0");
	set_gate(APIC_TIMER_VECTOR, apic_timer_entry);
	must_wrmsr(0x80f, 0x1ff, "SVR write refused");
	must_wrmsr(0x83e, 0xb, "divide configuration refused");
	must_wrmsr(0x832, APIC_TIMER_VECTOR | (1u << 17), "LVT timer refused");
	must_wrmsr(0x838, 1000000, "initial count refused");	/* 10 ms at the model's 100 MHz */
	count = rdmsr_safe(0x839, &f);
	if (f || count == 0 || count > 1000000)
		fail("the current count does not run down from the initial count");
	if (!wrmsr_safe(0x832, 0x40 | (3u << 17)))
		fail("LVT timer mode 3 (reserved) accepted");
	while (apic_ticks < TICKS) {
		halt_keeps_registers();
		halts++;
	}
	must_wrmsr(0x838, 0, "stopping the timer refused");
	if (halts > TICKS + 1)
		fail("HLT returned without a timer interrupt");
	puts("hvm: APIC timer: 5 interrupts, each ended a HLT; registers kept across each\n");
}

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A figure, not a check: what a CPUID exit costs, in the TSC's cycles (the guest's TSC is the host's). */
static void time_cpuid_exit(void)
{
	uint32_t r[4];
	uint64_t t0 = tsc();

	for (int i = 0; i < 1000; i++)
		cpuid(0, r);
	puts("hvm: cpuid exit round trip ");
	put_dec((tsc() - t0) / 1000);
	puts(" TSC cycles (mean of 1000)\n");
}

void guest_main(void)
{
	puts("hvm: long mode\n");
	idt_install();
	check_cpuid();
	check_efer();
	enable_sse();
	check_apic_timer();
	time_cpuid_exit();
	puts("hvm: all checks passed\n");
	guest_exit(0);
}

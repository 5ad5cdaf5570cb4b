/* SPDX-License-Identifier: MIT */
/* The smp HVM guest: vCPU 0 starts vCPU 1 with INIT and SIPI through its x2APIC, sends it a fixed IPI, and checks a second SIPI is ignored. */
#include "hvm_guest.h"

#define IPI_VECTOR	0x41

volatile uint32_t ap_alive, ap_ipis;
extern char ap_start[], ap_isr[];

static void icr(uint64_t val)
{
	if (wrmsr_safe(0x830, val))
		fail("an ICR write was refused");
}

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* At most about 2 s of a 3 GHz TSC: the other vCPU may wait for a CPU on a loaded machine. */
static bool wait_for(volatile uint32_t *p, uint32_t want)
{
	for (uint64_t end = tsc() + 6000000000ull; tsc() < end;) {
		if (*p >= want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

void guest_main(void)
{
	uint64_t to1 = 1ull << 32;
	uint32_t page = (uint32_t)(uint64_t)ap_start >> 12;

	puts("hvm-smp: long mode on vCPU 0\n");
	idt_install();
	/* vCPU 1 runs in real mode: its IVT entry for the IPI, segment 0. */
	{
		volatile uint32_t *ivt;

		/* The IVT sits at address 0: hidden from the compiler, which takes low addresses for null ones. */
		__asm__("" : "=r"(ivt) : "0"((uint64_t)0));
		ivt[IPI_VECTOR] = (uint32_t)(uint64_t)ap_isr & 0xffff;
	}
	icr(to1 | (5u << 8) | (1u << 14));		/* INIT, assert */
	icr(to1 | (5u << 8) | (1u << 15));		/* INIT de-assert (level): ignored */
	icr(to1 | (6u << 8) | page);			/* STARTUP at ap_start's page */
	if (!wait_for(&ap_alive, 1))
		fail("vCPU 1 did not start after INIT-SIPI");
	icr(to1 | IPI_VECTOR);				/* fixed */
	if (!wait_for(&ap_ipis, 1))
		fail("vCPU 1 did not take the fixed IPI");
	icr(to1 | (6u << 8) | page);			/* a second SIPI to a started vCPU */
	wait_for(&ap_alive, 2);
	if (ap_alive != 1)
		fail("a second SIPI restarted a running vCPU");
	if (!wrmsr_safe(0x830, to1 | (1u << 12) | IPI_VECTOR))
		fail("an ICR with a reserved bit accepted");
	puts("hvm-smp: vCPU 1 started by INIT-SIPI, took a fixed IPI, ignored a second SIPI\n");
	guest_exit(0);
}

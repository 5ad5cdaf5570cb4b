/* SPDX-License-Identifier: MIT */
/* A hostile HVM guest: wild port I/O, SVM instructions, MSRs it must not touch, then a read far outside its RAM. */
#include "hvm_guest.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every port but COM1 and the exit port: reads are all ones, writes vanish. */
static void wild_ports(void)
{
	unsigned int odd = 0;

	for (uint32_t port = 0; port < 0x10000; port += 61) {
		if ((port >= 0x3f8 && port < 0x400) || port == HVM_EXIT_PORT)
			continue;
		outb((uint16_t)port, (uint8_t)next_rand());
		if (inb((uint16_t)port) != 0xff)
			odd++;
		outl((uint16_t)(port & ~3u), (uint32_t)next_rand());
		if (inl((uint16_t)(port & ~3u)) != 0xffffffffu)
			odd++;
	}
	if (odd)
		fail("a port without a device read other than all ones");
	puts("hvm-hostile: wild port I/O done, every read all ones\n");
}

/* SVM's own instructions and MSRs: #UD and #GP, never the host's state. */
static void svm_probes(void)
{
	static const uint32_t refused[] = {
		0xc0010117u,	/* VM_HSAVE_PA */
		0xc0010114u,	/* VM_CR */
		0x8ffu,		/* an x2APIC register that does not exist */
		0xc0000103u,	/* TSC_AUX: not offered */
		0xffffffffu, 0x40000000u, 0xc0011000u, 0x3au,
	};
	bool f;
	uint64_t before = ud_count;

	skip_len = 3;
	__asm__ volatile("vmmcall");
	__asm__ volatile("mov %0, %%rax; vmrun" :: "r"(0x100000ull) : "rax", "memory");
	__asm__ volatile("mov %0, %%rax; vmload" :: "r"(0x100000ull) : "rax", "memory");
	__asm__ volatile("mov %0, %%rax; vmsave" :: "r"(0x2000ull) : "rax", "memory");
	__asm__ volatile("stgi; clgi" ::: "memory");	/* 3 bytes each: the handler skips one at a time */
	if (ud_count - before != 6)
		fail("an SVM instruction did not raise #UD");
	for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		rdmsr_safe(refused[i], &f);
		if (!f || !wrmsr_safe(refused[i], 0x1000))
			fail("an MSR outside the whitelist was not refused");
	}
	/* EFER with SVME, a non-canonical LSTAR, a PAT with a reserved type: refused. */
	if (!wrmsr_safe(0xc0000080u, rdmsr_safe(0xc0000080u, &f) | (1u << 12)))
		fail("EFER.SVME accepted");
	if (!wrmsr_safe(0xc0000082u, 0x0000800000000000ull))
		fail("a non-canonical LSTAR accepted");
	if (!wrmsr_safe(0x277u, 0x0007040600070402ull))
		fail("a PAT with reserved type 2 accepted");
	if (!wrmsr_safe(0x1bu, 0xfee00900ull) || !wrmsr_safe(0x80bu, 1) || !wrmsr_safe(0x802u, 5))
		fail("leaving x2APIC mode, a non-zero EOI or an APIC id write accepted");
	for (unsigned int i = 0; i < 300; i++) {
		uint32_t msr = (uint32_t)next_rand();

		rdmsr_safe(msr, &f);
		wrmsr_safe(msr, next_rand());
	}
	puts("hvm-hostile: SVM instructions #UD, refused MSRs #GP\n");
}

volatile uint64_t storm_ticks;
extern char storm_entry[];

__asm__(".text\n"
	"storm_entry:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	incq storm_ticks(%rip)\n"
	"	mov $0x80b, %ecx\n	xor %eax, %eax\n	xor %edx, %edx\n	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n");

/* An interrupt storm: the shortest periodic APIC timer there is, taken with interrupts on for a while. */
static void apic_storm(void)
{
	set_gate(0x50, storm_entry);
	wrmsr_safe(0x80f, 0x1ff);
	wrmsr_safe(0x83e, 0xb);				/* divide by 1 */
	wrmsr_safe(0x832, 0x50 | (1u << 17));		/* periodic */
	wrmsr_safe(0x838, 1);				/* one count: 10 ns if nothing bounded it */
	__asm__ volatile("sti" ::: "memory");
	for (volatile uint64_t i = 0; i < 20000000 && storm_ticks < 20000; i++)
		;
	__asm__ volatile("cli" ::: "memory");
	wrmsr_safe(0x838, 0);
	if (!storm_ticks)
		fail("the storm timer never fired");
	puts("hvm-hostile: APIC timer storm done\n");
}

void guest_main(void)
{
	volatile uint64_t *far = (volatile uint64_t *)0x20000000;	/* 512 MiB: mapped by its tables, not its RAM */

	puts("hvm-hostile: long mode\n");
	idt_install();
	wild_ports();
	svm_probes();
	apic_storm();
	puts("hvm-hostile: reading 512 MiB, far outside its memory\n");
	(void)*far;
	fail("a read outside its memory returned");
}

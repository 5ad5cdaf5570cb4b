/* SPDX-License-Identifier: MIT */
/*
 * A hostile HVM guest on its I/O APIC and COM1's interrupt: wild register indices and values across the page,
 * then COM1's THRE interrupt through pin 4 with good and bad redirection entries (vectors below 16, SMI, NMI,
 * INIT, ExtINT, destinations no vCPU has, a masked pin), and a storm of its own interrupts. It ends
 * (IOAPIC_ABUSE_END) 1 with a load across the I/O APIC page's end, which must crash only it, 2 with ACPI's
 * sleep control register: wrong values first, which must do nothing, then S5, a poweroff, or 3 with the reset
 * port (ACPI's reset register): values without the reset bits do nothing, 0x06 reboots.
 */
#include "hvm_guest.h"

#define IOAPIC_PAGE	0xfec00000ull
#define COM1		0x3f8
#define IRQ_VECTOR	0x50
#define STORM		2000
#define SLEEP_CTL	0x514
#define SLEEP_STS	0x515

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static volatile uint32_t *ioapic(uint32_t off)
{
	return (volatile uint32_t *)(IOAPIC_PAGE + off);
}

static uint32_t io_read(uint32_t reg)
{
	ioapic(0)[0] = reg;
	return ioapic(0x10)[0];
}

static void io_write(uint32_t reg, uint32_t val)
{
	ioapic(0)[0] = reg;
	ioapic(0x10)[0] = val;
}

/* Pin 4's entry: low word (vector, mode, destination mode, mask), destination byte. */
static void com1_entry(uint32_t low, uint8_t dest)
{
	io_write(0x11 + 2 * 4, (uint32_t)dest << 24);
	io_write(0x10 + 2 * 4, low);
}

/* A page directory for the 4th GiB: its 2 MiB page at 0xfec00000 maps the I/O APIC page (uncached). */
static uint64_t pd3[512] __attribute__((aligned(4096)));

static void map_ioapic_page(void)
{
	uint64_t cr3, *pml4, *pdpt;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & ~0xfffull);
	pdpt = (uint64_t *)(pml4[0] & ~0xfffull);
	pd3[(IOAPIC_PAGE >> 21) & 511] = (IOAPIC_PAGE & ~0x1fffffull) | 0x83 | 0x18;	/* PCD PWT */
	pdpt[3] = (uint64_t)pd3 | 3;
	__asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
}

volatile uint64_t irq_count;
extern char irq_entry[];

/* COM1's interrupt: counted, then EOI through the x2APIC MSR (the APIC stays in x2APIC mode from reset). */
__asm__(".text\n"
	"irq_entry:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	incq irq_count(%rip)\n"
	"	mov $0x80b, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	iretq\n");

/* One rising edge on COM1's line: THRE enabled with the transmitter empty; IER 0 drops it again. */
static void com1_edge(void)
{
	outb(COM1 + 1, 0x02);
	outb(COM1 + 1, 0x00);
}

/* n edges with interrupts on; returns how many interrupts came. */
static uint64_t edges(unsigned int n)
{
	uint64_t before = irq_count;

	__asm__ volatile("sti" ::: "memory");
	for (unsigned int i = 0; i < n; i++)
		com1_edge();
	for (volatile int i = 0; i < 1000; i++)
		;
	__asm__ volatile("cli" ::: "memory");
	return irq_count - before;
}

static void wild_registers(void)
{
	outb(COM1 + 1, 0);		/* COM1's line stays down: no entry the wild writes make can fire */
	if (io_read(1) != 0x00170011 || (io_read(0) >> 24) != 1)
		fail("I/O APIC version or id (1, after the one vCPU)");
	for (int i = 0; i < 3000; i++) {
		uint32_t off = (uint32_t)next_rand() & 0xffc, val = (uint32_t)next_rand();

		if (next_rand() & 1) {
			ioapic(0)[0] = (uint32_t)next_rand();
			ioapic(off)[0] = val;
		} else {
			(void)ioapic(off)[0];
		}
	}
	for (uint32_t reg = 0; reg < 0x100; reg++)
		(void)io_read(reg);
	for (unsigned int pin = 0; pin < 24; pin++) {
		io_write(0x10 + 2 * pin, 1u << 16);
		io_write(0x11 + 2 * pin, 0);
		if (io_read(0x10 + 2 * pin) != 1u << 16)
			fail("a redirection entry does not read back");
	}
	if (io_read(1) != 0x00170011 || io_read(0x40) != 0xffffffffu)
		fail("version changed, or a register past the pins exists");
	puts("ioapic-abuse: 3000 wild accesses across the page, version intact, entries reprogrammed\n");
}

static void bad_entries(void)
{
	static const struct { uint32_t low; uint8_t dest; } bad[] = {
		{ 0x05, 0 }, { 0x0e, 0 }, { 0x0f, 0 },			/* exception vectors */
		{ 2u << 8 | IRQ_VECTOR, 0 }, { 4u << 8 | IRQ_VECTOR, 0 },	/* SMI, NMI */
		{ 5u << 8 | IRQ_VECTOR, 0 }, { 7u << 8 | IRQ_VECTOR, 0 },	/* INIT, ExtINT */
		{ 3u << 8 | IRQ_VECTOR, 0 }, { 6u << 8 | IRQ_VECTOR, 0 },	/* reserved, startup */
		{ IRQ_VECTOR, 5 }, { IRQ_VECTOR, 0xfe },			/* physical: no such vCPU */
		{ 1u << 11 | IRQ_VECTOR, 0x02 },				/* logical: not vCPU 0's bit */
		{ 1u << 16 | IRQ_VECTOR, 0 },					/* masked */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		com1_entry(bad[i].low, bad[i].dest);
		if (edges(10))
			fail("an entry that must not deliver delivered");
	}
	puts("ioapic-abuse: vectors below 16, SMI, NMI, INIT, ExtINT, absent destinations, masked: nothing came\n");
	/* A masked pin whose line is up delivers once when unmasked; an edge while masked is not kept beyond that. */
	com1_entry(1u << 16 | IRQ_VECTOR, 0);
	outb(COM1 + 1, 0x02);
	__asm__ volatile("sti" ::: "memory");
	com1_entry(IRQ_VECTOR, 0);
	for (volatile int i = 0; i < 1000; i++)
		;
	__asm__ volatile("cli" ::: "memory");
	outb(COM1 + 1, 0);
	if (irq_count != 1)
		fail("unmasking a raised line did not deliver exactly once");
	com1_entry(1u << 11 | IRQ_VECTOR, 0x01);			/* logical, vCPU 0's bit */
	if (edges(1) != 1)
		fail("a logical destination naming vCPU 0");
	com1_entry(1u << 8 | IRQ_VECTOR, 0xff);				/* lowest priority, broadcast */
	if (edges(1) != 1)
		fail("lowest priority to all");
	puts("ioapic-abuse: unmasking a raised line, logical and lowest-priority entries delivered once each\n");
}

static void storm(void)
{
	uint64_t got;

	com1_entry(IRQ_VECTOR, 0);
	got = edges(STORM);
	if (got != STORM) {
		put_dec(got);
		fail(" interrupts for the storm's edges");
	}
	puts("ioapic-abuse: a storm of 2000 edges, 2000 interrupts taken\n");
}

void guest_main(void)
{
	idt_install();
	set_gate(IRQ_VECTOR, irq_entry);
	map_ioapic_page();
	if (wrmsr_safe(0x80f, 0x1ff))	/* SVR: the APIC software-enabled, or it accepts nothing */
		fail("x2APIC SVR");
	outb(COM1 + 4, 0x08);		/* OUT2: the PC's gate for COM1's interrupt */
	wild_registers();
	bad_entries();
	storm();
#if IOAPIC_ABUSE_END == 1
	puts("ioapic-abuse: a load across the I/O APIC page's end\n");
	(void)*(volatile uint32_t *)(IOAPIC_PAGE + 0xffe);
#elif IOAPIC_ABUSE_END == 3
	outb(0xcf9, 0x02);		/* hard-reset type without the reset bit */
	outb(0xcf9, 0x04);		/* the reset bit alone: a soft reset, not offered */
	if (inb(0xcf9) != 0)
		fail("the reset port reads back");
	puts("ioapic-abuse: reset port values without a full reset ignored, resetting\n");
	outb(0xcf9, 0x06);
#else
	outb(SLEEP_CTL, 0x20);		/* SLP_EN with S0's type */
	outb(SLEEP_CTL, 5u << 2);	/* S5's type without SLP_EN */
	outb(SLEEP_CTL, 7u << 2 | 0x20);
	outb(SLEEP_STS, 0xff);
	if (inb(SLEEP_STS) != 0)
		fail("the sleep status register shows a wake");
	puts("ioapic-abuse: wrong sleep values ignored, entering S5\n");
	outb(SLEEP_CTL, 5u << 2 | 0x20);
#endif
	fail("still running after the access that must end it");
}

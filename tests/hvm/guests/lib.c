/* SPDX-License-Identifier: MIT */
/* Runtime of the tiny HVM test guests: polled 16550 output, the exit port, counting #GP/#UD handlers. */
#include "hvm_guest.h"

#define COM1		0x3f8
#define LSR_THRE	0x20

volatile uint64_t gp_count, ud_count, skip_len = 2;

void puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & LSR_THRE))
			;
		outb(COM1, (uint8_t)*s);
	}
}

void put_hex(uint64_t v)
{
	char buf[19] = "0x";

	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	buf[18] = 0;
	puts(buf);
}

void put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts(buf + i);
}

void guest_exit(uint32_t code)
{
	outl(HVM_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void fail(const char *what)
{
	puts("FAIL: ");
	puts(what);
	puts("\n");
	guest_exit(0x10);
}

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char gp_entry[], ud_entry[];

/* Both handlers bump their count and return past the instruction (skip_len bytes long). */
__asm__(".text\n"
	"gp_entry:\n"
	"	add $8, %rsp\n"			/* the error code */
	"	incq gp_count(%rip)\n"
	"	push %rax\n"
	"	mov skip_len(%rip), %rax\n"
	"	add %rax, 8(%rsp)\n"
	"	pop %rax\n"
	"	iretq\n"
	"ud_entry:\n"
	"	incq ud_count(%rip)\n"
	"	push %rax\n"
	"	mov skip_len(%rip), %rax\n"
	"	add %rax, 8(%rsp)\n"
	"	pop %rax\n"
	"	iretq\n");

void set_gate(unsigned int v, void *fn)
{
	uint64_t a = (uint64_t)fn;

	idt[v] = (struct idt_gate){ (uint16_t)a, 0x18, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

void idt_install(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uint64_t)idt };

	set_gate(6, ud_entry);
	set_gate(13, gp_entry);
	__asm__ volatile("lidt %0" :: "m"(d));
}

uint64_t rdmsr_safe(uint32_t msr, bool *faulted)
{
	uint64_t before = gp_count;
	uint32_t lo = 0, hi = 0;

	skip_len = 2;
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
	*faulted = gp_count != before;
	return (uint64_t)hi << 32 | lo;
}

bool wrmsr_safe(uint32_t msr, uint64_t val)
{
	uint64_t before = gp_count;

	skip_len = 2;
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	return gp_count != before;
}

/* SPDX-License-Identifier: MIT */
/* The tiny HVM test guests' runtime: COM1 output, port and MSR access, CPUID, the exit port, a small IDT. */
#ifndef HVM_GUEST_H
#define HVM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#define HVM_EXIT_PORT	0x501

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

void puts(const char *s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
/* 0 poweroff, anything else reports a failure (the domain crashes). */
void __attribute__((noreturn)) guest_exit(uint32_t code);
/* A check that failed: its line, then a failure on the exit port. */
void __attribute__((noreturn)) fail(const char *what);

/* An IDT whose #UD and #GP handlers count the fault and skip the faulting instruction (skip bytes). */
extern volatile uint64_t gp_count, ud_count;
extern volatile uint64_t skip_len;
void idt_install(void);
void set_gate(unsigned int vector, void *handler);
uint64_t rdmsr_safe(uint32_t msr, bool *faulted);
bool wrmsr_safe(uint32_t msr, uint64_t val);	/* true if it faulted */

void guest_main(void);

#endif

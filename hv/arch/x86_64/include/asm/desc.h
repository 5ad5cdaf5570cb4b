/* SPDX-License-Identifier: MIT */
/* GDT, TSS and IDT: per-CPU descriptor tables and the interrupt vectors the hypervisor uses. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <hv/types.h>

#define VEC_NMI		2
#define VEC_DF		8
#define VEC_PF		14
#define VEC_MC		18
#define VEC_INT80	0x80
#define VEC_TIMER	0xf0
#define VEC_IPI		0xf1
#define VEC_APIC_ERROR	0xfe
#define VEC_SPURIOUS	0xff

#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct percpu;

void idt_init(void);
/* Builds this CPU's GDT and TSS (its stack block must be set) and loads GDT, IDT and TR. */
void cpu_tables_init(struct percpu *pc);

#endif

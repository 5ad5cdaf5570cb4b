/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC's register file: IOREGSEL picks a register, IOWIN reads or
 * writes it. The guest writes both, so the index is bounded and every field
 * of a redirection entry is checked before it can become an interrupt:
 * only fixed and lowest-priority delivery of vectors 16-255 reaches an
 * APIC (SMI, NMI, INIT and ExtINT are refused, as is a vector a real APIC
 * would flag illegal). Every pin is edge-triggered here: no device model
 * holds a level line, so remote IRR never sets.
 */
#include "vioapic.h"

#define REG_ID			0x00
#define REG_VERSION		0x01
#define REG_ARB			0x02
#define REG_REDIR0		0x10
#define OFF_IOREGSEL		0x00
#define OFF_IOWIN		0x10

#define RTE_VECTOR		0xffULL
#define RTE_MODE_SHIFT		8
#define RTE_MODE_FIXED		0
#define RTE_MODE_LOWEST		1
#define RTE_LOGICAL		(1ULL << 11)
#define RTE_MASKED		(1ULL << 16)
/* Vector, mode, destination mode, polarity, trigger, mask, destination; delivery status, remote IRR read-only. */
#define RTE_WRITABLE		(0xffULL | 7ULL << 8 | 1ULL << 11 | 1ULL << 13 | 1ULL << 15 | RTE_MASKED | 0xffULL << 56)

void vioapic_reset(struct vioapic *io, uint8_t id)
{
	*io = (struct vioapic){ .id = (uint32_t)(id & 0xf) << 24 };
	for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

uint32_t vioapic_read(struct vioapic *io, uint32_t off)
{
	uint32_t reg = io->ioregsel, pin;

	if (off == OFF_IOREGSEL)
		return io->ioregsel;
	if (off != OFF_IOWIN)
		return 0;
	switch (reg) {
	case REG_ID:
		return io->id;
	case REG_VERSION:
		return (VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION;
	case REG_ARB:
		return io->id;
	default:
		if (reg < REG_REDIR0 || reg >= REG_REDIR0 + 2 * VIOAPIC_PINS)
			return 0xffffffffu;	/* no register there: the bus floats */
		pin = (reg - REG_REDIR0) / 2;
		return (uint32_t)(io->redir[pin] >> (reg & 1 ? 32 : 0));
	}
}

/* The interrupt pin's entry asks for, or false when its mode or vector cannot be delivered. */
static bool entry_irq(struct vioapic *io, unsigned int pin, struct vioapic_irq *irq)
{
	uint64_t e = io->redir[pin];
	unsigned int mode = (e >> RTE_MODE_SHIFT) & 7, vec = e & RTE_VECTOR;

	if ((mode != RTE_MODE_FIXED && mode != RTE_MODE_LOWEST) || vec < 16) {
		io->refused++;
		return false;
	}
	*irq = (struct vioapic_irq){ .vector = (uint8_t)vec, .dest = (uint8_t)(e >> 56), .logical = e & RTE_LOGICAL,
				    .lowest = mode == RTE_MODE_LOWEST };
	io->delivered++;
	return true;
}

bool vioapic_write(struct vioapic *io, uint32_t off, uint32_t val, struct vioapic_irq *irq)
{
	uint32_t reg = io->ioregsel;
	unsigned int pin;
	uint64_t old, e;

	if (off == OFF_IOREGSEL) {
		io->ioregsel = val & 0xff;
		return false;
	}
	if (off != OFF_IOWIN)
		return false;
	if (reg == REG_ID) {
		io->id = val & 0x0f000000u;
		return false;
	}
	if (reg < REG_REDIR0 || reg >= REG_REDIR0 + 2 * VIOAPIC_PINS)
		return false;		/* version, arbitration and the void past the pins are read-only */
	pin = (reg - REG_REDIR0) / 2;
	old = io->redir[pin];
	e = reg & 1 ? (old & 0xffffffffULL) | (uint64_t)val << 32 : (old & ~0xffffffffULL) | val;
	io->redir[pin] = e & RTE_WRITABLE;
	if ((old & RTE_MASKED) && !(e & RTE_MASKED) && (io->level & (1u << pin)))
		return entry_irq(io, pin, irq);
	return false;
}

bool vioapic_set_level(struct vioapic *io, unsigned int pin, bool level, struct vioapic_irq *irq)
{
	uint32_t bit;
	bool rising;

	if (pin >= VIOAPIC_PINS)
		return false;
	bit = 1u << pin;
	rising = level && !(io->level & bit);
	io->level = level ? io->level | bit : io->level & ~bit;
	if (!rising || (io->redir[pin] & RTE_MASKED))
		return false;
	return entry_irq(io, pin, irq);
}

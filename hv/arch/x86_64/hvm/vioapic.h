/* SPDX-License-Identifier: MIT */
/* An I/O APIC (its page at HVM_IOAPIC_BASE), pure and host-tested: ports.c locks it and delivers what it answers. */
#ifndef HVM_VIOAPIC_H
#define HVM_VIOAPIC_H

#include <hv/types.h>

#define VIOAPIC_PINS		24
#define VIOAPIC_VERSION		0x11	/* an 82093AA: no EOI register, Linux acknowledges level pins by masking */

/* An interrupt for the local APICs: a fixed or lowest-priority vector to a physical or logical 8-bit destination. */
struct vioapic_irq {
	uint8_t vector, dest;
	bool logical, lowest;
};

struct vioapic {
	uint32_t ioregsel, id;
	uint64_t redir[VIOAPIC_PINS];
	uint32_t level;			/* pins asserted now, one bit each */
	uint64_t delivered, refused;	/* edges sent to the APICs; edges an entry's vector or mode did not allow */
};

/* Every pin masked, the id given (after the vCPUs' APIC ids, as the MADT says). */
void vioapic_reset(struct vioapic *io, uint8_t id);
/* A 32-bit access at offset off of the page (IOREGSEL 0x00, IOWIN 0x10); other offsets read 0 and drop writes. */
uint32_t vioapic_read(struct vioapic *io, uint32_t off);
/* true with *irq when the write unmasked a pin whose line is up: it is delivered then, so no edge is lost. */
bool vioapic_write(struct vioapic *io, uint32_t off, uint32_t val, struct vioapic_irq *irq);
/* A device's line: true with *irq on a rising edge that an unmasked entry turns into an interrupt. */
bool vioapic_set_level(struct vioapic *io, unsigned int pin, bool level, struct vioapic_irq *irq);

#endif

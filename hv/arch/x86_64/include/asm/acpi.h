/* SPDX-License-Identifier: MIT */
/* The little of ACPI the hypervisor reads: the MADT's CPU list and the FADT's power-off register. */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <hv/types.h>

struct acpi_info {
	paddr_t lapic_pa;
	unsigned int nr_lapics;
	uint32_t *lapic_ids;		/* nr_lapics entries, heap-allocated, enabled CPUs only */
	uint16_t pm1a_cnt;		/* 0: no ACPI power-off */
	uint16_t slp_typ_s5;
	bool have_s5;
};

extern struct acpi_info acpi;

/* Returns 0, or -1 when there is no usable RSDP (then one CPU and no ACPI power-off). */
int acpi_init(void);

#endif

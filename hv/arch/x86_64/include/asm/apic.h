/* SPDX-License-Identifier: MIT */
/* Local APIC: timer, IPIs and end-of-interrupt. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <hv/types.h>

void apic_init_bsp(paddr_t base_pa);
void apic_init_cpu(void);
uint32_t apic_id(void);
void apic_eoi(void);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_nmi_allbutself(void);
int apic_send_init_sipi(uint32_t apic_id, uint8_t sipi_page);

/* Calibrated against the TSC on the boot CPU; each CPU then arms its timer for its nearest timer (hv/timer.h). */
void apic_timer_calibrate(void);
void apic_timer_start(uint64_t tick_ns);
bool apic_timer_tsc_deadline(void);
uint64_t apic_timer_khz(void);
void apic_timer_interrupt(void);

#endif

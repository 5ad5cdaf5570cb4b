/* SPDX-License-Identifier: MIT */
/* Stopping the machine: QEMU's isa-debug-exit with a status first, then ACPI S5, then halt. */
#ifndef ASM_POWER_H
#define ASM_POWER_H

#include <hv/types.h>

/* QEMU exits with (code << 1) | 1: 33, 35, 37. */
#define HV_EXIT_OK	0x10
#define HV_EXIT_FAIL	0x11
#define HV_EXIT_CRASH	0x12

void __noreturn hv_exit(uint8_t code);

#endif

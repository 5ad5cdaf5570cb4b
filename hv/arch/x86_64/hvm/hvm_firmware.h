/* SPDX-License-Identifier: MIT */
/* What an HVM guest's firmware would leave in memory, built by the hypervisor: the E820 map and the ACPI tables. */
#ifndef HVM_FIRMWARE_H
#define HVM_FIRMWARE_H

#include <hv/types.h>

#define E820_RAM		1
#define E820_RESERVED		2

struct hvm_e820 {
	uint64_t addr, size;
	uint32_t type;
};

/* The ACPI tables live in the BIOS area below 1 MiB, where Linux also scans for the RSDP. */
#define HVM_ACPI_BASE		0xe0000u
#define HVM_ACPI_SIZE		0x2000u
#define HVM_LAPIC_BASE		0xfee00000u
/* ACPI's hardware-reduced sleep registers (one byte each, I/O space): SLP_TYP 5 with SLP_EN is a poweroff. */
#define HVM_ACPI_SLEEP_CTL	0x0514
#define HVM_ACPI_SLEEP_STS	0x0515
#define HVM_ACPI_SLP_TYP_S5	5
/* ACPI's reset register: the PC's reset control port, RESET_VALUE resets the CPU (a reboot of the domain). */
#define HVM_ACPI_RESET_PORT	0x0cf9
#define HVM_ACPI_RESET_VALUE	0x06
/* The I/O APIC (vioapic.h has its registers) and the one ISA device the DSDT describes on it. */
#define HVM_IOAPIC_BASE		0xfec00000u
/* At most this many vCPUs get a MADT entry (xAPIC ids are 8 bits; 255 is broadcast). */
#define HVM_ACPI_MAX_CPUS	128

/* The map for mem bytes of RAM: low RAM, the BIOS hole with the tables, RAM from 1 MiB. Returns the count (3), or 0. */
unsigned int hvm_e820_build(uint64_t mem, struct hvm_e820 *map, unsigned int max);
/*
 * RSDP, XSDT, FADT (hardware-reduced, with the sleep registers), a DSDT
 * with \_S5 and COM1 (PNP0501 at 0x3f8, IRQ 4), and a MADT with a local
 * APIC per vCPU and one I/O APIC (id nr_vcpus, GSIs 0-23) into buf
 * (HVM_ACPI_SIZE bytes, loaded at HVM_ACPI_BASE). No legacy PIC: Linux then
 * needs none, nor the PIT. Returns the bytes used, 0 if nr_vcpus is 0 or
 * above HVM_ACPI_MAX_CPUS.
 */
size_t hvm_acpi_build(uint8_t *buf, size_t len, unsigned int nr_vcpus);

#endif

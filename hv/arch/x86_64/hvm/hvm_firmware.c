/* SPDX-License-Identifier: MIT */
/* The E820 map and the ACPI tables of an HVM guest (no hardware touched: host unit tests build them too). */
#include <hv/lib.h>

#include "hvm_firmware.h"

#define LOW_RAM_END		0xa0000u
#define HIGH_RAM_START		0x100000u

unsigned int hvm_e820_build(uint64_t mem, struct hvm_e820 *map, unsigned int max)
{
	if (max < 3 || mem <= HIGH_RAM_START)
		return 0;
	map[0] = (struct hvm_e820){ 0, LOW_RAM_END, E820_RAM };
	/* VGA hole and BIOS area: the ACPI tables sit here, so Linux must not take it as RAM. */
	map[1] = (struct hvm_e820){ HVM_ACPI_BASE, HIGH_RAM_START - HVM_ACPI_BASE, E820_RESERVED };
	map[2] = (struct hvm_e820){ HIGH_RAM_START, mem - HIGH_RAM_START, E820_RAM };
	return 3;
}

/* Offsets of each table inside the block (ACPI wants 16-byte alignment only for the RSDP). */
#define OFF_RSDP		0x000
#define OFF_XSDT		0x040
#define OFF_FADT		0x080
#define OFF_MADT		0x240	/* up to 0x678 with 128 vCPUs */
#define OFF_DSDT		0x800

#define HDR_LEN			36
#define RSDP_LEN		36
#define FADT_LEN		276	/* ACPI 6.0 */
#define FADT_REVISION		6
#define FADT_HW_REDUCED		(1u << 20)
#define FADT_BOOT_NO_VGA	(1u << 2)
#define FADT_BOOT_NO_MSI	(1u << 3)
#define MADT_LAPIC		0
#define MADT_LAPIC_LEN		8
#define MADT_LAPIC_ENABLED	1u
#define MADT_IOAPIC		1
#define MADT_IOAPIC_LEN		12
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_SLEEP_CONTROL	244	/* generic address structures, ACPI 5.0 and later */
#define FADT_SLEEP_STATUS	256
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

/*
 * The DSDT's AML, assembled by hand (ACPI 6, section 20):
 *   Name (\_S5, Package (4) { 5, 5, 0, 0 })       the SLP_TYP values of S5
 *   Device (\_SB.COM1) {
 *     Name (_HID, EisaId ("PNP0501"))  Name (_UID, 1)
 *     Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3f8, 0x3f8, 8, 8)  IRQNoFlags () { 4 } })
 *   }
 * Linux's ACPI PNP then registers ttyS0 with GSI 4 through the I/O APIC.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,		/* NameOp, PackageOp, PkgLength 8, 4 elements */
	0x0a, HVM_ACPI_SLP_TYP_S5, 0x0a, HVM_ACPI_SLP_TYP_S5, 0x00, 0x00,
	0x5b, 0x82, 0x31,					/* DeviceOp, PkgLength 49 */
	0x5c, 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1',	/* \ DualNamePrefix _SB_ COM1 */
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,	/* DWordPrefix: EISA id PNP0501 */
	0x08, '_', 'U', 'I', 'D', 0x01,				/* OneOp */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,	/* BufferOp, PkgLength 16, 13 bytes */
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x08, 0x08,		/* I/O port descriptor */
	0x22, 0x10, 0x00,					/* IRQ descriptor: IRQ 4 */
	0x79, 0x00,						/* end tag */
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* The byte that makes the sum of len bytes zero. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "SKIFF ", 6);
	memcpy(t + 16, "SKIFFHVM", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "SKIF", 4);
	put32(t + 32, 1);
}

static void seal(uint8_t *t)
{
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = checksum(t, len);
}

/* A generic address structure for a one-byte I/O port. */
static void gas_io8(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;			/* register width in bits */
	g[2] = 0;			/* bit offset */
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

static void build_fadt(uint8_t *t)
{
	header(t, "FACP", FADT_LEN, FADT_REVISION);
	put32(t + 40, HVM_ACPI_BASE + OFF_DSDT);		/* DSDT */
	put16(t + 109, FADT_BOOT_NO_VGA | FADT_BOOT_NO_MSI);	/* IA-PC boot architecture flags */
	/* Hardware-reduced: no PM timer, SCI, PM1 blocks or GPEs to emulate, and Linux drops the 8259 and PIT. */
	put32(t + 112, FADT_HW_REDUCED | FADT_RESET_REG_SUP);
	gas_io8(t + FADT_RESET_REG, HVM_ACPI_RESET_PORT);
	t[FADT_RESET_VALUE] = HVM_ACPI_RESET_VALUE;
	gas_io8(t + FADT_SLEEP_CONTROL, HVM_ACPI_SLEEP_CTL);
	gas_io8(t + FADT_SLEEP_STATUS, HVM_ACPI_SLEEP_STS);
	t[131] = 0;						/* FADT minor version */
	put64(t + 140, HVM_ACPI_BASE + OFF_DSDT);		/* X_DSDT */
	seal(t);
}

static uint32_t build_madt(uint8_t *t, unsigned int nr_vcpus)
{
	uint32_t len = HDR_LEN + 8 + nr_vcpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN;
	uint8_t *io = t + HDR_LEN + 8 + nr_vcpus * MADT_LAPIC_LEN;

	header(t, "APIC", len, 3);
	put32(t + 36, HVM_LAPIC_BASE);
	put32(t + 40, 0);	/* no PCAT_COMPAT: there are no 8259s to mask */
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		uint8_t *e = t + HDR_LEN + 8 + i * MADT_LAPIC_LEN;

		e[0] = MADT_LAPIC;
		e[1] = MADT_LAPIC_LEN;
		e[2] = (uint8_t)i;	/* ACPI processor UID */
		e[3] = (uint8_t)i;	/* APIC id = vCPU id, as CPUID leaf 1 says */
		put32(e + 4, MADT_LAPIC_ENABLED);
	}
	io[0] = MADT_IOAPIC;
	io[1] = MADT_IOAPIC_LEN;
	io[2] = (uint8_t)nr_vcpus;	/* after the CPUs' APIC ids */
	put32(io + 4, HVM_IOAPIC_BASE);
	put32(io + 8, 0);		/* its pins are GSIs 0-23, ISA IRQs identity-mapped */
	seal(t);
	return len;
}

size_t hvm_acpi_build(uint8_t *buf, size_t len, unsigned int nr_vcpus)
{
	uint8_t *rsdp = buf + OFF_RSDP, *xsdt = buf + OFF_XSDT;

	if (!nr_vcpus || nr_vcpus > HVM_ACPI_MAX_CPUS || len < HVM_ACPI_SIZE)
		return 0;
	memset(buf, 0, HVM_ACPI_SIZE);
	build_fadt(buf + OFF_FADT);
	header(buf + OFF_DSDT, "DSDT", HDR_LEN + sizeof(dsdt_aml), 2);
	memcpy(buf + OFF_DSDT + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	seal(buf + OFF_DSDT);
	build_madt(buf + OFF_MADT, nr_vcpus);

	header(xsdt, "XSDT", HDR_LEN + 2 * 8, 1);
	put64(xsdt + HDR_LEN, HVM_ACPI_BASE + OFF_FADT);
	put64(xsdt + HDR_LEN + 8, HVM_ACPI_BASE + OFF_MADT);
	seal(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "SKIFF ", 6);
	rsdp[15] = 2;				/* ACPI 2.0+: the XSDT is used */
	put32(rsdp + 20, RSDP_LEN);
	put64(rsdp + 24, HVM_ACPI_BASE + OFF_XSDT);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, RSDP_LEN);
	return OFF_DSDT + HDR_LEN + sizeof(dsdt_aml);
}

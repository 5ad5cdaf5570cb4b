/* SPDX-License-Identifier: MIT */
/* ACPI table discovery: RSDP in the BIOS areas, then the MADT (CPUs) and FADT/DSDT (S5 power-off). */
#include <asm/acpi.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
} __packed;

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_rev;
	uint32_t creator;
	uint32_t creator_rev;
} __packed;

struct acpi_info acpi;

/* Firmware tables live in the low 4 GiB, which the direct map always covers. */
static const void *phys(paddr_t pa)
{
	return paddr_to_virt(pa);
}

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_rsdp *scan_rsdp(paddr_t start, size_t len)
{
	for (size_t off = 0; off + sizeof(struct acpi_rsdp) <= len; off += 16) {
		const struct acpi_rsdp *r = phys(start + off);

		if (memcmp(r->sig, "RSD PTR ", 8) == 0 && checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct acpi_header *table_at(paddr_t pa, const char *sig)
{
	const struct acpi_header *h = phys(pa);

	if (pa == 0 || pa >= (1ULL << 32) || memcmp(h->sig, sig, 4) != 0)
		return NULL;
	if (h->length < sizeof(*h) || h->length > (1u << 20) || !checksum_ok(h, h->length)) {
		log_warn("acpi: %.4s table at %lx fails its checksum; ignored", sig, pa);
		return NULL;
	}
	return h;
}

static const struct acpi_header *find_table(const struct acpi_rsdp *rsdp, const char *sig)
{
	bool x = rsdp->revision >= 2 && rsdp->xsdt;
	const struct acpi_header *root = x ? phys(rsdp->xsdt) : phys(rsdp->rsdt);
	size_t width = x ? 8 : 4, n;

	if (!checksum_ok(root, root->length))
		return NULL;
	n = (root->length - sizeof(*root)) / width;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * width;
		uint64_t pa = 0;
		const struct acpi_header *t;

		memcpy(&pa, e, width);
		t = table_at(pa, sig);
		if (t)
			return t;
	}
	return NULL;
}

static void parse_madt(const struct acpi_header *madt)
{
	const uint8_t *p = (const uint8_t *)madt + 44, *end = (const uint8_t *)madt + madt->length;
	unsigned int n = 0;
	uint32_t lapic32;

	memcpy(&lapic32, (const uint8_t *)madt + 36, 4);
	acpi.lapic_pa = lapic32;
	/* Two passes: count, then fill; the table can list any number of CPUs. */
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (const uint8_t *e = p; e + 2 <= end && e[1] >= 2 && e + e[1] <= end; e += e[1]) {
			uint32_t flags, id;

			if (e[0] == 0 && e[1] >= 8) {		/* processor local APIC */
				memcpy(&flags, e + 4, 4);
				id = e[3];
			} else if (e[0] == 9 && e[1] >= 16) {	/* processor local x2APIC */
				memcpy(&flags, e + 8, 4);
				memcpy(&id, e + 4, 4);
			} else {
				if (e[0] == 5 && e[1] >= 12)	/* 64-bit local APIC address override */
					memcpy(&acpi.lapic_pa, e + 4, 8);
				continue;
			}
			if (!(flags & 1))
				continue;	/* disabled; hot-plug is not supported */
			if (pass == 1)
				acpi.lapic_ids[n] = id;
			n++;
		}
		if (pass == 0) {
			acpi.lapic_ids = hv_alloc(MAX(n, 1u) * sizeof(uint32_t));
			if (!acpi.lapic_ids)
				panic("acpi: no memory for %u CPU entries", n);
		}
	}
	acpi.nr_lapics = n;
}

/* Finds \_S5's SLP_TYPa in the DSDT's AML: Name(_S5_, Package(){a, b, ...}). */
static void parse_s5(const struct acpi_header *dsdt)
{
	const uint8_t *aml = (const uint8_t *)dsdt;

	for (uint32_t i = sizeof(*dsdt); i + 10 < dsdt->length; i++) {
		const uint8_t *q;

		if (memcmp(aml + i, "_S5_", 4) != 0 || aml[i + 4] != 0x12)
			continue;
		q = aml + i + 5;
		q += ((*q & 0xc0) >> 6) + 1;	/* PkgLength: lead byte plus extra bytes */
		q++;				/* NumElements */
		if (*q == 0x0a)			/* BytePrefix */
			q++;
		if (*q > 7)
			return;
		acpi.slp_typ_s5 = *q;
		acpi.have_s5 = true;
		return;
	}
}

static void parse_fadt(const struct acpi_header *fadt)
{
	const uint8_t *f = (const uint8_t *)fadt;
	uint32_t pm1a, dsdt32;
	const struct acpi_header *dsdt;

	memcpy(&dsdt32, f + 40, 4);
	memcpy(&pm1a, f + 64, 4);
	acpi.pm1a_cnt = (uint16_t)pm1a;
	dsdt = table_at(dsdt32, "DSDT");
	if (dsdt)
		parse_s5(dsdt);
}

int acpi_init(void)
{
	const struct acpi_rsdp *rsdp;
	const struct acpi_header *t;
	uint16_t ebda_seg = *(const uint16_t *)phys(0x40e);

	rsdp = scan_rsdp((paddr_t)ebda_seg << 4, 1024);
	if (!rsdp)
		rsdp = scan_rsdp(0xe0000, 0x20000);
	if (!rsdp) {
		log_warn("acpi: no RSDP; assuming one CPU and no ACPI power-off");
		return -1;
	}
	t = find_table(rsdp, "APIC");
	if (t)
		parse_madt(t);
	t = find_table(rsdp, "FACP");
	if (t)
		parse_fadt(t);
	log_info("acpi: RSDP rev %u, %u CPUs in the MADT, LAPIC at %lx, S5 %s", rsdp->revision,
		 acpi.nr_lapics, acpi.lapic_pa, acpi.have_s5 ? "found" : "not found");
	return 0;
}

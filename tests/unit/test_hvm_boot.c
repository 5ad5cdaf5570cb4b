/* SPDX-License-Identifier: MIT */
/* Unit tests of what a directly booted HVM Linux needs: the MMIO decoder, the ACPI tables and E820 map, the bzImage header, the RTC. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <pvabi/errno.h>

#include "cmos_rtc.h"
#include "hvm_firmware.h"
#include "linux_boot.h"
#include "mmio_decode.h"

static bool dec(const char *bytes, unsigned int n, bool lm, struct mmio_insn *mi)
{
	return mmio_decode((const uint8_t *)bytes, n, lm, mi);
}

START_TEST(decode_linux_forms)
{
	struct mmio_insn mi;

	/* mov %eax,0xffffffffff5fd0b0 (absolute disp32 through a SIB without base): Linux's native_apic_mem_write. */
	ck_assert(dec("\x89\x04\x25\xb0\xd0\x5f\xff", 7, true, &mi));
	ck_assert_uint_eq(mi.len, 7);
	ck_assert(mi.write);
	ck_assert_int_eq(mi.reg, 0);
	/* mov 0xffffffffff5fd020,%r12d: REX.R. */
	ck_assert(dec("\x44\x8b\x24\x25\x20\xd0\x5f\xff", 8, true, &mi));
	ck_assert_uint_eq(mi.len, 8);
	ck_assert(!mi.write);
	ck_assert_int_eq(mi.reg, 12);
	/* mov %esi,0x300(%rdx) (disp32), mov 0x20(%rax),%ecx (disp8), mov %edi,(%rbx). */
	ck_assert(dec("\x89\xb2\x00\x03\x00\x00", 6, true, &mi));
	ck_assert_uint_eq(mi.len, 6);
	ck_assert_int_eq(mi.reg, 6);
	ck_assert(dec("\x8b\x48\x20", 3, true, &mi));
	ck_assert_uint_eq(mi.len, 3);
	ck_assert_int_eq(mi.reg, 1);
	ck_assert(dec("\x89\x3b", 2, true, &mi));
	ck_assert_uint_eq(mi.len, 2);
	ck_assert_int_eq(mi.reg, 7);
	/* movl $0x1ff,0xf0(%rax): the immediate form. */
	ck_assert(dec("\xc7\x80\xf0\x00\x00\x00\xff\x01\x00\x00", 10, true, &mi));
	ck_assert_uint_eq(mi.len, 10);
	ck_assert(mi.write);
	ck_assert_int_eq(mi.reg, MMIO_REG_IMM);
	ck_assert_uint_eq(mi.imm, 0x1ff);
	/* RIP-relative, and a segment prefix. */
	ck_assert(dec("\x8b\x05\x10\x00\x00\x00", 6, true, &mi));
	ck_assert_uint_eq(mi.len, 6);
	ck_assert(dec("\x65\x89\x01", 3, true, &mi));
	ck_assert_uint_eq(mi.len, 3);
	/* SIB with base and index, disp8: mov %eax,0x10(%rax,%rcx,4). */
	ck_assert(dec("\x89\x44\x88\x10", 4, true, &mi));
	ck_assert_uint_eq(mi.len, 4);
	/* mov %edi,0xfee00000(%ecx): addr32 in 64-bit code, as gcc emits for a 32-bit offset. */
	ck_assert(dec("\x67\x89\xb9\x00\x00\xe0\xfe", 7, true, &mi));
	ck_assert(mi.len == 7 && mi.write && mi.reg == 7);
	/* movabs 0xfee00030,%eax and its store: what a compiler makes of a constant pointer above 2 GiB. */
	ck_assert(dec("\xa1\x30\0\xe0\xfe\0\0\0\0", 9, true, &mi));
	ck_assert(mi.len == 9 && !mi.write && mi.reg == 0);
	ck_assert(dec("\xa3\x30\0\xe0\xfe", 5, false, &mi));	/* 32-bit code: a 4-byte address */
	ck_assert(mi.len == 5 && mi.write && mi.reg == 0);
	/* 64-bit code with 0x67: the address is 4 bytes (6 in all), not 8. */
	ck_assert(dec("\x67\xa1\x30\0\xe0\xfe\x90\x90\x90\x90", 10, true, &mi));
	ck_assert_uint_eq(mi.len, 6);
	/* 32-bit code: 0x41 is not a REX prefix there, so this is not a MOV. */
	ck_assert(!dec("\x41\x89\x01", 3, false, &mi));
	ck_assert(dec("\x89\x01", 2, false, &mi));
}
END_TEST

START_TEST(decode_refuses)
{
	struct mmio_insn mi;
	uint8_t junk[MMIO_INSN_MAX];

	ck_assert(!dec("\x48\x89\x01", 3, true, &mi));		/* REX.W: 64-bit */
	ck_assert(!dec("\x66\x89\x01", 3, true, &mi));		/* operand size: 16-bit */
	ck_assert(!dec("\x67\x89\x01", 3, false, &mi));		/* address size in 32-bit code: 16-bit ModRM */
	ck_assert(!dec("\x89\xc1", 2, true, &mi));		/* register operand */
	ck_assert(!dec("\xc7\x08\x01\x00\x00\x00", 6, true, &mi));	/* C7 /1 */
	ck_assert(!dec("\x87\x01", 2, true, &mi));		/* xchg */
	ck_assert(!dec("\x0f\x0b", 2, true, &mi));		/* ud2 */
	ck_assert(!dec("\x48\xa1\0\0\xe0\xfe\0\0\0\0", 10, true, &mi));	/* REX.W moffs: 64-bit */
	for (unsigned int n = 0; n < 9; n++)
		ck_assert(!dec("\xa3\0\0\xe0\xfe\0\0\0\0", n, true, &mi));
	/* Truncated at every length: a fetch that stopped at an unmapped page. */
	for (unsigned int n = 0; n < 7; n++)
		ck_assert(!dec("\x89\x04\x25\xb0\xd0\x5f\xff", n, true, &mi));
	for (unsigned int n = 0; n < 10; n++)
		ck_assert(!dec("\xc7\x80\xf0\x00\x00\x00\xff\x01\x00\x00", n, true, &mi));
	/* Fifteen prefixes and nothing else; then random bytes never read past the buffer (ASan would say). */
	memset(junk, 0x65, sizeof(junk));
	ck_assert(!mmio_decode(junk, sizeof(junk), true, &mi));
	srand(7);
	for (int i = 0; i < 200000; i++) {
		unsigned int n = (unsigned int)rand() % (MMIO_INSN_MAX + 1);
		uint8_t *b = malloc(n ? n : 1);

		for (unsigned int k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (mmio_decode(b, n, rand() & 1, &mi))
			ck_assert_uint_le(mi.len, n);
		free(b);
	}
}
END_TEST

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* The table at guest-physical gpa inside the block: its signature and checksum checked. */
static const uint8_t *table_at(const uint8_t *buf, uint64_t gpa, const char *sig)
{
	const uint8_t *t;

	ck_assert_uint_ge(gpa, HVM_ACPI_BASE);
	ck_assert_uint_lt(gpa, HVM_ACPI_BASE + HVM_ACPI_SIZE - 36);
	t = buf + (gpa - HVM_ACPI_BASE);
	ck_assert_mem_eq(t, sig, 4);
	ck_assert_uint_le(gpa - HVM_ACPI_BASE + rd32(t + 4), HVM_ACPI_SIZE);
	ck_assert_uint_eq(sum(t, rd32(t + 4)), 0);
	return t;
}

START_TEST(acpi_tables)
{
	uint8_t *buf = malloc(HVM_ACPI_SIZE);
	const uint8_t *xsdt, *fadt, *madt, *dsdt;

	ck_assert_uint_eq(hvm_acpi_build(buf, HVM_ACPI_SIZE, 0), 0);
	ck_assert_uint_eq(hvm_acpi_build(buf, HVM_ACPI_SIZE, HVM_ACPI_MAX_CPUS + 1), 0);
	ck_assert_uint_eq(hvm_acpi_build(buf, HVM_ACPI_SIZE - 1, 1), 0);
	for (unsigned int n = 1; n <= HVM_ACPI_MAX_CPUS; n += 127) {
		ck_assert_uint_gt(hvm_acpi_build(buf, HVM_ACPI_SIZE, n), 0);
		ck_assert_mem_eq(buf, "RSD PTR ", 8);
		ck_assert_uint_eq(sum(buf, 20), 0);
		ck_assert_uint_eq(sum(buf, 36), 0);
		ck_assert_uint_eq(buf[15], 2);
		xsdt = table_at(buf, rd64(buf + 24), "XSDT");
		ck_assert_uint_eq(rd32(xsdt + 4), 36 + 16);
		fadt = table_at(buf, rd64(xsdt + 36), "FACP");
		ck_assert_uint_eq(rd32(fadt + 4), 276);
		ck_assert(rd32(fadt + 112) & (1u << 20));	/* hardware-reduced */
		ck_assert_uint_eq(rd64(fadt + 140), rd32(fadt + 40));
		/* The sleep registers: one byte each in I/O space, where ports.c decodes them. */
		ck_assert_uint_eq(fadt[244], 1);
		ck_assert_uint_eq(fadt[245], 8);
		ck_assert_uint_eq(rd64(fadt + 248), HVM_ACPI_SLEEP_CTL);
		ck_assert_uint_eq(fadt[256], 1);
		ck_assert_uint_eq(rd64(fadt + 260), HVM_ACPI_SLEEP_STS);
		ck_assert(rd32(fadt + 112) & (1u << 10));	/* RESET_REG_SUP */
		ck_assert_uint_eq(fadt[116], 1);
		ck_assert_uint_eq(rd64(fadt + 120), 0xcf9);
		ck_assert_uint_eq(fadt[128], 6);
		dsdt = table_at(buf, rd64(fadt + 140), "DSDT");
		/* \_S5 with SLP_TYP 5, and COM1's PNP0501 with IRQ 4 (its IRQ descriptor's mask has bit 4). */
		ck_assert_ptr_nonnull(memmem(dsdt + 36, rd32(dsdt + 4) - 36, "\x08_S5_\x12\x08\x04\x0a\x05", 10));
		ck_assert_ptr_nonnull(memmem(dsdt + 36, rd32(dsdt + 4) - 36, "\x0c\x41\xd0\x05\x01", 5));
		ck_assert_ptr_nonnull(memmem(dsdt + 36, rd32(dsdt + 4) - 36, "\x22\x10\x00\x79\x00", 5));
		ck_assert_uint_le(rd64(fadt + 140) - HVM_ACPI_BASE + rd32(dsdt + 4), hvm_acpi_build(buf, HVM_ACPI_SIZE, n));
		madt = table_at(buf, rd64(xsdt + 44), "APIC");
		ck_assert_uint_eq(rd32(madt + 36), HVM_LAPIC_BASE);
		ck_assert_uint_eq(rd32(madt + 4), 44 + 8 * n + 12);
		/* One I/O APIC after the local APICs: id n, its page, GSI base 0. */
		ck_assert_uint_eq(madt[44 + 8 * n], 1);
		ck_assert_uint_eq(madt[44 + 8 * n + 1], 12);
		ck_assert_uint_eq(madt[44 + 8 * n + 2], n);
		ck_assert_uint_eq(rd32(madt + 44 + 8 * n + 4), HVM_IOAPIC_BASE);
		ck_assert_uint_eq(rd32(madt + 44 + 8 * n + 8), 0);
		/* The MADT must end before the DSDT starts. */
		ck_assert_uint_le(rd64(xsdt + 44) + rd32(madt + 4), rd64(fadt + 140));
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *e = madt + 44 + 8 * i;

			ck_assert_uint_eq(e[0], 0);		/* processor local APIC */
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[3], i);		/* APIC id = vCPU id */
			ck_assert_uint_eq(rd32(e + 4), 1);	/* enabled */
		}
	}
	free(buf);
}
END_TEST

START_TEST(e820_map)
{
	struct hvm_e820 m[4];

	ck_assert_uint_eq(hvm_e820_build(256ULL << 20, m, 2), 0);
	ck_assert_uint_eq(hvm_e820_build(1ULL << 20, m, 4), 0);
	ck_assert_uint_eq(hvm_e820_build(256ULL << 20, m, 4), 3);
	ck_assert(m[0].addr == 0 && m[0].type == E820_RAM && m[0].size == 0xa0000);
	/* The ACPI tables are reserved, not RAM. */
	ck_assert(m[1].type == E820_RESERVED && m[1].addr <= HVM_ACPI_BASE &&
		  m[1].addr + m[1].size >= HVM_ACPI_BASE + HVM_ACPI_SIZE);
	ck_assert(m[2].addr == 0x100000 && m[2].type == E820_RAM && m[2].addr + m[2].size == 256ULL << 20);
	for (int i = 0; i < 2; i++)
		ck_assert_uint_le(m[i].addr + m[i].size, m[i + 1].addr);
}
END_TEST

/* A minimal bzImage: 4 setup sectors, boot protocol 2.15, then kernel bytes. */
static uint8_t *fake_bzimage(size_t *len)
{
	uint8_t *img = calloc(1, 8192);

	img[0x1f1] = 4;
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x201] = 0x6a;			/* header to 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x211] = 0x01 | 0x20;		/* LOADED_HIGH, QUIET */
	img[0x22c] = 0xff; img[0x22d] = 0xff; img[0x22e] = 0xff; img[0x22f] = 0x7f;	/* initrd_addr_max */
	img[0x238] = 0xff; img[0x239] = 0x07;	/* cmdline_size 2047 */
	img[0x262] = 0x40;			/* init_size 4 MiB */
	img[0x268] = 0x5a;			/* a byte inside the header, copied as is */
	*len = 8192;
	return img;
}

START_TEST(bzimage_header)
{
	size_t len;
	uint8_t *img = fake_bzimage(&len), *zp = malloc(4096);
	struct linux_bzimage bz;
	struct hvm_e820 m[4];

	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), 0);
	ck_assert_uint_eq(bz.version, 0x20f);
	ck_assert_uint_eq(bz.kernel_off, 5 * 512);
	ck_assert_uint_eq(bz.kernel_len, 8192 - 5 * 512);
	ck_assert_uint_eq(bz.init_size, 4u << 20);
	ck_assert_uint_eq(bz.cmdline_max, 2047);
	ck_assert_int_eq(hvm_e820_build(64ULL << 20, m, 4), 3);
	linux_zero_page(zp, img, &bz, 0x20000, 0x3000000, 12345, m, 3);
	ck_assert_uint_eq(zp[0x268], 0x5a);
	ck_assert_uint_eq(zp[0x210], 0xff);			/* type_of_loader */
	ck_assert_uint_eq(zp[0x211], 0x01);			/* QUIET cleared */
	ck_assert_uint_eq(rd32(zp + 0x218), 0x3000000);
	ck_assert_uint_eq(rd32(zp + 0x21c), 12345);
	ck_assert_uint_eq(rd32(zp + 0x228), 0x20000);
	ck_assert_uint_eq(rd64(zp + 0x70), HVM_ACPI_BASE);
	ck_assert_uint_eq(zp[0x1e8], 3);
	ck_assert_uint_eq(rd64(zp + 0x2d0 + 40), 0x100000);
	ck_assert_uint_eq(rd32(zp + 0x2d0 + 56), E820_RAM);
	ck_assert_uint_eq(zp[0x1ef], 0);			/* sentinel untouched */

	/* Hostile headers: every one refused. */
	img[0x206] = 0x0b;					/* protocol 2.11 */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), -XEN_EINVAL);
	img[0x206] = 0x0f;
	img[0x201] = 0xff;					/* header past the setup page's end? fits: 0x301 */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), 0);
	img[0x201] = 0x10;					/* too short to hold init_size */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), -XEN_EINVAL);
	img[0x201] = 0x6a;
	img[0x1f1] = 0xff;					/* setup past the file's end */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), -XEN_EINVAL);
	img[0x1f1] = 4;
	img[0x263] = 0x80;					/* init_size 2 GiB */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), -XEN_E2BIG);
	img[0x263] = 0;
	img[0x211] = 0;						/* not loaded high */
	ck_assert_int_eq(linux_bzimage_parse(img, len, &bz), -XEN_EINVAL);
	img[0x211] = 1;
	ck_assert_int_eq(linux_bzimage_parse(img, 0x300, &bz), -XEN_EINVAL);	/* truncated */
	ck_assert_int_eq(linux_bzimage_parse(img, 0x100, &bz), -XEN_EINVAL);
	memcpy(img + 0x202, "HdrX", 4);
	ck_assert(!linux_is_bzimage(img, len));
	free(img);
	free(zp);
}
END_TEST

START_TEST(rtc_dates)
{
	struct rtc_date d;
	struct cmos_rtc r = { 0 };

	rtc_date_from_unix(0, &d);
	ck_assert(d.year == 1970 && d.month == 1 && d.day == 1 && d.wday == 4);
	rtc_date_from_unix(1767225600ULL, &d);			/* 2026-01-01 00:00:00, a Thursday */
	ck_assert(d.year == 2026 && d.month == 1 && d.day == 1 && d.hour == 0 && d.wday == 4);
	rtc_date_from_unix(951782400ULL + 86399, &d);		/* 2000-02-29 23:59:59 */
	ck_assert(d.year == 2000 && d.month == 2 && d.day == 29 && d.hour == 23 && d.min == 59 && d.sec == 59);
	rtc_date_from_unix(4107542400ULL, &d);			/* 2100-03-01: 2100 is not a leap year */
	ck_assert(d.year == 2100 && d.month == 3 && d.day == 1);
	rtc_date_from_unix(~0ULL, &d);				/* a wild time stops at year 9999 */
	ck_assert_uint_eq(d.year, 9999);
	ck_assert_uint_le(d.month, 12);
	cmos_rtc_write_index(&r, 0x80 | 0x09);			/* NMI mask bit ignored */
	ck_assert_uint_eq(cmos_rtc_read(&r, 1767225600ULL), 0x26);	/* BCD */
	cmos_rtc_write_index(&r, 0x32);
	ck_assert_uint_eq(cmos_rtc_read(&r, 1767225600ULL), 0x20);
	cmos_rtc_write_index(&r, 0x00);
	ck_assert_uint_eq(cmos_rtc_read(&r, 1767225600ULL + 59), 0x59);
	cmos_rtc_write_index(&r, 0x04);
	ck_assert_uint_eq(cmos_rtc_read(&r, 1767225600ULL + 23 * 3600), 0x23);
	cmos_rtc_write_index(&r, 0x0a);
	ck_assert_uint_eq(cmos_rtc_read(&r, 0) & 0x80, 0);	/* never update-in-progress */
	cmos_rtc_write_index(&r, 0x0b);
	ck_assert_uint_eq(cmos_rtc_read(&r, 0) & 0x06, 0x02);	/* BCD, 24-hour */
	cmos_rtc_write_index(&r, 0x0d);
	ck_assert_uint_eq(cmos_rtc_read(&r, 0) & 0xc0, 0x80);	/* valid, bit 6 clear (Linux checks it) */
	cmos_rtc_write_index(&r, 0x7f);
	ck_assert_uint_eq(cmos_rtc_read(&r, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvm_boot");
	TCase *tc = tcase_create("core");
	SRunner *r;
	int failed;

	tcase_add_test(tc, decode_linux_forms);
	tcase_add_test(tc, decode_refuses);
	tcase_add_test(tc, acpi_tables);
	tcase_add_test(tc, e820_map);
	tcase_add_test(tc, bzimage_header);
	tcase_add_test(tc, rtc_dates);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/* Multiboot information parsing against a fake physical memory: good input, and every way a loader can lie. */
#include <check.h>
#include <hv/bootinfo.h>
#include <string.h>

#define FAKE_BASE 0x10000
#define FAKE_SIZE 0x10000
static uint8_t fake[FAKE_SIZE];

static const void *rd(paddr_t pa, size_t len)
{
	if (pa < FAKE_BASE || pa + len > FAKE_BASE + FAKE_SIZE || pa + len < pa)
		return NULL;
	return fake + (pa - FAKE_BASE);
}

static void put32(paddr_t pa, uint32_t v) { memcpy(fake + pa - FAKE_BASE, &v, 4); }
static void put64(paddr_t pa, uint64_t v) { memcpy(fake + pa - FAKE_BASE, &v, 8); }
static void putstr(paddr_t pa, const char *s) { memcpy(fake + pa - FAKE_BASE, s, strlen(s) + 1); }

#define MBI	0x10000
#define MMAP	0x11000
#define MODS	0x12000
#define STRS	0x13000

static void put_mmap_entry(unsigned int i, uint64_t addr, uint64_t len, uint32_t type)
{
	paddr_t e = MMAP + i * 24;

	put32(e, 20);
	put64(e + 4, addr);
	put64(e + 12, len);
	put32(e + 20, type);
}

/* flags: mem, cmdline, mods, mmap, loader name. */
static void build_good(void)
{
	memset(fake, 0, sizeof(fake));
	put32(MBI + 0, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	put32(MBI + 4, 639);
	put32(MBI + 8, 130000);
	put32(MBI + 16, STRS);
	putstr(STRS, "skiff.img loglvl=debug");
	put32(MBI + 20, 2);
	put32(MBI + 24, MODS);
	put32(MODS + 0, 0x200000);
	put32(MODS + 4, 0x201000);
	put32(MODS + 8, STRS + 0x100);
	putstr(STRS + 0x100, "dom0.elf console=hvc0");
	put32(MODS + 16, 0x300000);
	put32(MODS + 20, 0x300010);
	put32(MODS + 24, 0);
	put32(MBI + 44, 3 * 24);
	put32(MBI + 48, MMAP);
	put_mmap_entry(0, 0, 0x9fc00, MEM_RAM);
	put_mmap_entry(1, 0x100000, 0x1ff00000, MEM_RAM);
	put_mmap_entry(2, 0xfffc0000, 0x40000, MEM_RESERVED);
	put32(MBI + 64, STRS + 0x200);
	putstr(STRS + 0x200, "qemu");
}

START_TEST(good_info)
{
	struct boot_info bi;
	const char *why = NULL;

	build_good();
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_str_eq(bi.cmdline, "skiff.img loglvl=debug");
	ck_assert_str_eq(bi.loader, "qemu");
	ck_assert_uint_eq(bi.nr_ranges, 3);
	ck_assert_uint_eq(bi.ranges[1].start, 0x100000);
	ck_assert_uint_eq(bi.ranges[1].len, 0x1ff00000);
	ck_assert_uint_eq(bi.ranges[2].type, MEM_RESERVED);
	ck_assert_uint_eq(bi.nr_modules, 2);
	ck_assert_uint_eq(bi.modules[0].start, 0x200000);
	ck_assert_uint_eq(bi.modules[0].end, 0x201000);
	ck_assert_str_eq(bi.modules[0].cmdline, "dom0.elf console=hvc0");
	ck_assert_str_eq(bi.modules[1].cmdline, "");
	ck_assert_uint_eq(boot_ram_bytes(&bi), 0x9fc00 + 0x1ff00000);
	ck_assert_uint_eq(boot_ram_end(&bi), 0x20000000);
}
END_TEST

START_TEST(bad_magic)
{
	struct boot_info bi;
	const char *why = NULL;

	build_good();
	ck_assert_int_lt(multiboot_parse(0x36d76289, MBI, rd, &bi, &why), 0);	/* multiboot2's magic */
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(unreadable_info)
{
	struct boot_info bi;
	const char *why = NULL;

	ck_assert_int_lt(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, 0x500000, rd, &bi, &why), 0);
	ck_assert_str_eq(why, "multiboot information not readable");
}
END_TEST

START_TEST(zero_size_mmap_entry_stops)
{
	struct boot_info bi;
	const char *why;

	build_good();
	put32(MMAP + 24, 0);	/* second entry claims size 0: must not loop forever */
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_eq(bi.nr_ranges, 1);
}
END_TEST

START_TEST(wrapping_range_dropped)
{
	struct boot_info bi;
	const char *why;

	build_good();
	put_mmap_entry(1, 0xfffffffffffff000ULL, 0x2000, MEM_RAM);
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_eq(bi.nr_ranges, 2);
	ck_assert_uint_eq(bi.ranges[1].type, MEM_RESERVED);
}
END_TEST

START_TEST(mmap_outside_memory)
{
	struct boot_info bi;
	const char *why;

	build_good();
	put32(MBI + 48, 0x900000);	/* unreadable map: fall back to mem_lower/upper */
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_eq(bi.nr_ranges, 2);
	ck_assert_uint_eq(bi.ranges[1].len, 130000ULL << 10);
}
END_TEST

START_TEST(no_memory_at_all)
{
	struct boot_info bi;
	const char *why = NULL;

	build_good();
	put32(MBI + 0, 1u << 2);
	ck_assert_int_lt(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_str_eq(why, "no memory map");
}
END_TEST

START_TEST(unterminated_strings_truncated)
{
	struct boot_info bi;
	const char *why;

	build_good();
	memset(fake + STRS - FAKE_BASE, 'x', 4096);	/* command line without a NUL for 4 KiB */
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_eq(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	ck_assert_uint_eq(strlen(bi.modules[0].cmdline), BOOT_MODNAME_MAX - 1);
	/* A string that runs off the end of readable memory stops there. */
	build_good();
	put32(MBI + 16, FAKE_BASE + FAKE_SIZE - 3);
	memset(fake + FAKE_SIZE - 3, 'y', 3);
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_str_eq(bi.cmdline, "yyy");
}
END_TEST

START_TEST(backwards_module_dropped)
{
	struct boot_info bi;
	const char *why;

	build_good();
	put32(MODS + 4, 0x100000);	/* end before start */
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_eq(bi.nr_modules, 1);
	ck_assert_uint_eq(bi.modules[0].start, 0x300000);
}
END_TEST

START_TEST(too_many_modules_capped)
{
	struct boot_info bi;
	const char *why;

	build_good();
	put32(MBI + 20, 100000);	/* count far past the table and past readable memory */
	ck_assert_int_eq(multiboot_parse(MULTIBOOT_BOOTLOADER_MAGIC, MBI, rd, &bi, &why), 0);
	ck_assert_uint_le(bi.nr_modules, BOOT_MAX_MODULES);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, good_info);
	tcase_add_test(tc, bad_magic);
	tcase_add_test(tc, unreadable_info);
	tcase_add_test(tc, zero_size_mmap_entry_stops);
	tcase_add_test(tc, wrapping_range_dropped);
	tcase_add_test(tc, mmap_outside_memory);
	tcase_add_test(tc, no_memory_at_all);
	tcase_add_test(tc, unterminated_strings_truncated);
	tcase_add_test(tc, backwards_module_dropped);
	tcase_add_test(tc, too_many_modules_capped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

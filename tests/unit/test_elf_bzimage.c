/* SPDX-License-Identifier: MIT */
/* Unit tests of the bzImage probe (backends/toolstack/loader/elf_bzimage.c) on synthetic boot-sector wrappers built here. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <elf_image.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A boot sector + setup header with the fields the probe reads, then the payload. */
static size_t make_bzimage(uint8_t *b, size_t cap, uint8_t setup_sects, uint16_t version,
			   const uint8_t *payload, size_t plen, uint32_t payload_off)
{
	size_t pm = ((size_t)(setup_sects ? setup_sects : 4) + 1) * 512;
	size_t len = pm + payload_off + plen;
	ck_assert_uint_le(len, cap);
	memset(b, 0xcc, len);
	b[0x1f1] = setup_sects;
	put16(b + 0x1fe, 0xaa55);
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, version);
	put32(b + 0x248, payload_off);
	put32(b + 0x24c, (uint32_t)plen);
	memcpy(b + pm + payload_off, payload, plen);
	return len;
}

static const uint8_t gz_payload[] = { 0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 0x78, 0x56, 0x34, 0x12 };
static const uint8_t xz_payload[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 9, 9, 0xb4, 0xa7, 0xed, 0x03 };

START_TEST(test_bzimage_gzip_xz)
{
	static uint8_t b[8192];
	struct bzimage_info bi;
	const char *why;
	size_t n = make_bzimage(b, sizeof(b), 2, 0x020f, gz_payload, sizeof(gz_payload), 0x30);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), 0);
	ck_assert_uint_eq(bi.version, 0x020f);
	ck_assert_uint_eq(bi.pm_offset, 3 * 512);
	ck_assert_uint_eq(bi.payload_offset, 3 * 512 + 0x30);
	ck_assert_uint_eq(bi.payload_len, sizeof(gz_payload));
	ck_assert_int_eq(bi.comp, KIMAGE_COMP_GZIP);
	ck_assert_uint_eq(bi.size_hint, 0x12345678);
	n = make_bzimage(b, sizeof(b), 0, 0x0208, xz_payload, sizeof(xz_payload), 0);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), 0);
	ck_assert_uint_eq(bi.pm_offset, 5 * 512);	/* setup_sects 0 means 4 */
	ck_assert_int_eq(bi.comp, KIMAGE_COMP_XZ);
	ck_assert_uint_eq(bi.size_hint, 0x03eda7b4);
	ck_assert_str_eq(kimage_comp_name(bi.comp), "xz");
}
END_TEST

START_TEST(test_bzimage_other_compressors)
{
	static uint8_t b[8192];
	static const struct { uint8_t m[6]; enum kimage_comp c; } cases[] = {
		{ { 'B', 'Z', 'h', '9' }, KIMAGE_COMP_BZIP2 },
		{ { 0x5d, 0, 0, 0x80 }, KIMAGE_COMP_LZMA },
		{ { 0x89, 'L', 'Z', 'O' }, KIMAGE_COMP_LZO },
		{ { 0x28, 0xb5, 0x2f, 0xfd }, KIMAGE_COMP_ZSTD },
		{ { 0x7f, 'E', 'L', 'F' }, KIMAGE_COMP_NONE },
		{ { 0xfd, '7', 'z', 'X', 'Z', 1 }, KIMAGE_COMP_UNKNOWN },
		{ { 0x1f, 0x8c }, KIMAGE_COMP_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bzimage_info bi;
		const char *why;
		size_t n = make_bzimage(b, sizeof(b), 1, 0x020f, cases[i].m, 6, 0);
		ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_EUNSUPP);
		ck_assert_int_eq(bi.comp, cases[i].c);
		ck_assert_ptr_nonnull(strstr(why, "not gzip, xz or lz4"));
		ck_assert_int_eq(kimage_sniff(cases[i].m, 6), cases[i].c);
	}
	ck_assert_int_eq(kimage_sniff(gz_payload, 1), KIMAGE_COMP_UNKNOWN);
	ck_assert_int_eq(kimage_sniff(NULL, 10), KIMAGE_COMP_UNKNOWN);
}
END_TEST

START_TEST(test_bzimage_bad_headers)
{
	static uint8_t b[8192];
	struct bzimage_info bi;
	const char *why;
	size_t n = make_bzimage(b, sizeof(b), 1, 0x0206, gz_payload, sizeof(gz_payload), 0);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_EUNSUPP);
	ck_assert_ptr_nonnull(strstr(why, "2.08"));
	n = make_bzimage(b, sizeof(b), 1, 0x020f, gz_payload, sizeof(gz_payload), 0);
	b[0x203] = 'x';
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_EMAGIC);
	n = make_bzimage(b, sizeof(b), 1, 0x020f, gz_payload, sizeof(gz_payload), 0);
	b[0x1fe] = 0;
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_EMAGIC);
	/* An ELF file is not a bzImage, even a long one. */
	memset(b, 0, sizeof(b));
	memcpy(b, "\x7f" "ELF", 4);
	ck_assert_int_eq(bzimage_probe(b, sizeof(b), &bi, &why), ELF_IMG_EMAGIC);
	/* Payload one byte past the end; offset or length near 2^32. */
	n = make_bzimage(b, sizeof(b), 1, 0x020f, gz_payload, sizeof(gz_payload), 0);
	ck_assert_int_eq(bzimage_probe(b, n - 1, &bi, &why), ELF_IMG_ETRUNC);
	put32(b + 0x248, 0xffffffff);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_ETRUNC);
	put32(b + 0x248, 0);
	put32(b + 0x24c, 0xffffffff);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_ETRUNC);
	put32(b + 0x24c, 0);
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_EFORMAT);
	/* Setup sectors beyond the file. */
	n = make_bzimage(b, sizeof(b), 1, 0x020f, gz_payload, sizeof(gz_payload), 0);
	b[0x1f1] = 200;
	ck_assert_int_eq(bzimage_probe(b, n, &bi, &why), ELF_IMG_ETRUNC);
	/* Every short prefix of a valid wrapper fails without reading past it. */
	n = make_bzimage(b, sizeof(b), 1, 0x020f, gz_payload, sizeof(gz_payload), 0);
	for (size_t len = 0; len < n; len++)
		ck_assert_int_lt(bzimage_probe(b, len, &bi, &why), 0);
	ck_assert_int_eq(bzimage_probe(NULL, n, &bi, &why), ELF_IMG_EINVAL);
}
END_TEST

static Suite *bzimage_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("probe");
	tcase_add_test(tc, test_bzimage_gzip_xz);
	tcase_add_test(tc, test_bzimage_other_compressors);
	tcase_add_test(tc, test_bzimage_bad_headers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bzimage_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

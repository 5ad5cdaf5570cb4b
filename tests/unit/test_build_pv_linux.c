/* SPDX-License-Identifier: MIT */
/* dom0's builder on Debian's real vmlinuz (xz bzImage, and as prepared for dom0) against the layout hv's build.c logged for it; exit 77 without it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <build_pv.h>
#include <decompress.h>
#include <elf_image.h>
#include <pvabi/xen.h>

#include "test_build_pv_fake.h"
#include "test_decompress_util.h"

/*
 * The kernel these numbers belong to: boot.linux_userspace, 256 MiB, its
 * initramfs as MOD_START_PFN initrd, logged by hv/arch/x86_64/pv/build.c:
 *   build: d1: kernel ffffffff81000000-ffffffff84a00000 entry ffffffff830791c0,
 *     p2m 8000000000, start_info ffffffff84a00000, 41 page tables at
 *     ffffffff84a03000, stack ffffffff84a2c000, end ffffffff84c00000, 65536 pages
 *   build: d1: P2M at 8000000000 (INIT_P2M): PFNs 4c00-4c82 with its 3 page tables
 *   build: d1: initrd unmapped at PFN 4c83 (MOD_START_PFN), 1358950 bytes
 * Another kernel version has other numbers: then the test is skipped.
 */
#define LINUX_FILE	"vmlinuz-6.1.0-57-amd64"
#define NR_PAGES	65536
#define INITRD_LEN	1358950
#define TEXT_END	0xffffffff828eb000ULL	/* p_paddr 0x1000000 + p_memsz 0x18ea9f0, page-rounded */
#define INIT_START	0xffffffff83079000ULL	/* PT_LOAD 3, p_paddr 0x3079000, RWX */
#define PTE_NX		(1ULL << 63)

static char path[512];

START_TEST(test_linux_layout)
{
	static struct fake_platform fake;
	size_t kernel_len;
	uint8_t *kernel = td_read_file(path, &kernel_len);
	struct pvb_result *r = calloc(1, sizeof(*r));
	uint8_t *rd = malloc(INITRD_LEN);
	struct pvb_args a = { .image = kernel, .image_len = kernel_len, .initrd = rd, .initrd_len = INITRD_LEN,
			      .cmdline = "console=hvc0", .nr_pages = NR_PAGES, .shared_info_mfn = 7 };
	const struct pvb_layout *l = &r->lay;
	int rc;

	memset(rd, 0x5a, INITRD_LEN);
	fake_init(&fake);
	rc = pvb_build(&fake.ops, &a, r);
	ck_assert_msg(rc == 0, "build failed: %d (%s)", rc, r->why);
	ck_assert_uint_eq(l->kstart, 0xffffffff81000000ULL);
	ck_assert_uint_eq(l->kend, 0xffffffff84a00000ULL);
	ck_assert_uint_eq(l->entry, 0xffffffff830791c0ULL);
	ck_assert_uint_eq(l->p2m, 0x8000000000ULL);
	ck_assert_uint_eq(l->start_info, 0xffffffff84a00000ULL);
	ck_assert_uint_eq(l->nr_pt, 41);
	ck_assert_uint_eq(l->pt, 0xffffffff84a03000ULL);
	ck_assert_uint_eq(l->stack, 0xffffffff84a2c000ULL);
	ck_assert_uint_eq(l->end, 0xffffffff84c00000ULL);
	ck_assert(l->init_p2m);
	ck_assert_uint_eq(l->p2m_pfn, 0x4c00);
	ck_assert_uint_eq(l->p2m_pfn + l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1 - 1, 0x4c82);
	ck_assert_uint_eq(l->initrd_pfn, 0x4c83);
	ck_assert_uint_eq(l->hypercall_page, 0);
	/*
	 * Executable exactly where the executable segments lie (PT_LOAD 0,
	 * text, up to TEXT_END; PT_LOAD 3, init text and data from INIT_START to
	 * the kernel's end): Linux's W+X check at boot fails on anything else
	 * that stays mapped writable and executable.
	 */
	for (uint64_t va = l->vbase; va < l->end; va += 4096) {
		uint64_t e = fake_walk(&fake, r->l4_mfn, va);
		bool text = (va >= l->kstart && va < TEXT_END) || (va >= INIT_START && va < l->kend);

		ck_assert_msg(e, "%llx not mapped", (unsigned long long)va);
		ck_assert_msg(!(e & PTE_NX) == text, "%llx: NX %d", (unsigned long long)va, !!(e & PTE_NX));
	}
	ck_assert_uint_eq(fake.open_maps, 0);
	ck_assert_uint_eq(fake.scratch_live, 0);
	fake_destroy(&fake);
	free(rd);
	free(r);
	free(kernel);
}
END_TEST

/* A digest of every frame of a domain built from kernel; *elf_len: the ELF the build loaded. */
static uint64_t *frame_digests(const uint8_t *kernel, size_t kernel_len, const uint8_t *rd, size_t *elf_len)
{
	static struct fake_platform fake;
	struct pvb_result *r = calloc(1, sizeof(*r));
	struct pvb_args a = { .image = kernel, .image_len = kernel_len, .initrd = rd, .initrd_len = INITRD_LEN,
			      .cmdline = "console=hvc0", .nr_pages = NR_PAGES, .shared_info_mfn = 7 };
	uint64_t *d = calloc(NR_PAGES, sizeof(*d));
	int rc;

	fake_init(&fake);
	rc = pvb_build(&fake.ops, &a, r);
	ck_assert_msg(rc == 0, "build failed: %d (%s)", rc, r->why);
	for (uint64_t i = 0; i < NR_PAGES; i++) {
		const uint8_t *f = fake_frame(&fake, FAKE_MFN_BASE + i);
		uint64_t h = 0xcbf29ce484222325ULL;

		for (unsigned int j = 0; f && j < 4096; j++)
			h = (h ^ f[j]) * 0x100000001b3ULL;
		d[i] = h;
	}
	*elf_len = r->kernel_len;
	ck_assert_uint_eq(fake.scratch_live, 0);
	fake_destroy(&fake);
	free(r);
	return d;
}

/*
 * The form skiff-xl prepares on the host (skiff-prepare-kernel --dom0: the
 * segments without their zero tails, lz4) builds a domain identical frame
 * for frame to the one Debian's xz bzImage builds.
 */
START_TEST(test_linux_prepared_same_domain)
{
	char cmd[1200], out[600];
	size_t kernel_len, packed_len, elf_a, elf_b;
	uint8_t *kernel = td_read_file(path, &kernel_len), *packed, *rd = malloc(INITRD_LEN);
	uint64_t *a, *b;
	unsigned int differ = 0;

	snprintf(out, sizeof(out), "%s.dom0.%d", SKIFF_UNIT_SCRATCH, (int)getpid());
	snprintf(cmd, sizeof(cmd), "'%s' --dom0 '%s' '%s' >/dev/null", SKIFF_PREPARE_KERNEL, path, out);
	ck_assert_int_eq(system(cmd), 0);
	packed = td_read_file(out, &packed_len);
	unlink(out);
	ck_assert_uint_lt(packed_len, 20u << 20);
	memset(rd, 0x5a, INITRD_LEN);
	a = frame_digests(kernel, kernel_len, rd, &elf_a);
	b = frame_digests(packed, packed_len, rd, &elf_b);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		differ += a[i] != b[i];
	ck_assert_uint_eq(differ, 0);
	ck_assert_uint_lt(elf_b, elf_a * 6 / 10);	/* the zero tails are not carried */
	free(a);
	free(b);
	free(rd);
	free(packed);
	free(kernel);
}
END_TEST

/* Debian's bzImage with its xz payload replaced by lz4 (as Linux's lz4 flavour packs it): the same domain. */
START_TEST(test_linux_lz4_bzimage_same_domain)
{
	size_t kernel_len, raw_len = 0, lz_len, bz_len, elf_a, elf_b;
	uint8_t *kernel = td_read_file(path, &kernel_len), *raw, *lz, *bz, *rd = malloc(INITRD_LEN);
	static struct unxz_work w;
	struct bzimage_info bi;
	const char *why;
	uint64_t *a, *b;
	unsigned int differ = 0;

	ck_assert_msg(td_have("lz4 --version"), "lz4 is needed (./skiff deps)");
	ck_assert_int_eq(bzimage_probe(kernel, kernel_len, &bi, &why), 0);
	ck_assert_int_eq(bi.comp, KIMAGE_COMP_XZ);
	raw = malloc(bi.size_hint);
	ck_assert_int_eq(unxz_buf(kernel + bi.payload_offset, bi.payload_len - 4, raw, bi.size_hint, &raw_len, NULL, &w),
			 0);
	ck_assert_uint_eq(raw_len, bi.size_hint);
	lz = td_run_filter("lz4 -l -1 -c", raw, raw_len, &lz_len);
	bz = malloc(kernel_len + lz_len + 4);
	memcpy(bz, kernel, bi.payload_offset);
	memcpy(bz + bi.payload_offset, lz, lz_len);
	memcpy(bz + bi.payload_offset + lz_len, kernel + bi.payload_offset + bi.payload_len - 4, 4);	/* the size */
	memcpy(bz + bi.payload_offset + lz_len + 4, kernel + bi.payload_offset + bi.payload_len,
	       kernel_len - bi.payload_offset - bi.payload_len);
	bz_len = kernel_len - bi.payload_len + lz_len + 4;
	bz[0x24c] = (uint8_t)(lz_len + 4);
	bz[0x24d] = (uint8_t)((lz_len + 4) >> 8);
	bz[0x24e] = (uint8_t)((lz_len + 4) >> 16);
	bz[0x24f] = (uint8_t)((lz_len + 4) >> 24);
	ck_assert_int_eq(bzimage_probe(bz, bz_len, &bi, &why), 0);
	ck_assert_int_eq(bi.comp, KIMAGE_COMP_LZ4);
	memset(rd, 0x5a, INITRD_LEN);
	a = frame_digests(kernel, kernel_len, rd, &elf_a);
	b = frame_digests(bz, bz_len, rd, &elf_b);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		differ += a[i] != b[i];
	ck_assert_uint_eq(differ, 0);
	ck_assert_uint_eq(elf_a, elf_b);
	free(a);
	free(b);
	free(bz);
	free(lz);
	free(raw);
	free(rd);
	free(kernel);
}
END_TEST

int main(void)
{
	FILE *f;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	snprintf(path, sizeof(path), "%s/%s", SKIFF_VMLINUZ_DIR, LINUX_FILE);
	f = fopen(path, "rb");
	if (!f) {
		printf("skipped: %s not fetched (decompress-fetch-vmlinuz), or another kernel version\n", path);
		return 77;
	}
	fclose(f);
	s = suite_create("build_pv_linux");
	tc = tcase_create("linux");
	tcase_add_test(tc, test_linux_layout);
	tcase_add_test(tc, test_linux_prepared_same_domain);
	tcase_add_test(tc, test_linux_lz4_bzimage_same_domain);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

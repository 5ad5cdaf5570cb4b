/* SPDX-License-Identifier: MIT */
/* Parses Debian's real vmlinuz (bzImage -> xz -> ELF notes -> load plan); skipped (exit 77) when the file is absent. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decompress.h>
#include <elf_image.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/elfnote.h>

#ifndef SKIFF_VMLINUZ
#define SKIFF_VMLINUZ "build-elf/vmlinuz"
#endif
#define SKIP_CODE 77

static uint8_t *kernel;
static size_t kernel_len;

static char found_path[4096];

/* First vmlinuz-* in dir (the layout dpkg-deb -x leaves), or NULL. */
static const char *find_in_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	const char *res = NULL;
	struct dirent *e;
	while (!res && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "vmlinuz-", 8) == 0 &&
		    (size_t)snprintf(found_path, sizeof(found_path), "%s/%s", dir, e->d_name) <
		    sizeof(found_path))
			res = found_path;
	}
	closedir(d);
	return res;
}

static const char *vmlinuz_path(void)
{
	const char *p = getenv("SKIFF_VMLINUZ");
	if (p && *p)
		return p;
#ifdef SKIFF_VMLINUZ_DIR
	FILE *f = fopen(SKIFF_VMLINUZ, "rb");
	if (f) {
		fclose(f);
		return SKIFF_VMLINUZ;
	}
	const char *alt = find_in_dir(SKIFF_VMLINUZ_DIR);
	if (alt)
		return alt;
#endif
	return SKIFF_VMLINUZ;
}

static bool load_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool ok = fseek(f, 0, SEEK_END) == 0;
	long n = ok ? ftell(f) : -1;
	ok = ok && n > 0 && fseek(f, 0, SEEK_SET) == 0;
	kernel = ok ? malloc((size_t)n) : NULL;
	ok = kernel && fread(kernel, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	kernel_len = ok ? (size_t)n : 0;
	return ok;
}

START_TEST(test_real_bzimage_header)
{
	struct bzimage_info bi;
	const char *why;
	ck_assert_int_eq(bzimage_probe(kernel, kernel_len, &bi, &why), 0);
	ck_assert_uint_ge(bi.version, 0x020f);
	ck_assert_uint_eq(bi.pm_offset, ((size_t)bi.setup_sects + 1) * 512);
	ck_assert_uint_le(bi.payload_offset + bi.payload_len, kernel_len);
	ck_assert_int_eq(bi.comp, KIMAGE_COMP_XZ);	/* Debian builds with CONFIG_KERNEL_XZ */
	ck_assert_uint_gt(bi.size_hint, bi.payload_len);
	printf("vmlinuz: protocol %#x, setup_sects %u, payload at %#zx, %zu bytes xz, "
	       "%u bytes unpacked\n", bi.version, bi.setup_sects, bi.payload_offset,
	       bi.payload_len, bi.size_hint);
}
END_TEST

/* What a domain builder needs from a stock Debian kernel, checked end to end. */
START_TEST(test_real_vmlinux_plan)
{
	struct bzimage_info bi;
	ck_assert_int_eq(bzimage_probe(kernel, kernel_len, &bi, NULL), 0);
	uint8_t *elf = malloc(bi.size_hint);
	struct unxz_work *work = malloc(sizeof(*work));
	ck_assert(elf && work);
	size_t out_len = 0, in_used = 0;
	int derr = unxz_buf(kernel + bi.payload_offset, bi.payload_len, elf, bi.size_hint,
			    &out_len, &in_used, work);
	ck_assert_msg(derr == 0, "unxz: %s", decompress_strerror(derr));
	ck_assert_uint_eq(out_len, bi.size_hint);

	static struct elf_image img;
	const char *why;
	int err = elf_image_parse(&img, elf, out_len, &why);
	ck_assert_msg(err == 0, "parse: %s", why);
	const struct xen_notes *n = &img.notes;
	ck_assert_uint_eq(img.virt_base, 0xffffffff80000000ULL);
	ck_assert_uint_eq(img.paddr_offset, 0);
	ck_assert_uint_eq(img.virt_kstart, 0xffffffff81000000ULL);	/* PHYSICAL_START 16 MiB */
	ck_assert(xen_notes_have(n, XEN_ELFNOTE_ENTRY));
	ck_assert_uint_eq(img.virt_entry, n->entry);
	ck_assert_uint_ne(img.virt_entry, img.e_entry);		/* e_entry is physical */
	ck_assert(!xen_notes_have(n, XEN_ELFNOTE_HYPERCALL_PAGE));	/* removed by XSA-466 */
	ck_assert_str_eq(n->guest_os, "linux");
	ck_assert_str_eq(n->xen_version, "xen-3.0");
	ck_assert_uint_eq(n->hv_start_low, HYPERVISOR_VIRT_START);
	ck_assert_uint_eq(n->feat_required[0], 1U << XENFEAT_writable_page_tables);
	ck_assert(n->feat_supported[0] & (1U << XENFEAT_pae_pgdir_above_4gb));
	ck_assert_uint_ge(img.nr_loads, 2);
	ck_assert_uint_eq(img.loads[0].gpa, 0x1000000);
	for (uint32_t i = 0; i < img.nr_loads; i++)
		ck_assert_uint_eq(img.loads[i].va - img.virt_base, img.loads[i].gpa);
	printf("vmlinux: entry %#llx, kernel [%#llx, %#llx) = %llu KiB in %u loads, "
	       "features supported %#x required %#x, INIT_P2M %#llx\n",
	       (unsigned long long)img.virt_entry, (unsigned long long)img.virt_kstart,
	       (unsigned long long)img.virt_kend,
	       (unsigned long long)((img.virt_kend - img.virt_kstart) >> 10), img.nr_loads,
	       n->feat_supported[0], n->feat_required[0], (unsigned long long)n->init_p2m);
	free(work);
	free(elf);
}
END_TEST

int main(void)
{
	const char *path = vmlinuz_path();
	if (!load_file(path)) {
		printf("SKIP: %s not found (apt-get download the linux-image-*-amd64 that "
		       "linux-image-amd64 depends on, dpkg-deb -x it, copy boot/vmlinuz-* there)\n",
		       path);
		return SKIP_CODE;
	}
	Suite *s = suite_create("elf_real");
	TCase *tc = tcase_create("debian");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_real_bzimage_header);
	tcase_add_test(tc, test_real_vmlinux_plan);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(kernel);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/* Debian's real vmlinuz: find the xz payload via the bzImage header, decompress it, check the ELF and its Xen notes. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <decompress.h>
#include "test_decompress_util.h"

#define SKIP_EXIT		77	/* ctest SKIP_RETURN_CODE */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_MAGIC		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define ELF_PT_NOTE		4
#define ELF_EM_X86_64		62
#define XEN_ELFNOTE_ENTRY	1
#define XEN_ELFNOTE_VIRT_BASE	3
#define XEN_ELFNOTE_GUEST_OS	6

static char vmlinuz_path[4096];

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int find_vmlinuz(void)
{
	const char *env = getenv("SKIFF_VMLINUZ");
	const char *patterns[] = { SKIFF_DECOMP_DATA "/root/boot/vmlinuz-*", "/boot/vmlinuz-*-amd64" };
	glob_t g;

	if (env && *env) {
		snprintf(vmlinuz_path, sizeof(vmlinuz_path), "%s", env);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		if (glob(patterns[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
			snprintf(vmlinuz_path, sizeof(vmlinuz_path), "%s", g.gl_pathv[g.gl_pathc - 1]);
			globfree(&g);
			return 1;
		}
		globfree(&g);
	}
	return 0;
}

/* CPU time, not wall time: the test machine is shared, so wall clocks say more about the neighbours. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double children_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Locates the compressed payload from the setup header, checking every field against the file size. */
static const uint8_t *bzimage_payload(const uint8_t *img, size_t len, size_t *plen)
{
	size_t setup_sects, start, off, n;

	ck_assert_uint_ge(len, 0x250);
	ck_assert_int_eq(memcmp(img + BZ_MAGIC, "HdrS", 4), 0);
	ck_assert_uint_ge(le16(img + BZ_VERSION), 0x208);	/* payload fields exist from 2.08 */
	setup_sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	start = (setup_sects + 1) * 512;
	off = le32(img + BZ_PAYLOAD_OFFSET);
	n = le32(img + BZ_PAYLOAD_LENGTH);
	ck_assert_uint_le(start, len);
	ck_assert_uint_le(off, len - start);
	ck_assert_uint_le(n, len - start - off);
	*plen = n;
	return img + start + off;
}

/* Counts Xen notes in PT_NOTE segments and records which of the ones a PV loader needs are there. */
static void check_xen_notes(const uint8_t *elf, size_t len)
{
	uint64_t phoff = le64(elf + 0x20);
	uint16_t phentsize = le16(elf + 0x36), phnum = le16(elf + 0x38);
	uint64_t entry = 0, virt_base = 0;
	int linux_os = 0, notes = 0;

	ck_assert_uint_eq(phentsize, 56);
	ck_assert_uint_le(phoff + (uint64_t)phnum * phentsize, len);
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = elf + phoff + (size_t)i * phentsize;
		uint64_t off = le64(ph + 8), size = le64(ph + 32), pos;

		if (le32(ph) != ELF_PT_NOTE)
			continue;
		ck_assert_uint_le(off + size, len);
		for (pos = off; pos + 12 <= off + size;) {
			uint32_t namesz = le32(elf + pos), descsz = le32(elf + pos + 4), type = le32(elf + pos + 8);
			const uint8_t *name = elf + pos + 12;
			const uint8_t *desc = name + ((namesz + 3) & ~3u);

			ck_assert_uint_le(pos + 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u), off + size);
			if (namesz == 4 && memcmp(name, "Xen", 4) == 0) {
				notes++;
				if (type == XEN_ELFNOTE_ENTRY && descsz == 8)
					entry = le64(desc);
				if (type == XEN_ELFNOTE_VIRT_BASE && descsz == 8)
					virt_base = le64(desc);
				linux_os |= type == XEN_ELFNOTE_GUEST_OS && descsz >= 5 && !memcmp(desc, "linux", 5);
			}
			pos += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
		}
	}
	fprintf(stderr, "vmlinuz: %d Xen ELF notes (ENTRY 0x%llx, VIRT_BASE 0x%llx, GUEST_OS linux %d)\n",
		notes, (unsigned long long)entry, (unsigned long long)virt_base, linux_os);
	ck_assert_int_ge(notes, 5);
	ck_assert(linux_os);
	/* A 64-bit PV kernel runs in the top 2 GiB, above its VIRT_BASE. */
	ck_assert_uint_ge(virt_base, 0xffffffff80000000ull);
	ck_assert_uint_gt(entry, virt_base);
}

START_TEST(test_vmlinuz_payload)
{
	static struct unxz_work work;
	size_t len, plen, want, out_len, used, xlen = 0;
	uint8_t *img = td_read_file(vmlinuz_path, &len);
	const uint8_t *payload;
	uint8_t *out, *ref = NULL;
	double t0, ours, theirs = -1;
	int r;

	ck_assert_msg(img != NULL, "cannot read %s", vmlinuz_path);
	payload = bzimage_payload(img, len, &plen);
	ck_assert_int_eq(memcmp(payload, "\xfd" "7zXZ", 6), 0);
	ck_assert_uint_ge(plen, 16);
	want = le32(payload + plen - 4);	/* Linux appends the uncompressed size */
	out = malloc(want + 4096);
	ck_assert_ptr_nonnull(out);
	t0 = cpu_ms();
	r = unxz_buf(payload, plen, out, want + 4096, &out_len, &used, &work);
	ours = cpu_ms() - t0;
	ck_assert_msg(r == 0, "unxz: %s", decompress_strerror(r));
	ck_assert_uint_eq(out_len, want);
	ck_assert_uint_eq(used, plen - 4);
	ck_assert_int_eq(memcmp(out, "\x7f" "ELF\x02\x01", 6), 0);	/* ELF64, little-endian */
	ck_assert_uint_eq(le16(out + 0x12), ELF_EM_X86_64);
	check_xen_notes(out, out_len);

	if (td_have("xz --version")) {
		t0 = children_cpu_ms();
		ref = td_run_filter("xz -dc --single-stream", payload, plen, &xlen);
		theirs = children_cpu_ms() - t0;
		ck_assert_uint_eq(xlen, out_len);
		ck_assert_int_eq(memcmp(ref, out, out_len), 0);
	}
	fprintf(stderr, "vmlinuz: %s: %zu -> %zu bytes, CPU time: unxz_buf %.0f ms, xz -d %.0f ms\n",
		vmlinuz_path, plen, out_len, ours, theirs);
	free(ref);
	free(out);
	free(img);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (!find_vmlinuz()) {
		printf("SKIP: no vmlinuz (build target decompress-fetch-vmlinuz, or set SKIFF_VMLINUZ)\n");
		return SKIP_EXIT;
	}
	td_setup();
	s = suite_create("decompress_vmlinuz");
	tc = tcase_create("vmlinuz");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_vmlinuz_payload);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	td_teardown();
	return failed ? 1 : 0;
}

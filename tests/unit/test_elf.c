/* SPDX-License-Identifier: MIT */
/* Unit tests of the PV kernel image parser (backends/toolstack/loader/elf_*.c) on synthetic ELF images and bzImage wrappers built here. */
#include <check.h>
#include <stdlib.h>

#include <elf_image.h>
#include <pvabi/elfnote.h>
#include <pvabi/arch_x86_64.h>

#include "test_elf_builder.h"

/* ---- fixtures ---- */

#define KBASE		0xffffffff80000000ULL
#define KSTART		0xffffffff81000000ULL
#define IMG_CAP		(256 * 1024)

static uint8_t img_buf[IMG_CAP];
static struct elf_image img;
static struct tb_spec spec;

/* A minimal well-formed Linux-like PV kernel: text at 16 MiB, data after it, notes as Linux emits. */
static void spec_default(struct tb_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->e_entry = 0x1000000;		/* physical, as in vmlinux: must not be used */
	s->nr_segs = 2;
	s->segs[0] = (struct tb_seg){ .flags = 5, .paddr = 0x1000000, .vaddr = KSTART,
				      .filesz = 0x300, .memsz = 0x2000, .align = 0x1000 };
	s->segs[1] = (struct tb_seg){ .flags = 6, .paddr = 0x1002000, .vaddr = KSTART + 0x2000,
				      .filesz = 0x80, .memsz = 0x1000, .align = 0x1000 };
	tb_note_str(s, XEN_ELFNOTE_GUEST_OS, "linux");
	tb_note_str(s, XEN_ELFNOTE_GUEST_VERSION, "2.6");
	tb_note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	tb_note_u64(s, XEN_ELFNOTE_VIRT_BASE, KBASE);
	tb_note_u64(s, XEN_ELFNOTE_PADDR_OFFSET, 0);
	tb_note_u64(s, XEN_ELFNOTE_ENTRY, KSTART + 0x10);
	tb_note_str(s, XEN_ELFNOTE_LOADER, "generic");
	tb_note_str(s, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
}

static size_t build(void)
{
	size_t n = tb_build(&spec, img_buf, sizeof(img_buf));
	ck_assert_uint_gt(n, 0);
	return n;
}

/* Builds spec and parses it; returns the parser's result, reason in *why. */
static int build_parse(const char **why)
{
	size_t n = build();
	return elf_image_parse(&img, img_buf, n, why);
}

static void expect_err(int want, const char *reason_part)
{
	const char *why = NULL;
	int err = build_parse(&why);
	ck_assert_msg(err == want, "got %d (%s), want %d", err, why ? why : "-", want);
	ck_assert_ptr_nonnull(why);
	if (reason_part)
		ck_assert_msg(strstr(why, reason_part), "reason \"%s\" lacks \"%s\"", why, reason_part);
}

static void setup(void)
{
	spec_default(&spec);
}

/* ---- well-formed images ---- */

START_TEST(test_default_image)
{
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_str_eq(why, "ok");
	ck_assert_uint_eq(img.virt_entry, KSTART + 0x10);
	ck_assert_uint_eq(img.virt_base, KBASE);
	ck_assert_uint_eq(img.virt_kstart, KSTART);
	ck_assert_uint_eq(img.virt_kend, KSTART + 0x3000);
	ck_assert_uint_eq(img.nr_loads, 2);
	ck_assert_uint_eq(img.loads[0].gpa, 0x1000000);
	ck_assert_uint_eq(img.loads[0].va, KSTART);
	ck_assert_uint_eq(img.loads[0].filesz, 0x300);
	ck_assert_uint_eq(img.loads[0].memsz, 0x2000);
	ck_assert_uint_eq(img.loads[1].gpa, 0x1002000);
	ck_assert_uint_eq(img.loads[1].flags, 6);
	/* The load plan's file range holds the bytes the builder wrote for that segment. */
	ck_assert_uint_eq(img_buf[img.loads[1].file_off + 5], 0x40 + 1 + 5);
	ck_assert_str_eq(img.notes.guest_os, "linux");
	ck_assert_str_eq(img.notes.loader, "generic");
	ck_assert_uint_eq(img.notes.feat_supported[0], (1U << 0) | (1U << 4));
	ck_assert_uint_eq(img.notes.feat_required[0], 1U << 0);
	ck_assert(!xen_notes_have(&img.notes, XEN_ELFNOTE_HYPERCALL_PAGE));
}
END_TEST

/* The copy puts each segment's file bytes at va - kstart and zeroes bss and gaps. */
START_TEST(test_copy_image)
{
	spec.segs[1].paddr = 0x1003000;		/* leave a one-page hole */
	spec.segs[1].vaddr = KSTART + 0x3000;
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	static uint8_t dst[0x5000];
	memset(dst, 0xee, sizeof(dst));
	ck_assert_int_eq(elf_image_copy(&img, dst, 0x3fff, &why), ELF_IMG_EINVAL);
	ck_assert_int_eq(elf_image_copy(&img, dst, sizeof(dst), &why), 0);
	for (size_t i = 0; i < 0x4000; i++) {
		uint8_t want = 0;
		if (i < 0x300)
			want = (uint8_t)(0x40 + i);
		else if (i >= 0x3000 && i < 0x3080)
			want = (uint8_t)(0x41 + (i - 0x3000));
		ck_assert_msg(dst[i] == want, "byte %#zx is %#x, want %#x", i, dst[i], want);
	}
	ck_assert_uint_eq(dst[0x4000], 0xee);	/* nothing written past the extent */
	struct elf_image empty = { 0 };
	ck_assert_int_eq(elf_image_copy(&empty, dst, sizeof(dst), &why), ELF_IMG_EINVAL);
}
END_TEST

/* Every note type Linux uses, with the widths it uses, lands in its field. */
START_TEST(test_every_note)
{
	uint8_t l1[16];
	tb_put64(l1, 1);
	tb_put64(l1 + 8, 1);
	tb_note_raw(&spec, XEN_ELFNOTE_L1_MFN_VALID, l1, 16);
	tb_note_u64(&spec, XEN_ELFNOTE_HYPERCALL_PAGE, KSTART + 0x1000);
	tb_note_u64(&spec, XEN_ELFNOTE_HV_START_LOW, HYPERVISOR_VIRT_START);
	tb_note_u64(&spec, XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
	tb_note_u32(&spec, XEN_ELFNOTE_MOD_START_PFN, 1);
	tb_note_u32(&spec, XEN_ELFNOTE_SUSPEND_CANCEL, 1);
	tb_note_u32(&spec, XEN_ELFNOTE_PHYS32_ENTRY, 0x01000850);
	tb_note_u32(&spec, XEN_ELFNOTE_SUPPORTED_FEATURES, 0x8801);
	tb_note_str(&spec, XEN_ELFNOTE_PAE_MODE, "yes");
	tb_note_str(&spec, XEN_ELFNOTE_BSD_SYMTAB, "no");
	tb_note_str(&spec, XEN_ELFNOTE_INFO, "ignored");
	tb_note_u32(&spec, 0x77, 5);		/* unknown type: ignored */
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	const struct xen_notes *n = &img.notes;
	ck_assert_uint_eq(n->entry, KSTART + 0x10);
	ck_assert_uint_eq(n->hypercall_page, KSTART + 0x1000);
	ck_assert_uint_eq(n->virt_base, KBASE);
	ck_assert_uint_eq(n->paddr_offset, 0);
	ck_assert_uint_eq(n->hv_start_low, HYPERVISOR_VIRT_START);
	ck_assert_uint_eq(n->init_p2m, 0x8000000000ULL);
	ck_assert_uint_eq(n->mod_start_pfn, 1);
	ck_assert_uint_eq(n->suspend_cancel, 1);
	ck_assert_uint_eq(n->phys32_entry, 0x01000850);
	ck_assert_uint_eq(n->l1_mfn_valid_mask, 1);
	ck_assert_uint_eq(n->l1_mfn_valid_value, 1);
	ck_assert_str_eq(n->xen_version, "xen-3.0");
	ck_assert_str_eq(n->guest_version, "2.6");
	ck_assert_str_eq(n->pae_mode, "yes");
	ck_assert_str_eq(n->bsd_symtab, "no");
	/* FEATURES bits 0 and 4 plus SUPPORTED_FEATURES 0, 11, 15. */
	ck_assert_uint_eq(n->feat_supported[0], 0x8811);
	ck_assert_uint_eq(n->feat_required[0], 1);
	for (unsigned t = XEN_ELFNOTE_ENTRY; t <= XEN_ELFNOTE_PHYS32_ENTRY; t++)
		ck_assert_msg(xen_notes_have(n, t), "note %u not recorded", t);
	ck_assert(!xen_notes_have(n, XEN_ELFNOTE_INFO));
	ck_assert_uint_eq(n->nr_xen_notes, spec.nr_notes);
}
END_TEST

START_TEST(test_numeric_widths)
{
	tb_note_u32(&spec, XEN_ELFNOTE_ENTRY, 0);	/* 4 bytes: zero-extended, not sign-extended */
	expect_err(ELF_IMG_ELAYOUT, "ENTRY");
	uint8_t d[16] = { 0x34, 0x12 };
	tb_note_raw(&spec, XEN_ELFNOTE_MOD_START_PFN, d, 2);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, KSTART + 0x20);
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.notes.mod_start_pfn, 0x1234);
	ck_assert_uint_eq(img.virt_entry, KSTART + 0x20);
	tb_note_raw(&spec, XEN_ELFNOTE_MOD_START_PFN, d, 3);
	expect_err(ELF_IMG_ENOTE, "numeric");
	tb_note_raw(&spec, XEN_ELFNOTE_MOD_START_PFN, d, 16);
	expect_err(ELF_IMG_ENOTE, "numeric");
	tb_note_raw(&spec, XEN_ELFNOTE_MOD_START_PFN, d, 0);
	expect_err(ELF_IMG_ENOTE, "numeric");
	tb_note_u32(&spec, XEN_ELFNOTE_MOD_START_PFN, 1);
	tb_note_raw(&spec, XEN_ELFNOTE_L1_MFN_VALID, d, 4);
	expect_err(ELF_IMG_ENOTE, "L1_MFN_VALID");
	tb_note_raw(&spec, XEN_ELFNOTE_SUPPORTED_FEATURES, d, 6);
	tb_note_del(&spec, XEN_ELFNOTE_L1_MFN_VALID);
	expect_err(ELF_IMG_ENOTE, "SUPPORTED_FEATURES");
}
END_TEST

/* One quad for L1_MFN_VALID means "mask, value = mask". */
START_TEST(test_l1_mfn_valid_single)
{
	tb_note_u64(&spec, XEN_ELFNOTE_L1_MFN_VALID, 0x3);
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.notes.l1_mfn_valid_mask, 3);
	ck_assert_uint_eq(img.notes.l1_mfn_valid_value, 3);
}
END_TEST

/* Linux's FEATURES note has no NUL inside its descriptor; strings longer than the field are truncated. */
START_TEST(test_string_notes_without_nul)
{
	const char *f = "!writable_page_tables|dom0";
	tb_note_raw(&spec, XEN_ELFNOTE_FEATURES, f, (uint32_t)strlen(f));
	tb_note_raw(&spec, XEN_ELFNOTE_GUEST_VERSION, "4.19", 4);
	const char *longv = "0123456789012345678901234567890123456789";
	tb_note_str(&spec, XEN_ELFNOTE_PAE_MODE, longv);
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.notes.feat_supported[0], (1U << 0) | (1U << XENFEAT_dom0));
	ck_assert_str_eq(img.notes.guest_version, "4.19");
	ck_assert_uint_eq(strlen(img.notes.pae_mode), XEN_NOTE_STR_MAX - 1);
	ck_assert_int_eq(strncmp(img.notes.pae_mode, longv, XEN_NOTE_STR_MAX - 1), 0);
}
END_TEST

/* ---- FEATURES syntax ---- */

struct feat_case {
	const char *s;
	int err;
	uint32_t sup, req;
};

START_TEST(test_features_syntax)
{
	static const struct feat_case cases[] = {
		{ "", 0, 0, 0 },
		{ "writable_page_tables", 0, 1, 0 },
		{ "!writable_page_tables", 0, 1, 1 },
		{ "!writable_page_tables|pae_pgdir_above_4gb", 0, 0x11, 1 },
		{ "pae_pgdir_above_4gb|!writable_page_tables", 0, 0x11, 1 },
		{ "dom0|", 0, 1U << 11, 0 },
		{ "|dom0||", 0, 1U << 11, 0 },
		{ "|", 0, 0, 0 },
		{ "!dom0|!dom0", 0, 1U << 11, 1U << 11 },
		{ "no_such_feature|dom0", 0, 1U << 11, 0 },
		{ " dom0", 0, 0, 0 },			/* no trimming: unknown, optional */
		{ "!no_such_feature", ELF_IMG_EFEATURE, 0, 0 },
		{ "dom0|!no_such_feature", ELF_IMG_EFEATURE, 0, 0 },
		{ "!", ELF_IMG_EFEATURE, 0, 0 },
		{ "!!dom0", ELF_IMG_EFEATURE, 0, 0 },
		{ "!dom0 ", ELF_IMG_EFEATURE, 0, 0 },
		{ "!DOM0", ELF_IMG_EFEATURE, 0, 0 },
		{ "!direct_mapped|!gnttab_map_avail_bits", 0, (1U << 17) | (1U << 7),
		  (1U << 17) | (1U << 7) },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t sup[XENFEAT_NR_SUBMAPS] = { 0 }, req[XENFEAT_NR_SUBMAPS] = { 0 };
		const char *why = NULL;
		int err = xen_features_parse(cases[i].s, strlen(cases[i].s), sup, req, &why);
		ck_assert_msg(err == cases[i].err, "\"%s\": err %d", cases[i].s, err);
		if (err == 0) {
			ck_assert_msg(sup[0] == cases[i].sup, "\"%s\": sup %#x", cases[i].s, sup[0]);
			ck_assert_msg(req[0] == cases[i].req, "\"%s\": req %#x", cases[i].s, req[0]);
		} else {
			ck_assert_ptr_nonnull(why);
		}
	}
}
END_TEST

/* A required name longer than any feature cannot be matched, however it starts. */
START_TEST(test_features_long_token)
{
	char s[200];
	memset(s, 'a', sizeof(s));
	s[0] = '!';
	memcpy(s + 1, "dom0", 4);
	uint32_t sup[1] = { 0 }, req[1] = { 0 };
	ck_assert_int_eq(xen_features_parse(s, sizeof(s), sup, req, NULL), ELF_IMG_EFEATURE);
	s[0] = 'x';
	ck_assert_int_eq(xen_features_parse(s, sizeof(s), sup, req, NULL), 0);
	ck_assert_uint_eq(sup[0], 0);
	for (unsigned i = 0; i < XENFEAT_NR_KNOWN; i++) {
		const char *n = xen_feature_name(i);
		ck_assert_ptr_nonnull(n);
		uint32_t s2[1] = { 0 }, r2[1] = { 0 };
		ck_assert_int_eq(xen_features_parse(n, strlen(n), s2, r2, NULL), 0);
		ck_assert_uint_eq(s2[0], 1U << i);
	}
	ck_assert_ptr_null(xen_feature_name(XENFEAT_NR_KNOWN));
}
END_TEST

START_TEST(test_features_in_image)
{
	tb_note_str(&spec, XEN_ELFNOTE_FEATURES, "!writable_page_tables|!no_such_thing");
	expect_err(ELF_IMG_EFEATURE, "unknown");
	tb_note_str(&spec, XEN_ELFNOTE_FEATURES, "!writable_page_tables|!dom0");
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_int_eq(elf_image_check_features(&img, (1U << 0) | (1U << 11), &why), 0);
	ck_assert_int_eq(elf_image_check_features(&img, 1U << 0, &why), ELF_IMG_EFEATURE);
	ck_assert_ptr_nonnull(strstr(why, "requires"));
}
END_TEST

/* ---- acceptance rules taken from Xen's loader ---- */

START_TEST(test_not_xen)
{
	spec.nr_notes = 0;
	expect_err(ELF_IMG_ENOTXEN, "no \"Xen\"");
	/* Notes with other owners only. */
	spec_default(&spec);
	for (unsigned i = 0; i < spec.nr_notes; i++)
		strcpy(spec.notes[i].name, "Xe");
	expect_err(ELF_IMG_ENOTXEN, "no \"Xen\"");
	spec_default(&spec);
	tb_note_str(&spec, XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
	expect_err(ELF_IMG_ENOTXEN, "XEN_VERSION");
	tb_note_del(&spec, XEN_ELFNOTE_XEN_VERSION);
	expect_err(ELF_IMG_ENOTXEN, "XEN_VERSION");
	spec_default(&spec);
	tb_note_str(&spec, XEN_ELFNOTE_LOADER, "special");
	tb_note_str(&spec, XEN_ELFNOTE_GUEST_OS, "freebsd");
	expect_err(ELF_IMG_ENOTXEN, "LOADER");
	tb_note_str(&spec, XEN_ELFNOTE_LOADER, "generic");	/* generic loader, any OS */
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	tb_note_del(&spec, XEN_ELFNOTE_LOADER);
	tb_note_str(&spec, XEN_ELFNOTE_GUEST_OS, "linux");	/* Linux, no loader note */
	ck_assert_int_eq(build_parse(&why), 0);
	tb_note_del(&spec, XEN_ELFNOTE_VIRT_BASE);
	expect_err(ELF_IMG_ENOTXEN, "PADDR_OFFSET");
}
END_TEST

START_TEST(test_notes_in_sections)
{
	spec.notes_in_section = true;
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.virt_entry, KSTART + 0x10);
	spec.note_align = 8;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_str_eq(img.notes.guest_os, "linux");
	/* A section table that runs off the end is reported, not followed. */
	size_t n = build();
	tb_put16(img_buf + 60, 1000);
	ck_assert_int_eq(elf_image_parse(&img, img_buf, n, &why), ELF_IMG_ETRUNC);
}
END_TEST

START_TEST(test_note_segment_align8_and_offset0)
{
	spec.note_align = 8;
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_str_eq(img.notes.xen_version, "xen-3.0");
	/* Xen skips PT_NOTE with p_offset 0 (a binutils quirk): the notes are then missing. */
	spec.note_align = 4;
	size_t n = build();
	struct tb_layout l = tb_plan(&spec);
	tb_put64(img_buf + l.phoff + 56 * spec.nr_segs + 8, 0);
	ck_assert_int_eq(elf_image_parse(&img, img_buf, n, &why), ELF_IMG_ENOTXEN);
}
END_TEST

/* ---- address layout ---- */

START_TEST(test_entry_rules)
{
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, KSTART + 0x3000);	/* just past the end */
	expect_err(ELF_IMG_ELAYOUT, "ENTRY");
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, KSTART - 1);
	expect_err(ELF_IMG_ELAYOUT, "ENTRY");
	/* Without ENTRY, Xen falls back to e_entry: vmlinux's physical entry is then outside. */
	tb_note_del(&spec, XEN_ELFNOTE_ENTRY);
	expect_err(ELF_IMG_ELAYOUT, "e_entry");
	spec.e_entry = KSTART + 0x2100;
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.virt_entry, KSTART + 0x2100);
	/* Inside [kstart, kend) but in a hole between segments. */
	spec.segs[1].paddr = 0x1004000;
	spec.segs[1].vaddr = KSTART + 0x4000;
	spec.e_entry = KSTART + 0x3000;
	expect_err(ELF_IMG_ELAYOUT, "outside every loaded segment");
}
END_TEST

/* Loads go by p_paddr: a segment with p_vaddr 0 (Linux's percpu) still lands at paddr + offset. */
START_TEST(test_load_by_paddr)
{
	spec.nr_segs = 3;
	spec.segs[2] = (struct tb_seg){ .flags = 6, .paddr = 0x1003000, .vaddr = 0,
					.filesz = 0x40, .memsz = 0x1000, .align = 0x1000 };
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.loads[2].va, KSTART + 0x3000);
	ck_assert_uint_eq(img.loads[2].gpa, 0x1003000);
	ck_assert_uint_eq(img.virt_kend, KSTART + 0x4000);
}
END_TEST

/* PADDR_OFFSET: va = paddr + VIRT_BASE - PADDR_OFFSET, gpa = va - VIRT_BASE. */
START_TEST(test_paddr_offset)
{
	/* Old-style image whose p_paddr are the virtual addresses. */
	spec.segs[0].paddr = KSTART;
	spec.segs[1].paddr = KSTART + 0x2000;
	tb_note_u64(&spec, XEN_ELFNOTE_PADDR_OFFSET, KBASE);
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.virt_offset, 0);
	ck_assert_uint_eq(img.loads[0].va, KSTART);
	ck_assert_uint_eq(img.loads[0].gpa, KSTART - KBASE);
	ck_assert_uint_eq(img.virt_kstart, KSTART);
	/* Lower-half kernel (mini-os style): VIRT_BASE 0 by default. */
	spec_default(&spec);
	tb_note_del(&spec, XEN_ELFNOTE_VIRT_BASE);
	tb_note_del(&spec, XEN_ELFNOTE_PADDR_OFFSET);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, 0x1000000);
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.virt_kstart, 0x1000000);
	ck_assert_uint_eq(img.loads[1].gpa, 0x1002000);
}
END_TEST

START_TEST(test_bad_layouts)
{
	tb_note_u64(&spec, XEN_ELFNOTE_PADDR_OFFSET, 0x2000000);	/* kstart below VIRT_BASE */
	expect_err(ELF_IMG_ELAYOUT, "VIRT_BASE");
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, KBASE + 0x10);
	tb_note_u64(&spec, XEN_ELFNOTE_PADDR_OFFSET, 0x10);
	expect_err(ELF_IMG_ELAYOUT, "page-aligned");
	/* Into the hypervisor's slots. */
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, HYPERVISOR_VIRT_START);
	tb_note_u64(&spec, XEN_ELFNOTE_PADDR_OFFSET, 0);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, HYPERVISOR_VIRT_START + 0x1000010);
	expect_err(ELF_IMG_ELAYOUT, "hypervisor");
	/* Straddling the end of the reserved range is just as bad. */
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, HYPERVISOR_VIRT_END - 0x1001000);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, HYPERVISOR_VIRT_END - 0x1000);
	expect_err(ELF_IMG_ELAYOUT, "hypervisor");
	/* Non-canonical. */
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, 0x0000800000000000ULL);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, 0x0000800001000010ULL);
	expect_err(ELF_IMG_ELAYOUT, "canonical");
	/* Crossing the canonical hole from the top of the lower half. */
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, 0x00007fffff000000ULL - 0x1000000);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, 0x00007fffff000010ULL);
	spec.segs[0].memsz = 0x2000000;
	spec.segs[1].paddr = 0x3000000;
	expect_err(ELF_IMG_ELAYOUT, "canonical");
	/* Wrapping past 2^64. */
	spec_default(&spec);
	tb_note_u64(&spec, XEN_ELFNOTE_VIRT_BASE, 0xfffffffffe000000ULL);
	tb_note_u64(&spec, XEN_ELFNOTE_ENTRY, 0xffffffffff000010ULL);
	spec.segs[1].memsz = 0x1000000;
	expect_err(ELF_IMG_ELAYOUT, "wraps");
	/* Larger than one L2 can map. */
	spec_default(&spec);
	spec.segs[1].memsz = 0x40000000;
	expect_err(ELF_IMG_ELAYOUT, "1 GiB");
}
END_TEST

START_TEST(test_hypercall_page_and_p2m)
{
	tb_note_u64(&spec, XEN_ELFNOTE_HYPERCALL_PAGE, KSTART + 0x800);
	expect_err(ELF_IMG_ELAYOUT, "HYPERCALL_PAGE");
	tb_note_u64(&spec, XEN_ELFNOTE_HYPERCALL_PAGE, KSTART + 0x3000);
	expect_err(ELF_IMG_ELAYOUT, "HYPERCALL_PAGE");
	tb_note_u64(&spec, XEN_ELFNOTE_HYPERCALL_PAGE, KSTART + 0x2000);
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	tb_note_u64(&spec, XEN_ELFNOTE_INIT_P2M, KSTART + 0x1000);
	expect_err(ELF_IMG_ELAYOUT, "INIT_P2M");
	tb_note_u64(&spec, XEN_ELFNOTE_INIT_P2M, KSTART + 0x3000);
	ck_assert_int_eq(build_parse(&why), 0);
}
END_TEST

/* ---- segments ---- */

START_TEST(test_bad_segments)
{
	spec.segs[1].filesz = 0x1001;
	expect_err(ELF_IMG_ESEGMENT, "p_filesz exceeds p_memsz");
	spec_default(&spec);
	spec.segs[1].paddr = 0x1001000;		/* overlaps the first one's bss */
	expect_err(ELF_IMG_ESEGMENT, "overlap");
	spec_default(&spec);
	spec.segs[1].paddr = 0xfffffffffffff000ULL;
	expect_err(ELF_IMG_ESEGMENT, "overflows");
	spec_default(&spec);
	spec.segs[1].align = 0x3000;
	expect_err(ELF_IMG_ESEGMENT, "power of two");
	spec_default(&spec);
	spec.segs[0].align = 0x200000;		/* offset is congruent mod 4K only */
	expect_err(ELF_IMG_ESEGMENT, "modulo p_align");
	spec_default(&spec);
	spec.segs[0].type = 6;			/* PT_PHDR: nothing loadable left for the entry */
	spec.segs[1].type = 6;
	expect_err(ELF_IMG_ESEGMENT, "no loadable");
}
END_TEST

START_TEST(test_segment_filtering_and_limits)
{
	/* PT_LOADs without permissions or with memsz 0 are not loaded (as in libelf). */
	spec.nr_segs = 4;
	spec.segs[2] = (struct tb_seg){ .flags = 0, .paddr = 0x1000000, .vaddr = KSTART,
					.filesz = 0x10, .memsz = 0x10, .align = 0x1000 };
	spec.segs[3] = (struct tb_seg){ .flags = 7, .paddr = 0x5000000, .vaddr = KSTART,
					.filesz = 0, .memsz = 0, .align = 0x1000 };
	const char *why;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.nr_loads, 2);
	ck_assert_uint_eq(img.virt_kend, KSTART + 0x3000);
	/* More loads than the fixed plan holds. */
	spec.nr_segs = ELF_IMG_MAX_LOADS + 1;
	for (unsigned i = 0; i < spec.nr_segs; i++)
		spec.segs[i] = (struct tb_seg){ .flags = 4, .paddr = 0x1000000 + 0x1000 * i,
						.vaddr = KSTART + 0x1000 * i, .filesz = 8,
						.memsz = 0x1000, .align = 0x1000 };
	expect_err(ELF_IMG_EUNSUPP, "more loadable");
	spec.nr_segs = ELF_IMG_MAX_LOADS;
	ck_assert_int_eq(build_parse(&why), 0);
	ck_assert_uint_eq(img.nr_loads, ELF_IMG_MAX_LOADS);
}
END_TEST

/* ---- hostile headers ---- */

static int parse_mutated(size_t off, const void *bytes, size_t n, size_t len)
{
	memcpy(img_buf + off, bytes, n);
	return elf_image_parse(&img, img_buf, len, NULL);
}

START_TEST(test_corrupt_headers)
{
	struct { size_t off; uint8_t v; int err; } b1[] = {
		{ 0, 0x7e, ELF_IMG_EMAGIC }, { 4, 1, ELF_IMG_EFORMAT }, { 5, 2, ELF_IMG_EFORMAT },
		{ 6, 0, ELF_IMG_EFORMAT }, { 16, 3, ELF_IMG_EFORMAT }, { 18, 3, ELF_IMG_EFORMAT },
		{ 52, 40, ELF_IMG_EFORMAT }, { 54, 32, ELF_IMG_EPHDR },
	};
	for (size_t i = 0; i < sizeof(b1) / sizeof(b1[0]); i++) {
		size_t n = build();
		ck_assert_int_eq(parse_mutated(b1[i].off, &b1[i].v, 1, n), b1[i].err);
	}
	size_t n = build();
	uint8_t z16[2] = { 0, 0 }, ff16[2] = { 0xff, 0xff }, big[8];
	ck_assert_int_eq(parse_mutated(56, z16, 2, n), ELF_IMG_EPHDR);
	n = build();
	ck_assert_int_eq(parse_mutated(56, ff16, 2, n), ELF_IMG_EUNSUPP);
	/* e_phoff near 2^64: offset + size would wrap. */
	n = build();
	tb_put64(big, UINT64_MAX - 16);
	ck_assert_int_eq(parse_mutated(32, big, 8, n), ELF_IMG_ETRUNC);
	n = build();
	tb_put64(big, n - 10);
	ck_assert_int_eq(parse_mutated(32, big, 8, n), ELF_IMG_ETRUNC);
	/* PT_LOAD p_offset near 2^64 with a small filesz. */
	n = build();
	struct tb_layout l = tb_plan(&spec);
	tb_put64(big, UINT64_MAX - 4);
	ck_assert_int_eq(parse_mutated(l.phoff + 8, big, 8, n), ELF_IMG_ETRUNC);
	/* p_filesz near 2^64. */
	n = build();
	tb_put64(big, UINT64_MAX);
	ck_assert_int_eq(parse_mutated(l.phoff + 32, big, 8, n), ELF_IMG_ETRUNC);
	/* Wrong version word and bad e_ident version. */
	n = build();
	uint8_t v2[4] = { 2, 0, 0, 0 };
	ck_assert_int_eq(parse_mutated(20, v2, 4, n), ELF_IMG_EFORMAT);
}
END_TEST

START_TEST(test_corrupt_notes)
{
	size_t n = build();
	struct tb_layout l = tb_plan(&spec);
	uint8_t v[8];
	/* First note's namesz and descsz huge: must not wrap into the buffer. */
	tb_put32(v, 0xffffffff);
	ck_assert_int_eq(parse_mutated(l.note_off, v, 4, n), ELF_IMG_ETRUNC);
	n = build();
	ck_assert_int_eq(parse_mutated(l.note_off + 4, v, 4, n), ELF_IMG_ETRUNC);
	n = build();
	tb_put32(v, 0xfffffffc);
	ck_assert_int_eq(parse_mutated(l.note_off + 4, v, 4, n), ELF_IMG_ETRUNC);
	/* PT_NOTE claiming more bytes than the file has. */
	n = build();
	tb_put64(v, n);
	ck_assert_int_eq(parse_mutated(l.phoff + 56 * spec.nr_segs + 32, v, 8, n), ELF_IMG_ETRUNC);
	n = build();
	tb_put64(v, UINT64_MAX - 2);
	ck_assert_int_eq(parse_mutated(l.phoff + 56 * spec.nr_segs + 8, v, 8, n), ELF_IMG_ETRUNC);
	/* The last note's descriptor overruns the segment (only its padding may be cut). */
	n = build();
	tb_put64(v, l.note_size - 2);
	ck_assert_int_eq(parse_mutated(l.phoff + 56 * spec.nr_segs + 32, v, 8, n), 0);
	tb_put64(v, l.note_size - 3);
	ck_assert_int_eq(parse_mutated(l.phoff + 56 * spec.nr_segs + 32, v, 8, n), ELF_IMG_ETRUNC);
}
END_TEST

/* Thousands of empty foreign notes: the scan stops with an error instead of spinning. */
START_TEST(test_note_flood)
{
	size_t n = build();
	struct tb_layout l = tb_plan(&spec);
	size_t flood = 5000 * 12, off = (n + 7) & ~(size_t)7;
	ck_assert_uint_lt(off + flood, sizeof(img_buf));
	memset(img_buf + n, 0, off + flood - n);	/* namesz = descsz = type = 0 */
	uint8_t v[8];
	tb_put64(v, off);
	memcpy(img_buf + l.phoff + 56 * spec.nr_segs + 8, v, 8);
	tb_put64(v, flood);
	memcpy(img_buf + l.phoff + 56 * spec.nr_segs + 32, v, 8);
	const char *why;
	ck_assert_int_eq(elf_image_parse(&img, img_buf, off + flood, &why), ELF_IMG_ENOTE);
	ck_assert_ptr_nonnull(strstr(why, "too many"));
}
END_TEST

/* Every truncation of a valid image fails cleanly. */
START_TEST(test_every_truncation)
{
	size_t n = build();
	for (size_t len = 0; len < n; len++) {
		const char *why = NULL;
		int err = elf_image_parse(&img, img_buf, len, &why);
		ck_assert_msg(err < 0, "truncated to %zu parsed", len);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(elf_image_parse(&img, img_buf, n, NULL), 0);
	ck_assert_int_eq(elf_image_parse(NULL, img_buf, n, NULL), ELF_IMG_EINVAL);
	ck_assert_int_eq(elf_image_parse(&img, NULL, n, NULL), ELF_IMG_EINVAL);
}
END_TEST

/* Random byte flips in the headers and notes: never a crash, and any success is self-consistent. */
START_TEST(test_random_corruption)
{
	size_t n = build();
	struct tb_layout l = tb_plan(&spec);
	static uint8_t pristine[IMG_CAP];
	memcpy(pristine, img_buf, n);
	uint32_t seed = 12345;
	unsigned ok = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(img_buf, pristine, n);
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245 + 12345;
			size_t pos = (seed >> 8) % (l.shoff + 16);
			img_buf[pos] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		}
		if (elf_image_parse(&img, img_buf, n, NULL) != 0)
			continue;
		ok++;
		ck_assert(img.virt_entry >= img.virt_kstart && img.virt_entry < img.virt_kend);
		for (uint32_t i = 0; i < img.nr_loads; i++) {
			const struct elf_img_load *ld = &img.loads[i];
			ck_assert(ld->file_off + ld->filesz <= n && ld->filesz <= ld->memsz);
			ck_assert(ld->va >= img.virt_kstart && ld->va + ld->memsz <= img.virt_kend);
		}
	}
	ck_assert_uint_gt(ok, 0);	/* some flips hit bytes that do not matter */
}
END_TEST

START_TEST(test_strerror)
{
	for (int e = ELF_IMG_EUNSUPP; e <= 0; e++)
		ck_assert_str_ne(elf_img_strerror(e), "unknown error");
	ck_assert_str_eq(elf_img_strerror(-100), "unknown error");
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf_image");
	TCase *good = tcase_create("notes");
	tcase_add_checked_fixture(good, setup, NULL);
	tcase_add_test(good, test_default_image);
	tcase_add_test(good, test_copy_image);
	tcase_add_test(good, test_every_note);
	tcase_add_test(good, test_numeric_widths);
	tcase_add_test(good, test_l1_mfn_valid_single);
	tcase_add_test(good, test_string_notes_without_nul);
	tcase_add_test(good, test_features_syntax);
	tcase_add_test(good, test_features_long_token);
	tcase_add_test(good, test_features_in_image);
	tcase_add_test(good, test_not_xen);
	tcase_add_test(good, test_notes_in_sections);
	tcase_add_test(good, test_note_segment_align8_and_offset0);
	suite_add_tcase(s, good);

	TCase *lay = tcase_create("layout");
	tcase_add_checked_fixture(lay, setup, NULL);
	tcase_add_test(lay, test_entry_rules);
	tcase_add_test(lay, test_load_by_paddr);
	tcase_add_test(lay, test_paddr_offset);
	tcase_add_test(lay, test_bad_layouts);
	tcase_add_test(lay, test_hypercall_page_and_p2m);
	tcase_add_test(lay, test_bad_segments);
	tcase_add_test(lay, test_segment_filtering_and_limits);
	suite_add_tcase(s, lay);

	TCase *bad = tcase_create("hostile");
	tcase_add_checked_fixture(bad, setup, NULL);
	tcase_set_timeout(bad, 60);
	tcase_add_test(bad, test_corrupt_headers);
	tcase_add_test(bad, test_corrupt_notes);
	tcase_add_test(bad, test_note_flood);
	tcase_add_test(bad, test_every_truncation);
	tcase_add_test(bad, test_random_corruption);
	suite_add_tcase(s, bad);

	tcase_add_test(bad, test_strerror);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(elf_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

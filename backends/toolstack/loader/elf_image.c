/* SPDX-License-Identifier: MIT */
/* Validates an ELF64 x86_64 PV kernel against its buffer and computes where each PT_LOAD goes (libelf rules). */
#include "elf_image.h"
#include "loader_lib.h"
#include <pvabi/arch_x86_64.h>
#include <pvabi/elfnote.h>

/* ELF64 field offsets and constants (System V gABI, x86_64 psABI). */
#define EHDR_SIZE	64
#define E_TYPE		16
#define E_MACHINE	18
#define E_VERSION	20
#define E_ENTRY		24
#define E_PHOFF		32
#define E_SHOFF		40
#define E_EHSIZE	52
#define E_PHENTSIZE	54
#define E_PHNUM		56
#define E_SHENTSIZE	58
#define E_SHNUM		60

#define PHDR_SIZE	56
#define P_TYPE		0
#define P_FLAGS		4
#define P_OFFSET	8
#define P_VADDR		16
#define P_PADDR		24
#define P_FILESZ	32
#define P_MEMSZ		40
#define P_ALIGN		48

#define SHDR_SIZE	64
#define SH_TYPE		4
#define SH_OFFSET	24
#define SH_SIZE		32
#define SH_ADDRALIGN	48

#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4
#define SHT_NOTE	7
#define PN_XNUM		0xffff
#define PF_RWX		7

#define XEN_VERSION_PREFIX	"xen-3.0"

static int img_fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

const char *elf_img_strerror(int err)
{
	switch (err) {
	case ELF_IMG_OK:	return "ok";
	case ELF_IMG_EINVAL:	return "invalid argument";
	case ELF_IMG_ETRUNC:	return "truncated image";
	case ELF_IMG_EMAGIC:	return "wrong magic";
	case ELF_IMG_EFORMAT:	return "not an x86_64 ELF64 executable";
	case ELF_IMG_EPHDR:	return "bad program headers";
	case ELF_IMG_ESEGMENT:	return "bad loadable segment";
	case ELF_IMG_ENOTE:	return "malformed Xen note";
	case ELF_IMG_EFEATURE:	return "unsupported required feature";
	case ELF_IMG_ENOTXEN:	return "not a Xen PV kernel";
	case ELF_IMG_ELAYOUT:	return "impossible address layout";
	case ELF_IMG_EUNSUPP:	return "unsupported image";
	default:		return "unknown error";
	}
}

static int check_ehdr(const uint8_t *b, size_t len, const char **why)
{
	if (len < EHDR_SIZE)
		return img_fail(why, "shorter than an ELF64 header", len >= 4 &&
				memcmp(b, "\x7f" "ELF", 4) == 0 ? ELF_IMG_ETRUNC : ELF_IMG_EMAGIC);
	if (memcmp(b, "\x7f" "ELF", 4) != 0)
		return img_fail(why, "no ELF magic", ELF_IMG_EMAGIC);
	if (b[4] != ELFCLASS64)
		return img_fail(why, "not ELFCLASS64", ELF_IMG_EFORMAT);
	if (b[5] != ELFDATA2LSB)
		return img_fail(why, "not little-endian", ELF_IMG_EFORMAT);
	if (b[6] != EV_CURRENT || elf_rd32(b + E_VERSION) != EV_CURRENT)
		return img_fail(why, "unknown ELF version", ELF_IMG_EFORMAT);
	if (elf_rd16(b + E_TYPE) != ET_EXEC)
		return img_fail(why, "not an ET_EXEC executable", ELF_IMG_EFORMAT);
	if (elf_rd16(b + E_MACHINE) != EM_X86_64)
		return img_fail(why, "not an x86_64 (EM_X86_64) image", ELF_IMG_EFORMAT);
	if (elf_rd16(b + E_EHSIZE) < EHDR_SIZE)
		return img_fail(why, "e_ehsize smaller than an ELF64 header", ELF_IMG_EFORMAT);
	return 0;
}

static int check_phdr_table(const uint8_t *b, size_t len, const char **why)
{
	uint16_t phnum = elf_rd16(b + E_PHNUM);
	if (phnum == 0)
		return img_fail(why, "no program headers", ELF_IMG_EPHDR);
	if (phnum == PN_XNUM)
		return img_fail(why, "extended program header count (PN_XNUM) not supported",
				ELF_IMG_EUNSUPP);
	if (elf_rd16(b + E_PHENTSIZE) != PHDR_SIZE)
		return img_fail(why, "e_phentsize is not 56", ELF_IMG_EPHDR);
	if (!elf_range_ok(elf_rd64(b + E_PHOFF), (uint64_t)phnum * PHDR_SIZE, len))
		return img_fail(why, "program header table extends past the end of the image",
				ELF_IMG_ETRUNC);
	return 0;
}

static const uint8_t *phdr_at(const uint8_t *b, unsigned i)
{
	return b + elf_rd64(b + E_PHOFF) + (uint64_t)i * PHDR_SIZE;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* One PT_LOAD on its own: data in the file, sizes consistent, no wrap, sane alignment. */
static int check_load(const uint8_t *ph, size_t len, const char **why)
{
	uint64_t off = elf_rd64(ph + P_OFFSET), filesz = elf_rd64(ph + P_FILESZ);
	uint64_t memsz = elf_rd64(ph + P_MEMSZ), paddr = elf_rd64(ph + P_PADDR);
	uint64_t vaddr = elf_rd64(ph + P_VADDR), align = elf_rd64(ph + P_ALIGN);

	if (!elf_range_ok(off, filesz, len))
		return img_fail(why, "PT_LOAD file data extends past the end of the image",
				ELF_IMG_ETRUNC);
	if (filesz > memsz)
		return img_fail(why, "PT_LOAD p_filesz exceeds p_memsz", ELF_IMG_ESEGMENT);
	if (memsz > UINT64_MAX - paddr)
		return img_fail(why, "PT_LOAD p_paddr + p_memsz overflows", ELF_IMG_ESEGMENT);
	if (align > 1 && !is_pow2(align))
		return img_fail(why, "PT_LOAD p_align is not a power of two", ELF_IMG_ESEGMENT);
	if (align > 1 && (off & (align - 1)) != (vaddr & (align - 1)))
		return img_fail(why, "PT_LOAD p_offset and p_vaddr disagree modulo p_align",
				ELF_IMG_ESEGMENT);
	return 0;
}

/* Records every loadable segment (PT_LOAD with some R/W/X permission and memsz > 0). */
static int collect_loads(struct elf_image *img, const char **why)
{
	const uint8_t *b = img->buf;
	uint16_t phnum = elf_rd16(b + E_PHNUM);

	img->pstart = UINT64_MAX;
	img->pend = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = phdr_at(b, i);
		if (elf_rd32(ph + P_TYPE) != PT_LOAD)
			continue;
		int err = check_load(ph, img->len, why);
		if (err)
			return err;
		uint32_t flags = elf_rd32(ph + P_FLAGS);
		uint64_t memsz = elf_rd64(ph + P_MEMSZ);
		if (!(flags & PF_RWX) || memsz == 0)
			continue;
		if (img->nr_loads == ELF_IMG_MAX_LOADS)
			return img_fail(why, "more loadable segments than supported", ELF_IMG_EUNSUPP);
		struct elf_img_load *l = &img->loads[img->nr_loads++];
		l->file_off = elf_rd64(ph + P_OFFSET);
		l->filesz = elf_rd64(ph + P_FILESZ);
		l->memsz = memsz;
		l->paddr = elf_rd64(ph + P_PADDR);
		l->flags = flags;
		img->pstart = MIN(img->pstart, l->paddr);
		img->pend = MAX(img->pend, l->paddr + memsz);
	}
	if (img->nr_loads == 0)
		return img_fail(why, "no loadable segment", ELF_IMG_ESEGMENT);
	return 0;
}

/* Loads share one flat destination indexed by p_paddr, so their ranges must be disjoint. */
static int check_overlap(const struct elf_image *img, const char **why)
{
	for (uint32_t i = 0; i < img->nr_loads; i++) {
		const struct elf_img_load *a = &img->loads[i];
		for (uint32_t j = i + 1; j < img->nr_loads; j++) {
			const struct elf_img_load *c = &img->loads[j];
			if (a->paddr < c->paddr + c->memsz && c->paddr < a->paddr + a->memsz)
				return img_fail(why, "PT_LOAD segments overlap in p_paddr",
						ELF_IMG_ESEGMENT);
		}
	}
	return 0;
}

/* Xen reads notes from PT_NOTE segments (skipping p_offset 0, a binutils quirk). */
static int scan_note_segments(struct elf_image *img, const char **why)
{
	const uint8_t *b = img->buf;
	uint16_t phnum = elf_rd16(b + E_PHNUM);

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = phdr_at(b, i);
		if (elf_rd32(ph + P_TYPE) != PT_NOTE || elf_rd64(ph + P_OFFSET) == 0)
			continue;
		int err = xen_notes_scan(b, img->len, elf_rd64(ph + P_OFFSET),
					 elf_rd64(ph + P_FILESZ), elf_rd64(ph + P_ALIGN),
					 &img->notes, why);
		if (err)
			return err;
	}
	return 0;
}

/* Fallback when no PT_NOTE carried Xen notes: SHT_NOTE sections, if a usable table exists. */
static int scan_note_sections(struct elf_image *img, const char **why)
{
	const uint8_t *b = img->buf;
	uint64_t shoff = elf_rd64(b + E_SHOFF);
	uint16_t shnum = elf_rd16(b + E_SHNUM);

	if (shoff == 0 || shnum == 0)
		return 0;
	if (elf_rd16(b + E_SHENTSIZE) != SHDR_SIZE)
		return img_fail(why, "e_shentsize is not 64", ELF_IMG_EFORMAT);
	if (!elf_range_ok(shoff, (uint64_t)shnum * SHDR_SIZE, img->len))
		return img_fail(why, "section header table extends past the end of the image",
				ELF_IMG_ETRUNC);
	for (unsigned i = 0; i < shnum; i++) {
		const uint8_t *sh = b + shoff + (uint64_t)i * SHDR_SIZE;
		if (elf_rd32(sh + SH_TYPE) != SHT_NOTE)
			continue;
		int err = xen_notes_scan(b, img->len, elf_rd64(sh + SH_OFFSET),
					 elf_rd64(sh + SH_SIZE), elf_rd64(sh + SH_ADDRALIGN),
					 &img->notes, why);
		if (err)
			return err;
	}
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Xen's acceptance rule: Xen notes exist, built for "xen-3.0", and for the generic loader or Linux. */
static int check_notes(const struct xen_notes *n, const char **why)
{
	if (n->nr_xen_notes == 0)
		return img_fail(why, "no \"Xen\" ELF notes: not a PV kernel", ELF_IMG_ENOTXEN);
	if (!has_prefix(n->xen_version, XEN_VERSION_PREFIX))
		return img_fail(why, "XEN_VERSION note missing or not \"xen-3.0\"", ELF_IMG_ENOTXEN);
	if (!has_prefix(n->loader, "generic") && !has_prefix(n->guest_os, "linux"))
		return img_fail(why, "neither LOADER \"generic\" nor GUEST_OS \"linux\"",
				ELF_IMG_ENOTXEN);
	if (xen_notes_have(n, XEN_ELFNOTE_PADDR_OFFSET) && !xen_notes_have(n, XEN_ELFNOTE_VIRT_BASE))
		return img_fail(why, "PADDR_OFFSET given without VIRT_BASE", ELF_IMG_ENOTXEN);
	return 0;
}

/* x86_64 canonical: bits 63..47 all equal. */
static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

/* virt_kstart = pstart + VIRT_BASE - PADDR_OFFSET (libelf), then bounds everyone relies on. */
static int resolve_layout(struct elf_image *img, const char **why)
{
	const struct xen_notes *n = &img->notes;

	img->virt_base = xen_notes_have(n, XEN_ELFNOTE_VIRT_BASE) ? n->virt_base : 0;
	img->paddr_offset = xen_notes_have(n, XEN_ELFNOTE_PADDR_OFFSET) ? n->paddr_offset : 0;
	img->virt_offset = img->virt_base - img->paddr_offset;
	img->virt_kstart = img->pstart + img->virt_offset;
	img->virt_kend = img->pend + img->virt_offset;
	img->virt_entry = xen_notes_have(n, XEN_ELFNOTE_ENTRY) ? n->entry : img->e_entry;

	if (img->virt_base & (LOADER_PAGE_SIZE - 1))
		return img_fail(why, "VIRT_BASE is not page-aligned", ELF_IMG_ELAYOUT);
	if (img->virt_kstart >= img->virt_kend)
		return img_fail(why, "image wraps around the top of the address space",
				ELF_IMG_ELAYOUT);
	if (img->virt_base > img->virt_kstart)
		return img_fail(why, "VIRT_BASE lies above the start of the image", ELF_IMG_ELAYOUT);
	if (img->virt_kend - img->virt_kstart > ELF_IMG_MAX_EXTENT)
		return img_fail(why, "image is larger than 1 GiB", ELF_IMG_ELAYOUT);
	if (!canonical(img->virt_kstart) || !canonical(img->virt_kend - 1) ||
	    (img->virt_kstart >> 63) != ((img->virt_kend - 1) >> 63))
		return img_fail(why, "image is not in canonical address space", ELF_IMG_ELAYOUT);
	if (img->virt_kstart < HYPERVISOR_VIRT_END && img->virt_kend > HYPERVISOR_VIRT_START)
		return img_fail(why, "image overlaps the hypervisor-reserved range", ELF_IMG_ELAYOUT);
	return 0;
}

static bool in_image(const struct elf_image *img, uint64_t va)
{
	return va >= img->virt_kstart && va < img->virt_kend;
}

/* Fills va/gpa of each load and checks entry, hypercall page and INIT_P2M against them. */
static int place_loads(struct elf_image *img, const char **why)
{
	bool entry_loaded = false;

	for (uint32_t i = 0; i < img->nr_loads; i++) {
		struct elf_img_load *l = &img->loads[i];
		l->va = l->paddr + img->virt_offset;
		l->gpa = l->va - img->virt_base;
		if (img->virt_entry >= l->va && img->virt_entry - l->va < l->memsz)
			entry_loaded = true;
	}
	if (!entry_loaded)
		return img_fail(why, xen_notes_have(&img->notes, XEN_ELFNOTE_ENTRY) ?
				"ENTRY lies outside every loaded segment" :
				"no ENTRY note and e_entry lies outside every loaded segment",
				ELF_IMG_ELAYOUT);
	const struct xen_notes *n = &img->notes;
	if (xen_notes_have(n, XEN_ELFNOTE_HYPERCALL_PAGE) &&
	    ((n->hypercall_page & (LOADER_PAGE_SIZE - 1)) || !in_image(img, n->hypercall_page) ||
	     img->virt_kend - n->hypercall_page < LOADER_PAGE_SIZE))
		return img_fail(why, "HYPERCALL_PAGE is not a page inside the image", ELF_IMG_ELAYOUT);
	if (xen_notes_have(n, XEN_ELFNOTE_INIT_P2M) && in_image(img, n->init_p2m))
		return img_fail(why, "INIT_P2M lies inside the kernel image", ELF_IMG_ELAYOUT);
	return 0;
}

int elf_image_parse(struct elf_image *img, const uint8_t *buf, size_t len,
		    const char **why)
{
	if (!img || !buf)
		return img_fail(why, "NULL argument", ELF_IMG_EINVAL);
	memset(img, 0, sizeof(*img));
	img->buf = buf;
	img->len = len;

	int err = check_ehdr(buf, len, why);
	if (!err)
		err = check_phdr_table(buf, len, why);
	if (err)
		return err;
	img->e_entry = elf_rd64(buf + E_ENTRY);

	err = collect_loads(img, why);
	if (!err)
		err = check_overlap(img, why);
	if (!err)
		err = scan_note_segments(img, why);
	if (!err && img->notes.nr_xen_notes == 0)
		err = scan_note_sections(img, why);
	if (!err)
		err = check_notes(&img->notes, why);
	if (!err)
		err = resolve_layout(img, why);
	if (!err)
		err = place_loads(img, why);
	if (err)
		return err;
	if (why)
		*why = "ok";
	return 0;
}

int elf_image_copy(const struct elf_image *img, uint8_t *dst, size_t dst_len,
		   const char **why)
{
	if (!img || !dst || img->nr_loads == 0)
		return img_fail(why, "NULL argument or unparsed image", ELF_IMG_EINVAL);
	uint64_t extent = img->virt_kend - img->virt_kstart;
	if (dst_len < extent)
		return img_fail(why, "destination smaller than the image", ELF_IMG_EINVAL);
	memset(dst, 0, (size_t)extent);
	for (uint32_t i = 0; i < img->nr_loads; i++) {
		const struct elf_img_load *l = &img->loads[i];
		memcpy(dst + (l->va - img->virt_kstart), img->buf + l->file_off, (size_t)l->filesz);
	}
	if (why)
		*why = "ok";
	return 0;
}

int elf_image_check_features(const struct elf_image *img, uint32_t hv_features,
			     const char **why)
{
	if (!img)
		return img_fail(why, "NULL argument", ELF_IMG_EINVAL);
	if (img->notes.feat_required[0] & ~hv_features)
		return img_fail(why, "kernel requires a feature this hypervisor does not provide",
				ELF_IMG_EFEATURE);
	return 0;
}

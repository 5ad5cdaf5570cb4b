/* SPDX-License-Identifier: MIT */
/* PV guest kernel images: bzImage wrapper, ELF64 x86_64 validation, Xen ELF notes and the load plan. */
#ifndef LOADER_ELF_IMAGE_H
#define LOADER_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/features.h>

/*
 * Everything here reads a caller-provided buffer that came from outside
 * (a boot module, a toolstack request) and is treated as hostile: every
 * offset and size is checked against the buffer length with arithmetic
 * that cannot overflow, nothing is allocated, nothing global is written.
 * Failures return one of the negative codes below and, through *why, a
 * static one-line reason naming the exact check that failed.
 */
#define ELF_IMG_OK		0
#define ELF_IMG_EINVAL		(-1)	/* NULL or unusable argument */
#define ELF_IMG_ETRUNC		(-2)	/* a header, table or note runs past the buffer */
#define ELF_IMG_EMAGIC		(-3)	/* not this kind of image at all */
#define ELF_IMG_EFORMAT		(-4)	/* ELF, but not a little-endian x86_64 ELF64 executable */
#define ELF_IMG_EPHDR		(-5)	/* program header table unusable */
#define ELF_IMG_ESEGMENT	(-6)	/* a PT_LOAD is inconsistent, misaligned or overlaps another */
#define ELF_IMG_ENOTE		(-7)	/* a Xen note has a size its type does not allow */
#define ELF_IMG_EFEATURE	(-8)	/* FEATURES requires a feature we do not know (or lack) */
#define ELF_IMG_ENOTXEN		(-9)	/* no Xen notes, or they say the image is not for a Xen-ABI loader */
#define ELF_IMG_ELAYOUT		(-10)	/* address layout impossible: entry outside, reserved range, ... */
#define ELF_IMG_EUNSUPP		(-11)	/* well-formed but unsupported (compression, old protocol, too many segments) */

/* Returns a static name for an ELF_IMG_* code. */
const char *elf_img_strerror(int err);

/* ---------------------------------------------------------------- bzImage -- */

enum kimage_comp {
	KIMAGE_COMP_NONE,	/* starts with the ELF magic: no compression */
	KIMAGE_COMP_GZIP,
	KIMAGE_COMP_XZ,
	KIMAGE_COMP_BZIP2,
	KIMAGE_COMP_LZMA,
	KIMAGE_COMP_LZO,
	KIMAGE_COMP_LZ4,
	KIMAGE_COMP_ZSTD,
	KIMAGE_COMP_UNKNOWN,
};

/* Identifies data by its leading magic bytes. */
enum kimage_comp kimage_sniff(const uint8_t *buf, size_t len);
const char *kimage_comp_name(enum kimage_comp comp);

/* Oldest boot protocol that has payload_offset/payload_length. */
#define BZIMAGE_MIN_VERSION	0x0208

struct bzimage_info {
	uint16_t version;	/* boot protocol, e.g. 0x020f */
	uint8_t setup_sects;	/* 512-byte setup sectors after the boot sector (0 read as 4) */
	size_t pm_offset;	/* file offset of the protected-mode kernel */
	size_t payload_offset;	/* file offset of the compressed vmlinux */
	size_t payload_len;
	enum kimage_comp comp;
	/* Last 4 payload bytes, little-endian: the uncompressed size for gzip and for Linux's xz and lz4. */
	uint32_t size_hint;
};

/*
 * Recognises a Linux bzImage and locates its compressed payload.
 * 0: bzImage with a gzip, xz or lz4 payload, *info filled.
 * ELF_IMG_EMAGIC: not a bzImage (try it as ELF or a bare compressed stream).
 * ELF_IMG_EUNSUPP: bzImage whose protocol is too old or whose payload uses
 *   another compressor (info->comp says which).
 * ELF_IMG_ETRUNC / ELF_IMG_EFORMAT: a bzImage whose header points outside
 *   the buffer or is inconsistent.
 */
int bzimage_probe(const uint8_t *buf, size_t len, struct bzimage_info *info,
		  const char **why);

/* ------------------------------------------------------------ Xen notes -- */

#define XEN_NOTE_STR_MAX	32

struct xen_notes {
	uint32_t seen;			/* bit n set: a note of type n (< 32) was decoded */
	uint32_t nr_xen_notes;		/* notes named "Xen" found */
	uint64_t entry;
	uint64_t hypercall_page;
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t hv_start_low;
	uint64_t suspend_cancel;
	uint64_t init_p2m;
	uint64_t mod_start_pfn;
	uint64_t phys32_entry;		/* PVH only; recorded, never used for PV */
	uint64_t l1_mfn_valid_mask;
	uint64_t l1_mfn_valid_value;
	/*
	 * String notes, copied and NUL-terminated (truncated to fit, as libelf
	 * does). A note's string ends at its first NUL or at the end of its
	 * descriptor: Linux's FEATURES note has no NUL of its own. Empty if absent.
	 */
	char xen_version[XEN_NOTE_STR_MAX];
	char guest_os[XEN_NOTE_STR_MAX];
	char guest_version[XEN_NOTE_STR_MAX];
	char loader[XEN_NOTE_STR_MAX];
	char pae_mode[XEN_NOTE_STR_MAX];
	char bsd_symtab[XEN_NOTE_STR_MAX];
	/* XENFEAT_* bitmaps: FEATURES names (with or without '!') and SUPPORTED_FEATURES bits. */
	uint32_t feat_supported[XENFEAT_NR_SUBMAPS];
	uint32_t feat_required[XENFEAT_NR_SUBMAPS];	/* '!' names only */
};

static inline bool xen_notes_have(const struct xen_notes *n, unsigned type)
{
	return type < 32 && (n->seen & (1U << type));
}

/*
 * Parses a FEATURES string of len bytes ("a|!b|c"; '!' = required) into
 * the bitmaps, OR-ing into what they already hold. Unknown names are
 * ignored unless required, which is ELF_IMG_EFEATURE.
 */
int xen_features_parse(const char *s, size_t len, uint32_t *supported,
		       uint32_t *required, const char **why);

/* Returns the FEATURES spelling of XENFEAT_* bit nr, or NULL. */
const char *xen_feature_name(unsigned nr);

/*
 * Decodes every note named "Xen" in [start, start + size) of buf (4- or
 * 8-byte aligned per align) into *notes, which the caller zeroes first.
 * Other notes are skipped. Returns 0 or a negative ELF_IMG_* code.
 */
int xen_notes_scan(const uint8_t *buf, size_t len, uint64_t start, uint64_t size,
		   uint64_t align, struct xen_notes *notes, const char **why);

/* -------------------------------------------------------------- ELF image -- */

#define ELF_IMG_MAX_LOADS	16
/* Linux maps its whole initial region under one L2 (1 GiB); a bigger kernel cannot boot. */
#define ELF_IMG_MAX_EXTENT	(1ULL << 30)

/* One PT_LOAD: copy filesz bytes from file_off, zero-fill up to memsz. */
struct elf_img_load {
	uint64_t file_off;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t paddr;		/* p_paddr as in the file */
	uint64_t va;		/* guest virtual address: paddr + virt_base - paddr_offset */
	uint64_t gpa;		/* guest pseudo-physical: va - virt_base (PFN << 12 when page-aligned) */
	uint32_t flags;		/* ELF_PF_X, ELF_PF_W, ELF_PF_R */
};

/* Segment permission bits of p_flags (ELF64). */
#define ELF_PF_X	1u
#define ELF_PF_W	2u
#define ELF_PF_R	4u

struct elf_image {
	const uint8_t *buf;
	size_t len;
	uint64_t e_entry;		/* ELF header entry: physical for Linux, not used when ENTRY exists */
	struct xen_notes notes;
	/* Resolved layout (libelf rules: defaults VIRT_BASE 0, PADDR_OFFSET 0, entry e_entry). */
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t virt_offset;		/* virt_base - paddr_offset */
	uint64_t pstart, pend;		/* lowest p_paddr, highest p_paddr + p_memsz */
	uint64_t virt_kstart, virt_kend;
	uint64_t virt_entry;
	uint32_t nr_loads;
	struct elf_img_load loads[ELF_IMG_MAX_LOADS];
};

/*
 * Validates an uncompressed ELF64 x86_64 PV kernel of len bytes and fills
 * *img. Loads go by p_paddr (p_vaddr is ignored: Linux's percpu segment
 * has vaddr 0). Returns 0 or a negative ELF_IMG_* code with *why set.
 */
int elf_image_parse(struct elf_image *img, const uint8_t *buf, size_t len,
		    const char **why);

/*
 * Copies a parsed image into dst, which stands for the guest range
 * [virt_kstart, virt_kstart + dst_len): each segment's file bytes, zeros
 * up to its memsz, zeros in any gap. ELF_IMG_EINVAL if dst is too small.
 */
int elf_image_copy(const struct elf_image *img, uint8_t *dst, size_t dst_len,
		   const char **why);

/* ELF_IMG_EFEATURE if the image requires a XENFEAT_* bit outside hv_features (submap 0). */
int elf_image_check_features(const struct elf_image *img, uint32_t hv_features,
			     const char **why);

/* ------------------------------------------------ little-endian accessors -- */

static inline uint16_t elf_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t elf_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t elf_rd64(const uint8_t *p)
{
	return (uint64_t)elf_rd32(p) | ((uint64_t)elf_rd32(p + 4) << 32);
}

/* True if [off, off + size) lies inside a buffer of len bytes; never overflows. */
static inline bool elf_range_ok(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

#endif

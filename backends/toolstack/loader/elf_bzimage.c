/* SPDX-License-Identifier: MIT */
/* Recognises a Linux bzImage and locates its compressed vmlinux; decompression lives in inflate.c / unxz.c. */
#include "elf_image.h"
#include "loader_lib.h"

/* Offsets in the x86 boot sector / setup header (Documentation/x86/boot.rst). */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_BOOT_FLAG		0x1fe
#define BZ_HEADER		0x202
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HEADER_END		0x250	/* we read nothing at or beyond this */
#define BZ_SECTOR		512

struct comp_magic {
	enum kimage_comp comp;
	uint8_t len;
	uint8_t bytes[6];
};

/* Leading bytes of each format, as Linux's compressors emit them. */
static const struct comp_magic comp_magics[] = {
	{ KIMAGE_COMP_NONE, 4, { 0x7f, 'E', 'L', 'F' } },
	{ KIMAGE_COMP_GZIP, 2, { 0x1f, 0x8b } },
	{ KIMAGE_COMP_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
	{ KIMAGE_COMP_BZIP2, 3, { 'B', 'Z', 'h' } },
	{ KIMAGE_COMP_LZMA, 3, { 0x5d, 0x00, 0x00 } },
	{ KIMAGE_COMP_LZO, 4, { 0x89, 'L', 'Z', 'O' } },
	{ KIMAGE_COMP_LZ4, 4, { 0x02, 0x21, 0x4c, 0x18 } },
	{ KIMAGE_COMP_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
};

enum kimage_comp kimage_sniff(const uint8_t *buf, size_t len)
{
	if (!buf)
		return KIMAGE_COMP_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(comp_magics); i++) {
		const struct comp_magic *m = &comp_magics[i];
		if (len >= m->len && memcmp(buf, m->bytes, m->len) == 0)
			return m->comp;
	}
	return KIMAGE_COMP_UNKNOWN;
}

const char *kimage_comp_name(enum kimage_comp comp)
{
	switch (comp) {
	case KIMAGE_COMP_NONE:	return "uncompressed ELF";
	case KIMAGE_COMP_GZIP:	return "gzip";
	case KIMAGE_COMP_XZ:	return "xz";
	case KIMAGE_COMP_BZIP2:	return "bzip2";
	case KIMAGE_COMP_LZMA:	return "lzma";
	case KIMAGE_COMP_LZO:	return "lzo";
	case KIMAGE_COMP_LZ4:	return "lz4";
	case KIMAGE_COMP_ZSTD:	return "zstd";
	default:		return "unknown format";
	}
}

static int bz_fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* Reads the setup header and computes where the protected-mode part and the payload are. */
static int bz_locate(const uint8_t *buf, size_t len, struct bzimage_info *info,
		     const char **why)
{
	info->setup_sects = buf[BZ_SETUP_SECTS];
	info->version = elf_rd16(buf + BZ_VERSION);
	if (info->version < BZIMAGE_MIN_VERSION)
		return bz_fail(why, "bzImage boot protocol older than 2.08 has no payload fields",
			       ELF_IMG_EUNSUPP);
	/* setup_sects 0 means 4 for historical reasons; the boot sector itself adds one. */
	uint64_t sects = info->setup_sects ? info->setup_sects : 4;
	uint64_t pm = (sects + 1) * BZ_SECTOR;
	if (pm > len)
		return bz_fail(why, "bzImage setup sectors extend past the end of the file",
			       ELF_IMG_ETRUNC);
	uint64_t off = elf_rd32(buf + BZ_PAYLOAD_OFFSET);
	uint64_t plen = elf_rd32(buf + BZ_PAYLOAD_LENGTH);
	if (plen == 0)
		return bz_fail(why, "bzImage payload_length is zero", ELF_IMG_EFORMAT);
	if (!elf_range_ok(pm + off, plen, len))
		return bz_fail(why, "bzImage payload extends past the end of the file",
			       ELF_IMG_ETRUNC);
	info->pm_offset = (size_t)pm;
	info->payload_offset = (size_t)(pm + off);
	info->payload_len = (size_t)plen;
	return 0;
}

int bzimage_probe(const uint8_t *buf, size_t len, struct bzimage_info *info,
		  const char **why)
{
	if (!buf || !info)
		return bz_fail(why, "NULL argument", ELF_IMG_EINVAL);
	memset(info, 0, sizeof(*info));
	if (len < BZ_HEADER_END)
		return bz_fail(why, "too short for an x86 boot setup header", ELF_IMG_EMAGIC);
	if (memcmp(buf + BZ_HEADER, "HdrS", 4) != 0)
		return bz_fail(why, "no \"HdrS\" signature at 0x202", ELF_IMG_EMAGIC);
	if (elf_rd16(buf + BZ_BOOT_FLAG) != 0xaa55)
		return bz_fail(why, "boot sector flag 0xaa55 missing", ELF_IMG_EMAGIC);

	int err = bz_locate(buf, len, info, why);
	if (err)
		return err;

	const uint8_t *p = buf + info->payload_offset;
	info->comp = kimage_sniff(p, info->payload_len);
	if (info->payload_len >= 4)
		info->size_hint = elf_rd32(p + info->payload_len - 4);
	if (info->comp != KIMAGE_COMP_GZIP && info->comp != KIMAGE_COMP_XZ && info->comp != KIMAGE_COMP_LZ4)
		return bz_fail(why, "bzImage payload is not gzip, xz or lz4 (unsupported compressor)",
			       ELF_IMG_EUNSUPP);
	if (why)
		*why = "ok";
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* The bzImage setup header and the zero page of Linux's x86 boot protocol (pure: host-tested). Offsets: Documentation/x86/boot.rst. */
#include <hv/lib.h>
#include <pvabi/errno.h>

#include "linux_boot.h"

#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP_END		0x201	/* the byte that gives the header's length */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_MAX		0x22c
#define HDR_CMDLINE_SIZE	0x238
#define HDR_INIT_SIZE		0x260
#define BP_ACPI_RSDP		0x070
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define LOADED_HIGH		0x01
#define QUIET_FLAG		0x20
#define LOADER_UNKNOWN		0xff
#define MIN_VERSION		0x20c	/* cmdline_size, init_size, and 32-bit entry at code32_start */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

bool linux_is_bzimage(const uint8_t *img, size_t len)
{
	return len > HDR_MAGIC + 4 && memcmp(img + HDR_MAGIC, "HdrS", 4) == 0;
}

int linux_bzimage_parse(const uint8_t *img, size_t len, struct linux_bzimage *bz)
{
	unsigned int sects;

	/* Every field read below lies before init_size's end: an image shorter than that is no bzImage. */
	if (len < HDR_INIT_SIZE + 4 || !linux_is_bzimage(img, len) || rd16(img + HDR_BOOT_FLAG) != 0xaa55)
		return -XEN_EINVAL;
	bz->version = rd16(img + HDR_VERSION);
	if (bz->version < MIN_VERSION || !(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return -XEN_EINVAL;
	bz->hdr_len = (size_t)HDR_JUMP_END + 1 + img[HDR_JUMP_END] - HDR_START;
	if (HDR_START + bz->hdr_len > len || HDR_START + bz->hdr_len > 0x1000 ||
	    HDR_START + bz->hdr_len < HDR_INIT_SIZE + 4)
		return -XEN_EINVAL;
	sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	bz->kernel_off = (size_t)(sects + 1) * 512;
	if (bz->kernel_off >= len)
		return -XEN_EINVAL;
	bz->kernel_len = len - bz->kernel_off;
	bz->init_size = rd32(img + HDR_INIT_SIZE);
	bz->initrd_max = rd32(img + HDR_INITRD_MAX);
	bz->cmdline_max = rd32(img + HDR_CMDLINE_SIZE);
	if (!bz->init_size || bz->init_size > (1u << 30) || bz->kernel_len > (1u << 30))
		return -XEN_E2BIG;
	return 0;
}

void linux_zero_page(uint8_t *zp, const uint8_t *img, const struct linux_bzimage *bz, uint32_t cmdline_gpa,
		     uint32_t initrd_gpa, uint32_t initrd_len, const struct hvm_e820 *map, unsigned int nr_map)
{
	memset(zp, 0, 0x1000);
	memcpy(zp + HDR_START, img + HDR_START, bz->hdr_len);
	zp[HDR_TYPE_OF_LOADER] = LOADER_UNKNOWN;
	zp[HDR_LOADFLAGS] &= (uint8_t)~QUIET_FLAG;
	wr32(zp + HDR_CODE32_START, LINUX_KERNEL_GPA);
	wr32(zp + HDR_RAMDISK_IMAGE, initrd_gpa);
	wr32(zp + HDR_RAMDISK_SIZE, initrd_len);
	wr32(zp + HDR_CMD_LINE_PTR, cmdline_gpa);
	wr64(zp + BP_ACPI_RSDP, HVM_ACPI_BASE);
	if (nr_map > BP_E820_MAX)
		nr_map = BP_E820_MAX;
	zp[BP_E820_ENTRIES] = (uint8_t)nr_map;
	for (unsigned int i = 0; i < nr_map; i++) {
		uint8_t *e = zp + BP_E820_TABLE + i * 20;

		wr64(e, map[i].addr);
		wr64(e + 8, map[i].size);
		wr32(e + 16, map[i].type);
	}
}

void linux_boot_gdt(uint64_t gdt[4])
{
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffULL;	/* base 0, limit 4 GiB, 32-bit code, read, present */
	gdt[3] = 0x00cf93000000ffffULL;	/* base 0, limit 4 GiB, data, write, present */
}

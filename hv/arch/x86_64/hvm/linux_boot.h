/* SPDX-License-Identifier: MIT */
/* The Linux x86 boot protocol for HVM guests: a bzImage's setup header checked, and the zero page built from it. */
#ifndef HVM_LINUX_BOOT_H
#define HVM_LINUX_BOOT_H

#include <hv/types.h>

#include "hvm_firmware.h"

/* Guest-physical layout of a direct Linux boot (all below the kernel at 1 MiB). */
#define LINUX_GDT_GPA		0x6000u
#define LINUX_ZERO_PAGE_GPA	0x7000u
#define LINUX_CMDLINE_GPA	0x20000u
#define LINUX_CMDLINE_MAX	0x10000u	/* ends below the EBDA */
#define LINUX_KERNEL_GPA	0x100000u	/* code32_start of the 32-bit protocol */
/* Where the relocatable kernel decompresses itself at least (its LOAD_PHYSICAL_ADDR on Debian). */
#define LINUX_DECOMPRESS_GPA	0x1000000u
#define LINUX_BOOT_CS		0x10
#define LINUX_BOOT_DS		0x18

struct linux_bzimage {
	uint16_t version;		/* boot protocol, 0x20c at least */
	size_t kernel_off, kernel_len;	/* the protected-mode part inside the image */
	size_t hdr_len;			/* setup header bytes from 0x1f1 */
	uint32_t init_size;		/* memory the kernel needs from where it decompresses */
	uint32_t initrd_max;		/* highest address an initrd byte may have */
	uint32_t cmdline_max;		/* bytes, without the NUL */
};

/* Checks a bzImage as hostile input. 0, or -XEN_EINVAL (not a bzImage this loader takes), -XEN_E2BIG. */
int linux_bzimage_parse(const uint8_t *img, size_t len, struct linux_bzimage *bz);
/* true if img starts like a bzImage (its "HdrS" magic): the builder takes the Linux path then. */
bool linux_is_bzimage(const uint8_t *img, size_t len);
/*
 * The zero page (boot_params, 4 KiB at zp): the image's setup header, the
 * loader's fields, the command line and initrd addresses, the E820 map and
 * the RSDP. cmdline_gpa, initrd_gpa/len already placed by the caller.
 */
void linux_zero_page(uint8_t *zp, const uint8_t *img, const struct linux_bzimage *bz, uint32_t cmdline_gpa,
		     uint32_t initrd_gpa, uint32_t initrd_len, const struct hvm_e820 *map, unsigned int nr_map);
/* The boot GDT the protocol asks for: null, null, flat 32-bit code (0x10), flat data (0x18). */
void linux_boot_gdt(uint64_t gdt[4]);

#endif

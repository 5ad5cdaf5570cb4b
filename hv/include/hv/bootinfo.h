/* SPDX-License-Identifier: MIT */
/* What the boot loader told us (memory map, modules, command line), copied out of its memory; host-testable. */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <hv/types.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

#define BOOT_MAX_MEMRANGES	128
#define BOOT_MAX_MODULES	32
#define BOOT_CMDLINE_MAX	1024
#define BOOT_MODNAME_MAX	1024	/* path, @options and the guest command line (Linux takes up to 2048) */

enum mem_type { MEM_RAM = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct boot_memrange {
	paddr_t start;
	uint64_t len;
	uint32_t type;		/* enum mem_type; firmware's other values kept as-is */
};

struct boot_module {
	paddr_t start;
	paddr_t end;		/* exclusive */
	char cmdline[BOOT_MODNAME_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	unsigned int nr_ranges;
	struct boot_memrange ranges[BOOT_MAX_MEMRANGES];
	unsigned int nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	paddr_t info_pa;	/* the loader's structure, to keep out of the allocator */
	uint64_t info_len;
};

/* Reads len bytes of physical memory at pa, or returns NULL when that range is not accessible. */
typedef const void *(*phys_reader_fn)(paddr_t pa, size_t len);

/* Returns 0 or a negative error with *why set; entries it cannot read are dropped, never trusted. */
int multiboot_parse(uint32_t magic, paddr_t info_pa, phys_reader_fn rd, struct boot_info *bi,
		    const char **why);

uint64_t boot_ram_bytes(const struct boot_info *bi);
/* Highest RAM address + 1. */
paddr_t boot_ram_end(const struct boot_info *bi);

#endif

/* SPDX-License-Identifier: MIT */
/* Multiboot(1) information parsing: copies the memory map, modules and command line into struct boot_info. */
#include <hv/bootinfo.h>
#include <hv/lib.h>

#define MBI_MEM		(1u << 0)
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define MBI_MMAP	(1u << 6)
#define MBI_LOADER	(1u << 9)

/* Offsets in the multiboot information structure (Multiboot Specification 0.6.96, section 3.3). */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};
_Static_assert(sizeof(struct mb_info) == 68, "multiboot info layout");

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __packed;

/* Copies a NUL-terminated string of at most cap-1 bytes; reads byte by byte so a string at the end of memory is safe. */
static void copy_string(phys_reader_fn rd, paddr_t pa, char *dst, size_t cap)
{
	size_t i = 0;

	for (; i + 1 < cap; i++) {
		const char *c = rd(pa + i, 1);

		if (!c || !*c)
			break;
		dst[i] = *c;
	}
	dst[i] = '\0';
}

static void parse_mmap(const struct mb_info *mbi, phys_reader_fn rd, struct boot_info *bi)
{
	uint64_t off = 0;

	while (off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length &&
	       bi->nr_ranges < BOOT_MAX_MEMRANGES) {
		const struct mb_mmap_entry *e = rd((paddr_t)mbi->mmap_addr + off, sizeof(*e));

		if (!e || e->size < 20)
			break;	/* a zero size would loop forever */
		if (e->len && e->addr + e->len > e->addr) {
			struct boot_memrange *r = &bi->ranges[bi->nr_ranges++];

			r->start = e->addr;
			r->len = e->len;
			r->type = e->type;
		}
		off += (uint64_t)e->size + 4;
	}
}

static void fake_mmap_from_mem(const struct mb_info *mbi, struct boot_info *bi)
{
	bi->ranges[0] = (struct boot_memrange){ 0, (uint64_t)mbi->mem_lower << 10, MEM_RAM };
	bi->ranges[1] = (struct boot_memrange){ 0x100000, (uint64_t)mbi->mem_upper << 10, MEM_RAM };
	bi->nr_ranges = 2;
}

static void parse_modules(const struct mb_info *mbi, phys_reader_fn rd, struct boot_info *bi)
{
	for (uint32_t i = 0; i < mbi->mods_count && bi->nr_modules < BOOT_MAX_MODULES; i++) {
		const struct mb_module *m = rd((paddr_t)mbi->mods_addr + i * sizeof(*m), sizeof(*m));
		struct boot_module *bm;

		if (!m)
			break;
		if (m->mod_end < m->mod_start)
			continue;
		bm = &bi->modules[bi->nr_modules++];
		bm->start = m->mod_start;
		bm->end = m->mod_end;
		bm->cmdline[0] = '\0';
		if (m->string)
			copy_string(rd, m->string, bm->cmdline, sizeof(bm->cmdline));
	}
}

int multiboot_parse(uint32_t magic, paddr_t info_pa, phys_reader_fn rd, struct boot_info *bi,
		    const char **why)
{
	const struct mb_info *mbi;

	memset(bi, 0, sizeof(*bi));
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		*why = "not started by a multiboot loader (bad magic)";
		return -1;
	}
	mbi = rd(info_pa, sizeof(*mbi));
	if (!mbi) {
		*why = "multiboot information not readable";
		return -1;
	}
	bi->info_pa = info_pa;
	bi->info_len = sizeof(*mbi);
	if (mbi->flags & MBI_CMDLINE)
		copy_string(rd, mbi->cmdline, bi->cmdline, sizeof(bi->cmdline));
	if (mbi->flags & MBI_LOADER)
		copy_string(rd, mbi->boot_loader_name, bi->loader, sizeof(bi->loader));
	if (mbi->flags & MBI_MMAP)
		parse_mmap(mbi, rd, bi);
	if (!bi->nr_ranges && (mbi->flags & MBI_MEM))
		fake_mmap_from_mem(mbi, bi);
	if (!bi->nr_ranges) {
		*why = "no memory map";
		return -1;
	}
	if (mbi->flags & MBI_MODS)
		parse_modules(mbi, rd, bi);
	return 0;
}

uint64_t boot_ram_bytes(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].type == MEM_RAM)
			total += bi->ranges[i].len;
	return total;
}

paddr_t boot_ram_end(const struct boot_info *bi)
{
	paddr_t end = 0;

	for (unsigned int i = 0; i < bi->nr_ranges; i++)
		if (bi->ranges[i].type == MEM_RAM)
			end = MAX(end, bi->ranges[i].start + bi->ranges[i].len);
	return end;
}

/* SPDX-License-Identifier: MIT */
/* Final hypervisor page tables: 4 KiB image mappings with W^X, 2 MiB direct-map pages (NX), an uncached fixmap. */
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/x86.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>

#define FIXMAP_L3	(HV_IMAGE_L3 + 1)	/* the GiB after the image window */
#define FIXMAP_BASE	(HV_IMAGE_BASE + (1ULL << 30))
#define FIXMAP_SLOTS	512

extern char _text[], _etext[], _erodata[], _edata[], _end[];

paddr_t idle_pg_table_pa;
uint64_t pte_nx;

/* Pages for the tables, taken from early memory in one piece so the reserved table stays short. */
static struct {
	paddr_t base;
	unsigned int used, total;
} pool;

static uint64_t *fixmap_l1;
static unsigned int fixmap_used;
static paddr_t dmap_end;

void *mfn_to_virt(mfn_t mfn)
{
	return (void *)(DIRECTMAP_BASE + (mfn << PAGE_SHIFT));
}

mfn_t virt_to_mfn(const void *va)
{
	uint64_t v = (uint64_t)(uintptr_t)va;

	if (v >= DIRECTMAP_BASE && v < DIRECTMAP_BASE + DIRECTMAP_SIZE)
		return (v - DIRECTMAP_BASE) >> PAGE_SHIFT;
	if (v >= HV_IMAGE_BASE && v < (uint64_t)(uintptr_t)_end)
		return (v - HV_IMAGE_BASE) >> PAGE_SHIFT;
	panic("virt_to_mfn(%p): not a hypervisor address", va);
}

static uint64_t *pool_page(paddr_t *pa)
{
	uint64_t *p;

	if (pool.used == pool.total)
		panic("paging: page-table pool exhausted (%u pages)", pool.total);
	*pa = pool.base + (paddr_t)pool.used++ * PAGE_SIZE;
	p = paddr_to_virt(*pa);
	memset(p, 0, PAGE_SIZE);
	return p;
}

/* Returns the table an entry points to, creating it from the pool when absent. */
static uint64_t *next_level(uint64_t *table, unsigned int idx)
{
	paddr_t pa;

	if (!(table[idx] & PTE_P)) {
		pool_page(&pa);
		/* Upper levels stay permissive: the leaf entries carry the real rights. */
		table[idx] = pa | PTE_P | PTE_RW | PTE_A;
	}
	return paddr_to_virt(table[idx] & PTE_ADDR_MASK);
}

static unsigned int idx_of(uint64_t va, unsigned int level)
{
	return (unsigned int)(va >> (12 + 9 * (level - 1))) & 511;
}

static void map_4k(uint64_t *l4, uint64_t va, paddr_t pa, uint64_t flags)
{
	uint64_t *l3 = next_level(l4, idx_of(va, 4));
	uint64_t *l2 = next_level(l3, idx_of(va, 3));
	uint64_t *l1 = next_level(l2, idx_of(va, 2));

	l1[idx_of(va, 1)] = pa | flags;
}

static void map_image(uint64_t *l4)
{
	uint64_t text = (uint64_t)(uintptr_t)_text, etext = (uint64_t)(uintptr_t)_etext;
	uint64_t erodata = (uint64_t)(uintptr_t)_erodata, end = (uint64_t)(uintptr_t)_end;
	uint64_t base = PTE_P | PTE_A | PTE_G;

	for (uint64_t va = text; va < end; va += PAGE_SIZE) {
		uint64_t flags;

		if (va < etext)
			flags = base;				/* text: read + execute */
		else if (va < erodata)
			flags = base | pte_nx;			/* rodata: read only */
		else
			flags = base | PTE_RW | PTE_D | pte_nx;	/* data, bss */
		map_4k(l4, va, va - HV_IMAGE_BASE, flags);
	}
}

static void map_directmap(uint64_t *l4, paddr_t end)
{
	uint64_t flags = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS | PTE_G | pte_nx;

	for (paddr_t pa = 0; pa < end; pa += 1ULL << 21) {
		uint64_t va = DIRECTMAP_BASE + pa;
		uint64_t *l3 = next_level(l4, idx_of(va, 4));
		uint64_t *l2 = next_level(l3, idx_of(va, 3));

		l2[idx_of(va, 2)] = pa | flags;
	}
}

static void map_fixmap(uint64_t *l4)
{
	uint64_t *l3 = next_level(l4, HV_IMAGE_L4);
	uint64_t *l2 = next_level(l3, FIXMAP_L3);

	fixmap_l1 = next_level(l2, 0);
}

void *ioremap_page(paddr_t pa)
{
	uint64_t va;

	if (fixmap_used == FIXMAP_SLOTS)
		panic("fixmap full");
	va = FIXMAP_BASE + (uint64_t)fixmap_used * PAGE_SIZE;
	fixmap_l1[fixmap_used++] = (pa & PAGE_MASK) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD |
				   PTE_PWT | pte_nx;
	invlpg((void *)va);
	return (void *)(va + (pa & ~PAGE_MASK));
}

/* As ioremap_page, at any time on any CPU, but NULL when the fixmap is full (for work a guest asks for). */
void *ioremap_page_try(paddr_t pa)
{
	unsigned int slot = __atomic_load_n(&fixmap_used, __ATOMIC_RELAXED);
	uint64_t va;

	do {
		if (slot >= FIXMAP_SLOTS)
			return NULL;
	} while (!__atomic_compare_exchange_n(&fixmap_used, &slot, slot + 1, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	va = FIXMAP_BASE + (uint64_t)slot * PAGE_SIZE;
	/* The slot was never mapped, so no CPU holds a translation of it: no flush needed beyond ours. */
	__atomic_store_n(&fixmap_l1[slot], (pa & PAGE_MASK) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PCD | PTE_PWT |
			 pte_nx, __ATOMIC_RELEASE);
	invlpg((void *)va);
	return (void *)(va + (pa & ~PAGE_MASK));
}

/* An executable, read-only alias of a frame (syscall stubs): the direct map keeps it NX. */
void *paging_map_exec(mfn_t mfn)
{
	uint64_t va;

	if (fixmap_used == FIXMAP_SLOTS)
		panic("fixmap full");
	va = FIXMAP_BASE + (uint64_t)fixmap_used * PAGE_SIZE;
	fixmap_l1[fixmap_used++] = (mfn << PAGE_SHIFT) | PTE_P | PTE_A | PTE_G;
	invlpg((void *)va);
	return (void *)va;
}

/*
 * The per-CPU GDT window: 16 pages per CPU, 4 KiB mappings, supervisor-only.
 * Pages 0-13 show the running vCPU's GDT frames (or a zero page), page 14
 * the CPU's own hypervisor descriptors. Mapped read-write: the CPU itself
 * sets accessed bits when a selector loads; ring 3 cannot reach it anyway.
 */
#define GDTWIN_L3	(HV_IMAGE_L3 + 2)
#define GDTWIN_BASE	(HV_IMAGE_BASE + (2ULL << 30))

static uint64_t *alloc_table_page(void)
{
	mfn_t mfn = frame_alloc_zeroed(0, &frame_owner_hv);

	if (mfn == MFN_INVALID)
		panic("paging: no memory for a page table");
	return mfn_to_virt(mfn);
}

/* Like next_level, but from the frame allocator: the boot pool is gone once CPUs start. */
static uint64_t *next_level_alloc(uint64_t *table, unsigned int idx)
{
	if (!(table[idx] & PTE_P))
		table[idx] = ((uint64_t)virt_to_mfn(alloc_table_page()) << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A;
	return paddr_to_virt(table[idx] & PTE_ADDR_MASK);
}

void *paging_gdt_window(unsigned int cpu)
{
	return (void *)(GDTWIN_BASE + (uint64_t)cpu * GDT_WINDOW_PAGES * PAGE_SIZE);
}

void paging_gdt_map(unsigned int cpu, unsigned int page, mfn_t mfn)
{
	uint64_t va = (uint64_t)(uintptr_t)paging_gdt_window(cpu) + (uint64_t)page * PAGE_SIZE;
	uint64_t *l4 = paddr_to_virt(idle_pg_table_pa);
	uint64_t *l3 = next_level_alloc(l4, HV_IMAGE_L4);
	uint64_t *l2 = next_level_alloc(l3, GDTWIN_L3);
	uint64_t *l1 = next_level_alloc(l2, idx_of(va, 2));

	l1[idx_of(va, 1)] = (mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D | pte_nx;
	invlpg((void *)va);
}

static unsigned int tables_needed(paddr_t dmap)
{
	uint64_t image = (uint64_t)(uintptr_t)_end - HV_IMAGE_BASE;
	unsigned int gib = (unsigned int)((dmap + (1ULL << 30) - 1) >> 30);
	unsigned int l3s = (unsigned int)((dmap + (1ULL << 39) - 1) >> 39);

	/* L4; image L3, L2, L1s; fixmap L2, L1; direct map L3s and L2s; trampoline L3, L2. */
	return 1 + 2 + (unsigned int)((image + (1ULL << 21) - 1) >> 21) + 2 + l3s + gib + 2;
}

void paging_init(struct memmap *m, paddr_t ram_end)
{
	uint32_t a, b, c, d;
	uint64_t *l4;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	pte_nx = (d & (1u << 20)) ? PTE_NX : 0;
	/* Always cover the low 4 GiB: ACPI tables and the boot loader's data live there. */
	dmap_end = ALIGN_UP(MAX(ram_end, 1ULL << 32), 1ULL << 30);
	if (dmap_end > DIRECTMAP_SIZE)
		panic("paging: %lu GiB of RAM exceeds the direct map", ram_end >> 30);
	pool.total = tables_needed(dmap_end);
	pool.base = memmap_early_alloc(m, (uint64_t)pool.total * PAGE_SIZE, PAGE_SIZE, 1ULL << 32);
	if (!pool.base)
		panic("paging: no memory below 4 GiB for %u page-table pages", pool.total);
	l4 = pool_page(&idle_pg_table_pa);
	map_image(l4);
	map_fixmap(l4);
	map_directmap(l4, dmap_end);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(idle_pg_table_pa);
}

paddr_t paging_trampoline_l4(void)
{
	static paddr_t tl4_pa;
	uint64_t *tl4, *l3, *l2;
	paddr_t l3_pa, l2_pa;

	if (tl4_pa)
		return tl4_pa;
	/* The L4 itself comes from the frame allocator, below 4 GiB: 32-bit code loads it into CR3. */
	tl4_pa = frame_alloc_below(0, &frame_owner_hv, FRAME_LOW_LIMIT) << PAGE_SHIFT;
	if (tl4_pa == (MFN_INVALID << PAGE_SHIFT))
		panic("paging: no low memory for the AP trampoline L4");
	tl4 = paddr_to_virt(tl4_pa);
	memcpy(tl4, paddr_to_virt(idle_pg_table_pa), PAGE_SIZE);
	l3 = pool_page(&l3_pa);
	l2 = pool_page(&l2_pa);
	l2[0] = PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS;	/* identity 0-2 MiB, executable */
	l3[0] = l2_pa | PTE_P | PTE_RW | PTE_A;
	tl4[0] = l3_pa | PTE_P | PTE_RW | PTE_A;
	return tl4_pa;
}

void paging_print_layout(void)
{
	log_info("memory layout: image %p-%p (text RX, rodata R, data RW%s), direct map %p +%lu GiB",
		 (void *)_text, (void *)_end, pte_nx ? ", NX" : ", no NX on this CPU",
		 (void *)DIRECTMAP_BASE, dmap_end >> 30);
	log_info("page tables: %u of %u pool pages used", pool.used, pool.total);
}

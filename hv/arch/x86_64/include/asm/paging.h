/* SPDX-License-Identifier: MIT */
/* The hypervisor's own page tables: the image with W^X, the direct map, and a few uncached device pages. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <hv/memmap.h>

extern paddr_t idle_pg_table_pa;	/* the L4 every CPU runs on while idle */
extern uint64_t pte_nx;			/* PTE_NX if the CPU has it, else 0 */

/* Builds the final tables from early memory and switches this CPU to them. */
void paging_init(struct memmap *m, paddr_t ram_end);
/* Maps one page of MMIO uncached; returns its virtual address. Boot CPU, during bring-up only. */
void *ioremap_page(paddr_t pa);
void *ioremap_page_try(paddr_t pa);
/* Maps a frame executable and read-only in the fixmap (boot CPU, during bring-up only). */
void *paging_map_exec(mfn_t mfn);
/* An L4 for the AP trampoline: the idle L4's hypervisor slots plus an identity map of the low 2 MiB. */
paddr_t paging_trampoline_l4(void);
/* The per-CPU GDT window (see paging.c): its address, and (re)mapping one of its pages. */
#define GDT_WINDOW_PAGES	16
void *paging_gdt_window(unsigned int cpu);
void paging_gdt_map(unsigned int cpu, unsigned int page, mfn_t mfn);
/* A zeroed frame every empty GDT page shows. */
extern mfn_t zero_gdt_mfn;
/* Human-readable layout summary for the boot log. */
void paging_print_layout(void);

#endif

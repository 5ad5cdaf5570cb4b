/* SPDX-License-Identifier: MIT */
/* M2P: written by the hypervisor through the direct map, mapped user-readable (never writable) in slot 256 for guests. */
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/x86.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <pvabi/arch_x86_64.h>

static uint64_t *m2p_table;
static mfn_t m2p_entries;
static mfn_t m2p_base;
static uint64_t m2p_pages;

/* XENMEM_machphys_mfn_list: the table's frames, one per 2 MiB chunk. */
mfn_t m2p_first_mfn(void)
{
	return m2p_base;
}

unsigned int m2p_nr_chunks(void)
{
	return (unsigned int)(m2p_pages / 512);
}

void m2p_set(mfn_t mfn, uint64_t pfn)
{
	if (mfn < m2p_entries)
		m2p_table[mfn] = pfn;
}

uint64_t m2p_get(mfn_t mfn)
{
	return mfn < m2p_entries ? m2p_table[mfn] : M2P_INVALID;
}

static mfn_t alloc_table(size_t pt_pages, uint64_t **va)
{
	unsigned int order = 0;
	mfn_t mfn;

	while ((1UL << order) < pt_pages)
		order++;
	mfn = frame_alloc_zeroed(order, &frame_owner_hv);
	if (mfn == MFN_INVALID)
		panic("m2p: no memory for %zu pages", pt_pages);
	*va = mfn_to_virt(mfn);
	return mfn;
}

void m2p_init(void)
{
	uint64_t bytes = frame_table_frames * sizeof(uint64_t);
	uint64_t pages = ALIGN_UP(bytes, 1ULL << 21) >> PAGE_SHIFT;	/* whole 2 MiB pages */
	uint64_t *l4 = paddr_to_virt(idle_pg_table_pa), *l3, *l2;
	mfn_t base, l3_mfn, l2_mfn;
	uint64_t leaf = PTE_P | PTE_US | PTE_A | PTE_PS | pte_nx;	/* read-only, user-readable */

	if (bytes > MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START)
		panic("m2p: %lu frames do not fit the ABI's M2P window", frame_table_frames);
	base = alloc_table(pages, &m2p_table);
	m2p_base = base;
	m2p_pages = pages;
	m2p_entries = frame_table_frames;
	memset(m2p_table, 0xff, bytes);		/* every entry M2P_INVALID until a domain owns the frame */
	l3_mfn = alloc_table(1, &l3);
	l2_mfn = alloc_table(1, &l2);
	if (pages > 512 * 512)
		panic("m2p: more than 1 GiB of M2P is not supported yet");
	for (uint64_t i = 0; i < pages / 512; i++)
		l2[i] = ((base + i * 512) << PAGE_SHIFT) | leaf;
	l3[0] = (l2_mfn << PAGE_SHIFT) | PTE_P | PTE_US | PTE_A;
	/* U set along the whole path so guests can read; no RW anywhere on it. */
	l4[HV_SLOT_FIRST] = (l3_mfn << PAGE_SHIFT) | PTE_P | PTE_US | PTE_A;
	write_cr3(idle_pg_table_pa);
	log_info("m2p: %lu entries (%lu KiB) at %p, read-only to guests", m2p_entries, bytes >> 10,
		 (void *)MACH2PHYS_VIRT_START);
}

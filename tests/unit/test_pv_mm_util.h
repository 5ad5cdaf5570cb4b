/* SPDX-License-Identifier: MIT */
/* Shared fixture for the pv_mm tests: fake domains in the host arena, tree builders, snapshots and an independent recount. */
#ifndef TESTS_UNIT_TEST_PV_MM_UTIL_H
#define TESTS_UNIT_TEST_PV_MM_UTIL_H

#include <hv/domain.h>
#include <hv/pv_mm.h>
#include "host_mm.h"

#define T_BASE		0x100	/* MFNs below are reserved frames (in the table, never allocated) */
#define T_FRAMES	4096

/* What the fake pv_mm_install_hv_slots writes into slot i: present, mapping frames beyond the table. */
#define T_HV_SLOT(i)	(((0xff000ULL + (i)) << PAGE_SHIFT) | 0x63)

#define F_DATA		(PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_A | PV_PTE_D)
#define F_RO		(PV_PTE_P | PV_PTE_US | PV_PTE_A)
#define F_TABLE		(PV_PTE_P | PV_PTE_RW | PV_PTE_US | PV_PTE_A | PV_PTE_D)

extern struct domain dom_a, dom_b;

void pvt_setup(void);
void pvt_teardown(void);

mfn_t pvt_alloc(struct domain *d);
uint64_t *pvt_tbl(mfn_t mfn);
static inline uint64_t pvt_pte(mfn_t mfn, uint64_t flags)
{
	return (mfn << PAGE_SHIFT) | flags;
}

/* Counts straight from the frame table. */
uint32_t pvt_gen(mfn_t mfn);
uint32_t pvt_tcount(mfn_t mfn);
enum page_type pvt_type(mfn_t mfn);
int pvt_linear(mfn_t mfn);

/* No reference of any kind and no type (a pending TLB flush flag is allowed). */
bool pvt_unused(mfn_t mfn);

/* Calls of the fake pv_mm_flush_tlbs, and the last frame it was called for. */
extern unsigned long pvt_flushes;
extern mfn_t pvt_last_flush;

/* Whole frame table + arena, to prove a refused call changed nothing. */
struct pvt_snap {
	struct page_info *table;
	unsigned char *mem;
};
void pvt_snap_take(struct pvt_snap *s);
/*
 * Equal page_info, ignoring PGT_FLUSH_FLAGS: a refused call may set them (a
 * table it validated and released again had RW entries); that costs one
 * extra flush and nothing else.
 */
bool pvt_page_same(const struct page_info *a, const struct page_info *b);
/* Fails the test (naming the first difference) unless state equals the snapshot; frees it. */
void pvt_snap_same(struct pvt_snap *s, const char *what);

/*
 * Recounts every frame's general and type count, and linear count, from
 * the pins and the entries of every validated table, and checks the type
 * rules; ext_gen/ext_type (may be NULL) are references the test holds
 * itself, indexed by mfn. Returns NULL if consistent, else a message.
 */
const char *pvt_recount(const uint32_t *ext_gen, const uint32_t *ext_type);

/*
 * A small tree for d: L4 -> L3 (slot l4i) -> L2 (slot 0) -> L1 (slot 0),
 * the L1 mapping data[0..n) RW at slots 0..n-1. Nothing is pinned.
 */
struct pvt_tree {
	mfn_t l4, l3, l2, l1;
	mfn_t data[8];
	unsigned int n;
};
void pvt_tree_build(struct domain *d, struct pvt_tree *t, unsigned int n);

#endif

/* SPDX-License-Identifier: MIT */
/* Nested page tables: built once per HVM domain from frames charged to it; all guest memory as 4 KiB pages. */
#include "npt.h"

#include <pvabi/errno.h>

#define NPT_LEVELS	4
#define NPT_ENTRIES	512

static unsigned int npt_index(uint64_t gpa, unsigned int level)
{
	return (unsigned int)(gpa >> (PAGE_SHIFT + 9 * level)) & (NPT_ENTRIES - 1);
}

int npt_init(struct npt *n, const struct npt_ops *ops)
{
	n->ops = *ops;
	n->nr_tables = 0;
	n->root = ops->alloc(ops->ctx);
	if (n->root == MFN_INVALID)
		return -XEN_ENOMEM;
	n->nr_tables = 1;
	return 0;
}

static bool gpa_ok(uint64_t gpa)
{
	return !(gpa & (PAGE_SIZE - 1)) && gpa < (1ULL << NPT_GPA_BITS);
}

int npt_map(struct npt *n, uint64_t gpa, mfn_t mfn)
{
	uint64_t *t;

	if (!gpa_ok(gpa) || mfn == MFN_INVALID || (mfn << PAGE_SHIFT) & ~NPT_ADDR_MASK)
		return -XEN_EINVAL;
	t = n->ops.table(n->ops.ctx, n->root);
	for (unsigned int level = NPT_LEVELS - 1; level > 0; level--) {
		uint64_t *e = &t[npt_index(gpa, level)];

		if (!(*e & NPT_P)) {
			mfn_t m = n->ops.alloc(n->ops.ctx);

			if (m == MFN_INVALID)
				return -XEN_ENOMEM;
			n->nr_tables++;
			*e = (m << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US;
		}
		t = n->ops.table(n->ops.ctx, (*e & NPT_ADDR_MASK) >> PAGE_SHIFT);
	}
	if (t[npt_index(gpa, 0)] & NPT_P)
		return -XEN_EEXIST;
	t[npt_index(gpa, 0)] = (mfn << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US;
	return 0;
}

/* The level-0 entry of gpa, or NULL where a table on the way is missing. */
static uint64_t *npt_leaf(const struct npt *n, uint64_t gpa)
{
	uint64_t *t = n->ops.table(n->ops.ctx, n->root);

	for (unsigned int level = NPT_LEVELS - 1; level > 0; level--) {
		uint64_t e = t[npt_index(gpa, level)];

		if (!(e & NPT_P))
			return NULL;
		t = n->ops.table(n->ops.ctx, (e & NPT_ADDR_MASK) >> PAGE_SHIFT);
	}
	return &t[npt_index(gpa, 0)];
}

mfn_t npt_replace(struct npt *n, uint64_t gpa, mfn_t mfn)
{
	uint64_t *e, old;

	if (!gpa_ok(gpa) || n->root == MFN_INVALID || mfn == MFN_INVALID || (mfn << PAGE_SHIFT) & ~NPT_ADDR_MASK)
		return MFN_INVALID;
	e = npt_leaf(n, gpa);
	if (!e || !(*e & NPT_P))
		return MFN_INVALID;
	old = *e;
	__atomic_store_n(e, (mfn << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US, __ATOMIC_RELEASE);
	return (old & NPT_ADDR_MASK) >> PAGE_SHIFT;
}

mfn_t npt_lookup(const struct npt *n, uint64_t gpa)
{
	const uint64_t *t;

	if (!gpa_ok(gpa & ~(uint64_t)(PAGE_SIZE - 1)) || n->root == MFN_INVALID)
		return MFN_INVALID;
	t = n->ops.table(n->ops.ctx, n->root);
	for (unsigned int level = NPT_LEVELS - 1;; level--) {
		uint64_t e = t[npt_index(gpa, level)];

		if (!(e & NPT_P))
			return MFN_INVALID;
		if (level == 0)
			return (e & NPT_ADDR_MASK) >> PAGE_SHIFT;
		t = n->ops.table(n->ops.ctx, (e & NPT_ADDR_MASK) >> PAGE_SHIFT);
	}
}

uint64_t npt_tables_needed(uint64_t nr_pages)
{
	uint64_t total = 1, span = nr_pages;

	/* Tables of each level below the root: one per 512 entries of the level beneath. */
	for (unsigned int level = 0; level < NPT_LEVELS - 1; level++) {
		span = (span + NPT_ENTRIES - 1) / NPT_ENTRIES;
		total += span ? span : 1;
	}
	return total;
}

/* SPDX-License-Identifier: MIT */
/* Nested page tables: the guest-physical to machine map of an HVM domain, over a caller's frame allocator. */
#ifndef HVM_NPT_H
#define HVM_NPT_H

#include <hv/types.h>

/* The guest-physical space a domain may use: what 4 levels of 512 entries cover. */
#define NPT_GPA_BITS		48
/* Entry bits: present, writable, user (every guest access is a user access at the nested level). */
#define NPT_P			0x1ULL
#define NPT_RW			0x2ULL
#define NPT_US			0x4ULL
#define NPT_ADDR_MASK		0x000ffffffffff000ULL

/*
 * Where table frames come from: alloc returns a zeroed frame charged to the
 * domain (MFN_INVALID when refused), table maps it for reading and writing.
 * The hypervisor passes the frame allocator and the direct map; the unit
 * test a fake of both.
 */
struct npt_ops {
	mfn_t (*alloc)(void *ctx);
	uint64_t *(*table)(void *ctx, mfn_t mfn);
	void *ctx;
};

struct npt {
	mfn_t root;			/* the L4, N_CR3's frame */
	uint64_t nr_tables;		/* table frames allocated, root included */
	struct npt_ops ops;
};

/* 0, or -XEN_ENOMEM (nothing allocated). */
int npt_init(struct npt *n, const struct npt_ops *ops);
/*
 * Maps the 4 KiB guest-physical page gpa to mfn (read, write, execute).
 * -XEN_EINVAL: gpa unaligned or above NPT_GPA_BITS; -XEN_EEXIST: already
 * mapped (a domain's memory is laid out once); -XEN_ENOMEM: a table frame
 * was refused (the tables allocated so far stay, counted in nr_tables).
 */
int npt_map(struct npt *n, uint64_t gpa, mfn_t mfn);
/*
 * Puts mfn behind the already mapped page gpa and returns the frame that
 * was there; MFN_INVALID (nothing changed) if gpa is not mapped or either
 * argument is bad. Allocates nothing, so it cannot fail half way.
 */
mfn_t npt_replace(struct npt *n, uint64_t gpa, mfn_t mfn);
/* The frame behind gpa, or MFN_INVALID. */
mfn_t npt_lookup(const struct npt *n, uint64_t gpa);
/* How many table frames mapping guest-physical [0, nr_pages pages) takes at most, root included. */
uint64_t npt_tables_needed(uint64_t nr_pages);

#endif

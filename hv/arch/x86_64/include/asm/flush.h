/* SPDX-License-Identifier: MIT */
/* TLB shootdowns across CPUs (flush.c). */
#ifndef ASM_FLUSH_H
#define ASM_FLUSH_H

#include <hv/types.h>

struct domain;

#define FLUSH_ALL	(~0ULL)	/* as va: the whole TLB (never a guest page address: not canonical-aligned) */

/*
 * Returns once every CPU in mask (this one included if named) invalidated
 * va, or its whole TLB for FLUSH_ALL, after the call began. Only guests'
 * own INVLPG requests name a page; the hypervisor's safety flushes take all.
 */
void flush_tlb_mask_va(uint64_t mask, uint64_t va);
void flush_tlb_mask(uint64_t mask);
/* Every CPU that may hold translations made through d's page tables. */
void flush_tlb_domain_va(struct domain *d, uint64_t va);
void flush_tlb_domain(struct domain *d);
/* The CPUs running the vCPUs of d whose bits are set (bits holds nr_bits bits): a guest's MULTI flush. */
void flush_tlb_vcpus_va(struct domain *d, const uint64_t *bits, unsigned int nr_bits, uint64_t va);
/* Answers shootdown requests aimed at this CPU: from the IPI handler and from every wait loop. */
void flush_answer(void);
/* Context switch: this CPU is about to load d's tables / has flushed after leaving them. */
void flush_domain_enter(struct domain *d);
void flush_domain_leave(struct domain *d);
unsigned int flush_selftest(void);

#endif

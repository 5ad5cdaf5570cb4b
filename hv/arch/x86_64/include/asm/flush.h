/* SPDX-License-Identifier: MIT */
/* TLB shootdowns across CPUs (flush.c). */
#ifndef ASM_FLUSH_H
#define ASM_FLUSH_H

#include <hv/types.h>

struct domain;

/* Returns once every CPU in mask (this one included if named) flushed its whole TLB after the call began. */
void flush_tlb_mask(uint64_t mask);
/* Every CPU that may hold translations made through d's page tables. */
void flush_tlb_domain(struct domain *d);
/* The CPUs running the vCPUs of d whose bits are set (bits holds nr_bits bits): a guest's MULTI flush. */
void flush_tlb_vcpus(struct domain *d, const uint64_t *bits, unsigned int nr_bits);
/* Answers shootdown requests aimed at this CPU: from the IPI handler and from every wait loop. */
void flush_answer(void);
/* Context switch: this CPU is about to load d's tables / has flushed after leaving them. */
void flush_domain_enter(struct domain *d);
void flush_domain_leave(struct domain *d);
unsigned int flush_selftest(void);

#endif

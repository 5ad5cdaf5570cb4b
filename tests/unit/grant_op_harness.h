/* SPDX-License-Identifier: MIT */
/* Host harness for grant_op.c: fake guest memory with a hole and a read-only page, preemption and continuations, arch glue. */
#ifndef TESTS_UNIT_GRANT_OP_HARNESS_H
#define TESTS_UNIT_GRANT_OP_HARNESS_H

#include <hv/domain.h>
#include <hv/types.h>

/*
 * Guest address space: G_PAGES pages from G_BASE; page G_HOLE is not
 * mapped, G_RO is read-only, the rest read-write; any other address is
 * unmapped. G_HV_VA is in the hypervisor's slots.
 */
#define G_BASE		0x0000000000400000ULL
#define G_PAGES		8
#define G_HOLE		6
#define G_RO		7
#define G_HV_VA		0xffff800000001000ULL

/* Host maps: the fake arch refuses BAD_ADDR, and unmapping at another address than the one mapped. */
#define MAP_ADDR	0x0000000000800000ULL
#define BAD_ADDR	0x0000000000bad000ULL

uint64_t gva(unsigned int page, size_t off);
/* The host pointer behind a guest VA (NULL in the hole or outside); tests write through it freely. */
void *ghost(uint64_t va);
/* dom_a or dom_b becomes the caller. */
void set_current(struct domain *d);
/* Clears guest memory and every counter below; dom_b is current. Call from setup after pvt_setup. */
void grant_op_harness_reset(void);

/* copy_from_guest calls since the reset. */
extern unsigned int copy_from_calls;
/* hypercall_preempt_check answers true on its preempt_on-th call (0: never); continuations recorded. */
extern unsigned int preempt_on, preempt_checks, conts;
/* Called by every preemption check, i.e. between the elements of a batch; NULL: nothing. */
extern void (*between_elements)(void);
/* domain_find and domain_find_any calls since the reset. */
extern unsigned int domain_lookups;
extern uint64_t cont_nr, cont_args[5];
/* Calls of the fake arch glue, and the gfn the last transfer gave the M2P. */
extern unsigned int arch_maps, arch_unmaps, arch_flushes, arch_given_away, arch_cleans, arch_dropped;
extern uint64_t given_away_gfn;

#endif

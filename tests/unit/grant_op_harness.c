/* SPDX-License-Identifier: MIT */
/* The hypervisor services grant_op.c calls, faked for its host tests: guest memory, current vCPU, domain lookup, preemption, arch glue. */
#include <check.h>
#include <string.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <pvabi/errno.h>
#include "grant_op_harness.h"
#include "test_pv_mm_util.h"

/*
 * Fake guest address space: G_PAGES pages from G_BASE. G_HOLE is not
 * mapped, G_RO is read-only, the rest read-write; every other address is
 * unmapped. Copies go byte by byte and stop at the first bad byte, as a
 * copy through the guest's page tables does.
 */

static uint8_t guest_mem[G_PAGES][PAGE_SIZE] __aligned(4096);
unsigned int copy_from_calls;

uint64_t gva(unsigned int page, size_t off)
{
	return G_BASE + (uint64_t)page * PAGE_SIZE + off;
}

void *ghost(uint64_t va)
{
	uint64_t p;

	if (va < G_BASE || va >= G_BASE + G_PAGES * PAGE_SIZE)
		return NULL;
	p = (va - G_BASE) / PAGE_SIZE;
	return p == G_HOLE ? NULL : &guest_mem[p][(va - G_BASE) % PAGE_SIZE];
}

bool guest_range_ok(uint64_t va, size_t len)
{
	uint64_t last = va + (len ? len - 1 : 0);

	return last >= va && last < 0x0000800000000000ULL;
}

int copy_from_guest(void *dst, uint64_t va, size_t len)
{
	copy_from_calls++;
	if (!guest_range_ok(va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		uint8_t *s = ghost(va + i);

		if (!s)
			return -XEN_EFAULT;
		((uint8_t *)dst)[i] = *s;
	}
	return 0;
}

int copy_to_guest(uint64_t va, const void *src, size_t len)
{
	if (!guest_range_ok(va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		uint8_t *d = ghost(va + i);

		if (!d || (va + i - G_BASE) / PAGE_SIZE == G_RO)
			return -XEN_EFAULT;
		*d = ((const uint8_t *)src)[i];
	}
	return 0;
}

/* The current vCPU, domain lookup (dom_a, dom_b only; references counted) and the privilege policy's input. */
static struct vcpu vcpu_a, vcpu_b, *cur;

struct vcpu *current_vcpu(void)
{
	return cur;
}

void set_current(struct domain *d)
{
	cur = d == &dom_a ? &vcpu_a : &vcpu_b;
}

/* domain_find skips a dying domain, domain_find_any does not (as hv/common/domain.c). */
unsigned int domain_lookups;

struct domain *domain_find_any(domid_t domid)
{
	struct domain *d = domid == dom_a.domid ? &dom_a : domid == dom_b.domid ? &dom_b : NULL;

	domain_lookups++;
	if (d)
		domain_get(d);
	return d;
}

struct domain *domain_find(domid_t domid)
{
	struct domain *d = domain_find_any(domid);

	if (d && d->state == DOM_DYING) {
		domain_put(d);
		return NULL;
	}
	return d;
}

void domain_get(struct domain *d)
{
	__atomic_fetch_add(&d->refcnt, 1, __ATOMIC_SEQ_CST);
}

void domain_put(struct domain *d)
{
	ck_assert(__atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_SEQ_CST) > 0);
}

/* Preemption: the check answers true on its preempt_on-th call (0: never). Continuations are recorded. */
unsigned int preempt_on, preempt_checks;
unsigned int conts;
uint64_t cont_nr, cont_args[5];
void (*between_elements)(void);

bool hypercall_preempt_check(void)
{
	if (between_elements)
		between_elements();
	return preempt_on && ++preempt_checks == preempt_on;
}

long hypercall_create_continuation(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	conts++;
	cont_nr = nr;
	cont_args[0] = a1, cont_args[1] = a2, cont_args[2] = a3, cont_args[3] = a4, cont_args[4] = a5;
	return (long)nr;
}

/*
 * Arch glue, faked: a host mapping at BAD_ADDR is refused (as a VA with
 * no L1 would be); unmapping at a VA other than the one mapped is refused
 * (the slot does not hold the entry). The flush count tells whether an
 * unmap flushed before returning.
 */

unsigned int arch_maps, arch_unmaps, arch_flushes, arch_given_away, arch_cleans, arch_dropped;
uint64_t given_away_gfn;

int gnttab_arch_map(struct domain *d, struct domain *granter, uint64_t host_addr, uint32_t flags, mfn_t mfn,
		    uint64_t *pte, uint64_t *pte_maddr)
{
	(void)d, (void)granter, (void)flags;
	if (host_addr == BAD_ADDR)
		return GNTST_general_error;
	arch_maps++;
	*pte = (mfn << PAGE_SHIFT) | host_addr;
	*pte_maddr = 0;
	return GNTST_okay;
}

int gnttab_arch_unmap(struct domain *d, uint64_t host_addr, uint32_t flags, uint64_t pte, uint64_t new_addr)
{
	(void)d, (void)flags, (void)new_addr;
	if ((pte & (PAGE_SIZE - 1)) != (host_addr & (PAGE_SIZE - 1)) || host_addr == BAD_ADDR)
		return GNTST_general_error;
	arch_unmaps++;
	return GNTST_okay;
}

void gnttab_arch_flush(struct domain *d)
{
	(void)d;
	arch_flushes++;
}

void gnttab_arch_page_given_away(struct domain *d, mfn_t mfn, uint64_t gfn)
{
	(void)d, (void)mfn;
	arch_given_away++;
	given_away_gfn = gfn;
}

/* The real release (frame.c and pv_mm.c are the hypervisor's); only the M2P and the flush are left out. */
void gnttab_arch_page_dropped(struct domain *d, mfn_t mfn)
{
	if (pv_mm_claim_for_release(d, &frame_table[mfn]) < 0)
		return;
	frame_table[mfn].type_info = 0;
	frame_free_range(mfn, 1);
	arch_dropped++;
}

void gnttab_arch_cache_clean(const void *p, size_t len)
{
	(void)p, (void)len;
	arch_cleans++;
}

void grant_op_harness_reset(void)
{
	memset(guest_mem, 0, sizeof(guest_mem));
	copy_from_calls = 0;
	preempt_on = preempt_checks = conts = 0;
	domain_lookups = 0;
	between_elements = NULL;
	cont_nr = 0;
	memset(cont_args, 0, sizeof(cont_args));
	arch_maps = arch_unmaps = arch_flushes = arch_given_away = arch_cleans = arch_dropped = 0;
	given_away_gfn = 0;
	vcpu_a.domain = &dom_a;
	vcpu_b.domain = &dom_b;
	set_current(&dom_b);
}

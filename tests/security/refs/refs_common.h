/* SPDX-License-Identifier: MIT */
/* Helpers shared by the hostile guests of holes_refs.cmake: time, page (un)mapping, reservations. */
#ifndef SEC_REFS_COMMON_H
#define SEC_REFS_COMMON_H

#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "test.h"

#define REFS_PTE_RW	0x063ULL	/* P RW A D */

static const uint64_t *const refs_m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

/*
 * The first domain's role (the grabber, the spinner): dom0's when the
 * hypervisor builds both, or the one whose command line says "first" when
 * our dom0 builds both as domUs.
 */
static inline bool refs_first_role(void)
{
	return (rt_boot.si->flags & SIF_INITDOMAIN) || rt_has_word((const char *)rt_boot.si->cmd_line, "first");
}

static inline uint64_t refs_now_ns(void)
{
	volatile struct shared_info *sh = rt_map_shared_info(NULL);

	return sh ? rt_pvclock_ns(&sh->vcpu_info[0].time) : 0;
}

/* Shares the CPU until ms milliseconds have passed. */
static inline void refs_sleep_ms(uint64_t ms)
{
	uint64_t end = refs_now_ns() + ms * 1000000ULL;

	while (refs_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
}

static inline uint64_t refs_mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static inline long refs_reservation(unsigned int cmd, uint64_t *list, uint64_t n)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(list), .nr_extents = n,
					    .extent_order = 0, .domid = DOMID_SELF };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static inline long refs_pin(unsigned int cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* What dom0's grabbed frames carry; the hypervisor must never print it as another domain's output. */
#define REFS_MARK	"SKIFFMARK dom0 private data\n"

/* dom0's part (refs_grabber.c): gives nr frames back, regrows one every every_ms, waits settle_ms, checks. */
void refs_grabber(const char *test, unsigned int nr, unsigned int every_ms, unsigned int settle_ms);

#endif

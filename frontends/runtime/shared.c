/* SPDX-License-Identifier: MIT */
/* Shared-info helpers of the runtime: mapping the page with update_va_mapping, reading the pvclock and pending bits. */
#include "rt.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_A	0x020ULL
#define PTE_D	0x040ULL

/* Any page the guest owns will do as the mapping window; the RAM behind it is simply unmapped. */
static uint8_t rt_shared_window[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *rt_shared;

volatile struct shared_info *rt_map_shared_info(long *rc_out)
{
	uint64_t pte = (rt_boot.si->shared_info & ~0xfffULL) | PTE_P | PTE_RW | PTE_A | PTE_D;
	long rc = 0;

	if (!rt_shared) {
		rc = hyp_update_va_mapping(RT_PTR(rt_shared_window), pte, UVMF_INVLPG);
		if (rc == 0)
			rt_shared = (volatile struct shared_info *)rt_shared_window;
	}
	if (rc_out)
		*rc_out = rc;
	return rt_shared;
}

uint64_t rt_pvclock_ns(volatile struct vcpu_time_info *t)
{
	uint32_t version;
	uint64_t ns;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		uint64_t delta = rt_rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;

		delta = shift >= 0 ? delta << shift : delta >> -shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	return ns;
}

uint64_t rt_now_ns(void)
{
	volatile struct shared_info *sh = rt_map_shared_info(NULL);

	return sh ? rt_pvclock_ns(&sh->vcpu_info[0].time) : 0;
}

bool rt_port_pending(volatile struct shared_info *sh, uint32_t port)
{
	return (sh->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

void rt_port_clear_pending(volatile struct shared_info *sh, uint32_t port)
{
	__atomic_and_fetch(&sh->evtchn_pending[port / 64], ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
}

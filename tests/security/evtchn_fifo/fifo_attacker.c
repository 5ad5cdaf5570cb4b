/* SPDX-License-Identifier: MIT */
/*
 * Hostile guest for the FIFO event-channel ABI (security.evtchn_fifo): the
 * hypervisor keeps writing the control block and event-array frames a
 * guest names, so each must be the guest's own, writable page. This guest
 * offers every other frame of the machine (the other domain's, the
 * hypervisor's, its own page tables and shared_info) to init_control and,
 * once it has a real control block, to expand_array; every offer must be
 * refused. The other domain (a plain guest) must run to its end unharmed.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include "test.h"

static uint8_t cb_page[4096] __attribute__((aligned(4096)));
static uint64_t own_bits[(1u << 20) / 64];	/* frames below 4 GiB that are this guest's */

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static uint64_t mfn_of(const void *va)
{
	return p2m()[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
}

static long init_control(uint64_t gfn)
{
	struct evtchn_init_control op = { .control_gfn = gfn, .offset = 0, .vcpu = 0 };

	return hyp_event_channel_op(EVTCHNOP_init_control, RT_PTR(&op));
}

static long expand(uint64_t gfn)
{
	struct evtchn_expand_array op = { .array_gfn = gfn };

	return hyp_event_channel_op(EVTCHNOP_expand_array, RT_PTR(&op));
}

static int own(uint64_t mfn)
{
	return mfn < (1u << 20) && ((own_bits[mfn / 64] >> (mfn % 64)) & 1);
}

/* Offers every frame that is not this guest's; returns how many were accepted. */
static unsigned long scan(long (*offer)(uint64_t), uint64_t max, unsigned long *tried)
{
	unsigned long accepted = 0;

	*tried = 0;
	for (uint64_t m = 0; m < max; m++) {
		if (own(m))
			continue;
		(*tried)++;
		if (offer(m) == 0) {
			rt_printf("ACCEPTED frame %#llx\n", (unsigned long long)m);
			accepted++;
		}
	}
	return accepted;
}

void test_main(void)
{
	uint64_t max = (uint64_t)hyp_memory_op(XENMEM_maximum_ram_page, 0);
	uint64_t l4 = p2m()[(rt_boot.si->pt_base - RT_VIRT_BASE) >> 12];
	unsigned long tried;

	if (max > (1u << 20))
		max = 1u << 20;
	for (uint64_t i = 0; i < rt_boot.si->nr_pages; i++)
		if (p2m()[i] < (1u << 20))
			own_bits[p2m()[i] / 64] |= 1ULL << (p2m()[i] % 64);
	tc_expect_eq(init_control(l4), -XEN_EINVAL, "its own L4 as a control block");
	tc_expect_eq(init_control(rt_boot.si->shared_info >> 12), -XEN_EINVAL, "the shared_info frame");
	tc_expect_eq(scan(init_control, max, &tried), 0, "init_control takes no frame that is not the guest's");
	rt_printf("init_control: %lu foreign frames refused\n", tried);
	tc_expect_eq(init_control(mfn_of(cb_page)), 0, "its own page as control block");
	tc_expect_eq(expand(l4), -XEN_EINVAL, "its own L4 as event array");
	tc_expect_eq(scan(expand, max, &tried), 0, "expand_array takes no frame that is not the guest's");
	rt_printf("expand_array: %lu foreign frames refused\n", tried);
}

/* SPDX-License-Identifier: MIT */
/*
 * kept_frames (hostile guest, both roles): the domU places its vcpu_info in
 * a page of its own and tries to get rid of that page under the hypervisor
 * (unmap, decrease_reservation, retype as a page table); then registers a
 * runstate area, points its address at another frame, frees the first one
 * and finally unmaps the address. The first domain (dom0, or "first" on its
 * command line) meanwhile grows into freed frames and checks none is ever
 * written. The vcpu_info frame is held by the hypervisor (it cannot leave);
 * the runstate area is an address, written through the guest's own
 * mappings, so it follows the mapping and stops when the address maps
 * nothing.
 */
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>
#include "refs_common.h"

#define NR_GRAB		32
#define GRAB_EVERY_MS	60
#define SETTLE_MS	1500

static uint8_t vi_page[4096] __attribute__((aligned(4096)));
static uint8_t area_page[4096] __attribute__((aligned(4096)));
static uint8_t other_page[4096] __attribute__((aligned(4096)));

static void vcpu_info_attack(void)
{
	volatile struct vcpu_info *vi = (volatile struct vcpu_info *)vi_page;
	uint64_t mfn = refs_mfn_of(vi_page), list[1] = { mfn };
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = 0 };
	uint32_t v0;
	long rc;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, RT_PTR(&r)), 0, "register_vcpu_info");
	v0 = vi->time.version;
	tc_check(v0 != 0, "the hypervisor writes the new vcpu_info (time version %u)", v0);
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(vi_page), 0, UVMF_INVLPG), 0, "unmap the vcpu_info page");
	tc_expect_eq(refs_reservation(XENMEM_decrease_reservation, list, 1), 0,
		     "decrease_reservation of the vcpu_info page releases nothing");
	rc = refs_pin(MMUEXT_PIN_L1_TABLE, mfn);
	tc_check(rc < 0, "the vcpu_info page cannot become an L1 table (rc %ld)", rc);
	if (rc == 0)
		refs_pin(MMUEXT_UNPIN_TABLE, mfn);
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(vi_page), mfn << 12 | REFS_PTE_RW, UVMF_INVLPG), 0,
		     "map the vcpu_info page again");
	refs_sleep_ms(200);
	tc_check(vi->time.version != v0, "the kept vcpu_info is still updated (version %u -> %u)", v0,
		 vi->time.version);
}

static void runstate_attack(void)
{
	volatile struct vcpu_runstate_info *other = (volatile struct vcpu_runstate_info *)other_page;
	struct vcpu_register_runstate_memory_area a = { .addr = RT_PTR(area_page) };
	uint64_t area_mfn = refs_mfn_of(area_page), other_mfn = refs_mfn_of(other_page);
	uint64_t list[1] = { area_mfn }, t;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&a)), 0,
		     "register_runstate_memory_area");
	tc_check(((volatile struct vcpu_runstate_info *)area_page)->state_entry_time != 0,
		 "the runstate area is written at once");
	/* The address now names another frame of ours; the first one leaves the domain. */
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(area_page), other_mfn << 12 | REFS_PTE_RW, UVMF_INVLPG), 0,
		     "point the runstate address at another frame");
	tc_expect_eq(refs_reservation(XENMEM_decrease_reservation, list, 1), 1,
		     "the frame that was behind the runstate address can be freed");
	t = other->state_entry_time;
	refs_sleep_ms(200);
	tc_check(other->state_entry_time != t, "runstate updates follow the address to the new frame");
	/* Nothing behind the address: the updates must fail quietly, and nothing else may change. */
	tc_expect_eq(hyp_update_va_mapping(RT_PTR(area_page), 0, UVMF_INVLPG), 0, "unmap the runstate address");
	t = other->state_entry_time;
	refs_sleep_ms(200);
	tc_check(other->state_entry_time == t, "no update reaches a frame the address no longer maps");
	a.addr = RT_BAD_PTR_HYPERVISOR;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&a)), -XEN_EFAULT,
		     "a runstate area in the hypervisor's range");
}

void test_main(void)
{
	if (refs_first_role()) {
		refs_grabber("kept_frames", NR_GRAB, GRAB_EVERY_MS, SETTLE_MS);
		return;
	}
	vcpu_info_attack();
	runstate_attack();
	/* Stay up while the grabber grows: a hypervisor that kept a freed frame would write it on every switch. */
	refs_sleep_ms(NR_GRAB * GRAB_EVERY_MS);
}

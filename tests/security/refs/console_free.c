/* SPDX-License-Identifier: MIT */
/*
 * console_free (hostile guest, both roles): the domU unmaps the console ring
 * page the builder gave it and hands it back with decrease_reservation (and
 * tries to make it a page table), while dom0 grows its reservation a frame
 * at a time and fills each new frame as a console ring full of a marker.
 * The hypervisor keeps draining the domU's ring: if the frame could leave
 * the domU, dom0's marker would be printed as the domU's output and the
 * ring's consumer index stored into dom0's page. Both must never happen.
 */
#include <pvabi/errno.h>
#include "refs_common.h"

#define NR_GRAB		32
#define GRAB_EVERY_MS	60
#define DOMU_LIVES_MS	1500

static void attacker(void)
{
	uint64_t mfn = rt_boot.si->console.domU.mfn, list[1] = { mfn };
	uint64_t va = RT_VIRT_BASE + (refs_m2p[mfn] << 12);
	long rc;

	tc_check(mfn != 0, "start_info names a console page (mfn %#llx)", (unsigned long long)mfn);
	tc_expect_eq(hyp_update_va_mapping(va, 0, UVMF_INVLPG), 0, "the console page can be unmapped");
	rc = refs_reservation(XENMEM_decrease_reservation, list, 1);
	tc_expect_eq(rc, 0, "decrease_reservation of the console page releases nothing");
	rc = refs_pin(MMUEXT_PIN_L1_TABLE, mfn);
	tc_check(rc < 0, "the console page cannot become an L1 table (rc %ld)", rc);
	if (rc == 0)
		refs_pin(MMUEXT_UNPIN_TABLE, mfn);
	tc_expect_eq(hyp_update_va_mapping(va, mfn << 12 | REFS_PTE_RW, UVMF_INVLPG), 0,
		     "the console page can be mapped again");
	/* Stay up: the hypervisor drains a running domain's ring every tick. */
	refs_sleep_ms(DOMU_LIVES_MS);
}

void test_main(void)
{
	if (rt_boot.si->flags & SIF_INITDOMAIN)
		refs_grabber("console_free", NR_GRAB, GRAB_EVERY_MS, DOMU_LIVES_MS);
	else
		attacker();
}

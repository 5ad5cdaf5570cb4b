/*
 * console_free (hostile guest, both roles): the domU unmaps the console ring
 * page the builder gave it and hands it back with decrease_reservation (and
 * tries to make it a page table), while dom0 grows its reservation a frame
 * at a time and fills each new frame as a console ring full of a marker.
 * The hypervisor keeps draining the domU's ring: if the frame could leave
 * the domU, dom0's marker would be printed as the domU's output and the
 * ring's consumer index stored into dom0's page. Both must never happen.
 */
#include <pvabi/io/console.h>
#include <pvabi/errno.h>
#include "refs_common.h"

#define NR_GRAB		32
#define GRAB_EVERY_MS	60
#define DOMU_LIVES_MS	1500
#define MARK		"SKIFFMARK dom0 private data\n"

static uint8_t windows[NR_GRAB][4096] __attribute__((aligned(4096)));

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

/* Maps a fresh frame of ours at windows[i] and dresses it as a console ring with output pending. */
static int grab_one(unsigned int i, uint64_t pfn)
{
	volatile struct xencons_interface *c = (volatile struct xencons_interface *)windows[i];
	uint64_t list[1] = { pfn };

	if (refs_reservation(XENMEM_populate_physmap, list, 1) != 1)
		return -1;
	if (hyp_update_va_mapping(RT_PTR(windows[i]), list[0] << 12 | REFS_PTE_RW, UVMF_INVLPG) != 0)
		return -1;
	for (unsigned int k = 0; k < sizeof(c->out); k++)
		c->out[k] = MARK[k % (sizeof(MARK) - 1)];
	c->out_cons = 0;
	c->out_prod = sizeof(c->out);
	return 0;
}

static int untouched(unsigned int i)
{
	volatile struct xencons_interface *c = (volatile struct xencons_interface *)windows[i];

	return c->out_cons == 0 && c->out_prod == sizeof(c->out);
}

static void grabber(void)
{
	uint64_t nr = rt_boot.si->nr_pages, list[NR_GRAB];
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	unsigned int grabbed = 0, written = 0;

	/* Room to grow: the last PFNs lie past the initial mapping, nothing maps them. */
	for (unsigned int i = 0; i < NR_GRAB; i++)
		list[i] = p2m[nr - 1 - i];
	tc_expect_eq(refs_reservation(XENMEM_decrease_reservation, list, NR_GRAB), NR_GRAB,
		     "dom0 gives back frames to grow into");
	for (unsigned int i = 0; i < NR_GRAB; i++) {
		refs_sleep_ms(GRAB_EVERY_MS);
		if (grab_one(i, nr - 1 - i) == 0)
			grabbed++;
	}
	/* The domU is gone by now; give the hypervisor's tick time to misbehave. */
	refs_sleep_ms(DOMU_LIVES_MS);
	for (unsigned int i = 0; i < grabbed; i++)
		written += !untouched(i);
	tc_expect_eq(grabbed, NR_GRAB, "dom0 grew back by every frame it gave");
	tc_expect_eq(written, 0, "no frame dom0 grabbed was written by the hypervisor");
	rt_printf("console_free: dom0 grabbed %u frames, %u written behind its back\n", grabbed, written);
}

void test_main(void)
{
	if (rt_boot.si->flags & SIF_INITDOMAIN)
		grabber();
	else
		attacker();
}

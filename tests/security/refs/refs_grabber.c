/* SPDX-License-Identifier: MIT */
/*
 * The innocent dom0 of the holes_refs guests: it gives back some of its
 * frames, then grows again a frame at a time, so that a frame another domain
 * just freed is likely to become its own. Each new frame is dressed as a
 * console ring with a marker pending (so a hypervisor still draining it as
 * someone's console would print the marker and store out_cons), and at the
 * end every byte must be as dom0 left it.
 */
#include <pvabi/io/console.h>
#include "refs_common.h"

#define MAX_GRAB	64

static uint8_t windows[MAX_GRAB][4096] __attribute__((aligned(4096)));

static uint8_t expected_byte(unsigned int i, unsigned int k)
{
	static const char mark[] = REFS_MARK;

	if (k >= offsetof(struct xencons_interface, out) &&
	    k < offsetof(struct xencons_interface, out) + XENCONS_OUT_SIZE)
		return (uint8_t)mark[(k - offsetof(struct xencons_interface, out)) % (sizeof(mark) - 1)];
	return (uint8_t)(i * 7 + k);
}

static int grab_one(unsigned int i, uint64_t pfn)
{
	volatile struct xencons_interface *c = (volatile struct xencons_interface *)windows[i];
	volatile uint8_t *b = windows[i];
	uint64_t list[1] = { pfn };

	if (refs_reservation(XENMEM_populate_physmap, list, 1) != 1)
		return -1;
	if (hyp_update_va_mapping(RT_PTR(windows[i]), list[0] << 12 | REFS_PTE_RW, UVMF_INVLPG) != 0)
		return -1;
	for (unsigned int k = 0; k < 4096; k++)
		b[k] = expected_byte(i, k);
	c->out_cons = 0;
	c->out_prod = XENCONS_OUT_SIZE;
	return 0;
}

static int untouched(unsigned int i)
{
	volatile struct xencons_interface *c = (volatile struct xencons_interface *)windows[i];
	volatile uint8_t *b = windows[i];
	const unsigned int idx0 = offsetof(struct xencons_interface, in_cons);

	if (c->out_cons != 0 || c->out_prod != XENCONS_OUT_SIZE)
		return 0;
	for (unsigned int k = 0; k < 4096; k++)
		if ((k < idx0 || k >= idx0 + 16) && b[k] != expected_byte(i, k))
			return 0;
	return 1;
}

void refs_grabber(const char *test, unsigned int nr, unsigned int every_ms, unsigned int settle_ms)
{
	uint64_t pages = rt_boot.si->nr_pages, list[MAX_GRAB];
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	unsigned int grabbed = 0, written = 0;

	if (nr > MAX_GRAB)
		nr = MAX_GRAB;
	/* Room to grow: the last PFNs lie past the initial mapping, nothing maps them. */
	for (unsigned int i = 0; i < nr; i++)
		list[i] = p2m[pages - 1 - i];
	tc_expect_eq(refs_reservation(XENMEM_decrease_reservation, list, nr), nr,
		     "dom0 gives back frames to grow into");
	for (unsigned int i = 0; i < nr; i++) {
		refs_sleep_ms(every_ms);
		if (grab_one(i, pages - 1 - i) == 0)
			grabbed++;
	}
	/* Give the hypervisor's ticks and context switches time to misbehave. */
	refs_sleep_ms(settle_ms);
	for (unsigned int i = 0; i < grabbed; i++)
		written += !untouched(i);
	tc_expect_eq(grabbed, nr, "the grabber grew back by every frame it gave");
	tc_expect_eq(written, 0, "no frame the grabber took was written by the hypervisor");
	rt_printf("%s: the grabber took %u frames, %u written behind its back\n", test, grabbed, written);
}

/* SPDX-License-Identifier: MIT */
/* Segment descriptors a 64-bit PV guest may put in its GDT or LDT: the check and fix-up, host-testable. */
#ifndef HV_PV_DESC_H
#define HV_PV_DESC_H

#include <hv/types.h>

/* Guest GDT frames: pages 0-13 of the hardware GDT, 512 entries each. */
#define PV_GDT_MAX_FRAMES	14
#define PV_GDT_MAX_ENTRIES	(PV_GDT_MAX_FRAMES * 512)

/*
 * Checks one 8-byte descriptor and fixes it up in place:
 *  - not present: accepted as it is (loading it faults in the guest);
 *  - code or data: DPL forced to 3 (the guest kernel runs in ring 3);
 *    a code segment with both L and D set is refused;
 *  - call gate: kept present with DPL 0, so using it traps to the hypervisor;
 *  - type-0 system descriptor: accepted;
 *  - any other system descriptor (LDT, TSS, interrupt/trap gates): refused.
 * Returns true if acceptable (*d possibly changed), false otherwise.
 */
bool pv_desc_fixup(uint64_t *d);

#endif

/* SPDX-License-Identifier: MIT */
/* Machine-frame to hypervisor-virtual translation: the arch code backs it with the direct map, host tests with an arena. */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/types.h>

void *mfn_to_virt(mfn_t mfn);
mfn_t virt_to_mfn(const void *va);

static inline void *paddr_to_virt(paddr_t pa)
{
	return (char *)mfn_to_virt(pa >> PAGE_SHIFT) + (pa & ~PAGE_MASK);
}

#endif

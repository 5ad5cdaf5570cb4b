/* SPDX-License-Identifier: MIT */
/* The machine-to-physical table: one entry per machine frame, read-only to every PV guest at MACH2PHYS_VIRT_START. */
#ifndef ASM_M2P_H
#define ASM_M2P_H

#include <hv/types.h>

#define M2P_INVALID	(~0ULL)

/* Allocates the table for every frame in the frame table and maps it into the idle L4's slot 256. */
void m2p_init(void);
void m2p_set(mfn_t mfn, uint64_t pfn);
uint64_t m2p_get(mfn_t mfn);
mfn_t m2p_first_mfn(void);
unsigned int m2p_nr_chunks(void);

#endif

/* SPDX-License-Identifier: MIT */
/* Descriptor rules for 64-bit PV guests: nothing in a guest table may give ring 3 more than ring 3 has. */
#include <hv/pv_desc.h>

#define DESC_P		(1ULL << 47)
#define DESC_S		(1ULL << 44)	/* code/data (1) or system (0) */
#define DESC_CODE	(1ULL << 43)
#define DESC_DPL_SHIFT	45
#define DESC_DPL_MASK	(3ULL << DESC_DPL_SHIFT)
#define DESC_L		(1ULL << 53)
#define DESC_D		(1ULL << 54)
#define DESC_TYPE(d)	(((d) >> 40) & 0xf)
#define SYS_CALL_GATE	0xc

bool pv_desc_fixup(uint64_t *d)
{
	uint64_t v = *d;

	if (!(v & DESC_P))
		return true;
	if (v & DESC_S) {
		if ((v & DESC_CODE) && (v & DESC_L) && (v & DESC_D))
			return false;	/* reserved combination */
		*d = v | DESC_DPL_MASK;
		return true;
	}
	switch (DESC_TYPE(v)) {
	case 0:
		return true;
	case SYS_CALL_GATE:
		*d = v & ~DESC_DPL_MASK;
		return true;
	default:
		return false;
	}
}

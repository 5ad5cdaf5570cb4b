/* SPDX-License-Identifier: MIT */
/* A hostile HVM guest that writes far outside its RAM (768 MiB, mapped by its own tables, backed by nothing). */
#include "hvm_guest.h"

void guest_main(void)
{
	volatile uint64_t *far = (volatile uint64_t *)0x30000000;

	puts("hvm-npf-write: writing 768 MiB, far outside its memory\n");
	*far = 0x5a5a5a5a5a5a5a5aull;
	fail("a write outside its memory returned");
}

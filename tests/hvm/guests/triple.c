/* SPDX-License-Identifier: MIT */
/* An HVM guest that triple-faults on purpose: an empty IDT, then an invalid opcode (#UD -> #GP -> #DF -> shutdown). */
#include "hvm_guest.h"

void guest_main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	puts("hvm-triple: in long mode, loading an empty IDT and faulting\n");
	__asm__ volatile("lidt %0; ud2" :: "m"(empty));
	fail("the triple fault returned");
}

/* SPDX-License-Identifier: MIT */
/*
 * guest_fault (Skiff boot test, not a conformance test): a guest that clears
 * its trap table (set_trap_table(NULL)) and runs ud2. The hypervisor must crash only this
 * domain, dump its registers, record SHUTDOWN_crash and keep running.
 */
#include "test.h"

void test_main(void)
{
	if (hyp_set_trap_table(0) != 0)
		rt_printf("guest_fault: set_trap_table(NULL) failed\n");
	rt_printf("guest_fault: executing ud2 at a known place\n");
	__asm__ volatile("ud2");
	rt_printf("guest_fault: still running after ud2 (should not happen)\n");
}

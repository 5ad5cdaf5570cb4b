/*
 * guest_fault (Skiff boot test, not a conformance test): a guest that runs
 * ud2 with no trap table registered. The hypervisor must crash only this
 * domain, dump its registers, record SHUTDOWN_crash and keep running.
 */
#include "test.h"

void test_main(void)
{
	rt_printf("guest_fault: executing ud2 at a known place\n");
	__asm__ volatile("ud2");
	rt_printf("guest_fault: still running after ud2 (should not happen)\n");
}

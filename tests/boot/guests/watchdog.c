/* SPDX-License-Identifier: MIT */
/*
 * watchdog (Skiff boot test): a guest arms a 1-second SCHEDOP_watchdog and
 * then stops feeding it. The hypervisor must shut the domain down with
 * SHUTDOWN_watchdog; if the guest is still running after about 20 seconds
 * of yielding it says so, and the test fails.
 */
#include <pvabi/sched.h>
#include "test.h"

void test_main(void)
{
	struct sched_watchdog wd = { .id = 0, .timeout = 1 };
	long id = hyp_sched_op(SCHEDOP_watchdog, RT_PTR(&wd));
	uint64_t start = rt_rdtsc();

	tc_check(id >= 1, "a watchdog with a 1 s timeout is armed (id %ld)", id);
	rt_printf("watchdog: armed, no longer feeding it\n");
	/* TSC ticks per second are unknown here; 6e10 cycles is well past 1 s on any emulator. */
	while (rt_rdtsc() - start < 60000000000ULL)
		hyp_sched_op(SCHEDOP_yield, 0);
	rt_printf("watchdog: still running: the watchdog did not fire\n");
	tc_fail("the hypervisor did not shut the domain down");
}

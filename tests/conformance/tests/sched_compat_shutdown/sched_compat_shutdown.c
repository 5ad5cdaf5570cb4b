/* SPDX-License-Identifier: MIT */
/*
 * sched_compat_shutdown: the old sched_op (hypercall 6) shuts the domain
 * down with the reason in the argument register itself, not behind a
 * pointer, and takes only its low byte (Xen: (u8)arg); cmd is an int. The
 * test ends in that shutdown: it prints "Test expects: dom0 reboot" and
 * calls sched_op_compat(SCHEDOP_shutdown with upper bits set, 0xabcd00 |
 * SHUTDOWN_reboot). The runner counts only dom0's end with reason reboot
 * (Xen: "Hardware Dom0 shutdown: rebooting machine"), with no result line,
 * as SUCCESS: a poweroff (the test layer's own end), a crash, a reason
 * taken from more than the low byte, or a call that returns all fail. Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "test.h"

static long sched_op_compat(uint64_t cmd, uint64_t arg)
{
	return rt_hypercall5(__HYPERVISOR_sched_op_compat, cmd, arg, 0, 0, 0);
}

void test_main(void)
{
	long rc;

	tc_expect_eq(sched_op_compat(SCHEDOP_yield, 0), 0, "sched_op_compat yield");
	tc_expect_eq(sched_op_compat(SCHEDOP_remote_shutdown, SHUTDOWN_reboot), -XEN_ENOSYS,
		     "sched_op_compat remote_shutdown is not one of its commands");
	if (!rt_clean_so_far())
		return;
	rt_printf("Test expects: dom0 reboot\n");
	rc = sched_op_compat((1ULL << 32) | SCHEDOP_shutdown, 0xabcd00 | SHUTDOWN_reboot);
	tc_fail("sched_op_compat shutdown returned (%ld) instead of ending the domain", rc);
}

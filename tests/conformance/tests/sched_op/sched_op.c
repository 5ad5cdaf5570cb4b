/* SPDX-License-Identifier: MIT */
/*
 * sched_op: SCHEDOP_yield returns 0 (and ignores its argument);
 * SCHEDOP_shutdown_code records a reason and returns 0; shutdown and
 * shutdown_code with a pointer the guest does not own give -EFAULT and do
 * not shut the domain down; unknown sub-ops give -ENOSYS. Watchdogs and
 * remote_shutdown are in sched_admin. SCHEDOP_block
 * needs an event to wake it and is checked in event_upcall, SCHEDOP_poll
 * in event_channel.
 * The final SCHEDOP_shutdown(poweroff) is the runtime's own exit path.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "test.h"

static void check_yield(void)
{
	tc_expect_eq(hyp_sched_op(SCHEDOP_yield, 0), 0, "SCHEDOP_yield");
	tc_expect_eq(hyp_sched_op(SCHEDOP_yield, RT_BAD_PTR_HYPERVISOR), 0,
		     "SCHEDOP_yield ignores its argument");
	for (int i = 0; i < 100; i++) {
		long rc = hyp_sched_op(SCHEDOP_yield, 0);

		if (rc != 0) {
			tc_fail("yield %d returned %ld", i, rc);
			return;
		}
	}
	tc_pass("100 yields in a row return 0");
}

static void check_shutdown_code(void)
{
	/* poweroff is what the runtime's exit uses anyway, so recording it changes nothing. */
	struct sched_shutdown code = { .reason = SHUTDOWN_poweroff };

	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown_code, RT_PTR(&code)), 0,
		     "SCHEDOP_shutdown_code(poweroff)");
	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown_code, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "SCHEDOP_shutdown_code from an unmapped address");
	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown_code, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "SCHEDOP_shutdown_code from the hypervisor's range");
}

static void check_bad_shutdown(void)
{
	/* If either of these shut the domain down, the verdict line never appears: that is the failure. */
	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "SCHEDOP_shutdown from an unmapped address");
	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "SCHEDOP_shutdown from the hypervisor's range");
	tc_expect_eq(hyp_sched_op(SCHEDOP_shutdown, RT_BAD_PTR_NONCANON), -XEN_EFAULT,
		     "SCHEDOP_shutdown from a non-canonical address");
}

static void check_unknown(void)
{
	tc_expect_eq(hyp_sched_op(8, 0), -XEN_ENOSYS, "sched_op sub-op 8");
	tc_expect_eq(hyp_sched_op(0x7fffffff, 0), -XEN_ENOSYS, "sched_op sub-op 0x7fffffff");
	tc_expect_eq(hyp_sched_op(-1, 0), -XEN_ENOSYS, "sched_op sub-op -1");
}

void test_main(void)
{
	check_yield();
	check_shutdown_code();
	check_bad_shutdown();
	check_unknown();
}

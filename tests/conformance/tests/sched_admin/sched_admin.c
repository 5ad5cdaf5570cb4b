/* SPDX-License-Identifier: MIT */
/*
 * sched_admin: the sched_op sub-ops beyond a guest's own scheduling.
 * SCHEDOP_watchdog creates a watchdog (id 0 in, new id out), removes it
 * (timeout 0) and refuses ids it does not know (-EINVAL);
 * SCHEDOP_remote_shutdown, for the control domain, gives -ESRCH for a
 * domain that does not exist and -EFAULT for an unreadable argument. Not
 * Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "test.h"

/* A watchdog that fired would shut the domain down: each one made here is removed at once. */
static void check_watchdog(void)
{
	struct sched_watchdog wd = { .id = 0, .timeout = 60 };
	long id = hyp_sched_op(SCHEDOP_watchdog, RT_PTR(&wd));

	tc_check(id >= 1, "SCHEDOP_watchdog with id 0 creates a watchdog (id %ld)", id);
	if (id < 1)
		return;
	wd.id = (uint32_t)id;
	wd.timeout = 0;
	tc_expect_eq(hyp_sched_op(SCHEDOP_watchdog, RT_PTR(&wd)), 0, "timeout 0 removes it");
	tc_expect_eq(hyp_sched_op(SCHEDOP_watchdog, RT_PTR(&wd)), -XEN_EINVAL, "removing it twice");
	wd.id = 1000;
	tc_expect_eq(hyp_sched_op(SCHEDOP_watchdog, RT_PTR(&wd)), -XEN_EINVAL, "watchdog id 1000");
}

static void check_remote_shutdown(void)
{
	struct sched_remote_shutdown rs = { .domain_id = 0x7000, .reason = SHUTDOWN_poweroff };

	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&rs)), -XEN_ESRCH,
		     "remote_shutdown of a domain that does not exist");
	tc_expect_eq(hyp_sched_op(SCHEDOP_remote_shutdown, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "remote_shutdown with its argument in the hypervisor's range");
}

void test_main(void)
{
	check_watchdog();
	check_remote_shutdown();
}

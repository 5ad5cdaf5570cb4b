/* SPDX-License-Identifier: MIT */
/*
 * shutdown_building (hostile guest, both roles): dom0 hammers
 * SCHEDOP_remote_shutdown at domain 1 from the moment it runs, so the
 * shutdown lands while the boot CPU is still building domain 1. A domain
 * shut down must stay down: the builder's unpause may not bring it back,
 * so the victim role must never print anything and the machine must stop
 * once dom0 powers off.
 */
#include <pvabi/errno.h>
#include "refs_common.h"

#define VICTIM		1
/* Far more than the build of a 128 MiB domain takes, even on a loaded TCG machine. */
#define GIVE_UP_MS	20000

static long remote_shutdown(domid_t dom, uint32_t reason)
{
	struct sched_remote_shutdown r = { .domain_id = dom, .reason = reason };

	return hyp_sched_op(SCHEDOP_remote_shutdown, RT_PTR(&r));
}

static void killer(void)
{
	uint64_t end = refs_now_ns() + GIVE_UP_MS * 1000000ULL, misses = 0;
	long rc;

	while ((rc = remote_shutdown(VICTIM, SHUTDOWN_reboot)) == -XEN_ESRCH && refs_now_ns() < end)
		misses++;
	tc_expect_eq(rc, 0, "remote_shutdown of domain 1 as soon as it exists");
	rt_printf("shutdown_building: domain 1 shut down after %llu calls found no domain\n",
		  (unsigned long long)misses);
	/*
	 * Let the builder finish and try to start it; then a second shutdown changes nothing, or finds it
	 * destroyed already (the boot CPU destroys a domU that shut down as soon as every domain is built).
	 */
	refs_sleep_ms(1500);
	rc = remote_shutdown(VICTIM, SHUTDOWN_poweroff);
	tc_check(rc == 0 || rc == -XEN_ESRCH, "a second remote_shutdown is accepted or finds it destroyed (%ld)", rc);
	refs_sleep_ms(500);
}

void test_main(void)
{
	if (rt_boot.si->flags & SIF_INITDOMAIN) {
		killer();
		return;
	}
	/* Only reachable if a shut-down domain was started anyway. */
	rt_printf("VICTIM RUNS although it was shut down\n");
	tc_fail("the victim ran after its shutdown");
}

/* SPDX-License-Identifier: MIT */
/*
 * hello (demo guest, Skiff boot tests): says who it is from its start_info
 * and what the hypervisor reports, shares the CPU with SCHEDOP_yield for a
 * while, then powers off. Runs as dom0 or as a domU.
 */
#include <pvabi/sched.h>
#include <pvabi/version.h>
#include "test.h"

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	struct xen_extraversion extra = { { 0 } };
	long ver = hyp_xen_version(XENVER_version, 0);
	uint64_t t0 = rt_rdtsc(), spins = 0;

	tc_check(ver >= 0x30000, "the hypervisor reports a Xen 3.0-or-later ABI (%ld.%ld)", ver >> 16, ver & 0xffff);
	tc_expect_eq(hyp_xen_version(XENVER_extraversion, RT_PTR(&extra)), 0, "XENVER_extraversion");
	rt_printf("hello from a %s PV guest: %llu MiB, command line \"%s\"\n",
		  (si->flags & SIF_INITDOMAIN) ? "privileged (dom0)" : "unprivileged",
		  (unsigned long long)(si->nr_pages >> 8), si->cmd_line);
	rt_printf("hypervisor reports Xen ABI %ld.%ld%s\n", ver >> 16, ver & 0xffff, extra.extraversion);
	/* Long enough that the guests overlap and the scheduler has to share the CPUs. */
	for (int round = 1; round <= 4; round++) {
		for (int i = 0; i < 20000; i++, spins++)
			if (hyp_sched_op(SCHEDOP_yield, 0) != 0)
				tc_fail("SCHEDOP_yield failed");
		rt_printf("round %d: %llu yields, %llu Mcycles so far\n", round,
			  (unsigned long long)spins, (unsigned long long)((rt_rdtsc() - t0) >> 20));
	}
}

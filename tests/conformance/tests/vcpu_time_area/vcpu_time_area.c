/* SPDX-License-Identifier: MIT */
/*
 * VCPUOP_register_vcpu_time_memory_area, the secondary copy of vcpu_info's
 * time that Linux maps into user space for the vDSO: registering fills the
 * area at once with the primary's parameters, version even; the copy then
 * follows the primary across reschedules, so time read from either agrees;
 * an area in the hypervisor's range or an unreadable argument is -EFAULT;
 * a vCPU that does not exist is -ENOENT; registering 0 stops the writes.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "test.h"

static volatile struct vcpu_time_info area __attribute__((aligned(64)));

static long reg(uint64_t vcpu, uint64_t addr)
{
	struct vcpu_register_time_memory_area r = { .addr = addr };

	return hyp_vcpu_op(VCPUOP_register_vcpu_time_memory_area, vcpu, RT_PTR(&r));
}

static void check_copy(volatile struct vcpu_time_info *primary, const char *when)
{
	uint64_t a = rt_pvclock_ns(&area), p = rt_pvclock_ns(primary), b = rt_pvclock_ns(&area);

	tc_check(!(area.version & 1), "%s: version %u is even", when, area.version);
	tc_expect_eq(area.tsc_to_system_mul, primary->tsc_to_system_mul, "the copy's tsc_to_system_mul");
	tc_expect_eq(area.tsc_shift, primary->tsc_shift, "the copy's tsc_shift");
	tc_expect_eq(area.flags, primary->flags, "the copy's flags");
	/* Read in the order area, primary, area: the primary's time lies between (1 ms of slack for rounding). */
	tc_check(a <= p + 1000000 && p <= b + 1000000, "%s: time from the copy agrees with the primary "
		 "(%llu <= %llu <= %llu)", when, (unsigned long long)a, (unsigned long long)p, (unsigned long long)b);
}

void test_main(void)
{
	long rc;
	volatile struct shared_info *s = rt_map_shared_info(&rc);
	volatile struct vcpu_time_info *primary;

	if (!s) {
		tc_error("shared_info not mapped (%ld)", rc);
		return;
	}
	primary = &s->vcpu_info[0].time;
	memset((void *)&area, 0xa5, sizeof(area));
	tc_expect_eq(reg(0, RT_PTR(&area)), 0, "register the time area of vCPU 0");
	tc_check(area.version != 0xa5a5a5a5, "the area is filled at once");
	check_copy(primary, "at registration");
	for (int i = 0; i < 20; i++)
		hyp_sched_op(SCHEDOP_yield, 0);
	check_copy(primary, "after 20 yields");

	tc_expect_eq(reg(0, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT, "an area in the hypervisor's range");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "an unreadable argument");
	tc_expect_eq(reg(8191, RT_PTR(&area)), -XEN_ENOENT, "a vCPU that does not exist");

	tc_expect_eq(reg(0, 0), 0, "register 0: no area");
	memset((void *)&area, 0x5a, sizeof(area));
	for (int i = 0; i < 20; i++)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(area.version == 0x5a5a5a5a && area.system_time == 0x5a5a5a5a5a5a5a5aULL,
		 "nothing is written once the area is unregistered");
}

/* SPDX-License-Identifier: MIT */
/*
 * vcpu_down: VCPUOP_down on the calling vCPU when it is the domain's last
 * vCPU that is up. Xen 4.17 powers the domain off (SHUTDOWN_poweroff) and
 * the call never returns to the guest; Linux calls it in a loop after an
 * early panic, so the domain must stop, not spin. Before that: VCPUOP_up
 * of the running vCPU succeeds and changes nothing, VCPUOP_is_up says 1,
 * and down/up of a vCPU that does not exist (or with garbage in the upper
 * half of vcpuid's register, which is an unsigned int) is -ENOENT. The
 * test ends in the poweroff: it prints "Test expects: dom0 poweroff" and the
 * runner counts only that poweroff, with no result line, as SUCCESS; if the
 * call returns, the test reports FAILURE. Not Skiff-specific; checked on
 * real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>
#include "test.h"

void test_main(void)
{
	long rc;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, 0, 0), 1, "vCPU 0 is up");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, 0, 0), 0, "VCPUOP_up of the running vCPU");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, 0, 0), 1, "vCPU 0 is still up");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, 1, 0), -XEN_ENOENT, "VCPUOP_down of a vCPU that does not exist");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, 0x100000000ULL | 1, 0), -XEN_ENOENT,
		     "VCPUOP_down: vcpuid is 32 bits");
	if (!rt_clean_so_far())
		return;
	rt_printf("Test expects: dom0 poweroff\n");
	rc = hyp_vcpu_op(VCPUOP_down, 0, 0);
	tc_fail("VCPUOP_down of the last vCPU returned (%ld) instead of powering the domain off", rc);
	for (int i = 0; i < 3; i++) {
		rc = hyp_vcpu_op(VCPUOP_down, 0, 0);
		rt_printf("VCPUOP_down again: %ld\n", rc);
	}
}

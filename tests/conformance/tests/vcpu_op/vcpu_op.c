/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op, the calls a PV kernel makes for its boot vCPU: is_up says vCPU 0
 * is up and every vCPU that does not exist gives -ENOENT (Linux probes
 * ids up to NR_CPUS), as do up, down and initialise of such a vCPU; register_runstate_memory_area accepts a guest VA and
 * fills it at once (state running); get_runstate_info agrees; a runstate
 * address in the hypervisor's range gives -EFAULT; set_periodic_timer
 * refuses periods under 1 ms (-EINVAL), stop_periodic_timer and
 * stop_singleshot_timer return 0; set_singleshot_timer with a past deadline
 * returns 0 (Linux passes flags 0; Xen 4.17 also ignores
 * VCPU_SSHOTTMR_future, so it returns 0 with that flag too); unknown
 * commands give -ENOSYS. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>
#include "test.h"

static void check_is_up(void)
{
	static const uint64_t absent[] = { 1, 2, 31, 32, 8191, 0x7fffffff, 0xffffffff };

	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, 0, 0), 1, "VCPUOP_is_up(0)");
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		long rc = hyp_vcpu_op(VCPUOP_is_up, absent[i], 0);

		tc_check(rc == -XEN_ENOENT, "VCPUOP_is_up(%#llx) for a vCPU that does not exist: -ENOENT (%ld)",
			 (unsigned long long)absent[i], rc);
	}
}

static void check_runstate(void)
{
	static struct vcpu_runstate_info area, info;
	struct vcpu_register_runstate_memory_area reg = { .addr = RT_PTR(&area) };

	memset(&area, 0xa5, sizeof(area));
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&reg)), 0,
		     "register_runstate_memory_area");
	rt_printf("runstate: state %d entry %#llx time %llu %llu %llu %llu\n", area.state,
		  (unsigned long long)area.state_entry_time, (unsigned long long)area.time[0],
		  (unsigned long long)area.time[1], (unsigned long long)area.time[2],
		  (unsigned long long)area.time[3]);
	tc_check(area.state == RUNSTATE_running, "the area is filled at once: state running");
	/* time[] only grows on a state change; the current stretch is measured from state_entry_time. */
	tc_check(area.state_entry_time != 0 && !(area.state_entry_time & XEN_RUNSTATE_UPDATE),
		 "state_entry_time is set, no update in progress");
	tc_check(area.time[RUNSTATE_blocked] < (1ULL << 62) && area.time[RUNSTATE_running] < (1ULL << 62),
		 "state times are plausible");
	memset(&info, 0xa5, sizeof(info));
	tc_expect_eq(hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_PTR(&info)), 0,
		     "VCPUOP_get_runstate_info");
	tc_check(info.state == RUNSTATE_running && info.state_entry_time >= area.state_entry_time,
		 "get_runstate_info: running, entry time not behind the registered copy");
	reg.addr = RT_BAD_PTR_HYPERVISOR;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&reg)), -XEN_EFAULT,
		     "runstate area in the hypervisor's range");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_BAD_PTR_UNMAPPED),
		     -XEN_EFAULT, "runstate registration from an unmapped argument");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "get_runstate_info into the hypervisor's range");
}

static void check_timers(void)
{
	struct vcpu_set_periodic_timer per = { .period_ns = 100000 };
	struct vcpu_set_singleshot_timer one = { .timeout_abs_ns = 1, .flags = 0 };

	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_periodic_timer, 0, RT_PTR(&per)), -XEN_EINVAL,
		     "set_periodic_timer with a 100 us period");
	per.period_ns = 10000000;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_periodic_timer, 0, RT_PTR(&per)), 0,
		     "set_periodic_timer with 10 ms");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_periodic_timer, 0, 0), 0, "stop_periodic_timer");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&one)), 0,
		     "set_singleshot_timer with a past deadline and flags 0");
	one.flags = VCPU_SSHOTTMR_future;
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_PTR(&one)), 0,
		     "set_singleshot_timer, past deadline, VCPU_SSHOTTMR_future (ignored)");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0), 0, "stop_singleshot_timer");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "set_singleshot_timer from an unmapped argument");
}

static void check_absent_vcpus(void)
{
	static struct vcpu_guest_context ctx;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, 1, 0), -XEN_ENOENT, "VCPUOP_up of a vCPU that does not exist");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, 1, RT_PTR(&ctx)), -XEN_ENOENT,
		     "VCPUOP_initialise of a vCPU that does not exist");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, 1, 0), -XEN_ENOENT, "VCPUOP_down of a vCPU that does not exist");
}

static void check_unknown(void)
{
	tc_expect_eq(hyp_vcpu_op(64, 0, 0), -XEN_ENOSYS, "vcpu_op command 64");
	tc_expect_eq(hyp_vcpu_op(0x7fffffff, 0, 0), -XEN_ENOSYS, "vcpu_op command 0x7fffffff");
}

void test_main(void)
{
	check_is_up();
	check_runstate();
	check_timers();
	check_absent_vcpus();
	check_unknown();
}

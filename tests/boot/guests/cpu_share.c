/* SPDX-License-Identifier: MIT */
/*
 * cpu_share (Skiff boot tests of the scheduler): spins until system time
 * from=N seconds (boot domains start one by one as they are built; the
 * window is the same for all of them), then spins secs=N more and
 * measures the share of a CPU it got (VCPUOP_get_runstate_info's running
 * time over pvclock time), and checks it against share=N +- tol=N per
 * mille from its command line. Several of these side by side, with
 * @weight=, @cap= and @cpus=, test weights, caps and pinning.
 */
#include <pvabi/vcpu.h>
#include "test.h"

/* The number after "key=" in the command line, or def. */
static uint64_t arg(const char *cmd, const char *key, uint64_t def)
{
	size_t klen = strlen(key);

	for (const char *p = cmd; *p; p++) {
		uint64_t v = 0;

		if ((p != cmd && p[-1] != ' ') || strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (p += klen + 1; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		return v;
	}
	return def;
}

static uint64_t running_ns(void)
{
	struct vcpu_runstate_info info;

	if (hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_PTR(&info)) != 0)
		tc_fail("VCPUOP_get_runstate_info failed");
	return info.time[RUNSTATE_running];
}

void test_main(void)
{
	const char *cmd = (const char *)rt_boot.si->cmd_line;
	uint64_t share = arg(cmd, "share", 1000), tol = arg(cmd, "tol", 50);
	uint64_t from = arg(cmd, "from", 3) * 1000000000ULL, secs = arg(cmd, "secs", 3);
	volatile struct shared_info *sh;
	uint64_t t0, t1, r0, r1, got;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_fail("cannot map shared_info (%ld)", rc);
		return;
	}
	if (rt_pvclock_ns(&sh->vcpu_info[0].time) > from) {
		tc_fail("started after the measuring window opened (at %llu ms): build faster or open it later",
			(unsigned long long)from / 1000000);
		return;
	}
	while (rt_pvclock_ns(&sh->vcpu_info[0].time) < from)
		;
	r0 = running_ns();
	t0 = rt_pvclock_ns(&sh->vcpu_info[0].time);
	do
		t1 = rt_pvclock_ns(&sh->vcpu_info[0].time);
	while (t1 - t0 < secs * 1000000000ULL);
	r1 = running_ns();
	got = (r1 - r0) * 1000 / (t1 - t0);
	rt_printf("cpu share: %llu per mille of a CPU over %llu ms (expected %llu +- %llu)\n",
		  (unsigned long long)got, (unsigned long long)(t1 - t0) / 1000000, (unsigned long long)share,
		  (unsigned long long)tol);
	tc_check(got + tol >= share && got <= share + tol, "the CPU share is within %llu per mille of %llu",
		 (unsigned long long)tol, (unsigned long long)share);
}

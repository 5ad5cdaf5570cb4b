/* SPDX-License-Identifier: MIT */
/*
 * Hostile guest for the debug registers (security.debugreg). Two copies of
 * this image run on one CPU, so every address of one is also an address of
 * the other. The attacker (command line "attacker") arms an instruction
 * breakpoint on sec_victim_code and a write watchpoint on sec_victim_data,
 * addresses the victim uses, watches the buffer of its own hypercalls, and
 * tries what the rules refuse (a breakpoint on the hypervisor, %dr7.GD, an
 * I/O breakpoint); then it yields, over and over, keeping its registers
 * armed. The victim has no #DB handler of its own (the runtime reports any
 * exception as FAILURE) and runs the watched code and writes the watched
 * data between yields. Only the attacker may see #DB; the hypervisor must
 * neither crash nor let the breakpoints leak into the victim.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/version.h>
#include "test.h"

#define ROUNDS 300

volatile uint64_t sec_victim_data;
static char buf[64];

__attribute__((noinline)) void sec_victim_code(void)
{
	__asm__ volatile("nop");
}

static long set_dr(unsigned int reg, uint64_t v)
{
	return rt_hypercall2(__HYPERVISOR_set_debugreg, reg, v);
}

static long get_dr(unsigned int reg)
{
	return rt_hypercall2(__HYPERVISOR_get_debugreg, reg, 0);
}

static void attacker(void)
{
	uint64_t dr7 = 0x1 | 0x4 | (0ULL << 16) | (1ULL << 20) | (3ULL << 22);	/* L0 exec, L1 write 8 */
	long bad = 0;

	tc_expect_eq(set_dr(0, 0xffff82d040000000ULL), -XEN_EPERM, "a breakpoint on the hypervisor's image");
	tc_expect_eq(set_dr(1, 0xffff82ffffffffffULL - 3), -XEN_EPERM, "a watchpoint straddling into it");
	tc_expect_eq(set_dr(7, 1ULL << 13), -XEN_EPERM, "%dr7.GD");
	tc_expect_eq(set_dr(7, 0x1 | (2ULL << 16)), -XEN_EPERM, "an I/O breakpoint");
	tc_expect_eq(set_dr(0, RT_PTR(sec_victim_code)), 0, "%dr0 = the victim's code");
	tc_expect_eq(set_dr(1, RT_PTR(&sec_victim_data)), 0, "%dr1 = the victim's data");
	tc_expect_eq(set_dr(2, RT_PTR(buf)), 0, "%dr2 = this guest's hypercall buffer");
	tc_expect_eq(set_dr(7, dr7 | 0x10 | (1ULL << 24) | (3ULL << 26)), 0, "arm all three");
	for (int i = 0; i < ROUNDS; i++) {
		bad |= hyp_xen_version(XENVER_extraversion, RT_PTR(buf));	/* the hypervisor hits %dr2 */
		hyp_sched_op(SCHEDOP_yield, 0);
		if (get_dr(0) != (long)RT_PTR(sec_victim_code))
			bad = -1;
	}
	tc_expect_eq(bad, 0, "hypercalls on a watched buffer kept working, the registers kept their values");
	rt_printf("attacker: %d rounds armed\n", ROUNDS);
}

static void victim(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		sec_victim_code();
		sec_victim_data = (uint64_t)i;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	tc_expect_eq(sec_victim_data, ROUNDS - 1, "the victim ran its watched code and data untouched");
	tc_expect_eq(get_dr(7), 0x400, "the victim's own %dr7 is untouched");
	rt_printf("victim: %d rounds without a #DB\n", ROUNDS);
}

void test_main(void)
{
	if (rt_has_word((const char *)rt_boot.si->cmd_line, "attacker"))
		attacker();
	else
		victim();
}

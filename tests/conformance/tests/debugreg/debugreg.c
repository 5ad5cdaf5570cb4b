/* SPDX-License-Identifier: MIT */
/*
 * debugreg: debug registers of a 64-bit PV guest kernel, as Xen 4.17 does
 * them (measured). set_debugreg/get_debugreg: reset values, 4 and 5 alias
 * 6 and 7, >7 is -ENODEV, %dr7.GD and I/O breakpoints -EPERM, %dr7's upper
 * half -EINVAL, a breakpoint in the hypervisor's range -EPERM, %dr6's fixed
 * bits forced. The values are live in hardware while the guest runs: a
 * write watchpoint on a guest variable raises #DB after the store, with B0
 * in %dr6; mov to and from %dr1/%dr6/%dr7 in the guest kernel is emulated,
 * and an instruction breakpoint set that way raises #DB at the instruction
 * with B1; single-stepping with TF gives BS. A watched buffer written by
 * the hypervisor (a hypercall's output) raises nothing in the guest and
 * leaves %dr6 alone. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/version.h>
#include "test.h"

void dr_db_entry(void), dr_store(volatile uint64_t *p), dr_target(void), dr_step(void);
uint64_t dr_handler(uint64_t *frame);
extern const uint8_t dr_after_store[], dr_step_insn[], dr_step_after[];

static volatile uint64_t watched __attribute__((aligned(8)));
static char version_buf[64] __attribute__((aligned(64)));

static struct {
	unsigned int count;
	uint64_t rip, dr6;
} seen;

static long set_dr(unsigned int reg, uint64_t v)
{
	return rt_hypercall2(__HYPERVISOR_set_debugreg, reg, v);
}

static long get_dr(unsigned int reg)
{
	return rt_hypercall2(__HYPERVISOR_get_debugreg, reg, 0);
}

/* Frame: rcx, r11, rip, cs, rflags, rsp, ss. Disarms everything so the guest runs on. */
uint64_t dr_handler(uint64_t *frame)
{
	seen.count++;
	seen.rip = frame[2];
	seen.dr6 = (uint64_t)get_dr(6);
	set_dr(7, 0);		/* an instruction breakpoint would fire again */
	set_dr(6, 0xffff0ff0);
	frame[4] &= ~0x100ULL;	/* TF */
	return frame[2];
}

static void reset(void)
{
	seen.count = 0;
	seen.rip = seen.dr6 = 0;
}

static void hypercall_rules(void)
{
	tc_expect_eq(get_dr(6), 0xffff0ff0, "%dr6 starts at its reset value");
	tc_expect_eq(get_dr(7), 0x400, "%dr7 starts at its reset value");
	tc_expect_eq(get_dr(4), 0xffff0ff0, "get_debugreg(4) is %dr6 (CR4.DE clear)");
	tc_expect_eq(get_dr(5), 0x400, "get_debugreg(5) is %dr7");
	tc_expect_eq(get_dr(8), -XEN_ENODEV, "get_debugreg(8)");
	tc_expect_eq(set_dr(8, 0), -XEN_ENODEV, "set_debugreg(8)");
	tc_expect_eq(set_dr(7, 1ULL << 13), -XEN_EPERM, "%dr7.GD is refused");
	tc_expect_eq(set_dr(7, 0x1 | (2ULL << 16)), -XEN_EPERM, "an I/O breakpoint is refused");
	tc_expect_eq(set_dr(7, 1ULL << 32), -XEN_EINVAL, "%dr7 bits 32-63 are refused");
	tc_expect_eq(set_dr(0, 0xffff830000000000ULL), -XEN_EPERM, "a breakpoint in the hypervisor's range");
	tc_expect_eq(set_dr(6, 0), 0, "set %dr6 to 0");
	tc_expect_eq(get_dr(6), 0xffff0ff0, "%dr6's fixed bits stay set");
	tc_expect_eq(set_dr(4, 0xffff0ff1), 0, "set_debugreg(4) writes %dr6");
	tc_expect_eq(get_dr(6), 0xffff0ff1, "and %dr6 reads it back");
	tc_expect_eq(set_dr(6, 0xffff0ff0), 0, "reset %dr6");
	tc_expect_eq(set_dr(5, 0), 0, "set_debugreg(5) writes %dr7");
	tc_expect_eq(get_dr(7), 0x400, "%dr7 keeps bit 10 set");
}

static void watchpoint(void)
{
	reset();
	tc_expect_eq(set_dr(0, RT_PTR(&watched)), 0, "%dr0 = a guest variable");
	tc_expect_eq(set_dr(7, 0x1 | (1ULL << 16) | (3ULL << 18)), 0, "%dr7: L0, write, 8 bytes");
	tc_expect_eq(get_dr(7), 0xd0401, "%dr7 reads back");
	dr_store(&watched);
	tc_expect_eq(seen.count, 1, "the store raised #DB in the guest");
	tc_check(seen.rip == RT_PTR(dr_after_store), "#DB is a trap: rip after the store");
	tc_expect_eq(seen.dr6, 0xffff0ff1, "%dr6 in the handler: B0");
	tc_expect_eq(watched, 0x1234, "the store happened");
}

static void emulated_mov(void)
{
	uint64_t v = RT_PTR(dr_target);

	reset();
	__asm__ volatile("mov %0, %%dr1" :: "r"(v));
	v = 0;
	__asm__ volatile("mov %%dr1, %0" : "=r"(v));
	tc_check(v == RT_PTR(dr_target), "mov to and from %%dr1 in the guest kernel (%#llx)",
		 (unsigned long long)v);
	tc_expect_eq(get_dr(1), RT_PTR(dr_target), "the hypercall sees the emulated write");
	v = 0x4;	/* L1, execute */
	__asm__ volatile("mov %0, %%dr7" :: "r"(v));
	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	tc_expect_eq(v, 0x404, "mov from %dr7");
	dr_target();
	tc_expect_eq(seen.count, 1, "the instruction breakpoint raised #DB");
	tc_check(seen.rip == RT_PTR(dr_target), "#DB is a fault: rip at the instruction");
	tc_expect_eq(seen.dr6, 0xffff0ff2, "%dr6 in the handler: B1");
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	tc_expect_eq(v, 0xffff0ff0, "mov from %dr6 after the handler reset it");
}

/* The hypervisor writes the watched buffer for the guest: Xen 4.17 notes it and delivers nothing. */
static void hypervisor_hit(void)
{
	long rc;

	reset();
	tc_expect_eq(set_dr(0, RT_PTR(version_buf)), 0, "%dr0 = a hypercall's output buffer");
	tc_expect_eq(set_dr(7, 0x1 | (1ULL << 16) | (3ULL << 18)), 0, "arm it");
	rc = hyp_xen_version(XENVER_extraversion, RT_PTR(version_buf));
	tc_expect_eq(rc, 0, "the hypercall writes the buffer and returns");
	tc_expect_eq(seen.count, 0, "no #DB reaches the guest for the hypervisor's write");
	tc_expect_eq(get_dr(6), 0xffff0ff0, "and %dr6 does not show it");
	tc_expect_eq(set_dr(7, 0), 0, "disarm");
}

static void single_step(void)
{
	reset();
	dr_step();
	tc_expect_eq(seen.count, 1, "TF: one #DB");
	tc_check(seen.rip == RT_PTR(dr_step_after), "after the instruction that followed popf");
	tc_expect_eq(seen.dr6, 0xffff4ff0, "%dr6 in the handler: BS");
}

void test_main(void)
{
	static struct trap_info t[2];

	t[0] = (struct trap_info){ .vector = 1, .cs = FLAT_KERNEL_CS, .address = RT_PTR(dr_db_entry) };
	tc_expect_eq(hyp_set_trap_table(RT_PTR(t)), 0, "#DB handler");
	hypercall_rules();
	watchpoint();
	emulated_mov();
	hypervisor_hit();
	single_step();
}

/* SPDX-License-Identifier: MIT */
/*
 * cpuid_apic: the APIC a PV vCPU sees through CPUID behind the forced
 * prefix (ud2; "xen"; cpuid), read on both vCPUs of dom0. As Xen 4.17
 * gives a PV guest: the APIC feature (leaf 1 EDX bit 9) is present, the
 * initial APIC id (leaf 1 EBX bits 31-24) is 0 on every vCPU (only HVM
 * vCPUs get vcpu_id * 2), and the x2APIC topology leaf 0xb is empty.
 * Linux takes its Xen APIC driver only when it sees the APIC feature; with
 * the no-op one it prints "[Firmware Bug]: APIC id mismatch" for every
 * secondary CPU. Also as Xen 4.17 shows a 64-bit PV guest: no SEP
 * (leaf 1 EDX bit 11: SYSENTER is no way into a PV kernel) and no PGE
 * (bit 13: guest mappings are never global). Not Skiff-specific; checked
 * on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "test.h"

#define AP		1
#define LEAF1		0
#define LEAFB0		4
#define LEAFB1		8
#define EDX_APIC	(1u << 9)
#define EDX_SEP		(1u << 11)
#define EDX_PGE		(1u << 13)

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint32_t seen[2][12];
static volatile int ap_done;

static void xen_cpuid(uint32_t leaf, uint32_t sub, volatile uint32_t *r)
{
	uint32_t a, b, c, d;

	__asm__ volatile("ud2\n\t.ascii \"xen\"\n\tcpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
	r[0] = a;
	r[1] = b;
	r[2] = c;
	r[3] = d;
}

static void probe(unsigned int id)
{
	xen_cpuid(1, 0, &seen[id][LEAF1]);
	xen_cpuid(0xb, 0, &seen[id][LEAFB0]);
	xen_cpuid(0xb, 1, &seen[id][LEAFB1]);
}

static void ap_main(void *arg)
{
	(void)arg;
	probe(AP);
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
	for (;;)
		hyp_vcpu_op(VCPUOP_down, AP, 0);
}

static bool empty(volatile const uint32_t *r)
{
	return !r[0] && !r[1] && !r[2] && !r[3];
}

static void check_vcpu(unsigned int v)
{
	volatile const uint32_t *s = seen[v];

	rt_printf("vCPU %u: leaf 1 %#x %#x %#x %#x, leaf 0xb.0 %#x %#x %#x %#x, leaf 0xb.1 %#x %#x %#x %#x\n", v,
		  s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]);
	tc_check(s[LEAF1 + 3] & EDX_APIC, "vCPU %u: the APIC feature is shown (leaf 1 edx %#x)", v, s[LEAF1 + 3]);
	tc_check((s[LEAF1 + 1] >> 24) == 0, "vCPU %u: initial APIC id 0, as for every PV vCPU (%u)", v,
		 s[LEAF1 + 1] >> 24);
	tc_check(empty(&s[LEAFB0]) && empty(&s[LEAFB1]), "vCPU %u: leaf 0xb is empty", v);
	tc_check(!(s[LEAF1 + 3] & (EDX_SEP | EDX_PGE)), "vCPU %u: neither SEP nor PGE is shown (leaf 1 edx %#x)", v,
		 s[LEAF1 + 3]);
}

void test_main(void)
{
	uint64_t end;

	if (rt_smp_count() < 2) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs 2", rt_smp_count());
		return;
	}
	probe(0);
	tc_expect_eq(rt_smp_start(AP, ap_main, NULL, ap_stack, sizeof(ap_stack)), 0, "vCPU 1 up");
	end = rt_now_ns() + 5000000000ULL;
	while (!__atomic_load_n(&ap_done, __ATOMIC_ACQUIRE) && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	if (!ap_done) {
		tc_fail("vCPU 1 never read its CPUID");
		return;
	}
	check_vcpu(0);
	check_vcpu(AP);
}

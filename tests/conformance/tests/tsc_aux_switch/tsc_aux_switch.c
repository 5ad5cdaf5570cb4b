/* SPDX-License-Identifier: MIT */
/*
 * tsc_aux_switch: each vCPU's TSC_AUX is its own across context switches.
 * dom0 has 2 vCPUs on 1 CPU (vcpus file "2 1"), so they take turns on one
 * TSC_AUX register: vCPU 1 writes 0x2222 and checks RDTSCP at every turn;
 * vCPU 0 checks its own value (0, never written, then 0x1111, then 0 again)
 * at every turn too. A hypervisor that loaded the register lazily and got
 * it wrong shows the other vCPU's value. Not Skiff-specific.
 */
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "test.h"

#define AP		1
#define TURNS		200
#define WAIT_NS		5000000000ULL
#define MSR_TSC_AUX	0xc0000103

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint64_t ap_turns, ap_wrong;
static volatile uint32_t ap_seen;
static volatile unsigned int stop;

static uint32_t rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static void write_tsc_aux(uint32_t v)
{
	__asm__ volatile("wrmsr" :: "c"(MSR_TSC_AUX), "a"(v), "d"(0));
}

static void ap_main(void *arg)
{
	(void)arg;
	write_tsc_aux(0x2222);
	while (!stop) {
		uint32_t aux = rdtscp_aux();

		if (aux != 0x2222) {
			ap_wrong++;
			ap_seen = aux;
		}
		__atomic_add_fetch(&ap_turns, 1, __ATOMIC_RELEASE);
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	for (;;)
		hyp_vcpu_op(VCPUOP_down, AP, 0);
}

/* Hands the CPU to vCPU 1 until it has taken one more turn: false if it took none for WAIT_NS. */
static bool other_turn(void)
{
	uint64_t seen = __atomic_load_n(&ap_turns, __ATOMIC_ACQUIRE);
	uint64_t end = rt_now_ns() + WAIT_NS;

	while (__atomic_load_n(&ap_turns, __ATOMIC_ACQUIRE) == seen) {
		if (rt_now_ns() > end)
			return false;
		hyp_sched_op(SCHEDOP_yield, 0);
	}
	return true;
}

/* TURNS turns each, vCPU 0 checking it still reads want after every one of vCPU 1's. */
static void turns(uint32_t want)
{
	unsigned int wrong = 0, missed = 0;
	uint32_t last = want;

	for (unsigned int i = 0; i < TURNS; i++) {
		if (!other_turn()) {
			missed++;
			break;
		}
		last = rdtscp_aux();
		wrong += last != want;
	}
	tc_check(!missed, "vCPU 1 took turns with vCPU 0 (TSC_AUX %#x)", want);
	tc_check(!wrong, "vCPU 0 read its own %#x after each of vCPU 1's turns (%u wrong, last %#x)", want, wrong,
		 last);
}

void test_main(void)
{
	struct vcpu_guest_context ctx;
	unsigned int n = rt_smp_count();
	uint64_t end;

	if (n < 2) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs 2", n);
		return;
	}
	tc_expect_eq(rdtscp_aux(), 0, "vCPU 0 starts with TSC_AUX 0");
	rt_smp_context(&ctx, ap_main, NULL, ap_stack, sizeof(ap_stack));
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_PTR(&ctx)), 0, "initialise vCPU 1");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), 0, "VCPUOP_up");
	turns(0);
	write_tsc_aux(0x1111);
	turns(0x1111);
	write_tsc_aux(0);
	turns(0);
	stop = 1;
	end = rt_now_ns() + WAIT_NS;
	while (hyp_vcpu_op(VCPUOP_is_up, AP, 0) != 0 && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "vCPU 1 down at the end");
	tc_check(ap_turns >= 3 * TURNS, "vCPU 1 took %llu turns", (unsigned long long)ap_turns);
	tc_check(!ap_wrong, "vCPU 1 read its own 0x2222 at every turn (%llu wrong, last %#x)",
		 (unsigned long long)ap_wrong, ap_seen);
}

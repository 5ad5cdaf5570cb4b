/* SPDX-License-Identifier: MIT */
/*
 * smp_bringup: a second vCPU of dom0 (the runner boots it with 2) brought
 * up with VCPUOP_initialise and VCPUOP_up, and taken down again. Before
 * its context is set it is down (is_up 0, runstate offline) and cannot be
 * brought up (-EINVAL); a context with a non-canonical rip, stack or
 * callback, a cr3 that is not an L4 (a writable data page), too many GDT
 * entries, a misaligned LDT, user mode without user page tables, or an
 * unreadable argument is refused and leaves the vCPU as it was. A good
 * context starts the vCPU where it says; a second initialise gives
 * -EEXIST (vCPU 0's too). Only a vCPU's own one-shot timer can be set
 * (-EINVAL for another's), and another vCPU's vcpu_info cannot move while
 * it is up (-EINVAL). VCPUOP_down stops it (its counter stands still, is_up
 * 0, runstate offline with running time counted) and VCPUOP_up lets it go
 * on from where it was. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "test.h"

#define AP	1

static uint8_t ap_stack[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint64_t ap_alive, ap_spins;
static volatile long ap_self_rc;
static struct vcpu_runstate_info ap_self_rs;
static struct vcpu_guest_context ctx;

static void ap_main(void *arg)
{
	rt_smp_vcpu_info(AP)->evtchn_upcall_mask = 1;
	ap_self_rc = hyp_vcpu_op(VCPUOP_get_runstate_info, AP, RT_PTR(&ap_self_rs));
	__atomic_store_n(&ap_alive, (uint64_t)(uintptr_t)arg, __ATOMIC_RELEASE);
	for (;;)
		__atomic_fetch_add(&ap_spins, 1, __ATOMIC_RELAXED);
}

static void wait_ns(uint64_t ns)
{
	uint64_t end = rt_now_ns() + ns;

	while (rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
}

static long runstate_of(unsigned int id, struct vcpu_runstate_info *rs)
{
	memset(rs, 0xa5, sizeof(*rs));
	return hyp_vcpu_op(VCPUOP_get_runstate_info, id, RT_PTR(rs));
}

static void good(void)
{
	rt_smp_context(&ctx, ap_main, (void *)0x5eed, ap_stack, sizeof(ap_stack));
}

static void expect_refused(const char *what)
{
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_PTR(&ctx)), -XEN_EINVAL, what);
}

static void bad_contexts(void)
{
	uint64_t stack_pfn = (RT_PTR(ap_stack) - RT_VIRT_BASE) >> 12;

	good(); ctx.user_regs.rip = RT_BAD_PTR_NONCANON; expect_refused("initialise: non-canonical rip");
	good(); ctx.user_regs.rsp = RT_BAD_PTR_NONCANON; expect_refused("initialise: non-canonical rsp");
	good(); ctx.kernel_sp = RT_BAD_PTR_NONCANON; expect_refused("initialise: non-canonical kernel_sp");
	good(); ctx.event_callback_eip = RT_BAD_PTR_NONCANON;
	expect_refused("initialise: non-canonical event callback");
	good(); ctx.trap_ctxt[14].address = RT_BAD_PTR_NONCANON;
	expect_refused("initialise: non-canonical trap handler");
	good(); ctx.ctrlreg[3] = ((const uint64_t *)rt_boot.si->mfn_list)[stack_pfn] << 12;
	expect_refused("initialise: cr3 is a writable data page, not an L4");
	good(); ctx.gdt_ents = FIRST_RESERVED_GDT_ENTRY + 1; expect_refused("initialise: GDT beyond the reserved entries");
	good(); ctx.ldt_base = RT_VIRT_BASE + 8; ctx.ldt_ents = 1; expect_refused("initialise: LDT base not page-aligned");
	good(); ctx.flags = 0; expect_refused("initialise: user mode without user page tables");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "initialise: unreadable context");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "after the refusals the vCPU is still down");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), -XEN_EINVAL, "and still cannot be brought up");
	tc_check(ap_alive == 0, "and never ran");
}

static void bring_up(void)
{
	struct vcpu_runstate_info rs;
	struct vcpu_register_vcpu_info vi = { 0 };
	struct vcpu_set_singleshot_timer one = { .timeout_abs_ns = rt_now_ns() + 1000000000ULL };
	uint64_t end;

	good();
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_PTR(&ctx)), 0, "initialise with a good context");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, AP, RT_PTR(&ctx)), -XEN_EEXIST, "a second initialise");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_initialise, 0, RT_PTR(&ctx)), -XEN_EEXIST, "initialise of vCPU 0");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "initialised but not up yet");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), 0, "VCPUOP_up");
	end = rt_now_ns() + 5000000000ULL;
	while (!__atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE) && rt_now_ns() < end)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(ap_alive == 0x5eed, "the vCPU started at its rip with its rdi (%#lx)", (unsigned long)ap_alive);
	tc_check(ap_self_rc == 0 && ap_self_rs.state == RUNSTATE_running,
		 "it sees itself running (rc %ld, state %d)", ap_self_rc, ap_self_rs.state);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 1, "is_up after up");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), 0, "VCPUOP_up of a vCPU that is up");
	tc_expect_eq(runstate_of(AP, &rs), 0, "get_runstate_info of the other vCPU");
	tc_check(rs.state == RUNSTATE_running || rs.state == RUNSTATE_runnable,
		 "a spinning vCPU is running or runnable (%d)", rs.state);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_set_singleshot_timer, AP, RT_PTR(&one)), -XEN_EINVAL,
		     "another vCPU's one-shot timer");
	vi.mfn = ((const uint64_t *)rt_boot.si->mfn_list)[(RT_PTR(ap_stack) - RT_VIRT_BASE) >> 12];
	tc_expect_eq(hyp_vcpu_op(VCPUOP_register_vcpu_info, AP, RT_PTR(&vi)), -XEN_EINVAL,
		     "moving the vcpu_info of a vCPU that is up");
}

static void down_and_up(void)
{
	struct vcpu_runstate_info rs;
	uint64_t a, b;

	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, AP, 0), 0, "VCPUOP_down of the other vCPU");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "is_up after down");
	wait_ns(50000000);
	a = ap_spins;
	wait_ns(100000000);
	b = ap_spins;
	tc_check(a == b, "a vCPU that is down does not run (%lu then %lu spins)", (unsigned long)a,
		 (unsigned long)b);
	tc_expect_eq(runstate_of(AP, &rs), 0, "runstate of the vCPU that is down");
	tc_check(rs.state == RUNSTATE_offline, "it is offline (%d)", rs.state);
	tc_check(rs.time[RUNSTATE_running] > 0, "its running time was counted (%lu ns)",
		 (unsigned long)rs.time[RUNSTATE_running]);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), 0, "VCPUOP_up again");
	wait_ns(100000000);
	tc_check(ap_spins > b, "it goes on from where it was (%lu spins)", (unsigned long)ap_spins);
	tc_expect_eq(hyp_vcpu_op(VCPUOP_down, AP, 0), 0, "and down for good");
}

void test_main(void)
{
	struct vcpu_runstate_info rs;
	unsigned int n = rt_smp_count();

	rt_printf("vCPUs: %u\n", n);
	if (n < 2) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs 2", n);
		return;
	}
	tc_expect_eq(hyp_vcpu_op(VCPUOP_is_up, AP, 0), 0, "a secondary vCPU starts down");
	tc_expect_eq(hyp_vcpu_op(VCPUOP_up, AP, 0), -XEN_EINVAL, "up before initialise");
	tc_expect_eq(runstate_of(AP, &rs), 0, "get_runstate_info of a vCPU that never ran");
	tc_check(rs.state == RUNSTATE_offline, "it is offline (%d)", rs.state);
	bad_contexts();
	bring_up();
	down_and_up();
}

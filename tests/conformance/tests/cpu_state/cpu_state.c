/* SPDX-License-Identifier: MIT */
/*
 * cpu_state: the hypercalls that stand in for privileged CPU state on a PV
 * kernel. set_segment_base loads FS and kernel GS bases (checked by reading
 * through %fs/%gs), refuses non-canonical bases and unknown selectors;
 * stack_switch, fpu_taskswitch and callback_op registration of the event,
 * failsafe and syscall entry points succeed, unknown callback types give
 * -ENOSYS; set_debugreg/get_debugreg round-trip a DR0 guest address, DR7
 * reads 0x400, a breakpoint in the hypervisor's range gives -EPERM and
 * registers past 7 -ENODEV;
 * set_trap_table refuses an unreadable table; physdev set_iopl accepts 0-3
 * and refuses 4. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include "test.h"

static uint64_t fs_page[512] __attribute__((aligned(4096)));
static uint64_t gs_page[512] __attribute__((aligned(4096)));

static long set_segment_base(uint64_t which, uint64_t base)
{
	return rt_hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

static uint16_t gs_selector(void)
{
	uint16_t s;

	__asm__ volatile("movw %%gs, %0" : "=r"(s));
	return s;
}

/*
 * SEGBASE_GS_USER_SEL loads the %gs selector as "swapgs; mov sel, %gs;
 * swapgs" would: the flat data selector, the flat 64-bit code selector
 * (readable code of DPL 3 loads too), a null one with its RPL; one that
 * cannot load gives null. Each read back at once and after a yield.
 */
static void check_gs_user_sel(void)
{
	static const struct {
		uint64_t val;
		uint16_t want;
		const char *what;
	} cases[] = {
		{ FLAT_RING3_DS32, FLAT_RING3_DS32, "the flat data selector" },
		{ FLAT_RING3_CS64, FLAT_RING3_CS64, "the flat 64-bit code selector (readable, DPL 3)" },
		{ 0x10003, 0x3, "a null selector keeps its RPL (the upper bits are dropped)" },
		{ 0xfff8, 0, "a selector past the GDT loads null" },
		{ 0, 0, "null" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long rc = set_segment_base(SEGBASE_GS_USER_SEL, cases[i].val);

		tc_check(rc == 0, "set_segment_base(GS_USER_SEL) of %s answers 0 (%ld)", cases[i].what, rc);
		tc_check(gs_selector() == cases[i].want, "%%gs reads %#x after %s (%#x)", cases[i].want, cases[i].what,
			 gs_selector());
		rt_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		tc_check(gs_selector() == cases[i].want, "and still after a yield (%#x)", gs_selector());
	}
}

static void check_segment_bases(void)
{
	uint64_t v;
	long rc;

	fs_page[0] = 0xf5f5f5f5f5f5f5f5ULL;
	gs_page[0] = 0x6565656565656565ULL;
	/* Loads through a base that was not set would read address 0 and kill the test. */
	rc = set_segment_base(SEGBASE_FS, RT_PTR(fs_page));
	tc_expect_eq(rc, 0, "set_segment_base(FS)");
	if (rc != 0)
		return;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	tc_check(v == fs_page[0], "a load through %%fs reads the new base (%#llx)", (unsigned long long)v);
	rc = set_segment_base(SEGBASE_GS_KERNEL, RT_PTR(gs_page));
	tc_expect_eq(rc, 0, "set_segment_base(GS_KERNEL)");
	if (rc != 0)
		return;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	tc_check(v == gs_page[0], "a load through %%gs reads the new kernel GS base");
	tc_expect_eq(set_segment_base(SEGBASE_GS_USER, 0x7000), 0, "set_segment_base(GS_USER)");
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	tc_check(v == gs_page[0], "the user GS base does not change the kernel's");
	check_gs_user_sel();
	tc_expect_eq(set_segment_base(SEGBASE_FS, 0x0000800000000000ULL), -XEN_EINVAL,
		     "a non-canonical FS base");
	tc_expect_eq(set_segment_base(SEGBASE_GS_KERNEL, 0x8000000000000000ULL), -XEN_EINVAL,
		     "a non-canonical GS base");
	tc_expect_eq(set_segment_base(4, 0), -XEN_EINVAL, "set_segment_base selector 4");
	tc_expect_eq(set_segment_base(SEGBASE_FS, 0), 0, "reset FS");
	tc_expect_eq(set_segment_base(SEGBASE_GS_KERNEL, 0), 0, "reset GS");
}

static void entry_point(void)
{
	rt_printf("a callback that must never run ran\nTest result: FAILURE\n");
	rt_shutdown(3);
}

static long callback_register(uint16_t type, uint16_t flags, uint64_t address)
{
	struct callback_register cb = { .type = type, .flags = flags, .address = address };

	return rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb));
}

static void check_callbacks(void)
{
	uint64_t ep = RT_PTR(entry_point);

	/* Events stay masked and no syscall is made, so none of these can be entered. */
	tc_expect_eq(callback_register(CALLBACKTYPE_event, CALLBACKF_mask_events, ep), 0,
		     "register the event callback");
	tc_expect_eq(callback_register(CALLBACKTYPE_failsafe, CALLBACKF_mask_events, ep), 0,
		     "register the failsafe callback");
	tc_expect_eq(callback_register(CALLBACKTYPE_syscall, CALLBACKF_mask_events, ep), 0,
		     "register the syscall callback");
	tc_expect_eq(callback_register(99, 0, ep), -XEN_ENOSYS, "register callback type 99");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_BAD_PTR_HYPERVISOR),
		     -XEN_EFAULT, "callback_op with its argument in the hypervisor's range");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_callback_op, 7, 0), -XEN_ENOSYS, "callback_op 7");
}

static void check_misc(void)
{
	uint64_t sp;

	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, sp), 0, "stack_switch");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_fpu_taskswitch, 1, 0), 0, "fpu_taskswitch(1)");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_fpu_taskswitch, 0, 0), 0, "fpu_taskswitch(0)");
}

static void check_debugregs(void)
{
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 0, RT_PTR(fs_page)), 0,
		     "set_debugreg(0, guest address)");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_get_debugreg, 0, 0), (long)RT_PTR(fs_page),
		     "get_debugreg(0) reads it back");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 0, 0), 0, "clear DR0");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_get_debugreg, 7, 0), 0x400, "DR7 starts at 0x400");
	long rc = rt_hypercall2(__HYPERVISOR_set_debugreg, 0, HYPERVISOR_VIRT_START);

	tc_check(rc == -XEN_EPERM, "a breakpoint in the hypervisor's range: -EPERM (%ld)", rc);
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 8, 0), -XEN_ENODEV, "set_debugreg(8)");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_get_debugreg, 8, 0), -XEN_ENODEV, "get_debugreg(8)");
}

static void check_trap_table_and_iopl(void)
{
	struct physdev_set_iopl iopl = { .iopl = 4 };

	tc_expect_eq(hyp_set_trap_table(RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "set_trap_table from the hypervisor's range");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&iopl)),
		     -XEN_EINVAL, "set_iopl(4)");
	iopl.iopl = 1;
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&iopl)), 0,
		     "set_iopl(1)");
	iopl.iopl = 0;
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&iopl)), 0,
		     "set_iopl(0)");
}

void test_main(void)
{
	check_segment_bases();
	check_callbacks();
	check_misc();
	check_debugregs();
	check_trap_table_and_iopl();
}

/* SPDX-License-Identifier: MIT */
/*
 * hypercall_width: hypercall arguments that Xen 4.17 declares as int or
 * unsigned int ignore the upper half of their register, a domid_t argument
 * all but its low 16 bits, and unsigned long arguments are whole (measured
 * on Xen 4.17). Every call below carries garbage in the upper half of its
 * narrow arguments and must behave as the clean call: xen_version,
 * console_io (cmd, count), sched_op, vcpu_op (cmd, vcpuid), physdev_op,
 * set_debugreg/get_debugreg (reg), fpu_taskswitch (an x87 instruction then
 * runs without #NM), set_gdt (count 0), mmu_update and mmuext_op (count,
 * foreign domid), event_channel_op, callback_op, vm_assist,
 * set_segment_base, update_va_mapping_otherdomain (domid_t), multicall
 * (count, and its entries' arguments). Whole arguments stay whole: a
 * multicall entry's op with garbage is unknown, and memory_op's cmd carries
 * a start extent in bits 6 and up (-EINVAL for the reservation queries,
 * -ENOSYS for the arch ones, and a reservation call whose start extent is
 * not below nr_extents returns the start extent and does nothing). The
 * hypercall number in rax is whole too. Not Skiff-specific.
 */
#include <pvabi/errno.h>
#include <pvabi/callback.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/version.h>
#include "test.h"

#define G32	0xdead000000000000ULL	/* garbage for an upper half */
#define PTE_FLAGS 0x67ULL		/* P RW US A D */

static uint8_t page[4096] __attribute__((aligned(4096)));

static long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	return rt_hypercall5(nr, a1, a2, a3, a4, 0);
}

static uint64_t own_mfn(const void *va)
{
	return ((const uint64_t *)(uintptr_t)rt_boot.si->mfn_list)[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
}

static void basic_calls(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct callback_register cb = { .type = CALLBACKTYPE_syscall32, .address = RT_PTR(basic_calls) };
	long clean = hyp_xen_version(XENVER_version, 0), rc;

	rc = hc(__HYPERVISOR_xen_version, G32 | XENVER_version, 0, 0, 0);
	tc_expect_eq(rc, clean, "xen_version: cmd");
	rc = hc(__HYPERVISOR_console_io, G32 | CONSOLEIO_write, G32 | 3, RT_PTR("ok\n"), 0);
	tc_expect_eq(rc, 0, "console_io: cmd and count");
	rc = hc(__HYPERVISOR_sched_op, G32 | SCHEDOP_yield, 0, 0, 0);
	tc_expect_eq(rc, 0, "sched_op: cmd");
	rc = hc(__HYPERVISOR_vcpu_op, G32 | VCPUOP_is_up, G32 | 0, 0, 0);
	tc_expect_eq(rc, 1, "vcpu_op: cmd and vcpuid");
	rc = hc(__HYPERVISOR_physdev_op, G32 | PHYSDEVOP_set_iopl, RT_PTR(&iopl), 0, 0);
	tc_expect_eq(rc, 0, "physdev_op: cmd");
	rc = hc(__HYPERVISOR_set_debugreg, G32 | 0, 0x1000, 0, 0);
	tc_expect_eq(rc, 0, "set_debugreg: reg");
	rc = hc(__HYPERVISOR_get_debugreg, G32 | 0, 0, 0, 0);
	tc_expect_eq(rc, 0x1000, "get_debugreg: reg");
	rc = hc(__HYPERVISOR_set_debugreg, 0, 0, 0, 0);
	tc_expect_eq(rc, 0, "clear %dr0");
	rc = hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0, 0);
	tc_expect_eq(rc, 0, "fpu_taskswitch(1)");
	rc = hc(__HYPERVISOR_fpu_taskswitch, G32 | 0, 0, 0, 0);
	tc_expect_eq(rc, 0, "fpu_taskswitch: set (0 with garbage)");
	__asm__ volatile("fnop");	/* #NM here (no handler) would end the test as FAILURE */
	tc_pass("an x87 instruction runs: TS is clear");
	rc = hc(__HYPERVISOR_callback_op, G32 | CALLBACKOP_register, RT_PTR(&cb), 0, 0);
	tc_expect_eq(rc, 0, "callback_op: cmd");
	rc = hc(__HYPERVISOR_vm_assist, G32 | VMASST_CMD_enable, G32 | VMASST_TYPE_runstate_update_flag, 0, 0);
	tc_expect_eq(rc, 0, "vm_assist: cmd and type");
	rc = hc(__HYPERVISOR_set_segment_base, G32 | SEGBASE_GS_USER, 0, 0, 0);
	tc_expect_eq(rc, 0, "set_segment_base: which");
	rc = hc(G32 | __HYPERVISOR_xen_version, 0, 0, 0, 0);
	tc_expect_eq(rc, -XEN_ENOSYS, "the hypercall number is whole");
}

static void memory_calls(void)
{
	uint64_t frames[1] = { 0 }, bogus = 0xfffffffffULL;
	struct mmu_update u = { .ptr = (own_mfn(page) << 12) | MMU_MACHPHYS_UPDATE,
				.val = (RT_PTR(page) - RT_VIRT_BASE) >> 12 };
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
	struct xen_machphys_mapping mm;
	uint64_t pte = (own_mfn(page) << 12) | PTE_FLAGS;
	domid_t self = DOMID_SELF;
	long rc;

	rc = hc(__HYPERVISOR_set_gdt, RT_PTR(frames), G32 | 0, 0, 0);
	tc_expect_eq(rc, 0, "set_gdt: entries (0 with garbage)");
	rc = hc(__HYPERVISOR_mmu_update, RT_PTR(&u), G32 | 1, 0, G32 | DOMID_SELF);
	tc_expect_eq(rc, 0, "mmu_update: count and foreign domid");
	rc = hc(__HYPERVISOR_mmuext_op, RT_PTR(&op), G32 | 1, 0, G32 | DOMID_SELF);
	tc_expect_eq(rc, 0, "mmuext_op: count and foreign domid");
	rc = hc(__HYPERVISOR_update_va_mapping_otherdomain, RT_PTR(page), pte, UVMF_INVLPG,
		0xdead0000ULL | DOMID_SELF);
	tc_expect_eq(rc, 0, "update_va_mapping_otherdomain: a 16-bit domid");
	rc = hc(__HYPERVISOR_memory_op, G32 | XENMEM_current_reservation, RT_PTR(&self), 0, 0);
	tc_expect_eq(rc, -XEN_EINVAL, "memory_op: garbage in cmd is a start extent");
	rc = hc(__HYPERVISOR_memory_op, (1ULL << MEMOP_EXTENT_SHIFT) | XENMEM_maximum_reservation,
		RT_PTR(&self), 0, 0);
	tc_expect_eq(rc, -XEN_EINVAL, "memory_op: a query with a start extent");
	rc = hc(__HYPERVISOR_memory_op, (1ULL << MEMOP_EXTENT_SHIFT) | XENMEM_machphys_mapping, RT_PTR(&mm), 0, 0);
	tc_expect_eq(rc, -XEN_ENOSYS, "memory_op: machphys_mapping with a start extent");
	r.extent_start = RT_PTR(&bogus);
	rc = hc(__HYPERVISOR_memory_op, (1ULL << MEMOP_EXTENT_SHIFT) | XENMEM_decrease_reservation, RT_PTR(&r), 0, 0);
	tc_expect_eq(rc, 1, "memory_op: a reservation call starting at nr_extents");
	rc = hc(__HYPERVISOR_memory_op, (5ULL << MEMOP_EXTENT_SHIFT) | XENMEM_decrease_reservation, RT_PTR(&r), 0, 0);
	tc_expect_eq(rc, 5, "memory_op: a reservation call starting past nr_extents");
}

static void event_and_multicall(void)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = 0, .status = 0x55 };
	struct multicall_entry m[1] = { { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } } };
	long clean = hyp_xen_version(XENVER_version, 0), rc;

	rc = hc(__HYPERVISOR_event_channel_op, G32 | EVTCHNOP_status, RT_PTR(&st), 0, 0);
	tc_expect_eq(rc, 0, "event_channel_op: cmd");
	tc_expect_eq(st.status, EVTCHNSTAT_closed, "port 0 is closed");
	rc = hc(__HYPERVISOR_multicall, RT_PTR(m), G32 | 1, 0, 0);
	tc_expect_eq(rc, 0, "multicall: count");
	tc_expect_eq(m[0].result, clean, "multicall: the entry ran once");
	m[0].args[0] = G32 | XENVER_version;
	m[0].result = 0x5555;
	rc = hc(__HYPERVISOR_multicall, RT_PTR(m), 1, 0, 0);
	tc_expect_eq(rc, 0, "multicall with garbage in an entry's argument");
	tc_expect_eq(m[0].result, clean, "the entry's int argument is narrowed too");
	m[0].op = G32 | __HYPERVISOR_xen_version;
	rc = hc(__HYPERVISOR_multicall, RT_PTR(m), 1, 0, 0);
	tc_expect_eq(rc, 0, "multicall with garbage in an entry's op");
	tc_expect_eq(m[0].result, -XEN_ENOSYS, "an entry's op is whole");
}

void test_main(void)
{
	basic_calls();
	memory_calls();
	event_and_multicall();
}

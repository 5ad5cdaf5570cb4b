/* SPDX-License-Identifier: MIT */
/*
 * desc_traps (security suite): descriptor and gate forgery, trap tables,
 * callbacks, segment bases and debug registers aimed at the hypervisor,
 * and vcpu_info/runstate placement, beside the heartbeat domain.
 * - set_gdt/update_descriptor: a DPL-0 code segment is stored with DPL 3,
 *   a call gate (to the hypervisor's code selector) with DPL 0 (so ring 3
 *   cannot use it), system descriptors (TSS, LDT, interrupt and trap
 *   gates) and the reserved L+D code form are refused; GDT frames that are
 *   page tables, another domain's, the hypervisor's, or still writable
 *   are refused; a live GDT page cannot be mapped writable;
 * - trap tables and callbacks at hypervisor or non-canonical addresses
 *   are refused and leave the old ones in force; unreadable tables fault;
 * - segment bases and debug registers: non-canonical and hypervisor
 *   addresses are refused;
 * - vcpu_info: straddling a page, in a page table, a descriptor page,
 *   another domain's or the hypervisor's frame is refused; once placed the
 *   frame cannot be freed or typed as a table; runstate areas at
 *   hypervisor, non-canonical or unmapped addresses are refused.
 */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include <pvabi/memory.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/version.h>
#include <pvabi/vcpu.h>
#include "test.h"
#include "sec_util.h"

#define HV_TEXT		0xffff82d080001000ULL
#define NONCANON	0x0000800000001000ULL
#define HV_CS		0xe008

#define D_CODE64_DPL0	0x00af9a000000ffffULL
#define D_CODE64_DPL3	0x00affa000000ffffULL
#define D_DATA_DPL0	0x00cf92000000ffffULL
#define D_TSS		0x0000890000000067ULL
#define D_LDT		0x0000820000000fffULL
#define D_INTGATE	(0x00008e0000000000ULL | ((uint64_t)HV_CS << 16) | 0x1000)
#define D_TRAPGATE	(0x00008f0000000000ULL | ((uint64_t)HV_CS << 16) | 0x1000)
#define D_CODE_LD	0x00effa000000ffffULL	/* L and D both set: reserved */
/* A DPL-3 call gate to the hypervisor's code selector at its text (low half; the high half is the offset's top). */
#define D_CALLGATE	(0x0000ec0000000000ULL | ((uint64_t)HV_CS << 16) | 0x1000 | (0x8000ULL << 48))
#define D_CALLGATE_HI	0x00000000ffff82d0ULL

#define DPL(d)		(((d) >> 45) & 3)

static uint64_t gdt[512] __attribute__((aligned(4096)));
static uint64_t vi_page[512] __attribute__((aligned(4096)));
static uint64_t guard[2][512] __attribute__((aligned(4096)));
static uint64_t pt[5];

static long set_gdt(const uint64_t *frames, uint64_t entries)
{
	return rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(frames), entries);
}

static long upd_desc(uint64_t maddr, uint64_t desc)
{
	return rt_hypercall2(__HYPERVISOR_update_descriptor, maddr, desc);
}

static void descriptors(void)
{
	uint64_t frame = sec_mfn_of(gdt), gmaddr = frame << 12;
	uint64_t other = 0x1000 + 0x800;	/* RAM that is not ours (the heartbeat's or free) */
	uint64_t list[2];

	gdt[1] = D_CODE64_DPL0;
	gdt[2] = D_CALLGATE;
	gdt[3] = D_CALLGATE_HI;
	gdt[4] = D_DATA_DPL0;
	sec_expect(set_gdt(&frame, 16), -XEN_EINVAL, "set_gdt of a page still mapped writable");
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt), gmaddr | SEC_PTE_KRO, UVMF_INVLPG), 0, "GDT page mapped read-only");
	sec_expect(set_gdt(&frame, 16), 0, "set_gdt with a DPL-0 code segment and a call gate to ring 0");
	tc_check(DPL(gdt[1]) == 3 && DPL(gdt[4]) == 3, "DPL-0 code and data stored with DPL 3 (%#llx %#llx)",
		 (unsigned long long)gdt[1], (unsigned long long)gdt[4]);
	tc_check(DPL(gdt[2]) == 0, "the call gate is stored with DPL 0, unusable from ring 3 (%#llx)",
		 (unsigned long long)gdt[2]);
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt), gmaddr | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
		   "the live GDT page mapped writable");
	sec_expect(sec_mmu1(gmaddr + 8, D_CODE64_DPL0), -XEN_EINVAL, "mmu_update (plain store) into the live GDT");

	sec_expect(upd_desc(gmaddr + 5 * 8, D_CODE64_DPL0), 0, "update_descriptor: DPL-0 code segment");
	tc_check(DPL(gdt[5]) == 3, "stored with DPL 3 (%#llx)", (unsigned long long)gdt[5]);
	sec_expect(upd_desc(gmaddr + 6 * 8, D_CALLGATE), 0, "update_descriptor: DPL-3 call gate to ring 0");
	tc_check(DPL(gdt[6]) == 0, "stored with DPL 0 (%#llx)", (unsigned long long)gdt[6]);
	sec_expect(upd_desc(gmaddr + 8 * 8, D_TSS), -XEN_EINVAL, "update_descriptor: TSS descriptor");
	sec_expect(upd_desc(gmaddr + 8 * 8, D_LDT), -XEN_EINVAL, "update_descriptor: LDT descriptor");
	sec_expect(upd_desc(gmaddr + 8 * 8, D_INTGATE), -XEN_EINVAL, "update_descriptor: interrupt gate to ring 0");
	sec_expect(upd_desc(gmaddr + 8 * 8, D_TRAPGATE), -XEN_EINVAL, "update_descriptor: trap gate to ring 0");
	sec_expect(upd_desc(gmaddr + 8 * 8, D_CODE_LD), -XEN_EINVAL, "update_descriptor: code with L and D set");
	tc_check(gdt[8] == 0, "the refused descriptors left the entry empty (%#llx)", (unsigned long long)gdt[8]);
	sec_expect(upd_desc(gmaddr + 8 * 8 + 4, D_CODE64_DPL3), -XEN_EINVAL, "update_descriptor: misaligned");
	for (int l = 1; l <= 4; l++)
		sec_expect(upd_desc((pt[l] << 12) + 8, D_CODE64_DPL3), -XEN_EINVAL, "update_descriptor into the live L%d", l);
	sec_expect(upd_desc(other << 12, D_CODE64_DPL3), -XEN_EINVAL, "update_descriptor into a frame not ours");
	sec_expect(upd_desc(0x10ULL << 12, D_CODE64_DPL3), -XEN_EINVAL, "update_descriptor into the hypervisor's memory");
	sec_expect(upd_desc(1ULL << 52, D_CODE64_DPL3), -XEN_EINVAL, "update_descriptor beyond any frame");

	/* GDT frames that must be refused; a refused set_gdt leaves the installed GDT in force. */
	list[0] = frame;
	for (int l = 1; l <= 4; l++) {
		list[1] = pt[l];
		sec_expect(set_gdt(list, 1024), -XEN_EINVAL, "set_gdt whose second frame is the live L%d", l);
	}
	list[1] = other;
	sec_expect(set_gdt(list, 1024), -XEN_EINVAL, "set_gdt with a frame not ours");
	list[1] = 0x10;
	sec_expect(set_gdt(list, 1024), -XEN_EINVAL, "set_gdt with a hypervisor frame");
	sec_expect(set_gdt(list, 14 * 512 + 1), -XEN_EINVAL, "set_gdt with more entries than the guest part holds");
	sec_expect(set_gdt((const uint64_t *)HV_TEXT, 16), -XEN_EFAULT, "set_gdt with its frame list in the hypervisor");
	sec_expect(set_gdt((const uint64_t *)(RT_PTR(guard[0]) - 8), 1024), -XEN_EFAULT,
		   "set_gdt with a frame list straddling into an unmapped page");
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt), gmaddr | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
		   "after the refusals the GDT is still live (cannot be mapped writable)");
	/* A GDT frame the hypervisor keeps using cannot be freed under it. */
	{
		uint64_t s, ext;
		struct xen_memory_reservation res = { .extent_start = RT_PTR(&ext), .nr_extents = 1, .domid = DOMID_SELF };

		if (sec_scratch_pfns(&s, 1) == 1) {
			s = sec_p2m(s);
			list[0] = s;
			sec_expect(set_gdt(list, 512), 0, "set_gdt of an unmapped (zeroed) frame of ours");
			ext = s;
			sec_expect(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&res)), 0,
				   "decrease_reservation of the live GDT frame frees nothing");
			sec_expect(hyp_update_va_mapping(RT_PTR(gdt), (s << 12) | SEC_PTE_KRW, UVMF_INVLPG), -XEN_EBUSY,
				   "the live GDT frame mapped writable");
			sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, s), -XEN_EINVAL, "the live GDT frame pinned as an L1");
			list[0] = frame;
		} else {
			tc_error("no scratch frame for the GDT");
		}
	}
	/* Leave with no GDT: the frame must be an ordinary page again. */
	sec_expect(set_gdt(list, 0), 0, "set_gdt with no entries");
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt), gmaddr | SEC_PTE_KRW, UVMF_INVLPG), 0,
		   "the released GDT page maps writable again");
}

static void trap_tables_and_callbacks(void)
{
	static struct trap_info t[3];
	struct callback_register cb = { .type = CALLBACKTYPE_event };
	uint64_t f;

	sec_install_probe();
	t[0] = (struct trap_info){ .vector = 14, .cs = FLAT_KERNEL_CS, .address = RT_PTR(sec_probe_store) };
	t[1] = (struct trap_info){ .vector = 13, .cs = FLAT_KERNEL_CS, .address = HV_TEXT };
	sec_expect(hyp_set_trap_table(RT_PTR(t)), -XEN_EINVAL, "trap table with a handler in the hypervisor");
	t[1].address = NONCANON;
	sec_expect(hyp_set_trap_table(RT_PTR(t)), -XEN_EINVAL, "trap table with a non-canonical handler");
	t[1].address = MACH2PHYS_VIRT_START;
	sec_expect(hyp_set_trap_table(RT_PTR(t)), -XEN_EINVAL, "trap table with a handler in the M2P");
	t[1].address = 0xffff87fffffffff0ULL;
	sec_expect(hyp_set_trap_table(RT_PTR(t)), -XEN_EINVAL, "trap table with a handler at the hypervisor's end");
	sec_expect(hyp_set_trap_table(HV_TEXT), -XEN_EFAULT, "trap table read from the hypervisor");
	sec_expect(hyp_set_trap_table(NONCANON), -XEN_EFAULT, "trap table read from a non-canonical address");
	sec_expect(hyp_set_trap_table(RT_PTR(guard[0]) - 8), -XEN_EFAULT, "trap table straddling into an unmapped page");
	f = sec_probe_faults;
	sec_probe_store((volatile uint64_t *)RT_PTR(guard[0]), 1);
	tc_check(sec_probe_faults == f + 1, "the old trap table is still in force after the refusals");

	cb.address = HV_TEXT;
	sec_expect(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)), -XEN_EINVAL, "event callback in the hypervisor");
	cb.address = NONCANON;
	sec_expect(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)), -XEN_EINVAL, "event callback non-canonical");
	cb.type = CALLBACKTYPE_nmi;
	cb.address = HV_TEXT;
	sec_expect(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)), -XEN_EINVAL, "NMI callback in the hypervisor");
	cb.type = CALLBACKTYPE_syscall;
	sec_expect(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)), -XEN_EINVAL, "syscall callback in the hypervisor");
	sec_expect(rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, HV_TEXT), -XEN_EFAULT,
		   "callback_op reading from the hypervisor");
	sec_expect(rt_hypercall3(__HYPERVISOR_set_callbacks, HV_TEXT, RT_PTR(sec_probe_store), RT_PTR(sec_probe_store)),
		   -XEN_EINVAL, "set_callbacks: event callback in the hypervisor");
	sec_expect(rt_hypercall3(__HYPERVISOR_set_callbacks, RT_PTR(sec_probe_store), NONCANON, RT_PTR(sec_probe_store)),
		   -XEN_EINVAL, "set_callbacks: failsafe callback non-canonical");
	sec_restore_traps();
}

static void bases_and_debugregs(void)
{
	struct physdev_set_iopl iopl = { .iopl = 4 };

	sec_expect(rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, NONCANON), -XEN_EINVAL, "FS base non-canonical");
	sec_expect(rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, NONCANON), -XEN_EINVAL,
		   "kernel GS base non-canonical");
	sec_expect(rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, 0xfffe800000000000ULL), -XEN_EINVAL,
		   "user GS base non-canonical");
	/*
	 * As on Xen 4.17, the call never fails: a selector that ring 3 cannot
	 * load (the hypervisor's code and data) loads the null selector, base 0.
	 */
	sec_expect(rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, HV_CS), 0,
		   "user GS loaded with the hypervisor's code selector (null loaded instead)");
	sec_expect(rt_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, 0xe010), 0,
		   "user GS loaded with the hypervisor's data selector (null loaded instead)");
	for (int r = 0; r < 4; r++) {
		sec_expect(rt_hypercall2(__HYPERVISOR_set_debugreg, r, HV_TEXT), -XEN_EPERM, "DR%d at the hypervisor's text", r);
		sec_expect(rt_hypercall2(__HYPERVISOR_set_debugreg, r, NONCANON), -XEN_EPERM, "DR%d non-canonical", r);
	}
	sec_expect(rt_hypercall2(__HYPERVISOR_set_debugreg, 7, 1ULL << 32), -XEN_EINVAL, "DR7 with upper bits");
	/* As Xen 4.17 (conformance test debugreg): with the guest's CR4.DE clear, DR4 is DR6. */
	sec_expect(rt_hypercall2(__HYPERVISOR_set_debugreg, 4, 0), 0, "DR4 (DR6's alias)");
	sec_expect(rt_hypercall2(__HYPERVISOR_set_debugreg, 8, 0), -XEN_ENODEV, "DR8");
	sec_expect(rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&iopl)), -XEN_EINVAL, "iopl 4");
}

static long reg_vcpu_info(uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };

	return hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, RT_PTR(&r));
}

static long reg_runstate(uint64_t addr)
{
	struct vcpu_register_runstate_memory_area r = { .addr = addr };

	return hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&r));
}

static void vcpu_areas(void)
{
	uint64_t vmfn = sec_mfn_of(vi_page), gmfn = sec_mfn_of(gdt), f;
	struct xen_memory_reservation res = { .nr_extents = 1, .domid = DOMID_SELF };
	volatile struct vcpu_info *vi;
	volatile uint64_t *l1;
	uint64_t before[8];
	int changed = 0;
	long rc;

	sec_expect(reg_vcpu_info(vmfn, 4096 - 32), -XEN_ENXIO, "vcpu_info straddling the page end");
	sec_expect(reg_vcpu_info(vmfn, 0xfffffff0U), -XEN_ENXIO, "vcpu_info at offset 2^32-16");
	for (int l = 1; l <= 4; l++)
		sec_expect(reg_vcpu_info(pt[l], 64), -XEN_EINVAL, "vcpu_info in the live L%d", l);
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt), (gmfn << 12) | SEC_PTE_KRO, UVMF_INVLPG), 0, "GDT page read-only");
	sec_expect(set_gdt(&gmfn, 16), 0, "GDT installed");
	sec_expect(reg_vcpu_info(gmfn, 64), -XEN_EINVAL, "vcpu_info in the live GDT page");
	sec_expect(set_gdt(&gmfn, 0), 0, "GDT removed");
	sec_expect(reg_vcpu_info(0x1800, 64), -XEN_EINVAL, "vcpu_info in a frame not ours");
	sec_expect(reg_vcpu_info(0x10, 64), -XEN_EINVAL, "vcpu_info in the hypervisor's memory");
	sec_expect(reg_vcpu_info(~0ULL >> 12, 64), -XEN_EINVAL, "vcpu_info beyond any frame");
	sec_expect(hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, HV_TEXT), -XEN_EFAULT, "register_vcpu_info reading the hypervisor");

	/* An unmapped frame of our own, which decrease_reservation would otherwise free. */
	if (sec_scratch_pfns(&f, 1) != 1) {
		tc_error("no scratch frame");
		return;
	}
	f = sec_p2m(f);
	res.extent_start = RT_PTR(&f);
	sec_expect(hyp_update_va_mapping(RT_PTR(vi_page), (f << 12) | SEC_PTE_KRW, UVMF_INVLPG), 0, "mapped");
	memset(vi_page, 0, sizeof(vi_page));
	sec_expect(reg_vcpu_info(f, 128), 0, "vcpu_info placed in it");
	sec_expect(reg_vcpu_info(f, 256), -XEN_EINVAL, "vcpu_info placed a second time");
	sec_clock_moved((volatile struct vcpu_info *)((char *)vi_page + 128));
	vi = sec_vcpu_info();
	tc_check(vi->time.version != 0 && vi->evtchn_upcall_mask, "the moved vcpu_info has the clock and keeps events masked");
	sec_expect(hyp_update_va_mapping(RT_PTR(vi_page), (sec_mfn_of(vi_page) << 12) | SEC_PTE_KDATA, UVMF_INVLPG), 0,
		   "the vcpu_info frame unmapped");
	sec_expect(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&res)), 0,
		   "decrease_reservation of the vcpu_info frame frees nothing");
	sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, f), -XEN_EINVAL, "the vcpu_info frame pinned as an L1");
	sec_expect(sec_ext1(MMUEXT_PIN_L4_TABLE, f), -XEN_EINVAL, "the vcpu_info frame pinned as an L4");
	sec_expect(hyp_update_va_mapping(RT_PTR(vi_page), (f << 12) | SEC_PTE_KRW, UVMF_INVLPG), 0, "mapped again");
	vi = sec_vcpu_info();
	tc_check(vi->time.version != 0, "and the clock is still kept there");

	sec_expect(reg_runstate(HV_TEXT), -XEN_EFAULT, "runstate area in the hypervisor");
	sec_expect(reg_runstate(MACH2PHYS_VIRT_START), -XEN_EFAULT, "runstate area in the M2P");
	sec_expect(reg_runstate(0xffff87ffffffffe0ULL), -XEN_EFAULT, "runstate area at the hypervisor's end");
	/* As Xen 4.17 only the start is checked: accepted, and every copy into it fails (nothing can be written there). */
	sec_expect(reg_runstate(0x00007fffffffffe0ULL), 0, "runstate area straddling the canonical hole");
	sec_expect(reg_runstate(NONCANON), -XEN_EFAULT, "runstate area non-canonical");
	/*
	 * Unmapped or read-only guest addresses: Xen accepts them and its later
	 * copies fail quietly; Skiff refuses with -EFAULT. Either way nothing
	 * may be written there, above all not into a page table mapped read-only.
	 */
	rc = reg_runstate(RT_PTR(guard[0]) - 16);
	tc_check(rc == 0 || rc == -XEN_EFAULT, "runstate area straddling into an unmapped page: %ld", rc);
	l1 = sec_va_of_mfn(pt[1]);
	for (int i = 0; i < 8; i++)
		before[i] = l1[i];
	rc = reg_runstate(RT_PTR(l1));
	tc_check(rc == 0 || rc == -XEN_EFAULT, "runstate area on the live L1's read-only mapping: %ld", rc);
	hyp_sched_op(SCHEDOP_yield, 0);
	rc = hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_PTR(l1));
	sec_expect(rc, -XEN_EFAULT, "get_runstate_info into the live L1's read-only mapping");
	rc = hyp_xen_version(XENVER_extraversion, RT_PTR(l1));
	sec_expect(rc, -XEN_EFAULT, "xen_version output into the live L1's read-only mapping");
	for (int i = 0; i < 8; i++)
		changed += l1[i] != before[i];
	tc_check(changed == 0, "the live L1 was not written (%d entries changed)", changed);
	sec_expect(reg_runstate(RT_PTR(vi_page) + 1024 + 3), 0, "runstate area unaligned in our own memory");
	rc = reg_runstate(0);
	tc_check(rc == 0 || rc == -XEN_EFAULT, "runstate area at address 0 (unregistered): %ld", rc);
}

void test_main(void)
{
	if (sec_walk(RT_PTR(gdt), pt) || !sec_clock_init()) {
		tc_error("setup failed");
		return;
	}
	/* guard[0] is unmapped for good: everything running into it faults. */
	if (hyp_update_va_mapping(RT_PTR(guard[0]), 0, UVMF_INVLPG)) {
		tc_error("cannot unmap the guard page");
		return;
	}
	descriptors();
	trap_tables_and_callbacks();
	bases_and_debugregs();
	vcpu_areas();
}

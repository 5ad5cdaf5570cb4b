/* SPDX-License-Identifier: MIT */
/*
 * user_preempt (hostile guest, both roles): the guest kernel registers a
 * runstate area, builds a user L4 that maps only a code and a data page
 * (as Linux does for every process) and lets user code spin long enough to
 * be preempted by the other domain on the same CPU, then read kernel
 * memory. The user page tables must still be the ones in force after the
 * preemption (the read faults), and the runstate area, a kernel address
 * the hypervisor cannot write while user page tables are loaded, must
 * still be updated once the vCPU is back in kernel mode. The first domain
 * (dom0, or "first" on its command line) just keeps the CPU busy in slices.
 */
#include <pvabi/callback.h>
#include <pvabi/vcpu.h>
#include "refs_common.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define USER_CODE_VA	0x400000ULL
#define USER_DATA_VA	0x401000ULL
#define KERNEL_PROBE_VA	0xffffffff80100000ULL
/* About 0.3 s of TSC at the ~2 GHz of the machines this runs on: many scheduler slices. */
#define USER_SPIN_CYCLES	(600ULL * 1000 * 1000)

extern const uint8_t up_user_code[], up_user_code_end[];
void up_enter_user(uint64_t rip, uint64_t rsp) __attribute__((noreturn));
void up_syscall_entry(void);
void up_fault_entry(void);

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint64_t kstack[2048] __attribute__((aligned(16)));
static struct vcpu_runstate_info area;
static struct vcpu_runstate_info before;
static volatile struct shared_info *sh;

enum { F_L4, F_L3, F_L2, F_L1, F_CODE, F_DATA, NR_FRAMES };
static uint64_t frames[NR_FRAMES];

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static int fill(uint64_t mfn, void (*writer)(uint64_t *page))
{
	uint64_t own = p2m()[(RT_PTR(window) - RT_VIRT_BASE) >> 12];

	if (hyp_update_va_mapping(RT_PTR(window), mfn << 12 | REFS_PTE_RW, UVMF_INVLPG) != 0)
		return -1;
	memset(window, 0, sizeof(window));
	writer((uint64_t *)window);
	return hyp_update_va_mapping(RT_PTR(window), own << 12 | REFS_PTE_RW, UVMF_INVLPG) == 0 ? 0 : -1;
}

static void write_l4(uint64_t *p) { p[0] = (frames[F_L3] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static void write_l3(uint64_t *p) { p[0] = (frames[F_L2] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static void write_l2(uint64_t *p) { p[2] = (frames[F_L1] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }

static void write_l1(uint64_t *p)
{
	p[0] = (frames[F_CODE] << 12) | PTE_P | PTE_US | PTE_A;
	p[1] = (frames[F_DATA] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
}

static void write_code(uint64_t *p)
{
	memcpy(p, up_user_code, (size_t)(up_user_code_end - up_user_code));
}

static void write_data(uint64_t *p)
{
	p[0] = rt_rdtsc() + USER_SPIN_CYCLES;
}

static int build_user_space(void)
{
	uint64_t nr = rt_boot.si->nr_pages;

	for (int i = 0; i < NR_FRAMES; i++)
		frames[i] = p2m()[nr - NR_FRAMES + i];
	if (fill(frames[F_L4], write_l4) || fill(frames[F_L3], write_l3) ||
	    fill(frames[F_L2], write_l2) || fill(frames[F_L1], write_l1) ||
	    fill(frames[F_CODE], write_code))
		return -1;
	if (refs_pin(MMUEXT_PIN_L4_TABLE, frames[F_L4]) != 0 ||
	    refs_pin(MMUEXT_NEW_USER_BASEPTR, frames[F_L4]) != 0)
		return -1;
	return 0;
}

static int install_entries(void)
{
	static struct trap_info pf[2];
	struct callback_register cb = { .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
					.address = RT_PTR(up_syscall_entry) };

	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(up_fault_entry);
	if (hyp_set_trap_table(RT_PTR(pf)) != 0 ||
	    rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)) != 0)
		return -1;
	return (int)rt_hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				  RT_PTR(&kstack[sizeof(kstack) / sizeof(kstack[0])]));
}

static uint64_t runnable_ns(void)
{
	struct vcpu_runstate_info now;

	if (hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_PTR(&now)) != 0)
		return 0;
	return now.time[RUNSTATE_runnable];
}

/* Back in kernel mode after the user code: was it preempted, and is the runstate area alive? */
static void check_after_user(void)
{
	uint64_t t;

	tc_check(runnable_ns() > before.time[RUNSTATE_runnable],
		 "the user code was preempted at least once (runnable %llu -> %llu ns)",
		 (unsigned long long)before.time[RUNSTATE_runnable], (unsigned long long)runnable_ns());
	t = area.state_entry_time;
	refs_sleep_ms(100);
	tc_check(area.state_entry_time != t,
		 "the runstate area is still updated after preemptions in user mode");
	tc_check(area.time[RUNSTATE_runnable] > before.time[RUNSTATE_runnable],
		 "and it shows the time spent preempted");
	rt_finish();
}

void up_syscall(uint64_t rax)
{
	tc_fail("user mode read kernel memory after being preempted (rax %#llx)", (unsigned long long)rax);
	check_after_user();
}

void up_fault(const uint64_t *frame)
{
	uint64_t cr2 = sh->vcpu_info[0].arch.cr2;

	tc_check((frame[4] & 3) == 3 && cr2 == KERNEL_PROBE_VA && !(frame[2] & 1),
		 "reading kernel memory from user mode after a preemption faults (cr2 %#llx, err %#llx)",
		 (unsigned long long)cr2, (unsigned long long)frame[2]);
	check_after_user();
}

static void victim(void)
{
	struct vcpu_register_runstate_memory_area a = { .addr = RT_PTR(&area) };

	sh = rt_map_shared_info(NULL);
	if (!sh || build_user_space() != 0 || install_entries() != 0 ||
	    hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&a)) != 0) {
		tc_fail("could not set up user mode and the runstate area");
		return;
	}
	if (hyp_vcpu_op(VCPUOP_get_runstate_info, 0, RT_PTR(&before)) != 0) {
		tc_fail("VCPUOP_get_runstate_info");
		return;
	}
	/* Filled last: the deadline starts now. */
	if (fill(frames[F_DATA], write_data) != 0) {
		tc_fail("could not write the user data page");
		return;
	}
	up_enter_user(USER_CODE_VA, USER_DATA_VA + 4096);
}

/* The first domain: keeps the one CPU busy without yielding, so the domU is preempted by the tick. */
static void spinner(void)
{
	uint64_t end = refs_now_ns() + 1500ULL * 1000000;
	unsigned long spins = 0;

	while (refs_now_ns() < end)
		spins++;
	tc_check(spins > 0, "the first domain spun");
}

void test_main(void)
{
	if (refs_first_role())
		spinner();
	else
		victim();
}

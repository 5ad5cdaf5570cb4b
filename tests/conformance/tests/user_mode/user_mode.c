/* SPDX-License-Identifier: MIT */
/*
 * user_mode: the guest-kernel/guest-user split of 64-bit PV, which every
 * Linux process relies on. The guest builds a user L4 (pinned, installed
 * with MMUEXT_NEW_USER_BASEPTR) that maps only a code and a data page, then
 * enters user mode with the iret hypercall. In user mode: the code runs
 * with CS 0xe033; SYSCALL (even with rax = a hypercall number: user mode
 * cannot make hypercalls) enters the registered syscall callback in kernel
 * mode on the stack_switch stack with the user rip/rflags in rcx/r11 and a
 * user CS in the frame, back on the kernel page tables; iret returns to
 * user mode with the value the kernel chose in rax; the M2P (Xen 4.17 does
 * not expose it to guest user mode), the hypervisor's range and the
 * kernel's pages (absent from the user L4) fault, delivered to the kernel's
 * #PF handler with a user-mode frame, the U bit in the error code and the
 * address in vcpu_info.arch.cr2, and iret resumes user mode after them.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/callback.h>
#include "test.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define USER_CODE_VA	0x400000ULL
#define USER_DATA_VA	0x401000ULL
/* data + 1 = __HYPERVISOR_xen_version: a user SYSCALL with that rax must still reach the guest kernel. */
#define DATA_VALUE	(__HYPERVISOR_xen_version - 1)
#define HV_PROBE_VA	0xffff830000000000ULL
#define KERNEL_PROBE_VA	0xffffffff80100000ULL

extern const uint8_t um_user_code[], um_user_code_end[];
void um_enter_user(uint64_t rip, uint64_t rsp) __attribute__((noreturn));
void um_syscall_entry(void);
void um_fault_entry(void);

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint64_t kstack[2048] __attribute__((aligned(16)));
static volatile struct shared_info *sh;
static unsigned int stage;

enum { F_L4, F_L3, F_L2, F_L1, F_CODE, F_DATA, NR_FRAMES };
static uint64_t frames[NR_FRAMES];

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static long map_window(uint64_t mfn)
{
	return hyp_update_va_mapping(RT_PTR(window), (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
				     UVMF_INVLPG);
}

/* Writes a frame through the window; the window then goes back to its own frame. */
static int fill(uint64_t mfn, void (*writer)(uint64_t *page))
{
	uint64_t own = p2m()[(RT_PTR(window) - RT_VIRT_BASE) >> 12];

	if (map_window(mfn) != 0)
		return -1;
	memset(window, 0, sizeof(window));
	writer((uint64_t *)window);
	return map_window(own) == 0 ? 0 : -1;
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
	memcpy(p, um_user_code, (size_t)(um_user_code_end - um_user_code));
}

static void write_data(uint64_t *p)
{
	p[0] = DATA_VALUE;
	p[1] = MACH2PHYS_VIRT_START + frames[F_CODE] * 8;
}

static long mmuext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* Frames past the initial mapping: owned by the guest, mapped nowhere, so they can become page tables. */
static int build_user_space(void)
{
	uint64_t nr = rt_boot.si->nr_pages;
	uint64_t first_free = ((rt_boot.rsp - RT_VIRT_BASE) >> 12) + 2048;

	if (nr < first_free + NR_FRAMES)
		return -1;
	for (int i = 0; i < NR_FRAMES; i++)
		frames[i] = p2m()[nr - NR_FRAMES + i];
	if (fill(frames[F_L4], write_l4) || fill(frames[F_L3], write_l3) ||
	    fill(frames[F_L2], write_l2) || fill(frames[F_L1], write_l1) ||
	    fill(frames[F_CODE], write_code) || fill(frames[F_DATA], write_data))
		return -1;
	tc_expect_eq(mmuext1(MMUEXT_PIN_L4_TABLE, frames[F_L4]), 0, "pin the user L4 (validates the tree)");
	tc_expect_eq(mmuext1(MMUEXT_NEW_USER_BASEPTR, frames[F_L4]), 0, "MMUEXT_NEW_USER_BASEPTR");
	return 0;
}

static int install_entries(void)
{
	static struct trap_info pf[2];
	struct callback_register cb = { .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
					.address = RT_PTR(um_syscall_entry) };

	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(um_fault_entry);
	if (hyp_set_trap_table(RT_PTR(pf)) != 0 ||
	    rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)) != 0)
		return -1;
	return (int)rt_hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				  RT_PTR(&kstack[sizeof(kstack) / sizeof(kstack[0])]));
}

/* Frame: rcx, r11, rip, cs, rflags, rsp, ss. Returns the rax user mode resumes with. */
uint64_t um_syscall(const uint64_t *frame, uint64_t rax, uint64_t rbx)
{
	const uint64_t code_end = USER_CODE_VA + (uint64_t)(um_user_code_end - um_user_code);
	uint64_t here;

	(void)rbx;
	__asm__ volatile("movq %%rsp, %0" : "=r"(here));
	stage++;
	if (stage == 1) {
		tc_expect_eq(rax, DATA_VALUE + 1, "user code ran, read its data page, and its SYSCALL "
			     "with rax = 17 reached the kernel's callback, not the hypervisor");
		tc_check(frame[0] == frame[2] && frame[2] > USER_CODE_VA && frame[2] < code_end,
			 "rcx and the frame's rip are the user rip after SYSCALL (%#llx)",
			 (unsigned long long)frame[2]);
		/* Bits 32-39 of the CS slot carry the saved upcall mask. */
		tc_check((frame[3] & 0xffff) == FLAT_USER_CS && frame[6] == FLAT_USER_SS,
			 "the frame has user CS (%#llx) and SS", (unsigned long long)frame[3]);
		tc_check(frame[5] == USER_DATA_VA + 4096, "the frame has the user rsp");
		tc_check(here > RT_PTR(kstack) && here <= RT_PTR(&kstack[2048]),
			 "the callback runs on the stack_switch stack");
		tc_check(rt_boot.si->nr_pages != 0, "kernel memory is mapped again in the callback");
		return 0;
	}
	if (stage == 4) {
		tc_expect_eq(rax, 0x5555, "SYSCALL again after iret returns from two user faults");
		return 0;
	}
	tc_fail("unexpected SYSCALL at stage %u", stage);
	rt_finish();
}

/* Frame: rcx, r11, error code, rip, cs, rflags, rsp, ss. Returns the rip to resume user mode at. */
uint64_t um_fault(const uint64_t *frame)
{
	uint64_t cr2 = sh->vcpu_info[0].arch.cr2;
	uint64_t err = frame[2];

	stage++;
	if ((frame[4] & 3) != 3) {
		tc_fail("#PF from kernel mode at %#llx, cr2 %#llx", (unsigned long long)frame[3],
			(unsigned long long)cr2);
		rt_finish();
	}
	tc_check(err & 4, "stage %u: the error code has the user bit (%#llx)", stage,
		 (unsigned long long)err);
	if (stage == 2) {
		/* Xen 4.17 keeps the M2P out of guest user mode (m2p_strict or not). */
		tc_check(cr2 == MACH2PHYS_VIRT_START + frames[F_CODE] * 8 && !(err & 1),
			 "reading the M2P from user mode faults as not-present (cr2 %#llx)",
			 (unsigned long long)cr2);
		return frame[3] + 3;
	}
	if (stage == 3) {
		tc_check(cr2 == HV_PROBE_VA, "reading the hypervisor's range from user mode faults (cr2 %#llx)",
			 (unsigned long long)cr2);
		return frame[3] + 10;
	}
	tc_check(stage == 5 && cr2 == KERNEL_PROBE_VA && !(err & 1),
		 "reading kernel memory from user mode faults as not-present (stage %u, cr2 %#llx)",
		 stage, (unsigned long long)cr2);
	rt_finish();
}

void test_main(void)
{
	long rc;

	sh = rt_map_shared_info(&rc);
	/* Every step below is a hypercall the hypervisor must support: a refusal is its failure. */
	if (!sh || build_user_space() != 0 || install_entries() != 0) {
		tc_fail("could not set up user mode (shared_info %ld)", rc);
		return;
	}
	um_enter_user(USER_CODE_VA, USER_DATA_VA + 4096);
}

/* SPDX-License-Identifier: MIT */
/*
 * compat_syscall: 32-bit user code in a 64-bit PV guest (FLAT_USER_CS32,
 * 0xe023), which reaches the guest kernel through the
 * CALLBACKTYPE_syscall32 callback. The guest builds a user L4 (as in
 * user_mode) and enters 32-bit user mode with the iret hypercall:
 * - SYSCALL enters the syscall32 callback in kernel mode, with the
 *   compat CS in the frame, rcx = rip after the instruction and eax as
 *   the user left it; iret back to 0xe023 resumes 32-bit code (its ud2
 *   then comes to the kernel's #UD handler with the compat CS);
 * - with the syscall32 callback at address 0, SYSCALL from compat mode is
 *   #UD at the SYSCALL instruction; the same for 64-bit user code with
 *   the syscall callback at 0.
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

extern const uint8_t cs_user_code[], cs_user32[], cs_user32_syscall[], cs_user64[], cs_user64_syscall[];
extern const uint8_t cs_user_code_end[];
void cs_enter_user(uint64_t rip, uint64_t rsp, uint64_t cs) __attribute__((noreturn));
void cs_syscall32_entry(void), cs_syscall64_entry(void), cs_ud_entry(void);
uint64_t cs_event(unsigned int kind, uint64_t *frame, uint64_t rax);

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint64_t kstack[2048] __attribute__((aligned(16)));
static unsigned int stage;

enum { F_L4, F_L3, F_L2, F_L1, F_CODE, F_DATA, NR_FRAMES };
static uint64_t frames[NR_FRAMES];

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static uint64_t user_va(const uint8_t *sym)
{
	return USER_CODE_VA + (uint64_t)(sym - cs_user_code);
}

static long map_window(uint64_t mfn)
{
	return hyp_update_va_mapping(RT_PTR(window), (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
				     UVMF_INVLPG);
}

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
	memcpy(p, cs_user_code, (size_t)(cs_user_code_end - cs_user_code));
}

static void write_nothing(uint64_t *p)
{
	(void)p;
}

static long mmuext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

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
	    fill(frames[F_CODE], write_code) || fill(frames[F_DATA], write_nothing))
		return -1;
	if (mmuext1(MMUEXT_PIN_L4_TABLE, frames[F_L4]) != 0)
		return -1;
	return mmuext1(MMUEXT_NEW_USER_BASEPTR, frames[F_L4]) == 0 ? 0 : -1;
}

static long callback(uint16_t type, uint64_t address)
{
	struct callback_register cb = { .type = type, .flags = CALLBACKF_mask_events, .address = address };

	return rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb));
}

static int install_entries(void)
{
	static struct trap_info ud[2];

	ud[0] = (struct trap_info){ .vector = 6, .cs = FLAT_KERNEL_CS, .address = RT_PTR(cs_ud_entry) };
	if (hyp_set_trap_table(RT_PTR(ud)) != 0 || callback(CALLBACKTYPE_syscall32, RT_PTR(cs_syscall32_entry)) ||
	    callback(CALLBACKTYPE_syscall, RT_PTR(cs_syscall64_entry)))
		return -1;
	return (int)rt_hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				  RT_PTR(&kstack[sizeof(kstack) / sizeof(kstack[0])]));
}

static void expect_frame(const char *what, const uint64_t *frame, uint64_t rip, uint64_t cs)
{
	tc_check(frame[2] == rip, "%s: frame rip %#llx, expected %#llx", what,
		 (unsigned long long)frame[2], (unsigned long long)rip);
	tc_check((frame[3] & 0xffff) == cs, "%s: frame cs %#llx, expected %#llx", what,
		 (unsigned long long)(frame[3] & 0xffff), (unsigned long long)cs);
}

/* Frame: rcx, r11, rip, cs, rflags, rsp, ss. Returns the rax to resume user mode with. */
uint64_t cs_event(unsigned int kind, uint64_t *frame, uint64_t rax)
{
	const uint64_t after32 = user_va(cs_user32_syscall) + 2;

	stage++;
	if (stage == 1 && kind == 32) {
		expect_frame("compat SYSCALL enters the syscall32 callback", frame, after32, FLAT_RING3_CS32);
		tc_check(frame[0] == after32, "rcx is the rip after SYSCALL (%#llx)", (unsigned long long)frame[0]);
		tc_expect_eq((uint32_t)rax, 0x1234, "eax as user mode left it");
		return 0;	/* iret to compat mode: its ud2 comes next */
	}
	if (stage == 2 && kind == 6) {
		expect_frame("ud2 after iret to compat mode is #UD from compat mode", frame, after32,
			     FLAT_RING3_CS32);
		tc_expect_eq(callback(CALLBACKTYPE_syscall32, 0), 0, "syscall32 callback at address 0");
		cs_enter_user(user_va(cs_user32), USER_DATA_VA + 4096, FLAT_RING3_CS32);
	}
	if (stage == 3 && kind == 6) {
		expect_frame("compat SYSCALL without a syscall32 callback is #UD at the instruction", frame,
			     user_va(cs_user32_syscall), FLAT_RING3_CS32);
		tc_expect_eq(callback(CALLBACKTYPE_syscall, 0), 0, "syscall callback at address 0");
		cs_enter_user(user_va(cs_user64), USER_DATA_VA + 4096, FLAT_USER_CS);
	}
	if (stage == 4 && kind == 6) {
		expect_frame("64-bit SYSCALL without a syscall callback is #UD at the instruction", frame,
			     user_va(cs_user64_syscall), FLAT_USER_CS);
		rt_finish();
	}
	tc_fail("unexpected entry %u at stage %u (rip %#llx, cs %#llx)", kind, stage,
		(unsigned long long)frame[2], (unsigned long long)frame[3]);
	rt_finish();
}

void test_main(void)
{
	if (build_user_space() != 0 || install_entries() != 0) {
		tc_fail("could not set up user mode");
		return;
	}
	cs_enter_user(user_va(cs_user32), USER_DATA_VA + 4096, FLAT_RING3_CS32);
}

/* SPDX-License-Identifier: MIT */
/*
 * iret_attack (security suite): one iret hypercall with a hostile frame,
 * chosen by "case=N" on the command line; several domains run side by
 * side, one per case, beside the heartbeat. The hypervisor must either
 * sanitise the frame (case 0: IOPL, VM come back cleared, the guest runs
 * on) or crash the guest, never fault itself:
 *   1 cs = the hypervisor's code selector     2 ss = the hypervisor's data selector
 *   3 non-canonical rip                       4 frame in the hypervisor's range
 *   5 to user mode without user page tables   6 rip in the hypervisor's text (ring 3 fetch faults)
 *   7 32-bit code selector, rip above 4 GiB (kernel mode: iretq's own limit check)
 *   8 the same to user mode, with user page tables
 */
#include "test.h"
#include "sec_util.h"

void sec_iret(uint64_t rip, uint64_t cs, uint64_t rflags, uint64_t rsp, uint64_t ss);
void sec_iret_at(uint64_t frame) __attribute__((noreturn));

#define RF_IOPL		(3ULL << 12)
#define RF_NT		(1ULL << 14)
#define RF_VM		(1ULL << 17)
#define RF_IF		(1ULL << 9)

static volatile uint64_t after_flags;
static uint64_t stack[512] __attribute__((aligned(16)));

/* Case 0 lands here with the stack the frame named; report and finish. */
void sec_iret_back(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	after_flags = f;
	tc_check(!(f & RF_IOPL) && !(f & RF_VM), "iret with IOPL 3, VM and NT asked: rflags %#llx (IOPL and VM clear)",
		 (unsigned long long)f);
	rt_finish();
}

void test_main(void)
{
	uint64_t c = sec_cmdline_num("case=", 0), k_cs = FLAT_KERNEL_CS & ~3ULL, k_ss = FLAT_KERNEL_SS;
	uint64_t sp = RT_PTR(&stack[500]), back = RT_PTR(sec_iret_back);
	uint64_t pt[5];

	rt_printf("iret_attack: case %llu\n", (unsigned long long)c);
	switch (c) {
	case 0:
		sec_iret(back, k_cs, RF_IOPL | RF_NT | RF_VM | RF_IF | 2, sp, k_ss);
		break;
	case 1:
		sec_iret(back, 0xe008, RF_IF | 2, sp, k_ss);
		break;
	case 2:
		sec_iret(back, k_cs, RF_IF | 2, sp, 0xe010);
		break;
	case 3:
		sec_iret(0x0000800000000000ULL, k_cs, RF_IF | 2, sp, k_ss);
		break;
	case 4:
		sec_iret_at(0xffff82d080000000ULL);
	case 5:
		sec_iret(back, FLAT_USER_CS, RF_IF | 2, sp, FLAT_USER_SS);
		break;
	case 6:
		hyp_set_trap_table(0);
		sec_iret(0xffff82d080000000ULL, k_cs, RF_IF | 2, sp, k_ss);
		break;
	case 7:
		sec_iret(0x100001000ULL, FLAT_RING3_CS32 & ~3ULL, RF_IF | 2, sp, k_ss);
		break;
	case 8:
		if (sec_walk(RT_PTR(stack), pt) || sec_ext1(MMUEXT_NEW_USER_BASEPTR, pt[4])) {
			tc_error("no user base pointer");
			return;
		}
		sec_iret(0x100001000ULL, FLAT_RING3_CS32, RF_IF | 2, sp, FLAT_USER_SS);
		break;
	default:
		tc_error("no case %llu", (unsigned long long)c);
		return;
	}
	tc_fail("case %llu: the iret hypercall returned", (unsigned long long)c);
}

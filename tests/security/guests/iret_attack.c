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
 *   9 an iret through the guest's own GDT selectors (0x30:0x28, as Linux's 0x33:0x2b) that passes, then the
 *     same frame again after update_descriptor cleared the code descriptor: the hypervisor must refuse it
 *     ("iret to a bad frame"), not trust a pair it checked before and let its own iretq fault
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
static uint64_t gdt[512] __attribute__((aligned(4096)));

#define GDT_CODE_SEL	0x30	/* entry 6: 64-bit code, DPL 3 */
#define GDT_DATA_SEL	0x28	/* entry 5: data, DPL 3 */

void sec_iret_back(void);

static uint64_t gdt_mfn(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[(RT_PTR(gdt) - RT_VIRT_BASE) >> 12];
}

/* Case 9, after its first iret (through the GDT's pair) landed: clear the code descriptor, iret the same way. */
void sec_iret_gdt_again(void)
{
	uint64_t sp = RT_PTR(&stack[500]);
	long rc = rt_hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn() << 12) + (GDT_CODE_SEL >> 3) * 8, 0);

	rt_printf("iret_attack: the GDT pair passed, code descriptor cleared (%ld), iret through it again\n", rc);
	sec_iret(RT_PTR(sec_iret_back), GDT_CODE_SEL, RF_IF | 2, sp, GDT_DATA_SEL);
	tc_fail("case 9: the iret hypercall returned");
	rt_finish();
}

static void iret_through_gdt(uint64_t sp)
{
	uint64_t frame = gdt_mfn();

	gdt[GDT_CODE_SEL >> 3] = 0x00affa000000ffffULL;
	gdt[GDT_DATA_SEL >> 3] = 0x00cff2000000ffffULL;
	if (hyp_update_va_mapping(RT_PTR(gdt), (frame << 12) | 0x61, UVMF_INVLPG) != 0 ||
	    rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(&frame), 16) != 0) {
		tc_error("no GDT of our own");
		rt_finish();
	}
	sec_iret(RT_PTR(sec_iret_gdt_again), GDT_CODE_SEL, RF_IF | 2, sp, GDT_DATA_SEL);
}

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
	case 9:
		iret_through_gdt(sp);
		break;
	default:
		tc_error("no case %llu", (unsigned long long)c);
		return;
	}
	tc_fail("case %llu: the iret hypercall returned", (unsigned long long)c);
}

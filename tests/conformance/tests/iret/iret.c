/* SPDX-License-Identifier: MIT */
/*
 * iret: the iret hypercall within guest-kernel mode (how Linux returns from
 * exceptions and events) resumes at the context's rip and rsp, passes the
 * arithmetic flags and DF through, keeps the real IF on and IOPL at 0
 * whatever the guest asks (a guest must never gain I/O privilege this
 * way), and turns the context's IF into the virtual one: IF clear leaves
 * vcpu_info.evtchn_upcall_mask at 1, IF set clears it. rcx and r11 come
 * from the context, unless the context's flags carry VGCF_in_syscall: then
 * they are dead and the guest finds rip and rflags in them, as after
 * SYSRET. Not Skiff-specific; checked on real Xen 4.17.
 */
#include "test.h"

#define RFLAGS_CF	0x0001ULL
#define RFLAGS_FIXED	0x0002ULL
#define RFLAGS_ZF	0x0040ULL
#define RFLAGS_IF	0x0200ULL
#define RFLAGS_DF	0x0400ULL
#define RFLAGS_IOPL	0x3000ULL

uint64_t iret_probe(uint64_t rflags);
void iret_regs_probe(uint64_t flags, uint64_t rcx, uint64_t r11, uint64_t out[4]);

static void check_rcx_r11(void)
{
	uint64_t out[4];

	iret_regs_probe(0, 0x1111222233334444ULL, 0x5555666677778888ULL, out);
	tc_expect_eq(out[0], 0x1111222233334444ULL, "iret without VGCF_in_syscall restores rcx from the context");
	tc_expect_eq(out[1], 0x5555666677778888ULL, "and r11");
	iret_regs_probe(VGCF_in_syscall, 0x1111222233334444ULL, 0x5555666677778888ULL, out);
	tc_expect_eq(out[0], out[2], "iret with VGCF_in_syscall: rcx holds the resume rip, as after SYSRET");
	tc_check((out[1] & ~0x10000ULL) == (out[3] & ~0x10000ULL), "and r11 the rflags it resumes with (%#llx, %#llx)",
		 (unsigned long long)out[1], (unsigned long long)out[3]);
}

void test_main(void)
{
	volatile struct shared_info *sh;
	volatile uint8_t *mask;
	uint64_t got;
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh)
		return tc_fail("cannot map shared_info (%ld)", rc);
	mask = &sh->vcpu_info[0].evtchn_upcall_mask;

	got = iret_probe(RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	tc_check((got & (RFLAGS_CF | RFLAGS_ZF)) == (RFLAGS_CF | RFLAGS_ZF),
		 "iret resumes at the context's rip/rsp with CF and ZF passed through (%#llx)",
		 (unsigned long long)got);
	tc_check(got & RFLAGS_IF, "the real IF stays on");
	tc_expect_eq(*mask, 1, "context IF clear: events stay masked");

	got = iret_probe(RFLAGS_FIXED | RFLAGS_DF | RFLAGS_IOPL);
	tc_check(got & RFLAGS_DF, "DF is passed through");
	tc_check(!(got & RFLAGS_IOPL), "IOPL 3 in the context does not reach the CPU (%#llx)",
		 (unsigned long long)got);

	got = iret_probe(RFLAGS_FIXED | RFLAGS_IF);
	tc_expect_eq(*mask, 0, "context IF set: iret unmasks events");
	*mask = 1;
	tc_check(got & RFLAGS_IF, "and the real IF is on");
	*mask = 1;
	check_rcx_r11();
}

/* SPDX-License-Identifier: MIT */
/*
 * hypercall_abi: a bare SYSCALL from guest-kernel mode is a hypercall (no
 * hypercall page is needed) and returns to the next instruction with rsp,
 * rbx, rbp, r9 and r12-r15 unchanged, the result in rax; the stub's own
 * save of rcx/r11 is what keeps those. Hypercall numbers are checked in
 * full 64-bit rax (see unknown_hypercall). Not Skiff-specific; checked on
 * real Xen 4.17.
 */
#include <pvabi/version.h>
#include "test.h"

uint64_t hc_regs_probe(uint64_t out[9], uint64_t nr);

static const char *const names[] = { "rbx", "rbp", "r9", "r12", "r13", "r14", "r15" };

void test_main(void)
{
	uint64_t regs[9];
	long expected = hyp_xen_version(XENVER_version, 0);
	long got;

	memset(regs, 0, sizeof(regs));
	got = (long)hc_regs_probe(regs, __HYPERVISOR_xen_version);
	tc_expect_eq(got, expected, "rax holds the result of the raw-syscall xen_version");
	for (unsigned int i = 0; i < 7; i++) {
		uint64_t want = 0x5a5a000000000000ULL + i + 1;

		tc_check(regs[i] == want, "%s preserved (%#llx, expected %#llx)", names[i],
			 (unsigned long long)regs[i], (unsigned long long)want);
	}
	tc_check(regs[7] == regs[8], "rsp preserved across the syscall (%#llx -> %#llx)",
		 (unsigned long long)regs[7], (unsigned long long)regs[8]);
	/* Many back-to-back calls through the inline stub: none may disturb the caller's frame. */
	for (int i = 0; i < 1000; i++) {
		if (hyp_xen_version(XENVER_version, 0) != expected) {
			tc_fail("call %d of 1000 returned a different version", i);
			return;
		}
	}
	tc_pass("1000 consecutive hypercalls return the same version");
}

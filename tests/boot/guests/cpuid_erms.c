/* SPDX-License-Identifier: MIT */
/*
 * cpuid_erms (Skiff boot test): does the guest's CPUID (the forced-emulation prefix, as Linux's) show ERMS as
 * the hypervisor's pv_erms option says? Command line: "on" (as the CPU has it), "off" (never), or "auto"
 * (hidden exactly when the machine under the hypervisor is QEMU TCG, which the guest asks the CPU itself:
 * a plain CPUID in ring 3 is not intercepted).
 */
#include "test.h"

#define ERMS	(1u << 9)	/* CPUID 7.0 EBX */

static void cpuid_emulated(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("ud2\n\t.ascii \"xen\"\n\tcpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void cpuid_native(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

void test_main(void)
{
	const char *cmd = (const char *)rt_boot.si->cmd_line;
	uint32_t seen[4], cpu[4], sig[4];
	bool tcg, want;

	cpuid_emulated(7, 0, seen);
	cpuid_native(7, 0, cpu);
	cpuid_native(0x40000000, 0, sig);
	tcg = __builtin_memcmp(&sig[1], "TCGTCGTCGTCG", 12) == 0;
	rt_printf("cpuid_erms: the CPU %s ERMS, the guest sees it %s; %s QEMU TCG\n", cpu[1] & ERMS ? "has" : "lacks",
		  seen[1] & ERMS ? "set" : "clear", tcg ? "under" : "not under");
	if (rt_has_word(rt_boot.si->cmd_line, "off"))
		want = false;
	else if (rt_has_word(rt_boot.si->cmd_line, "on"))
		want = cpu[1] & ERMS;
	else if (rt_has_word(rt_boot.si->cmd_line, "auto"))
		want = (cpu[1] & ERMS) && !tcg;
	else
		return tc_error("command line \"%s\": want on, off or auto", cmd);
	tc_check(!!(seen[1] & ERMS) == want, "ERMS %s the guest (%s)", want ? "shown to" : "hidden from", cmd);
	/* The rest of the leaf is the policy's as before: the bits it keeps, with ERMS aside. */
	tc_check_eq(seen[1] & ~ERMS, cpu[1] & ((1u << 3) | (1u << 8) | (1u << 18) | (1u << 19) | (1u << 29)),
		    "leaf 7 EBX but ERMS: BMI1, BMI2, RDSEED, ADX, SHA as the CPU has them");
}

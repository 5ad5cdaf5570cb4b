/* SPDX-License-Identifier: MIT */
/*
 * msr_write: a PV kernel's WRMSR of the MSRs it can read, answered as Xen
 * 4.17 answers them (measured under QEMU -cpu max, TCG):
 * - silently dropped, whatever the value: MISC_ENABLE, AMD PERF_CTL0 and
 *   HWCR (reads keep their fixed values);
 * - accepted and kept: TSC_AUX (bits 63:32 must be clear, else #GP), read
 *   back by RDMSR and by RDTSCP, which runs natively;
 * - only the value read: EFER (Linux writes it back), MISC_FEATURES_ENABLES
 *   (0: no CPUID faulting); any change #GP, nothing changes;
 * - always #GP, even the value read: PAT (its layout is fixed), TSC, APIC
 *   base, PLATFORM_INFO, the syscall MSRs (STAR, LSTAR, CSTAR, SFMASK),
 *   the hypercall-page MSR (an HVM interface: the page is not written),
 *   unknown MSRs.
 * Each #GP is one delivery through the trap table, after which the guest
 * resumes past the instruction. Not Skiff-specific; checked on real Xen 4.17.
 */
#include "test.h"
#include "rt_page.h"

static volatile unsigned int gp_count;
static uint64_t page[512] __attribute__((aligned(4096)));

/* Frame: rcx, r11, error code, rip, ...: resume after the two-byte rdmsr/wrmsr. */
static uint64_t mw_gp(const uint64_t *frame)
{
	gp_count++;
	return frame[3] + 2;
}

static uint64_t rdmsr(uint32_t msr, bool *gp)
{
	uint32_t lo = 0, hi = 0;
	unsigned int before = gp_count;

	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*gp = gp_count != before;
	return ((uint64_t)hi << 32) | lo;
}

/* True if it raised #GP (exactly one is counted: more is a failure of its own). */
static bool wrmsr(uint32_t msr, uint64_t v)
{
	unsigned int before = gp_count;

	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	if (gp_count > before + 1)
		tc_fail("WRMSR %#x raised %u #GPs", msr, gp_count - before);
	return gp_count != before;
}

enum answer { OK, GP };

/* Writes v, expects the answer, then reads the MSR back and expects want (or a #GP read if read_gp). */
static void expect_write(uint32_t msr, const char *name, uint64_t v, enum answer a, uint64_t want, bool read_gp)
{
	bool gp = wrmsr(msr, v), rgp;
	uint64_t r = rdmsr(msr, &rgp);

	tc_check(gp == (a == GP), "WRMSR %s (%#x) := %#llx %s", name, msr, (unsigned long long)v,
		 a == GP ? "raises #GP" : "is accepted");
	if (read_gp)
		tc_check(rgp, "RDMSR %s still raises #GP", name);
	else
		tc_check(!rgp && r == want, "RDMSR %s then reads %#llx (%#llx)", name, (unsigned long long)want,
			 (unsigned long long)r);
}

static void check_dropped(void)
{
	static const uint64_t vals[] = { 0x801801, 0, 0xc01801 /* limit CPUID */, ~0ULL };

	for (unsigned int i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		expect_write(0x1a0, "MISC_ENABLE", vals[i], OK, 0x801801, false);
		expect_write(0xc0010000, "AMD PERF_CTL0", vals[i], OK, 0, false);
		expect_write(0xc0010015, "AMD HWCR", vals[i], OK, 0, false);
	}
}

static uint32_t rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static void check_tsc_aux(void)
{
	expect_write(0xc0000103, "TSC_AUX", 5, OK, 5, false);
	tc_expect_eq(rdtscp_aux(), 5, "RDTSCP returns the TSC_AUX written");
	expect_write(0xc0000103, "TSC_AUX", 0x100000000ULL, GP, 5, false);
	expect_write(0xc0000103, "TSC_AUX", 0xffffffffULL, OK, 0xffffffffULL, false);
	tc_expect_eq(rdtscp_aux(), 0xffffffffULL, "RDTSCP returns it");
	expect_write(0xc0000103, "TSC_AUX", 0, OK, 0, false);
	tc_expect_eq(rdtscp_aux(), 0, "RDTSCP returns 0 again");
}

static void check_only_as_read(void)
{
	bool rgp;
	uint64_t efer = rdmsr(0xc0000080, &rgp);

	tc_check(!rgp, "RDMSR EFER (%#llx)", (unsigned long long)efer);
	expect_write(0xc0000080, "EFER", efer, OK, efer, false);
	expect_write(0xc0000080, "EFER", efer ^ 1, GP, efer, false);			/* SCE */
	expect_write(0xc0000080, "EFER", efer ^ (1ULL << 11), GP, efer, false);	/* NXE */
	expect_write(0xc0000080, "EFER", ~0ULL, GP, efer, false);
	expect_write(0x140, "MISC_FEATURES_ENABLES", 0, OK, 0, false);
	expect_write(0x140, "MISC_FEATURES_ENABLES", 1, GP, 0, false);
	expect_write(0x140, "MISC_FEATURES_ENABLES", ~0ULL, GP, 0, false);
}

static void check_refused(void)
{
	static const uint64_t pat = 0x0000050100070406ULL;
	static const struct { uint32_t msr; const char *name; } never[] = {
		{ 0x10, "TSC" }, { 0xce, "PLATFORM_INFO" }, { 0xc0000081, "STAR" }, { 0xc0000082, "LSTAR" },
		{ 0xc0000083, "CSTAR" }, { 0xc0000084, "SFMASK" }, { 0x1337, "an unknown MSR" },
		{ 0x40000001, "hypervisor MSR 0x40000001" }, { 0x1d9, "DEBUGCTL" },
	};
	uint64_t pfn = (RT_PTR(page) - RT_VIRT_BASE) >> 12;
	bool rgp;

	expect_write(0x277, "PAT", pat, GP, pat, false);
	expect_write(0x277, "PAT", 0x0007040600070406ULL /* Linux's own layout */, GP, pat, false);
	expect_write(0x1b, "APIC_BASE", 0xfee00900ULL, GP, 0xfee00900ULL, false);
	expect_write(0x1b, "APIC_BASE", 0xfee00100ULL, GP, 0xfee00900ULL, false);
	for (unsigned int i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		bool gp0 = wrmsr(never[i].msr, 0), gp1 = wrmsr(never[i].msr, ~0ULL);

		tc_check(gp0 && gp1, "WRMSR %s (%#x) raises #GP for 0 and for all ones", never[i].name,
			 never[i].msr);
	}
	/* The TSC does not move back to 0 either. */
	tc_check(rdmsr(0x10, &rgp) > 0 && !rgp, "the TSC still runs");
	expect_write(0x40000000, "the hypercall-page MSR", 0, GP, 0, false);
	expect_write(0x40000000, "the hypercall-page MSR", pfn << 12, GP, 0, false);
	tc_check(page[0] == 0 && page[1] == 0, "and the page it named is not written");
}

void test_main(void)
{
	static struct trap_info gp[2];

	gp[0].vector = 13;
	gp[0].cs = FLAT_KERNEL_CS;
	conf_gp_hook = mw_gp;
	gp[0].address = RT_PTR(conf_gp_entry);
	if (hyp_set_trap_table(RT_PTR(gp)) != 0) {
		tc_fail("set_trap_table for #GP failed");
		return;
	}
	check_dropped();
	check_tsc_aux();
	check_only_as_read();
	check_refused();
}

/* SPDX-License-Identifier: MIT */
/*
 * privops: the privileged instructions a PV Linux kernel executes anyway,
 * which the hypervisor must emulate rather than fault: CPUID behind the
 * forced-emulation prefix (ud2; "xen"; cpuid) reports the hypervisor leaves
 * (0x40000000 "XenVMMXenVMM" with eax >= 0x40000002, 0x40000001 the same
 * version as xen_version); WRMSR/RDMSR of MSR_GS_BASE set and read the
 * kernel GS base (Linux's first instruction); MOV from CR0 and CR4 return
 * the virtual values (CR0.PG/PE, CR4.PAE set); RDMSR of an MSR that does
 * not exist raises #GP, delivered through the trap table with the faulting
 * rip, and the guest resumes after it. The MSRs Linux reads at start of day
 * (APIC base, MISC_ENABLE, PAT, TSC, ...) read as Xen 4.17 answers them under
 * QEMU -cpu max. Not Skiff-specific; checked on real
 * Xen 4.17.
 */
#include <pvabi/version.h>
#include "test.h"
#include "rt_page.h"

#define MSR_GS_BASE	0xc0000101U
#define MSR_BOGUS	0x00001337U

static volatile unsigned int gp_count;
static volatile uint64_t gp_rip;
static uint64_t gs_page[512] __attribute__((aligned(4096)));

static volatile unsigned int gp_insn_len = 2;	/* rdmsr/wrmsr; a mov to %cr3 from %rax is 3 */

/* Frame: rcx, r11, error code, rip, cs, rflags, rsp, ss. Returns where to resume: after the faulting instruction. */
static uint64_t po_gp(const uint64_t *frame)
{
	gp_count++;
	gp_rip = frame[3];
	return frame[3] + gp_insn_len;
}

static void xen_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("ud2\n\t.ascii \"xen\"\n\tcpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "0"(leaf), "2"(0));
}

static void check_cpuid(void)
{
	uint32_t a, b, c, d;
	char sig[13];
	long version = hyp_xen_version(XENVER_version, 0);

	xen_cpuid(0x40000000, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	tc_check(memcmp(sig, "XenVMMXenVMM", 12) == 0, "CPUID 0x40000000 signature (\"%s\")", sig);
	tc_check(a >= 0x40000002, "CPUID 0x40000000 max leaf %#x >= 0x40000002", a);
	xen_cpuid(0x40000001, &a, &b, &c, &d);
	tc_check((long)a == version, "CPUID 0x40000001 eax %#x is the xen_version %#lx", a, version);
	xen_cpuid(0, &a, &b, &c, &d);
	tc_check(a >= 1 && (b | c | d) != 0, "CPUID 0 through the prefix reports a vendor and max leaf %u", a);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static void check_msrs(void)
{
	uint64_t v, got;
	unsigned int before = gp_count;

	gs_page[0] = 0x6a6a6a6a6a6a6a6aULL;
	wrmsr(MSR_GS_BASE, RT_PTR(gs_page));
	tc_expect_eq(gp_count, before, "WRMSR MSR_GS_BASE is emulated, no #GP");
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	tc_check(v == gs_page[0], "a load through %%gs uses the new base");
	got = rdmsr(MSR_GS_BASE);
	tc_check(got == RT_PTR(gs_page), "RDMSR MSR_GS_BASE reads it back (%#llx)", (unsigned long long)got);
	wrmsr(MSR_GS_BASE, 0);

	before = gp_count;
	v = rdmsr(MSR_BOGUS);
	tc_expect_eq(gp_count, before + 1, "RDMSR of a nonexistent MSR raises one #GP");
	tc_check(gp_rip > RT_PTR(rt_image_start) && gp_rip < RT_PTR(rt_image_end),
		 "the #GP frame points into the guest (%#llx), which resumed after it",
		 (unsigned long long)gp_rip);
}

/* The MSRs Linux reads at start of day, as Xen 4.17 answers them for a PV kernel on its vCPU 0. */
static void check_start_of_day_msrs(void)
{
	static const struct { uint32_t msr; uint64_t want; const char *name; } msrs[] = {
		{ 0x1b, 0xfee00900ULL, "APIC_BASE (enabled, BSP on vCPU 0)" },
		{ 0x1a0, 0x801801ULL, "MISC_ENABLE (fast strings; BTS, PEBS, xTPR off)" },
		{ 0x277, 0x0000050100070406ULL, "PAT (WB WT UC- UC WC WP UC UC)" },
		{ 0x140, 0, "MISC_FEATURES_ENABLES" },
		{ 0xc0000103, 0, "TSC_AUX" },
		{ 0xc0010015, 0, "AMD HWCR" },
	};
	unsigned int before = gp_count;
	uint64_t t0, t1;

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		uint64_t got = rdmsr(msrs[i].msr);

		tc_check(got == msrs[i].want, "RDMSR %s reads %#llx (%#llx)", msrs[i].name,
			 (unsigned long long)msrs[i].want, (unsigned long long)got);
	}
	t0 = rdmsr(0x10);
	t1 = rdmsr(0x10);
	tc_check(t1 > t0 && t0 != 0, "RDMSR TSC reads a running counter (%#llx, then %#llx)", (unsigned long long)t0,
		 (unsigned long long)t1);
	tc_expect_eq(gp_count, before, "none of them raises #GP");
}

/* MOV to CR3 is Xen's base-pointer switch: to the L4 in use it is a no-op switch; a page that cannot be an L4 is #GP. */
static void check_mov_to_cr3(void)
{
	uint64_t cr3 = 0, after = 0, bad = rt_pfn_to_mfn((RT_PTR(gs_page) - RT_VIRT_BASE) >> 12) << 12;
	unsigned int before = gp_count;

	__asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("movq %0, %%cr3" ::"r"(cr3) : "memory");
	__asm__ volatile("movq %%cr3, %0" : "=r"(after));
	tc_expect_eq(gp_count, before, "MOV to CR3 of the L4 in use is emulated, no #GP");
	tc_check(after == cr3, "CR3 reads the same L4 afterwards (%#llx)", (unsigned long long)after);
	gs_page[0] = 0x6a6a6a6a6a6a6a6aULL;
	gp_insn_len = 3;
	__asm__ volatile("movq %0, %%cr3" ::"a"(bad) : "memory");
	gp_insn_len = 2;
	tc_expect_eq(gp_count, before + 1, "MOV to CR3 of a writable data page raises #GP");
	__asm__ volatile("movq %%cr3, %0" : "=r"(after));
	tc_check(after == cr3 && gs_page[0] == 0x6a6a6a6a6a6a6a6aULL,
		 "and changes nothing: CR3 and the page are as before");
}

static void check_control_registers(void)
{
	uint64_t cr0, cr4;
	unsigned int before = gp_count;

	__asm__ volatile("movq %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
	rt_printf("virtual cr0 %#llx cr4 %#llx\n", (unsigned long long)cr0, (unsigned long long)cr4);
	tc_expect_eq(gp_count, before, "MOV from CR0 and CR4 is emulated, no #GP");
	tc_check((cr0 & 0x80000001ULL) == 0x80000001ULL, "CR0 has PG and PE");
	tc_check(cr4 & 0x20, "CR4 has PAE");
}

void test_main(void)
{
	static struct trap_info gp[2];

	gp[0].vector = 13;
	gp[0].cs = FLAT_KERNEL_CS;
	conf_gp_hook = po_gp;
	gp[0].address = RT_PTR(conf_gp_entry);
	if (hyp_set_trap_table(RT_PTR(gp)) != 0) {
		tc_fail("set_trap_table for #GP failed");
		return;
	}
	check_cpuid();
	check_msrs();
	check_start_of_day_msrs();
	check_mov_to_cr3();
	check_control_registers();
}

/* SPDX-License-Identifier: MIT */
/*
 * segbase_switch: each vCPU's FS selector, FS base, kernel GS base and user
 * GS base are its own across yields, blocks and moves between CPUs. dom0 has
 * 4 vCPUs on 2 CPUs (vcpus file "4 2"), so they keep replacing each other.
 * Even vCPUs hold what a 64-bit Linux task holds (FS selector 0, a base set
 * with set_segment_base, read through %fs:0); odd vCPUs hold a non-null FS
 * selector (FLAT_RING3_DS32), as a task with a TLS selector does. Linux reads
 * the FS selector at every task switch and, when it is not 0, forgets the
 * task's FS base: a selector that leaked from another vCPU loses a task's
 * TLS. The same split for GS: even vCPUs load the null user GS selector and
 * set a user GS base, odd ones load FLAT_RING3_DS32 with
 * set_segment_base(SEGBASE_GS_USER_SEL), whose base (0) becomes the user
 * GS base. Every vCPU checks, after every yield, poll timeout and spin, that
 * it reads its own selectors and bases. Not Skiff-specific.
 *
 * security.seg_two_domains boots this image twice, the second with "salt=4"
 * on its command line and both with "from=3" (rounds start at 3 s of
 * system time), so two domains switch selectors and bases on the same CPUs
 * at once: the salted one uses other areas (so a base leaked from the other
 * domain reads an area this domain never filled), other user GS bases, and
 * FLAT_RING3_CS32 instead of FLAT_RING3_DS32 on odd vCPUs.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "test.h"

#define NR_VCPUS		4
#define NR_AREAS		(2 * NR_VCPUS)	/* vCPU id uses area id + salt */
#define ROUNDS			1500
#define WAIT_NS			120000000000ULL
#define MSR_KERNEL_GS_BASE	0xc0000102

struct seg_area {
	uint64_t self;		/* read through the base: must be this area's own address */
	uint64_t pad[7];
} __attribute__((aligned(64)));

struct vcpu_result {
	uint64_t rounds, wrong_sel, wrong_gs_sel, wrong_fs, wrong_gs, wrong_gs_user;
	uint64_t last_sel, last_gs_sel, last_fs, last_gs, last_gs_user;
	long setup_rc;
	unsigned int done;
} __attribute__((aligned(64)));

static uint8_t stacks[NR_VCPUS][RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static struct seg_area fs_area[NR_AREAS], gs_area[NR_AREAS];
static struct vcpu_result result[NR_VCPUS];
static unsigned int salt;	/* "salt=N", N <= NR_VCPUS: areas id + N stay in the arrays */
static uint64_t start_ns;	/* "from=N": no round before N s of system time, so two domains overlap */

/* The digit after key (e.g. "salt=") on the command line, else 0 (the conformance run has none). */
static unsigned int cmdline_digit(const char *key)
{
	const char *s = rt_boot.si->cmd_line;
	size_t n = strlen(key);

	for (size_t i = 0; s[i] && i + n + 1 < MAX_GUEST_CMDLINE; i++)
		if ((i == 0 || s[i - 1] == ' ') && strncmp(s + i, key, n) == 0 && s[i + n] >= '0' && s[i + n] <= '9')
			return (unsigned int)(s[i + n] - '0');
	return 0;
}

/* Odd vCPUs' selector: a flat one, another in a salted domain. */
static uint16_t odd_selector(void)
{
	return salt ? FLAT_RING3_CS32 : FLAT_RING3_DS32;
}

static uint16_t want_selector(unsigned int id)
{
	return (id & 1) ? odd_selector() : 0;
}

static long set_segment_base(uint64_t which, uint64_t base)
{
	return rt_hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

static uint16_t fs_selector(void)
{
	uint16_t s;

	__asm__ volatile("movw %%fs, %0" : "=r"(s));
	return s;
}

static uint16_t gs_selector(void)
{
	uint16_t s;

	__asm__ volatile("movw %%gs, %0" : "=r"(s));
	return s;
}

static uint64_t fs_word(void)
{
	uint64_t v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t gs_word(void)
{
	uint64_t v;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	return v;
}

/* An emulated RDMSR: the user GS base a PV kernel keeps in the hypervisor. */
static uint64_t user_gs_base(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_KERNEL_GS_BASE));
	return ((uint64_t)hi << 32) | lo;
}

/* Odd vCPUs: the base of the flat segment their GS selector names. */
static uint64_t user_gs_value(unsigned int id)
{
	return (id & 1) ? 0 : 0x00007f0000001000ULL + ((uint64_t)(id + salt) << 24);
}

/* One vCPU's state, set once; the FS base only where the selector is null (a non-null one sets its own). */
static long setup(unsigned int id)
{
	uint16_t sel = want_selector(id);
	unsigned int a = id + salt;
	long rc;

	fs_area[a].self = RT_PTR(&fs_area[a]);
	gs_area[a].self = RT_PTR(&gs_area[a]);
	__asm__ volatile("movw %0, %%fs" :: "r"(sel) : "memory");
	if (!(id & 1)) {
		rc = set_segment_base(SEGBASE_FS, RT_PTR(&fs_area[a]));
		if (rc)
			return rc;
	}
	rc = set_segment_base(SEGBASE_GS_KERNEL, RT_PTR(&gs_area[a]));
	if (rc)
		return rc;
	rc = set_segment_base(SEGBASE_GS_USER_SEL, sel);
	if (rc || (id & 1))
		return rc;
	return set_segment_base(SEGBASE_GS_USER, user_gs_value(id));
}

static void check(unsigned int id, struct vcpu_result *r)
{
	uint16_t want_sel = want_selector(id), sel = fs_selector();
	unsigned int a = id + salt;
	uint64_t v;

	if (sel != want_sel) {
		r->wrong_sel++;
		r->last_sel = sel;
	}
	if ((sel = gs_selector()) != want_sel) {
		r->wrong_gs_sel++;
		r->last_gs_sel = sel;
	}
	/* Through %fs only when the selector is the null one this vCPU set: a leaked one would base it elsewhere. */
	if (!(id & 1) && sel == 0 && (v = fs_word()) != fs_area[a].self) {
		r->wrong_fs++;
		r->last_fs = v;
	}
	if ((v = gs_word()) != gs_area[a].self) {
		r->wrong_gs++;
		r->last_gs = v;
	}
	if ((v = user_gs_base()) != user_gs_value(id)) {
		r->wrong_gs_user++;
		r->last_gs_user = v;
	}
}

/* Gives up the CPU three ways in turn: a yield, a short block in SCHEDOP_poll, a spin a tick may preempt. */
static void give_way(uint64_t round)
{
	switch (round % 3) {
	case 0:
		hyp_sched_op(SCHEDOP_yield, 0);
		break;
	case 1: {
		struct sched_poll p = { .nr_ports = 0, .timeout = rt_now_ns() + 200000 };

		hyp_sched_op(SCHEDOP_poll, RT_PTR(&p));
		break;
	}
	default:
		for (volatile unsigned int i = 0; i < 20000; i++)
			;
		break;
	}
}

static void run(unsigned int id)
{
	struct vcpu_result *r = &result[id];

	r->setup_rc = setup(id);
	while (rt_now_ns() < start_ns)
		hyp_sched_op(SCHEDOP_yield, 0);
	if (r->setup_rc == 0) {
		for (uint64_t i = 0; i < ROUNDS; i++) {
			check(id, r);
			give_way(i + id);
			check(id, r);
			r->rounds++;
		}
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

static void ap_main(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	run(id);
	for (;;)
		hyp_vcpu_op(VCPUOP_down, id, 0);
}

static void report(unsigned int id)
{
	const struct vcpu_result *r = &result[id];

	tc_check(r->setup_rc == 0, "vCPU %u set its selector and bases (%ld)", id, r->setup_rc);
	tc_check(r->rounds == ROUNDS, "vCPU %u ran %llu of %u rounds", id, (unsigned long long)r->rounds, ROUNDS);
	tc_check(!r->wrong_sel, "vCPU %u read its own FS selector %#x (%llu wrong, last %#llx)", id,
		 want_selector(id), (unsigned long long)r->wrong_sel, (unsigned long long)r->last_sel);
	tc_check(!r->wrong_gs_sel, "vCPU %u read its own GS selector %#x (%llu wrong, last %#llx)", id,
		 want_selector(id), (unsigned long long)r->wrong_gs_sel,
		 (unsigned long long)r->last_gs_sel);
	if (!(id & 1))
		tc_check(!r->wrong_fs, "vCPU %u read through its own FS base (%llu wrong, last %#llx)", id,
			 (unsigned long long)r->wrong_fs, (unsigned long long)r->last_fs);
	tc_check(!r->wrong_gs, "vCPU %u read through its own kernel GS base (%llu wrong, last %#llx)", id,
		 (unsigned long long)r->wrong_gs, (unsigned long long)r->last_gs);
	tc_check(!r->wrong_gs_user, "vCPU %u read its own user GS base (%llu wrong, last %#llx)", id,
		 (unsigned long long)r->wrong_gs_user, (unsigned long long)r->last_gs_user);
}

void test_main(void)
{
	unsigned int n = rt_smp_count();
	uint64_t end;

	salt = cmdline_digit("salt=");
	if (salt > NR_VCPUS)
		salt = NR_VCPUS;
	start_ns = cmdline_digit("from=") * 1000000000ULL;
	if (n < NR_VCPUS) {
		tc_error("the runner gave dom0 %u vCPU(s); this test needs %u", n, NR_VCPUS);
		return;
	}
	for (unsigned int id = 1; id < NR_VCPUS; id++) {
		long rc = rt_smp_start(id, ap_main, (void *)(uintptr_t)id, stacks[id], sizeof(stacks[id]));

		tc_check(rc == 0, "start vCPU %u (%ld)", id, rc);
	}
	run(0);
	end = rt_now_ns() + WAIT_NS;
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		while (!__atomic_load_n(&result[id].done, __ATOMIC_ACQUIRE) && rt_now_ns() < end)
			hyp_sched_op(SCHEDOP_yield, 0);
	for (unsigned int id = 0; id < NR_VCPUS; id++)
		report(id);
	/* The runtime's own code does not use FS or GS: put back what it started with all the same. */
	__asm__ volatile("movw %0, %%fs" :: "r"((uint16_t)0) : "memory");
	set_segment_base(SEGBASE_FS, 0);
	set_segment_base(SEGBASE_GS_KERNEL, 0);
	set_segment_base(SEGBASE_GS_USER_SEL, 0);
	set_segment_base(SEGBASE_GS_USER, 0);
}

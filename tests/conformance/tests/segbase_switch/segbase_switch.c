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

/* What one check compares: how often it differed, and the last value read when it did. */
struct tally {
	uint64_t wrong, last;
};

struct vcpu_result {
	struct tally fs_sel, gs_sel, fs, gs, gs_user;
	uint64_t rounds;
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

static long set_segment_base(uint64_t which, uint64_t base)
{
	return rt_hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

#define SEG_SELECTOR(seg) ({ uint16_t s_; __asm__ volatile("movw %%" seg ", %0" : "=r"(s_)); s_; })
#define SEG_WORD(seg) ({ uint64_t v_; __asm__ volatile("movq %%" seg ":0, %0" : "=r"(v_)); v_; })

/* An emulated RDMSR: the user GS base a PV kernel keeps in the hypervisor. */
static uint64_t user_gs_base(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_KERNEL_GS_BASE));
	return ((uint64_t)hi << 32) | lo;
}

/* The FS and GS selector of a vCPU: null on even ones, a flat ring-3 one on odd ones (code in a salted domain). */
static uint16_t role_selector(unsigned int id)
{
	return (id & 1) ? (salt ? FLAT_RING3_CS32 : FLAT_RING3_DS32) : 0;
}

/* Odd vCPUs: the base of the flat segment their GS selector names. */
static uint64_t user_gs_value(unsigned int id)
{
	return (id & 1) ? 0 : 0x00007f0000001000ULL + ((uint64_t)(id + salt) << 24);
}

/* One vCPU's state, set once; the FS base only where the selector is null (a non-null one sets its own). */
static long setup(unsigned int id)
{
	uint16_t sel = role_selector(id);
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

static void tally(struct tally *t, uint64_t got, uint64_t want)
{
	if (got != want) {
		t->wrong++;
		t->last = got;
	}
}

static void check(unsigned int id, struct vcpu_result *r)
{
	uint16_t fs_sel = SEG_SELECTOR("fs");
	unsigned int a = id + salt;

	tally(&r->fs_sel, fs_sel, role_selector(id));
	tally(&r->gs_sel, SEG_SELECTOR("gs"), role_selector(id));
	/* Through %fs only when the selector is the null one this vCPU set: a leaked one would base it elsewhere. */
	if (!(id & 1) && fs_sel == 0)
		tally(&r->fs, SEG_WORD("fs"), fs_area[a].self);
	tally(&r->gs, SEG_WORD("gs"), gs_area[a].self);
	tally(&r->gs_user, user_gs_base(), user_gs_value(id));
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

static void report_tally(unsigned int id, const char *what, const struct tally *t)
{
	tc_check(!t->wrong, "vCPU %u read %s (%llu wrong, last %#llx)", id, what, (unsigned long long)t->wrong,
		 (unsigned long long)t->last);
}

static void report(unsigned int id)
{
	const struct vcpu_result *r = &result[id];

	tc_check(r->setup_rc == 0, "vCPU %u set its selector and bases (%ld)", id, r->setup_rc);
	tc_check(r->rounds == ROUNDS, "vCPU %u ran %llu of %u rounds", id, (unsigned long long)r->rounds, ROUNDS);
	report_tally(id, "its own FS selector", &r->fs_sel);
	report_tally(id, "its own GS selector", &r->gs_sel);
	if (!(id & 1))
		report_tally(id, "through its own FS base", &r->fs);
	report_tally(id, "through its own kernel GS base", &r->gs);
	report_tally(id, "its own user GS base", &r->gs_user);
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

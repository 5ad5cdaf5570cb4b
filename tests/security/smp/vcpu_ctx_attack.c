/* SPDX-License-Identifier: MIT */
/*
 * vcpu_ctx_attack (hostile-guest suite, Skiff): a guest with 3 vCPUs
 * abuses VCPUOP_initialise and its neighbours, beside the heartbeat domain.
 *  - cr3 naming frames that are not its own L4s: the hypervisor's and
 *    other domains' frames (every machine frame below 16 MiB that is not
 *    ours), its own L1 table, a writable page; a good cr3 with a bad user
 *    L4; GDT frames that are writable or not ours; a good GDT with cs
 *    naming an empty entry. All -EINVAL, and every reference taken on the
 *    way is given back (the GDT frame can be mapped writable again; the
 *    teardown finds no frame still referenced).
 *  - a context with MXCSR all ones and rflags with IOPL 3, NT, VM, RF, AC:
 *    the vCPU runs; its real MXCSR and flags hold only what hardware allows
 *    a guest (an FXRSTOR of reserved MXCSR bits would fault in the hypervisor).
 *  - two vCPUs initialise the third at the same instant: exactly one wins.
 *  - vcpu_info moved to frames not ours, a vCPU id that does not exist.
 *  - 2,000 VCPUOP_down/up of a vCPU that spins in hypercalls: it survives
 *    and goes on.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "../guests/sec_util.h"

#define NV		3
#define SWEEP_MFNS	4096

static uint8_t stacks[NV][RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t l1_probe[512] __attribute__((aligned(4096)));
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static struct vcpu_guest_context ctx;
static volatile uint64_t spins1, hc1, v2_mxcsr, v2_flags, v2_alive;
static volatile int race_go, race_rc[2], race_ready, race_done;

static uint64_t mfn_of(const void *va)
{
	return sec_mfn_of(va);
}

static void spinner(void *arg)
{
	(void)arg;
	rt_smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	for (;;) {
		/* Race partner: initialise vCPU 2 the moment vCPU 0 says go. */
		if (race_go == 1) {
			race_ready = 1;
			while (race_go == 1)
				;
			race_rc[1] = (int)hyp_vcpu_op(VCPUOP_initialise, 2, RT_PTR(&ctx));
			race_done = 1;
		}
		spins1++;
		hc1 += hyp_xen_version(0, 0) >= 0;
	}
}

static void reporter(void *arg)
{
	uint32_t mxcsr;
	uint64_t flags;

	(void)arg;
	rt_smp_vcpu_info(2)->evtchn_upcall_mask = 1;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	v2_mxcsr = mxcsr;
	v2_flags = flags;
	__atomic_store_n(&v2_alive, 1, __ATOMIC_RELEASE);
	for (;;)
		hyp_vcpu_op(VCPUOP_down, 2, 0);
}

static long init(unsigned int id)
{
	return hyp_vcpu_op(VCPUOP_initialise, id, RT_PTR(&ctx));
}

static void good(unsigned int id, void (*fn)(void *))
{
	rt_smp_context(&ctx, fn, NULL, stacks[id], sizeof(stacks[id]));
}

static bool ours(uint64_t mfn)
{
	uint64_t pfn = sec_m2p(mfn);

	return pfn < rt_boot.si->nr_pages && sec_p2m(pfn) == mfn;
}

static void bad_cr3(void)
{
	uint64_t walk[5], refused = 0, tried = 0;

	for (uint64_t m = 0; m < SWEEP_MFNS; m++) {
		if (ours(m))
			continue;
		good(2, reporter);
		ctx.ctrlreg[3] = m << 12;
		tried++;
		refused += init(2) == -XEN_EINVAL;
	}
	tc_check(tried > 1000 && refused == tried, "cr3 at %lu frames not ours: %lu refused", (unsigned long)tried,
		 (unsigned long)refused);
	sec_walk(RT_PTR(l1_probe), walk);
	good(2, reporter);
	ctx.ctrlreg[3] = walk[1] << 12;
	sec_expect(init(2), -XEN_EINVAL, "cr3 at our own L1 table");
	good(2, reporter);
	ctx.ctrlreg[3] = mfn_of(l1_probe) << 12;
	sec_expect(init(2), -XEN_EINVAL, "cr3 at a writable page");
	good(2, reporter);
	ctx.ctrlreg[1] = mfn_of(l1_probe) << 12;
	sec_expect(init(2), -XEN_EINVAL, "a good cr3 with a writable page as user L4");
	good(2, reporter);
	ctx.ctrlreg[1] = 0x10ULL << 12;
	sec_expect(init(2), -XEN_EINVAL, "a good cr3 with a hypervisor frame as user L4");
}

static void bad_gdt(void)
{
	uint64_t pfn;

	good(2, reporter);
	ctx.gdt_ents = 16;
	ctx.gdt_frames[0] = mfn_of(gdt_page);
	sec_expect(init(2), -XEN_EINVAL, "a GDT frame mapped writable");
	good(2, reporter);
	ctx.gdt_ents = 16;
	ctx.gdt_frames[0] = 0x20;
	sec_expect(init(2), -XEN_EINVAL, "a GDT frame of the hypervisor");
	if (sec_scratch_pfns(&pfn, 1) != 1) {
		tc_error("no scratch frame");
		return;
	}
	/* An all-zero GDT is valid; cs naming its entry 1 (empty) is not a code segment. */
	good(2, reporter);
	ctx.gdt_ents = 16;
	ctx.gdt_frames[0] = sec_p2m(pfn);
	ctx.user_regs.cs = (1 << 3) | 3;
	sec_expect(init(2), -XEN_EINVAL, "cs naming an empty entry of the context's own GDT");
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt_page), (sec_p2m(pfn) << 12) | SEC_PTE_KDATA, UVMF_INVLPG), 0,
		   "that GDT frame is not left typed: it maps writable again");
	sec_expect(hyp_update_va_mapping(RT_PTR(gdt_page), (mfn_of(gdt_page) << 12) | SEC_PTE_KDATA, UVMF_INVLPG), 0,
		   "the page back on its own frame");
}

static void misc(void)
{
	struct vcpu_register_vcpu_info vi = { .mfn = 0x30, .offset = 0 };

	sec_expect(hyp_vcpu_op(VCPUOP_register_vcpu_info, 2, RT_PTR(&vi)), -XEN_EINVAL,
		   "vcpu_info of vCPU 2 in a hypervisor frame");
	vi.mfn = mfn_of(l1_probe);
	vi.offset = 4090;
	sec_expect(hyp_vcpu_op(VCPUOP_register_vcpu_info, 2, RT_PTR(&vi)), -XEN_ENXIO,
		   "vcpu_info crossing the end of its page");
	good(2, reporter);
	sec_expect(init(NV), -XEN_ENOENT, "initialise of a vCPU that does not exist");
	sec_expect(hyp_vcpu_op(VCPUOP_up, 2, 0), -XEN_EINVAL, "after every refusal vCPU 2 still cannot come up");
}

/* vCPU 0 and vCPU 1 initialise vCPU 2 at once, with a context whose FPU and flags are hostile. */
static void race_and_hostile_state(void)
{
	uint64_t t0;
	int wins;

	good(2, reporter);
	ctx.flags |= VGCF_i387_valid;
	memset(ctx.fpu_ctxt, 0xff, sizeof(ctx.fpu_ctxt));
	ctx.user_regs.rflags = 0x3000 | (1 << 14) | (1 << 17) | (1 << 16) | (1 << 18) | 0x200;
	race_go = 1;
	/*
	 * vCPU 1 says it is spinning on the go before the go comes, and says
	 * when its call returned: under host load it may not run for seconds,
	 * and "it never ran" must not read as "it won" (race_rc[1] starts 0).
	 */
	t0 = sec_now_ns();
	while (!race_ready && sec_now_ns() - t0 < 60 * SEC_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(race_ready, "vCPU 1 reached the race within 60 s");
	t0 = sec_now_ns();
	while (sec_now_ns() - t0 < 20000000)
		;
	race_go = 2;
	race_rc[0] = (int)init(2);
	t0 = sec_now_ns();
	while (race_ready && !race_done && sec_now_ns() - t0 < 60 * SEC_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(!race_ready || race_done, "vCPU 1's initialise returned within 60 s");
	wins = (race_rc[0] == 0) + (race_rc[1] == 0);
	tc_check(wins == 1 && (race_rc[0] == -XEN_EEXIST || race_rc[0] == -XEN_EBUSY || race_rc[1] == -XEN_EEXIST ||
			       race_rc[1] == -XEN_EBUSY),
		 "two initialises of one vCPU at once: exactly one wins (%d, %d)", race_rc[0], race_rc[1]);
	sec_expect(hyp_vcpu_op(VCPUOP_up, 2, 0), 0, "up the vCPU with the hostile state");
	t0 = sec_now_ns();
	while (!v2_alive && sec_now_ns() - t0 < 5 * SEC_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(v2_alive, "it runs");
	tc_check((v2_mxcsr & 0xffff0000) == 0, "its MXCSR holds no reserved bit (%#lx)", (unsigned long)v2_mxcsr);
	tc_check((v2_flags & ((3 << 12) | (1 << 14) | (1 << 17))) == 0 && (v2_flags & 0x200),
		 "its real flags: IOPL 0, no NT, no VM, IF set (%#lx)", (unsigned long)v2_flags);
}

static void down_up_storm(void)
{
	uint64_t before, t0;
	unsigned int bad = 0;

	for (unsigned int k = 0; k < 2000; k++) {
		bad += hyp_vcpu_op(VCPUOP_down, 1, 0) != 0;
		bad += hyp_vcpu_op(VCPUOP_up, 1, 0) != 0;
	}
	tc_check(bad == 0, "2,000 down/up pairs of a vCPU in hypercalls all return 0 (%u did not)", bad);
	before = spins1;
	t0 = sec_now_ns();
	while (spins1 == before && sec_now_ns() - t0 < 5 * SEC_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	tc_check(spins1 > before, "and it goes on (%lu spins, %lu hypercalls)", (unsigned long)spins1,
		 (unsigned long)hc1);
	sec_expect(hyp_vcpu_op(VCPUOP_down, 1, 0), 0, "down for good");
}

void test_main(void)
{
	if (rt_smp_count() < NV || !sec_clock_init()) {
		tc_error("need %u vCPUs and a clock", NV);
		return;
	}
	good(1, spinner);
	sec_expect(init(1), 0, "vCPU 1 initialised");
	sec_expect(hyp_vcpu_op(VCPUOP_up, 1, 0), 0, "vCPU 1 up");
	bad_cr3();
	bad_gdt();
	misc();
	race_and_hostile_state();
	down_up_storm();
}

/* SPDX-License-Identifier: MIT */
/*
 * seg_ctx_attack (hostile-guest suite, Skiff): data segment selectors in
 * VCPUOP_initialise contexts that no guest may load, beside the heartbeat
 * domain. The hypervisor loads a vCPU's DS/ES/FS/GS itself, in ring 0, at
 * every switch-in (pv/segments.c): selectors naming its own code, data and
 * TSS descriptors, past the GDT's end, an LDT that does not exist, or null
 * with an RPL. Each case starts one vCPU that reports the selectors it
 * runs with and reads through its FS and kernel GS bases, then yields and
 * reads again (switched out and back in). Refused selectors must read
 * null, valid ones as given (RPL 3), the bases from the context must hold
 * whatever the selector did, and the hypervisor must live on. Skiff-
 * specific: Xen enters the failsafe callback for a selector that does not
 * load.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "rt_smp.h"
#include "../guests/sec_util.h"

#define HV_CS64		0xe008
#define HV_DS64		0xe010
#define HV_TSS		0xe040	/* somewhere in the hypervisor's part of the GDT: a system or empty descriptor */
#define FLAT_DS		FLAT_RING3_DS32
#define NCASES		7
#define WAIT_NS		(20 * SEC_NS)

struct sel_case {
	const char *what;
	uint16_t sel[4];	/* ds es fs gs given */
	uint16_t want[4];	/* as read by the vCPU */
};

static const struct sel_case cases[NCASES] = {
	{ "the flat ring-3 data selector", { FLAT_DS, FLAT_DS, FLAT_DS, FLAT_DS }, { FLAT_DS, FLAT_DS, FLAT_DS, FLAT_DS } },
	{ "the hypervisor's code and data selectors", { HV_CS64, HV_DS64, HV_DS64, HV_CS64 }, { 0, 0, 0, 0 } },
	{ "the hypervisor's selectors with RPL 3", { HV_DS64 | 3, HV_CS64 | 3, HV_DS64 | 3, HV_DS64 | 3 },
	  { 0, 0, 0, 0 } },
	{ "a system-descriptor area of the GDT", { HV_TSS | 3, HV_TSS, HV_TSS + 8, HV_TSS | 3 }, { 0, 0, 0, 0 } },
	{ "past the GDT's end and empty guest entries", { 0xfffb, 0xfff8, 0x0103, 0x0fff }, { 0, 0, 0, 0 } },
	{ "an LDT that does not exist", { 0x0007, 0x000f, 0x0007, 0x0107 }, { 0, 0, 0, 0 } },
	{ "null selectors with an RPL, beside good ones", { 1, FLAT_DS, 3, 2 }, { 0, FLAT_DS, 0, 0 } },
};

struct seg_area {
	uint64_t self;
	uint64_t pad[7];
} __attribute__((aligned(64)));

struct report {
	uint16_t sel[2][4];		/* before and after a yield */
	uint64_t fs_word[2], gs_word[2];
	volatile int done;
} __attribute__((aligned(64)));

static uint8_t stacks[NCASES + 1][RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static struct seg_area fs_area[NCASES + 1], gs_area[NCASES + 1];
static struct report rep[NCASES + 1];
static struct vcpu_guest_context ctx;

static void read_state(unsigned int id, unsigned int k)
{
	struct report *r = &rep[id];

	__asm__ volatile("movw %%ds, %0" : "=r"(r->sel[k][0]));
	__asm__ volatile("movw %%es, %0" : "=r"(r->sel[k][1]));
	__asm__ volatile("movw %%fs, %0" : "=r"(r->sel[k][2]));
	__asm__ volatile("movw %%gs, %0" : "=r"(r->sel[k][3]));
	/* Through the bases the context gave, whether or not the selector loaded (its base comes after). */
	__asm__ volatile("movq %%fs:0, %0" : "=r"(r->fs_word[k]));
	__asm__ volatile("movq %%gs:0, %0" : "=r"(r->gs_word[k]));
}

static void reporter(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	rt_smp_vcpu_info(id)->evtchn_upcall_mask = 1;
	read_state(id, 0);
	for (unsigned int i = 0; i < 20; i++)
		hyp_sched_op(SCHEDOP_yield, 0);
	read_state(id, 1);
	__atomic_store_n(&rep[id].done, 1, __ATOMIC_RELEASE);
	for (;;)
		hyp_vcpu_op(VCPUOP_down, id, 0);
}

static void run_case(unsigned int id, const struct sel_case *c)
{
	struct report *r = &rep[id];
	uint64_t t0;
	long rc;

	fs_area[id].self = RT_PTR(&fs_area[id]);
	gs_area[id].self = RT_PTR(&gs_area[id]);
	rt_smp_context(&ctx, reporter, (void *)(uintptr_t)id, stacks[id], sizeof(stacks[id]));
	ctx.user_regs.ds = c->sel[0];
	ctx.user_regs.es = c->sel[1];
	ctx.user_regs.fs = c->sel[2];
	ctx.user_regs.gs = c->sel[3];
	ctx.fs_base = RT_PTR(&fs_area[id]);
	ctx.gs_base_kernel = RT_PTR(&gs_area[id]);
	rc = hyp_vcpu_op(VCPUOP_initialise, id, RT_PTR(&ctx));
	tc_check(rc == 0, "vCPU %u initialised with %s (%ld)", id, c->what, rc);
	if (rc)
		return;
	sec_expect(hyp_vcpu_op(VCPUOP_up, id, 0), 0, "vCPU %u up", id);
	t0 = sec_now_ns();
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) && sec_now_ns() - t0 < WAIT_NS)
		hyp_sched_op(SCHEDOP_yield, 0);
	if (!r->done) {
		tc_check(false, "vCPU %u (%s) reported", id, c->what);
		return;
	}
	for (unsigned int k = 0; k < 2; k++) {
		tc_check(!memcmp(r->sel[k], c->want, sizeof(c->want)),
			 "%s: vCPU %u reads ds %#x es %#x fs %#x gs %#x %s (want %#x %#x %#x %#x)", c->what, id,
			 r->sel[k][0], r->sel[k][1], r->sel[k][2], r->sel[k][3], k ? "after yields" : "at start",
			 c->want[0], c->want[1], c->want[2], c->want[3]);
		tc_check(r->fs_word[k] == fs_area[id].self && r->gs_word[k] == gs_area[id].self,
			 "%s: vCPU %u reads through the FS and GS bases it was given %s", c->what, id,
			 k ? "after yields" : "at start");
	}
}

void test_main(void)
{
	unsigned int n = rt_smp_count();

	if (n < NCASES + 1 || !sec_clock_init()) {
		tc_error("needs %u vCPUs and a clock, has %u vCPUs", NCASES + 1, n);
		return;
	}
	for (unsigned int i = 0; i < NCASES; i++)
		run_case(i + 1, &cases[i]);
	rt_printf("seg_ctx_attack: %u hostile contexts run\n", NCASES);
}

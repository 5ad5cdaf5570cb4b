/* SPDX-License-Identifier: MIT */
/*
 * mmu_batch_attack (security suite): mmu_update and mmuext_op batches of
 * any count, which the hypervisor runs in rounds of continuations, abused
 * beside the heartbeat domain:
 * - huge counts: 2^31 - 1 entries over a 16,384-entry list that runs into
 *   an unmapped page (-EFAULT, *pdone 16,384); bit 31 set on a first call
 *   with a hostile *pdone (the done count wraps modulo 2^32, nothing else);
 *   upper bits in count; *pdone inside the list being read, and on a
 *   read-only page table (the write is lost, the table unchanged);
 * - pages that change during the continuation: vCPU 1 keeps unmapping and
 *   remapping one page of the list and turning entries of the next page
 *   into forgeries (the live L1 mapped writable, a frame past RAM) while
 *   vCPU 0 runs the batch again and again. Every call must end with 0,
 *   -EFAULT inside the page that went away, or -EBUSY/-EPERM (a table
 *   mapped writable, a frame past the frame table, as Xen 4.17 answers)
 *   inside the page of forgeries, and
 *   the live tables must be as before.
 * The heartbeat's gaps and "every frame returned" at teardown are checked
 * by the boot test.
 */
#include <pvabi/errno.h>
#include <pvabi/vcpu.h>
#include <pvabi/xen.h>
#include "test.h"
#include "rt_page.h"
#include "rt_smp.h"
#include "sec_util.h"

#define PER_PAGE	(4096 / sizeof(struct mmu_update))
#define LIST_PAGES	64
#define N		(LIST_PAGES * PER_PAGE)
#define FLIP_PAGE	40	/* vCPU 1 unmaps this page of the list and forges entries in the next */

static uint64_t sink[512] __attribute__((aligned(4096)));
static uint64_t win[512] __attribute__((aligned(4096)));
static uint64_t flip_page[512] __attribute__((aligned(4096)));
static uint8_t stack1[RT_SMP_STACK_SIZE] __attribute__((aligned(16)));
static struct mmu_update *list;
static uint64_t pt[5], l1_snap[512], flip_mfn, sink_maddr;
static volatile int stop1, running1;
static volatile uint64_t flips;

static void fill(struct mmu_update *u, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++) {
		u[i].ptr = (sink_maddr + (i % 512) * 8) | MMU_NORMAL_PT_UPDATE;
		u[i].val = i;
	}
}

/* Accessed and dirty bits are the CPU's to set as we run: everything else must be as it was. */
static bool live_l1_unchanged(void)
{
	const volatile uint64_t *l1 = sec_va_of_mfn(pt[1]);

	for (int i = 0; i < 512; i++)
		if ((l1[i] ^ l1_snap[i]) & ~(SEC_PTE_A | SEC_PTE_D))
			return false;
	return true;
}

static void huge_counts(void)
{
	uint32_t done;
	volatile uint64_t *l1 = sec_va_of_mfn(pt[1]);

	done = 0xdead;
	sec_expect(hyp_mmu_update(RT_PTR(list), 0x7fffffff, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		   "count 2^31-1 over a list that runs into an unmapped page");
	tc_expect_eq(done, N, "*pdone: every entry before the page");
	done = 0xffffff00;
	sec_expect(hyp_mmu_update(RT_PTR(list), 0xffffffffULL, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
		   "count 2^32-1: a 'continuation' with *pdone 0xffffff00");
	tc_expect_eq(done, (uint32_t)(0xffffff00U + N), "*pdone wraps modulo 2^32");
	done = 7;
	sec_expect(hyp_mmu_update(RT_PTR(list), 0x80000000ULL, RT_PTR(&done), DOMID_SELF), 0,
		   "count 2^31 exactly: a continuation with nothing left");
	tc_expect_eq(done, 7, "*pdone as it was");
	done = 0xdead;
	sec_expect(hyp_mmu_update(RT_PTR(list), 0xffffffff00000000ULL | 100, RT_PTR(&done), DOMID_SELF), 0,
		   "count with all upper bits set: 100 entries");
	tc_expect_eq(done, 100, "*pdone 100");
	/* The hypervisor writes *pdone into the list it is reading, at every continuation. */
	sec_expect(hyp_mmu_update(RT_PTR(list), N, RT_PTR(&list[N - 1].val), DOMID_SELF), 0,
		   "*pdone inside the list");
	fill(list, 0, N);
	/* A *pdone on a live page table (mapped read-only to us): the write is lost, the table stays. */
	sec_expect(hyp_mmu_update(RT_PTR(list), 1000, RT_PTR(&l1[0]), DOMID_SELF), 0, "*pdone on our live L1");
	tc_check(live_l1_unchanged(), "the live L1 is unchanged");
	{
		struct mmuext_op *ops = (struct mmuext_op *)list;

		for (uint64_t i = 0; i < N * sizeof(struct mmu_update) / sizeof(*ops); i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].cmd = MMUEXT_TLB_FLUSH_LOCAL;
		}
		done = 0xdead;
		sec_expect(hyp_mmuext_op(RT_PTR(ops), 0x7fffffff, RT_PTR(&done), DOMID_SELF), -XEN_EFAULT,
			   "mmuext_op count 2^31-1 of local flushes into an unmapped page");
		tc_expect_eq(done, N * sizeof(struct mmu_update) / sizeof(*ops), "*pdone: every op before it");
	}
	fill(list, 0, N);
}

/* vCPU 1: the list's page FLIP_PAGE comes and goes; entries of the page after it become forgeries and back. */
static void flipper(void *arg)
{
	uint64_t va = RT_PTR(&list[FLIP_PAGE * PER_PAGE]);
	struct mmu_update *next = &list[(FLIP_PAGE + 1) * PER_PAGE];
	uint64_t live_pte = (pt[1] << 12) + ((RT_PTR(win) >> 12) & 511) * 8;

	(void)arg;
	rt_smp_vcpu_info(1)->evtchn_upcall_mask = 1;
	running1 = 1;
	while (!stop1) {
		unsigned int k = (unsigned int)(flips % PER_PAGE);

		hyp_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_ALL);
		/* Forgeries: our live L1 mapped writable over the window; a frame far past RAM. */
		next[k].ptr = live_pte | MMU_NORMAL_PT_UPDATE;
		next[k].val = (flips & 1) ? ((pt[1] << 12) | SEC_PTE_KRW) : ((1ULL << 39) | SEC_PTE_KRW);
		for (volatile int d = 0; d < 200; d++)
			;
		hyp_update_va_mapping(va, (flip_mfn << 12) | SEC_PTE_KDATA, UVMF_INVLPG | UVMF_ALL);
		next[k].ptr = (sink_maddr + (((FLIP_PAGE + 1) * PER_PAGE + k) % 512) * 8) | MMU_NORMAL_PT_UPDATE;
		next[k].val = (FLIP_PAGE + 1) * PER_PAGE + k;
		flips++;
	}
	running1 = 0;
	for (;;)
		hyp_vcpu_op(VCPUOP_down, 1, 0);
}

static void changing_pages(uint64_t secs)
{
	uint64_t t0 = sec_now_ns(), calls = 0, ok = 0, efault = 0, einval = 0, bad = 0;

	if (rt_smp_start(1, flipper, NULL, stack1, sizeof(stack1)) != 0) {
		tc_error("cannot start vCPU 1");
		return;
	}
	while (!running1)
		;
	while (sec_now_ns() - t0 < secs * SEC_NS) {
		uint32_t done = 0xdead;
		long rc = hyp_mmu_update(RT_PTR(list), N, RT_PTR(&done), DOMID_SELF);

		calls++;
		if (rc == 0 && done == N)
			ok++;
		else if (rc == -XEN_EFAULT && done >= FLIP_PAGE * PER_PAGE && done < (FLIP_PAGE + 1) * PER_PAGE)
			efault++;	/* the page went away before or while the batch read it */
		else if ((rc == -XEN_EBUSY || rc == -XEN_EPERM) && done >= (FLIP_PAGE + 1) * PER_PAGE &&
			 done < (FLIP_PAGE + 2) * PER_PAGE)
			einval++;	/* a page table mapped writable: -EBUSY; a frame past the frame table: -EPERM */
		else if (bad++ < 5)
			tc_fail("batch ended with %ld, *pdone %u", rc, done);
	}
	stop1 = 1;
	while (running1)
		;
	rt_printf("mmu_batch_attack: %lu batches of %lu while vCPU 1 flipped %lu times: %lu whole, %lu -EFAULT in the "
		  "unmapped page, %lu refused at a forgery\n", (unsigned long)calls, (unsigned long)N,
		  (unsigned long)flips, (unsigned long)ok, (unsigned long)efault, (unsigned long)einval);
	tc_check(bad == 0, "every batch ended at the page or the forgery that stopped it (%lu did not)",
		 (unsigned long)bad);
	tc_check(calls > 10 && flips > 10, "the race ran (%lu batches, %lu flips)", (unsigned long)calls,
		 (unsigned long)flips);
	tc_check(live_l1_unchanged(), "the live L1 is unchanged");
	sec_expect(hyp_update_va_mapping(RT_PTR(&list[FLIP_PAGE * PER_PAGE]), (flip_mfn << 12) | SEC_PTE_KDATA,
					 UVMF_INVLPG | UVMF_ALL), 0, "the flipped page mapped back");
}

void test_main(void)
{
	if (rt_smp_count() < 2 || !sec_clock_init() || rt_page_init() != 0 || sec_walk(RT_PTR(win), pt)) {
		tc_error("set-up: needs 2 vCPUs, the clock, the page allocator and the walk");
		return;
	}
	list = rt_vmem_alloc(LIST_PAGES * 4096);
	if (!list) {
		tc_error("no list buffer");
		return;
	}
	/* The page vCPU 1 flips is an image page of known frame, mapped there in place of the buffer's own. */
	flip_mfn = sec_mfn_of(flip_page);
	if (hyp_update_va_mapping(RT_PTR(&list[FLIP_PAGE * PER_PAGE]), (flip_mfn << 12) | SEC_PTE_KDATA,
				  UVMF_INVLPG)) {
		tc_error("cannot map the flip page into the list");
		return;
	}
	sink_maddr = sec_mfn_of(sink) << 12;
	for (int i = 0; i < 512; i++)
		l1_snap[i] = sec_va_of_mfn(pt[1])[i];
	fill(list, 0, N);
	huge_counts();
	changing_pages(sec_cmdline_num("secs=", 4));
}

/* SPDX-License-Identifier: MIT */
/*
 * dirty_exit (security suite): a domain that dies holding everything it
 * can make the hypervisor keep: pinned tables of every level, a pinned
 * L1 hooked into its live L2, a read-only self map and a linear L4 -> L4
 * entry, a user base pointer, a GDT, a moved vcpu_info, a runstate area,
 * bound event channels, timers; then it crashes itself (ud2 with no
 * handler for it). Teardown must release every frame: the boot test
 * checks "every frame returned" and that the heartbeat beside it is
 * unharmed. The guest prints "dirty_exit: all held" before it crashes.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/vcpu.h>
#include "test.h"
#include "sec_util.h"

#define NR_SCR	10

static uint64_t win[512] __attribute__((aligned(4096)));
static uint64_t s1[512] __attribute__((aligned(4096)));
static uint64_t gdt[512] __attribute__((aligned(4096)));
static uint64_t runstate[8];
static unsigned int failed;

static unsigned int rt_nr_failed(void)
{
	return failed;
}

#define expect(rc, want, ...) do { long rc_ = (rc); if (rc_ != (want)) failed++; sec_expect(rc_, want, __VA_ARGS__); } while (0)

static int put(uint64_t mfn, unsigned int i, uint64_t val)
{
	uint64_t own = sec_mfn_of(win);

	if (hyp_update_va_mapping(RT_PTR(win), (mfn << 12) | SEC_PTE_KRW, UVMF_INVLPG))
		return -1;
	win[i] = val;
	return hyp_update_va_mapping(RT_PTR(win), (own << 12) | SEC_PTE_KDATA, UVMF_INVLPG) ? -1 : 0;
}

void test_main(void)
{
	uint64_t pfn[NR_SCR], m[NR_SCR], pt[5], gmfn = sec_mfn_of(gdt), s1m = sec_mfn_of(s1);
	struct vcpu_register_vcpu_info vi;
	struct vcpu_register_runstate_memory_area ra = { .addr = RT_PTR(runstate) };
	struct vcpu_set_periodic_timer per = { .period_ns = 1000000 };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_virq bv = { .virq = 0, .vcpu = 0 };
	unsigned int slot;

	if (sec_walk(RT_PTR(win), pt) || sec_scratch_pfns(pfn, NR_SCR) != NR_SCR) {
		tc_error("setup failed");
		return;
	}
	for (int i = 0; i < NR_SCR; i++)
		m[i] = sec_p2m(pfn[i]);
	/* A chain L4 -> L3 -> L2 -> L1 of scratch frames, pinned at the top only. */
	failed += put(m[1], 0, 0) != 0;
	tc_check(!put(m[1], 0, (m[0] << 12) | SEC_PTE_KRW) && !put(m[2], 0, (m[1] << 12) | SEC_PTE_KRW) &&
			 !put(m[3], 0, (m[2] << 12) | SEC_PTE_KRW) && !put(m[0], 0, (m[9] << 12) | SEC_PTE_KRO),
		 "a scratch chain L4 -> L3 -> L2 -> L1 written");
	expect(sec_ext1(MMUEXT_PIN_L4_TABLE, m[3]), 0, "chain pinned from its L4");
	expect(sec_ext1(MMUEXT_PIN_L1_TABLE, m[4]), 0, "a lone L1 pinned");
	expect(sec_ext1(MMUEXT_PIN_L2_TABLE, m[5]), 0, "a lone L2 pinned");
	expect(sec_ext1(MMUEXT_PIN_L3_TABLE, m[6]), 0, "a lone L3 pinned");
	/* Self map and a linear entry: L4 m[7] maps itself, L4 m[8] maps m[7]. */
	tc_check(!put(m[7], 0, (m[7] << 12) | SEC_PTE_KRO) && !put(m[8], 0, (m[7] << 12) | SEC_PTE_KRO), "linear entries written");
	expect(sec_ext1(MMUEXT_PIN_L4_TABLE, m[7]), 0, "self-mapping L4 pinned");
	expect(sec_ext1(MMUEXT_PIN_L4_TABLE, m[8]), 0, "L4 with a linear entry pinned");
	expect(sec_ext1(MMUEXT_NEW_USER_BASEPTR, m[8]), 0, "and made the user base pointer");
	/* The image's s1 page becomes an L1 hooked into the live L2 next to the image. */
	memset(s1, 0, sizeof(s1));
	s1[0] = (m[9] << 12) | SEC_PTE_KRO;
	expect(hyp_update_va_mapping(RT_PTR(s1), (s1m << 12) | SEC_PTE_KRO, UVMF_INVLPG), 0, "s1 read-only");
	for (slot = 300; slot < 512 && (sec_va_of_mfn(pt[2])[slot] & SEC_PTE_P); slot++)
		;
	expect(sec_mmu1((pt[2] << 12) + slot * 8, (s1m << 12) | SEC_PTE_KRW), 0, "s1 hooked into the live L2");
	/* GDT, vcpu_info, runstate, event channels, timers. */
	gdt[1] = 0x00affa000000ffffULL;
	expect(hyp_update_va_mapping(RT_PTR(gdt), (gmfn << 12) | SEC_PTE_KRO, UVMF_INVLPG), 0, "GDT read-only");
	expect(rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(&gmfn), 16), 0, "GDT installed");
	vi = (struct vcpu_register_vcpu_info){ .mfn = sec_mfn_of(win), .offset = 64 };
	expect(hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, RT_PTR(&vi)), 0, "vcpu_info moved");
	expect(hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&ra)), 0, "runstate area");
	expect(hyp_vcpu_op(VCPUOP_set_periodic_timer, 0, RT_PTR(&per)), 0, "1 ms periodic timer");
	for (int i = 0; i < 16; i++)
		expect(hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)), 0, "unbound port %d", i);
	expect(hyp_event_channel_op(EVTCHNOP_bind_virq, RT_PTR(&bv)), 0, "VIRQ_TIMER bound");
	if (rt_nr_failed())
		return;		/* the verdict says what did not work */
	rt_printf("dirty_exit: all held, crashing now\n");
	/* No trap table: the hypervisor itself must crash us on the ud2. */
	hyp_set_trap_table(0);
	__asm__ volatile("ud2");
}

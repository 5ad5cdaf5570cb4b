/* SPDX-License-Identifier: MIT */
/*
 * vcpu_info: VCPUOP_register_vcpu_info moves vCPU 0's vcpu_info into guest
 * memory, which Linux does at boot and cannot live without. Areas that
 * would cross a page (-ENXIO) or lie in a frame the guest does not own
 * (-EINVAL) are refused; the accepted area receives the current contents
 * (events still masked, valid vcpu_time_info) with upcall_pending set and
 * pending_sel all ones, and pvclock time read from it advances; from then on event state goes to
 * the new area, not to shared_info's slot, whose time fields stay usable
 * (Linux calibrates the TSC from them); a second registration gives
 * -EINVAL.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/vcpu.h>
#include "test.h"

static struct vcpu_info area __attribute__((aligned(64)));
static volatile struct shared_info *sh;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long register_at(uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };

	return hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, RT_PTR(&r));
}

static void check_refusals(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	long rc;

	rc = register_at(mfn_of(page), 4096 - 32);
	tc_expect_eq(rc, -XEN_ENXIO, "an area crossing the end of its page");
	/* Machine frame 0 is firmware memory: never a guest's. */
	rc = register_at(0, 0);
	tc_expect_eq(rc, -XEN_EINVAL, "an area in a frame the guest does not own");
}

static void check_registered(void)
{
	volatile struct vcpu_info *v = &area;
	uint64_t st0, st1;

	memset(&area, 0xa5, sizeof(area));
	tc_expect_eq(register_at(mfn_of(&area), (uint32_t)(RT_PTR(&area) & 0xfff)), 0,
		     "register_vcpu_info at a 64-byte aligned guest area");
	rt_printf("new area: pending %u mask %u sel %#llx time version %u system_time %llu\n",
		  v->evtchn_upcall_pending, v->evtchn_upcall_mask,
		  (unsigned long long)v->evtchn_pending_sel, v->time.version,
		  (unsigned long long)v->time.system_time);
	tc_expect_eq(v->evtchn_upcall_mask, 1, "the copy keeps events masked");
	/* Xen marks everything pending so that nothing sent during the move is lost. */
	tc_check(v->evtchn_upcall_pending == 1 && v->evtchn_pending_sel == ~0ULL,
		 "upcall_pending set and pending_sel all ones after the move");
	tc_check(v->time.tsc_to_system_mul != 0 && !(v->time.version & 1), "the copy has valid time");
	st0 = rt_pvclock_ns(&area.time);
	for (int i = 0; i < 200; i++)
		hyp_sched_op(0, 0);
	st1 = rt_pvclock_ns(&area.time);
	tc_check(st1 > st0, "pvclock time from the new area advances (%llu -> %llu)",
		 (unsigned long long)st0, (unsigned long long)st1);
	tc_check(sh->vcpu_info[0].time.tsc_to_system_mul != 0,
		 "shared_info's slot still has a TSC multiplier");
	long rc = register_at(mfn_of(&area), (uint32_t)(RT_PTR(&area) & 0xfff));

	tc_expect_eq(rc, -XEN_EINVAL, "a second registration");
}

static void check_events_go_to_new_area(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_send snd;
	volatile struct vcpu_info *v = &area;

	if (hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)) != 0)
		return tc_fail("alloc_unbound failed");
	bi.remote_port = au.port;
	if (hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)) != 0)
		return tc_fail("bind_interdomain failed");
	v->evtchn_upcall_pending = 0;
	v->evtchn_pending_sel = 0;
	sh->vcpu_info[0].evtchn_upcall_pending = 0;
	sh->vcpu_info[0].evtchn_pending_sel = 0;
	sh->evtchn_pending[au.port / 64] &= ~(1ULL << (au.port % 64));
	snd.port = bi.local_port;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&snd)), 0, "send on a loopback pair");
	tc_check(v->evtchn_upcall_pending == 1 && ((v->evtchn_pending_sel >> (au.port / 64)) & 1),
		 "upcall_pending and pending_sel are set in the registered area");
	tc_check(sh->vcpu_info[0].evtchn_upcall_pending == 0 && sh->vcpu_info[0].evtchn_pending_sel == 0,
		 "and not in shared_info's old slot");
}

void test_main(void)
{
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh)
		return tc_fail("cannot map shared_info (%ld)", rc);
	check_refusals();
	check_registered();
	check_events_go_to_new_area();
}

/* SPDX-License-Identifier: MIT */
/*
 * memop_evtchn (security suite), beside the heartbeat domain (dom0):
 * - memory_op on frames that are not free to go: a pinned L1, the live
 *   tables, a mapped page, the heartbeat's (dom0's) frames, hypervisor
 *   frames, the same frame twice; reservations of another domain; huge
 *   extent counts and orders; extent lists in the hypervisor. Nothing may
 *   be released but our own unused frames, and a released frame can no
 *   longer be mapped or pinned.
 * - event channels: ports out of range, another domain's ports (bind,
 *   status, close, reset, alloc in its table), send to unbound and closed
 *   ports, bad VIRQs and vCPUs, pirqs.
 * Where Xen answers another code than Skiff for a refusal, both are named.
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include "test.h"
#include "sec_util.h"

#define HV_TEXT		0xffff82d080001000ULL

static uint64_t win[512] __attribute__((aligned(4096)));
static uint64_t pt[5], scr[4], list[16];

static long reservation(uint64_t cmd, uint64_t *ext, uint64_t n, uint32_t order, domid_t dom)
{
	struct xen_memory_reservation r = { .extent_start = RT_PTR(ext), .nr_extents = n, .extent_order = order,
					    .domid = dom };

	return hyp_memory_op(cmd, RT_PTR(&r));
}

static long decrease1(uint64_t mfn)
{
	list[0] = mfn;
	return reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF);
}

#define OWN_BITS	(1u << 20)
static uint64_t own_bits[OWN_BITS / 64];

/* A frame that is not ours but whose M2P entry names a PFN: most likely the heartbeat's (dom0's). */
static uint64_t neighbour_frame(void)
{
	for (uint64_t pfn = 0; pfn < rt_boot.si->nr_pages; pfn++)
		if (sec_p2m(pfn) < OWN_BITS)
			own_bits[sec_p2m(pfn) / 64] |= 1ULL << (sec_p2m(pfn) % 64);
	for (uint64_t m = 0x1000; m < OWN_BITS; m++)
		if (!((own_bits[m / 64] >> (m % 64)) & 1) && sec_m2p(m) < 0x4000 && sec_m2p(m) > 0x100)
			return m;
	return 0x1800;
}

static void memory_ops(void)
{
	uint64_t other = neighbour_frame(), cur;
	long rc;

	cur = (uint64_t)hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF }));
	sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, scr[0]), 0, "pin a scratch L1");
	sec_expect(decrease1(scr[0]), 0, "decrease_reservation of the pinned L1 releases nothing");
	sec_expect(sec_ext1(MMUEXT_UNPIN_TABLE, scr[0]), 0, "the L1 is still pinned (unpin works)");
	for (int l = 1; l <= 4; l++)
		sec_expect(decrease1(pt[l]), 0, "decrease_reservation of the live L%d releases nothing", l);
	sec_expect(decrease1(sec_mfn_of(win)), 0, "decrease_reservation of a mapped page releases nothing");
	sec_expect(decrease1(other), 0, "decrease_reservation of the heartbeat's frame %#llx releases nothing",
		   (unsigned long long)other);
	sec_expect(decrease1(0x10), 0, "decrease_reservation of a hypervisor frame releases nothing");
	sec_expect(decrease1(1ULL << 40), 0, "decrease_reservation of a frame beyond RAM releases nothing");
	tc_check(hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF })) == (long)cur,
		 "our reservation is unchanged (%llu frames)", (unsigned long long)cur);

	/* Another domain's reservation: 0 extents, as Xen's reservation calls answer; nothing moves. */
	list[0] = other;
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0, 0);
	tc_check(rc == 0, "decrease_reservation of dom0's frame in dom0's name: 0 extents (%ld)", rc);
	rc = reservation(XENMEM_increase_reservation, list, 1, 0, 0);
	tc_check(rc == 0, "increase_reservation for dom0: 0 extents (%ld)", rc);
	rc = reservation(XENMEM_populate_physmap, list, 1, 0, 0);
	tc_check(rc == 0, "populate_physmap for dom0: 0 extents (%ld)", rc);
	tc_check(list[0] == other, "and the extent list is untouched");
	rc = hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ 0 }));
	tc_check(rc == -XEN_EPERM || rc == -XEN_ESRCH, "current_reservation of dom0: %ld", rc);

	/* Huge counts and orders complete nothing (and return at once). */
	static const uint64_t huge[] = { 0xffffffffULL, 1ULL << 63, ~0ULL, 1ULL << 32, (1ULL << 20) + 1 };
	for (unsigned int i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		sec_expect(reservation(XENMEM_decrease_reservation, (uint64_t *)HV_TEXT, huge[i], 0, DOMID_SELF), 0,
			   "decrease_reservation of %#llx extents from the hypervisor", (unsigned long long)huge[i]);
		sec_expect(reservation(XENMEM_increase_reservation, (uint64_t *)HV_TEXT, huge[i], 0, DOMID_SELF), 0,
			   "increase_reservation of %#llx extents into the hypervisor", (unsigned long long)huge[i]);
	}
	sec_expect(reservation(XENMEM_populate_physmap, list, 1, 10, DOMID_SELF), 0, "populate_physmap of order 10");
	sec_expect(reservation(XENMEM_populate_physmap, list, 1, 0xffffffffU, DOMID_SELF), 0,
		   "populate_physmap of order 2^32-1");
	sec_expect(reservation(XENMEM_increase_reservation, list, 1, 63, DOMID_SELF), 0, "increase_reservation of order 63");
	tc_check(hyp_memory_op(XENMEM_current_reservation, RT_PTR(&(domid_t){ DOMID_SELF })) == (long)cur,
		 "our reservation is still unchanged");

	/* The same frame twice in one batch: released once, the batch stops at the second. */
	list[0] = scr[1];
	list[1] = scr[1];
	sec_expect(reservation(XENMEM_decrease_reservation, list, 2, 0, DOMID_SELF), 1,
		   "a frame named twice is released once");
	sec_expect(hyp_update_va_mapping(RT_PTR(win), (scr[1] << 12) | SEC_PTE_KRO, UVMF_INVLPG), -XEN_EBUSY,
		   "the released frame can no longer be mapped");
	sec_expect(sec_ext1(MMUEXT_PIN_L1_TABLE, scr[1]), -XEN_EINVAL, "nor pinned");
	sec_expect(sec_mmu1((scr[1] << 12) | MMU_MACHPHYS_UPDATE, 0), -XEN_EINVAL, "nor given an M2P entry");
	/* Take a frame back, so that the reservation is what it was. */
	list[0] = 0;
	sec_expect(reservation(XENMEM_increase_reservation, list, 1, 0, DOMID_SELF), 1, "one frame back");
	/* Ours now, though no P2M entry names it: the foreign-frame sweep must not count it. */
	rt_printf("memop_evtchn: increase_reservation gave frame %#llx\n", (unsigned long long)list[0]);
	if (list[0] < OWN_BITS)
		own_bits[list[0] / 64] |= 1ULL << (list[0] % 64);
}

/*
 * Every machine frame that is not ours: freeing, M2P rewrites, plain
 * stores through mmu_update, pinning and copying into it must all be
 * refused (the heartbeat, dom0, checks its own pages and M2P entries).
 */
static void sweep_foreign_frames(void)
{
	uint64_t max = (uint64_t)hyp_memory_op(XENMEM_maximum_ram_page, 0), shinfo = rt_boot.si->shared_info >> 12;
	uint64_t tried = 0, freed = 0, m2p = 0, stored = 0, pinned = 0, copied = 0, reported = 0;
	struct mmuext_op cp = { .cmd = MMUEXT_COPY_PAGE };

	if (max > OWN_BITS)
		max = OWN_BITS;
	cp.arg2.src_mfn = sec_mfn_of(win);
	for (uint64_t m = 0; m < max; m++) {
		if (((own_bits[m / 64] >> (m % 64)) & 1) || m == shinfo)
			continue;
		long rf, rm, rs, rp, rc;

		tried++;
		rf = decrease1(m);
		rm = sec_mmu1((m << 12) | MMU_MACHPHYS_UPDATE, 0);
		rs = sec_mmu1((m << 12) + 8 * (m % 512), 0x5a5a5a5a5a5a5a5aULL);
		rp = sec_ext1(MMUEXT_PIN_L1_TABLE + (uint32_t)(m % 4), m);
		cp.arg1.mfn = m;
		rc = hyp_mmuext_op(RT_PTR(&cp), 1, 0, DOMID_SELF);
		freed += rf != 0;
		m2p += rm == 0;
		stored += rs == 0;
		pinned += rp == 0;
		copied += rc == 0;
		if ((rf != 0 || rm == 0 || rs == 0 || rp == 0 || rc == 0) && reported++ < 8)
			rt_printf("memop_evtchn: frame %#llx not ours: decrease %ld, M2P %ld, store %ld, pin %ld, copy %ld\n",
				  (unsigned long long)m, rf, rm, rs, rp, rc);
	}
	tc_check(tried > 1000 && !freed && !m2p && !stored && !pinned && !copied,
		 "%llu frames not ours: freed %llu, M2P rewritten %llu, stored into %llu, pinned %llu, copied into %llu",
		 (unsigned long long)tried, (unsigned long long)freed, (unsigned long long)m2p,
		 (unsigned long long)stored, (unsigned long long)pinned, (unsigned long long)copied);
}

static long evop(unsigned int cmd, void *arg)
{
	return hyp_event_channel_op(cmd, RT_PTR(arg));
}

static void event_channels(void)
{
	static const uint32_t bad_ports[] = { 4096, 4097, 65535, 1u << 31, 0xffffffffu };
	struct evtchn_send snd;
	struct evtchn_close cl;
	struct evtchn_unmask um;
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct evtchn_bind_interdomain bi = { .remote_dom = 0 };
	struct evtchn_status st;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_vcpu bvc;
	struct evtchn_reset rs;
	struct evtchn_bind_pirq bp = { .pirq = 1 };
	uint32_t ports[2];
	struct sched_poll poll = { .ports = RT_PTR(ports), .nr_ports = 1, .timeout = 1 };
	long rc;

	for (unsigned int i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		snd.port = bad_ports[i];
		sec_expect(evop(EVTCHNOP_send, &snd), -XEN_EINVAL, "send to port %#x", bad_ports[i]);
		cl.port = bad_ports[i];
		sec_expect(evop(EVTCHNOP_close, &cl), -XEN_EINVAL, "close port %#x", bad_ports[i]);
		um.port = bad_ports[i];
		sec_expect(evop(EVTCHNOP_unmask, &um), -XEN_EINVAL, "unmask port %#x", bad_ports[i]);
		st = (struct evtchn_status){ .dom = DOMID_SELF, .port = bad_ports[i] };
		sec_expect(evop(EVTCHNOP_status, &st), -XEN_EINVAL, "status of port %#x", bad_ports[i]);
		bvc = (struct evtchn_bind_vcpu){ .port = bad_ports[i], .vcpu = 0 };
		rc = evop(EVTCHNOP_bind_vcpu, &bvc);
		tc_check(rc == -XEN_EINVAL || rc == -XEN_ENOENT, "bind_vcpu of port %#x: %ld", bad_ports[i], rc);
		ports[0] = bad_ports[i];
		sec_expect(hyp_sched_op(SCHEDOP_poll, RT_PTR(&poll)), -XEN_EINVAL, "poll on port %#x", bad_ports[i]);
	}
	cl.port = 0;
	sec_expect(evop(EVTCHNOP_close, &cl), -XEN_EINVAL, "close port 0 (reserved)");
	snd.port = 77;
	sec_expect(evop(EVTCHNOP_send, &snd), -XEN_EINVAL, "send to a free port");

	/* A port of ours, unbound for dom0: send is dropped quietly, as on Xen; closed, it is refused. */
	sec_expect(evop(EVTCHNOP_alloc_unbound, &au), 0, "alloc_unbound for dom0");
	snd.port = au.port;
	sec_expect(evop(EVTCHNOP_send, &snd), 0, "send to an unbound port");
	cl.port = au.port;
	sec_expect(evop(EVTCHNOP_close, &cl), 0, "close it");
	sec_expect(evop(EVTCHNOP_send, &snd), -XEN_EINVAL, "send to the closed port");
	sec_expect(evop(EVTCHNOP_close, &cl), -XEN_EINVAL, "close it again");

	/* dom0's ports: it allocated none for us, so binding any must fail; its table is not ours to touch. */
	for (uint32_t p = 0; p < 8; p++) {
		bi.remote_port = p;
		rc = evop(EVTCHNOP_bind_interdomain, &bi);
		tc_check(rc == -XEN_EINVAL || rc == -XEN_EPERM, "bind_interdomain to dom0's port %u: %ld", p, rc);
	}
	st = (struct evtchn_status){ .dom = 0, .port = 1 };
	sec_expect(evop(EVTCHNOP_status, &st), -XEN_EPERM, "status of dom0's port 1");
	au = (struct evtchn_alloc_unbound){ .dom = 0, .remote_dom = DOMID_SELF };
	sec_expect(evop(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM, "alloc_unbound in dom0's table");
	rs.dom = 0;
	sec_expect(evop(EVTCHNOP_reset, &rs), -XEN_EPERM, "reset of dom0's ports");
	rs.dom = 0x7fee;
	sec_expect(evop(EVTCHNOP_reset, &rs), -XEN_ESRCH, "reset of a domain that does not exist");
	sec_expect(evop(EVTCHNOP_bind_pirq, &bp), -XEN_EPERM, "bind_pirq");

	bv = (struct evtchn_bind_virq){ .virq = 24, .vcpu = 0 };
	sec_expect(evop(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL, "bind_virq of VIRQ 24");
	bv = (struct evtchn_bind_virq){ .virq = 0xffffffffu, .vcpu = 0 };
	sec_expect(evop(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL, "bind_virq of VIRQ 2^32-1");
	bv = (struct evtchn_bind_virq){ .virq = 0, .vcpu = 1 };
	sec_expect(evop(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT, "bind_virq to vCPU 1 (we have one)");
	bv = (struct evtchn_bind_virq){ .virq = 0, .vcpu = 0xffffffffu };
	sec_expect(evop(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT, "bind_virq to vCPU 2^32-1");
	sec_expect(hyp_event_channel_op(EVTCHNOP_send, HV_TEXT), -XEN_EFAULT, "send reading from the hypervisor");
	sec_expect(hyp_event_channel_op(EVTCHNOP_status, MACH2PHYS_VIRT_START), -XEN_EFAULT,
		   "status reading from the M2P");
	sec_expect(hyp_event_channel_op(99, RT_PTR(&snd)), -XEN_ENOSYS, "unknown command");
}

void test_main(void)
{
	uint64_t pfns[4];

	if (sec_walk(RT_PTR(win), pt) || sec_scratch_pfns(pfns, 4) != 4) {
		tc_error("setup failed");
		return;
	}
	for (int i = 0; i < 4; i++)
		scr[i] = sec_p2m(pfns[i]);
	memory_ops();
	sweep_foreign_frames();
	event_channels();
}

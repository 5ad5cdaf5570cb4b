/* SPDX-License-Identifier: MIT */
/*
 * difftest_rows: the corners the differential tester (tests/conformance/diff)
 * listed as "not aligned" in docs/XEN_DEVIATIONS.md, held to Xen 4.17's
 * answers once aligned. Events stay masked throughout. Not Skiff-specific;
 * passes on Xen 4.17.
 *
 * - DT21 SCHEDOP_poll checks before it waits, in Xen's order: a port list
 *   whose start is no guest address is -EFAULT even for no ports; ports are
 *   read one by one and the first pending one answers 0 before a later
 *   invalid one is looked at; a port not in use (free, port 0, never
 *   allocated) is -EINVAL.
 * - DT18 EVTCHNOP_reset_cont with no reset in progress is -EBUSY;
 *   EVTCHNOP_status writes only the union fields of the port's state (the
 *   caller's other bytes stay).
 * - DT19 register_vcpu_info checks the offset (in the page, 8-byte
 *   aligned: -ENXIO) before the frame; set_periodic_timer takes periods
 *   from 1 ms to 2^62-1 ns (unsigned); register_runstate_memory_area checks
 *   only that the area starts at a guest address: an unmapped one is
 *   accepted (rc 0).
 * - DT15 set_debugreg of %dr6 (or its alias %dr4) with the upper half set
 *   is -EINVAL.
 * - DT22 GNTTABOP_copy: only DOMID_SELF may name a frame (the own numeric
 *   id is permission_denied); each element looks up both domains
 *   (bad_domain), then takes the source, then the destination, and only
 *   then checks the lengths (bad_copy_arg). setup_table and
 *   get_status_frames refuse a frame list that starts outside the guest's
 *   addresses (-EFAULT) before anything else, even for no frames; so do
 *   the batch operations (map, unmap, unmap_and_replace, transfer, copy,
 *   swap) for their array, even for a count of 0.
 * - PHYSDEVOP_set_iobitmap: -EFAULT, -EINVAL for a bitmap outside the
 *   guest's addresses or over 65536 ports, else kept; a port below the
 *   limit whose bit is clear is then let through at IOPL 0 (no #GP), any
 *   other (set, beyond the limit, bitmap unreadable) still #GP.
 * - with VMASST_TYPE_architectural_iopl the guest kernel counts as ring 0:
 *   at IOPL 0 its port I/O is let through instead of #GP.
 * - PHYSDEVOP_pirq_eoi_gmfn_v1/v2: -EFAULT, -EINVAL for a frame the guest
 *   may not write, else the page is kept, once per domain (-EBUSY after).
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "test.h"

#define FAR_PORT	4000u	/* in a bucket this guest never allocates */

static volatile struct shared_info *sh;

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time);
}

/* A short deadline: a poll that is (wrongly) allowed to wait returns 0 soon. */
static long poll_list(uint64_t ports, uint32_t n)
{
	struct sched_poll poll = { .ports = ports, .nr_ports = n, .timeout = now_ns() + 2000000 };

	return hyp_sched_op(SCHEDOP_poll, RT_PTR(&poll));
}

static long close_port(evtchn_port_t p)
{
	struct evtchn_close cl = { .port = p };

	return hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&cl));
}

/* A loopback pair: *a unbound then bound by *b (the bind leaves *b pending). */
static int loopback(evtchn_port_t *a, evtchn_port_t *b)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };

	if (hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)) != 0)
		return -1;
	bi.remote_port = au.port;
	if (hyp_event_channel_op(EVTCHNOP_bind_interdomain, RT_PTR(&bi)) != 0)
		return -1;
	*a = au.port;
	*b = bi.local_port;
	rt_port_clear_pending(sh, *a);
	rt_port_clear_pending(sh, *b);
	return 0;
}

static void check_poll(void)
{
	static evtchn_port_t list[4];
	struct evtchn_send snd;
	evtchn_port_t a, b;
	uint64_t t0;

	if (loopback(&a, &b) < 0) {
		tc_error("no loopback pair for the poll checks");
		return;
	}
	tc_expect_eq(poll_list(RT_BAD_PTR_NONCANON, 0), -XEN_EFAULT, "poll of no ports, list non-canonical");
	tc_expect_eq(poll_list(RT_BAD_PTR_HYPERVISOR, 0), -XEN_EFAULT, "poll of no ports, list in the hypervisor's range");
	t0 = now_ns();
	tc_expect_eq(poll_list(RT_BAD_PTR_UNMAPPED, 0), 0, "poll of no ports, list unmapped (nothing read)");
	tc_check(now_ns() - t0 >= 1000000, "and it waited for its deadline");
	tc_expect_eq(poll_list(RT_BAD_PTR_UNMAPPED, 1), -XEN_EFAULT, "poll of one port from an unmapped list");

	list[0] = a;
	list[1] = FAR_PORT;
	tc_expect_eq(poll_list(RT_PTR(list), 2), -XEN_EINVAL, "poll of an idle port and one never allocated");
	list[0] = 64;
	tc_expect_eq(poll_list(RT_PTR(list), 1), -XEN_EINVAL, "poll of port 64 (never allocated)");
	list[0] = 0;
	tc_expect_eq(poll_list(RT_PTR(list), 1), -XEN_EINVAL, "poll of port 0 (reserved)");
	list[0] = b + 1;
	tc_expect_eq(poll_list(RT_PTR(list), 1), -XEN_EINVAL, "poll of a free port in the first bucket");
	list[0] = b;
	tc_expect_eq(poll_list(RT_PTR(list), 1), 0, "poll of an idle port in use: waits for the deadline");
	snd.port = b;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_send, RT_PTR(&snd)), 0, "send to the polled port");
	tc_check(rt_port_pending(sh, a), "port %u is pending", a);
	list[0] = a;
	list[1] = FAR_PORT;
	tc_expect_eq(poll_list(RT_PTR(list), 2), 0, "poll: the pending port answers before the invalid one after it");
	list[0] = FAR_PORT;
	list[1] = a;
	tc_expect_eq(poll_list(RT_PTR(list), 2), -XEN_EINVAL, "poll: an invalid port before the pending one");
	tc_expect_eq(poll_list(RT_PTR(list), 129), -XEN_EINVAL, "poll of 129 ports");
	rt_port_clear_pending(sh, a);
	close_port(a);
	close_port(b);
	rt_port_clear_pending(sh, a);
	rt_port_clear_pending(sh, b);
}

static long status_prefilled(evtchn_port_t p, struct evtchn_status *st)
{
	memset(st, 0xee, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = p;
	return hyp_event_channel_op(EVTCHNOP_status, RT_PTR(st));
}

static void check_evtchn(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	struct evtchn_status st;

	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_reset_cont, RT_PTR(&rs)), -XEN_EBUSY,
		     "reset_cont with no reset in progress");
	rs.dom = 0x7ff5;
	tc_expect_eq(hyp_event_channel_op(EVTCHNOP_reset_cont, RT_PTR(&rs)), -XEN_ESRCH,
		     "reset_cont of no such domain (checked before -EBUSY)");

	if (hyp_event_channel_op(EVTCHNOP_bind_ipi, RT_PTR(&bi)) != 0 ||
	    hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)) != 0) {
		tc_error("no IPI or unbound port for the status checks");
		return;
	}
	tc_expect_eq(status_prefilled(bi.port, &st), 0, "status of an IPI port");
	tc_check(st.status == EVTCHNSTAT_ipi && st.vcpu == 0 && st.u.virq == 0xeeeeeeeeu,
		 "IPI: status %u, vcpu %u, the union left as given (%#x)", st.status, st.vcpu, st.u.virq);
	tc_expect_eq(status_prefilled(au.port, &st), 0, "status of an unbound port");
	tc_check(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0 && st.u.interdomain.pad == 0xeeee &&
			 st.u.interdomain.port == 0xeeeeeeeeu,
		 "unbound: remote dom %u written, the rest of the union left (%#x %#x)", st.u.unbound.dom,
		 st.u.interdomain.pad, st.u.interdomain.port);
	close_port(au.port);
	tc_expect_eq(status_prefilled(au.port, &st), 0, "status of the port closed again");
	tc_check(st.status == EVTCHNSTAT_closed && st.u.interdomain.dom == 0xeeee &&
			 st.u.interdomain.port == 0xeeeeeeeeu,
		 "closed: the union left as given (%#x %#x)", st.u.interdomain.dom, st.u.interdomain.port);
	close_port(bi.port);
	rt_port_clear_pending(sh, bi.port);
}

static long vcpu_info_at(uint64_t mfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };

	return hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, RT_PTR(&r));
}

static long period(uint64_t ns)
{
	struct vcpu_set_periodic_timer per = { .period_ns = ns };

	return hyp_vcpu_op(VCPUOP_set_periodic_timer, 0, RT_PTR(&per));
}

static long runstate_at(uint64_t addr)
{
	struct vcpu_register_runstate_memory_area r = { .addr = addr };

	return hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, RT_PTR(&r));
}

static void check_vcpu_op(void)
{
	static struct vcpu_runstate_info area;
	const uint64_t nobody = ~0ULL >> 12;	/* a frame nobody has: refused once the offset passes */

	tc_expect_eq(vcpu_info_at(nobody, 0x3f), -XEN_ENXIO, "vcpu_info at a misaligned offset (before the frame)");
	tc_expect_eq(vcpu_info_at(nobody, 4), -XEN_ENXIO, "vcpu_info at offset 4");
	tc_expect_eq(vcpu_info_at(nobody, 4096 - 32), -XEN_ENXIO, "vcpu_info past the page end");
	tc_expect_eq(vcpu_info_at(nobody, 64), -XEN_EINVAL, "vcpu_info aligned, in a frame nobody has");

	tc_expect_eq(period(999999), -XEN_EINVAL, "periodic timer under 1 ms");
	tc_expect_eq(period(1000000), 0, "periodic timer of 1 ms");
	tc_expect_eq(period((1ULL << 62) - 1), 0, "periodic timer of 2^62-1 ns");
	tc_expect_eq(period(1ULL << 62), -XEN_EINVAL, "periodic timer of 2^62 ns");
	tc_expect_eq(period(1ULL << 63), -XEN_EINVAL, "periodic timer of 2^63 ns (unsigned: not under 1 ms)");
	tc_expect_eq(period(~0ULL), -XEN_EINVAL, "periodic timer of 2^64-1 ns");
	tc_expect_eq(period(10000000), 0, "back to the 10 ms default");

	tc_expect_eq(runstate_at(RT_BAD_PTR_UNMAPPED), 0, "runstate area at an unmapped address (only its start is checked)");
	tc_expect_eq(runstate_at(0x00007fffffffffe0ULL), 0, "runstate area starting just below the canonical hole");
	tc_expect_eq(runstate_at(RT_BAD_PTR_NONCANON), -XEN_EFAULT, "runstate area non-canonical");
	tc_expect_eq(runstate_at(RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT, "runstate area in the hypervisor's range");
	memset(&area, 0xa5, sizeof(area));
	tc_expect_eq(runstate_at(RT_PTR(&area)), 0, "runstate area in our memory");
	tc_check(area.state == RUNSTATE_running, "and it is filled at once (state %d)", area.state);
	tc_expect_eq(runstate_at(0), 0, "runstate area unregistered");
}

static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

/* One GNTTABOP_copy element; returns its status (or the call's error, negative beyond int16). */
static long copy1(uint16_t flags, uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst, domid_t ddom,
		  uint16_t doff, uint16_t len)
{
	struct gnttab_copy c = {
		.source = { .u.gmfn = src, .domid = sdom, .offset = soff },
		.dest = { .u.gmfn = dst, .domid = ddom, .offset = doff },
		.len = len, .flags = flags, .status = 0x5555,
	};
	long rc = rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, RT_PTR(&c), 1);

	return rc ? rc - 100000 : c.status;
}

static void check_grant_copy(void)
{
	const uint64_t a = mfn_of(page_a), b = mfn_of(page_b), nobody = 0xfffffffffULL;
	const domid_t self_id = 0, none = 0x7ff5;	/* the tests boot as dom0 */

	memset(page_a, 0x3c, sizeof(page_a));
	memset(page_b, 0, sizeof(page_b));
	tc_expect_eq(copy1(0, a, DOMID_SELF, 0, b, DOMID_SELF, 8, 16), GNTST_okay, "copy between own frames (DOMID_SELF)");
	tc_check(page_b[8] == 0x3c && page_b[23] == 0x3c && page_b[24] == 0, "and the bytes moved");
	tc_expect_eq(copy1(0, a, self_id, 0, b, DOMID_SELF, 0, 16), GNTST_permission_denied,
		     "copy from an own frame named by the numeric domid (only DOMID_SELF may name frames)");
	tc_expect_eq(copy1(0, a, DOMID_SELF, 0, b, self_id, 0, 16), GNTST_permission_denied,
		     "copy to an own frame named by the numeric domid");
	tc_expect_eq(copy1(0, nobody, DOMID_SELF, 0, b, DOMID_SELF, 0, 16), GNTST_bad_page, "copy from no frame");
	tc_expect_eq(copy1(GNTCOPY_dest_gref, nobody, DOMID_SELF, 0, 1, none, 0, 16), GNTST_bad_domain,
		     "copy from no frame to a ref of no domain: the domains are looked up first");
	tc_expect_eq(copy1(0, nobody, DOMID_SELF, 0, b, DOMID_SELF, 4095, 2), GNTST_bad_page,
		     "copy from no frame beyond the page: the frames are taken before the lengths are checked");
	tc_expect_eq(copy1(0, a, DOMID_SELF, 0, b, DOMID_SELF, 4095, 2), GNTST_bad_copy_arg, "copy beyond the page");
	tc_expect_eq(copy1(0, nobody, DOMID_SELF, 0, b, self_id, 0, 16), GNTST_bad_page,
		     "copy from no frame to a frame named by number: the source is taken first");
	tc_expect_eq(copy1(0, nobody, self_id, 0, b, DOMID_SELF, 0, 16), GNTST_permission_denied,
		     "copy from no frame named by number: the permission before the frame");
	tc_expect_eq(copy1(0, a, DOMID_SELF, 0, b, none, 0, 16), GNTST_bad_domain,
		     "copy to a frame of no domain: bad_domain before the frame rule");
	tc_expect_eq(copy1(GNTCOPY_dest_gref, a, self_id, 0, 1, none, 0, 16), GNTST_bad_domain,
		     "copy from a frame by number to a ref of no domain: both domains before the source is taken");
}

static void check_grant_lists(void)
{
	struct gnttab_setup_table st = { .dom = 0x7ff5, .nr_frames = 0, .frame_list = RT_BAD_PTR_HYPERVISOR };
	struct gnttab_get_status_frames gs = { .nr_frames = 0, .dom = 0x7ff5, .frame_list = RT_BAD_PTR_NONCANON };

	tc_expect_eq(rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, RT_PTR(&st), 1), -XEN_EFAULT,
		     "setup_table of no frames for no domain, list in the hypervisor's range");
	tc_expect_eq(rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, RT_PTR(&gs), 1), -XEN_EFAULT,
		     "get_status_frames of no frames for no domain, list non-canonical");
	st.frame_list = RT_BAD_PTR_UNMAPPED;
	tc_expect_eq(rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, RT_PTR(&st), 1), 0,
		     "the same with an unmapped list: the call succeeds");
	tc_expect_eq(st.status, GNTST_bad_domain, "and the status says bad_domain");
	{
		/* unmap_and_replace looks at the handle before the address (seed 886): a handle never mapped is bad_handle. */
		struct gnttab_unmap_and_replace r = { .host_addr = 0, .new_addr = 0xc, .handle = 1, .status = 7 };

		tc_expect_eq(rt_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_and_replace, RT_PTR(&r), 1), 0,
			     "unmap_and_replace of handle 1 (never mapped) at address 0");
		tc_expect_eq(r.status, GNTST_bad_handle, "its status is bad_handle, not general_error");
	}
	/* The batch operations check where their array starts even for no elements (found by seed 85). */
	static const uint32_t batch_ops[] = { GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref, GNTTABOP_unmap_and_replace,
					      GNTTABOP_transfer, GNTTABOP_copy, GNTTABOP_swap_grant_ref };
	for (unsigned int i = 0; i < sizeof(batch_ops) / sizeof(batch_ops[0]); i++) {
		uint32_t op = batch_ops[i];
		long hv = rt_hypercall3(__HYPERVISOR_grant_table_op, op, RT_BAD_PTR_HYPERVISOR, 0);
		long hv_wide = rt_hypercall3(__HYPERVISOR_grant_table_op, op, RT_BAD_PTR_HYPERVISOR, 0x8000000000000000ULL);
		long nc = rt_hypercall3(__HYPERVISOR_grant_table_op, op, RT_BAD_PTR_NONCANON, 0);
		long null = rt_hypercall3(__HYPERVISOR_grant_table_op, op, 0, 0);

		tc_check(hv == -XEN_EFAULT, "grant op %u of no elements in the hypervisor's range: -EFAULT (got %ld)", op, hv);
		tc_check(hv_wide == -XEN_EFAULT, "grant op %u, count 2^63 (low half 0), same: -EFAULT (got %ld)", op, hv_wide);
		tc_check(nc == -XEN_EFAULT, "grant op %u of no elements, non-canonical: -EFAULT (got %ld)", op, nc);
		tc_check(null == 0, "grant op %u of no elements at address 0: 0 (got %ld)", op, null);
	}
}

static uint8_t eoi_page[2][4096] __attribute__((aligned(4096)));

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v1/v2 (any PV guest; nothing here needs an EOI):
 * an unreadable argument -EFAULT; a frame the guest may not write (past
 * the machine, its own L4) -EINVAL; then a page of its own is taken, once:
 * a second one, by v1 or v2, is -EBUSY. The page stays the guest's to read.
 */
/* From the start-of-day P2M: the runtime's own lookup needs its page set-up, which this test does not run. */
static uint64_t image_mfn(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long eoi_gmfn(uint32_t cmd, uint64_t arg)
{
	return rt_hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static void check_pirq_eoi(void)
{
	struct physdev_pirq_eoi_gmfn e = { .gmfn = 0xfffffffffULL };

	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "pirq_eoi_gmfn_v2 with an unreadable argument");
	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), -XEN_EINVAL,
		     "pirq_eoi_gmfn_v2 of a frame past the machine");
	e.gmfn = image_mfn((const void *)(uintptr_t)rt_boot.si->pt_base);
	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v1, RT_PTR(&e)), -XEN_EINVAL,
		     "pirq_eoi_gmfn_v1 of the guest's own L4 (a page table: not writable)");
	e.gmfn = image_mfn(eoi_page[0]);
	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), 0, "pirq_eoi_gmfn_v2 of a page of ours");
	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v2, RT_PTR(&e)), -XEN_EBUSY,
		     "the same page again: -EBUSY");
	e.gmfn = image_mfn(eoi_page[1]);
	tc_expect_eq(eoi_gmfn(PHYSDEVOP_pirq_eoi_gmfn_v1, RT_PTR(&e)), -XEN_EBUSY,
		     "another page through v1: -EBUSY (one EOI page per domain)");
	eoi_page[1][0] = 1;
	tc_check(eoi_page[0][0] == 0 && eoi_page[1][0] == 1, "both pages stay the guest's (no pirq needs an EOI)");
}

static volatile unsigned int gp_count;
static uint8_t iobmp[8192 + 1] __attribute__((aligned(4096)));

/* #GP from the port access below: counted and stepped over (in $0x80, %al is two bytes). */
static uint64_t io_gp(const uint64_t *frame)
{
	gp_count++;
	return frame[3] + 2;
}

/* One port read; whether it raised #GP. */
static bool in80_faults(void)
{
	unsigned int before = gp_count;
	uint8_t v = 0;

	__asm__ volatile("inb $0x80, %0" : "+a"(v) :: "memory");
	return gp_count != before;
}

static long iobitmap(uint64_t bitmap, uint32_t nr_ports)
{
	struct physdev_set_iobitmap b = { .bitmap = bitmap, .nr_ports = nr_ports };

	return rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, RT_PTR(&b));
}

static void check_iobitmap(void)
{
	static struct trap_info gp[2];

	gp[0].vector = 13;
	gp[0].cs = FLAT_KERNEL_CS;
	gp[0].address = RT_PTR(conf_gp_entry);
	conf_gp_hook = io_gp;
	if (hyp_set_trap_table(RT_PTR(gp)) != 0) {
		tc_error("set_trap_table for #GP failed");
		return;
	}
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "set_iobitmap from an unreadable argument");
	tc_expect_eq(iobitmap(RT_BAD_PTR_HYPERVISOR, 8), -XEN_EINVAL, "set_iobitmap with a bitmap in the hypervisor's range");
	tc_expect_eq(iobitmap(RT_BAD_PTR_NONCANON, 0), -XEN_EINVAL, "set_iobitmap with a non-canonical bitmap, no ports");
	tc_expect_eq(iobitmap(RT_PTR(iobmp), 65537), -XEN_EINVAL, "set_iobitmap of 65537 ports");
	tc_expect_eq(iobitmap(RT_BAD_PTR_UNMAPPED, 65536), 0, "set_iobitmap with an unmapped bitmap (kept, not read)");
	tc_check(in80_faults(), "port 0x80 at IOPL 0 with an unreadable bitmap: #GP");
	memset(iobmp, 0xff, sizeof(iobmp));
	iobmp[0x80 / 8] &= (uint8_t)~(1u << (0x80 % 8));
	tc_expect_eq(iobitmap(RT_PTR(iobmp), 65536), 0, "set_iobitmap allowing port 0x80 only");
	tc_check(!in80_faults(), "port 0x80 is let through (no #GP)");
	tc_expect_eq(iobitmap(RT_PTR(iobmp), 0x80), 0, "the same bitmap for ports below 0x80 only");
	tc_check(in80_faults(), "port 0x80 beyond the limit: #GP");
	iobmp[0x80 / 8] = 0xff;
	tc_expect_eq(iobitmap(RT_PTR(iobmp), 65536), 0, "a bitmap denying every port");
	tc_check(in80_faults(), "port 0x80 denied: #GP");
	tc_expect_eq(iobitmap(0, 0), 0, "no bitmap");
	tc_check(in80_faults(), "and port 0x80 at IOPL 0 faults again");
	/* VMASST_TYPE_architectural_iopl: the guest kernel counts as ring 0, so IOPL 0 already allows it I/O (found by seed 834). */
	tc_expect_eq(hyp_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0, "architectural_iopl on");
	tc_check(!in80_faults(), "port 0x80 at IOPL 0 with architectural_iopl: let through (no #GP)");
	tc_expect_eq(hyp_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0, "architectural_iopl off");
	tc_check(in80_faults(), "port 0x80 at IOPL 0 faults once more");
}

static void check_debugreg(void)
{
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 6, 1ULL << 32), -XEN_EINVAL, "%dr6 with its upper half set");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 4, 1ULL << 32), -XEN_EINVAL,
		     "%dr4 (%dr6's alias) with its upper half set");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 6, 0xffffffffULL), 0, "%dr6 with its lower half set");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_get_debugreg, 6, 0), 0xffffefffL, "%dr6 reads back, bit 12 forced clear");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_set_debugreg, 6, 0), 0, "%dr6 cleared");
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_get_debugreg, 6, 0), 0xffff0ff0L, "%dr6 reads its reserved ones");
}

void test_main(void)
{
	long rc;

	sh = rt_map_shared_info(&rc);
	if (!sh) {
		tc_fail("cannot map shared_info (update_va_mapping gave %ld)", rc);
		return;
	}
	check_poll();
	check_evtchn();
	check_vcpu_op();
	check_debugreg();
	check_grant_copy();
	check_grant_lists();
	check_iobitmap();
	check_pirq_eoi();
}

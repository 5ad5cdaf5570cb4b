/* SPDX-License-Identifier: MIT */
/*
 * bad_pointers (security suite), beside the heartbeat domain: every
 * pointer argument of every implemented hypercall (and the pointers
 * inside their structures) given each address no hypercall may use: the
 * hypervisor's range (M2P, direct map, text, its last word), non-canonical
 * addresses, ranges straddling into the hypervisor's slots, the canonical
 * hole, an unmapped page or the end of the address space, and output
 * pointers to the read-only mappings of our own page tables. Each must be
 * refused with -EFAULT (or what the ABI answers instead, named per row)
 * and change nothing; then huge counts (2^32-1, 2^63, -1) on every batched
 * hypercall.
 */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/version.h>
#include "test.h"
#include "sec_util.h"

/* zone[1] is the guard page (unmapped); arrays placed at the end of zone[0] run into it. */
static uint64_t zone[2][512] __attribute__((aligned(4096)));
#define guard zone[1]
static uint64_t buf[1024] __attribute__((aligned(4096)));
static uint64_t pt[5], l1_snap[512];
static volatile uint64_t *l1_va;

/* The addresses; the read-only page-table one is filled in at run time. */
static uint64_t bad[] = {
	0xffff800000000000ULL,	/* M2P: readable by guests, still not a hypercall argument */
	0xffff830000000000ULL,	/* direct map */
	0xffff82d080000000ULL,	/* text */
	0xffff87fffffffff8ULL,	/* last word of the hypervisor's range */
	0xffff7ffffffffffcULL,	/* straddles into the hypervisor's range */
	0x0000800000000000ULL,	/* first non-canonical */
	0xfffe000000000000ULL,	/* non-canonical, high */
	0x00007ffffffffffcULL,	/* straddles into the canonical hole */
	0xfffffffffffffff8ULL,	/* wraps around the end */
	0x1000,			/* unmapped */
	0,			/* guard page - 1 (set at run time): straddles into an unmapped page */
	0,			/* read-only page table (outputs only) */
};
#define NR_BAD		(sizeof(bad) / sizeof(bad[0]))
#define RO_PT		(NR_BAD - 1)

/*
 * One row: a call with its pointer argument p. out: the hypervisor writes
 * there (so it is also aimed at our read-only page table, where any error
 * will do as long as the table is not written). want: the expected result
 * (-EFAULT unless the row says otherwise); also: a second accepted result.
 */
struct row {
	const char *name;
	long (*call)(uint64_t p);
	int out;
	long want, also;
};
#define EF	-XEN_EFAULT

static long c_trap_table(uint64_t p) { return hyp_set_trap_table(p); }
static long c_mmu_reqs(uint64_t p) { return hyp_mmu_update(p, 1, 0, DOMID_SELF); }
static long c_mmu_done(uint64_t p)
{
	struct mmu_update u = { .ptr = (sec_mfn_of(buf) << 12) | MMU_MACHPHYS_UPDATE, .val = sec_pfn_of(buf) };

	return hyp_mmu_update(RT_PTR(&u), 1, p, DOMID_SELF);
}
static long c_ext_ops(uint64_t p) { return hyp_mmuext_op(p, 1, 0, DOMID_SELF); }
static long c_ext_done(uint64_t p)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	return hyp_mmuext_op(RT_PTR(&op), 1, p, DOMID_SELF);
}
static long c_ext_mask(uint64_t p)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI };

	op.arg2.vcpumask = p;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}
static long c_gdt(uint64_t p) { return rt_hypercall2(__HYPERVISOR_set_gdt, p, 16); }
static long c_multicall(uint64_t p) { return rt_hypercall2(__HYPERVISOR_multicall, p, 1); }
static long c_uvm_mask(uint64_t p)
{
	return hyp_update_va_mapping(RT_PTR(buf), (sec_mfn_of(buf) << 12) | SEC_PTE_KDATA, p & ~3ULL);
}
static long c_mem_res(uint64_t p) { return hyp_memory_op(XENMEM_decrease_reservation, p); }
static long c_mem_ext(uint64_t p)
{
	struct xen_memory_reservation r = { .extent_start = p, .nr_extents = 1, .domid = DOMID_SELF };

	return hyp_memory_op(XENMEM_increase_reservation, RT_PTR(&r));
}
static long c_mem_cur(uint64_t p) { return hyp_memory_op(XENMEM_current_reservation, p); }
static long c_mem_mapping(uint64_t p) { return hyp_memory_op(XENMEM_machphys_mapping, p); }
static long c_mem_mfnlist(uint64_t p) { return hyp_memory_op(XENMEM_machphys_mfn_list, p); }
static long c_mem_mfnlist_inner(uint64_t p)
{
	struct xen_machphys_mfn_list l = { .max_extents = 4, .extent_start = p };

	return hyp_memory_op(XENMEM_machphys_mfn_list, RT_PTR(&l));
}
static long c_mem_map(uint64_t p) { return hyp_memory_op(XENMEM_memory_map, p); }
static long c_mem_map_inner(uint64_t p)
{
	struct xen_memory_map m = { .nr_entries = 1, .buffer = p };

	return hyp_memory_op(XENMEM_memory_map, RT_PTR(&m));
}
static long c_version(uint64_t p) { return hyp_xen_version(XENVER_extraversion, p); }
static long c_version_caps(uint64_t p) { return hyp_xen_version(XENVER_capabilities, p); }
static long c_version_features(uint64_t p) { return hyp_xen_version(XENVER_get_features, p); }
static long c_version_params(uint64_t p) { return hyp_xen_version(XENVER_platform_parameters, p); }
static long c_console(uint64_t p) { return hyp_console_io(CONSOLEIO_write, 8, p); }
static long c_physdev(uint64_t p) { return rt_hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, p); }
static long c_vcpu_runstate_reg(uint64_t p) { return hyp_vcpu_op(VCPUOP_register_runstate_memory_area, 0, p); }
static long c_vcpu_runstate_get(uint64_t p) { return hyp_vcpu_op(VCPUOP_get_runstate_info, 0, p); }
static long c_vcpu_periodic(uint64_t p) { return hyp_vcpu_op(VCPUOP_set_periodic_timer, 0, p); }
static long c_vcpu_single(uint64_t p) { return hyp_vcpu_op(VCPUOP_set_singleshot_timer, 0, p); }
static long c_vcpu_info(uint64_t p) { return hyp_vcpu_op(VCPUOP_register_vcpu_info, 0, p); }
static long c_sched_shutdown(uint64_t p) { return hyp_sched_op(SCHEDOP_shutdown, p); }
static long c_sched_code(uint64_t p) { return hyp_sched_op(SCHEDOP_shutdown_code, p); }
static long c_sched_remote(uint64_t p) { return hyp_sched_op(SCHEDOP_remote_shutdown, p); }
static long c_sched_watchdog(uint64_t p) { return hyp_sched_op(SCHEDOP_watchdog, p); }
static long c_sched_poll(uint64_t p) { return hyp_sched_op(SCHEDOP_poll, p); }
static long c_sched_poll_ports(uint64_t p)
{
	struct sched_poll poll = { .ports = p, .nr_ports = 1, .timeout = 1 };

	return hyp_sched_op(SCHEDOP_poll, RT_PTR(&poll));
}
static long c_callback(uint64_t p) { return rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, p); }
static long c_callback_unreg(uint64_t p) { return rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_unregister, p); }
static long c_evtchn_compat(uint64_t p) { return rt_hypercall2(__HYPERVISOR_event_channel_op_compat, p, 0); }
#define EVC(cmd) static long c_ev_##cmd(uint64_t p) { return hyp_event_channel_op(EVTCHNOP_##cmd, p); }
EVC(alloc_unbound) EVC(bind_interdomain) EVC(bind_virq) EVC(bind_ipi) EVC(bind_pirq) EVC(close) EVC(send)
EVC(status) EVC(bind_vcpu) EVC(unmask) EVC(reset)

static const struct row rows[] = {
	{ "set_trap_table table", c_trap_table, 0, EF, EF },
	{ "mmu_update requests", c_mmu_reqs, 0, EF, EF },
	/* As Xen (measured: mmu_batch), a done count that cannot be written is lost; the batch's result stands. */
	{ "mmu_update done", c_mmu_done, 1, 0, 0 },
	{ "mmuext_op ops", c_ext_ops, 0, EF, EF },
	{ "mmuext_op done", c_ext_done, 1, 0, 0 },
	/* The vcpumask is read as Xen reads it: -EINVAL when it cannot be (measured: mmu_errors). */
	{ "mmuext_op TLB_FLUSH_MULTI vcpumask", c_ext_mask, 0, -XEN_EINVAL, -XEN_EINVAL },
	{ "set_gdt frame list", c_gdt, 0, EF, EF },
	{ "multicall list", c_multicall, 0, EF, EF },
	/* Without a flush type in the low bits neither Xen nor Skiff needs the mask: 0 is accepted too. */
	{ "update_va_mapping vcpumask (UVMF_MULTI)", c_uvm_mask, 0, EF, 0 },
	/* The reservation calls answer extents done, never an error code (as Xen): 0 of nothing. */
	{ "memory_op decrease_reservation struct", c_mem_res, 0, 0, 0 },
	/* An unusable extent list completes no extent: the result is the count done, 0. */
	{ "memory_op increase_reservation extent_start", c_mem_ext, 1, 0, 0 },
	{ "memory_op current_reservation domid", c_mem_cur, 0, EF, EF },
	{ "memory_op machphys_mapping", c_mem_mapping, 1, EF, EF },
	{ "memory_op machphys_mfn_list struct", c_mem_mfnlist, 0, EF, EF },
	{ "memory_op machphys_mfn_list extent_start", c_mem_mfnlist_inner, 1, EF, EF },
	{ "memory_op memory_map struct", c_mem_map, 0, EF, EF },
	{ "memory_op memory_map buffer", c_mem_map_inner, 1, EF, EF },
	{ "xen_version extraversion", c_version, 1, EF, EF },
	{ "xen_version capabilities", c_version_caps, 1, EF, EF },
	{ "xen_version get_features", c_version_features, 1, EF, EF },
	{ "xen_version platform_parameters", c_version_params, 1, EF, EF },
	{ "console_io write buffer", c_console, 0, EF, EF },
	{ "physdev_op set_iopl", c_physdev, 0, EF, EF },
	{ "vcpu_op register_runstate_memory_area struct", c_vcpu_runstate_reg, 0, EF, EF },
	{ "vcpu_op get_runstate_info", c_vcpu_runstate_get, 1, EF, EF },
	{ "vcpu_op set_periodic_timer", c_vcpu_periodic, 0, EF, EF },
	{ "vcpu_op set_singleshot_timer", c_vcpu_single, 0, EF, EF },
	{ "vcpu_op register_vcpu_info", c_vcpu_info, 0, EF, EF },
	{ "sched_op shutdown", c_sched_shutdown, 0, EF, EF },
	{ "sched_op shutdown_code", c_sched_code, 0, EF, EF },
	{ "sched_op remote_shutdown", c_sched_remote, 0, EF, -XEN_EPERM },
	{ "sched_op watchdog", c_sched_watchdog, 0, EF, EF },
	{ "sched_op poll struct", c_sched_poll, 0, EF, EF },
	{ "sched_op poll ports", c_sched_poll_ports, 0, EF, EF },
	{ "callback_op register", c_callback, 0, EF, EF },
	{ "callback_op unregister", c_callback_unreg, 0, EF, EF },
	{ "event_channel_op_compat", c_evtchn_compat, 0, EF, EF },
	{ "evtchn alloc_unbound", c_ev_alloc_unbound, 1, EF, EF },
	{ "evtchn bind_interdomain", c_ev_bind_interdomain, 1, EF, EF },
	{ "evtchn bind_virq", c_ev_bind_virq, 1, EF, EF },
	{ "evtchn bind_ipi", c_ev_bind_ipi, 1, EF, EF },
	{ "evtchn bind_pirq", c_ev_bind_pirq, 1, EF, EF },
	{ "evtchn close", c_ev_close, 0, EF, EF },
	{ "evtchn send", c_ev_send, 0, EF, EF },
	{ "evtchn status", c_ev_status, 1, EF, EF },
	{ "evtchn bind_vcpu", c_ev_bind_vcpu, 0, EF, EF },
	{ "evtchn unmask", c_ev_unmask, 0, EF, EF },
	{ "evtchn reset", c_ev_reset, 0, EF, EF },
};

static void pointer_rows(void)
{
	for (unsigned int r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		unsigned int wrong = 0;
		long first_rc = 0;

		for (unsigned int b = 0; b < NR_BAD; b++) {
			long rc, want = rows[r].want;
			int ok;

			if (b == RO_PT && !rows[r].out)
				continue;
			rc = rows[r].call(bad[b]);
			ok = rc == want || rc == rows[r].also || (b == RO_PT && rc < 0);
			if (!ok) {
				if (!wrong++)
					first_rc = rc;
				rt_printf("bad_pointers: %s at %#llx: got %ld, expected %ld\n", rows[r].name,
					  (unsigned long long)bad[b], rc, want);
			}
		}
		tc_check(wrong == 0, "%s: every bad pointer refused (%u not, e.g. %ld)", rows[r].name, wrong, first_rc);
	}
}

static void check_l1(void)
{
	unsigned int diffs = 0;

	for (unsigned int i = 0; i < 512; i++)
		if ((l1_va[i] ^ l1_snap[i]) & ~(SEC_PTE_A | SEC_PTE_D) && ++diffs <= 4)
			rt_printf("bad_pointers: L1 slot %u: %#llx -> %#llx\n", i, (unsigned long long)l1_snap[i],
				  (unsigned long long)l1_va[i]);
	tc_check(diffs == 0, "our live L1 (the read-only output target) is unchanged (%u entries differ)", diffs);
}

/* Huge counts on every batched call, with a valid first element followed by the guard page. */
static void huge_counts(void)
{
	static const uint64_t counts[] = { 0xffffffffULL, 1ULL << 63, ~0ULL, 1ULL << 32, 0x80000000ULL, 4097 };
	struct mmu_update *u = (void *)((char *)guard - sizeof(*u));
	struct mmuext_op *op = (void *)((char *)guard - sizeof(*op));
	struct multicall_entry *mc = (void *)((char *)guard - sizeof(*mc));
	uint32_t *ports = (uint32_t *)((char *)guard - 4);

	u->ptr = (sec_mfn_of(buf) << 12) | MMU_MACHPHYS_UPDATE;
	u->val = sec_pfn_of(buf);
	op->cmd = MMUEXT_TLB_FLUSH_LOCAL;
	mc->op = __HYPERVISOR_xen_version;
	mc->args[0] = XENVER_version;
	*ports = 1;
	for (unsigned int i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		uint64_t n = counts[i];
		long rc;
		struct sched_poll poll = { .ports = RT_PTR(ports), .nr_ports = (uint32_t)n, .timeout = 1 };

		/*
		 * The counts are unsigned int in Xen's prototypes: only the low 32
		 * bits count (2^32 and 2^63 are empty batches). Both work through
		 * an MMU batch or a multicall (preempting) until the guard faults.
		 */
		bool empty = (uint32_t)n == 0;
		/* Bit 31 of an MMU count is MMU_UPDATE_PREEMPTED, a continuation's mark: 2^31 resumes nothing. */
		bool mmu_empty = ((uint32_t)n & ~MMU_UPDATE_PREEMPTED) == 0;

		rc = hyp_mmu_update(RT_PTR(u), n, 0, DOMID_SELF);
		tc_check(mmu_empty ? rc == 0 : rc == -XEN_EFAULT, "mmu_update count %#llx: %ld",
			 (unsigned long long)n, rc);
		rc = hyp_mmuext_op(RT_PTR(op), n, 0, DOMID_SELF);
		tc_check(mmu_empty ? rc == 0 : rc == -XEN_EFAULT, "mmuext_op count %#llx: %ld",
			 (unsigned long long)n, rc);
		rc = rt_hypercall2(__HYPERVISOR_multicall, RT_PTR(mc), n);
		tc_check(empty ? rc == 0 : rc == -XEN_EFAULT, "multicall count %#llx: %ld",
			 (unsigned long long)n, rc);
		rc = rt_hypercall2(__HYPERVISOR_set_gdt, RT_PTR(buf), n);
		sec_expect(rc, empty ? 0 : -XEN_EINVAL, "set_gdt entries %#llx", (unsigned long long)n);
		rc = hyp_console_io(CONSOLEIO_write, n, RT_PTR(guard) - 8);
		/* The count is 32 bits in the ABI: 2^32 and 2^63 are 0 bytes. */
		tc_check(rc == -XEN_EFAULT || rc == -XEN_E2BIG || (rc == 0 && (uint32_t)n == 0),
			 "console_io write count %#llx: %ld", (unsigned long long)n, rc);
		rc = hyp_sched_op(SCHEDOP_poll, RT_PTR(&poll));
		tc_check(rc == -XEN_EINVAL || (rc == 0 && (uint32_t)n == 0), "poll nr_ports %#x: %ld", (uint32_t)n, rc);
		struct xen_memory_reservation res = { .extent_start = RT_PTR(guard) - 8, .nr_extents = n,
						      .domid = DOMID_SELF };
		rc = hyp_memory_op(XENMEM_populate_physmap, RT_PTR(&res));
		tc_check(rc >= 0 && rc <= 1, "populate_physmap nr_extents %#llx completes at most the one readable extent: %ld",
			 (unsigned long long)n, rc);
		if (rc == 1) {
			uint64_t back = *(volatile uint64_t *)(RT_PTR(guard) - 8);
			struct xen_memory_reservation dec = { .extent_start = RT_PTR(&back), .nr_extents = 1,
							      .domid = DOMID_SELF };

			sec_expect(hyp_memory_op(XENMEM_decrease_reservation, RT_PTR(&dec)), 1, "and it goes back");
		}
	}
}

void test_main(void)
{
	if (sec_walk(RT_PTR(buf), pt)) {
		tc_error("setup failed");
		return;
	}
	l1_va = sec_va_of_mfn(pt[1]);
	bad[NR_BAD - 2] = RT_PTR(guard) - 1;
	bad[RO_PT] = RT_PTR(l1_va) + 8;
	if (hyp_update_va_mapping(RT_PTR(guard), 0, UVMF_INVLPG)) {
		tc_error("cannot unmap the guard page");
		return;
	}
	for (unsigned int i = 0; i < 512; i++)
		l1_snap[i] = l1_va[i];
	pointer_rows();
	check_l1();
	huge_counts();
	sec_restore_traps();
}

/* SPDX-License-Identifier: MIT */
/*
 * fuzz (security suite): a seeded random hypercall fuzzer, run beside the
 * heartbeat domain. Hypercall numbers 0..63 (implemented or not), every
 * argument drawn from edge cases: 0, -1, small and 32-bit boundary values,
 * upper halves set, non-canonical and hypervisor addresses (M2P, direct
 * map, text), the machine addresses of its own page tables, pointers to
 * unmapped pages, to a guard page, straddling into it, to its own
 * read-only page tables, and valid buffers with hostile contents.
 *
 * What it must not do is kill itself legitimately, or the run would end
 * early: it never calls iret, SCHEDOP_shutdown/block/watchdog, VCPUOP_down
 * or send_nmi on its own vCPU; its requests that could legitimately
 * succeed only ever touch scratch frames (unmapped PFNs at the top of its
 * memory), a window page and pages set aside for the vCPU areas; frames
 * of its image and live tables appear only in requests the rules refuse.
 * Its trap table and debug registers are put back after each call that
 * may change them. Command line: secs=N seed=S report=N (seconds between
 * count tables).
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/memory.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "test.h"
#include "sec_util.h"

#define NR_HC		64
#define NR_SCRATCH	16

enum rc_class { R_OK, R_POS, R_EPERM, R_ENOENT, R_ESRCH, R_ENOMEM, R_EFAULT, R_EBUSY, R_EEXIST,
		R_EINVAL, R_ENOSYS, R_OTHER, NR_RC };
static const char *const rc_name[NR_RC] = { "ok", "pos", "EPERM", "ENOENT", "ESRCH", "ENOMEM", "EFAULT",
					     "EBUSY", "EEXIST", "EINVAL", "ENOSYS", "other" };

static uint64_t counts[NR_HC][NR_RC], skipped, nested, other_seen[NR_HC];
static uint64_t rng;

/*
 * Page 0: arrays the hypervisor reads, laid out to end at the guard (page
 * 1, unmapped); page 2: where vcpu_info may move; page 3: runstate and
 * time areas; page 4: a second guard.
 */
static uint8_t area[5][4096] __attribute__((aligned(4096)));
static uint64_t window[512] __attribute__((aligned(4096)));
static uint64_t canary[2][512] __attribute__((aligned(4096)));
static const char printable[16] = "fuzz.fuzz.fuzz.\n";

#define OWN_BITS	(1u << 20)
static uint64_t own_bits[OWN_BITS / 64];
static uint64_t scratch_pfn[NR_SCRATCH], scratch_mfn[NR_SCRATCH], pt_mfn[5], image_pfns, image_pfn0;
static unsigned int nr_scratch;
/* Where our tables are mapped, noted at the start: the M2P is no longer consulted afterwards. */
static uint64_t pt_va[5];

#define GUARD		RT_PTR(area[1])
#define AREA_PAGE	RT_PTR(area[3])

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

static enum rc_class classify(long rc)
{
	switch (rc) {
	case 0: return R_OK;
	case -XEN_EPERM: return R_EPERM;
	case -XEN_ENOENT: return R_ENOENT;
	case -XEN_ESRCH: return R_ESRCH;
	case -XEN_ENOMEM: return R_ENOMEM;
	case -XEN_EFAULT: return R_EFAULT;
	case -XEN_EBUSY: return R_EBUSY;
	case -XEN_EEXIST: return R_EEXIST;
	case -XEN_EINVAL: return R_EINVAL;
	case -XEN_ENOSYS: return R_ENOSYS;
	default: return rc > 0 ? R_POS : R_OTHER;
	}
}

/* Machine frames by kind: none of them can be one the fuzzer needs. */
static uint64_t frame_scratch(void)
{
	return scratch_mfn[below(nr_scratch)];
}

static int own(uint64_t mfn)
{
	mfn &= SEC_PTE_ADDR >> 12;
	return mfn < OWN_BITS && (own_bits[mfn / 64] >> (mfn % 64)) & 1;
}

/* Frames that are not ours (free, another domain's, the hypervisor's, absent), as a PTE would name them. */
static uint64_t frame_refusable(void)
{
	for (;;) {
		uint64_t m;

		switch (below(5)) {
		case 0: m = 0x1000 + below(0x7000); break;		/* RAM, someone else's or free */
		case 1: m = (1ULL << 28) + below(1ULL << 30); break;	/* beyond any RAM */
		case 2: m = below(0x100); break;			/* low memory, the hypervisor's */
		case 3: m = rnd() >> below(64); break;			/* anything */
		default: m = ~0ULL >> (24 + below(13)); break;
		}
		if (!own(m))
			return m;
	}
}

static uint64_t frame_pt(void)
{
	return pt_mfn[1 + below(4)];
}

static uint64_t frame_image(void)
{
	return sec_p2m(image_pfn0 + below(image_pfns));
}

static uint64_t hv_addr(void)
{
	static const uint64_t bases[] = { 0xffff800000000000ULL, 0xffff830000000000ULL, 0xffff82d080000000ULL,
					  0xffff87fffffff000ULL, 0xffff880000000000ULL - 8 };

	return bases[below(5)] + (below(4) ? below(0x10000) : rnd() & 0x3ffffffffULL);
}

/* A scalar argument. */
static uint64_t edge(void)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 511, 512, 4095, 4096, 0x7fff,
		DOMID_SELF, DOMID_IO, DOMID_XEN, DOMID_INVALID, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 1ULL << 63, (1ULL << 63) - 1, ~0ULL, ~1ULL, ~0xfffULL,
		0x0000800000000000ULL, 0x00007ffffffff000ULL, 0xfffffffffffff000ULL,
	};

	switch (below(10)) {
	case 0: case 1: case 2: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
	case 3: return below(64);
	case 4: return hv_addr();
	case 5: return (rnd() & 0xffffffff00000000ULL) | below(16);	/* upper half set */
	case 6: return frame_pt() << 12 | (below(512) * 8);
	case 7: return frame_refusable() << (below(2) * 12);
	case 8: return (uint32_t)rnd();
	default: return rnd();
	}
}

/* A pointer argument: an address no hypercall may use, or a buffer of ours (read-only ones only if ro_ok). */
static uint64_t bad_ptr(int ro_ok)
{
	switch (below(ro_ok ? 9 : 8)) {
	case 0: return 0;
	case 1: return RT_BAD_PTR_UNMAPPED + below(64) * 8;
	case 2: return GUARD + below(4096);
	case 3: return hv_addr();
	case 4: return MACH2PHYS_VIRT_START + below(0x1000) * 8;
	case 5: return RT_BAD_PTR_NONCANON + (below(2) ? below(0x1000) : rnd() & 0x7fffffffffffULL);
	case 6: return (rnd() | 0x8000000000000000ULL) & ~0x0000800000000000ULL;	/* non-canonical, high */
	case 7: return 0x00007ffffffff000ULL + below(0x1000);
	default: return pt_va[1 + below(4)] + below(512) * 8;	/* our tables, mapped read-only */
	}
}

/* Hostile buffer contents: edge values, and now and then a pointer into the buffer itself. */
static void fill(void *buf, unsigned int words)
{
	uint64_t *w = buf;

	for (unsigned int i = 0; i < words; i++)
		w[i] = below(8) ? edge() : RT_PTR(area[0]) + below(512) * 8;
}

static uint64_t buf_ptr(unsigned int need)
{
	uint64_t off;

	switch (below(4)) {
	case 0: off = 0; break;
	case 1: off = 4096 - need; break;			/* ends at the guard */
	case 2: off = 4096 - need / 2 - 1; break;		/* straddles into the guard */
	default: off = below(4096 - need) & ~7ULL; break;
	}
	fill(area[0] + (off & ~7ULL), (unsigned int)((4096 - (off & ~7ULL)) / 8 < 64 ? (4096 - (off & ~7ULL)) / 8 : 64));
	return RT_PTR(area[0]) + off;
}

static uint64_t ptr(int ro_ok, unsigned int need)
{
	return below(3) ? buf_ptr(need) : bad_ptr(ro_ok);
}

/* An array of n elements of size sz placed to end exactly at the guard. */
static void *tail_array(unsigned int n, unsigned int sz)
{
	return area[0] + 4096 - n * sz;
}

/* A count for a batch of n prepared entries. */
static uint64_t count(unsigned int n)
{
	switch (below(6)) {
	case 0: return n;
	case 1: return below(n + 1);
	case 2: return n + 1;
	default: return edge();
	}
}

/* A PTE value for a frame that may be any kind; the caller decides where it may go. */
static uint64_t pte_of(uint64_t mfn)
{
	uint64_t flags = rnd() & 0x1ff;

	if (below(8) == 0)
		flags |= rnd() & 0xfff0000000000000ULL;
	if (below(8))
		flags |= SEC_PTE_P;
	return (mfn << 12) | flags;
}

static void mmu_req(struct mmu_update *r)
{
	switch (below(5)) {
	case 0: {	/* our live tables: only present entries naming frames nothing may map */
		unsigned int lvl = 1 + (unsigned int)below(4);

		/* Commands 0 and 2 only: an M2P update (1) of our own table would be accepted, and is ours to keep. */
		r->ptr = (pt_mfn[lvl] << 12) + below(512) * 8 + (below(2) ? MMU_PT_UPDATE_PRESERVE_AD : 0);
		r->val = (frame_refusable() << 12) | SEC_PTE_P | (rnd() & 0x7e);
		break;
	}
	case 1: case 2: {	/* scratch frames: anything goes */
		static uint64_t (*const kinds[])(void) = { frame_scratch, frame_pt, frame_image, frame_refusable };

		r->ptr = (frame_scratch() << 12) + below(512) * 8 + below(3);
		r->val = pte_of(kinds[below(4)]());
		break;
	}
	case 3:		/* M2P updates of scratch frames; misaligned commands anywhere */
		if (below(2))
			r->ptr = (frame_scratch() << 12) | MMU_MACHPHYS_UPDATE;
		else
			r->ptr = (frame_pt() << 12) + below(512) * 8 + 4 + below(4);
		r->val = edge();
		break;
	default:
		r->ptr = (frame_refusable() << 12) + below(4096);
		r->val = edge();
		break;
	}
}

static long do_mmu_update(uint64_t *a)
{
	unsigned int n = 1 + (unsigned int)below(32);
	struct mmu_update *req = tail_array(n, sizeof(*req));

	for (unsigned int i = 0; i < n; i++)
		mmu_req(&req[i]);
	a[0] = below(4) ? RT_PTR(req) : bad_ptr(0);
	a[1] = count(n);
	a[2] = below(2) ? RT_PTR(area[0]) : bad_ptr(1);
	a[3] = below(4) ? DOMID_SELF : edge();
	return rt_hypercall5(__HYPERVISOR_mmu_update, a[0], a[1], a[2], a[3], a[4]);
}

static void ext_op(struct mmuext_op *op)
{
	static uint64_t (*const kinds[])(void) = { frame_scratch, frame_pt, frame_image, frame_refusable };

	op->cmd = below(8) ? (uint32_t)below(22) : (uint32_t)edge();
	op->pad = (uint32_t)edge();
	op->arg1.mfn = kinds[below(4)]();
	op->arg2.src_mfn = below(2) ? kinds[below(4)]() : edge();
	switch (op->cmd) {
	case MMUEXT_NEW_BASEPTR:	/* a scratch frame would validate as an empty L4 and we would run on it */
		if (op->arg1.mfn != pt_mfn[4])
			op->arg1.mfn = below(2) ? frame_refusable() : frame_pt();
		break;
	case MMUEXT_NEW_USER_BASEPTR:
		/* Skiff clears the M2P slot of a user L4 (Xen only with m2p_strict): never our kernel L4. */
		if (op->arg1.mfn == pt_mfn[4])
			op->arg1.mfn = frame_scratch();
		break;
	case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_MULTI: case MMUEXT_SET_LDT:
		op->arg1.linear_addr = below(2) ? edge() : RT_PTR(area[below(4)]) + below(4096);
		break;
	case MMUEXT_CLEAR_PAGE: case MMUEXT_COPY_PAGE:	/* never into our image */
		if (below(2))
			op->arg1.mfn = frame_scratch();
		else
			op->arg1.mfn = below(2) ? frame_pt() : frame_refusable();
		break;
	default:
		break;
	}
	if (op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI)
		op->arg2.vcpumask = below(2) ? RT_PTR(area[0]) : bad_ptr(1);
}

static long do_mmuext_op(uint64_t *a)
{
	unsigned int n = 1 + (unsigned int)below(16);
	struct mmuext_op *op = tail_array(n, sizeof(*op));

	for (unsigned int i = 0; i < n; i++)
		ext_op(&op[i]);
	a[0] = below(4) ? RT_PTR(op) : bad_ptr(0);
	a[1] = count(n);
	a[2] = below(2) ? RT_PTR(area[0]) : bad_ptr(1);
	a[3] = below(4) ? DOMID_SELF : edge();
	return rt_hypercall5(__HYPERVISOR_mmuext_op, a[0], a[1], a[2], a[3], a[4]);
}

/* update_va_mapping(_otherdomain): only the window page or addresses that map nothing of ours. */
static long do_uvm(uint64_t nr, uint64_t *a)
{
	static uint64_t (*const kinds[])(void) = { frame_scratch, frame_pt, frame_image, frame_refusable };

	a[0] = below(2) ? RT_PTR(window) + (below(4) ? 0 : below(4096)) : bad_ptr(0);
	if (a[0] >= RT_VIRT_BASE && (a[0] & ~0xfffULL) != RT_PTR(window))
		a[0] = RT_PTR(window);
	a[1] = pte_of(kinds[below(4)]());
	a[2] = below(2) ? below(8) : below(2) ? (RT_PTR(area[0]) | below(4)) : edge();
	a[3] = below(2) ? DOMID_SELF : edge();
	return rt_hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
}

/*
 * Frames a reservation gave us are ours: frame_refusable() must never draw
 * one, or a NEW_BASEPTR "refused" draw switches us onto our own fresh,
 * zeroed frame (a valid empty L4) and we crash ourselves. Marking a frame
 * ours only ever takes it out of the refusable draws.
 */
static long memory_op_learn(uint64_t cmd, long rc, const uint64_t *ext, unsigned int n)
{
	const struct xen_memory_reservation *res = (const void *)area[0];

	if ((cmd != XENMEM_increase_reservation && cmd != XENMEM_populate_physmap) || rc <= 0 || !ext ||
	    res->extent_start != RT_PTR(ext) || res->extent_order > 9)
		return rc;
	for (long i = 0; i < rc && i < (long)n; i++)
		for (uint64_t m = ext[i]; m < ext[i] + (1ULL << res->extent_order); m++)
			if (m < OWN_BITS)
				own_bits[m / 64] |= 1ULL << (m % 64);
	return rc;
}

static long do_memory_op(uint64_t *a)
{
	uint64_t cmd = below(3) ? below(4) + (below(2) ? 0 : 6) /* 0..3, 6..9 */ : edge();
	uint64_t *ext = NULL;
	unsigned int n = 0;

	if (cmd == XENMEM_increase_reservation || cmd == XENMEM_decrease_reservation ||
	    cmd == XENMEM_populate_physmap) {
		struct xen_memory_reservation *res = (void *)area[0];

		n = 1 + (unsigned int)below(16);
		ext = tail_array(n, 8);
		/* PV guests name machine frames here: scratch ones, in-use ones (refused), others'. */
		for (unsigned int i = 0; i < n; i++)
			ext[i] = below(2) ? frame_scratch() : below(2) ? frame_pt() : below(2) ? frame_image() :
				 below(2) ? frame_refusable() : edge();
		res->extent_start = below(4) ? RT_PTR(ext) : bad_ptr(0);
		res->nr_extents = count(n);
		res->extent_order = below(2) ? 0 : (uint32_t)edge();
		res->mem_flags = below(2) ? 0 : (uint32_t)edge();
		res->domid = below(2) ? DOMID_SELF : (domid_t)edge();
		cmd |= below(4) ? 0 : (edge() << 6);	/* the continuation's start extent */
		a[1] = below(5) ? RT_PTR(res) : bad_ptr(0);
	} else {
		/* Queries and unknown commands read a domid or write a small structure. */
		a[1] = below(2) ? bad_ptr(1) : RT_PTR(area[0]) + 2048;
		*(uint16_t *)(area[0] + 2048) = below(2) ? DOMID_SELF : (uint16_t)edge();
	}
	a[0] = cmd;
	return memory_op_learn(cmd & MEMOP_CMD_MASK, rt_hypercall5(__HYPERVISOR_memory_op, a[0], a[1], a[2], a[3], a[4]),
			       ext, n);
}

static long do_sched_op(uint64_t nr, uint64_t *a)
{
	struct sched_poll *poll = (void *)area[0];
	struct sched_remote_shutdown *rs = (void *)(area[0] + 64);

	switch (below(6)) {
	case 0:
		a[0] = SCHEDOP_yield;
		break;
	case 1:		/* a well-formed poll must have a near deadline: timeout 0 means forever */
		a[0] = nr == __HYPERVISOR_sched_op ? SCHEDOP_poll : SCHEDOP_yield;
		poll->ports = below(2) ? RT_PTR(area[0]) + 512 : bad_ptr(1);
		poll->nr_ports = (uint32_t)(below(2) ? below(4) : edge());
		poll->timeout = sec_now_ns() + 1 + below(1000000);
		/* Readable memory of ours could hold timeout 0 with no ports: blocked for good (as on Xen). */
		a[1] = below(3) ? RT_PTR(poll) : bad_ptr(0);
		break;
	case 2:		/* somebody else's domain, or bad pointers */
		a[0] = nr == __HYPERVISOR_sched_op ? SCHEDOP_remote_shutdown : SCHEDOP_yield;
		/* Skiff lets a domain remote_shutdown itself (Xen says EPERM); the fuzzer is domain 1. */
		do
			rs->domain_id = (domid_t)(below(2) ? below(4) : edge());
		while (rs->domain_id == 1);
		rs->reason = (uint32_t)below(6);
		a[1] = below(2) ? RT_PTR(rs) : bad_ptr(1);
		break;
	case 3:
		a[0] = below(2) ? SCHEDOP_shutdown_code : SCHEDOP_pin_override;
		a[1] = ptr(1, 16);
		break;
	case 4:		/* shutdown and watchdog only with pointers that cannot be read */
		a[0] = below(2) ? SCHEDOP_shutdown : SCHEDOP_watchdog;
		a[1] = bad_ptr(0);
		if (a[1] == 0 && a[0] == SCHEDOP_watchdog)
			a[1] = GUARD;
		if (nr != __HYPERVISOR_sched_op)
			a[0] = 0;
		break;
	default:	/* unknown commands */
		a[0] = below(2) ? below(100) + 8 : edge() | 8;
		if ((uint32_t)a[0] <= SCHEDOP_pin_override)
			a[0] = 99;
		a[1] = ptr(1, 16);
		break;
	}
	return rt_hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
}

static long do_vcpu_op(uint64_t *a)
{
	uint64_t cmd = below(8) ? below(16) : edge();
	uint64_t *words = (uint64_t *)area[0];
	struct vcpu_register_vcpu_info vi_try = { .mfn = ~0ULL };
	long rc;

	a[0] = cmd;
	a[1] = below(3) ? 0 : edge();
	/* Our only vCPU taken down would never come back: any other number (Xen reads 32 bits of it). */
	if ((uint32_t)cmd == VCPUOP_down || (uint32_t)cmd == VCPUOP_send_nmi)
		while ((uint32_t)a[1] == 0)
			a[1] = edge();
	switch ((uint32_t)cmd) {
	case VCPUOP_register_vcpu_info: {
		/* The dedicated page or frames that must be refused; never a scratch frame we might free. */
		struct vcpu_register_vcpu_info *vi = (void *)words;

		vi->mfn = below(2) ? sec_mfn_of(area[2]) : below(2) ? frame_pt() : frame_refusable();
		vi->offset = (uint32_t)(below(2) ? below(64) * 64 : edge());
		vi_try = *vi;
		vi->rsvd = below(4) ? 0 : (uint32_t)edge();
		a[2] = below(4) ? RT_PTR(vi) : bad_ptr(1);
		break;
	}
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_vcpu_time_memory_area:
		words[0] = below(2) ? AREA_PAGE + (below(2) ? below(64) * 64 : 4096 - below(48)) : bad_ptr(1);
		a[2] = below(4) ? RT_PTR(words) : bad_ptr(1);
		break;
	case VCPUOP_set_periodic_timer:
	case VCPUOP_set_singleshot_timer:
		words[0] = below(2) ? below(2000000) : below(2) ? sec_now_ns() + below(5000000) : edge();
		words[1] = edge();
		a[2] = below(4) ? RT_PTR(words) : bad_ptr(1);
		break;
	default:
		a[2] = ptr(1, 256);
		break;
	}
	rc = rt_hypercall5(__HYPERVISOR_vcpu_op, a[0], a[1], a[2], a[3], a[4]);
	/* The clock now lives in the moved vcpu_info: the copy in shared_info is no longer kept. */
	if (rc == 0 && (uint32_t)cmd == VCPUOP_register_vcpu_info && a[1] == 0 && vi_try.mfn == sec_mfn_of(area[2]))
		sec_clock_moved((volatile struct vcpu_info *)(area[2] + vi_try.offset));
	return rc;
}

static long do_event_channel_op(uint64_t nr, uint64_t *a)
{
	uint32_t *w = (uint32_t *)area[0];
	uint64_t cmd = below(8) ? below(16) : edge();

	for (int i = 0; i < 8; i++)
		w[i] = (uint32_t)(below(2) ? below(8) : below(2) ? below(5000) : edge());
	if (cmd == EVTCHNOP_init_control || cmd == EVTCHNOP_expand_array)
		cmd = EVTCHNOP_status;	/* they name frames the hypervisor would keep: scratch ones could be freed */
	if (nr == __HYPERVISOR_event_channel_op_compat) {
		w[0] = (uint32_t)cmd;
		a[0] = below(4) ? RT_PTR(w) : bad_ptr(1);
	} else {
		a[0] = cmd;
		a[1] = below(4) ? RT_PTR(w) : bad_ptr(1);
	}
	return rt_hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
}

static long do_console_io(uint64_t *a)
{
	a[0] = below(4) ? below(2) : edge();
	a[1] = below(2) ? below(16) : edge();
	/* Readable memory would be printed byte by byte (a CPU hog of its own): unreadable pointers only. */
	a[2] = below(8) ? bad_ptr(0) : RT_PTR(printable);
	if (a[2] == RT_PTR(printable) && a[1] > sizeof(printable))
		a[2] = bad_ptr(0);
	return rt_hypercall5(__HYPERVISOR_console_io, a[0], a[1], a[2], a[3], a[4]);
}

static long do_set_gdt(uint64_t *a)
{
	static uint64_t (*const kinds[])(void) = { frame_scratch, frame_pt, frame_image, frame_refusable };
	unsigned int n = 1 + (unsigned int)below(16);
	uint64_t *frames = tail_array(n, 8);

	for (unsigned int i = 0; i < n; i++)
		frames[i] = kinds[below(4)]();
	a[0] = below(3) ? RT_PTR(frames) : bad_ptr(1);
	a[1] = below(2) ? below(n * 512 + 2) : edge();
	return rt_hypercall5(__HYPERVISOR_set_gdt, a[0], a[1], a[2], a[3], a[4]);
}

static long do_update_descriptor(uint64_t *a)
{
	static const uint64_t descs[] = {
		0x00af9a000000ffffULL,	/* 64-bit code, DPL 0 */
		0x00affa000000ffffULL,	/* 64-bit code, DPL 3 */
		0x00cff2000000ffffULL,	/* data, DPL 3 */
		0xffff8e0000100000ULL,	/* interrupt gate */
		0x0000ec0000100000ULL,	/* call gate, DPL 3 */
		0x00008c0000100000ULL,	/* call gate, DPL 0 */
		0x0000890000000067ULL,	/* TSS */
		0x0000820000000000ULL,	/* LDT */
	};
	uint64_t mfn = below(2) ? frame_scratch() : below(2) ? frame_pt() : frame_refusable();

	a[0] = (mfn << 12) + (below(4) ? below(512) * 8 : below(4096));
	a[1] = below(2) ? descs[below(8)] : edge();
	return rt_hypercall5(__HYPERVISOR_update_descriptor, a[0], a[1], a[2], a[3], a[4]);
}

/* Multicall entries: any hypercall, but with scalar or unusable pointer arguments only. */
static void nested_entry(struct multicall_entry *e)
{
	e->op = below(8) ? below(NR_HC) : edge();
	e->result = edge();
	for (int i = 0; i < 6; i++)
		e->args[i] = below(2) ? edge() : bad_ptr(0);
	switch (e->op) {
	case __HYPERVISOR_iret:
		e->op = 63;
		break;
	case __HYPERVISOR_sched_op:
	case __HYPERVISOR_sched_op_compat:
		if ((uint32_t)e->args[0] != SCHEDOP_shutdown && (uint32_t)e->args[0] != SCHEDOP_remote_shutdown)
			e->args[0] = SCHEDOP_yield;
		if (e->op == __HYPERVISOR_sched_op_compat)
			e->args[0] = SCHEDOP_yield;
		e->args[1] = bad_ptr(0);
		break;
	case __HYPERVISOR_vcpu_op:
		if ((uint32_t)e->args[0] == VCPUOP_down || (uint32_t)e->args[0] == VCPUOP_send_nmi)
			e->args[1] = 1 + below(64);
		if ((uint32_t)e->args[0] == VCPUOP_register_vcpu_info ||
		    (uint32_t)e->args[0] == VCPUOP_register_runstate_memory_area)
			e->args[2] = bad_ptr(0);
		break;
	case __HYPERVISOR_update_va_mapping:
	case __HYPERVISOR_update_va_mapping_otherdomain:
		if (e->args[0] >= RT_VIRT_BASE)
			e->args[0] = hv_addr();
		break;
	case __HYPERVISOR_update_descriptor:
		e->args[0] = (frame_refusable() << 12) | (e->args[0] & 0xfff);
		break;
	default:
		break;
	}
}

static long do_multicall(uint64_t *a)
{
	unsigned int n = 1 + (unsigned int)below(16);
	struct multicall_entry *e = tail_array(n, sizeof(*e));

	for (unsigned int i = 0; i < n; i++)
		nested_entry(&e[i]);
	nested += n;
	a[0] = below(4) ? RT_PTR(e) : bad_ptr(0);
	a[1] = count(n);
	return rt_hypercall5(__HYPERVISOR_multicall, a[0], a[1], a[2], a[3], a[4]);
}

static long do_generic(uint64_t nr, uint64_t *a)
{
	for (int i = 0; i < 5; i++)
		a[i] = below(2) ? edge() : ptr(1, 256);
	/* Unbound numbers may gain handlers later (grant tables): their command words stay small. */
	if (below(2))
		a[0] = below(16);
	return rt_hypercall5(nr, a[0], a[1], a[2], a[3], a[4]);
}

/* Calls that change state the fuzzer relies on put it back afterwards. */
static void repair(uint64_t nr)
{
	if (nr == __HYPERVISOR_set_trap_table || nr == __HYPERVISOR_multicall)
		sec_restore_traps();
	if (nr == __HYPERVISOR_set_debugreg || nr == __HYPERVISOR_multicall)
		rt_hypercall2(__HYPERVISOR_set_debugreg, 7, 0);
	if (nr == __HYPERVISOR_fpu_taskswitch || nr == __HYPERVISOR_multicall)
		rt_hypercall2(__HYPERVISOR_fpu_taskswitch, 0, 0);
}

/* The last calls made, for the report of an unexpected exception. */
#define NR_LAST 8
static struct { uint64_t nr, a[5]; long rc; } last[NR_LAST];
static unsigned int last_i;

static volatile uint64_t *l4_va;

static void trap_hook(unsigned int vector)
{
	rt_printf("fuzz: L4 %#llx slot 256 %#llx 257 %#llx 261 %#llx 511 %#llx\n", (unsigned long long)pt_mfn[4],
		  (unsigned long long)l4_va[256], (unsigned long long)l4_va[257], (unsigned long long)l4_va[261],
		  (unsigned long long)l4_va[511]);
	rt_printf("fuzz: exception %u, cr2 %#llx; the last calls, oldest first:\n", vector,
		  (unsigned long long)sec_vcpu_info()->arch.cr2);
	for (unsigned int i = 0; i < NR_LAST; i++) {
		unsigned int k = (last_i + i) % NR_LAST;

		rt_printf("fuzz:   hc %llu (%#llx %#llx %#llx %#llx %#llx) = %ld\n", (unsigned long long)last[k].nr,
			  (unsigned long long)last[k].a[0], (unsigned long long)last[k].a[1],
			  (unsigned long long)last[k].a[2], (unsigned long long)last[k].a[3],
			  (unsigned long long)last[k].a[4], last[k].rc);
	}
}

static uint64_t skip_mask;

static void one_call(void)
{
	uint64_t nr = below(NR_HC), a[5] = { edge(), edge(), edge(), edge(), edge() };
	long rc;

	if ((skip_mask >> nr) & 1) {
		skipped++;
		return;
	}
	switch (nr) {
	case __HYPERVISOR_iret:
		skipped++;
		return;
	case __HYPERVISOR_mmu_update: rc = do_mmu_update(a); break;
	case __HYPERVISOR_mmuext_op: rc = do_mmuext_op(a); break;
	case __HYPERVISOR_update_va_mapping:
	case __HYPERVISOR_update_va_mapping_otherdomain: rc = do_uvm(nr, a); break;
	case __HYPERVISOR_memory_op: rc = do_memory_op(a); break;
	case __HYPERVISOR_sched_op:
	case __HYPERVISOR_sched_op_compat: rc = do_sched_op(nr, a); break;
	case __HYPERVISOR_vcpu_op: rc = do_vcpu_op(a); break;
	case __HYPERVISOR_event_channel_op:
	case __HYPERVISOR_event_channel_op_compat: rc = do_event_channel_op(nr, a); break;
	case __HYPERVISOR_console_io: rc = do_console_io(a); break;
	case __HYPERVISOR_set_gdt: rc = do_set_gdt(a); break;
	case __HYPERVISOR_update_descriptor: rc = do_update_descriptor(a); break;
	case __HYPERVISOR_multicall: rc = do_multicall(a); break;
	default: rc = do_generic(nr, a); break;
	}
	last[last_i].nr = nr;
	memcpy(last[last_i].a, a, sizeof(a));
	last[last_i].rc = rc;
	last_i = (last_i + 1) % NR_LAST;
	counts[nr][classify(rc)]++;
	if (classify(rc) == R_OTHER)
		other_seen[nr] = (uint64_t)rc;
	repair(nr);
}

static void print_counts(const char *when)
{
	uint64_t total = 0;

	for (int nr = 0; nr < NR_HC; nr++)
		for (int c = 0; c < NR_RC; c++)
			total += counts[nr][c];
	rt_printf("fuzz: %s: %llu hypercalls (%llu multicall entries, %llu draws skipped: iret and skip=)\n", when,
		  (unsigned long long)total, (unsigned long long)nested, (unsigned long long)skipped);
	for (int nr = 0; nr < NR_HC; nr++) {
		char line[256];
		int len = 0;
		uint64_t sum = 0;

		for (int c = 0; c < NR_RC; c++)
			sum += counts[nr][c];
		if (!sum)
			continue;
		len = rt_snprintf(line, sizeof(line), "fuzz: hc %2d: %8llu", nr, (unsigned long long)sum);
		for (int c = 0; c < NR_RC && len < (int)sizeof(line) - 32; c++)
			if (counts[nr][c])
				len += rt_snprintf(line + len, sizeof(line) - (size_t)len, " %s %llu", rc_name[c],
						   (unsigned long long)counts[nr][c]);
		if (counts[nr][R_OTHER])
			rt_snprintf(line + len, sizeof(line) - (size_t)len, " (e.g. %ld)", (long)other_seen[nr]);
		rt_printf("%s\n", line);
	}
}

static int setup(void)
{
	uint64_t image_end = sec_pfn_of(rt_image_end);

	for (uint64_t pfn = 0; pfn < rt_boot.si->nr_pages; pfn++)
		if (sec_p2m(pfn) < OWN_BITS)
			own_bits[sec_p2m(pfn) / 64] |= 1ULL << (sec_p2m(pfn) % 64);
	image_pfn0 = sec_pfn_of(rt_image_start);
	image_pfns = image_end - image_pfn0;
	if (sec_walk(RT_PTR(area), pt_mfn))
		return -1;
	l4_va = sec_va_of_mfn(pt_mfn[4]);
	for (int l = 1; l <= 4; l++)
		pt_va[l] = RT_PTR(sec_va_of_mfn(pt_mfn[l]));
	nr_scratch = sec_scratch_pfns(scratch_pfn, NR_SCRATCH);
	if (nr_scratch < 4)
		return -1;
	for (unsigned int i = 0; i < nr_scratch; i++)
		scratch_mfn[i] = sec_p2m(scratch_pfn[i]);
	for (int i = 0; i < 2; i++)
		for (int w = 0; w < 512; w++)
			canary[i][w] = rng ^ ((uint64_t)(i * 512 + w) * 0x9e3779b97f4a7c15ULL);
	/* The guards: unmapped for good, so everything running into them faults. */
	if (hyp_update_va_mapping(GUARD, 0, UVMF_INVLPG) || hyp_update_va_mapping(RT_PTR(area[4]), 0, UVMF_INVLPG))
		return -1;
	return 0;
}

void test_main(void)
{
	uint64_t secs = sec_cmdline_num("secs=", 10), every = sec_cmdline_num("report=", 20);
	uint64_t seed = sec_cmdline_num("seed=", 0x5eedf00d), start, now, next, calls = 0;
	unsigned long canary_bad = 0;
	uint64_t seed0 = seed ? seed : 1;

	/* skip=MASK leaves out hypercall numbers (bit n = number n): for narrowing down a finding. */
	skip_mask = sec_cmdline_num("skip=", 0);

	rng = seed0;
	rt_trap_hook = trap_hook;
	if (!sec_clock_init() || setup()) {
		tc_error("setup failed (%u scratch frames)", nr_scratch);
		return;
	}
	rt_printf("fuzz: seed %#llx, %llu s, %u scratch frames from pfn %#llx, tables L4 %#llx L1 %#llx\n",
		  (unsigned long long)seed0, (unsigned long long)secs, nr_scratch,
		  (unsigned long long)scratch_pfn[nr_scratch - 1], (unsigned long long)pt_mfn[4],
		  (unsigned long long)pt_mfn[1]);
	start = sec_now_ns();
	next = start + every * SEC_NS;
	for (;;) {
		one_call();
		if ((++calls & 63) == 0) {
			now = sec_now_ns();
			if (now - start >= secs * SEC_NS)
				break;
			if (now >= next) {
				char when[32];

				rt_snprintf(when, sizeof(when), "after %llu s", (unsigned long long)((now - start) / SEC_NS));
				print_counts(when);
				next += every * SEC_NS;
			}
		}
	}
	print_counts("done");
	rng = seed0;
	for (int i = 0; i < 2; i++)
		for (int w = 0; w < 512; w++)
			canary_bad += canary[i][w] != (rng ^ ((uint64_t)(i * 512 + w) * 0x9e3779b97f4a7c15ULL));
	rt_printf("fuzz: finished: %llu hypercalls in %llu s, seed %#llx\n", (unsigned long long)calls,
		  (unsigned long long)secs, (unsigned long long)seed0);
	tc_check(calls > 0, "the fuzzer ran (%llu calls)", (unsigned long long)calls);
	tc_check(canary_bad == 0, "the fuzzer's canary pages are intact (%lu words differ)", canary_bad);
}

/* SPDX-License-Identifier: MIT */
/*
 * The differential tester's hypercall steps. Each draws arguments from
 * edge cases; requests that could legitimately succeed touch only the
 * scratch frames, the window page, the buffer and the area page, so that
 * the guest survives every step on both hypervisors. What it must never
 * do: shut itself down, take its only vCPU down, block without a wake-up,
 * free or retype a frame of its image or live tables.
 */
#include <pvabi/callback.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/memory.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include <pvabi/version.h>
#include "dt.h"

#define W64(off)	(*(uint64_t *)(dt_buf[0] + (off)))
#define W32(off)	(*(uint32_t *)(dt_buf[0] + (off)))
#define W16(off)	(*(uint16_t *)(dt_buf[0] + (off)))
#define BUF		RT_PTR(dt_buf)

static void name(struct dt_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void name(struct dt_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(s->name, sizeof(s->name), fmt, ap);
	va_end(ap);
}

static void result(struct dt_step *s, long rc)
{
	s->rc = rc;
	s->has_rc = 1;
}

static uint64_t count(unsigned int n)
{
	switch (dt_below(6)) {
	case 0: case 1: case 2: return n;
	case 3: return dt_below(n + 1);
	case 4: return n + 1;
	default: return dt_edge();
	}
}

/* A domid: ourselves (dom0) in various spellings, nobody, the special ones. */
static uint64_t domid(void)
{
	static const uint64_t ids[] = { DOMID_SELF, 0, 1, 5, DOMID_IO, DOMID_XEN, 0x7ff4, 0xffff, 0x10000 | DOMID_SELF };

	return dt_below(4) ? (dt_below(2) ? DOMID_SELF : 0) : ids[dt_below(9)];
}

/* A frame whose contents may be rewritten: a scratch frame, one of our tables, nobody's. Never an image frame. */
static uint64_t frame_writable_ok(void)
{
	switch (dt_below(4)) {
	case 0: case 1: return dt_named(dt_scratch_mfn[dt_below(DT_NR_SCRATCH)]);
	case 2: return dt_named(dt_pt_mfn[1 + dt_below(4)]);
	default: return dt_far_frame();
	}
}

/* A PTE naming any kind of frame, with edge flag combinations. */
static uint64_t pte(void)
{
	uint64_t f = dt_frame(), flags = dt_below(2) ? (SEC_PTE_P | SEC_PTE_A | (dt_below(2) ? SEC_PTE_RW : 0))
						     : (dt_rnd() & 0x1ff);

	if (dt_below(4) == 0)
		flags |= dt_rnd() & 0xfff0000000000000ULL;
	if (dt_below(4) == 0)
		flags |= SEC_PTE_NX;
	return (f << 12) | flags;
}

static void window_state(struct dt_step *s)
{
	char c[48];
	const volatile uint64_t *l1 = (const volatile uint64_t *)(uintptr_t)dt_pt_va[1];

	dt_canon(c, sizeof(c), l1[dt_window_slot]);
	dt_statef(s, "win=%s", c);
}

/* Hash of the scratch frames' contents (canonical), read through the window: for steps that may write them. */
static void scratch_state(struct dt_step *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < DT_NR_SCRATCH; i++) {
		if (hyp_update_va_mapping(RT_PTR(dt_window), (dt_scratch_mfn[i] << 12) | SEC_PTE_KRO | SEC_PTE_NX,
					  UVMF_INVLPG)) {
			h ^= 0xbad0 + (uint64_t)i;
			continue;
		}
		for (int w = 0; w < 512; w++) {
			h ^= dt_canon_word(dt_window[w]);
			h *= 0x100000001b3ULL;
		}
	}
	hyp_update_va_mapping(RT_PTR(dt_window), dt_window_pte, UVMF_INVLPG);
	dt_statef(s, "%sscratch=%016llx", s->state[0] ? "," : "", (unsigned long long)h);
}

/* ---- memory management ---- */

static void mmu_req(uint64_t *ptr, uint64_t *val)
{
	uint64_t l1 = dt_window_l1_mfn << 12;

	switch (dt_below(7)) {
	case 0: case 1:		/* the window's slot in our live L1: anything, put back afterwards */
		*ptr = l1 + dt_window_slot * 8 + (dt_below(4) ? 0 : MMU_PT_UPDATE_PRESERVE_AD);
		*val = pte();
		break;
	case 2:			/* a slot of a live table, rewritten with its own value, or a hypervisor L4 slot */
		if (dt_below(2)) {
			unsigned int lvl = 1 + (unsigned int)dt_below(4), slot = (unsigned int)dt_below(512);

			*ptr = (dt_pt_mfn[lvl] << 12) + slot * 8;
			*val = ((const volatile uint64_t *)(uintptr_t)dt_pt_va[lvl])[slot];
			dt_note_frame((*val & SEC_PTE_ADDR) >> 12);
		} else {
			*ptr = (dt_pt_mfn[4] << 12) + (256 + dt_below(16)) * 8;
			*val = dt_edge();
		}
		break;
	case 3: case 4:		/* scratch frames: plain stores or table updates */
		*ptr = (dt_scratch_mfn[dt_below(DT_NR_SCRATCH)] << 12) + dt_below(512) * 8 + dt_below(3);
		*val = dt_below(2) ? pte() : dt_edge();
		break;
	case 5:			/* M2P updates of scratch frames (put back afterwards), bad commands on live tables */
		if (dt_below(2))
			*ptr = (dt_scratch_mfn[dt_below(DT_NR_SCRATCH)] << 12) | MMU_MACHPHYS_UPDATE;
		else
			*ptr = (dt_pt_mfn[1 + dt_below(4)] << 12) + dt_below(512) * 8 + 3 + dt_below(5);
		*val = dt_edge();
		break;
	default:		/* nobody's frames */
		*ptr = (dt_far_frame() << 12) + dt_below(4096);
		*val = dt_edge();
		break;
	}
}

static void op_mmu_update(struct dt_step *s)
{
	unsigned int n = 1 + (unsigned int)dt_below(4);
	uint64_t reqs = dt_below(5) ? BUF : dt_bad_ptr(), done = dt_below(2) ? BUF + 4000 : dt_bad_ptr();
	uint64_t cnt = count(n), dom = dt_below(4) ? DOMID_SELF : domid();

	for (unsigned int i = 0; i < n; i++)
		mmu_req(&W64(16 * i), &W64(16 * i + 8));
	name(s, "mmu_update");
	for (unsigned int i = 0; i < n; i++) {
		dt_arg(s, "ptr", W64(16 * i));
		dt_arg(s, "val", W64(16 * i + 8));
	}
	dt_arg(s, "reqs", reqs);
	dt_arg(s, "count", cnt);
	dt_arg(s, "done", done);
	dt_arg(s, "dom", dom);
	result(s, dt_hc(__HYPERVISOR_mmu_update, reqs, cnt, done, dom, 0));
	window_state(s);
	scratch_state(s);
}

static void ext_op(unsigned int i)
{
	uint32_t cmd = dt_below(8) ? (uint32_t)dt_below(22) : dt_edge32();
	uint64_t a1, a2 = dt_below(2) ? dt_edge() : 0;

	switch (cmd) {
	case MMUEXT_PIN_L1_TABLE: case MMUEXT_PIN_L2_TABLE: case MMUEXT_PIN_L3_TABLE: case MMUEXT_PIN_L4_TABLE:
	case MMUEXT_UNPIN_TABLE: case MMUEXT_NEW_USER_BASEPTR: case MMUEXT_MARK_SUPER: case MMUEXT_UNMARK_SUPER:
		a1 = frame_writable_ok();
		/* Our L4 stays pinned and our own: never unpinned. */
		if (cmd == MMUEXT_UNPIN_TABLE && a1 == dt_pt_mfn[4])
			a1 = dt_far_frame();
		break;
	case MMUEXT_NEW_BASEPTR:	/* only our own L4, or frames that cannot validate as one */
		a1 = dt_below(2) ? dt_named(dt_pt_mfn[4]) : dt_below(2) ? dt_named(dt_pt_mfn[1 + dt_below(3)]) : dt_far_frame();
		break;
	case MMUEXT_CLEAR_PAGE: case MMUEXT_COPY_PAGE:
		a1 = frame_writable_ok();
		a2 = dt_below(2) ? dt_frame() : dt_edge();
		break;
	case MMUEXT_SET_LDT:
		a1 = dt_below(2) ? BUF + (dt_below(3) ? 0 : dt_below(4096)) : dt_edge();
		a2 = dt_below(2) ? dt_below(20) : dt_edge();
		break;
	case MMUEXT_TLB_FLUSH_MULTI: case MMUEXT_INVLPG_MULTI:
		a1 = dt_below(2) ? BUF + dt_below(8192) : dt_edge();
		a2 = dt_ptr(8);
		break;
	case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_ALL:
		a1 = dt_below(2) ? BUF + dt_below(8192) : dt_edge();
		break;
	default:
		/* A command that may be one of the above once truncated is drawn as harmless. */
		a1 = dt_far_frame();
		break;
	}
	W32(i * 24) = cmd;
	W32(i * 24 + 4) = dt_edge32();
	W64(i * 24 + 8) = a1;
	W64(i * 24 + 16) = a2;
}

static void op_mmuext_op(struct dt_step *s)
{
	unsigned int n = 1 + (unsigned int)dt_below(3);
	uint64_t ops = dt_below(5) ? BUF : dt_bad_ptr(), done = dt_below(2) ? BUF + 4000 : dt_bad_ptr();
	uint64_t cnt = count(n), dom = dt_below(4) ? DOMID_SELF : domid();

	for (unsigned int i = 0; i < n; i++)
		ext_op(i);
	name(s, "mmuext_op");
	for (unsigned int i = 0; i < n; i++) {
		dt_argf(s, "%scmd=%u", s->args[0] ? "," : "", W32(i * 24));
		dt_arg(s, "a1", W64(i * 24 + 8));
		dt_arg(s, "a2", W64(i * 24 + 16));
	}
	dt_arg(s, "ops", ops);
	dt_arg(s, "count", cnt);
	dt_arg(s, "done", done);
	dt_arg(s, "dom", dom);
	result(s, dt_hc(__HYPERVISOR_mmuext_op, ops, cnt, done, dom, 0));
	scratch_state(s);
}

static void op_update_va_mapping(struct dt_step *s)
{
	int other = dt_below(4) == 0;
	uint64_t va, val = pte(), flags, dom = domid();

	switch (dt_below(4)) {
	case 0: case 1: va = RT_PTR(dt_window); break;
	case 2: va = RT_PTR(dt_window) + 1 + dt_below(4095); break;
	default: va = dt_bad_ptr(); break;
	}
	/* The read-only mappings of our tables are addresses the harness reads: never remapped. */
	for (int l = 1; l <= 4; l++)
		if ((va & ~0xfffULL) == dt_pt_va[l])
			va = RT_PTR(dt_window) + 8;
	switch (dt_below(4)) {
	case 0: flags = dt_below(8); break;
	case 1: flags = (BUF + 8 * dt_below(8)) | dt_below(4); break;
	case 2: flags = UVMF_INVLPG; break;
	default: flags = dt_edge(); break;
	}
	name(s, other ? "update_va_mapping_otherdomain" : "update_va_mapping");
	dt_arg(s, "va", va);
	dt_arg(s, "val", val);
	dt_arg(s, "flags", flags);
	if (other)
		dt_arg(s, "dom", dom);
	result(s, dt_hc(other ? __HYPERVISOR_update_va_mapping_otherdomain : __HYPERVISOR_update_va_mapping,
			va, val, flags, dom, 0));
	window_state(s);
}

/* A new frame for scratch slot i through populate_physmap, the P2M following: 1, or 0 if none came. */
int dt_refill_scratch(int i)
{
	uint64_t *p2m = (uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
	uint64_t gpfn = dt_scratch_pfn[i], old = dt_scratch_mfn[i];

	r.extent_start = RT_PTR(&gpfn);
	if (hyp_memory_op(XENMEM_populate_physmap, RT_PTR(&r)) != 1)
		return 0;
	if (old < DT_OWN_BITS)
		dt_own_bits[old / 64] &= ~(1ULL << (old % 64));
	if (gpfn < DT_OWN_BITS)
		dt_own_bits[gpfn / 64] |= 1ULL << (gpfn % 64);
	p2m[dt_scratch_pfn[i]] = gpfn;
	dt_scratch_mfn[i] = gpfn;
	sec_zero_frame(gpfn);
	return 1;
}

/* Frames freed by decrease_reservation come back through populate_physmap, and the P2M follows. */
static void refill_scratch(struct dt_step *s)
{
	int refilled = 0;

	for (int i = 0; i < DT_NR_SCRATCH; i++)
		if (sec_m2p(dt_scratch_mfn[i]) != dt_scratch_pfn[i])
			refilled += dt_refill_scratch(i);
	dt_statef(s, "%srefilled=%d", s->state[0] ? "," : "", refilled);
}

static void op_reservation(struct dt_step *s)
{
	static const char *const names[] = { "increase_reservation", "decrease_reservation", "populate_physmap" };
	uint64_t cmd = dt_below(3), arg = dt_below(6) ? BUF + 2048 : dt_bad_ptr();
	unsigned int n = 1 + (unsigned int)dt_below(4), order = dt_below(3) ? 0 : (unsigned int)dt_edge32();
	uint64_t nr = count(n), start = dt_below(5) ? BUF : dt_bad_ptr();
	uint16_t dom = (uint16_t)(dt_below(3) ? DOMID_SELF : domid());
	uint64_t cmdword = cmd | (dt_below(5) ? 0 : (dt_edge32() << 6));

	/* Scratch frames first, then nobody's: the scratch ones the call frees are exactly the first ones. */
	for (unsigned int i = 0; i < n; i++)
		W64(8 * i) = (cmd == XENMEM_decrease_reservation && order == 0 && i < 2 && dt_below(2))
			     ? dt_named(dt_scratch_mfn[dt_below(DT_NR_SCRATCH)]) : dt_far_frame();
	if (order != 0 && cmd == XENMEM_decrease_reservation)
		for (unsigned int i = 0; i < n; i++)
			W64(8 * i) = dt_far_frame();
	W64(2048) = start;
	W64(2056) = nr;
	W32(2064) = order;
	W32(2068) = dt_below(3) ? 0 : dt_edge32();
	W16(2072) = dom;
	name(s, "memory_op:%s", names[cmd]);
	for (unsigned int i = 0; i < n; i++)
		dt_arg(s, "ext", W64(8 * i));
	dt_arg(s, "cmd", cmdword);
	dt_arg(s, "arg", arg);
	dt_arg(s, "start", start);
	dt_arg(s, "nr", nr);
	dt_arg(s, "order", order);
	dt_arg(s, "flags", W32(2068));
	dt_arg(s, "dom", dom);
	result(s, dt_hc(__HYPERVISOR_memory_op, cmdword, arg, 0, 0, 0));
	/* Populated extents come back as new machine frames: not comparable. */
	s->hash_buf = cmd == XENMEM_decrease_reservation;
	if (s->hash_buf)
		dt_hash_now(s);
	refill_scratch(s);
}

static void op_memory_query(struct dt_step *s)
{
	static const uint64_t cmds[] = { XENMEM_maximum_ram_page, XENMEM_current_reservation, XENMEM_maximum_reservation,
					 XENMEM_machphys_mfn_list, XENMEM_add_to_physmap, XENMEM_memory_map,
					 XENMEM_machine_memory_map, XENMEM_exchange, XENMEM_machphys_mapping,
					 XENMEM_set_memory_map, XENMEM_maximum_gpfn, XENMEM_remove_from_physmap,
					 XENMEM_get_pod_target, XENMEM_get_sharing_freed_pages, XENMEM_claim_pages,
					 XENMEM_get_vnumainfo, XENMEM_acquire_resource, 8, 29, 63 };
	uint64_t cmd = dt_below(6) ? cmds[dt_below(20)] : dt_edge(), arg = dt_ptr(64);
	uint32_t low = (uint32_t)cmd & 0x3f;

	/* The structure: a domid first, then edge values; lists point at nobody's frames. */
	for (int i = 0; i < 16; i++)
		W64(8 * i) = dt_below(2) ? dt_edge() : BUF + 1024;
	W16(0) = (uint16_t)domid();
	for (int i = 128; i < 160; i++)
		W64(8 * i) = dt_far_frame();
	/* Reservation commands go through op_reservation: here they would name arbitrary frames. */
	if (low == XENMEM_increase_reservation || low == XENMEM_decrease_reservation || low == XENMEM_populate_physmap ||
	    low == XENMEM_claim_pages || low == XENMEM_set_pod_target || low == XENMEM_exchange)
		arg = dt_bad_ptr();
	name(s, "memory_op:%u", (unsigned int)(cmd & 0x3f));
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "arg", arg);
	result(s, dt_hc(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0));
	/* Machine-specific answers: the machine's size, its memory map, the M2P's frames. */
	if ((uint32_t)cmd == XENMEM_maximum_ram_page) {
		s->rc = s->rc > 0 ? 1 : s->rc;
		dt_statef(s, "rc>0 shown as 1");
	}
	if ((uint32_t)cmd == XENMEM_machphys_mfn_list || (uint32_t)cmd == XENMEM_machine_memory_map ||
	    (uint32_t)cmd == XENMEM_acquire_resource)
		s->hash_buf = 0;
}

/* ---- events, grants, vCPUs, scheduling ---- */

static void op_event_channel(struct dt_step *s)
{
	uint64_t cmd = dt_below(8) ? dt_below(16) : dt_edge(), arg = dt_ptr(32);
	uint32_t low = (uint32_t)cmd;

	for (int i = 0; i < 8; i++)
		W32(4 * i) = (uint32_t)(dt_below(2) ? dt_below(8) : dt_below(2) ? dt_below(5000) : dt_edge32());
	if (dt_below(2))
		W16(0) = (uint16_t)domid();
	switch (low) {
	case EVTCHNOP_bind_pirq:	/* real interrupts of the machine stay out of reach */
		W32(0) = 1000 + (uint32_t)dt_below(100);
		break;
	case EVTCHNOP_init_control: case EVTCHNOP_expand_array:	/* the hypervisor would keep a scratch frame */
		W64(0) = dt_below(2) ? dt_far_frame() : dt_named(dt_pt_mfn[1 + dt_below(4)]);
		break;
	default:
		break;
	}
	name(s, "event_channel_op:%u", low < 16 ? low : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "arg", arg);
	if (low == EVTCHNOP_init_control || low == EVTCHNOP_expand_array)
		dt_arg(s, "gfn", W64(0));
	else
		dt_argf(s, ",w0=%#x,w1=%#x", W32(0), W32(4));
	dt_argf(s, ",w2=%#x,w3=%#x", W32(8), W32(12));
	result(s, dt_hc(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0));
}

static void grant_copy_fix(unsigned int i)
{
	uint8_t *e = dt_buf[0] + 40 * i;
	uint16_t flags = (uint16_t)(dt_below(2) ? 0 : dt_below(4));

	*(uint64_t *)(e + 0) = dt_below(2) ? dt_frame() : dt_below(16);
	*(uint16_t *)(e + 8) = (uint16_t)domid();
	*(uint16_t *)(e + 10) = (uint16_t)(dt_below(2) ? 0 : dt_edge32());
	*(uint64_t *)(e + 16) = frame_writable_ok();	/* never into our image */
	*(uint16_t *)(e + 24) = (uint16_t)domid();
	*(uint16_t *)(e + 26) = (uint16_t)(dt_below(2) ? 0 : dt_edge32());
	*(uint16_t *)(e + 32) = (uint16_t)(dt_below(2) ? dt_below(4097) : dt_edge32());
	*(uint16_t *)(e + 34) = flags;
}

static void op_grant_table(struct dt_step *s)
{
	uint64_t cmd = dt_below(8) ? dt_below(14) : dt_edge(), uop = dt_ptr(64), cnt = count(2);
	uint32_t low = (uint32_t)cmd & 0xfff;

	for (int i = 0; i < 16; i++)
		W64(8 * i) = dt_below(2) ? dt_edge() : dt_below(16);
	switch (low) {
	case GNTTABOP_setup_table: case GNTTABOP_query_size: case GNTTABOP_get_status_frames:
		W16(0) = (uint16_t)domid();
		W32(4) = (uint32_t)(dt_below(2) ? dt_below(8) : dt_edge32());
		W64(16) = dt_below(2) ? BUF + 1024 : dt_bad_ptr();
		break;
	case GNTTABOP_set_version:
		W32(0) = (uint32_t)(dt_below(2) ? 1 + dt_below(2) : dt_edge32());
		break;
	case GNTTABOP_copy:
		for (unsigned int i = 0; i < 3; i++)
			grant_copy_fix(i);
		if (cnt > 3 && cnt < 64)
			cnt = 3;
		break;
	case GNTTABOP_transfer:		/* never one of our frames that could be given away */
		W64(0) = dt_below(2) ? dt_far_frame() : dt_named(dt_pt_mfn[1 + dt_below(4)]);
		W64(24) = dt_far_frame();
		if (cnt > 2 && cnt < 64)
			cnt = 2;
		break;
	case GNTTABOP_map_grant_ref: case GNTTABOP_unmap_grant_ref: case GNTTABOP_unmap_and_replace:
		W64(0) = dt_below(2) ? RT_PTR(dt_window) : dt_edge();
		break;
	default:
		break;
	}
	name(s, "grant_table_op:%u", low < 14 ? low : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "uop", uop);
	dt_arg(s, "count", cnt);
	result(s, dt_hc(__HYPERVISOR_grant_table_op, cmd, uop, cnt, 0, 0));
	if (low == GNTTABOP_setup_table || low == GNTTABOP_get_status_frames)
		s->hash_buf = 0;	/* the grant frames' machine numbers */
	if (low == GNTTABOP_copy)
		scratch_state(s);
	window_state(s);
}

static void op_vcpu_op(struct dt_step *s)
{
	uint64_t cmd = dt_below(8) ? dt_below(16) : dt_edge(), vcpu = dt_below(3) ? 0 : dt_edge(), arg = dt_ptr(64);
	uint32_t low = (uint32_t)cmd;

	for (int i = 0; i < 8; i++)
		W64(8 * i) = dt_edge();
	/* Our only vCPU never goes down or gets an NMI; vcpu_info may move only where it cannot. */
	if (low == VCPUOP_down || low == VCPUOP_send_nmi)
		while ((uint32_t)vcpu == 0)
			vcpu = dt_edge();
	if (low == VCPUOP_register_vcpu_info) {
		W64(0) = dt_below(2) ? dt_far_frame() : dt_named(dt_pt_mfn[1 + dt_below(4)]);
		if (dt_below(3) == 0) {
			W64(0) = dt_named(dt_scratch_mfn[0]);
			W32(8) = 4096 - (uint32_t)dt_below(63) - 1;	/* crosses the page: refused */
		}
	}
	if (low == VCPUOP_register_runstate_memory_area || low == VCPUOP_register_vcpu_time_memory_area)
		W64(0) = dt_below(2) ? RT_PTR(dt_area) + 8 * dt_below(64) : dt_bad_ptr();
	if (low == VCPUOP_set_singleshot_timer || low == VCPUOP_set_periodic_timer)
		W64(0) = dt_below(2) ? dt_below(2000000) : dt_edge();
	name(s, "vcpu_op:%u", low < 16 ? low : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "vcpu", vcpu);
	dt_arg(s, "arg", arg);
	dt_arg(s, "w0", W64(0));
	dt_arg(s, "w1", W64(8));
	result(s, dt_hc(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0));
	/* Times and physical IDs are the machine's. */
	if (low == VCPUOP_get_runstate_info || low == VCPUOP_get_physid)
		s->hash_buf = 0;
	if (low == VCPUOP_register_runstate_memory_area || low == VCPUOP_register_vcpu_time_memory_area) {
		uint64_t off[2] = { 0, 0 };

		dt_hc(__HYPERVISOR_vcpu_op, low, 0, RT_PTR(off), 0, 0);
	}
	dt_hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0, 0, 0);
}

static void op_sched_op(struct dt_step *s)
{
	uint64_t cmd, arg = dt_ptr(32);
	int compat = dt_below(5) == 0;

	for (int i = 0; i < 4; i++)
		W64(8 * i) = (uint64_t)dt_edge32() << 32 | dt_edge32();
	switch (dt_below(6)) {
	case 0: cmd = SCHEDOP_yield; break;
	case 1:		/* poll with a deadline close by: timeout 0 would wait for good */
		cmd = SCHEDOP_poll;
		W64(0) = dt_below(2) ? BUF + 512 : dt_bad_ptr();
		W32(8) = (uint32_t)(dt_below(2) ? dt_below(4) : dt_edge32());
		W64(16) = sec_now_ns() + 1 + dt_below(1000000);
		break;
	case 2:		/* somebody else's domain: never ours (0) or DOMID_SELF, so never read from memory we did not set */
		cmd = SCHEDOP_remote_shutdown;
		W16(0) = (uint16_t)(1 + dt_below(5));
		arg = dt_below(3) ? BUF : dt_bad_ptr();
		break;
	case 3:
		cmd = dt_below(2) ? SCHEDOP_shutdown_code : SCHEDOP_pin_override;
		break;
	case 4:		/* watchdog: never creating one (id 0 with a timeout) */
		cmd = SCHEDOP_watchdog;
		W32(0) = (uint32_t)(1 + dt_below(3));
		W32(4) = (uint32_t)(dt_below(2) ? 0 : 1 + dt_below(10));
		arg = dt_below(3) ? BUF : dt_bad_ptr();
		break;
	default:
		cmd = dt_below(2) ? 8 + dt_below(100) : dt_edge() | 8;
		break;
	}
	if (dt_below(6) == 0 && cmd != SCHEDOP_poll)
		cmd |= dt_rnd() & 0xffffffff00000000ULL;
	if (compat && (uint32_t)cmd != SCHEDOP_yield)
		cmd = 0x100 + dt_below(8);
	if (compat || (uint32_t)cmd == SCHEDOP_yield)
		arg = dt_edge();
	name(s, "sched_op%s:%u", compat ? "_compat" : "", (uint32_t)cmd < 8 ? (uint32_t)cmd : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "arg", arg);
	dt_arg(s, "w0", W64(0));
	dt_argf(s, ",h2=%#x", W32(8));
	result(s, dt_hc(compat ? __HYPERVISOR_sched_op_compat : __HYPERVISOR_sched_op, cmd, arg, 0, 0, 0));
	W64(16) = 0;	/* the poll deadline is a time: not hashed */
	if ((uint32_t)cmd == SCHEDOP_pin_override) {
		int32_t unpin = -1;

		hyp_sched_op(SCHEDOP_pin_override, RT_PTR(&unpin));
	}
}

/* ---- set-up hypercalls ---- */

static void op_set_trap_table(struct dt_step *s)
{
	unsigned int n = 1 + (unsigned int)dt_below(4);
	uint64_t table = dt_below(5) ? BUF : dt_bad_ptr();

	for (unsigned int i = 0; i < n; i++) {
		W16(16 * i) = (uint16_t)((uint8_t)dt_rnd() | (dt_below(2) ? (dt_rnd() & 0x700) : 0));
		W16(16 * i + 2) = (uint16_t)(dt_below(2) ? FLAT_KERNEL_CS : dt_edge32());
		W64(16 * i + 8) = dt_below(2) ? RT_PTR(rt_image_start) + 16 * dt_below(64) : dt_edge();
	}
	W64(16 * n) = 0;
	W64(16 * n + 8) = 0;
	name(s, "set_trap_table");
	dt_arg(s, "table", table);
	for (unsigned int i = 0; i < n; i++) {
		dt_argf(s, ",v=%#x,cs=%#x", W16(16 * i), W16(16 * i + 2));
		dt_arg(s, "addr", W64(16 * i + 8) >= RT_PTR(rt_image_start) && W64(16 * i + 8) < RT_PTR(rt_image_end)
				  ? W64(16 * i + 8) - RT_PTR(rt_image_start) : W64(16 * i + 8));
	}
	result(s, dt_hc(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0));
}

static uint64_t code_addr(void)
{
	return dt_below(2) ? RT_PTR(rt_image_start) + 16 * dt_below(64) : dt_edge();
}

static void op_callbacks(struct dt_step *s)
{
	if (dt_below(3) == 0) {
		uint64_t a[3] = { code_addr(), code_addr(), code_addr() };

		name(s, "set_callbacks");
		dt_arg(s, "event", a[0]);
		dt_arg(s, "failsafe", a[1]);
		dt_arg(s, "syscall", a[2]);
		result(s, dt_hc(__HYPERVISOR_set_callbacks, a[0], a[1], a[2], 0, 0));
	} else {
		uint64_t cmd = dt_below(6) ? dt_below(3) : dt_edge(), arg = dt_ptr(16);

		W16(0) = (uint16_t)(dt_below(4) ? dt_below(9) : dt_edge32());
		W16(2) = (uint16_t)(dt_below(2) ? 0 : dt_below(4));
		W64(8) = code_addr();
		name(s, "callback_op:%u", (uint32_t)cmd < 2 ? (uint32_t)cmd : 99);
		dt_arg(s, "cmd", cmd);
		dt_arg(s, "arg", arg);
		dt_argf(s, ",type=%u,flags=%u", W16(0), W16(2));
		result(s, dt_hc(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0));
	}
}

/* The guest's segment bases and selectors, read back through the emulated MSRs. */
void dt_segment_state(struct dt_step *s);

static void op_set_segment_base(struct dt_step *s)
{
	static const uint64_t sels[] = { 0, 0x2b, 0xe02b, 0xe033, 0x33, 0x4, 0xffff, 0x10003 };
	uint64_t which = dt_below(6) ? dt_below(5) : dt_edge(), val;

	val = (uint32_t)which == 3 ? sels[dt_below(8)] : dt_below(2) ? BUF + dt_below(64) : dt_edge();
	name(s, "set_segment_base:%u", (uint32_t)which < 5 ? (uint32_t)which : 99);
	dt_arg(s, "which", which);
	dt_arg(s, "val", val);
	result(s, dt_hc(__HYPERVISOR_set_segment_base, which, val, 0, 0, 0));
	dt_segment_state(s);
	for (int i = 0; i < 4; i++)
		dt_hc(__HYPERVISOR_set_segment_base, (uint64_t)i, 0, 0, 0, 0);
}

static void op_stack_switch(struct dt_step *s)
{
	uint64_t ss = dt_below(2) ? FLAT_KERNEL_SS : dt_edge(), sp = dt_below(2) ? rt_boot.rsp : dt_edge();

	name(s, "stack_switch");
	dt_arg(s, "ss", ss);
	dt_arg(s, "sp", sp == rt_boot.rsp ? 1 : sp);
	result(s, dt_hc(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0));
	dt_hc(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, rt_boot.rsp, 0, 0, 0);
}

uint64_t dt_read_cr0(int *vec);

static void op_fpu_taskswitch(struct dt_step *s)
{
	uint64_t v = dt_below(2) ? dt_below(2) : dt_edge(), cr0;
	int vec;

	name(s, "fpu_taskswitch");
	dt_arg(s, "set", v);
	result(s, dt_hc(__HYPERVISOR_fpu_taskswitch, v, 0, 0, 0, 0));
	cr0 = dt_read_cr0(&vec);
	dt_statef(s, "ts=%d", vec >= 0 ? -vec : (int)((cr0 >> 3) & 1));
}

static void op_debugreg(struct dt_step *s)
{
	if (dt_below(3) == 0) {
		uint64_t reg = dt_below(4) ? dt_below(10) : dt_edge();

		name(s, "get_debugreg");
		dt_arg(s, "reg", reg);
		result(s, dt_hc(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0));
		return;
	}
	uint64_t reg = dt_below(4) ? dt_below(10) : dt_edge(), val;

	switch (dt_below(5)) {
	case 0: val = BUF + dt_below(4096); break;
	case 1: val = (dt_rnd() & 0xffff03ffULL) | 0x400; break;	/* enables, types, lengths */
	case 2: val = (dt_rnd() & 0xffffffffULL); break;
	default: val = dt_edge(); break;
	}
	/* A watchpoint must not fire on the buffer while the hypervisor and we read it: data breakpoints stay off. */
	if ((uint32_t)reg == 7 || (uint32_t)reg == 5)
		val &= ~0xffULL;
	name(s, "set_debugreg");
	dt_arg(s, "reg", reg);
	dt_arg(s, "val", val);
	result(s, dt_hc(__HYPERVISOR_set_debugreg, reg, val, 0, 0, 0));
	for (int r = 0; r < 8; r++) {
		long v = dt_hc(__HYPERVISOR_get_debugreg, (uint64_t)r, 0, 0, 0, 0);
		char c[40];

		if (v >= (long)BUF && v < (long)(BUF + 8192))
			rt_snprintf(c, sizeof(c), "buf+%#lx", v - (long)BUF);
		else
			rt_snprintf(c, sizeof(c), "%#lx", v);
		dt_statef(s, "%sdr%d=%s", r ? "," : "", r, c);
	}
	for (int r = 0; r < 4; r++)
		dt_hc(__HYPERVISOR_set_debugreg, (uint64_t)r, 0, 0, 0, 0);
}

static void op_set_gdt(struct dt_step *s)
{
	unsigned int n = 1 + (unsigned int)dt_below(3);
	uint64_t list = dt_below(5) ? BUF : dt_bad_ptr(), ents;

	for (unsigned int i = 0; i < n; i++)
		W64(8 * i) = frame_writable_ok();
	ents = dt_below(2) ? dt_below(n * 512 + 2) : dt_edge();
	name(s, "set_gdt");
	for (unsigned int i = 0; i < n; i++)
		dt_arg(s, "f", W64(8 * i));
	dt_arg(s, "list", list);
	dt_arg(s, "ents", ents);
	result(s, dt_hc(__HYPERVISOR_set_gdt, list, ents, 0, 0, 0));
	scratch_state(s);
}

static void op_update_descriptor(struct dt_step *s)
{
	static const uint64_t descs[] = {
		0x00af9a000000ffffULL, 0x00affa000000ffffULL, 0x00cff2000000ffffULL, 0x00cf92000000ffffULL,
		0xffff8e0000100000ULL, 0x0000ec0000100000ULL, 0x00008c0000100000ULL, 0x0000890000000067ULL,
		0x0000820000000000ULL, 0,
	};
	uint64_t ma = (frame_writable_ok() << 12) + (dt_below(4) ? dt_below(512) * 8 : dt_below(4096));
	uint64_t desc = dt_below(3) ? descs[dt_below(10)] : dt_edge();

	name(s, "update_descriptor");
	dt_arg(s, "ma", ma);
	dt_arg(s, "desc", desc);
	result(s, dt_hc(__HYPERVISOR_update_descriptor, ma, desc, 0, 0, 0));
	scratch_state(s);
}

static void op_vm_assist(struct dt_step *s)
{
	static const uint64_t types[] = { 0, 1, 2, 3, 4, 5, 6, 31, 32, 33 };
	uint64_t cmd = dt_below(4) ? dt_below(3) : dt_edge(), type = dt_below(4) ? types[dt_below(10)] : dt_edge();

	name(s, "vm_assist");
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "type", type);
	result(s, dt_hc(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0));
}

static void op_console_io(struct dt_step *s)
{
	static const char line[] = "difftest: console line\n";
	uint64_t cmd = dt_below(4) ? dt_below(3) : dt_edge(), cnt, ptr;

	/* A write prints exactly one whole line or nothing: a partial line would merge with the next step's. */
	if ((uint32_t)cmd == CONSOLEIO_write) {
		memcpy(dt_buf[0], line, sizeof(line) - 1);
		cnt = dt_below(2) ? sizeof(line) - 1 : 0;
		ptr = dt_below(2) ? BUF : dt_bad_ptr();
		if (ptr != BUF && dt_below(2))
			cnt = dt_edge();
		/* Our tables are readable: their bytes would be printed into the step lines. */
		if (ptr >= dt_pt_va[1] - 0x1000000 && ptr < dt_pt_va[1] + 0x1000000)
			ptr = RT_BAD_PTR_UNMAPPED;
	} else {
		cnt = dt_below(2) ? dt_below(64) : dt_edge();
		ptr = dt_ptr(64);
	}
	name(s, "console_io:%u", (uint32_t)cmd < 2 ? (uint32_t)cmd : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "count", cnt);
	dt_arg(s, "buf", ptr);
	result(s, dt_hc(__HYPERVISOR_console_io, cmd, cnt, ptr, 0, 0));
}

static void op_physdev_op(struct dt_step *s)
{
	static const uint32_t cmds[] = { PHYSDEVOP_irq_status_query, PHYSDEVOP_set_iopl, PHYSDEVOP_set_iobitmap,
					 PHYSDEVOP_apic_read, PHYSDEVOP_eoi, PHYSDEVOP_map_pirq, PHYSDEVOP_unmap_pirq,
					 PHYSDEVOP_manage_pci_add, PHYSDEVOP_manage_pci_remove, PHYSDEVOP_restore_msi,
					 PHYSDEVOP_pirq_eoi_gmfn_v2, PHYSDEVOP_setup_gsi, 0, 1, 2, 3, 4, 18, 24, 40 };
	uint64_t cmd = dt_below(6) ? cmds[dt_below(20)] : dt_edge(), arg = dt_ptr(32);
	uint32_t low = (uint32_t)cmd;

	for (int i = 0; i < 8; i++)
		W32(4 * i) = (uint32_t)(dt_below(2) ? dt_below(8) : dt_edge32());
	switch (low) {	/* nothing that touches the machine's interrupts, devices or a kept frame */
	case PHYSDEVOP_eoi: case PHYSDEVOP_irq_status_query: W32(0) = 1000 + (uint32_t)dt_below(1000); break;
	case PHYSDEVOP_apic_write: case PHYSDEVOP_get_free_pirq: case PHYSDEVOP_alloc_irq_vector:
	case PHYSDEVOP_free_irq_vector: cmd = 99; break;
	/* prepare_msix/release_msix (30, 31): Xen 4.17 dereferences NULL for a device it does not know (found here). */
	case 30: case 31: cmd = 99; break;
	case PHYSDEVOP_map_pirq: case PHYSDEVOP_unmap_pirq: W16(0) = (uint16_t)(1 + dt_below(5)); break;
	case PHYSDEVOP_manage_pci_add: case PHYSDEVOP_manage_pci_remove: case PHYSDEVOP_restore_msi:
	case PHYSDEVOP_manage_pci_add_ext: W32(0) = 0x80 + (uint32_t)dt_below(0x7f); break;
	case PHYSDEVOP_pirq_eoi_gmfn_v1: case PHYSDEVOP_pirq_eoi_gmfn_v2: W64(0) = dt_far_frame(); break;
	case PHYSDEVOP_setup_gsi: W32(0) = 1000 + (uint32_t)dt_below(1000); break;
	case PHYSDEVOP_set_iobitmap: W64(0) = dt_bad_ptr(); break;
	case PHYSDEVOP_apic_read: W64(0) = dt_edge() | 0x100000000ULL; break;
	default: break;
	}
	name(s, "physdev_op:%u", (uint32_t)cmd < 32 ? (uint32_t)cmd : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "arg", arg);
	dt_arg(s, "w0", W64(0));
	result(s, dt_hc(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0));
	if ((uint32_t)cmd == PHYSDEVOP_set_iopl) {
		uint32_t zero = 0;

		dt_hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(&zero), 0, 0, 0);
	}
}

/* Multicall entries from a set that cannot hurt us. */
static void mc_entry(unsigned int i, struct dt_step *s)
{
	uint64_t *e = &W64(64 * i);

	e[1] = dt_edge();
	for (int a = 2; a < 8; a++)
		e[a] = dt_edge();
	switch (dt_below(10)) {
	case 0: e[0] = __HYPERVISOR_xen_version; e[2] = 6 + dt_below(2); e[3] = dt_below(2) ? BUF + 4096 : dt_bad_ptr(); break;
	case 1: e[0] = __HYPERVISOR_sched_op; e[2] = SCHEDOP_yield; break;
	case 2: e[0] = __HYPERVISOR_multicall; e[2] = BUF; e[3] = 1; break;
	case 3: e[0] = dt_below(2) ? 64 + dt_below(200) : (dt_rnd() & 0xffffffff00000000ULL) | __HYPERVISOR_xen_version;
		e[2] = 7;
		break;
	case 4: e[0] = __HYPERVISOR_fpu_taskswitch; e[2] = 0; break;
	case 5: e[0] = __HYPERVISOR_update_va_mapping; e[2] = RT_PTR(dt_window); e[3] = pte(); e[4] = UVMF_INVLPG; break;
	case 6: e[0] = __HYPERVISOR_vm_assist; e[2] = VMASST_CMD_disable; e[3] = 33 + dt_below(8); break;
	case 7: e[0] = __HYPERVISOR_memory_op; e[2] = dt_below(2) ? XENMEM_maximum_gpfn : 63; e[3] = BUF + 4096; break;
	case 8: e[0] = __HYPERVISOR_event_channel_op; e[2] = EVTCHNOP_status; e[3] = dt_bad_ptr(); break;
	default: e[0] = __HYPERVISOR_set_debugreg; e[2] = dt_below(10); e[3] = 0; break;
	}
	W16(4096) = DOMID_SELF;
	dt_argf(s, "%sop=%#llx", s->args[0] ? "," : "", (unsigned long long)e[0]);
	dt_arg(s, "a0", e[2]);
	dt_arg(s, "a1", e[3]);
}

static void op_multicall(struct dt_step *s)
{
	unsigned int n = 1 + (unsigned int)dt_below(4);
	uint64_t list = dt_below(6) ? BUF : dt_bad_ptr(), cnt = count(n);

	if (cnt > 64)
		cnt = dt_below(2) ? n : cnt;
	name(s, "multicall");
	for (unsigned int i = 0; i < n; i++)
		mc_entry(i, s);
	dt_arg(s, "list", list);
	dt_arg(s, "count", cnt);
	result(s, dt_hc(__HYPERVISOR_multicall, list, cnt, 0, 0, 0));
	window_state(s);
}

static void op_xen_version(struct dt_step *s)
{
	uint64_t cmd = dt_below(6) ? dt_below(12) : dt_edge(), arg = dt_ptr(1024);
	uint32_t low = (uint32_t)cmd;

	W32(0) = (uint32_t)(dt_below(2) ? 0 : dt_edge32());
	name(s, "xen_version:%u", low < 12 ? low : 99);
	dt_arg(s, "cmd", cmd);
	dt_arg(s, "arg", arg);
	result(s, dt_hc(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0));
	/* Strings and IDs that name the hypervisor itself are not compared, only whether the call worked. */
	if (low == XENVER_extraversion || low == XENVER_compile_info || low == XENVER_changeset ||
	    low == XENVER_capabilities || low == XENVER_commandline || low == XENVER_build_id) {
		s->hash_buf = 0;
		if (s->rc > 0)
			s->rc = 1;
	}
}

static void op_other(struct dt_step *s)
{
	static const uint64_t nrs[] = { 7, 11, 15, 16, 19, 27, 28, 31, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 47,
					48, 55, 56, 63, 64, 0x100 };
	uint64_t nr, a[5];

	for (int i = 0; i < 5; i++)
		a[i] = dt_below(2) ? dt_edge() : dt_bad_ptr();
	if (dt_below(6) == 0) {
		/* Upper bits on the number of a harmless call. */
		nr = (dt_rnd() & 0xffffffff00000000ULL) | (dt_below(2) ? __HYPERVISOR_xen_version : __HYPERVISOR_vm_assist);
		a[0] = 7;
		a[1] = 33;
	} else {
		nr = nrs[dt_below(25)];
		/* Privileged interfaces get pointers they cannot read: nothing of the machine changes. */
		if (nr == 7 || nr == 35 || nr == 36 || nr == 27 || nr == 31 || nr == 37 || nr == 41 || nr == 42 || nr == 48)
			a[0] = a[1] = dt_bad_ptr();
		if (nr == 15)
			a[0] = dt_below(2) ? 0 : dt_edge();
		if (nr == 16 || nr == 19)
			a[0] = dt_bad_ptr();
	}
	name(s, "hypercall:%llu", (unsigned long long)(nr < 0x100 ? nr : 999));
	dt_arg(s, "nr", nr);
	for (int i = 0; i < 5; i++)
		dt_arg(s, "a", a[i]);
	result(s, dt_hc(nr, a[0], a[1], a[2], a[3], a[4]));
	if (nr == 15)
		dt_hc(15, 0, 0, 0, 0, 0);
}

void dt_step_hypercall(struct dt_step *s)
{
	switch (dt_below(26)) {
	case 0: case 1: op_mmu_update(s); break;
	case 2: case 3: op_mmuext_op(s); break;
	case 4: case 5: op_update_va_mapping(s); break;
	case 6: op_reservation(s); break;
	case 7: op_memory_query(s); break;
	case 8: case 9: op_event_channel(s); break;
	case 10: op_grant_table(s); break;
	case 11: op_vcpu_op(s); break;
	case 12: op_sched_op(s); break;
	case 13: op_set_trap_table(s); break;
	case 14: op_callbacks(s); break;
	case 15: op_set_segment_base(s); break;
	case 16: op_stack_switch(s); break;
	case 17: op_fpu_taskswitch(s); break;
	case 18: op_debugreg(s); break;
	case 19: op_set_gdt(s); break;
	case 20: op_update_descriptor(s); break;
	case 21: op_vm_assist(s); break;
	case 22: op_console_io(s); break;
	case 23: op_physdev_op(s); break;
	case 24: op_multicall(s); break;
	default: if (dt_below(2)) op_xen_version(s); else op_other(s); break;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * difftest: the differential tester's guest. For each seed on its command
 * line (seeds=A-B steps=N) it runs N random steps, hypercalls and
 * privileged instructions, valid and invalid, within its own memory, and
 * prints one canonical line per step:
 *
 *   D <seed> <step> <op> <args> | rc=<rc> exc=<vector>/<error code>@<where> mem=<hash> st=<state>
 *
 * Anything that may legitimately differ between hypervisors (machine frame
 * numbers, hypervisor addresses and versions, times) is printed by role or
 * left out, so that equal behaviour gives equal lines; the runner
 * (tests/conformance/diff/run-diff) diffs Xen 4.17's lines against Skiff's.
 * Not Skiff-specific: it runs as dom0 on both.
 */
#include <pvabi/callback.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/physdev.h>
#include <pvabi/sched.h>
#include <pvabi/vcpu.h>
#include "dt.h"

uint8_t dt_pages[4][4096] __attribute__((aligned(4096)));
uint64_t dt_window[512] __attribute__((aligned(4096)));

uint64_t dt_scratch_pfn[DT_NR_SCRATCH], dt_scratch_mfn[DT_NR_SCRATCH], dt_pt_mfn[5];
uint64_t dt_window_l1_mfn, dt_window_pte;
/* Where our tables are mapped, noted at the start: a step may rewrite M2P entries, so the M2P is not asked again. */
uint64_t dt_pt_va[5];
unsigned int dt_window_slot;
volatile struct dt_exc dt_exc;
volatile uint64_t dt_resume;

static uint64_t rng;
int dt_trace;
uint64_t dt_own_bits[DT_OWN_BITS / 64];
static uint64_t image_pfns, nr_pages;
static volatile const uint64_t *window_l1, *guard_l1;
static unsigned int guard_slot;

uint64_t dt_rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

uint64_t dt_below(uint64_t n)
{
	return n ? dt_rnd() % n : 0;
}

/* ---- canonical values ---- */

/*
 * Frames the current step named on purpose (image frames, entries of our
 * tables): only these are printed by role besides the tables and scratch
 * frames, so that an edge value that happens to equal a frame of ours on
 * one hypervisor is still printed as a number.
 */
static uint64_t noted[32];
static unsigned int nr_noted;

void dt_note_frame(uint64_t mfn)
{
	if (nr_noted < 32)
		noted[nr_noted++] = mfn;
}

uint64_t dt_named(uint64_t mfn)
{
	dt_note_frame(mfn);
	return mfn;
}

static int is_noted(uint64_t mfn)
{
	for (unsigned int i = 0; i < nr_noted; i++)
		if (noted[i] == mfn)
			return 1;
	return 0;
}

/*
 * Image frames and addresses are named by what they hold, never by their position in the image: the
 * recording of Xen's lines must stay valid when the runtime's code grows and moves the data behind it.
 */
#define DT_TEXT_PFNS 16

static void image_frame_name(uint64_t pfn, char *out, size_t size)
{
	if (pfn == sec_pfn_of(dt_window))
		rt_snprintf(out, size, "win");
	else if (pfn >= sec_pfn_of(dt_pages[0]) && pfn <= sec_pfn_of(dt_pages[3]))
		rt_snprintf(out, size, "pg%llu", (unsigned long long)(pfn - sec_pfn_of(dt_pages[0])));
	else if (pfn < DT_TEXT_PFNS)
		rt_snprintf(out, size, "img%llu", (unsigned long long)pfn);
	else
		rt_snprintf(out, size, "img");
}

/* An address in the image: in the window page, the buffer pages, the first text pages, or elsewhere. */
static int image_addr_name(uint64_t v, char *out, size_t size)
{
	uint64_t start = RT_PTR(rt_image_start);

	if (v >= RT_PTR(dt_window) && v < RT_PTR(dt_window) + 4096)
		rt_snprintf(out, size, "win+%#llx", (unsigned long long)(v - RT_PTR(dt_window)));
	else if (v >= RT_PTR(dt_pages) && v < RT_PTR(dt_pages) + sizeof(dt_pages))
		rt_snprintf(out, size, "buf+%#llx", (unsigned long long)(v - RT_PTR(dt_pages)));
	else if (v >= start && v < start + DT_TEXT_PFNS * 4096)
		rt_snprintf(out, size, "text+%#llx", (unsigned long long)(v - start));
	else if (v >= start && v < RT_PTR(rt_image_end))
		rt_snprintf(out, size, "kimg");
	else
		return 0;
	return 1;
}

/*
 * The role of a frame of ours: 0 if the frame is not known to be ours or was
 * not named on purpose. bare: the number stands alone (not in a PTE), and
 * counts as a table's or scratch frame's only if the step named it too: a
 * number the tester drew for something else (a pirq, a count) may equal one
 * of those frame numbers on one hypervisor and not on the other (seed 482).
 */
static int frame_role(uint64_t mfn, char *out, size_t size, bool bare)
{
	uint64_t pfn;

	if (mfn < 0x100 || (bare && !is_noted(mfn)))
		return 0;
	for (int l = 1; l <= 4; l++)
		if (mfn == dt_pt_mfn[l]) {
			rt_snprintf(out, size, "pt%d", l);
			return 1;
		}
	for (int i = 0; i < DT_NR_SCRATCH; i++)
		if (mfn == dt_scratch_mfn[i]) {
			rt_snprintf(out, size, "s%d", i);
			return 2;
		}
	if (mfn >= DT_OWN_BITS || !((dt_own_bits[mfn / 64] >> (mfn % 64)) & 1) || (!bare && !is_noted(mfn)))
		return 0;
	for (pfn = 0; pfn < image_pfns; pfn++)
		if (sec_p2m(pfn) == mfn) {
			image_frame_name(pfn, out, size);
			return 3;
		}
	rt_snprintf(out, size, "own");
	return 4;
}

void dt_canon(char *out, size_t size, uint64_t v)
{
	char role[16];
	uint64_t frame = (v & SEC_PTE_ADDR) >> 12;

	if (v >= 0x100 && v < (1ULL << 40) && frame_role(v, role, sizeof(role), true)) {
		rt_snprintf(out, size, "m:%s", role);
		return;
	}
	if (frame_role(frame, role, sizeof(role), false)) {
		rt_snprintf(out, size, "%s|%#llx", role, (unsigned long long)(v & ~SEC_PTE_ADDR));
		return;
	}
	rt_snprintf(out, size, "%#llx", (unsigned long long)v);
}

/* A word of memory with own frame numbers replaced by their roles, for hashing. */
uint64_t dt_canon_word(uint64_t v)
{
	char role[16];
	int r;

	/* A pointer into our tables: the builders map them at different addresses. */
	for (int l = 1; l <= 4; l++)
		if (v >= dt_pt_va[l] && v < dt_pt_va[l] + 4096)
			return 0xc0de5a0000000000ULL ^ ((uint64_t)l << 16) ^ (v - dt_pt_va[l]);
	if (v >= 0x100 && v < (1ULL << 40) && (r = frame_role(v, role, sizeof(role), true)))
		return 0xc0de000000000000ULL ^ (uint64_t)r ^ ((uint64_t)role[1] << 8) ^ ((uint64_t)role[2] << 16);
	r = frame_role((v & SEC_PTE_ADDR) >> 12, role, sizeof(role), false);
	if (r)
		return (v & ~SEC_PTE_ADDR) ^ ((uint64_t)r << 12) ^ ((uint64_t)role[1] << 20) ^ ((uint64_t)role[2] << 28) ^
		       ((uint64_t)role[3] << 36);
	return v;
}

static void appendf(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t len = strlen(buf);

	if (len + 1 < size)
		rt_vsnprintf(buf + len, size - len, fmt, ap);
}

void dt_argf(struct dt_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	appendf(s->args, sizeof(s->args), fmt, ap);
	va_end(ap);
}

void dt_statef(struct dt_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	appendf(s->state, sizeof(s->state), fmt, ap);
	va_end(ap);
}

void dt_arg(struct dt_step *s, const char *name, uint64_t v)
{
	char c[48];

	int l;

	for (l = 1; l <= 4; l++)
		if (v >= dt_pt_va[l] && v < dt_pt_va[l] + 4096)
			break;
	if (image_addr_name(v, c, sizeof(c)))
		;
	else if (l <= 4)
		rt_snprintf(c, sizeof(c), "ptva%d+%#llx", l, (unsigned long long)(v - dt_pt_va[l]));
	else
		dt_canon(c, sizeof(c), v);
	dt_argf(s, "%s%s=%s", s->args[0] ? "," : "", name, c);
}

/* ---- argument values ---- */

static uint64_t hv_addr(void)
{
	static const uint64_t bases[] = { 0xffff800000000000ULL, 0xffff830000000000ULL, 0xffff82d080000000ULL,
					  0xffff87fffffff000ULL };

	return bases[dt_below(4)] + (dt_below(2) ? 0 : dt_below(0x1000) * 8);
}

/* A machine frame that is nobody's RAM on either hypervisor (512 MiB of RAM, nothing mapped up to the PCI hole). */
uint64_t dt_far_frame(void)
{
	static const uint64_t far[] = { 0x30000, 0x40000, 0x7ffff, 0xfffffffffULL, 0xffffffffffULL, ~0ULL >> 12 };

	return far[dt_below(6)] + (dt_below(2) ? 0 : dt_below(16));
}

/* A frame argument: a scratch frame, one of our tables, an image frame, or nobody's. */
uint64_t dt_frame(void)
{
	switch (dt_below(6)) {
	case 0: case 1: return dt_named(dt_scratch_mfn[dt_below(DT_NR_SCRATCH)]);
	case 2: return dt_named(dt_pt_mfn[1 + dt_below(4)]);
	case 3: {
		uint64_t k = dt_below(DT_TEXT_PFNS + 5);
		uint64_t pfn = k < DT_TEXT_PFNS ? k
			       : k < DT_TEXT_PFNS + 4 ? sec_pfn_of(dt_pages[k - DT_TEXT_PFNS]) : sec_pfn_of(dt_window);
		uint64_t m = sec_p2m(pfn);

		dt_note_frame(m);
		return m;
	}
	default: return dt_far_frame();
	}
}

uint64_t dt_edge(void)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 511, 512, 4095, 4096, 0x7fff,
		0x7ff0, 0x7ff1, 0x7ff2, 0x7ff4, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 1ULL << 63, (1ULL << 63) - 1, ~0ULL, ~1ULL, ~0xfffULL,
		0x0000800000000000ULL, 0x00007ffffffff000ULL, 0xfffffffffffff000ULL,
	};

	switch (dt_below(8)) {
	case 0: case 1: case 2: return fixed[dt_below(sizeof(fixed) / sizeof(fixed[0]))];
	case 3: return dt_below(64);
	case 4: return hv_addr();
	case 5: return (dt_rnd() & 0xffffffff00000000ULL) | dt_below(16);	/* upper half set */
	/* A machine address, but of nobody's frame: one of our tables' would be a different number on each hypervisor. */
	case 6: return dt_far_frame() << 12 | (dt_below(512) * 8);
	default: return (uint32_t)dt_rnd();
	}
}

uint32_t dt_edge32(void)
{
	return (uint32_t)dt_edge();
}

uint64_t dt_bad_ptr(void)
{
	switch (dt_below(7)) {
	case 0: return 0;
	case 1: return RT_BAD_PTR_UNMAPPED + dt_below(64) * 8;
	case 2: return RT_PTR(dt_guard) + dt_below(4096);
	case 3: return hv_addr();
	case 4: return RT_BAD_PTR_NONCANON + dt_below(0x1000);
	case 5: return 0x00007ffffffff000ULL + dt_below(0x1000);
	default: return RT_PTR(window_l1) + dt_below(512) * 8;	/* a table of ours, mapped read-only */
	}
}

/* A pointer into the buffer for `need` bytes: at its start, ending at the guard, straddling it, unaligned; or a bad one. */
uint64_t dt_ptr(unsigned int need)
{
	uint64_t end = RT_PTR(dt_guard);

	if (need > 4096)
		need = 4096;
	switch (dt_below(8)) {
	case 0: case 1: case 2: return RT_PTR(dt_buf);
	case 3: return end - need;
	case 4: return end - need / 2 - 1;
	case 5: return RT_PTR(dt_buf) + 1 + dt_below(4096);
	default: return dt_bad_ptr();
	}
}

/* ---- exceptions ---- */

uint32_t dt_exception(uint64_t vector, uint64_t *frame)
{
	static const uint32_t has_ec = (1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) | (1U << 13) | (1U << 14) |
				       (1U << 17) | (1U << 21) | (1U << 29) | (1U << 30);
	uint32_t ec = vector < 32 ? (has_ec >> vector) & 1 : 0;

	if (!dt_resume) {
		rt_printf("difftest: unexpected exception %llu at %#llx (error code %#llx)\n",
			  (unsigned long long)vector, (unsigned long long)frame[2 + ec],
			  ec ? (unsigned long long)frame[2] : 0ULL);
		rt_shutdown(SHUTDOWN_crash);
	}
	dt_exc.vector = (int)vector;
	dt_exc.ec = ec ? frame[2] : 0;
	dt_exc.rip = frame[2 + ec];
	dt_exc.cr2 = vector == 14 ? sec_vcpu_info()->arch.cr2 : 0;
	frame[2 + ec] = dt_resume;
	dt_resume = 0;
	return ec;
}

extern const uint64_t dt_exc_stubs[35];

long dt_install_traps(void)
{
	static struct trap_info table[36];
	unsigned int n = 0;

	for (unsigned int v = 0; v < 35; v++) {
		unsigned int vec = v < 33 ? v : v == 33 ? 0x80 : 0x81;

		table[n].vector = (uint8_t)vec;
		/* int3, into, $0x20 and $0x80 may be raised by the guest kernel on purpose; $0x81 may not. */
		table[n].flags = (vec == 3 || vec == 4 || vec == 0x20 || vec == 0x80) ? 3 : 0;
		table[n].cs = FLAT_KERNEL_CS;
		table[n].address = dt_exc_stubs[v];
		n++;
	}
	memset(&table[n], 0, sizeof(table[n]));
	/* A table adds to the entries already installed: a NULL table first clears what a step installed. */
	hyp_set_trap_table(0);
	return hyp_set_trap_table(RT_PTR(table));
}

/* ---- state put back between steps and seeds ---- */

static void callbacks_default(void)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event, .address = RT_PTR(dt_exc_stubs[32]) };

	hyp_callback_op(CALLBACKOP_register, RT_PTR(&cb));
	cb.type = CALLBACKTYPE_failsafe;
	hyp_callback_op(CALLBACKOP_register, RT_PTR(&cb));
	cb.type = CALLBACKTYPE_syscall;
	hyp_callback_op(CALLBACKOP_register, RT_PTR(&cb));
}

void dt_repair(void)
{
	dt_install_traps();
	callbacks_default();
	if (window_l1[dt_window_slot] != dt_window_pte)
		hyp_update_va_mapping(RT_PTR(dt_window), dt_window_pte, UVMF_INVLPG);
	/* M2P entries of the scratch frames: mmu_update may have rewritten them. */
	for (int i = 0; i < DT_NR_SCRATCH; i++)
		if (sec_m2p(dt_scratch_mfn[i]) != dt_scratch_pfn[i])
			sec_mmu1(dt_scratch_mfn[i] << 12 | MMU_MACHPHYS_UPDATE, dt_scratch_pfn[i]);
	dt_hc(__HYPERVISOR_set_debugreg, 7, 0, 0, 0, 0);
	dt_hc(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
	sec_vcpu_info()->evtchn_upcall_mask = 1;
	/* update_va_mapping may have mapped something at the guard page. */
	if (guard_l1[guard_slot] & SEC_PTE_P)
		hyp_update_va_mapping(RT_PTR(dt_guard), 0, UVMF_INVLPG);
}

static void reset_seed(void)
{
	static const int assists[] = { 0, 1, 2, 3, 4, 5, 32 };
	uint64_t ext[1] = { 0 };

	dt_repair();
	for (int i = 0; i < 7; i++)
		hyp_vm_assist(VMASST_CMD_disable, (uint64_t)assists[i]);
	for (int i = 0; i < 4; i++)
		dt_hc(__HYPERVISOR_set_segment_base, (uint64_t)i, 0, 0, 0, 0);
	for (int i = 0; i < 4; i++)
		dt_hc(__HYPERVISOR_set_debugreg, (uint64_t)i, 0, 0, 0, 0);
	dt_hc(__HYPERVISOR_set_debugreg, 6, 0xffff0ff0, 0, 0, 0);
	dt_hc(__HYPERVISOR_set_gdt, RT_PTR(ext), 0, 0, 0, 0);
	sec_ext1(MMUEXT_NEW_USER_BASEPTR, 0);
	{
		struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

		hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
	}
	/* Scratch frames back to plain zeroed pages: unpin (twice, tables may hold each other), then clear. */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < DT_NR_SCRATCH; i++)
			sec_ext1(MMUEXT_UNPIN_TABLE, dt_scratch_mfn[i]);
	/* Our L1-L3 may have been pinned by a step (the L4 stays pinned): still in use through the L4 either way. */
	for (int l = 1; l <= 3; l++)
		sec_ext1(MMUEXT_UNPIN_TABLE, dt_pt_mfn[l]);
	{
		static const uint16_t types[] = { CALLBACKTYPE_nmi, CALLBACKTYPE_syscall32, CALLBACKTYPE_sysenter };

		for (int i = 0; i < 3; i++) {
			struct callback_unregister un = { .type = types[i] };

			hyp_callback_op(CALLBACKOP_unregister, RT_PTR(&un));
		}
	}
	{
		uint64_t period = 10000000;

		dt_hc(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, RT_PTR(&period), 0, 0);
	}
	/*
	 * A scratch frame that cannot be mapped to be zeroed is no longer ours:
	 * Xen lets decrease_reservation take a frame that is still a page table
	 * (the user L4, say), keeps its M2P entry until the last reference goes
	 * (here, at NEW_USER_BASEPTR 0 above), and then frees it. Replace it,
	 * or the next seed names a frame that is not ours (seed 326 did).
	 */
	for (int i = 0; i < DT_NR_SCRATCH; i++)
		if (sec_zero_frame(dt_scratch_mfn[i]))
			dt_refill_scratch(i);
	for (uint32_t port = 1; port < 64; port++) {
		uint32_t close = port;

		hyp_event_channel_op(EVTCHNOP_close, RT_PTR(&close));
	}
	{
		uint32_t ver = 1;

		hyp_grant_table_op(GNTTABOP_set_version, RT_PTR(&ver), 1);
	}
	dt_hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0, 0, 0);
	dt_hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, RT_PTR(ext), 0, 0, 0);
}

/* ---- the step line ---- */

static uint64_t hash_buf(void);

void dt_hash_now(struct dt_step *s)
{
	s->hash = hash_buf();
	s->hash_done = 1;
}

static uint64_t hash_buf(void)
{
	const uint64_t *w = (const uint64_t *)dt_buf;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < DT_BUF_SIZE / 8; i++) {
		h ^= dt_canon_word(w[i]);
		h *= 0x100000001b3ULL;
		if (dt_trace > 1 && w[i] != (0x5a5a5a5a00000000ULL | i))
			rt_printf("TRACEW %u %#llx\n", i, (unsigned long long)dt_canon_word(w[i]));
	}
	return h;
}

/* Own frames are identified by a linear search; this keeps it cheap: only words that can be frames are searched. */
static void fill_buf(void)
{
	uint64_t *w = (uint64_t *)dt_buf;

	for (unsigned int i = 0; i < DT_BUF_SIZE / 8; i++)
		w[i] = 0x5a5a5a5a00000000ULL | i;
}

static void where(char *out, size_t size, uint64_t addr)
{
	if (addr >= RT_PTR(dt_buf) && addr < RT_PTR(dt_buf) + 3 * 4096)
		rt_snprintf(out, size, "buf+%#llx", (unsigned long long)(addr - RT_PTR(dt_buf)));
	else if (addr >= RT_PTR(rt_image_start) && addr < RT_PTR(rt_image_end))
		rt_snprintf(out, size, "image");
	else
		rt_snprintf(out, size, "%#llx", (unsigned long long)addr);
}

/* Keeps the first keep characters of a field and replaces the rest by "~" and a hash of the whole field. */
static void shorten(char *field, size_t keep)
{
	size_t len = strlen(field);
	uint64_t h = 0xcbf29ce484222325ULL;

	if (len <= keep + 18)
		return;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)field[i];
		h *= 0x100000001b3ULL;
	}
	rt_snprintf(field + keep, 19, "~%016llx", (unsigned long long)h);
}

static void run_step(uint64_t seed, unsigned int n)
{
	static struct dt_step s;
	char exc[96] = "-", mem[24] = "-", cr2[40];

	memset(&s, 0, sizeof(s));
	s.hash_buf = 1;
	nr_noted = 0;
	dt_note_frame(dt_window_pte >> 12 & 0xffffffffffULL);
	dt_exc.vector = -1;
	fill_buf();
	if (dt_below(3))
		dt_step_hypercall(&s);
	else
		dt_step_insn(&s);
	if (dt_exc.vector >= 0) {
		where(cr2, sizeof(cr2), dt_exc.cr2);
		rt_snprintf(exc, sizeof(exc), "%d/%#llx%s%s", dt_exc.vector, (unsigned long long)dt_exc.ec,
			    dt_exc.vector == 14 ? "@" : "", dt_exc.vector == 14 ? cr2 : "");
	}
	if (s.hash_buf)
		rt_snprintf(mem, sizeof(mem), "%016llx", (unsigned long long)(s.hash_done ? s.hash : hash_buf()));
	{
		/* Written whole: rt_printf's buffer would cut a long line, and a cut line cannot be compared. */
		static char line[DT_LINE];
		char rc[24] = "-";
		int len;

		if (s.has_rc)
			rt_snprintf(rc, sizeof(rc), "%ld", s.rc);
		len = rt_snprintf(line, sizeof(line), "D %llu %u %s %s | rc=%s exc=%s mem=%s st=%s\n",
				  (unsigned long long)seed, n, s.name, s.args, rc, exc, mem, s.state[0] ? s.state : "-");
		/* Skiff's console splits guest lines longer than 256 bytes: long fields are shortened to a prefix and a hash. */
		if (len > DT_SHORT_LINE) {
			shorten(s.args, 90);
			shorten(s.state, 60);
			len = rt_snprintf(line, sizeof(line), "D %llu %u %s %s | rc=%s exc=%s mem=%s st=%s\n",
					  (unsigned long long)seed, n, s.name, s.args, rc, exc, mem,
					  s.state[0] ? s.state : "-");
		}
		rt_console_write(line, len < (int)sizeof(line) ? (size_t)len : sizeof(line) - 1);
	}
	dt_repair();
}

static int setup(void)
{
	uint64_t pfns[DT_NR_SCRATCH];

	nr_pages = rt_boot.si->nr_pages;
	for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
		if (sec_p2m(pfn) < DT_OWN_BITS)
			dt_own_bits[sec_p2m(pfn) / 64] |= 1ULL << (sec_p2m(pfn) % 64);
	image_pfns = sec_pfn_of(rt_image_end);
	if (sec_walk(RT_PTR(dt_window), dt_pt_mfn))
		return -1;
	for (int l = 1; l <= 4; l++)
		dt_pt_va[l] = RT_PTR(sec_va_of_mfn(dt_pt_mfn[l]));
	window_l1 = (volatile const uint64_t *)(uintptr_t)dt_pt_va[1];
	dt_window_l1_mfn = dt_pt_mfn[1];
	dt_window_slot = (unsigned int)((RT_PTR(dt_window) >> 12) & 511);
	dt_window_pte = window_l1[dt_window_slot];
	if (sec_scratch_pfns(pfns, DT_NR_SCRATCH) != DT_NR_SCRATCH)
		return -1;
	/* Lowest first: both hypervisors then number them the same way. */
	for (int i = 0; i < DT_NR_SCRATCH; i++) {
		dt_scratch_pfn[i] = pfns[DT_NR_SCRATCH - 1 - i];
		dt_scratch_mfn[i] = sec_p2m(dt_scratch_pfn[i]);
	}
	if (hyp_update_va_mapping(RT_PTR(dt_guard), 0, UVMF_INVLPG))
		return -1;
	{
		uint64_t g[5];

		if (sec_walk(RT_PTR(dt_pages), g))
			return -1;
		guard_l1 = sec_va_of_mfn(g[1]);
		guard_slot = (unsigned int)((RT_PTR(dt_guard) >> 12) & 511);
	}
	return dt_install_traps() ? -1 : 0;
}

static void parse_seeds(uint64_t *first, uint64_t *last)
{
	const char *s = rt_boot.si->cmd_line, *p = s;

	*first = sec_cmdline_num("seeds=", 1);
	*last = *first;
	while ((p = strchr(p, 's')) != NULL) {
		if (!strncmp(p, "seeds=", 6) && (p == s || p[-1] == ' ')) {
			const char *dash = p + 6;

			while (*dash >= '0' && *dash <= '9')
				dash++;
			if (*dash == '-') {
				uint64_t v = 0;

				for (dash++; *dash >= '0' && *dash <= '9'; dash++)
					v = v * 10 + (uint64_t)(*dash - '0');
				*last = v;
			}
			return;
		}
		p++;
	}
}

void test_main(void)
{
	uint64_t first, last, steps = sec_cmdline_num("steps=", 100);

	if (!sec_clock_init() || setup()) {
		tc_error("difftest: setup failed");
		return;
	}
	parse_seeds(&first, &last);
	dt_trace = (int)sec_cmdline_num("trace=", 0);
	rt_printf("difftest: seeds %llu-%llu, %llu steps, %llu pages, image %llu pages\n", (unsigned long long)first,
		  (unsigned long long)last, (unsigned long long)steps, (unsigned long long)nr_pages,
		  (unsigned long long)image_pfns);
	for (uint64_t seed = first; seed <= last; seed++) {
		reset_seed();
		rng = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
		rt_printf("D %llu begin\n", (unsigned long long)seed);
		for (unsigned int n = 0; n < steps; n++)
			run_step(seed, n);
		rt_printf("D %llu end\n", (unsigned long long)seed);
	}
	tc_pass("difftest: %llu seeds run", (unsigned long long)(last - first + 1));
}

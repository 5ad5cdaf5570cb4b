/* SPDX-License-Identifier: MIT */
/*
 * mmu_stress (boot-test guest): random mmu_update and mmuext_op requests
 * (fixed-seed xorshift) against the guest's own page tables, a scratch L1
 * hooked into its live L2, scratch frames nothing maps, other domains' and
 * non-existent frames. Requests that could succeed only ever touch the
 * scratch L1 or the scratch frames; requests aimed at the live tables, the
 * L4's hypervisor slots or the image are of forms the rules say must be
 * refused, and each is checked to be refused and to have changed nothing.
 * At the end the live tables must equal their snapshot, the scratch L1
 * must hold exactly the updates that were accepted, and what it maps must
 * read back as the frames it names.
 */
#include <pvabi/errno.h>
#include "test.h"

#define MAX_ITERS	200000
/* About 10 s of TCG on the machines this runs on (TSC near 2.2 GHz). */
#define CYCLE_BUDGET	(22ULL * 1000 * 1000 * 1000)
#define SEED		0x9e3779b97f4a7c15ULL

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_PS		0x080ULL
#define PTE_G		0x100ULL
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL
/* What both Xen and Skiff store unchanged from a request (they may add US, drop G, set A/D). */
#define PTE_CMP		(PTE_ADDR | PTE_P | PTE_RW | PTE_NX)

#define MAX_PT		32
#define NR_SCRATCH	8
#define BITMAP_MFNS	(1u << 19)
/* A 40-bit physical address is the most QEMU's TCG CPUs have: frames at or above 2^28 do not exist. */
#define BEYOND_MFN	(1ULL << 28)
/* 16..128 MiB: RAM in every configuration this runs in; the frames there that are not ours are someone else's. */
#define FOREIGN_LO	0x1000ULL
#define FOREIGN_HI	0x8000ULL

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

static uint64_t own_bits[BITMAP_MFNS / 64], mapped_bits[BITMAP_MFNS / 64];
static uint64_t pt_mfn[MAX_PT], pt_snap[MAX_PT][512];
static unsigned int pt_level[MAX_PT], nr_pt;
static uint64_t s1[512] __attribute__((aligned(4096)));
static uint64_t s1_shadow[512];
static uint64_t win[512] __attribute__((aligned(4096)));
static uint64_t canary[512] __attribute__((aligned(4096)));
static uint64_t s1_mfn, s1_va, scratch_mfn[NR_SCRATCH], scratch_pfn[NR_SCRATCH];
static uint64_t hv_mfn[16], shinfo_mfn, image_pfn0, image_pfns;
static unsigned int nr_hv;
static uint64_t rng = SEED;

enum kind { K_IMAGE, K_PT, K_SCRATCH, K_OWN, K_FOREIGN, K_BEYOND, K_LOW, K_SHINFO, K_HV, NR_KINDS };

enum cls {
	C_S1, C_S1_BAD, C_SCRATCH, C_M2P_SCRATCH, C_M2P_NOOP, C_LIVE_BAD, C_HV_SLOT, C_MISALIGNED,
	C_MISALIGNED_M2P, C_FOREIGN_PTR, C_BATCH, C_PIN_SCRATCH, C_PIN_WRONG, C_EXT_FOREIGN, C_BASEPTR_BAD,
	NR_CLS
};

static const struct {
	const char *name;
	int must_refuse;
} cls_info[NR_CLS] = {
	[C_S1] = { "scratch-L1 update", 0 },
	[C_S1_BAD] = { "scratch-L1 update, forbidden value", 1 },
	[C_SCRATCH] = { "scratch-frame update", 0 },
	[C_M2P_SCRATCH] = { "machphys of scratch frame", 0 },
	[C_M2P_NOOP] = { "machphys no-op of own frame", 0 },
	[C_LIVE_BAD] = { "live table, forbidden value", 1 },
	[C_HV_SLOT] = { "L4 hypervisor slot", 1 },
	[C_MISALIGNED] = { "ptr bit 2 set (cmd 4,6,7)", 1 },
	[C_MISALIGNED_M2P] = { "ptr bits 0,2 set (cmd 5)", 1 },
	[C_FOREIGN_PTR] = { "ptr in a frame not ours", 1 },
	[C_BATCH] = { "batch stopped at a bad entry", 1 },
	[C_PIN_SCRATCH] = { "pin/unpin scratch", 0 },
	[C_PIN_WRONG] = { "pin at the wrong level", 1 },
	[C_EXT_FOREIGN] = { "pin/unpin image/foreign", 1 },
	[C_BASEPTR_BAD] = { "new_baseptr to a non-L4", 1 },
};

static uint64_t sent[NR_CLS], accepted[NR_CLS], errs[NR_CLS][4];
static long other_rc[NR_CLS];
static unsigned long violations, side_effects, done_wrong;

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

static int bit_get(const uint64_t *bm, uint64_t mfn)
{
	return mfn < BITMAP_MFNS && (bm[mfn / 64] >> (mfn % 64)) & 1;
}

static void bit_set(uint64_t *bm, uint64_t mfn)
{
	if (mfn < BITMAP_MFNS)
		bm[mfn / 64] |= 1ULL << (mfn % 64);
}

static uint64_t mfn_of(const volatile void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

/* Only for frames whose M2P entry nothing here rewrites: the live tables and the image. */
static const volatile uint64_t *va_of_mfn(uint64_t mfn)
{
	return (const volatile uint64_t *)(uintptr_t)(RT_VIRT_BASE + (m2p[mfn] << 12));
}

static int pt_index(uint64_t mfn)
{
	for (unsigned int i = 0; i < nr_pt; i++)
		if (pt_mfn[i] == mfn)
			return (int)i;
	return -1;
}

static int is_table(uint64_t mfn)
{
	return mfn == s1_mfn || pt_index(mfn) >= 0;
}

static int is_scratch(uint64_t mfn)
{
	for (int i = 0; i < NR_SCRATCH; i++)
		if (scratch_mfn[i] == mfn)
			return 1;
	return 0;
}

/* A frame of the image other than the scratch L1 (which is a table): mapped writable, so never a table. */
static uint64_t image_mfn(void)
{
	for (;;) {
		uint64_t m = mfn_of((const void *)(uintptr_t)(RT_VIRT_BASE + ((image_pfn0 + below(image_pfns)) << 12)));

		if (m != s1_mfn)
			return m;
	}
}

static uint64_t foreign_mfn(void)
{
	for (int tries = 0; tries < 32; tries++) {
		uint64_t m = FOREIGN_LO + below(FOREIGN_HI - FOREIGN_LO);

		if (!bit_get(own_bits, m) && m != shinfo_mfn)
			return m;
	}
	return 0;
}

/* A frame of the given kind; *k is corrected when a random own frame turns out to be a table or scratch. */
static uint64_t pick_mfn(enum kind *k)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	uint64_t m;

	switch (*k) {
	case K_IMAGE:
		return image_mfn();
	case K_PT:
		return below(nr_pt + 1) == nr_pt ? s1_mfn : pt_mfn[below(nr_pt)];
	case K_SCRATCH:
		return scratch_mfn[below(NR_SCRATCH)];
	case K_OWN:
		m = p2m[below(rt_boot.si->nr_pages)];
		*k = is_table(m) ? K_PT : is_scratch(m) ? K_SCRATCH : K_OWN;
		return m;
	case K_FOREIGN:
		m = foreign_mfn();
		if (m)
			return m;
		*k = K_BEYOND;
		return BEYOND_MFN + below((1ULL << 40) - BEYOND_MFN);
	case K_LOW:
		return below(0x100);
	case K_SHINFO:
		return shinfo_mfn;
	case K_HV:
		if (nr_hv)
			return hv_mfn[below(nr_hv)];
		*k = K_BEYOND;
		return BEYOND_MFN;
	default:
		*k = K_BEYOND;
		return BEYOND_MFN + below((1ULL << 40) - BEYOND_MFN);
	}
}

static uint64_t random_flags(void)
{
	uint64_t f = 0, r = rnd();

	if (r % 10)
		f |= PTE_P;
	f |= (r >> 4) & (PTE_RW | PTE_US | PTE_A | PTE_D);
	if ((r >> 8) % 8 == 0)
		f |= PTE_PWT;
	if ((r >> 11) % 8 == 0)
		f |= PTE_PCD;
	if ((r >> 14) % 8 == 0)
		f |= PTE_PS;
	if ((r >> 17) % 8 == 0)
		f |= PTE_G;
	if ((r >> 20) % 4 == 0)
		f |= ((r >> 22) & 7) << 9;
	if ((r >> 25) % 5 == 0)
		f |= PTE_NX;
	if ((r >> 28) % 20 == 0)
		f |= ((r >> 33) & 0x7ff) << 52;
	return f;
}

/* A random entry value; *k says what kind of frame it names. */
static uint64_t random_val(enum kind *k)
{
	*k = (enum kind)below(NR_KINDS);
	return (pick_mfn(k) << 12) | random_flags();
}

/* The rules for a present L1 entry that hold on Xen and on Skiff, for any domain. */
static int l1_val_forbidden(uint64_t val, enum kind k)
{
	if (!(val & PTE_P))
		return 0;
	return k == K_FOREIGN || k == K_BEYOND || k == K_HV || (k == K_PT && (val & PTE_RW));
}

static void account(enum cls c, long rc, const char *what, uint64_t a, uint64_t b)
{
	sent[c]++;
	if (rc == 0) {
		accepted[c]++;
		if (cls_info[c].must_refuse && ++violations && accepted[c] <= 3)
			rt_printf("mmu_stress: ACCEPTED (%s): %s %#llx %#llx\n", cls_info[c].name, what,
				  (unsigned long long)a, (unsigned long long)b);
		return;
	}
	switch (rc) {
	case -XEN_EINVAL:
		errs[c][0]++;
		break;
	case -XEN_EBUSY:
		errs[c][1]++;
		break;
	case -XEN_EPERM:
		errs[c][2]++;
		break;
	default:
		errs[c][3]++;
		other_rc[c] = rc;
		break;
	}
}

static long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	uint32_t done = 0xdead;
	long rc = hyp_mmu_update(RT_PTR(&req), 1, RT_PTR(&done), DOMID_SELF);

	if (done != (rc == 0 ? 1u : 0u) && ++done_wrong <= 4)
		rt_printf("mmu_stress: mmu_update rc %ld but done %u\n", rc, done);
	return rc;
}

static long ext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static void side_effect(const char *what, uint64_t before, uint64_t after)
{
	if (++side_effects <= 8)
		rt_printf("mmu_stress: refused request changed %s: %#llx -> %#llx\n", what,
			  (unsigned long long)before, (unsigned long long)after);
}

static int s1_matches(unsigned int i)
{
	return ((s1[i] ^ s1_shadow[i]) & PTE_CMP) == 0;
}

/* Any value into the scratch L1; the shadow follows what was accepted. */
static void op_s1(void)
{
	static const uint64_t cmds[] = { MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE };
	unsigned int i = (unsigned int)below(512);
	uint64_t ptr = (s1_mfn << 12) + i * 8 + cmds[below(3)];
	enum kind k;
	uint64_t val = random_val(&k);
	int bad = l1_val_forbidden(val, k);
	long rc = mmu1(ptr, val);

	account(bad ? C_S1_BAD : C_S1, rc, "ptr/val", ptr, val);
	if (rc == 0)
		s1_shadow[i] = val;
	else if (!s1_matches(i))
		side_effect("a scratch-L1 entry", s1_shadow[i], s1[i]);
}

/* Scratch frames are plain pages or (pinned) tables of any level: every outcome is allowed. */
static void op_scratch(void)
{
	static const uint64_t cmds[] = { MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE };
	uint64_t ptr = (scratch_mfn[below(NR_SCRATCH)] << 12) + below(512) * 8 + cmds[below(3)], val;
	enum kind k;

	val = random_val(&k);
	account(C_SCRATCH, mmu1(ptr, val), "ptr/val", ptr, val);
}

static void op_machphys(void)
{
	uint64_t mfn, val;

	if (below(3)) {
		mfn = below(NR_SCRATCH + 1) == NR_SCRATCH ? s1_mfn : scratch_mfn[below(NR_SCRATCH)];
		val = below(2) ? rnd() : below(rt_boot.si->nr_pages);
		account(C_M2P_SCRATCH, mmu1((mfn << 12) | MMU_MACHPHYS_UPDATE, val), "mfn/pfn", mfn, val);
		return;
	}
	mfn = below(2) ? image_mfn() : pt_mfn[below(nr_pt)];
	account(C_M2P_NOOP, mmu1((mfn << 12) | MMU_MACHPHYS_UPDATE, m2p[mfn]), "mfn/pfn", mfn, m2p[mfn]);
}

/* A value the rules forbid in a table of this level whose slot now holds cur. */
static uint64_t forbidden_val(unsigned int level, uint64_t cur)
{
	static const uint64_t bad_bits[] = { PTE_PS, PTE_G, PTE_PWT, PTE_PCD };
	enum kind k;

	switch (below(4)) {
	case 0:
		k = K_BEYOND;
		break;
	case 1:
		k = K_FOREIGN;
		break;
	case 2:
		k = K_HV;
		break;
	default:
		if (level == 1) {
			if ((cur & PTE_P) && is_table((cur & PTE_ADDR) >> 12))
				return cur | PTE_RW;
			k = K_PT;
			return (pick_mfn(&k) << 12) | PTE_P | PTE_RW | (random_flags() & ~PTE_P);
		}
		if (cur & PTE_P)
			return cur | bad_bits[below(4)];
		k = K_PT;
		return (pick_mfn(&k) << 12) | PTE_P | PTE_RW | PTE_A | bad_bits[below(4)];
	}
	return (pick_mfn(&k) << 12) | PTE_P | (random_flags() & ~PTE_PS);
}

/* Aimed at the tables the guest runs on: only forbidden values, and the slot must not move. */
static void op_live(void)
{
	static const uint64_t cmds[] = { MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE };
	unsigned int t = (unsigned int)below(nr_pt), i = (unsigned int)below(512);
	const volatile uint64_t *tbl = va_of_mfn(pt_mfn[t]);
	uint64_t before, val;

	if (pt_level[t] == 4 && i >= 256 && i < 272)
		i -= 16;
	before = tbl[i];
	val = forbidden_val(pt_level[t], before);
	account(C_LIVE_BAD, mmu1((pt_mfn[t] << 12) + i * 8 + cmds[below(3)], val), "slot/val",
		(pt_mfn[t] << 12) + i * 8, val);
	if ((tbl[i] ^ before) & ~(PTE_A | PTE_D))
		side_effect("a live table entry", before, tbl[i]);
}

static void op_hv_slot(void)
{
	const volatile uint64_t *l4 = va_of_mfn(pt_mfn[0]);
	unsigned int i = 256 + (unsigned int)below(16);
	uint64_t before = l4[i], val;
	enum kind k;

	switch (below(4)) {
	case 0:
		val = 0;
		break;
	case 1:
		val = before;
		break;
	case 2:
		val = before ^ PTE_RW;
		break;
	default:
		val = random_val(&k);
		break;
	}
	account(C_HV_SLOT, mmu1((pt_mfn[0] << 12) + i * 8 + (below(2) ? MMU_PT_UPDATE_PRESERVE_AD : 0), val),
		"slot/val", i, val);
	if (l4[i] != before)
		side_effect("an L4 hypervisor slot", before, l4[i]);
}

/* Xen takes the command from ptr's low 3 bits: 4..7 are no commands, whatever frame ptr names. */
static void op_misaligned(void)
{
	static const uint64_t low[] = { 4, 6, 7 };
	uint64_t mfn, off = below(512) * 8, before = 0, ptr, val = rnd();
	const volatile uint64_t *word = 0;
	unsigned int target = (unsigned int)below(4);

	if (target == 0)
		mfn = mfn_of(canary);
	else if (target == 1)
		mfn = image_mfn();	/* counters and stack live here: no before/after check */
	else if (target == 2)
		mfn = pt_mfn[below(nr_pt)];
	else
		mfn = s1_mfn;
	if (target == 0 || target == 2)
		word = va_of_mfn(mfn) + off / 8;
	if (below(4) == 0) {
		/* Command 5 = MACHPHYS | 4; the value is the frame's own PFN, so wrongly accepting it is harmless. */
		ptr = (mfn << 12) + off + 5;
		account(C_MISALIGNED_M2P, mmu1(ptr, m2p[mfn]), "ptr/val", ptr, m2p[mfn]);
		return;
	}
	if (word)
		before = *word;
	ptr = (mfn << 12) + off + low[below(3)];
	account(C_MISALIGNED, mmu1(ptr, val), "ptr/val", ptr, val);
	if (word && ((*word ^ before) & ~(target == 2 ? PTE_A | PTE_D : 0)))
		side_effect("a word of an own page", before, *word);
	if (target == 3 && !s1_matches((unsigned int)(off / 8)))
		side_effect("a scratch-L1 entry", s1_shadow[off / 8], s1[off / 8]);
}

static void op_foreign_ptr(void)
{
	enum kind k = below(3) == 0 ? K_BEYOND : below(4) == 0 ? K_HV : K_FOREIGN;
	uint64_t mfn = pick_mfn(&k), ptr = (mfn << 12) + below(512) * 8 + below(4), val;

	val = (ptr & 3) == MMU_MACHPHYS_UPDATE ? below(rt_boot.si->nr_pages) : random_val(&k);
	account(C_FOREIGN_PTR, mmu1(ptr, val), "ptr/val", ptr, val);
}

/* Good, forbidden, good: the batch must stop at the second with done = 1 and the first applied. */
static void op_batch(void)
{
	struct mmu_update req[3];
	unsigned int i = (unsigned int)below(510);
	uint32_t done = 0xdead;
	enum kind k = K_BEYOND;
	long rc;

	for (int j = 0; j < 3; j++)
		req[j].ptr = (s1_mfn << 12) + (i + (unsigned int)j) * 8;
	req[0].val = (image_mfn() << 12) | PTE_P | PTE_A;
	req[1].val = (pick_mfn(&k) << 12) | PTE_P | PTE_RW;
	req[2].val = (image_mfn() << 12) | PTE_P | PTE_A;
	rc = hyp_mmu_update(RT_PTR(req), 3, RT_PTR(&done), DOMID_SELF);
	account(C_BATCH, rc, "slot/val", i, req[1].val);
	if (done == 1 || done == 2 || done == 3)
		s1_shadow[i] = req[0].val;
	if (done >= 2)
		s1_shadow[i + 1] = req[1].val;
	if (done == 3)
		s1_shadow[i + 2] = req[2].val;
	if (rc != 0 && done != 1 && ++done_wrong <= 4)
		rt_printf("mmu_stress: batch rc %ld but done %u (want 1)\n", rc, done);
}

static void op_pin_scratch(void)
{
	uint32_t cmd = (uint32_t)below(5);	/* PIN_L1..PIN_L4, UNPIN */
	uint64_t mfn = scratch_mfn[below(NR_SCRATCH)];

	if (below(6) == 0) {
		mfn = s1_mfn;
		cmd = below(2) ? MMUEXT_PIN_L1_TABLE : MMUEXT_UNPIN_TABLE;
	}
	account(C_PIN_SCRATCH, ext1(cmd, mfn), "cmd/mfn", cmd, mfn);
}

static void op_pin_wrong(void)
{
	unsigned int t = (unsigned int)below(nr_pt + 1);
	uint64_t mfn = t == nr_pt ? s1_mfn : pt_mfn[t];
	unsigned int level = t == nr_pt ? 1 : pt_level[t], want = 1 + (unsigned int)below(3);
	uint32_t cmd;

	if (want >= level)
		want++;
	cmd = MMUEXT_PIN_L1_TABLE + want - 1;
	account(C_PIN_WRONG, ext1(cmd, mfn), "cmd/mfn", cmd, mfn);
}

static void op_ext_foreign(void)
{
	static const enum kind kinds[] = { K_IMAGE, K_FOREIGN, K_BEYOND, K_HV };
	enum kind k = kinds[below(4)];
	uint64_t mfn = pick_mfn(&k);
	uint32_t cmd = (uint32_t)below(5);

	account(C_EXT_FOREIGN, ext1(cmd, mfn), "cmd/mfn", cmd, mfn);
}

static void op_baseptr(void)
{
	static const enum kind kinds[] = { K_IMAGE, K_FOREIGN, K_BEYOND, K_HV };
	uint64_t mfn;
	enum kind k;

	if (below(2)) {
		unsigned int t = 1 + (unsigned int)below(nr_pt);	/* never slot 0, the L4 */

		mfn = t == nr_pt ? s1_mfn : pt_mfn[t];
	} else {
		k = kinds[below(4)];
		mfn = pick_mfn(&k);
	}
	account(C_BASEPTR_BAD, ext1(MMUEXT_NEW_BASEPTR, mfn), "cmd/mfn", MMUEXT_NEW_BASEPTR, mfn);
}

static void one_op(void)
{
	uint64_t r = below(100);

	if (r < 28)
		op_s1();
	else if (r < 40)
		op_scratch();
	else if (r < 45)
		op_machphys();
	else if (r < 57)
		op_live();
	else if (r < 61)
		op_hv_slot();
	else if (r < 66)
		op_misaligned();
	else if (r < 71)
		op_foreign_ptr();
	else if (r < 74)
		op_batch();
	else if (r < 85)
		op_pin_scratch();
	else if (r < 91)
		op_pin_wrong();
	else if (r < 96)
		op_ext_foreign();
	else
		op_baseptr();
}


static int add_pt(uint64_t mfn, unsigned int level)
{
	if (nr_pt == MAX_PT || !bit_get(own_bits, mfn))
		return -1;
	pt_mfn[nr_pt] = mfn;
	pt_level[nr_pt++] = level;
	return 0;
}

/* Every table reachable from the L4, breadth first; every frame an L1 maps; the hypervisor's L4 slots. */
static int walk_tables(void)
{
	if (add_pt(mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base), 4))
		return -1;
	for (unsigned int t = 0; t < nr_pt; t++) {
		const volatile uint64_t *tbl = va_of_mfn(pt_mfn[t]);

		for (unsigned int j = 0; j < 512; j++) {
			uint64_t e = tbl[j], m = (e & PTE_ADDR) >> 12;

			if (!(e & PTE_P))
				continue;
			if (pt_level[t] == 4 && j >= 256 && j < 272) {
				/* Xen's linear slot maps the L4 itself: that frame is ours, not the hypervisor's. */
				if (nr_hv < 16 && !bit_get(own_bits, m))
					hv_mfn[nr_hv++] = m;
			} else if (pt_level[t] == 1) {
				bit_set(mapped_bits, m);
			} else if (pt_index(m) < 0 && add_pt(m, pt_level[t] - 1)) {
				return -1;
			}
		}
	}
	return 0;
}

/* The highest PFNs that nothing maps and that are no table, zeroed through a borrowed mapping. */
static int pick_scratch(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
	uint64_t pfn = rt_boot.si->nr_pages, win_mfn = mfn_of(win);
	int n = 0;

	while (n < NR_SCRATCH && pfn-- > image_pfn0 + image_pfns) {
		uint64_t m = p2m[pfn];

		if (m >= BITMAP_MFNS || bit_get(mapped_bits, m) || is_table(m))
			continue;
		if (hyp_update_va_mapping(RT_PTR(win), (m << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG))
			return -1;
		memset(win, 0, sizeof(win));
		scratch_mfn[n] = m;
		scratch_pfn[n++] = pfn;
	}
	if (hyp_update_va_mapping(RT_PTR(win), (win_mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG))
		return -1;
	return n == NR_SCRATCH ? 0 : -1;
}

/* The scratch L1: read-only, then hooked into a free slot of the L2 that maps the image. */
static int hook_s1(void)
{
	uint64_t va = RT_VIRT_BASE, l2 = pt_mfn[0];
	const volatile uint64_t *tbl;
	unsigned int slot;

	for (int level = 4; level > 2; level--)
		l2 = (va_of_mfn(l2)[(va >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR) >> 12;
	tbl = va_of_mfn(l2);
	for (slot = 64; slot < 512 && (tbl[slot] & PTE_P); slot++)
		;
	if (slot == 512)
		return -1;
	s1_mfn = mfn_of(s1);
	if (hyp_update_va_mapping(RT_PTR(s1), (s1_mfn << 12) | PTE_P | PTE_A, UVMF_INVLPG))
		return -1;
	if (mmu1((l2 << 12) + slot * 8, (s1_mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D))
		return -1;
	s1_va = (va & ~((1ULL << 30) - 1)) + ((uint64_t)slot << 21);
	rt_printf("mmu_stress: scratch L1 %#llx at %#llx; %u tables, %u hypervisor slots, scratch frames %#llx..\n",
		  (unsigned long long)s1_mfn, (unsigned long long)s1_va, nr_pt, nr_hv,
		  (unsigned long long)scratch_mfn[0]);
	return 0;
}

static int setup(void)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	for (uint64_t pfn = 0; pfn < rt_boot.si->nr_pages; pfn++)
		bit_set(own_bits, p2m[pfn]);
	shinfo_mfn = rt_boot.si->shared_info >> 12;
	image_pfn0 = ((uint64_t)(uintptr_t)rt_image_start - RT_VIRT_BASE) >> 12;
	image_pfns = (uint64_t)(rt_image_end - rt_image_start) >> 12;
	for (int i = 0; i < 512; i++)
		canary[i] = SEED ^ ((uint64_t)i * 0x0101010101010101ULL);
	if (walk_tables() || pick_scratch() || hook_s1())
		return -1;
	for (unsigned int t = 0; t < nr_pt; t++)
		for (int j = 0; j < 512; j++)
			pt_snap[t][j] = va_of_mfn(pt_mfn[t])[j];
	return 0;
}

static unsigned long live_diffs(void)
{
	unsigned long n = 0;

	for (unsigned int t = 0; t < nr_pt; t++)
		for (unsigned int j = 0; j < 512; j++) {
			uint64_t now = va_of_mfn(pt_mfn[t])[j];

			if (pt_level[t] == 4 && j >= 256 && j < 272)
				continue;
			if ((now ^ pt_snap[t][j]) & ~(PTE_A | PTE_D) && ++n <= 4)
				rt_printf("mmu_stress: live L%u %#llx slot %u: %#llx -> %#llx\n", pt_level[t],
					  (unsigned long long)pt_mfn[t], j, (unsigned long long)pt_snap[t][j],
					  (unsigned long long)now);
		}
	return n;
}

/* Through the scratch window, each entry naming a frame we can also read elsewhere must show that frame. */
static void check_readback(void)
{
	unsigned long compared = 0, wrong = 0, s1_wrong = 0;
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	for (unsigned int j = 0; j < 512; j++)
		s1_wrong += !s1_matches(j);
	tc_check(s1_wrong == 0, "the scratch L1 holds exactly the accepted updates (%lu entries differ)", s1_wrong);
	tc_expect_eq(hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF), 0, "TLB flush before reading the window");
	for (unsigned int j = 0; j < 512; j++) {
		uint64_t e = s1_shadow[j], m = (e & PTE_ADDR) >> 12, pfn;
		const volatile uint64_t *seen = (const volatile uint64_t *)(uintptr_t)(s1_va + ((uint64_t)j << 12));

		if (!(e & PTE_P) || !bit_get(own_bits, m) || is_scratch(m) || m == s1_mfn)
			continue;
		pfn = m2p[m];
		if (pfn >= rt_boot.si->nr_pages || !bit_get(mapped_bits, m))
			continue;
		compared++;
		for (int w = 0; w < 8; w++)
			wrong += seen[w * 64] != va_of_mfn(m)[w * 64];
	}
	tc_check(compared > 0 && wrong == 0, "%lu frames read through the scratch window match their own mapping "
		 "(%lu words differ)", compared, wrong);
}

static void report(uint64_t iters, uint64_t cycles)
{
	rt_printf("mmu_stress: %llu requests in %llu Mcycles (seed %#llx)\n", (unsigned long long)iters,
		  (unsigned long long)(cycles >> 20), (unsigned long long)SEED);
	for (int c = 0; c < NR_CLS; c++)
		rt_printf("mmu_stress: %s: sent %llu accepted %llu refused %llu "
			  "(EINVAL %llu EBUSY %llu EPERM %llu other %llu, e.g. %ld)%s\n", cls_info[c].name,
			  (unsigned long long)sent[c], (unsigned long long)accepted[c],
			  (unsigned long long)(sent[c] - accepted[c]), (unsigned long long)errs[c][0],
			  (unsigned long long)errs[c][1], (unsigned long long)errs[c][2],
			  (unsigned long long)errs[c][3], other_rc[c], cls_info[c].must_refuse ? " must refuse" : "");
}

void test_main(void)
{
	uint64_t t0, iters = 0, restore_bad = 0;
	unsigned long canary_bad = 0;

	if (setup()) {
		tc_error("setup failed: %u tables, scratch frame %#llx, scratch L1 %#llx", nr_pt,
			 (unsigned long long)scratch_mfn[NR_SCRATCH - 1], (unsigned long long)s1_mfn);
		return;
	}
	t0 = rt_rdtsc();
	while (iters < MAX_ITERS) {
		one_op();
		if ((++iters & 255) == 0 && rt_rdtsc() - t0 > CYCLE_BUDGET)
			break;
	}
	report(iters, rt_rdtsc() - t0);
	for (int c = 0; c < NR_CLS; c++)
		if (cls_info[c].must_refuse)
			tc_check(accepted[c] == 0 && sent[c] > 0, "%s: all %llu refused (%llu accepted)",
				 cls_info[c].name, (unsigned long long)sent[c], (unsigned long long)accepted[c]);
	tc_check(side_effects == 0, "no refused request changed anything (%lu did)", side_effects);
	tc_check(done_wrong == 0, "every done count matched the result (%lu did not)", done_wrong);
	tc_check(live_diffs() == 0, "the %u live page tables equal their snapshot", nr_pt);
	for (int i = 0; i < 512; i++)
		canary_bad += canary[i] != (SEED ^ ((uint64_t)i * 0x0101010101010101ULL));
	tc_check(canary_bad == 0, "the canary page is intact (%lu words differ)", canary_bad);
	check_readback();
	for (int i = 0; i < NR_SCRATCH; i++)
		restore_bad += mmu1((scratch_mfn[i] << 12) | MMU_MACHPHYS_UPDATE, scratch_pfn[i]) != 0;
	restore_bad += mmu1((s1_mfn << 12) | MMU_MACHPHYS_UPDATE, ((uint64_t)(uintptr_t)s1 - RT_VIRT_BASE) >> 12) != 0;
	tc_check(restore_bad == 0, "the scratch frames' M2P entries are restored");
}

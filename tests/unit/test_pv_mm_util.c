/* SPDX-License-Identifier: MIT */
/* Shared fixture for the pv_mm tests: fake domains, snapshots and a recount written independently of pv_mm. */
#include "test_pv_mm_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/mm.h>

struct domain dom_a, dom_b;

/* The arch hook, faked: a recognisable value per slot. */
void pv_mm_install_hv_slots(uint64_t *l4)
{
	for (unsigned int i = PV_L4_HV_FIRST; i <= PV_L4_HV_LAST; i++)
		l4[i] = T_HV_SLOT(i);
}

unsigned long pvt_flushes;
mfn_t pvt_last_flush = MFN_INVALID;

void pv_mm_flush_tlbs(struct page_info *pg)
{
	__atomic_fetch_add(&pvt_flushes, 1, __ATOMIC_RELAXED);
	pvt_last_flush = page_to_mfn(pg);
}

bool pvt_unused(mfn_t mfn)
{
	return frame_table[mfn].count_info == 0 && (frame_table[mfn].type_info & ~PGT_FLUSH_FLAGS) == 0;
}

void pvt_setup(void)
{
	host_mm_boot(T_BASE, T_FRAMES);
	pvt_flushes = 0;
	pvt_last_flush = MFN_INVALID;
	memset(&dom_a, 0, sizeof(dom_a));
	memset(&dom_b, 0, sizeof(dom_b));
	dom_a.domid = 1;
	dom_b.domid = 2;
	dom_a.shared_info_mfn = MFN_INVALID;
	dom_b.shared_info_mfn = MFN_INVALID;
	frame_owner_register(&dom_a.mem, "a", T_FRAMES);
	frame_owner_register(&dom_b.mem, "b", T_FRAMES);
}

void pvt_teardown(void)
{
	host_mm_fini();
}

mfn_t pvt_alloc(struct domain *d)
{
	mfn_t m = frame_alloc_zeroed(0, &d->mem);

	ck_assert_msg(m != MFN_INVALID, "arena full");
	return m;
}

uint64_t *pvt_tbl(mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

uint32_t pvt_gen(mfn_t mfn)
{
	return (uint32_t)(frame_table[mfn].count_info & 0xffffffffULL);
}

uint32_t pvt_tcount(mfn_t mfn)
{
	return (uint32_t)(frame_table[mfn].type_info & 0xffffffffULL);
}

enum page_type pvt_type(mfn_t mfn)
{
	return (enum page_type)((frame_table[mfn].type_info >> 48) & 0xf);
}

int pvt_linear(mfn_t mfn)
{
	return (int16_t)(uint16_t)(frame_table[mfn].type_info >> 32);
}

void pvt_snap_take(struct pvt_snap *s)
{
	size_t tsz = frame_table_frames * sizeof(struct page_info);

	s->table = malloc(tsz);
	s->mem = malloc((size_t)T_FRAMES * PAGE_SIZE);
	ck_assert(s->table && s->mem);
	memcpy(s->table, frame_table, tsz);
	memcpy(s->mem, mfn_to_virt(T_BASE), (size_t)T_FRAMES * PAGE_SIZE);
}

bool pvt_page_same(const struct page_info *a, const struct page_info *b)
{
	struct page_info x = *a, y = *b;

	x.type_info &= ~PGT_FLUSH_FLAGS;
	y.type_info &= ~PGT_FLUSH_FLAGS;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

void pvt_snap_same(struct pvt_snap *s, const char *what)
{
	/* Plain ifs: every ck_assert writes a checkpoint to Check's pipe. */
	for (mfn_t m = 0; m < frame_table_frames; m++)
		if (!pvt_page_same(&s->table[m], &frame_table[m]))
			ck_abort_msg("%s: frame %#lx changed: count %#lx -> %#lx, type %#lx -> %#lx", what, m,
				     s->table[m].count_info, frame_table[m].count_info,
				     s->table[m].type_info, frame_table[m].type_info);
	for (mfn_t m = 0; m < T_FRAMES; m++)
		if (memcmp(s->mem + m * PAGE_SIZE, mfn_to_virt(T_BASE + m), PAGE_SIZE) != 0)
			ck_abort_msg("%s: contents of frame %#lx changed", what, T_BASE + m);
	free(s->table);
	free(s->mem);
}

/* Recount state, indexed by mfn. */
struct recount {
	uint32_t *gen, *typ;
	int *lin;
	char msg[256];
};

static bool rc_fail(struct recount *r, const char *fmt, ...) __printf(2, 3);
static bool rc_fail(struct recount *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool allocated_to_domain(mfn_t m)
{
	const struct page_info *pg = &frame_table[m];

	return (pg->alloc_info & 3) == 2 && pg->u.owner != &frame_owner_hv;
}

/* One present entry at slot i of table f (level lv): count what it must hold and check its target. */
static bool recount_entry(struct recount *r, mfn_t f, unsigned int lv, unsigned int i, uint64_t e)
{
	mfn_t t = (e & 0x000ffffffffff000ULL) >> 12;
	const struct page_info *fp = &frame_table[f];

	if (!(e & PV_PTE_US) || (e & PV_PTE_G))
		return rc_fail(r, "table %#lx slot %u: present entry %#lx without US or with G", f, i, e);
	if (t >= frame_table_frames)
		return rc_fail(r, "table %#lx slot %u: mfn %#lx out of range", f, i, t);
	if (frame_table[t].u.owner != fp->u.owner && !(lv == 1 && (frame_table[t].count_info & PGC_SHARED_HV)))
		return rc_fail(r, "table %#lx slot %u maps foreign frame %#lx", f, i, t);
	if (lv == 1) {
		r->gen[t]++;
		if (e & PV_PTE_RW) {
			r->typ[t]++;
			if (pvt_type(t) != PAGE_TYPE_WRITABLE)
				return rc_fail(r, "L1 %#lx slot %u maps %#lx RW but its type is %d", f, i, t, pvt_type(t));
		}
		return true;
	}
	if (lv == 4 && t == f)
		return (e & PV_PTE_RW) ? rc_fail(r, "L4 %#lx maps itself RW", f) : true;
	r->gen[t]++;
	r->typ[t]++;
	if (lv == 4 && pvt_type(t) == PAGE_TYPE_L4) {
		if (e & PV_PTE_RW)
			return rc_fail(r, "L4 %#lx maps L4 %#lx RW", f, t);
		r->lin[f]++;
		r->lin[t]--;
		return true;
	}
	/* A partial table's entries may hold a child whose release stopped too (it holds nothing else). */
	if (pvt_type(t) != (enum page_type)(PAGE_TYPE_L1 + lv - 2) ||
	    !((frame_table[t].type_info & PGT_VALIDATED) ||
	      ((fp->type_info & PGT_PARTIAL) && (frame_table[t].type_info & PGT_PARTIAL_PUT))))
		return rc_fail(r, "L%u %#lx slot %u: target %#lx has type %d (validated %d)", lv, f, i, t,
			       pvt_type(t), !!(frame_table[t].type_info & PGT_VALIDATED));
	return true;
}

static bool recount_table(struct recount *r, mfn_t f)
{
	uint64_t ti = frame_table[f].type_info;
	enum page_type ty = pvt_type(f);
	const uint64_t *tb;
	unsigned int lv, end = 512;

	if (ti & PGT_PINNED) {
		if (pvt_tcount(f) == 0)
			return rc_fail(r, "frame %#lx pinned with type count 0", f);
		r->gen[f]++;
		r->typ[f]++;
	}
	if (ty < PAGE_TYPE_L1 || ty > PAGE_TYPE_L4)
		return true;
	if (pvt_tcount(f) == 0)
		return (ti & (PGT_VALIDATED | PGT_PARTIAL)) ? rc_fail(r, "table %#lx validated or partial with count 0", f)
							     : true;
	if (ti & PGT_PARTIAL) {
		/* Entries [0, next) hold references; a stopped validation owns one general and one type reference. */
		if (pvt_tcount(f) != 1 || (ti & PGT_VALIDATED) || frame_table[f].user_tag > 512)
			return rc_fail(r, "partial table %#lx: type count %u, next %u", f, pvt_tcount(f),
				       frame_table[f].user_tag);
		if (!(ti & PGT_PARTIAL_PUT)) {
			r->gen[f]++;
			r->typ[f]++;
		}
		end = frame_table[f].user_tag;
	} else if (!(ti & PGT_VALIDATED)) {
		return rc_fail(r, "table %#lx has type count %u but is not validated", f, pvt_tcount(f));
	}
	lv = (unsigned int)(ty - PAGE_TYPE_L1) + 1;
	tb = mfn_to_virt(f);
	for (unsigned int i = 0; i < end; i++) {
		if (lv == 4 && i >= 256 && i <= 271) {
			if (!(ti & PGT_PARTIAL) && tb[i] != T_HV_SLOT(i))
				return rc_fail(r, "L4 %#lx slot %u is %#lx, not the hypervisor's", f, i, tb[i]);
			continue;
		}
		if ((tb[i] & PV_PTE_P) && !recount_entry(r, f, lv, i, tb[i]))
			return false;
	}
	return true;
}

const char *pvt_recount(const uint32_t *ext_gen, const uint32_t *ext_type)
{
	static struct recount r;
	mfn_t n = frame_table_frames;
	bool ok = true;

	r.gen = calloc(n, sizeof(*r.gen));
	r.typ = calloc(n, sizeof(*r.typ));
	r.lin = calloc(n, sizeof(*r.lin));
	ck_assert(r.gen && r.typ && r.lin);
	r.msg[0] = 0;
	for (mfn_t f = T_BASE; ok && f < T_BASE + T_FRAMES; f++)
		if (allocated_to_domain(f))
			ok = recount_table(&r, f);
	for (mfn_t f = T_BASE; ok && f < T_BASE + T_FRAMES; f++) {
		uint32_t eg = r.gen[f] + (ext_gen ? ext_gen[f] : 0);
		uint32_t et = r.typ[f] + (ext_type ? ext_type[f] : 0);

		if (pvt_gen(f) != eg || pvt_tcount(f) != et || pvt_linear(f) != r.lin[f])
			ok = rc_fail(&r, "frame %#lx: general %u (expected %u), type %u (expected %u), linear %d (expected %d)",
				     f, pvt_gen(f), eg, pvt_tcount(f), et, pvt_linear(f), r.lin[f]);
	}
	free(r.gen);
	free(r.typ);
	free(r.lin);
	return ok ? NULL : r.msg;
}

void pvt_tree_build(struct domain *d, struct pvt_tree *t, unsigned int n)
{
	t->l4 = pvt_alloc(d);
	t->l3 = pvt_alloc(d);
	t->l2 = pvt_alloc(d);
	t->l1 = pvt_alloc(d);
	t->n = n;
	for (unsigned int i = 0; i < n; i++) {
		t->data[i] = pvt_alloc(d);
		pvt_tbl(t->l1)[i] = pvt_pte(t->data[i], F_DATA);
	}
	pvt_tbl(t->l2)[0] = pvt_pte(t->l1, F_TABLE);
	pvt_tbl(t->l3)[0] = pvt_pte(t->l2, F_TABLE);
	pvt_tbl(t->l4)[0] = pvt_pte(t->l3, F_TABLE);
}

/* SPDX-License-Identifier: MIT */
/*
 * Writable page tables: a guest-kernel store to one of its own L1 tables
 * (mapped read-only, as every page table is) is decoded, turned into the
 * new entry value and applied through the same validation as mmu_update.
 * Forms: mov, xchg, cmpxchg, and/or/xor with an immediate, bts/btr/btc,
 * with 8- to 64-bit operands (narrower ones merged into the entry).
 */
#include <asm/domain.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>

#define RF_CF	(1ULL << 0)
#define RF_ZF	(1ULL << 6)

struct insn {
	uint8_t bytes[16];
	unsigned int len;	/* decoded so far */
	unsigned int rex, opsize;	/* operand size in bytes */
	unsigned int op, op2;	/* opcode, second byte after 0f */
	unsigned int modrm, reg;
	bool twobyte;
};

/* Skips ModRM, SIB and displacement; the address itself is cr2, so only the length matters. */
static bool skip_modrm(struct insn *in)
{
	unsigned int mod, rm;

	if (in->len >= 15)
		return false;
	in->modrm = in->bytes[in->len++];
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	in->reg = ((in->modrm >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
	if (mod == 3)
		return false;		/* a register operand cannot have faulted */
	if (rm == 4) {
		unsigned int sib = in->bytes[in->len++];

		if (mod == 0 && (sib & 7) == 5)
			in->len += 4;
	} else if (mod == 0 && rm == 5) {
		in->len += 4;		/* rip-relative */
	}
	in->len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return in->len <= 15;
}

static bool decode(struct insn *in)
{
	bool prefix = true;

	in->opsize = 4;
	while (prefix && in->len < 14) {
		switch (in->bytes[in->len]) {
		case 0xf0: in->len++; break;			/* lock */
		/* Segment overrides: the address is cr2 anyway. Linux's UP alternatives turn lock into ds (3e). */
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: in->len++; break;
		case 0x66: in->opsize = 2; in->len++; break;
		default: prefix = false;
		}
	}
	if ((in->bytes[in->len] & 0xf0) == 0x40) {
		in->rex = in->bytes[in->len++];
		if (in->rex & 8)
			in->opsize = 8;
	}
	in->op = in->bytes[in->len++];
	if (in->op == 0x0f) {
		in->twobyte = true;
		in->op2 = in->bytes[in->len++];
	}
	if (!in->twobyte && (in->op == 0x88 || in->op == 0x80 || in->op == 0xc6))
		in->opsize = 1;
	return skip_modrm(in);
}

static uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static uint64_t imm(struct insn *in, unsigned int size)
{
	int64_t v = 0;

	if (size == 1)
		v = (int8_t)in->bytes[in->len];
	else if (size == 2)
		v = (int16_t)(in->bytes[in->len] | (in->bytes[in->len + 1] << 8));
	else
		v = (int32_t)(in->bytes[in->len] | (in->bytes[in->len + 1] << 8) |
			      (in->bytes[in->len + 2] << 16) | ((uint32_t)in->bytes[in->len + 3] << 24));
	in->len += size;
	return (uint64_t)v;
}

/*
 * Computes the operand's new value from its old one; returns false for
 * forms we do not emulate. May update registers and flags (xchg, cmpxchg,
 * bit tests); *store is false when nothing is written (cmpxchg mismatch).
 */
static bool compute(struct insn *in, struct cpu_regs *r, uint64_t old, uint64_t *val, bool *store)
{
	uint64_t m = size_mask(in->opsize), src = 0;
	unsigned int group = (in->modrm >> 3) & 7, bit;

	*store = true;
	if (!in->twobyte) {
		switch (in->op) {
		case 0x88: case 0x89:		/* mov r/m, reg */
			*val = *pv_gpr(r, in->reg) & m;
			return true;
		case 0xc6: case 0xc7:		/* mov r/m, imm */
			if (group)
				return false;
			*val = imm(in, in->opsize == 8 ? 4 : in->opsize) & m;
			return true;
		case 0x86: case 0x87:		/* xchg r/m, reg */
			*val = *pv_gpr(r, in->reg) & m;
			*pv_gpr(r, in->reg) = in->opsize == 4 ? old : (*pv_gpr(r, in->reg) & ~m) | old;
			return true;
		case 0x80: case 0x81: case 0x83:	/* and/or/xor r/m, imm */
			src = imm(in, in->op == 0x81 ? (in->opsize == 8 ? 4 : in->opsize) : 1) & m;
			if (group == 1)
				*val = old | src;
			else if (group == 4)
				*val = old & src;
			else if (group == 6)
				*val = old ^ src;
			else
				return false;
			return true;
		default:
			return false;
		}
	}
	switch (in->op2) {
	case 0xb1:				/* cmpxchg r/m, reg */
		if ((r->rax & m) == old) {
			*val = *pv_gpr(r, in->reg) & m;
			r->rflags |= RF_ZF;
		} else {
			*store = false;
			r->rax = in->opsize == 4 ? old : (r->rax & ~m) | old;
			r->rflags &= ~RF_ZF;
		}
		return true;
	case 0xab: case 0xb3: case 0xbb:	/* bts/btr/btc r/m, reg */
		bit = (unsigned int)(*pv_gpr(r, in->reg) & (in->opsize * 8 - 1));
		group = in->op2 == 0xab ? 5 : in->op2 == 0xb3 ? 6 : 7;
		break;
	case 0xba:				/* bt* r/m, imm8 */
		bit = in->bytes[in->len++] & (in->opsize * 8 - 1);
		if (group < 5)
			return false;
		break;
	default:
		return false;
	}
	r->rflags = (r->rflags & ~RF_CF) | ((old >> bit) & 1);
	*val = group == 5 ? old | (1ULL << bit) : group == 6 ? old & ~(1ULL << bit) : old ^ (1ULL << bit);
	return true;
}

/*
 * An allocated frame of d's with type L1, looked at without a lock as
 * pv_mm's get_page first looks: only a filter for which faults to decode.
 * The update (pv_mm_mod_entry_from) takes its own references and checks
 * owner and type again under them. frame_owner_of took the machine-wide
 * frame lock on every emulated store.
 */
static bool l1_of(const struct page_info *pg, const struct domain *d)
{
	return (__atomic_load_n(&pg->alloc_info, __ATOMIC_ACQUIRE) & FRAME_STATE_MASK) == FRAME_STATE_ALLOCATED &&
	       __atomic_load_n(&pg->u.owner, __ATOMIC_ACQUIRE) == &d->mem && page_type_of(pg) == PAGE_TYPE_L1;
}

/* Finds the frame mapped at va through the current guest tables, if it is an L1 table of d. */
static mfn_t l1_table_at(const struct vcpu *v, uint64_t va)
{
	mfn_t mfn = v->arch.guest_table;

	for (unsigned int level = 4; level >= 1; level--) {
		uint64_t e = ((const uint64_t *)mfn_to_virt(mfn))[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & PTE_P) || (level > 1 && (e & PTE_PS)))
			return MFN_INVALID;
		mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
		if (!mfn_valid(mfn))
			return MFN_INVALID;
	}
	if (!l1_of(mfn_to_page(mfn), v->domain))
		return MFN_INVALID;
	return mfn;
}

/*
 * What compute() may change in the frame (rflags; rax for cmpxchg; the
 * register operand for xchg), kept so a refused or retried store leaves the
 * guest's registers as they were. Three words instead of the whole frame.
 */
struct ptwr_undo {
	uint64_t rflags, rax, reg, *reg_slot;
};

static void ptwr_undo_save(struct ptwr_undo *u, struct cpu_regs *r, const struct insn *in)
{
	u->rflags = r->rflags;
	u->rax = r->rax;
	u->reg_slot = pv_gpr(r, in->reg);
	u->reg = *u->reg_slot;
}

static void ptwr_undo(const struct ptwr_undo *u, struct cpu_regs *r)
{
	*u->reg_slot = u->reg;
	r->rax = u->rax;	/* after the operand: if that is rax too, both hold its old value */
	r->rflags = u->rflags;
}

static __attribute__((noinline)) bool ptwr_emulate(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	struct insn in = { 0 };
	unsigned int shift = (unsigned int)(cr2 & 7) * 8;
	mfn_t table;
	uint64_t entry, old, val, merged;
	bool store;
	struct ptwr_undo undo;

	table = l1_table_at(v, cr2);
	if (table == MFN_INVALID || copy_from_guest(in.bytes, r->rip, sizeof(in.bytes)) < 0 || !decode(&in))
		return false;
	if ((cr2 & 7) + in.opsize > 8)
		return false;		/* straddles two entries */
	ptwr_undo_save(&undo, r, &in);
	entry = ((const uint64_t *)mfn_to_virt(table))[(cr2 & 0xfff) >> 3];
	old = (entry >> shift) & size_mask(in.opsize);
	if (!compute(&in, r, old, &val, &store)) {
		ptwr_undo(&undo, r);
		return false;
	}
	if (store) {
		int rc;

		merged = (entry & ~(size_mask(in.opsize) << shift)) | (val << shift);
		/* Atomic as the instruction: the entry must still be what it read (xchg, cmpxchg, partial writes). */
		rc = pv_mm_mod_entry_from(v->domain, table, (unsigned int)((cr2 & 0xfff) >> 3), entry, merged);
		if (rc == -XEN_EAGAIN) {
			ptwr_undo(&undo, r);	/* changed under us: the guest runs the instruction again and we look again */
			return true;
		}
		if (rc < 0) {
			ptwr_undo(&undo, r);	/* an entry the rules refuse: the guest sees its page fault */
			return false;
		}
		invlpg((void *)(cr2 & PAGE_MASK));
	}
	r->rip += in.len;
	return true;
}

bool pv_emulate_ptwr(struct vcpu *v, struct cpu_regs *r, uint64_t cr2)
{
	/* Present, write, from guest kernel mode: anything else is the guest's own fault (and the common #PF). */
	if ((r->error_code & 3) != 3 || !v->arch.kernel_mode)
		return false;
	return ptwr_emulate(v, r, cr2);
}

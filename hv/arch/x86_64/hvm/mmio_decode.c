/* SPDX-License-Identifier: MIT */
/* A MOV decoder for the xAPIC page's #NPF exits: the instruction's length, direction and register (pure: host-tested). */
#include "mmio_decode.h"

#define OP_MOV_STORE		0x89
#define OP_MOV_LOAD		0x8b
#define OP_MOV_STORE_IMM	0xc7
#define OP_MOV_LOAD_MOFFS	0xa1	/* eax from an absolute address (compilers emit it for constant pointers) */
#define OP_MOV_STORE_MOFFS	0xa3

static bool is_segment_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* Bytes after the ModRM byte for its addressing form (SIB, displacement), or -1 for a register operand. */
static int modrm_tail(const uint8_t *b, unsigned int avail, unsigned int at)
{
	uint8_t modrm = b[at], mod = modrm >> 6, rm = modrm & 7;
	int n = 0;

	if (mod == 3)
		return -1;
	if (rm == 4) {			/* SIB byte */
		if (at + 1 >= avail)
			return -1;
		n = 1;
		if (mod == 0 && (b[at + 1] & 7) == 5)
			return n + 4;	/* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		return 4;		/* disp32 (RIP-relative in 64-bit code) */
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

bool mmio_decode(const uint8_t *b, unsigned int avail, bool long_mode, struct mmio_insn *out)
{
	unsigned int i = 0, rex = 0;
	bool addr32 = false;
	uint8_t op;
	int tail;

	if (avail > MMIO_INSN_MAX)
		avail = MMIO_INSN_MAX;
	/*
	 * Segment prefixes change nothing here (the #NPF gives the address).
	 * Nor does 0x67 in 64-bit code: 32-bit addressing has the same ModRM
	 * lengths there (compilers emit it for a 32-bit index); in 32-bit code
	 * it would mean 16-bit addressing, which is not decoded.
	 */
	while (i < avail && (is_segment_prefix(b[i]) || (long_mode && b[i] == 0x67))) {
		addr32 |= b[i] == 0x67;
		i++;
	}
	if (long_mode && i < avail && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		return false;		/* REX.W: a 64-bit access, which no APIC register takes */
	if (i >= avail)
		return false;
	op = b[i++];
	if (op == OP_MOV_LOAD_MOFFS || op == OP_MOV_STORE_MOFFS) {
		/* The address is 8 bytes in 64-bit code (4 with 0x67), 4 otherwise; the access itself is eax. */
		i += long_mode && !addr32 ? 8 : 4;
		if (i > avail)
			return false;
		*out = (struct mmio_insn){ .len = i, .write = op == OP_MOV_STORE_MOFFS, .reg = 0 };
		return true;
	}
	if (i >= avail)
		return false;
	if (op != OP_MOV_STORE && op != OP_MOV_LOAD && op != OP_MOV_STORE_IMM)
		return false;
	if (op == OP_MOV_STORE_IMM && ((b[i] >> 3) & 7) != 0)
		return false;		/* C7 /1-/7 are not MOV */
	tail = modrm_tail(b, avail, i);
	if (tail < 0)
		return false;
	out->reg = (int)(((b[i] >> 3) & 7) | ((rex & 4) << 1));
	out->write = op != OP_MOV_LOAD;
	out->imm = 0;
	i += 1 + (unsigned int)tail;
	if (op == OP_MOV_STORE_IMM) {
		if (i + 4 > avail)
			return false;
		out->reg = MMIO_REG_IMM;
		out->imm = b[i] | b[i + 1] << 8 | b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
		i += 4;
	}
	if (i > avail)
		return false;
	out->len = i;
	return true;
}

/* SPDX-License-Identifier: MIT */
/* Decodes the few instruction forms a guest uses on an emulated MMIO page (the xAPIC): 32-bit MOV loads and stores. */
#ifndef HVM_MMIO_DECODE_H
#define HVM_MMIO_DECODE_H

#include <hv/types.h>

#define MMIO_INSN_MAX		15	/* the architectural limit of an x86 instruction */
#define MMIO_REG_IMM		-1	/* the stored value is the immediate, not a register */

struct mmio_insn {
	unsigned int len;	/* bytes, prefixes included: the guest resumes after them */
	bool write;
	int reg;		/* GPR number 0-15 (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15) or MMIO_REG_IMM */
	uint32_t imm;
};

/*
 * Decodes the instruction at b (avail bytes fetched; fewer than 15 when the
 * next page was not mapped). long_mode: REX prefixes exist (64-bit code).
 * Accepted: [segment prefixes, 0x67 in 64-bit code] [REX without W] 89 /r, 8B /r, C7 /0 imm32,
 * with a memory operand, and A1/A3 (eax from/to an absolute address). Anything else (another opcode, an operand size or
 * address size prefix in 32-bit code, a register operand, a truncated instruction) returns
 * false: the caller makes the guest pay, never the hypervisor.
 */
bool mmio_decode(const uint8_t *b, unsigned int avail, bool long_mode, struct mmio_insn *out);

#endif

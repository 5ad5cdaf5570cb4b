/* SPDX-License-Identifier: MIT */
/*
 * traps: exception and software-interrupt delivery through the trap table
 * (set_trap_table), which Linux relies on for every fault. Divide error,
 * int3, ud2 and int $0x80 (with a DPL-3 entry) reach their handlers with
 * the right rip in the frame (after the instruction for int3/int n, at it
 * for faults) and a kernel-mode CS; int $0x81, which has no entry, becomes
 * a #GP whose error code has the IDT flag (the vector's scale in it is the
 * CPU's: QEMU TCG gives 0x81 * 16 + 2, hardware 0x81 * 8 + 2); every handler
 * resumes the interrupted code with the iret hypercall. An entry with
 * address 0 ends the table. Not Skiff-specific; checked on real Xen 4.17.
 */
#include "test.h"

void tr_de_entry(void), tr_bp_entry(void), tr_ud_entry(void), tr_gp_entry(void);
void tr_int80_entry(void);
void tr_do_int3(void), tr_do_int80(void), tr_do_int81(void), tr_do_ud2(void), tr_do_div0(void);
extern const uint8_t tr_after_int3[], tr_after_int80[];

static struct {
	unsigned int count;
	uint64_t rip, cs, err;
} seen[256];

/* Returns the rip to resume at: past the faulting instruction for faults. */
uint64_t tr_handler(unsigned int vector, const uint64_t *frame, unsigned int has_err)
{
	uint64_t rip = frame[2 + has_err];

	seen[vector].count++;
	seen[vector].rip = rip;
	seen[vector].cs = frame[3 + has_err];
	seen[vector].err = has_err ? frame[2] : 0;
	if (vector == 0 || vector == 6 || vector == 13)
		return rip + 2;		/* divl %ecx, ud2 and int $n are all 2 bytes */
	return rip;
}

static void install(void)
{
	static struct trap_info t[6];
	const struct { uint8_t v, dpl; void (*fn)(void); } e[] = {
		{ 0, 0, tr_de_entry }, { 3, 3, tr_bp_entry }, { 6, 0, tr_ud_entry },
		{ 13, 0, tr_gp_entry }, { 0x80, 3, tr_int80_entry },
	};

	for (unsigned int i = 0; i < 5; i++) {
		t[i].vector = e[i].v;
		t[i].flags = e[i].dpl;
		t[i].cs = FLAT_KERNEL_CS;
		t[i].address = RT_PTR(e[i].fn);
	}
	tc_expect_eq(hyp_set_trap_table(RT_PTR(t)), 0, "set_trap_table with five entries");
}

static void expect(unsigned int vector, const char *what, uint64_t rip)
{
	tc_check(seen[vector].count == 1, "%s: delivered once to vector %u (%u)", what, vector,
		 seen[vector].count);
	tc_check(seen[vector].rip == rip, "%s: frame rip %#llx, expected %#llx", what,
		 (unsigned long long)seen[vector].rip, (unsigned long long)rip);
	tc_check((seen[vector].cs & 0xfffc) == (FLAT_KERNEL_CS & 0xfffc) && (seen[vector].cs & 3) == 0,
		 "%s: kernel-mode CS in the frame (%#llx)", what, (unsigned long long)seen[vector].cs);
}

void test_main(void)
{
	install();
	tr_do_div0();
	expect(0, "divide error", RT_PTR(tr_do_div0) + 9);	/* xor 2, mov 5, xor 2: divl */
	tr_do_int3();
	expect(3, "int3", RT_PTR(tr_after_int3));
	tr_do_ud2();
	expect(6, "ud2", RT_PTR(tr_do_ud2));
	tr_do_int80();
	expect(0x80, "int $0x80 through a DPL-3 entry", RT_PTR(tr_after_int80));
	tr_do_int81();
	expect(13, "int $0x81 without an entry", RT_PTR(tr_do_int81));
	/* The vector's scale in the error code is the CPU's (QEMU TCG uses 16, hardware 8): check the flags. */
	tc_check((seen[13].err & 3) == 2 && (seen[13].err >> 3) != 0,
		 "the #GP error code points into the IDT (%#llx)", (unsigned long long)seen[13].err);
	tc_expect_eq(seen[0x81].count, 0, "nothing was delivered to vector 0x81");
}

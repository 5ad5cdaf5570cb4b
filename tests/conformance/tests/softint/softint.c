/* SPDX-License-Identifier: MIT */
/*
 * softint: `int $N` from the guest kernel in a 64-bit PV guest, as Xen 4.17
 * does it (measured). The hypervisor's gates are DPL 0 except 3, 4 and
 * 0x80, so the CPU turns `int $N` into #GP with the IDT flag, and the
 * hypervisor decides:
 * - a trap-table entry whose DPL allows the guest's mode (>= 1 in kernel
 *   mode) gets N as a software interrupt: no error code, rip after the
 *   instruction, even for an exception vector such as 14;
 * - no entry or a DPL that forbids it: the guest gets #GP with error code
 *   (N << 3) | 2 and rip at the instruction (a guest kernel that dies here
 *   was taking the domain down on Skiff before);
 * - int3, int $4: delivered whatever the entry's DPL;
 * - int $0x80: delivered to any entry whatever its DPL, and #GP with error
 *   code 0x402 without one.
 * QEMU TCG scales the vector in the CPU's error code by 16 instead of 8.
 * Xen decodes that error code, so under TCG it looks up entry (2N & 255)
 * and passes the CPU's error code on; each entry below therefore also sits
 * at its alias (2N & 255) with the same DPL and handler, no alias of a
 * refused vector has an entry, and the #GP error code may carry either
 * scale. Skiff reads N from the instruction and always reports (N << 3) | 2.
 * Not Skiff-specific; checked on real Xen 4.17.
 */
#include "test.h"

void si_entry_13(void), si_entry_3(void), si_entry_4(void), si_entry_0x80(void);
void si_entry_0x85(void), si_entry_0x86(void), si_entry_0x87(void), si_entry_0x0e(void);
#define DECL_DO(n) void si_do_##n(void); extern const uint8_t si_at_##n[];
DECL_DO(int3) DECL_DO(int_4) DECL_DO(int_80) DECL_DO(int_81) DECL_DO(int_82)
DECL_DO(int_85) DECL_DO(int_86) DECL_DO(int_87) DECL_DO(int_0d) DECL_DO(int_f0) DECL_DO(int_0e)

static struct {
	unsigned int count, vector;
	uint64_t rip, err;
} last;

uint64_t si_handler(unsigned int vector, const uint64_t *frame, unsigned int has_err)
{
	uint64_t rip = frame[2 + has_err];

	last.count++;
	last.vector = vector;
	last.rip = rip;
	last.err = has_err ? frame[2] : 0;
	return vector == 13 ? rip + 2 : rip;	/* #GP: skip the 2-byte int $N */
}

static struct trap_info table[16];
static unsigned int nr;

static void add(uint8_t v, uint8_t dpl, void (*fn)(void))
{
	table[nr++] = (struct trap_info){ .vector = v, .flags = dpl, .cs = FLAT_KERNEL_CS,
					  .address = RT_PTR(fn) };
}

/* An entry at N and at its TCG alias (2N & 255), same DPL and handler. */
static void add2(uint8_t v, uint8_t dpl, void (*fn)(void))
{
	add(v, dpl, fn);
	add((uint8_t)(v * 2), dpl, fn);
}

static void install(const char *what)
{
	table[nr] = (struct trap_info){ 0 };
	tc_expect_eq(hyp_set_trap_table(RT_PTR(table)), 0, what);
	nr = 0;
}

static void run(void (*fn)(void))
{
	last.count = 0;
	last.vector = ~0u;
	fn();
}

static void expect_delivered(const char *what, void (*fn)(void), unsigned int vector, const uint8_t *at,
			     unsigned int len)
{
	run(fn);
	tc_check(last.count == 1 && last.vector == vector, "%s: delivered once to vector %#x (%u, %#x)",
		 what, vector, last.count, last.vector);
	tc_check(last.rip == RT_PTR(at) + len, "%s: rip after the instruction (%+lld)", what,
		 (long long)(last.rip - RT_PTR(at)));
}

static void expect_gp(const char *what, void (*fn)(void), unsigned int n, const uint8_t *at)
{
	uint64_t hw = ((uint64_t)n << 3) | 2, tcg = ((uint64_t)n << 4) | 2;

	run(fn);
	tc_check(last.count == 1 && last.vector == 13, "%s: one #GP (%u, vector %#x)", what, last.count,
		 last.vector);
	tc_check(last.rip == RT_PTR(at), "%s: rip at the instruction (%+lld)", what,
		 (long long)(last.rip - RT_PTR(at)));
	tc_check(last.err == hw || (n != 0x80 && last.err == tcg),
		 "%s: error code %#llx is (%#x << 3) | 2", what, (unsigned long long)last.err, n);
}

void test_main(void)
{
	add(13, 0, si_entry_13);
	add(3, 0, si_entry_3);
	add(4, 0, si_entry_4);
	add2(0x85, 3, si_entry_0x85);
	add2(0x86, 1, si_entry_0x86);
	add(0x87, 0, si_entry_0x87);
	install("set_trap_table: #GP, int3, int $4, 0x85 DPL 3, 0x86 DPL 1, 0x87 DPL 0");
	expect_delivered("int3 through a DPL-0 entry", si_do_int3, 3, si_at_int3, 1);
	expect_delivered("int $4 through a DPL-0 entry", si_do_int_4, 4, si_at_int_4, 2);
	expect_delivered("int $0x85 through a DPL-3 entry", si_do_int_85, 0x85, si_at_int_85, 2);
	expect_delivered("int $0x86 through a DPL-1 entry (kernel mode)", si_do_int_86, 0x86, si_at_int_86, 2);
	expect_gp("int $0x87 through a DPL-0 entry", si_do_int_87, 0x87, si_at_int_87);
	expect_gp("int $0x81 without an entry", si_do_int_81, 0x81, si_at_int_81);
	expect_gp("int $0x82 without an entry", si_do_int_82, 0x82, si_at_int_82);
	expect_gp("int $0xf0 without an entry", si_do_int_f0, 0xf0, si_at_int_f0);
	expect_gp("int $0x0d: an exception vector with a DPL-0 entry", si_do_int_0d, 0x0d, si_at_int_0d);
	expect_gp("int $0x80 without an entry", si_do_int_80, 0x80, si_at_int_80);

	add(13, 0, si_entry_13);
	add(0x80, 0, si_entry_0x80);
	add2(0x0e, 3, si_entry_0x0e);
	install("set_trap_table: #GP, 0x80 DPL 0, 0x0e DPL 3");
	expect_delivered("int $0x80 through a DPL-0 entry", si_do_int_80, 0x80, si_at_int_80, 2);
	expect_delivered("int $0x0e through a DPL-3 entry, no error code", si_do_int_0e, 0x0e, si_at_int_0e, 2);
}

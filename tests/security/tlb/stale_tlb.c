/* SPDX-License-Identifier: MIT */
/*
 * stale_tlb: a guest keeps a writable TLB entry for a frame, drops the
 * mapping without asking for a flush, makes the frame an L1 page table and
 * writes through the old address. Were the TLB entry still live, the guest
 * would write a validated page table and could map any frame of the
 * machine. The hypervisor must flush when the frame changes type, unless a
 * CR3 load since the unmapping already did (pv_mm_flush_tlbs skips then).
 * Cases: no CR3 load in between; a CR3 load in between (NEW_BASEPTR); two
 * aliases of the frame, one of them re-pointed at another frame.
 */
#include <pvabi/errno.h>
#include "test.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_FLAGS	(PTE_P | PTE_RW | PTE_A | PTE_D)

static uint64_t victim[512] __attribute__((aligned(4096)));
static uint64_t alias[512] __attribute__((aligned(4096)));

/* From the ptwr test's stubs: a 3-byte store whose #PF the handler skips, counting it. */
void pw_store(volatile uint64_t *p, uint64_t v);
void pw_pf_entry(void);
extern volatile uint64_t pw_faults;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static long mmuext(unsigned int cmd, uint64_t arg)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = arg;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/* Reads entry 0 of the (pinned) table through a read-only mapping at victim's address. */
static uint64_t table_entry0(uint64_t f)
{
	if (hyp_update_va_mapping(RT_PTR(victim), (f << 12) | PTE_P | PTE_A, UVMF_INVLPG) != 0)
		return ~0ULL;
	return ((volatile uint64_t *)victim)[0];
}

/* Back to the start: the table unpinned, both pages mapped writable on their own frames again. */
static void restore(uint64_t f, uint64_t a)
{
	tc_check_eq(mmuext(MMUEXT_UNPIN_TABLE, f), 0, "unpin the table");
	tc_check_eq(hyp_update_va_mapping(RT_PTR(victim), (f << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		    "map the frame writable again");
	tc_check_eq(hyp_update_va_mapping(RT_PTR(alias), (a << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		    "map the alias page on its own frame again");
}

/* The attack: after the pin, a store through the stale address must not reach the table. */
static void attack(const char *name, volatile uint64_t *via, uint64_t f, bool must_fault)
{
	uint64_t faults = pw_faults, e;

	tc_check_eq(mmuext(MMUEXT_PIN_L1_TABLE, f), 0, "pin the frame as an L1 table");
	pw_store(via, (f << 12) | PTE_FLAGS);	/* the table mapping itself writable */
	if (must_fault)
		tc_check(pw_faults == faults + 1, "%s: the store through the old address faults", name);
	e = table_entry0(f);
	tc_check(e == 0, "%s: the pinned table is untouched (entry 0 = %#llx)", name, (unsigned long long)e);
}

void test_main(void)
{
	static struct trap_info pf[2];
	uint64_t f = mfn_of(victim), a = mfn_of(alias), base = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);

	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(pw_pf_entry);
	if (hyp_set_trap_table(RT_PTR(pf)) != 0) {
		tc_fail("set_trap_table for #PF failed");
		return;
	}

	/* 1: writable entry in the TLB, unmapped without a flush, pinned at once. */
	victim[0] = 0;
	tc_check_eq(hyp_update_va_mapping(RT_PTR(victim), 0, 0), 0, "unmap the frame, no flush asked");
	attack("pin right after the unmapping", victim, f, true);
	restore(f, a);

	/* 2: the same with a CR3 load in between (the hypervisor may then skip its flush). */
	victim[0] = 0;
	tc_check_eq(hyp_update_va_mapping(RT_PTR(victim), 0, 0), 0, "unmap the frame, no flush asked");
	tc_check_eq(mmuext(MMUEXT_NEW_BASEPTR, base), 0, "reload the same base pointer (a CR3 load)");
	attack("pin after a CR3 load", victim, f, true);
	restore(f, a);

	/* 3: two writable aliases, both dropped without a flush; the alias now maps its own frame again. */
	tc_check_eq(hyp_update_va_mapping(RT_PTR(alias), (f << 12) | PTE_FLAGS, UVMF_INVLPG), 0,
		    "map the frame at a second address");
	victim[0] = 0;
	alias[0] = 0;
	tc_check_eq(hyp_update_va_mapping(RT_PTR(victim), 0, 0), 0, "unmap the first alias, no flush");
	tc_check_eq(hyp_update_va_mapping(RT_PTR(alias), (a << 12) | PTE_FLAGS, 0), 0,
		    "point the second at its own frame, no flush");
	attack("two aliases", alias, f, false);
	restore(f, a);
	alias[0] = 0x5a;
	tc_check(alias[0] == 0x5a && victim[0] == 0, "both pages are ordinary writable memory again");
}

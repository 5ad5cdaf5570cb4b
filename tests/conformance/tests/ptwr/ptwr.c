/* SPDX-License-Identifier: MIT */
/*
 * ptwr: writable page tables, which Linux's FEATURES note requires. The
 * guest writes its own L1 entries directly, through the read-only mapping
 * every page table has, with each instruction form Linux uses: a 64-bit
 * mov (set_pte), a 32-bit mov of the low half, xchg (ptep_get_and_clear),
 * cmpxchg that succeeds and one that does not, lock andb (clear_bit of RW,
 * as ptep_set_wrprotect), lock orb, lock btrq (test_and_clear_young, whose
 * carry flag reports the old bit). Each write is validated like
 * mmu_update: the new mapping takes effect, and an entry that would map
 * the L1 page itself writable is refused with a page fault, the entry
 * left as it was (by an xchg, its register too). Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "test.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PTE_FLAGS	(PTE_P | PTE_RW | PTE_A | PTE_D)

static const uint64_t *const m2p = (const uint64_t *)MACH2PHYS_VIRT_START;
static uint64_t window[512] __attribute__((aligned(4096)));
static uint64_t other_page[512] __attribute__((aligned(4096)));

/* From ptwr_stubs.S: a 3-byte store whose #PF the handler skips, counting it. */
void pw_store(volatile uint64_t *p, uint64_t v);
uint64_t pw_xchg(volatile uint64_t *p, uint64_t v);
void pw_pf_entry(void);
extern volatile uint64_t pw_faults;

static uint64_t mfn_of(const void *va)
{
	const uint64_t *p2m = (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;

	return p2m[((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12];
}

static uint64_t *va_of_mfn(uint64_t mfn)
{
	return (uint64_t *)(uintptr_t)(RT_VIRT_BASE + (m2p[mfn] << 12));
}

/* The L1 entry for va, as a pointer through the (read-only) bootstrap mapping of its table. */
static volatile uint64_t *pte_of(uint64_t va, uint64_t *l1_mfn)
{
	uint64_t mfn = mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);

	for (int level = 4; level > 1; level--)
		mfn = (va_of_mfn(mfn)[(va >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR) >> 12;
	*l1_mfn = mfn;
	return va_of_mfn(mfn) + ((va >> 12) & 511);
}

static void flush(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };

	op.arg1.linear_addr = RT_PTR(window);
	hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

static uint64_t frame(volatile uint64_t *pte)
{
	return (*pte & PTE_ADDR) >> 12;
}

static void check_mov(volatile uint64_t *pte, uint64_t own, uint64_t other)
{
	*pte = (other << 12) | PTE_FLAGS;
	flush();
	tc_check(frame(pte) == other && window[0] == 0x0b1ec7ULL, "a 64-bit mov switches the window to the other page");
	*(volatile uint32_t *)pte = (uint32_t)((own << 12) | PTE_FLAGS);
	flush();
	tc_check(frame(pte) == own && window[0] == 0x5e1fULL, "a 32-bit mov of the low half switches it back");
}

static void check_xchg_cmpxchg(volatile uint64_t *pte, uint64_t own, uint64_t other)
{
	uint64_t v = (other << 12) | PTE_FLAGS, expect, old;
	uint8_t ok;

	__asm__ volatile("xchgq %0, %1" : "+r"(v), "+m"(*pte) :: "memory");
	flush();
	tc_check(((v & PTE_ADDR) >> 12) == own, "xchg returns the old entry");
	tc_check(frame(pte) == other && window[0] == 0x0b1ec7ULL, "and installs the new one");
	expect = *pte;
	v = (own << 12) | PTE_FLAGS;
	__asm__ volatile("lock cmpxchgq %3, %1; sete %2" : "+a"(expect), "+m"(*pte), "=q"(ok) : "r"(v) : "memory");
	flush();
	tc_check(ok && frame(pte) == own, "cmpxchg with the right old value writes");
	old = *pte;
	expect = old ^ PTE_ADDR;	/* certainly not the current value */
	__asm__ volatile("lock cmpxchgq %3, %1; sete %2" : "+a"(expect), "+m"(*pte), "=q"(ok) : "r"((other << 12) | PTE_FLAGS) : "memory");
	tc_check(!ok && expect == old && *pte == old, "cmpxchg with a wrong old value fails and returns the entry");
}

static void check_bit_ops(volatile uint64_t *pte)
{
	uint8_t cf;

	__asm__ volatile("lock andb %1, %0" : "+m"(*(volatile uint8_t *)pte) : "i"((uint8_t)~PTE_RW) : "memory");
	tc_check(!(*pte & PTE_RW) && (*pte & PTE_P), "lock andb clears RW (ptep_set_wrprotect)");
	__asm__ volatile("lock orb %1, %0" : "+m"(*(volatile uint8_t *)pte) : "i"((uint8_t)PTE_RW) : "memory");
	tc_check(*pte & PTE_RW, "lock orb sets it again");
	__asm__ volatile("lock orb %1, %0" : "+m"(*(volatile uint8_t *)pte) : "i"((uint8_t)PTE_A) : "memory");
	__asm__ volatile("lock btrq $5, %0; setc %1" : "+m"(*pte), "=q"(cf) :: "memory");
	tc_check(cf && !(*pte & PTE_A), "lock btrq clears A and its carry says A was set");
	__asm__ volatile("lock btrq $5, %0; setc %1" : "+m"(*pte), "=q"(cf) :: "memory");
	tc_check(!cf, "a second btrq finds A clear");
	flush();
	window[1] = 7;
	tc_check(window[1] == 7, "the window is still writable through the rewritten entry");
}

static void check_refused(volatile uint64_t *pte, uint64_t l1_mfn)
{
	uint64_t before = *pte, faults = pw_faults;

	pw_store(pte, (l1_mfn << 12) | PTE_FLAGS);
	tc_check(pw_faults == faults + 1, "a write mapping the L1 table itself writable faults (%llu)",
		 (unsigned long long)(pw_faults - faults));
	tc_check(*pte == before, "and leaves the entry as it was");
	faults = pw_faults;
	tc_check(pw_xchg(pte, (l1_mfn << 12) | PTE_FLAGS) == ((l1_mfn << 12) | PTE_FLAGS) && pw_faults == faults + 1 &&
		 *pte == before, "a refused xchg faults and leaves its register and the entry as they were");
}

void test_main(void)
{
	static struct trap_info pf[2];
	uint64_t own = mfn_of(window), other = mfn_of(other_page), l1_mfn;
	volatile uint64_t *pte = pte_of(RT_PTR(window), &l1_mfn);

	window[0] = 0x5e1fULL;
	other_page[0] = 0x0b1ec7ULL;
	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(pw_pf_entry);
	if (hyp_set_trap_table(RT_PTR(pf)) != 0) {
		tc_fail("set_trap_table for #PF failed");
		return;
	}
	tc_check(frame(pte) == own, "found the window's L1 entry (L1 frame %#llx)", (unsigned long long)l1_mfn);
	check_mov(pte, own, other);
	check_xchg_cmpxchg(pte, own, other);
	check_bit_ops(pte);
	check_refused(pte, l1_mfn);
	*pte = (own << 12) | PTE_FLAGS;
	flush();
}

/* SPDX-License-Identifier: MIT */
/*
 * trap_table_long: set_trap_table takes a table of any length, as Xen's
 * (it reads entries until one with address 0, preempting and continuing
 * as needed; Skiff refused more than 1,024 with -E2BIG). A table of 5,000
 * entries whose vectors repeat is installed and later entries win: the
 * #GP entry at position 4,321 is the one in force, over an earlier one at
 * position 10, so int $0x81 (no entry) reaches it. Past 1,024 entries a
 * non-canonical handler is still -EINVAL and a table that runs into an
 * unreadable page still -EFAULT (what an error leaves installed differs:
 * docs/XEN_DEVIATIONS.md), a table of 8,191 entries is taken whole too,
 * and so is a long one inside a multicall, whose next entry runs after
 * it. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include "rt_page.h"
#include "test.h"

#define LONG		5000
#define GP_AT		4321
#define DECOY_AT	10
#define LONGER		8191

extern const uint64_t rt_trap_stubs[32];

static struct trap_info table[LONGER + 1];
static unsigned int gp_seen;
static uint64_t gp_err;

static uint64_t gp_hook(const uint64_t *frame)
{
	gp_seen++;
	gp_err = frame[2];
	return frame[3] + 2;	/* past int $0x81 */
}

static void do_int81(void)
{
	__asm__ volatile("int $0x81" ::: "memory");
}

/* Filler: vectors 0xa0-0xaf (never raised here) with the runtime's own stubs as handlers. */
static void fill(unsigned int n)
{
	memset(table, 0, sizeof(table));
	for (unsigned int i = 0; i < n; i++) {
		table[i].vector = (uint8_t)(0xa0 + i % 16);
		table[i].cs = FLAT_KERNEL_CS;
		table[i].address = rt_trap_stubs[i % 32];
	}
}

static void set_entry(unsigned int i, uint8_t vector, uint64_t address)
{
	table[i].vector = vector;
	table[i].flags = 0;
	table[i].cs = FLAT_KERNEL_CS;
	table[i].address = address;
}

/* The runtime's own #GP entry again, so a stray fault is reported. */
static void restore_gp(void)
{
	static struct trap_info t[2];

	t[0] = (struct trap_info){ .vector = 13, .cs = FLAT_KERNEL_CS, .address = rt_trap_stubs[13] };
	tc_expect_eq(hyp_set_trap_table(RT_PTR(t)), 0, "the runtime's #GP entry back");
}

static void long_table(void)
{
	long rc;

	fill(LONG);
	set_entry(DECOY_AT, 13, rt_trap_stubs[13]);	/* would report an unexpected #GP and end the test */
	set_entry(GP_AT, 13, RT_PTR(conf_gp_entry));
	conf_gp_hook = gp_hook;
	rc = hyp_set_trap_table(RT_PTR(table));
	tc_expect_eq(rc, 0, "set_trap_table with 5000 entries");
	gp_seen = 0;
	do_int81();
	tc_expect_eq(gp_seen, 1, "int $0x81 reached the #GP entry at position 4321, not the one at 10");
	tc_check((gp_err & 3) == 2, "its error code has the IDT flag (%#lx)", (unsigned long)gp_err);
	restore_gp();
}

static void longer_table(void)
{
	fill(LONGER);
	set_entry(LONGER - 1, 13, RT_PTR(conf_gp_entry));
	tc_expect_eq(hyp_set_trap_table(RT_PTR(table)), 0, "set_trap_table with 8191 entries");
	gp_seen = 0;
	do_int81();
	tc_expect_eq(gp_seen, 1, "the #GP entry at position 8190 is in force");
	restore_gp();
}

/* Inside a multicall the continuation rewrites the entry, and the batch goes on after it. */
static void in_a_multicall(void)
{
	static struct multicall_entry mc[2];

	fill(LONG);
	set_entry(GP_AT, 13, RT_PTR(conf_gp_entry));
	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_set_trap_table;
	mc[0].args[0] = RT_PTR(table);
	mc[0].result = 0x5a5a;
	mc[1].op = __HYPERVISOR_xen_version;
	mc[1].result = 0x5a5a;
	tc_expect_eq(rt_hypercall2(__HYPERVISOR_multicall, RT_PTR(mc), 2), 0, "a multicall with a 5000-entry table");
	tc_expect_eq(mc[0].result, 0, "the set_trap_table entry's result");
	tc_check(mc[1].result == (uint64_t)hyp_xen_version(0, 0), "the entry after it ran too (%#lx)",
		 (unsigned long)mc[1].result);
	gp_seen = 0;
	do_int81();
	tc_expect_eq(gp_seen, 1, "the #GP entry at position 4321 is in force after the multicall");
	restore_gp();
}

static void errors_past_the_first_thousand(void)
{
	struct trap_info *t;
	size_t n = 2048;	/* eight pages, with nothing mapped after them */

	fill(LONG);
	table[3000].address = 0x0000800000000000ULL;
	tc_expect_eq(hyp_set_trap_table(RT_PTR(table)), -XEN_EINVAL, "a non-canonical handler at entry 3000");

	if (rt_page_init() != 0 || !(t = rt_vmem_alloc(n * sizeof(*t)))) {
		tc_error("no pages for a table that runs into an unmapped page");
		return;
	}
	for (size_t i = 0; i < n; i++)
		t[i] = (struct trap_info){ .vector = (uint8_t)(0xa0 + i % 16), .cs = FLAT_KERNEL_CS,
					   .address = rt_trap_stubs[i % 32] };
	tc_expect_eq(hyp_set_trap_table(RT_PTR(t)), -XEN_EFAULT,
		     "2048 entries without a terminator, then an unmapped page");
	rt_vmem_free(t);
}

void test_main(void)
{
	long_table();
	longer_table();
	in_a_multicall();
	errors_past_the_first_thousand();
}

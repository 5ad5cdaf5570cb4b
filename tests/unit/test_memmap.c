/* SPDX-License-Identifier: MIT */
/* Free-memory computation and the early allocator: reservations, firmware holes, alignment, limits. */
#include <check.h>
#include <hv/memmap.h>
#include <string.h>

static struct boot_info bi;
static struct memmap mm;

struct collected {
	unsigned int n;
	paddr_t s[32], e[32];
};

static void collect(paddr_t s, paddr_t e, void *arg)
{
	struct collected *c = arg;

	c->s[c->n] = s;
	c->e[c->n] = e;
	c->n++;
}

static void setup(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.ranges[0] = (struct boot_memrange){ 0, 0x9fc00, MEM_RAM };
	bi.ranges[1] = (struct boot_memrange){ 0x100000, 0x1fe00000, MEM_RAM };
	bi.ranges[2] = (struct boot_memrange){ 0x1ff00000, 0x100000, MEM_RESERVED };
	bi.nr_ranges = 3;
	memmap_init(&mm, &bi);
}

START_TEST(unreserved_is_all_ram_page_aligned)
{
	struct collected c = { 0 };

	memmap_for_each_free(&mm, collect, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.s[0], 0);
	ck_assert_uint_eq(c.e[0], 0x9f000);	/* 0x9fc00 rounded down */
	ck_assert_uint_eq(c.s[1], 0x100000);
	ck_assert_uint_eq(c.e[1], 0x1ff00000);
}
END_TEST

START_TEST(reservations_cut_holes)
{
	struct collected c = { 0 };

	memmap_reserve(&mm, 0, 0x100000, "low");
	memmap_reserve(&mm, 0x100000, 0x180800, "image");		/* end rounds up */
	memmap_reserve(&mm, 0x400000, 0x500000, "module");
	memmap_reserve(&mm, 0x450000, 0x600000, "overlapping");
	memmap_for_each_free(&mm, collect, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.s[0], 0x181000);
	ck_assert_uint_eq(c.e[0], 0x400000);
	ck_assert_uint_eq(c.s[1], 0x600000);
	ck_assert_uint_eq(c.e[1], 0x1ff00000);
}
END_TEST

START_TEST(firmware_reserved_inside_ram_wins)
{
	struct collected c = { 0 };

	bi.ranges[3] = (struct boot_memrange){ 0x800000, 0x1000, MEM_ACPI };
	bi.nr_ranges = 4;
	memmap_reserve(&mm, 0, 0x100000, "low");
	memmap_for_each_free(&mm, collect, &c);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.e[0], 0x800000);
	ck_assert_uint_eq(c.s[1], 0x801000);
}
END_TEST

START_TEST(early_alloc_takes_highest_fit_and_reserves)
{
	paddr_t a, b;
	struct collected c = { 0 };

	memmap_reserve(&mm, 0, 0x100000, "low");
	a = memmap_early_alloc(&mm, 0x3000, 0x1000, 1ULL << 32);
	ck_assert_uint_eq(a, 0x1ff00000 - 0x3000);
	b = memmap_early_alloc(&mm, 0x200000, 0x200000, 1ULL << 32);
	ck_assert_uint_eq(b, 0x1fc00000);	/* 2 MiB aligned, below a */
	ck_assert_uint_eq(mm.early_bytes, 0x203000);
	memmap_for_each_free(&mm, collect, &c);
	for (unsigned int i = 0; i < c.n; i++) {
		ck_assert(c.e[i] <= b || c.s[i] >= b + 0x200000);
		ck_assert(c.e[i] <= a || c.s[i] >= a + 0x3000);
	}
}
END_TEST

START_TEST(early_alloc_respects_limit_and_fails_cleanly)
{
	memmap_reserve(&mm, 0, 0x100000, "low");
	ck_assert_uint_eq(memmap_early_alloc(&mm, 0x1000, 0x1000, 0x200000), 0x1ff000);
	ck_assert_uint_eq(memmap_early_alloc(&mm, 0x40000000, 0x1000, 1ULL << 32), 0);	/* too big */
	ck_assert_uint_eq(memmap_early_alloc(&mm, 0x1000, 0x3000, 1ULL << 32), 0);	/* bad alignment */
	ck_assert_uint_eq(memmap_early_alloc(&mm, 0, 0x1000, 1ULL << 32), 0);
	mm.closed = true;
	ck_assert_uint_eq(memmap_early_alloc(&mm, 0x1000, 0x1000, 1ULL << 32), 0);
}
END_TEST

START_TEST(reserve_table_full)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < MEMMAP_MAX_RESERVED + 5; i++)
		ok += memmap_reserve(&mm, i * 0x10000, i * 0x10000 + 0x1000, "x");
	ck_assert_uint_eq(ok, MEMMAP_MAX_RESERVED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("memmap");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, unreserved_is_all_ram_page_aligned);
	tcase_add_test(tc, reservations_cut_holes);
	tcase_add_test(tc, firmware_reserved_inside_ram_wins);
	tcase_add_test(tc, early_alloc_takes_highest_fit_and_reserves);
	tcase_add_test(tc, early_alloc_respects_limit_and_fails_cleanly);
	tcase_add_test(tc, reserve_table_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

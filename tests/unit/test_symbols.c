/* SPDX-License-Identifier: MIT */
/* Symbol lookup: exact hits, offsets, aliases, and addresses outside any symbol. */
#include <check.h>
#include <hv/symbols.h>

static const uint64_t addrs[] = { 0x1000, 0x1010, 0x1010, 0x1080, 0x2000 };
static const char *const names[] = { "first", "alias_a", "alias_b", "third", "_etext" };
static const struct symtab tab = { 5, addrs, names };

static const char *look(uint64_t a, uint64_t *off, uint64_t *size)
{
	return symtab_lookup(&tab, a, off, size);
}

START_TEST(hits_and_offsets)
{
	uint64_t off, size;

	ck_assert_str_eq(look(0x1000, &off, &size), "first");
	ck_assert_uint_eq(off, 0);
	ck_assert_uint_eq(size, 0x10);
	ck_assert_str_eq(look(0x100f, &off, &size), "first");
	ck_assert_uint_eq(off, 0xf);
	ck_assert_str_eq(look(0x1011, &off, &size), "alias_a");
	ck_assert_uint_eq(size, 0x70);
	ck_assert_str_eq(look(0x1fff, &off, &size), "third");
	ck_assert_uint_eq(off, 0xf7f);
}
END_TEST

START_TEST(misses)
{
	uint64_t off, size;
	struct symtab empty = { 0, addrs, names };

	ck_assert_ptr_null(look(0xfff, &off, &size));
	ck_assert_ptr_null(look(0x2000, &off, &size));	/* the end marker is not a function */
	ck_assert_ptr_null(look(~0ULL, &off, &size));
	ck_assert_ptr_null(symtab_lookup(&empty, 0x1000, &off, &size));
}
END_TEST

/* The table the second link embeds (gensyms.sh): here the same shape, so symbol_lookup reads it. */
const uint64_t hv_symtab_count = 5;
const uint64_t hv_symtab_addrs[] = { 0x1000, 0x1010, 0x1010, 0x1080, 0x2000 };
const char *const hv_symtab_names[] = { "first", "alias_a", "alias_b", "third", "_etext" };

START_TEST(hypervisor_table)
{
	uint64_t off, size;

	ck_assert_str_eq(symbol_lookup(0x1084, &off, &size), "third");
	ck_assert_uint_eq(off, 4);
	ck_assert_uint_eq(size, 0xf80);
	ck_assert_ptr_null(symbol_lookup(0x2000, &off, &size));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("symbols");
	TCase *tc = tcase_create("lookup");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, hits_and_offsets);
	tcase_add_test(tc, misses);
	tcase_add_test(tc, hypervisor_table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

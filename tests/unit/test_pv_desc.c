/* SPDX-License-Identifier: MIT */
/* Descriptor check and fix-up: what a guest may install in its GDT, and what it is turned into. */
#include <check.h>
#include <hv/pv_desc.h>

static bool fix(uint64_t *d)
{
	return pv_desc_fixup(d);
}

START_TEST(not_present_any_content)
{
	uint64_t d = 0x00cf12000000ffffULL;	/* DPL 0 data, P clear */

	ck_assert(fix(&d));
	ck_assert_uint_eq(d, 0x00cf12000000ffffULL);
	d = 0;
	ck_assert(fix(&d) && d == 0);
}
END_TEST

START_TEST(code_data_dpl_raised)
{
	uint64_t data0 = 0x00cf92000000ffffULL, code0 = 0x00af9a000000ffffULL, data3 = 0x00cff2000000ffffULL;

	ck_assert(fix(&data0));
	ck_assert_uint_eq(data0, 0x00cff2000000ffffULL);
	ck_assert(fix(&code0));
	ck_assert_uint_eq(code0, 0x00affa000000ffffULL);
	ck_assert(fix(&data3));
	ck_assert_uint_eq(data3, 0x00cff2000000ffffULL);
}
END_TEST

START_TEST(code_with_l_and_d_refused)
{
	uint64_t d = 0x00effa000000ffffULL, keep = d;

	ck_assert(!fix(&d));
	ck_assert_uint_eq(d, keep);
}
END_TEST

START_TEST(call_gate_to_dpl0)
{
	uint64_t gate = 0x0000ec0000000000ULL;

	ck_assert(fix(&gate));
	ck_assert_uint_eq((gate >> 45) & 3, 0);
	ck_assert_uint_eq((gate >> 47) & 1, 1);
}
END_TEST

START_TEST(other_system_refused)
{
	static const uint64_t bad[] = {
		0x0000890000000067ULL,	/* available 64-bit TSS */
		0x00008b0000000067ULL,	/* busy TSS */
		0x0000820000000fffULL,	/* LDT */
		0x0000ee0000000000ULL,	/* interrupt gate, DPL 3 */
		0x0000ef0000000000ULL,	/* trap gate */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t d = bad[i];

		ck_assert_msg(!fix(&d), "descriptor %u accepted", i);
		ck_assert_uint_eq(d, bad[i]);
	}
}
END_TEST

START_TEST(type0_system_present_ok)
{
	uint64_t d = 0x0000800000000000ULL;

	ck_assert(fix(&d));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_desc");
	TCase *tc = tcase_create("fixup");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, not_present_any_content);
	tcase_add_test(tc, code_data_dpl_raised);
	tcase_add_test(tc, code_with_l_and_d_refused);
	tcase_add_test(tc, call_gate_to_dpl0);
	tcase_add_test(tc, other_system_refused);
	tcase_add_test(tc, type0_system_present_ok);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/* The console's history (hv/common/console_hist.c): incremental reads by position, wrap, loss counted, clear. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <hv/console.h>

/* Check forks each test: every test starts with an empty history. */

static char out[CONSOLE_HIST_SIZE + 64];

START_TEST(reads_on_from_its_position)
{
	uint64_t idx = 0, skipped = 99;

	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 0);
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(skipped, 0);
	console_hist_put("hello ", 6);
	console_hist_put("world\n", 6);
	ck_assert_uint_eq(console_hist_read(&idx, out, 4, &skipped), 4);
	ck_assert(memcmp(out, "hell", 4) == 0);
	ck_assert_uint_eq(idx, 4);
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 8);
	ck_assert(memcmp(out, "o world\n", 8) == 0);
	ck_assert_uint_eq(idx, 12);
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 0);
	console_hist_put("more\n", 5);
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 5);
	ck_assert(memcmp(out, "more\n", 5) == 0);
	ck_assert_uint_eq(console_hist_end(), 17);
	/* A position past the end reads nothing and skips nothing. */
	idx = 1000;
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 0);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(idx, 1000);
}
END_TEST

/* Past the ring's size: the oldest bytes go, a reader behind them starts at the oldest kept and learns how many it lost. */
START_TEST(wraps_and_counts_the_loss)
{
	char line[100];
	uint64_t idx = 0, skipped, total = 0, got = 0;
	unsigned int lines = 0;

	for (unsigned int i = 0; total < 3 * CONSOLE_HIST_SIZE + 123; i++) {
		int n = snprintf(line, sizeof(line), "line %u of the hypervisor's log\n", i);

		console_hist_put(line, (size_t)n);
		total += (uint64_t)n;
		lines = i;
	}
	ck_assert_uint_eq(console_hist_end(), total);
	got = console_hist_read(&idx, out, sizeof(out), &skipped);
	ck_assert_uint_eq(got, CONSOLE_HIST_SIZE);
	ck_assert_uint_eq(skipped, total - CONSOLE_HIST_SIZE);
	ck_assert_uint_eq(idx, total);
	/* The newest line is the end of what was read, whole. */
	snprintf(line, sizeof(line), "line %u of the hypervisor's log\n", lines);
	ck_assert(memcmp(out + got - strlen(line), line, strlen(line)) == 0);
	/* Reading in small steps gives the same bytes as one read. */
	static char again[CONSOLE_HIST_SIZE];
	uint64_t i2 = 0, sk2;
	size_t off = 0, n;

	while ((n = console_hist_read(&i2, again + off, 777, &sk2)) != 0) {
		ck_assert_uint_eq(sk2, off ? 0 : total - CONSOLE_HIST_SIZE);
		off += n;
	}
	ck_assert_uint_eq(off, CONSOLE_HIST_SIZE);
	ck_assert(memcmp(again, out, CONSOLE_HIST_SIZE) == 0);
}
END_TEST

/* One write larger than the ring keeps its last CONSOLE_HIST_SIZE bytes. */
START_TEST(one_huge_write)
{
	static char big[CONSOLE_HIST_SIZE * 2 + 5];
	uint64_t idx = 0, skipped;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	console_hist_put(big, sizeof(big));
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), CONSOLE_HIST_SIZE);
	ck_assert(memcmp(out, big + sizeof(big) - CONSOLE_HIST_SIZE, CONSOLE_HIST_SIZE) == 0);
	ck_assert_uint_eq(skipped, sizeof(big) - CONSOLE_HIST_SIZE);
}
END_TEST

/* A clear forgets what was written; what comes after is read as usual; positions keep counting. */
START_TEST(clear_forgets_the_past)
{
	uint64_t idx = 0, skipped;

	console_hist_put("before\n", 7);
	console_hist_clear_upto(UINT64_MAX);
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 0);
	ck_assert_uint_eq(skipped, 7);
	ck_assert_uint_eq(idx, 7);
	console_hist_put("after\n", 6);
	idx = 0;
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 6);
	ck_assert(memcmp(out, "after\n", 6) == 0);
	ck_assert_uint_eq(skipped, 7);
	ck_assert_uint_eq(idx, 13);
}
END_TEST

/* A clear up to a reader's position keeps what was printed after it (xl dmesg -c between its read and its clear). */
START_TEST(clear_stops_at_the_position_read)
{
	uint64_t idx = 0, skipped;

	console_hist_put("read\n", 5);
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 5);
	console_hist_put("printed meanwhile\n", 18);
	console_hist_clear_upto(idx);
	idx = 0;
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 18);
	ck_assert(memcmp(out, "printed meanwhile\n", 18) == 0);
	ck_assert_uint_eq(skipped, 5);
	/* A clear never goes back, nor past the end. */
	console_hist_clear_upto(2);
	idx = 0;
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 18);
	console_hist_clear_upto(UINT64_MAX);
	console_hist_put("x", 1);
	idx = 0;
	ck_assert_uint_eq(console_hist_read(&idx, out, sizeof(out), &skipped), 1);
	ck_assert_uint_eq(skipped, 23);
}
END_TEST

static Suite *hist_suite(void)
{
	Suite *s = suite_create("console_hist");
	TCase *tc = tcase_create("history");

	tcase_add_test(tc, reads_on_from_its_position);
	tcase_add_test(tc, wraps_and_counts_the_loss);
	tcase_add_test(tc, one_huge_write);
	tcase_add_test(tc, clear_forgets_the_past);
	tcase_add_test(tc, clear_stops_at_the_position_read);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hist_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

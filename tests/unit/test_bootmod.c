/* SPDX-License-Identifier: MIT */
/* Unit tests of the boot-module option parser of dom0's toolstack (backends/toolstack/bootmod.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <bootmod.h>

static struct bootmod_spec sp;

START_TEST(test_plain)
{
	bootmod_parse("console=hvc0 root=/dev/xvda", &sp);
	ck_assert(!sp.is_initrd);
	ck_assert_uint_eq(sp.mem, 0);
	ck_assert_str_eq(sp.name, "");
	ck_assert_str_eq(sp.cmdline, "console=hvc0 root=/dev/xvda");
}
END_TEST

START_TEST(test_every_option)
{
	bootmod_parse("@mem=256M @name=web-1 @gnttab_frames=8 @maptrack_frames=64 @weight=512 @cap=50 "
		      "@cpus=0-2,5 @backends quiet  x=1", &sp);
	ck_assert_uint_eq(sp.mem, 256ULL << 20);
	ck_assert_str_eq(sp.name, "web-1");
	ck_assert_uint_eq(sp.gnttab_frames, 8);
	ck_assert_uint_eq(sp.maptrack_frames, 64);
	ck_assert_uint_eq(sp.weight, 512);
	ck_assert_uint_eq(sp.cap, 50);
	ck_assert_uint_eq(sp.cpus, 0x27);
	ck_assert(!sp.bad_value);
	ck_assert_str_eq(sp.unknown, "");
	ck_assert_str_eq(sp.cmdline, "quiet  x=1");
}
END_TEST

START_TEST(test_initrd_and_sizes)
{
	bootmod_parse("@initrd", &sp);
	ck_assert(sp.is_initrd);
	ck_assert(!sp.is_data);
	bootmod_parse("@data @initrd", &sp);
	ck_assert(sp.is_initrd && sp.is_data);
	bootmod_parse("@domfile", &sp);
	ck_assert(sp.is_domfile && !sp.is_initrd);
	bootmod_parse("@uuid=5ec0ffee-0b0e-4a11-8bee-0123456789AB @expect=crash x", &sp);
	ck_assert(sp.uuid_set);
	ck_assert_uint_eq(sp.uuid[0], 0x5e);
	ck_assert_uint_eq(sp.uuid[15], 0xab);
	ck_assert_str_eq(sp.cmdline, "x");
	ck_assert_str_eq(sp.unknown, "");
	bootmod_parse("@initrd", &sp);
	ck_assert_str_eq(sp.cmdline, "");
	bootmod_parse("@mem=1G", &sp);
	ck_assert_uint_eq(sp.mem, 1ULL << 30);
	bootmod_parse("@mem=65536K", &sp);
	ck_assert_uint_eq(sp.mem, 64ULL << 20);
	bootmod_parse("@mem=1048576", &sp);
	ck_assert_uint_eq(sp.mem, 1ULL << 20);
}
END_TEST

/* @maxmem and the @balloon test hook's targets; malformed ones flagged and dropped whole. */
START_TEST(test_balloon)
{
	const char *bad[] = { "@maxmem=0", "@maxmem=1X", "@balloon=", "@balloon=128M:", "@balloon=:1G",
			      "@balloon=1M:0", "@balloon=1M:2M:3M:4M:5M", "@balloon=1M,2M" };

	bootmod_parse("@mem=256M @maxmem=384M @balloon=128M:320M:64M x", &sp);
	ck_assert_uint_eq(sp.mem, 256ULL << 20);
	ck_assert_uint_eq(sp.maxmem, 384ULL << 20);
	ck_assert_uint_eq(sp.nr_balloon, 3);
	ck_assert_uint_eq(sp.balloon[0], 128ULL << 20);
	ck_assert_uint_eq(sp.balloon[1], 320ULL << 20);
	ck_assert_uint_eq(sp.balloon[2], 64ULL << 20);
	ck_assert(!sp.bad_value);
	ck_assert_str_eq(sp.cmdline, "x");
	bootmod_parse("@balloon=1G:4M:8M:16M", &sp);
	ck_assert_uint_eq(sp.nr_balloon, 4);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bootmod_parse(bad[i], &sp);
		ck_assert_msg(sp.bad_value, "%s accepted", bad[i]);
		ck_assert_uint_eq(sp.maxmem, 0);
		ck_assert_uint_eq(sp.nr_balloon, 0);
	}
}
END_TEST

/* The host's digest of a module (a cache key for dom0): exactly 64 hex digits, either case. */
START_TEST(test_sha256)
{
	const char *bad[] = { "@sha256=", "@sha256=00", "@sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
			      "@sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
			      "@sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg" };

	bootmod_parse("@sha256=00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff @mem=8M k", &sp);
	ck_assert(sp.sha256_set);
	ck_assert_uint_eq(sp.sha256[0], 0x00);
	ck_assert_uint_eq(sp.sha256[10], 0xaa);
	ck_assert_uint_eq(sp.sha256[31], 0xff);
	ck_assert_uint_eq(sp.mem, 8ULL << 20);
	ck_assert_str_eq(sp.cmdline, "k");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bootmod_parse(bad[i], &sp);
		ck_assert_msg(sp.bad_value && !sp.sha256_set, "%s accepted", bad[i]);
	}
}
END_TEST

/* Malformed values are flagged and ignored; unknown options named; the rest still parses. */
START_TEST(test_bad)
{
	const char *bad[] = { "@mem=", "@mem=12X", "@mem=0", "@mem=99999999999999G", "@weight=0", "@weight=70000",
			      "@cpus=64", "@cpus=3-1", "@cpus=1,", "@name=a/b", "@name=",
			      "@name=abcdefghijklmnopqrstuvwxyz0123456", "@uuid=5ec0ffee-0b0e-4a11-8bee-0123456789a",
			      "@uuid=5ec0ffee+0b0e-4a11-8bee-0123456789ab", "@uuid=5ec0ffee-0b0e-4a11-8bee-0123456789ag" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bootmod_parse(bad[i], &sp);
		ck_assert_msg(sp.bad_value, "%s accepted", bad[i]);
		ck_assert_uint_eq(sp.mem, 0);
		ck_assert_uint_eq(sp.weight, 0);
		ck_assert_uint_eq(sp.cpus, 0);
		ck_assert(!sp.uuid_set);
	}
	bootmod_parse("@frobnicate=1 @mem=32M @other hello", &sp);
	ck_assert_str_eq(sp.unknown, "frobnicate=1");
	ck_assert_uint_eq(sp.mem, 32ULL << 20);
	ck_assert_str_eq(sp.cmdline, "hello");
	bootmod_parse(NULL, &sp);
	ck_assert_str_eq(sp.cmdline, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bootmod");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_every_option);
	tcase_add_test(tc, test_initrd_and_sizes);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_balloon);
	tcase_add_test(tc, test_sha256);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

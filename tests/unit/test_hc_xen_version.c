/* SPDX-License-Identifier: MIT */
/* xen_version handler: every sub-op's value and exact buffer footprint, privileged vs unprivileged, and every -EFAULT path. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <hv/hypercall.h>
#include <pvabi/errno.h>
#include <pvabi/features.h>
#include <pvabi/version.h>

#include "hc_harness.h"

#define FILL 0xa5

static struct domain *dom0, *domu;

static void setup(void)
{
	hc_reset();
	dom0 = hc_domain(0, "dom0", true);
	domu = hc_domain(3, "guest", false);
	for (int i = 0; i < 16; i++)
		domu->handle[i] = (uint8_t)(0x10 + i);
	hc_set_current(domu);
	hc_set_cmdline("loglvl=debug conformance-hv-marker dom0_mem=256M");
}

static long xv(uint64_t cmd, uint64_t arg)
{
	return do_xen_version(current_vcpu(), cmd, arg, 0, 0, 0);
}

/* Fills n bytes of guest memory at va (plus a guard after them) with FILL. */
static uint8_t *filled(uint64_t va, size_t n)
{
	uint8_t *p = hc_host(va);

	memset(p, FILL, n + 16);
	return p;
}

static void assert_fill(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(p[i] == FILL, "byte %zu changed to %#x", i, p[i]);
}

/* A NUL-terminated printable string at p, zero-padded to size. */
static void assert_padded_string(const uint8_t *p, size_t size, const char *want)
{
	size_t n = strnlen((const char *)p, size);

	ck_assert_uint_lt(n, size);
	if (want)
		ck_assert_str_eq((const char *)p, want);
	for (size_t i = 0; i < n; i++)
		ck_assert(p[i] >= 0x20 && p[i] <= 0x7e);
	for (size_t i = n; i < size; i++)
		ck_assert_msg(p[i] == 0, "padding byte %zu is %#x", i, p[i]);
}

/* The same, and the 16 guard bytes after the buffer untouched. */
static void assert_buffer_string(const uint8_t *p, size_t size, const char *want)
{
	assert_padded_string(p, size, want);
	assert_fill(p + size, 16);
}

START_TEST(test_version)
{
	ck_assert_int_eq(xv(XENVER_version, 0), (4 << 16) | 17);
	/* The argument is never looked at. */
	ck_assert_int_eq(xv(XENVER_version, HC_VA_UNMAPPED), (4 << 16) | 17);
	ck_assert_int_eq(xv(XENVER_version, HC_VA_HV), (4 << 16) | 17);
	/* Upper half of the sub-op register ignored. */
	ck_assert_int_eq(xv((1ULL << 32) | XENVER_version, 0), (4 << 16) | 17);
}
END_TEST

START_TEST(test_extraversion)
{
	uint8_t *p = filled(hc_va(0, 100), XEN_EXTRAVERSION_LEN);

	ck_assert_int_eq(xv(XENVER_extraversion, hc_va(0, 100)), 0);
	assert_buffer_string(p, XEN_EXTRAVERSION_LEN, ".0-skiff");
}
END_TEST

START_TEST(test_changeset)
{
	uint8_t *p = filled(hc_va(0, 0), XEN_CHANGESET_INFO_LEN);

	ck_assert_int_eq(xv(XENVER_changeset, hc_va(0, 0)), 0);
	assert_buffer_string(p, XEN_CHANGESET_INFO_LEN, "skiff");
}
END_TEST

START_TEST(test_capabilities)
{
	/* Spans a page boundary on purpose. */
	uint64_t va = hc_va(1, PAGE_SIZE - 300);
	uint8_t *p = filled(va, XEN_CAPABILITIES_INFO_LEN);

	ck_assert_int_eq(xv(XENVER_capabilities, va), 0);
	assert_buffer_string(p, XEN_CAPABILITIES_INFO_LEN, "xen-3.0-x86_64");
}
END_TEST

START_TEST(test_compile_info)
{
	uint8_t *p = filled(hc_va(0, 8), sizeof(struct xen_compile_info));
	const struct xen_compile_info *ci = (const void *)p;

	ck_assert_int_eq(xv(XENVER_compile_info, hc_va(0, 8)), 0);
	/* Each field is a zero-padded string within itself; nothing after the struct is written. */
	assert_padded_string((const uint8_t *)ci->compiler, sizeof(ci->compiler), NULL);
	assert_padded_string((const uint8_t *)ci->compile_by, sizeof(ci->compile_by), "skiff");
	assert_padded_string((const uint8_t *)ci->compile_domain, sizeof(ci->compile_domain), NULL);
	assert_padded_string((const uint8_t *)ci->compile_date, sizeof(ci->compile_date), NULL);
	ck_assert(strncmp(ci->compiler, "gcc ", 4) == 0 || strncmp(ci->compiler, "clang ", 6) == 0);
	ck_assert_uint_gt(strlen(ci->compile_date), 0);
	assert_fill(p + sizeof(*ci), 16);
}
END_TEST

START_TEST(test_platform_parameters)
{
	uint8_t *p = filled(hc_va(2, 40), 8);
	uint64_t vs;

	ck_assert_int_eq(xv(XENVER_platform_parameters, hc_va(2, 40)), 0);
	memcpy(&vs, p, 8);
	ck_assert_uint_eq(vs, 0xffff800000000000ULL);
	assert_fill(p + 8, 16);
}
END_TEST

static long features(uint64_t va, uint32_t idx, uint32_t *submap)
{
	struct xen_feature_info fi = { .submap_idx = idx, .submap = 0xa5a5a5a5 };
	long rc;

	memcpy(hc_host(va), &fi, sizeof(fi));
	rc = xv(XENVER_get_features, va);
	memcpy(&fi, hc_host(va), sizeof(fi));
	ck_assert_uint_eq(fi.submap_idx, idx);
	*submap = fi.submap;
	return rc;
}

#define PV64_BITS ((1U << 5) | (1U << 6) | (1U << 7) | (1U << 13) | (1U << 17))

START_TEST(test_features_domu)
{
	uint32_t m;

	ck_assert_int_eq(features(hc_va(0, 0), 0, &m), 0);
	ck_assert_uint_eq(m, PV64_BITS);
	ck_assert(!(m & (1U << XENFEAT_auto_translated_physmap)));
	ck_assert(!(m & (1U << XENFEAT_dom0)));
}
END_TEST

START_TEST(test_features_dom0)
{
	uint32_t m;

	hc_set_current(dom0);
	ck_assert_int_eq(features(hc_va(0, 0), 0, &m), 0);
	ck_assert_uint_eq(m, PV64_BITS | (1U << XENFEAT_dom0));
}
END_TEST

START_TEST(test_features_follow_pae_extended_cr3)
{
	uint32_t m;

	domu->vm_assist = 1UL << VMASST_TYPE_pae_extended_cr3;
	ck_assert_int_eq(features(hc_va(0, 0), 0, &m), 0);
	ck_assert_uint_eq(m, PV64_BITS | (1U << XENFEAT_pae_pgdir_above_4gb));
	domu->vm_assist = 1UL << VMASST_TYPE_writable_pagetables;
	ck_assert_int_eq(features(hc_va(0, 0), 0, &m), 0);
	ck_assert_uint_eq(m, PV64_BITS);
}
END_TEST

START_TEST(test_features_bad_submap)
{
	static const uint32_t bad[] = { 1, 2, 31, 0x80000000u, 0xffffffffu };
	uint32_t m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(features(hc_va(0, 0), bad[i], &m), -XEN_EINVAL);
		ck_assert_uint_eq(m, 0xa5a5a5a5);
	}
}
END_TEST

START_TEST(test_features_read_only_buffer)
{
	/* Readable, so the index is read; the answer cannot be written. */
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0x12345678 };

	memcpy(hc_host(HC_VA_RO), &fi, sizeof(fi));
	ck_assert_int_eq(xv(XENVER_get_features, HC_VA_RO), -XEN_EFAULT);
	memcpy(&fi, hc_host(HC_VA_RO), sizeof(fi));
	ck_assert_uint_eq(fi.submap, 0x12345678);
}
END_TEST

START_TEST(test_pagesize)
{
	ck_assert_int_eq(xv(XENVER_pagesize, 0), 4096);
	ck_assert_int_eq(xv(XENVER_pagesize, hc_va(0, 0)), -XEN_EINVAL);
	ck_assert_int_eq(xv(XENVER_pagesize, HC_VA_HV), -XEN_EINVAL);
}
END_TEST

START_TEST(test_guest_handle)
{
	uint8_t *p = filled(hc_va(3, 5), 16);

	ck_assert_int_eq(xv(XENVER_guest_handle, hc_va(3, 5)), 0);
	ck_assert_mem_eq(p, domu->handle, 16);
	assert_fill(p + 16, 16);
	hc_set_current(dom0);
	filled(hc_va(3, 5), 16);
	ck_assert_int_eq(xv(XENVER_guest_handle, hc_va(3, 5)), 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(p[i], 0);
}
END_TEST

START_TEST(test_commandline_dom0)
{
	uint64_t va = hc_va(4, 1000);
	uint8_t *p = filled(va, XEN_COMMANDLINE_LEN);

	hc_set_current(dom0);
	ck_assert_int_eq(xv(XENVER_commandline, va), 0);
	assert_buffer_string(p, XEN_COMMANDLINE_LEN, "loglvl=debug conformance-hv-marker dom0_mem=256M");
}
END_TEST

START_TEST(test_commandline_truncated)
{
	char longline[1500];
	uint64_t va = hc_va(4, 0);
	uint8_t *p = filled(va, XEN_COMMANDLINE_LEN);

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	hc_set_cmdline(longline);
	hc_set_current(dom0);
	ck_assert_int_eq(xv(XENVER_commandline, va), 0);
	ck_assert_uint_eq(strnlen((const char *)p, XEN_COMMANDLINE_LEN), XEN_COMMANDLINE_LEN - 1);
	ck_assert_uint_eq(p[XEN_COMMANDLINE_LEN - 1], 0);
	assert_fill(p + XEN_COMMANDLINE_LEN, 16);
}
END_TEST

START_TEST(test_commandline_missing)
{
	uint64_t va = hc_va(4, 0);
	uint8_t *p = filled(va, XEN_COMMANDLINE_LEN);

	hc_set_cmdline(NULL);
	hc_set_current(dom0);
	ck_assert_int_eq(xv(XENVER_commandline, va), 0);
	assert_buffer_string(p, XEN_COMMANDLINE_LEN, "");
}
END_TEST

START_TEST(test_commandline_domu_denied)
{
	uint64_t va = hc_va(4, 0);
	uint8_t *p = filled(va, XEN_COMMANDLINE_LEN);

	ck_assert_int_eq(xv(XENVER_commandline, va), 0);
	ck_assert_str_eq((const char *)p, "<denied>");
	/* Only the 9 bytes of "<denied>" are written, as Xen does. */
	assert_fill(p + 9, XEN_COMMANDLINE_LEN - 9);
	ck_assert(strstr((const char *)p, "marker") == NULL);
	ck_assert_int_eq(xv(XENVER_commandline, HC_VA_UNMAPPED), -XEN_EFAULT);
}
END_TEST

START_TEST(test_build_id)
{
	uint32_t len = 64;

	ck_assert_int_eq(xv(XENVER_build_id, 0), -XEN_EPERM);
	ck_assert_int_eq(xv(XENVER_build_id, hc_va(0, 0)), -XEN_EPERM);
	hc_set_current(dom0);
	ck_assert_int_eq(xv(XENVER_build_id, 0), -XEN_ENODATA);
	memcpy(hc_host(hc_va(0, 0)), &len, 4);
	ck_assert_int_eq(xv(XENVER_build_id, hc_va(0, 0)), -XEN_ENODATA);
	len = 0;
	memcpy(hc_host(hc_va(0, 0)), &len, 4);
	ck_assert_int_eq(xv(XENVER_build_id, hc_va(0, 0)), -XEN_EINVAL);
	ck_assert_int_eq(xv(XENVER_build_id, HC_VA_UNMAPPED), -XEN_EFAULT);
	ck_assert_int_eq(xv(XENVER_build_id, HC_VA_HV), -XEN_EFAULT);
}
END_TEST

static const uint64_t unknown_ops[] = { 11, 12, 13, 14, 15, 64, 0x7fffffff, 0x80000000,
					0xffffffff, 0xffffffffffffffffULL };

START_TEST(test_unknown_subops)
{
	uint64_t op = unknown_ops[_i];
	uint8_t *p = filled(hc_va(0, 0), 64);

	ck_assert_int_eq(xv(op, hc_va(0, 0)), -XEN_ENOSYS);
	hc_set_current(dom0);
	ck_assert_int_eq(xv(op, 0), -XEN_ENOSYS);
	assert_fill(p, 64);
}
END_TEST

/* Sub-ops that write a buffer, and the buffer size each writes. */
static const struct {
	int op;
	size_t size;
} buffer_ops[] = {
	{ XENVER_extraversion, XEN_EXTRAVERSION_LEN },
	{ XENVER_compile_info, sizeof(struct xen_compile_info) },
	{ XENVER_capabilities, XEN_CAPABILITIES_INFO_LEN },
	{ XENVER_changeset, XEN_CHANGESET_INFO_LEN },
	{ XENVER_platform_parameters, sizeof(struct xen_platform_parameters) },
	{ XENVER_get_features, sizeof(struct xen_feature_info) },
	{ XENVER_guest_handle, 16 },
	{ XENVER_commandline, XEN_COMMANDLINE_LEN },
};

START_TEST(test_bad_pointers)
{
	int op = buffer_ops[_i].op;
	const uint64_t bad[] = {
		HC_VA_UNMAPPED, HC_VA_HV, HC_VA_NONCANON, HC_VA_HOLE, HC_VA_RO,
		0xffff87fffffffff8ULL,			/* last bytes of the hypervisor's slots */
		0x00007ffffffffffcULL,			/* mapped, but runs off the canonical lower half */
		HC_VA_HV - 8,				/* runs into the hypervisor's slots */
		hc_va(HC_PAGE_HOLE, 0) - 2,		/* 2 bytes mapped, then the hole */
	};

	hc_set_current(dom0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xv(op, bad[i]) == -XEN_EFAULT, "sub-op %d at %#llx", op,
			      (unsigned long long)bad[i]);
	hc_set_current(domu);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xv(op, bad[i]) == -XEN_EFAULT, "domU sub-op %d at %#llx", op,
			      (unsigned long long)bad[i]);
}
END_TEST

START_TEST(test_string_running_off_canonical_writes_nothing)
{
	/* 100 mapped bytes, then non-canonical addresses: the whole buffer is checked before the first byte. */
	uint64_t va = HC_VA_TOP + PAGE_SIZE - 100;
	uint8_t *p = hc_host(va);

	memset(p, FILL, 100);
	hc_set_current(dom0);
	ck_assert_int_eq(xv(XENVER_capabilities, va), -XEN_EFAULT);
	ck_assert_int_eq(xv(XENVER_commandline, va), -XEN_EFAULT);
	assert_fill(p, 100);
}
END_TEST

START_TEST(test_buffer_ending_at_the_hole_is_fine)
{
	int op = buffer_ops[_i].op;
	size_t size = buffer_ops[_i].size;
	uint64_t va = hc_va(HC_PAGE_HOLE, 0) - size;

	hc_set_current(dom0);
	if (op == XENVER_get_features)
		memset(hc_host(va), 0, size);
	ck_assert_int_eq(xv(op, va), 0);
}
END_TEST

static Suite *xen_version_suite(void)
{
	Suite *s = suite_create("xen_version");
	TCase *tc = tcase_create("core");
	int nbuf = (int)(sizeof(buffer_ops) / sizeof(buffer_ops[0]));

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_extraversion);
	tcase_add_test(tc, test_changeset);
	tcase_add_test(tc, test_capabilities);
	tcase_add_test(tc, test_compile_info);
	tcase_add_test(tc, test_platform_parameters);
	tcase_add_test(tc, test_features_domu);
	tcase_add_test(tc, test_features_dom0);
	tcase_add_test(tc, test_features_follow_pae_extended_cr3);
	tcase_add_test(tc, test_features_bad_submap);
	tcase_add_test(tc, test_features_read_only_buffer);
	tcase_add_test(tc, test_pagesize);
	tcase_add_test(tc, test_guest_handle);
	tcase_add_test(tc, test_commandline_dom0);
	tcase_add_test(tc, test_commandline_truncated);
	tcase_add_test(tc, test_commandline_missing);
	tcase_add_test(tc, test_commandline_domu_denied);
	tcase_add_test(tc, test_build_id);
	tcase_add_loop_test(tc, test_unknown_subops, 0,
			    (int)(sizeof(unknown_ops) / sizeof(unknown_ops[0])));
	tcase_add_loop_test(tc, test_bad_pointers, 0, nbuf);
	tcase_add_test(tc, test_string_running_off_canonical_writes_nothing);
	tcase_add_loop_test(tc, test_buffer_ending_at_the_hole_is_fine, 0, nbuf);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xen_version_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/*
 * xen_version: every sub-op a PV guest uses answers with the Xen x86_64 PV
 * ABI's values and fills exactly its buffer: version (major >= 3),
 * extraversion/changeset/compile_info (NUL-terminated strings), capabilities
 * (lists "xen-3.0-x86_64"), platform_parameters (virt_start at the
 * reserved range), get_features (submap 0 has bits 5 and 7 Linux requires,
 * not auto_translated_physmap (2), has dom0 (11) for the initial domain),
 * pagesize (4096), guest_handle, commandline (the hypervisor's, readable by
 * dom0), build_id (size query, -EINVAL/-ENOBUFS for short buffers, or
 * -ENODATA if there is none). Bad pointers give -EFAULT, unknown sub-ops
 * -ENOSYS. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/version.h>
#include "test.h"

#define FILL 0xa5

/* The hypervisor command-line marker tests/conformance/run appends. */
#define HV_MARKER "conformance-hv-marker"

static int is_dom0(void)
{
	return (rt_boot.si->flags & SIF_INITDOMAIN) != 0;
}

/* A returned string must end within its buffer and be printable text. */
static void check_string(const char *what, const char *s, size_t size)
{
	size_t n = rt_strnlen(s, size);
	int printable = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			printable = 0;
	}
	tc_check(n < size && printable, "%s is a printable NUL-terminated string (\"%s\")", what,
		 n < size ? s : "");
}

static void check_version(void)
{
	long v = hyp_xen_version(XENVER_version, 0);

	rt_printf("version %ld.%ld\n", v >> 16, v & 0xffff);
	tc_check(v >= (3L << 16) && v <= 0xffffffffL, "XENVER_version major >= 3 (%#lx)", v);
	/* The argument of XENVER_version is ignored: Linux passes NULL to enter the hypervisor. */
	tc_expect_eq(hyp_xen_version(XENVER_version, RT_BAD_PTR_UNMAPPED), v,
		     "XENVER_version ignores its pointer");
}

static void check_strings(void)
{
	struct xen_extraversion ev;
	struct xen_changeset_info cs;
	struct xen_compile_info ci;

	memset(&ev, FILL, sizeof(ev));
	tc_expect_eq(hyp_xen_version(XENVER_extraversion, RT_PTR(&ev)), 0, "XENVER_extraversion");
	check_string("extraversion", ev.extraversion, sizeof(ev.extraversion));
	memset(&cs, FILL, sizeof(cs));
	tc_expect_eq(hyp_xen_version(XENVER_changeset, RT_PTR(&cs)), 0, "XENVER_changeset");
	check_string("changeset", cs.info, sizeof(cs.info));
	memset(&ci, FILL, sizeof(ci));
	tc_expect_eq(hyp_xen_version(XENVER_compile_info, RT_PTR(&ci)), 0, "XENVER_compile_info");
	check_string("compiler", ci.compiler, sizeof(ci.compiler));
	check_string("compile_by", ci.compile_by, sizeof(ci.compile_by));
	check_string("compile_domain", ci.compile_domain, sizeof(ci.compile_domain));
	check_string("compile_date", ci.compile_date, sizeof(ci.compile_date));
}

static void check_capabilities(void)
{
	static struct xen_capabilities_info caps;

	memset(&caps, FILL, sizeof(caps));
	tc_expect_eq(hyp_xen_version(XENVER_capabilities, RT_PTR(&caps)), 0, "XENVER_capabilities");
	check_string("capabilities", caps.info, sizeof(caps.info));
	tc_check(rt_strnlen(caps.info, sizeof(caps.info)) < sizeof(caps.info) &&
			 rt_has_word(caps.info, "xen-3.0-x86_64"),
		 "capabilities list xen-3.0-x86_64");
}

static void check_platform_parameters(void)
{
	struct xen_platform_parameters pp;

	memset(&pp, FILL, sizeof(pp));
	tc_expect_eq(hyp_xen_version(XENVER_platform_parameters, RT_PTR(&pp)), 0,
		     "XENVER_platform_parameters");
	tc_check(pp.virt_start == HYPERVISOR_VIRT_START, "virt_start is %#llx (got %#llx)",
		 (unsigned long long)HYPERVISOR_VIRT_START, (unsigned long long)pp.virt_start);
}

static void check_features(void)
{
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xa5a5a5a5 };
	uint32_t m;

	tc_expect_eq(hyp_xen_version(XENVER_get_features, RT_PTR(&fi)), 0,
		     "XENVER_get_features submap 0");
	m = fi.submap;
	rt_printf("features submap 0: %#x\n", m);
	tc_check(fi.submap_idx == 0, "get_features leaves submap_idx alone");
	tc_check(m & (1U << XENFEAT_mmu_pt_update_preserve_ad), "feature 5 (mmu_pt_update_preserve_ad)");
	tc_check(m & (1U << XENFEAT_gnttab_map_avail_bits), "feature 7 (gnttab_map_avail_bits)");
	tc_check(!(m & (1U << XENFEAT_auto_translated_physmap)),
		 "no feature 2 (auto_translated_physmap) for a PV guest");
	tc_check(!(m & (1U << XENFEAT_supervisor_mode_kernel)), "no feature 3 (supervisor_mode_kernel)");
	tc_check(!(m & (1U << XENFEAT_writable_page_tables)),
		 "no feature 0 (writable_page_tables): PV page tables are validated");
	tc_check(!(m & (1U << XENFEAT_hvm_callback_vector)), "no feature 8 (hvm_callback_vector)");
	if (is_dom0())
		tc_check(m & (1U << XENFEAT_dom0), "feature 11 (dom0) for the initial domain");

	fi.submap_idx = 1;
	fi.submap = 0xa5a5a5a5;
	long rc = hyp_xen_version(XENVER_get_features, RT_PTR(&fi));
	tc_check(rc == -XEN_EINVAL, "get_features submap 1 gives -EINVAL (got %ld)", rc);
	fi.submap_idx = 0xffffffff;
	rc = hyp_xen_version(XENVER_get_features, RT_PTR(&fi));
	tc_check(rc == -XEN_EINVAL, "get_features submap 0xffffffff gives -EINVAL (got %ld)", rc);
}

static void check_handle_and_pagesize(void)
{
	struct xen_domain_handle h;
	int all_fill = 1;

	tc_expect_eq(hyp_xen_version(XENVER_pagesize, 0), 4096, "XENVER_pagesize");
	memset(&h, FILL, sizeof(h));
	tc_expect_eq(hyp_xen_version(XENVER_guest_handle, RT_PTR(&h)), 0, "XENVER_guest_handle");
	for (size_t i = 0; i < sizeof(h.uuid); i++)
		all_fill &= h.uuid[i] == FILL;
	tc_check(!all_fill, "guest_handle wrote the 16-byte handle");
	if (is_dom0()) {
		static const uint8_t zero[16];

		tc_check(memcmp(h.uuid, zero, sizeof(zero)) == 0, "dom0's handle is all zeros");
	}
}

static void check_commandline(void)
{
	static char line[XEN_COMMANDLINE_LEN];
	long rc;

	memset(line, FILL, sizeof(line));
	rc = hyp_xen_version(XENVER_commandline, RT_PTR(line));
	if (!is_dom0()) {
		tc_check(rc == -XEN_EPERM || rc == 0, "XENVER_commandline as a domU (%ld)", rc);
		return;
	}
	tc_expect_eq(rc, 0, "XENVER_commandline as dom0");
	check_string("commandline", line, sizeof(line));
	tc_check(rt_strnlen(line, sizeof(line)) < sizeof(line) && rt_has_word(line, HV_MARKER),
		 "commandline holds the runner's marker " HV_MARKER);
}

/* NULL asks for the size; a buffer too small gives -ENOBUFS; no build id at all gives -ENODATA. */
static void check_build_id(void)
{
	static struct {
		struct xen_build_id h;
		uint8_t buf[64];
	} id;
	long size = hyp_xen_version(XENVER_build_id, 0);
	long rc;

	rt_printf("build_id size: %ld\n", size);
	if (size == -XEN_ENODATA) {
		tc_pass("XENVER_build_id: the hypervisor has no build id (-ENODATA)");
		return;
	}
	tc_check(size > 0 && size <= 64, "XENVER_build_id(NULL) gives the id's size (%ld)", size);
	if (size <= 0 || size > 64)
		return;
	id.h.len = 0;
	tc_expect_eq(hyp_xen_version(XENVER_build_id, RT_PTR(&id)), -XEN_EINVAL, "build_id with len 0");
	id.h.len = (uint32_t)size - 1;
	tc_expect_eq(hyp_xen_version(XENVER_build_id, RT_PTR(&id)), -XEN_ENOBUFS,
		     "build_id with a buffer one byte short");
	id.h.len = sizeof(id.buf);
	memset(id.buf, 0, sizeof(id.buf));
	rc = hyp_xen_version(XENVER_build_id, RT_PTR(&id));
	tc_expect_eq(rc, size, "build_id into a large enough buffer returns the size");
	tc_check(memcmp(id.buf, (const uint8_t[64]){ 0 }, (size_t)size) != 0, "and fills the id");
}

static void check_bad_input(void)
{
	static const int buffer_ops[] = {
		XENVER_extraversion, XENVER_compile_info, XENVER_capabilities, XENVER_changeset,
		XENVER_platform_parameters, XENVER_get_features, XENVER_guest_handle,
	};

	for (size_t i = 0; i < sizeof(buffer_ops) / sizeof(buffer_ops[0]); i++) {
		long rc1 = hyp_xen_version(buffer_ops[i], RT_BAD_PTR_UNMAPPED);
		long rc2 = hyp_xen_version(buffer_ops[i], RT_BAD_PTR_HYPERVISOR);

		tc_check(rc1 == -XEN_EFAULT && rc2 == -XEN_EFAULT,
			 "sub-op %d with an unmapped / hypervisor pointer gives -EFAULT (%ld, %ld)",
			 buffer_ops[i], rc1, rc2);
	}
	if (is_dom0())
		tc_expect_eq(hyp_xen_version(XENVER_commandline, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
			     "XENVER_commandline into the hypervisor's range");
	tc_expect_eq(hyp_xen_version(64, 0), -XEN_ENOSYS, "xen_version sub-op 64");
	tc_expect_eq(hyp_xen_version(0x7fffffff, 0), -XEN_ENOSYS, "xen_version sub-op 0x7fffffff");
	tc_expect_eq(hyp_xen_version(-1, 0), -XEN_ENOSYS, "xen_version sub-op -1");
}

void test_main(void)
{
	check_version();
	check_strings();
	check_capabilities();
	check_platform_parameters();
	check_features();
	check_handle_and_pagesize();
	check_commandline();
	check_build_id();
	check_bad_input();
}

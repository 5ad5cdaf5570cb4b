/* SPDX-License-Identifier: MIT */
/*
 * callback_compat: CALLBACKOP_register accepts the compat-mode entry points
 * of a 64-bit PV guest, CALLBACKTYPE_syscall32 and CALLBACKTYPE_sysenter,
 * with or without CALLBACKF_mask_events; third-party
 * PV kernels register both at start of day and give up if refused. A
 * non-canonical address is refused with -EINVAL for these types as for the
 * others; the deprecated sysenter type and unknown types get -ENOSYS. Only
 * the NMI callback can be unregistered: the others answer -EINVAL.
 * The calls' arguments are 32 bits wide: garbage in the upper half of the
 * command is ignored. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/callback.h>
#include <pvabi/errno.h>
#include "test.h"

static long cb_op(uint64_t cmd, const void *arg)
{
	return rt_hypercall2(__HYPERVISOR_callback_op, cmd, RT_PTR(arg));
}

static long reg(uint16_t type, uint16_t flags, uint64_t address)
{
	struct callback_register r = { .type = type, .flags = flags, .address = address };

	return cb_op(CALLBACKOP_register, &r);
}

static long unreg(uint16_t type)
{
	struct callback_unregister u = { .type = type };

	return cb_op(CALLBACKOP_unregister, &u);
}

static void compat_entry(void)
{
}

void test_main(void)
{
	uint64_t fn = RT_PTR(compat_entry);
	long rc;

	rc = reg(CALLBACKTYPE_syscall32, 0, fn);
	tc_expect_eq(rc, 0, "register syscall32");
	rc = reg(CALLBACKTYPE_syscall32, CALLBACKF_mask_events, fn);
	tc_expect_eq(rc, 0, "register syscall32 with mask_events");
	rc = reg(CALLBACKTYPE_sysenter, 0, fn);
	tc_expect_eq(rc, 0, "register sysenter");
	rc = reg(CALLBACKTYPE_sysenter, CALLBACKF_mask_events, fn);
	tc_expect_eq(rc, 0, "register sysenter with mask_events");
	rc = reg(CALLBACKTYPE_syscall32, 0, RT_BAD_PTR_NONCANON);
	tc_expect_eq(rc, -XEN_EINVAL, "syscall32 at a non-canonical address");
	rc = reg(CALLBACKTYPE_sysenter, 0, RT_BAD_PTR_NONCANON);
	tc_expect_eq(rc, -XEN_EINVAL, "sysenter at a non-canonical address");
	rc = reg(CALLBACKTYPE_sysenter_deprecated, 0, fn);
	tc_expect_eq(rc, -XEN_ENOSYS, "the deprecated sysenter type");
	rc = reg(6, 0, fn);
	tc_expect_eq(rc, -XEN_ENOSYS, "an unknown callback type");
	rc = cb_op(0xdead000000000000ULL | CALLBACKOP_register,
		   &(struct callback_register){ .type = CALLBACKTYPE_syscall32, .address = fn });
	tc_expect_eq(rc, 0, "register with garbage in the command's upper half");
	/* Only the NMI callback can be unregistered; the others are replaced, never removed. */
	rc = unreg(CALLBACKTYPE_syscall32);
	tc_expect_eq(rc, -XEN_EINVAL, "unregister syscall32");
	rc = unreg(CALLBACKTYPE_sysenter);
	tc_expect_eq(rc, -XEN_EINVAL, "unregister sysenter");
	rc = unreg(CALLBACKTYPE_event);
	tc_expect_eq(rc, -XEN_EINVAL, "unregister the event callback");
	rc = unreg(CALLBACKTYPE_syscall);
	tc_expect_eq(rc, -XEN_EINVAL, "unregister the syscall callback");
	rc = unreg(CALLBACKTYPE_nmi);
	tc_expect_eq(rc, 0, "unregister the NMI callback");
	rc = unreg(CALLBACKTYPE_sysenter_deprecated);
	tc_expect_eq(rc, -XEN_ENOSYS, "unregister the deprecated sysenter type");
	rc = unreg(6);
	tc_expect_eq(rc, -XEN_ENOSYS, "unregister an unknown type");
}

/* SPDX-License-Identifier: MIT */
/* xen_version hypercall: sub-op numbers and the buffers they fill. */
#ifndef PVABI_VERSION_H
#define PVABI_VERSION_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>
#include <pvabi/features.h>

/*
 * __HYPERVISOR_xen_version (17): xen_version(int cmd, void *arg). Any
 * domain; cmd is an int. Unknown cmd: -ENOSYS. A buffer that is not the
 * caller's writable memory: -EFAULT (nothing promised written).
 *
 * XENVER_version: returns (major << 16) | minor; arg is never read (Linux
 *   passes NULL just to enter the hypervisor and take pending events).
 * XENVER_extraversion, _capabilities, _changeset: the string into a buffer
 *   of that type's length, NUL-padded to the end; returns 0.
 * XENVER_compile_info: struct xen_compile_info; returns 0.
 * XENVER_platform_parameters: virt_start, the lowest hypervisor address
 *   the guest must leave alone; returns 0.
 * XENVER_get_features: reads submap_idx, writes the whole struct with that
 *   submap (only 0 exists: -EINVAL otherwise); returns 0.
 * XENVER_pagesize: returns 4096; arg must be NULL (-EINVAL otherwise, as
 *   Xen).
 * XENVER_guest_handle: the domain's 16-byte UUID; returns 0.
 * XENVER_commandline: the hypervisor's command line for the privileged
 *   domain; others get "<denied>" and 0, as Xen's default policy.
 * XENVER_build_id: privileged only (-EPERM); after Xen's checks of the
 *   buffer (readable, len not 0: -EINVAL) -ENODATA, as Skiff carries no
 *   build id.
 */
#define XENVER_version			0
#define XENVER_extraversion		1
#define XENVER_compile_info		2
#define XENVER_capabilities		3
#define XENVER_changeset		4
#define XENVER_platform_parameters	5
#define XENVER_get_features		6
#define XENVER_pagesize			7
#define XENVER_guest_handle		8
#define XENVER_commandline		9
#define XENVER_build_id			10

#define XEN_EXTRAVERSION_LEN		16
#define XEN_CAPABILITIES_INFO_LEN	1024
#define XEN_CHANGESET_INFO_LEN		64
#define XEN_COMMANDLINE_LEN		1024

struct xen_extraversion {
	char extraversion[XEN_EXTRAVERSION_LEN];
};
PVABI_SIZE(struct xen_extraversion, 16);
PVABI_OFF(struct xen_extraversion, extraversion, 0);

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
PVABI_SIZE(struct xen_compile_info, 144);
PVABI_OFF(struct xen_compile_info, compiler, 0);
PVABI_OFF(struct xen_compile_info, compile_by, 64);
PVABI_OFF(struct xen_compile_info, compile_domain, 80);
PVABI_OFF(struct xen_compile_info, compile_date, 112);

struct xen_capabilities_info {
	char info[XEN_CAPABILITIES_INFO_LEN];
};
PVABI_SIZE(struct xen_capabilities_info, 1024);
PVABI_OFF(struct xen_capabilities_info, info, 0);

struct xen_changeset_info {
	char info[XEN_CHANGESET_INFO_LEN];
};
PVABI_SIZE(struct xen_changeset_info, 64);
PVABI_OFF(struct xen_changeset_info, info, 0);

/* The guest-visible start of the hypervisor's reserved VA range. */
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
PVABI_SIZE(struct xen_platform_parameters, 8);
PVABI_OFF(struct xen_platform_parameters, virt_start, 0);

struct xen_feature_info {
	uint32_t submap_idx;	/* in: which 32-bit submap */
	uint32_t submap;	/* out: XENFEAT_* bits of that submap */
};
PVABI_SIZE(struct xen_feature_info, 8);
PVABI_OFF(struct xen_feature_info, submap_idx, 0);
PVABI_OFF(struct xen_feature_info, submap, 4);

/* XENVER_guest_handle fills 16 bytes (the domain's UUID). */
struct xen_domain_handle {
	uint8_t uuid[16];
};
PVABI_SIZE(struct xen_domain_handle, 16);
PVABI_OFF(struct xen_domain_handle, uuid, 0);

/* XENVER_build_id: len is the buffer size in, the id length out; buf follows. */
struct xen_build_id {
	uint32_t len;
	uint8_t buf[];
};
PVABI_SIZE(struct xen_build_id, 4);
PVABI_OFF(struct xen_build_id, len, 0);
PVABI_OFF(struct xen_build_id, buf, 4);

#endif

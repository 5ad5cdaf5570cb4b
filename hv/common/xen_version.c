/* SPDX-License-Identifier: MIT */
/* xen_version hypercall: version, build strings, feature bits and the domain's handle, as Xen 4.17 answers a 64-bit PV guest. */
#include <asm/hvm.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <pvabi/errno.h>
#include <pvabi/features.h>
#include <pvabi/version.h>

/* The hypervisor's command line without the image name; provided by the boot code. */
extern const char *hv_cmdline_string(void);

/* Guests compare against Xen releases, so Skiff reports the ABI level it implements. */
#define XV_MAJOR		4
#define XV_MINOR		17
#define XV_EXTRAVERSION		".0-skiff"
#define XV_CHANGESET		"skiff"
/* Only 64-bit PV guests today: no 32-bit PV, no HVM. */
#define XV_CAPABILITIES		"xen-3.0-x86_64"
#define XV_COMPILE_BY		"skiff"
#define XV_COMPILE_DOMAIN	"localdomain"
#define XV_COMPILE_DATE		__DATE__
/* What Xen writes instead of the command line for domains that may not see it. */
#define XV_DENIED		"<denied>"

#if defined(__clang__)
#define XV_COMPILER		"clang " __clang_version__
#elif defined(__GNUC__)
#define XV_COMPILER		"gcc " __VERSION__
#else
#define XV_COMPILER		"unknown"
#endif

/* The submap 0 bits every 64-bit PV guest gets; pae_pgdir_above_4gb and dom0 depend on the domain. */
#define XV_FEATURES_PV64 ((1U << XENFEAT_mmu_pt_update_preserve_ad) |	\
			  (1U << XENFEAT_highmem_assist) |		\
			  (1U << XENFEAT_gnttab_map_avail_bits) |	\
			  (1U << XENFEAT_memory_op_vnode_supported) |	\
			  (1U << XENFEAT_direct_mapped))

static const char xv_zeros[128];

/* Bounded copy that always NUL-terminates dst (size > 0) and zero-fills the rest, like Xen's fixed buffers. */
static void xv_strlcpy_pad(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

/*
 * Whether the whole buffer is the guest's to write, before any of it is.
 * An HVM vCPU's pointers are in its own address space: every page is walked
 * (the PV layout check would mean nothing there). A PV pointer is checked
 * for its layout only: a page the guest unmapped faults part way through,
 * in the guest's own memory.
 */
static bool xv_buffer_ok(uint64_t va, size_t size)
{
	struct vcpu *v = current_vcpu();

	if (v && is_hvm_vcpu(v))
		return hvm_probe_guest(v, va, size, true) == 0;
	return guest_range_ok(va, size);
}

/*
 * Fills a fixed-size guest buffer with s, truncated and NUL-padded to size,
 * without needing size bytes of stack. The range is checked first
 * (xv_buffer_ok), so a pointer into the hypervisor's slots, or an HVM
 * buffer running off the guest's mappings or RAM, writes nothing.
 */
static long xv_put_string(uint64_t va, const char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	if (!xv_buffer_ok(va, size))
		return -XEN_EFAULT;
	if (copy_to_guest(va, s, n))
		return -XEN_EFAULT;
	for (size_t off = n; off < size;) {
		size_t c = MIN(size - off, sizeof(xv_zeros));

		if (copy_to_guest(va + off, xv_zeros, c))
			return -XEN_EFAULT;
		off += c;
	}
	return 0;
}

static long xv_compile_info(uint64_t va)
{
	struct xen_compile_info ci;

	xv_strlcpy_pad(ci.compiler, XV_COMPILER, sizeof(ci.compiler));
	xv_strlcpy_pad(ci.compile_by, XV_COMPILE_BY, sizeof(ci.compile_by));
	xv_strlcpy_pad(ci.compile_domain, XV_COMPILE_DOMAIN, sizeof(ci.compile_domain));
	xv_strlcpy_pad(ci.compile_date, XV_COMPILE_DATE, sizeof(ci.compile_date));
	return copy_to_guest(va, &ci, sizeof(ci)) ? -XEN_EFAULT : 0;
}

static long xv_platform_parameters(uint64_t va)
{
	struct xen_platform_parameters pp = { .virt_start = HYPERVISOR_VIRT_START };

	return copy_to_guest(va, &pp, sizeof(pp)) ? -XEN_EFAULT : 0;
}

static uint32_t xv_features(const struct domain *d)
{
	uint32_t m = XV_FEATURES_PV64;
	unsigned long assists;

	/* An HVM guest (asm/hvm.h) is translated: its PV drivers take events through the callback vector. */
	if (is_hvm_domain(d))
		return (1U << XENFEAT_writable_page_tables) | (1U << XENFEAT_auto_translated_physmap) |
		       (1U << XENFEAT_hvm_callback_vector);
	assists = __atomic_load_n(&d->vm_assist, __ATOMIC_RELAXED);
	if (assists & (1UL << VMASST_TYPE_pae_extended_cr3))
		m |= 1U << XENFEAT_pae_pgdir_above_4gb;
	if (d->is_privileged)
		m |= 1U << XENFEAT_dom0;
	return m;
}

/* Reads the submap index, then writes the whole struct back; only submap 0 exists. */
static long xv_get_features(const struct domain *d, uint64_t va)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, va, sizeof(fi)))
		return -XEN_EFAULT;
	if (fi.submap_idx != 0)
		return -XEN_EINVAL;
	fi.submap = xv_features(d);
	return copy_to_guest(va, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
}

/* Others get "<denied>" (and only those 9 bytes written) with success, as Xen's default policy gives them. */
static long xv_commandline(const struct domain *d, uint64_t va)
{
	const char *line;

	if (!d->is_privileged)
		return copy_to_guest(va, XV_DENIED, sizeof(XV_DENIED)) ? -XEN_EFAULT : 0;
	line = hv_cmdline_string();
	return xv_put_string(va, line ? line : "", XEN_COMMANDLINE_LEN);
}

/*
 * Skiff is linked without a build id, so after Xen's checks (privileged
 * only; a given buffer must be readable and announce a non-zero length)
 * the answer is -ENODATA.
 */
static long xv_build_id(const struct domain *d, uint64_t va)
{
	struct xen_build_id hdr;

	if (!d->is_privileged)
		return -XEN_EPERM;
	if (va != 0) {
		if (copy_from_guest(&hdr, va, sizeof(hdr)))
			return -XEN_EFAULT;
		if (hdr.len == 0)
			return -XEN_EINVAL;
	}
	return -XEN_ENODATA;
}

/* Every sub-op but XENVER_version, which do_xen_version answers without a stack frame. */
static __attribute__((noinline)) long xen_version_op(const struct domain *d, uint32_t cmd, uint64_t arg)
{
	switch (cmd) {
	case XENVER_extraversion:
		return xv_put_string(arg, XV_EXTRAVERSION, XEN_EXTRAVERSION_LEN);
	case XENVER_compile_info:
		return xv_compile_info(arg);
	case XENVER_capabilities:
		return xv_put_string(arg, XV_CAPABILITIES, XEN_CAPABILITIES_INFO_LEN);
	case XENVER_changeset:
		return xv_put_string(arg, XV_CHANGESET, XEN_CHANGESET_INFO_LEN);
	case XENVER_platform_parameters:
		return xv_platform_parameters(arg);
	case XENVER_get_features:
		return xv_get_features(d, arg);
	case XENVER_pagesize:
		/* Xen wants no buffer here and refuses one. */
		return arg != 0 ? -XEN_EINVAL : (long)PAGE_SIZE;
	case XENVER_guest_handle:
		return copy_to_guest(arg, d->handle, sizeof(d->handle)) ? -XEN_EFAULT : 0;
	case XENVER_commandline:
		return xv_commandline(d, arg);
	case XENVER_build_id:
		return xv_build_id(d, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/* The sub-op is a 32-bit int in the ABI: the upper half of the register is ignored, as Xen does. */
long do_xen_version(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;

	/* Linux calls this with a NULL argument just to enter the hypervisor (its null hypercall): never look at it. */
	if ((uint32_t)cmd == XENVER_version)
		return (XV_MAJOR << 16) | XV_MINOR;
	return xen_version_op(v->domain, (uint32_t)cmd, arg);
}

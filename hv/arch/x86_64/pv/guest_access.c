/* SPDX-License-Identifier: MIT */
/* Guest memory access for hypercalls: address checks here, the fault-tolerant copy in entry.S. */
#include <asm/hvm.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

size_t raw_copy(void *dst, const void *src, size_t n);

/*
 * A guest may name [0, 2^47) and [HYPERVISOR_VIRT_END, 2^64): the lower
 * canonical half, and the upper one above the hypervisor's slots (which
 * start where that half starts). So a range that does not wrap is the
 * guest's if it ends below 2^47 or starts at HYPERVISOR_VIRT_END or above.
 * Two compares: every guest pointer of every hypercall comes through here.
 */
_Static_assert(HYPERVISOR_VIRT_START == 0xffff800000000000ULL, "the hypervisor's slots open the upper half");

bool guest_range_ok(uint64_t va, size_t len)
{
	uint64_t last = va + len - 1;

	if (len == 0)
		return true;
	return last >= va && (last < (1ULL << 47) || va >= HYPERVISOR_VIRT_END);
}

/* An HVM vCPU's pointers are in its own address space, which the hypervisor does not run on: walked instead. */
int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
	struct vcpu *v = current_vcpu();

	if (unlikely(v && is_hvm_vcpu(v)))
		return hvm_copy_guest(v, dst, guest_va, len, false);
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy(dst, (const void *)guest_va, len) ? -XEN_EFAULT : 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
	struct vcpu *v = current_vcpu();

	if (unlikely(v && is_hvm_vcpu(v)))
		return hvm_copy_guest(v, (void *)src, guest_va, len, true);
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy((void *)guest_va, src, len) ? -XEN_EFAULT : 0;
}

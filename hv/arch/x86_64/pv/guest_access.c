/* Guest memory access for hypercalls: address checks here, the fault-tolerant copy in entry.S. */
#include <hv/guest_access.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

size_t raw_copy(void *dst, const void *src, size_t n);

/*
 * [va, va + len) is canonical, does not wrap, stays in one half and misses
 * the hypervisor's slots. Ordered so a lower-half range (the common case)
 * takes three tests: last >= va, and last below the hole makes both ends
 * canonical lower-half addresses.
 */
bool guest_range_ok(uint64_t va, size_t len)
{
	uint64_t last;

	if (len == 0)
		return true;
	last = va + len - 1;
	if (last < va)
		return false;
	if (last < (1ULL << 47))
		return true;
	/* last is past the lower half: only a range wholly in the upper half (va there too) can pass. */
	if (va < 0xffff800000000000ULL)
		return false;
	return va >= HYPERVISOR_VIRT_END || last < HYPERVISOR_VIRT_START;
}

int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy(dst, (const void *)guest_va, len) ? -XEN_EFAULT : 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy((void *)guest_va, src, len) ? -XEN_EFAULT : 0;
}

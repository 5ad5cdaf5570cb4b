/* Guest memory access for hypercalls: address checks here, the fault-tolerant copy in entry.S. */
#include <asm/x86.h>
#include <hv/guest_access.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/errno.h>

size_t raw_copy(void *dst, const void *src, size_t n);

bool guest_range_ok(uint64_t va, size_t len)
{
	uint64_t last;

	if (len == 0)
		return true;
	last = va + len - 1;
	if (last < va || !is_canonical(va) || !is_canonical(last))
		return false;
	/* Wholly below or wholly above the hypervisor's slots; canonical ends exclude the hole between halves. */
	if (va < HYPERVISOR_VIRT_END && last >= HYPERVISOR_VIRT_START)
		return false;
	return (va >> 63) == (last >> 63);
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

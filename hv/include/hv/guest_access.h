/* SPDX-License-Identifier: MIT */
/* Reading and writing guest virtual memory from hypercalls: range-checked, and a fault returns -XEN_EFAULT instead of crashing. */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/types.h>

/*
 * A guest pointer is usable when [va, va+len) is canonical, does not wrap,
 * and stays out of the hypervisor's slots (0xffff800000000000 -
 * 0xffff87ffffffffff). The copy itself runs on the guest's page tables with
 * the guest's rights: a page the guest may not write faults and the copy
 * returns -XEN_EFAULT with nothing undone (callers copy in before they act).
 */
bool guest_range_ok(uint64_t va, size_t len);
int copy_from_guest(void *dst, uint64_t guest_va, size_t len);
int copy_to_guest(uint64_t guest_va, const void *src, size_t len);

#endif

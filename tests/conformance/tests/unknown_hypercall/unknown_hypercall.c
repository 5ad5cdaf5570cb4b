/* SPDX-License-Identifier: MIT */
/*
 * unknown_hypercall: hypercall numbers with no handler for a 64-bit PV
 * guest return -ENOSYS and change nothing: unused slots inside the table
 * (11), numbers past its end, and 64-bit numbers whose low 32 bits name a
 * real hypercall (the full rax is the number). A following valid hypercall
 * still works. Not Skiff-specific; checked on real Xen 4.17.
 */
#include <pvabi/errno.h>
#include <pvabi/version.h>
#include "test.h"

static const uint64_t unknown[] = {
	11, 43, 44, 45, 46, 47, 56, 63, 64, 65, 255, 256, 4096, 0x7fffffff, 0x80000000ULL,
	0xffffffffULL, (1ULL << 32) | __HYPERVISOR_xen_version, 0xffffffffffffffffULL,
};

void test_main(void)
{
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		long rc = rt_hypercall5(unknown[i], 0, 0, 0, 0, 0);

		tc_check(rc == -XEN_ENOSYS, "hypercall %#llx gives -ENOSYS (got %ld)",
			 (unsigned long long)unknown[i], rc);
	}
	tc_check(hyp_xen_version(XENVER_version, 0) > 0, "xen_version still works afterwards");
}

/* SPDX-License-Identifier: MIT */
/*
 * console_io: CONSOLEIO_write of a valid buffer succeeds (0) for any length
 * including 0; a buffer the guest does not own (unmapped, or inside the
 * hypervisor's reserved range) gives -EFAULT and is not printed; an unknown
 * sub-op gives -ENOSYS; CONSOLEIO_read returns 0 bytes when nothing was
 * typed. Runs as the initial domain, which may use the console. Not
 * Skiff-specific: real Xen 4.17 behaves exactly like this.
 */
#include <pvabi/errno.h>
#include "test.h"

static void check_write(void)
{
	static const char msg[] = "console_io: hello from the test guest\n";

	tc_expect_eq(hyp_console_io(CONSOLEIO_write, sizeof(msg) - 1, RT_PTR(msg)), 0,
		     "CONSOLEIO_write of a valid buffer");
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 0, RT_PTR(msg)), 0,
		     "CONSOLEIO_write of 0 bytes");
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 0, RT_BAD_PTR_UNMAPPED), 0,
		     "CONSOLEIO_write of 0 bytes from a bad pointer (nothing is read)");
}

static void check_bad_pointers(void)
{
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 16, RT_BAD_PTR_UNMAPPED), -XEN_EFAULT,
		     "CONSOLEIO_write from an unmapped address");
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 16, RT_BAD_PTR_HYPERVISOR), -XEN_EFAULT,
		     "CONSOLEIO_write from the hypervisor's reserved range");
	tc_expect_eq(hyp_console_io(CONSOLEIO_write, 16, RT_BAD_PTR_NONCANON), -XEN_EFAULT,
		     "CONSOLEIO_write from a non-canonical address");
}

/* The initial domain may read the console: nothing was typed, so nothing comes back. */
static void check_read(void)
{
	char buf[16];

	if (!(rt_boot.si->flags & SIF_INITDOMAIN))
		return;
	tc_expect_eq(hyp_console_io(CONSOLEIO_read, sizeof(buf), RT_PTR(buf)), 0,
		     "CONSOLEIO_read with no input pending");
}

static void check_unknown_subop(void)
{
	char buf[8] = "x";

	tc_expect_eq(hyp_console_io(2, 1, RT_PTR(buf)), -XEN_ENOSYS, "console_io sub-op 2");
	tc_expect_eq(hyp_console_io(0x7fffffff, 1, RT_PTR(buf)), -XEN_ENOSYS,
		     "console_io sub-op 0x7fffffff");
}

void test_main(void)
{
	check_write();
	check_bad_pointers();
	check_read();
	check_unknown_subop();
}

/* SPDX-License-Identifier: MIT */
/*
 * hypercall_page (Skiff boot test; the same ABI as Xen's): an image with a
 * HYPERCALL_PAGE note gets a filled page; calling entry N makes hypercall N
 * with the caller's arguments and preserves rcx and r11, like a bare syscall.
 */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <pvabi/version.h>
#include "test.h"

extern char hypercall_page[];

typedef long (*hc2_fn)(uint64_t, uint64_t);

/* The page's stubs save rcx and r11 around syscall, which clobbers both. */
static void check_preserved(void)
{
	/* Register variables are only pinned as asm operands: set them here, with no call in between. */
	register uint64_t rcx __asm__("rcx") = 0x1234567887654321ULL;
	register uint64_t r11 __asm__("r11") = 0x0badc0ffee0ddf00ULL;
	register uint64_t rdi __asm__("rdi") = XENVER_version;
	register uint64_t rsi __asm__("rsi") = 0;
	uint64_t got_rcx, got_r11;

	__asm__ volatile("call *%[fn]"
			 : "+r"(rcx), "+r"(r11), "+r"(rdi), "+r"(rsi)
			 : [fn] "r"(hypercall_page + 32 * 17)
			 : "rax", "rdx", "r8", "r9", "r10", "memory");
	got_rcx = rcx;
	got_r11 = r11;
	tc_check(got_rcx == 0x1234567887654321ULL && got_r11 == 0x0badc0ffee0ddf00ULL,
		 "rcx and r11 preserved across a page call (%llx %llx)", (unsigned long long)got_rcx,
		 (unsigned long long)got_r11);
}

void test_main(void)
{
	hc2_fn xen_version = (hc2_fn)(void *)(hypercall_page + 32 * 17);
	hc2_fn sched_op = (hc2_fn)(void *)(hypercall_page + 32 * 29);
	long direct = hyp_xen_version(XENVER_version, 0), via_page;

	tc_check(hypercall_page[0] != 0, "the builder filled the hypercall page");
	via_page = xen_version(XENVER_version, 0);
	tc_expect_eq(via_page, direct, "xen_version(0) through page entry 17 equals a bare syscall");
	tc_expect_eq(sched_op(SCHEDOP_yield, 0), 0, "sched_op(yield) through page entry 29");
	tc_expect_eq(xen_version(0x7fff, 0), -XEN_ENOSYS, "an unknown sub-op through the page");
	check_preserved();
}

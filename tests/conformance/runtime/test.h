/* What a conformance test guest sees: its entry point, the start-of-day state, logging and verdict helpers. */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/xen.h>
#include "hypercall.h"

/* Each test defines this; the runtime prints the verdict line after it returns. */
void test_main(void);

/* Start-of-day state recorded by head.S before the runtime touched anything. */
struct rt_boot_state {
	const struct start_info *si;
	uint64_t rsp;
	uint64_t rflags;
	uint16_t cs, ss, ds, es, fs, gs;
};
extern struct rt_boot_state rt_boot;

/* ABI values the assembly parts of tests load from memory (rt_abi_*), defined in runtime.c. */
extern const uint32_t rt_abi_hypercall_iret;
extern const uint64_t rt_abi_flat_user_cs, rt_abi_flat_user_ss;
extern const uint64_t rt_abi_flat_kernel_cs, rt_abi_flat_kernel_ss;

/* Where the image itself lies (linker symbols). */
extern char rt_image_start[], rt_image_end[];
#define RT_VIRT_BASE 0xffffffff80000000ULL

/* Console output through CONSOLEIO_write. %s %c %d %i %u %x %p with l/ll/z, width, 0 and # flags, %.Ns. */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Verdict bookkeeping. A check that holds counts as a pass; tc_fail marks
 * the hypervisor as misbehaving, tc_error the harness as broken, tc_skip a
 * property that cannot be checked here. The verdict is the most severe
 * (success < skip < error < failure). A test that checked nothing ends in
 * ERROR, so a test cannot pass by doing nothing.
 */
void tc_pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tc_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks `actual == expected` for hypercall results and other integers. */
#define tc_expect_eq(actual, expected, what) \
	tc_check_eq((long)(actual), (long)(expected), (what))
void tc_check_eq(long actual, long expected, const char *what);
/* Checks a condition (bool, so a 64-bit flag test is not truncated); `what` says what was expected to hold. */
void tc_check(bool cond, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* Small freestanding helpers. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t rt_strnlen(const char *s, size_t max);
int strncmp(const char *a, const char *b, size_t n);
/* True if the space-separated word occurs in s. */
int rt_has_word(const char *s, const char *word);
/*
 * Maps start_info.shared_info at a page of the image (once) and returns
 * it, or NULL with *rc set to the update_va_mapping error.
 */
volatile struct shared_info *rt_map_shared_info(long *rc);
/* Guest system time in ns from a vcpu_time_info: the pvclock formula under the version protocol. */
uint64_t rt_pvclock_ns(volatile struct vcpu_time_info *t);

/*
 * For a test whose last act ends its own domain (the runner then counts a
 * dom0 poweroff without a result line as SUCCESS, see run): true if checks
 * passed and none failed so far. Print "Test expects: dom0 poweroff" only
 * then, right before the act; if the act returns, report it and rt_finish.
 */
int rt_clean_so_far(void);

/* Prints the tally and the verdict line and powers off: for tests that end outside test_main. */
void rt_finish(void) __attribute__((noreturn));
/* Called first by the report of an unexpected exception, when set: a test may say what it was doing. */
extern void (*rt_trap_hook)(unsigned int vector);

/* Ends the guest: SCHEDOP_shutdown with this reason; never returns. */
void rt_shutdown(unsigned int reason) __attribute__((noreturn));

/* Addresses no hypercall may read or write on the guest's behalf. */
#define RT_BAD_PTR_UNMAPPED	0x1000ULL		/* user half, never mapped in a test guest */
#define RT_BAD_PTR_HYPERVISOR	0xffff830000000000ULL	/* inside the hypervisor's reserved slots */
#define RT_BAD_PTR_NONCANON	0x0000800000000000ULL	/* first non-canonical address */

static inline uint64_t rt_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif

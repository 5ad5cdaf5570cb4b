/* SPDX-License-Identifier: MIT */
/* The PV guest runtime's core: start-of-day state, console output, strings, shutdown (test guests, benchmarks, dom0). */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/xen.h>
#include "hypercall.h"

/*
 * The program on top of the runtime defines this; the runtime calls it on
 * the boot stack once traps are installed, and powers off if it returns.
 */
void rt_app_main(void);

/* Start-of-day state recorded by head.S before the runtime touched anything. */
struct rt_boot_state {
	const struct start_info *si;
	uint64_t rsp;
	uint64_t rflags;
	uint16_t cs, ss, ds, es, fs, gs;
};
extern struct rt_boot_state rt_boot;

/* ABI values the assembly parts of guests load from memory (rt_abi_*), defined in runtime.c. */
extern const uint32_t rt_abi_hypercall_iret;
extern const uint64_t rt_abi_flat_user_cs, rt_abi_flat_user_ss;
extern const uint64_t rt_abi_flat_kernel_cs, rt_abi_flat_kernel_ss;

/* Where the image itself lies (linker symbols). */
extern char rt_image_start[], rt_image_end[];
#define RT_VIRT_BASE 0xffffffff80000000ULL
#define RT_PAGE_SIZE 4096UL

/*
 * Console output through CONSOLEIO_write. Formatting is the hypervisor's
 * own vsnprintf (hv/common/vsnprintf.c), compiled into the guest: %s %c %d
 * %i %u %x %X %p with l/ll/z/h, width, '-', '0', '#', precision.
 */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes n bytes as they are (no formatting, no length limit). */
void rt_console_write(const char *s, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define rt_vsnprintf vsnprintf
#define rt_snprintf snprintf

/* String and memory routines: the hypervisor's hv/common/string.c, compiled into the guest. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#define rt_strnlen strnlen
/* True if the space-separated word occurs in s. */
int rt_has_word(const char *s, const char *word);

/*
 * Maps start_info.shared_info at a page of the image (once) and returns
 * it, or NULL with *rc set to the update_va_mapping error.
 */
volatile struct shared_info *rt_map_shared_info(long *rc);
/* Guest system time in ns from a vcpu_time_info: the pvclock formula under the version protocol. */
uint64_t rt_pvclock_ns(volatile struct vcpu_time_info *t);
/* System time of vCPU 0 in ns (maps the shared info page on first use; 0 if it cannot). */
uint64_t rt_now_ns(void);
/* Whether port's bit is set in the 2-level evtchn_pending array of sh. */
bool rt_port_pending(volatile struct shared_info *sh, uint32_t port);
/* Clears port's pending bit atomically (the hypervisor sets other bits of the word meanwhile). */
void rt_port_clear_pending(volatile struct shared_info *sh, uint32_t port);

/* Ends the guest: SCHEDOP_shutdown with this reason; never returns. */
void rt_shutdown(unsigned int reason) __attribute__((noreturn));
/*
 * Called after an unexpected exception has been reported, before the
 * domain crashes itself: the test layer prints its verdict line here.
 */
extern void (*rt_fatal_hook)(void);
/* Called first by the report of an unexpected exception, when set: a test may say what it was doing. */
extern void (*rt_trap_hook)(unsigned int vector);

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

/* SPDX-License-Identifier: MIT */
/* What the kernel loader's sources need from their environment: C types, five string routines and a few macros. */
#ifndef LOADER_LIB_H
#define LOADER_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The loader builds in three places: on the host (glibc), in dom0 (the
 * guest runtime's libc) and, for its ELF parser, in the hypervisor
 * (hv/lib.h), which has no <string.h>. All three provide these routines
 * with these types, so the loader declares them itself rather than
 * include a header only two of them have.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#define LOADER_PAGE_SIZE	4096u

#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#endif
#ifndef ALIGN_UP
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif

#endif

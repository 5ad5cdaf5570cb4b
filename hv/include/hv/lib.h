/* SPDX-License-Identifier: MIT */
/* String and memory helpers: our own in the hypervisor, libc's in host unit-test builds. */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <hv/types.h>
#include <stdarg.h>

/* Our own in the hypervisor; in host unit-test builds libc's, which share these prototypes. */
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
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Parses an unsigned number with optional 0x prefix; returns chars consumed, 0 if none. */
size_t parse_u64(const char *s, size_t len, uint64_t *out);

#endif

/* SPDX-License-Identifier: MIT */
/* The runtime's stdio.h for portable components: formatting only (hv/common/vsnprintf.c), no streams. */
#ifndef RT_LIBC_STDIO_H
#define RT_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* SPDX-License-Identifier: MIT */
/* The runtime's stdlib.h for portable components: the runtime heap and a sort. */
#ifndef RT_LIBC_STDLIB_H
#define RT_LIBC_STDLIB_H

#include <stddef.h>

void *malloc(size_t n);
void *calloc(size_t nmemb, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *));

#endif

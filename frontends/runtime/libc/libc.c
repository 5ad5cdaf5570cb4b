/* SPDX-License-Identifier: MIT */
/* The few libc routines portable components need beyond the hypervisor's string code: in the guest runtime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int errno;

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strcpy(char *dst, const char *src)
{
	return memcpy(dst, src, strlen(src) + 1);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Callers size their buffers for the output, as with libc's. */
	va_start(ap, fmt);
	n = vsnprintf(buf, (size_t)1 << 30, fmt, ap);
	va_end(ap);
	return n;
}

static void qsort_swap(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Insertion sort: the lists sorted here (directory entries) are short, and it needs no stack. */
void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;

	for (size_t i = 1; i < nmemb; i++)
		for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			qsort_swap(b + (j - 1) * size, b + j * size, size);
}

/* SPDX-License-Identifier: MIT */
/* Freestanding string and memory routines (the compiler may emit calls to memcpy/memset itself). */
#include <hv/lib.h>

/* Word-sized rep moves: an emulator runs rep movsb byte by byte, eight times the work. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t words = n >> 3, tail = n & 7;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) :: "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) :: "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t pattern = 0x0101010101010101ULL * (uint8_t)c;
	size_t words = n >> 3, tail = n & 7;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(pattern) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(pattern) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

/* SPDX-License-Identifier: MIT */
/* Console output of the guest runtime through CONSOLEIO_write; formatting is the hypervisor's vsnprintf. */
#include "rt.h"

void rt_console_write(const char *s, size_t n)
{
	/* The hypervisor prints at most 16 KiB per call: hand it bounded pieces. */
	while (n) {
		size_t k = n < 4096 ? n : 4096;

		if (hyp_console_io(CONSOLEIO_write, (uint64_t)k, RT_PTR(s)) < 0)
			return;
		s += k;
		n -= k;
	}
}

void rt_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	hyp_console_io(CONSOLEIO_write, (uint64_t)n, RT_PTR(line));
}

int rt_has_word(const char *s, const char *word)
{
	size_t wl = strlen(word);

	while (*s) {
		size_t n = 0;

		while (*s == ' ')
			s++;
		while (s[n] && s[n] != ' ')
			n++;
		if (n == wl && strncmp(s, word, wl) == 0)
			return 1;
		s += n;
	}
	return 0;
}

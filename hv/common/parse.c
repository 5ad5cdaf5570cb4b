/* SPDX-License-Identifier: MIT */
/* Number parsing shared by the command line and other text inputs; host-testable. */
#include <hv/lib.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

size_t parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned int base = 10;
	size_t i = 0, first;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	first = i;
	for (; i < len; i++) {
		int d = digit_value(s[i]);

		if (d >= (int)base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return 0;	/* overflow: reject rather than wrap */
		v = v * base + (uint64_t)d;
	}
	if (i == first)
		return 0;
	*out = v;
	return i;
}

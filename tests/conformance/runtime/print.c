/* Freestanding formatting, string helpers and console output (CONSOLEIO_write) for the test guests. */
#include "test.h"

struct rt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void rt_putc(struct rt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void rt_put_padded(struct rt_out *o, const char *s, size_t n, int width, char pad)
{
	for (int i = (int)n; i < width; i++)
		rt_putc(o, pad);
	for (size_t i = 0; i < n; i++)
		rt_putc(o, s[i]);
}

static void rt_put_num(struct rt_out *o, unsigned long long v, int neg, unsigned int base,
		       int width, char pad, const char *prefix)
{
	char digits[24];
	size_t n = 0;
	int lead = (neg ? 1 : 0) + (int)strlen(prefix);
	int fill = width - lead;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	fill -= (int)n;
	/* Spaces go before the sign and prefix, zeros after them. */
	for (; pad == ' ' && fill > 0; fill--)
		rt_putc(o, ' ');
	if (neg)
		rt_putc(o, '-');
	while (*prefix)
		rt_putc(o, *prefix++);
	for (; fill > 0; fill--)
		rt_putc(o, '0');
	while (n)
		rt_putc(o, digits[--n]);
}

static unsigned long long rt_arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static long long rt_arg_signed(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, long long);
	if (lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* prec < 0: none; for %s it bounds the bytes read, as in C. */
static void rt_format_one(struct rt_out *o, char conv, int lng, int width, int prec, char pad,
			  int alt, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		long long v = rt_arg_signed(ap, lng);
		unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

		rt_put_num(o, mag, v < 0, 10, width, pad, "");
		break;
	}
	case 'u':
		rt_put_num(o, rt_arg_unsigned(ap, lng), 0, 10, width, pad, "");
		break;
	case 'x':
		rt_put_num(o, rt_arg_unsigned(ap, lng), 0, 16, width, pad, alt ? "0x" : "");
		break;
	case 'p':
		rt_put_num(o, (uintptr_t)va_arg(*ap, void *), 0, 16, width, pad, "0x");
		break;
	case 'c':
		rt_putc(o, (char)va_arg(*ap, int));
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = "(null)";
		rt_put_padded(o, s, prec < 0 ? strlen(s) : rt_strnlen(s, (size_t)prec), width, ' ');
		break;
	}
	default:
		rt_putc(o, '%');
		rt_putc(o, conv);
		break;
	}
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct rt_out o = { .buf = buf, .size = size, .len = 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		int width = 0, prec = -1, lng = 0, alt = 0;
		char pad = ' ';

		if (*p != '%') {
			rt_putc(&o, *p);
			continue;
		}
		p++;
		if (*p == '%') {
			rt_putc(&o, '%');
			continue;
		}
		for (; *p == '#' || *p == '0'; p++) {
			if (*p == '#')
				alt = 1;
			else
				pad = '0';
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.') {
			for (prec = 0, p++; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		for (; *p == 'l' || *p == 'z'; p++)
			lng++;
		if (!*p)
			break;
		rt_format_one(&o, *p, lng, width, prec, pad, alt, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void rt_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	hyp_console_io(CONSOLEIO_write, (uint64_t)n, RT_PTR(line));
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t rt_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		if (!*a)
			return 0;
	}
	return 0;
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

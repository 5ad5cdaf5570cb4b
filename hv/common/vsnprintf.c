/* SPDX-License-Identifier: MIT */
/* printf-style formatting for the hypervisor and the guest runtime: %d %i %u %x %X %p %s %c %% with l/ll/z/h, width, '-', '0', '#', precision for %s. */
#include <hv/lib.h>
#include <stdarg.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* The first `prefix` bytes of s (a sign, "0x") go before zero padding, as in C. */
static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad,
		       size_t prefix)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left) {
		if (pad == '0') {
			for (; prefix && n; prefix--, n--)
				put(o, *s++);
		}
		while (fill-- > 0)
			put(o, pad);
	}
	while (n--)
		put(o, *s++);
	while (left && fill-- > 0)
		put(o, ' ');
}

static size_t format_num(char *tmp, uint64_t v, unsigned int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (*prefix)
		tmp[i++] = *prefix++;
	while (n)
		tmp[i++] = rev[--n];
	return i;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, upper = false, neg = false, alt = false;
		const char *prefix;
		char pad = ' ', tmp[32];
		int width = 0, prec = -1, lng = 0;
		unsigned int base = 10;
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			prec = 0;
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
			if (*fmt != 'h')
				lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ', 0);
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_padded(&o, s, prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s), width, left, ' ',
				   0);
			continue;
		}
		case 'p':
			v = (uint64_t)(uintptr_t)va_arg(ap, void *);
			put(&o, '0');
			put(&o, 'x');
			put_padded(&o, tmp, format_num(tmp, v, 16, false, ""), 16, false, '0', 0);
			continue;
		case 'd':
		case 'i': {
			int64_t s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			neg = s < 0;
			v = neg ? -(uint64_t)s : (uint64_t)s;
			break;
		}
		case 'X':
			upper = true;
			/* fallthrough */
		case 'x':
			base = 16;
			/* fallthrough */
		case 'u':
			v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			break;
		case '%':
			put(&o, '%');
			continue;
		default:
			put(&o, '?');
			if (!*fmt)
				fmt--;
			continue;
		}
		/* '#' prefixes a non-zero hexadecimal value with 0x, as C does. */
		prefix = neg ? "-" : (alt && base == 16 && v) ? (upper ? "0X" : "0x") : "";
		put_padded(&o, tmp, format_num(tmp, v, base, upper, prefix), width, left, pad,
			   strlen(prefix));
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

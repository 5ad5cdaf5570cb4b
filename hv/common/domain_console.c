/* SPDX-License-Identifier: MIT */
/* Domain console output: guest bytes collected into whole lines, made safe for a terminal, printed with the domain's prefix. */
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/log.h>

/* Prints a partial line now (domain teardown, crash dumps); the lead declares it in domain.h. */
void domain_console_flush(struct domain *d);

/* An escaped byte is "\xNN": the line is flushed before an escape would be split. */
#define CONSOLE_ESC_LEN	4
/* Room for the longest escaped domain name and its NUL. */
#define CONSOLE_NAME_BUF (DOMAIN_NAME_MAX * CONSOLE_ESC_LEN + 1)

static const char console_hex[] = "0123456789abcdef";

/* What reaches the operator's terminal unescaped: printable ASCII and tab, nothing that starts a control sequence. */
static bool console_byte_plain(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t';
}

/* Writes c as plain text or as \xNN into out (at least CONSOLE_ESC_LEN bytes); returns the length. */
static unsigned int console_escape(unsigned char c, char *out)
{
	if (console_byte_plain(c)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = console_hex[c >> 4];
	out[3] = console_hex[c & 0xf];
	return CONSOLE_ESC_LEN;
}

/* The name comes from the toolstack, which is a client too: escape it like guest text. */
static void console_name(const struct domain *d, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < DOMAIN_NAME_MAX && d->name[i] != '\0'; i++)
		n += console_escape((unsigned char)d->name[i], out + n);
	out[n] = '\0';
}

/* Caller holds d->console_lock. */
static void console_emit(struct domain *d)
{
	char name[CONSOLE_NAME_BUF];

	d->console_line[d->console_len] = '\0';
	console_name(d, name);
	printk(LOG_INFO, "(d%u %s) %s", (unsigned int)d->domid, name, d->console_line);
	d->console_len = 0;
}

/* Caller holds d->console_lock. A full line is printed before text that would not fit. */
static void console_append(struct domain *d, const char *s, unsigned int n)
{
	if (d->console_len + n > DOMAIN_CONSOLE_LINE - 1)
		console_emit(d);
	memcpy(d->console_line + d->console_len, s, n);
	d->console_len += n;
}

/* Caller holds d->console_lock. '\r' is dropped: guests' ttys end lines with "\r\n". */
void domain_console_write_locked(struct domain *d, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		char esc[CONSOLE_ESC_LEN];

		if (c == '\n')
			console_emit(d);
		else if (c != '\r')
			console_append(d, esc, console_escape(c, esc));
	}
}

/*
 * Lock order: d->console_lock, then the printk lock. Lines are printed
 * under the domain's lock so that two vCPUs of one domain cannot reorder
 * each other's lines.
 */
void domain_console_write(struct domain *d, const char *buf, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&d->console_lock);

	domain_console_write_locked(d, buf, len);
	spin_unlock_irqrestore(&d->console_lock, flags);
}

void domain_console_flush(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&d->console_lock);

	if (d->console_len > 0)
		console_emit(d);
	spin_unlock_irqrestore(&d->console_lock, flags);
}

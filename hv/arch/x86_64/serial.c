/* SPDX-License-Identifier: MIT */
/* 16550 UART on COM1: polled output (CR added before LF) and polled input. */
#include <asm/x86.h>
#include <hv/console.h>

static uint16_t serial_port;

void serial_init(uint16_t port)
{
	serial_port = port;
	if (!port)
		return;
	outb(port + 1, 0x00);	/* no interrupts: we poll */
	outb(port + 3, 0x80);	/* DLAB */
	outb(port + 0, 0x01);	/* 115200 baud */
	outb(port + 1, 0x00);
	outb(port + 3, 0x03);	/* 8N1 */
	outb(port + 2, 0xc7);	/* FIFO on, cleared */
	outb(port + 4, 0x03);	/* DTR, RTS */
}

bool serial_enabled(void)
{
	return serial_port != 0;
}

int serial_getc(void)
{
	/* LSR bit 0: data ready. The receiver works with interrupts off: we poll it. */
	if (!serial_port || !(inb(serial_port + 5) & 0x01))
		return -1;
	return inb(serial_port);
}

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !(inb(serial_port + 5) & 0x20); i++)
		__asm__ volatile("pause");
	outb(serial_port, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!serial_port)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

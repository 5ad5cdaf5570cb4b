/* SPDX-License-Identifier: MIT */
/* A 16550 UART model for an HVM guest's console: transmit only, always ready, no interrupts yet. */
#ifndef HVM_UART16550_H
#define HVM_UART16550_H

#include <hv/types.h>

#define UART_COM1_BASE	0x3f8
#define UART_NR_PORTS	8

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t dll, dlm;		/* divisor latch, visible while LCR.DLAB is set */
};

/* Sets the state a reset leaves (8N1 at 9600 baud is the guest's job). */
void uart_reset(struct uart16550 *u);
/* A write of one byte to register reg (0-7); returns true when it is a transmitted character (*out). */
bool uart_write(struct uart16550 *u, unsigned int reg, uint8_t val, uint8_t *out);
/* A read of register reg (0-7). */
uint8_t uart_read(const struct uart16550 *u, unsigned int reg);

#endif

/* SPDX-License-Identifier: MIT */
/* A 16550 UART model for an HVM guest's console: transmit always ready, a receive FIFO, THRE and RDA interrupts. */
#ifndef HVM_UART16550_H
#define HVM_UART16550_H

#include <hv/types.h>

#define UART_COM1_BASE	0x3f8
#define UART_NR_PORTS	8
#define UART_COM1_IRQ	4	/* its ISA line, an I/O APIC pin (the DSDT says so) */
/* Larger than a 16550's 16-byte FIFO: a typed line arrives in one 10 ms poll and is not cut. */
#define UART_RX_SIZE	256

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t dll, dlm;		/* divisor latch, visible while LCR.DLAB is set */
	bool thre_pending;		/* the transmitter-empty interrupt: until IIR reports it or IER drops it */
	uint16_t rx_head, rx_len;
	uint8_t rx[UART_RX_SIZE];
	uint64_t rx_dropped;		/* bytes that found the FIFO full */
};

/* Sets the state a reset leaves (8N1 at 9600 baud is the guest's job). */
void uart_reset(struct uart16550 *u);
/* A write of one byte to register reg (0-7); returns true when it is a transmitted character (*out). */
bool uart_write(struct uart16550 *u, unsigned int reg, uint8_t val, uint8_t *out);
/* A read of register reg (0-7): reading RBR takes a byte, reading IIR acknowledges a THRE interrupt. */
uint8_t uart_read(struct uart16550 *u, unsigned int reg);
/* Received bytes into the FIFO; returns how many fit (the rest are counted in rx_dropped). */
size_t uart_receive(struct uart16550 *u, const uint8_t *buf, size_t len);
/* The interrupt output as a PC wires it: an enabled interrupt pending, gated by OUT2, off in loopback. */
bool uart_irq_line(const struct uart16550 *u);

#endif

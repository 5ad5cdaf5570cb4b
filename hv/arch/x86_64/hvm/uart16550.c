/* SPDX-License-Identifier: MIT */
/* 16550 registers as a guest driver sees them: the transmitter is always empty, received bytes wait in a FIFO. */
#include "uart16550.h"

#define LCR_DLAB	0x80
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define IER_ERBFI	0x01	/* received data available interrupt */
#define IER_ETBEI	0x02	/* transmit holding register empty interrupt */
#define IIR_NONE	0x01	/* no interrupt pending */
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xc0	/* FIFOs enabled */
#define FCR_CLEAR_RX	0x02
#define MSR_CTS_DSR_DCD	0xb0
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

void uart_reset(struct uart16550 *u)
{
	*u = (struct uart16550){ .dll = 12 };	/* 9600 baud from 1.8432 MHz */
}

/*
 * IER: enabling ETBEI with the transmitter empty raises THRE at once (a
 * 16550 does, and Linux's start_tx relies on it).
 */
static void ier_write(struct uart16550 *u, uint8_t val)
{
	if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
		u->thre_pending = true;
	u->ier = val & 0x0f;
}

bool uart_write(struct uart16550 *u, unsigned int reg, uint8_t val, uint8_t *out)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg & 7) {
	case 0:
		if (dlab) {
			u->dll = val;
			return false;
		}
		/* The byte leaves at once, so the holding register is empty again: THRE is raised anew. */
		u->thre_pending = true;
		/* Loopback mode sends nothing out (a driver's self-test uses it). */
		if (u->mcr & MCR_LOOP)
			return false;
		*out = val;
		return true;
	case 1:
		if (dlab)
			u->dlm = val;
		else
			ier_write(u, val);
		return false;
	case 2:
		if (val & FCR_CLEAR_RX)
			u->rx_len = 0;
		u->fcr = val & 0xc9;	/* FIFO enable, DMA mode, trigger level; the reset bits self-clear */
		return false;
	case 3:
		u->lcr = val;
		return false;
	case 4:
		u->mcr = val & 0x1f;
		return false;
	case 7:
		u->scr = val;
		return false;
	default:
		return false;		/* LSR and MSR are read-only */
	}
}

/* The interrupt IIR reports, by the 16550's priority: received data, then THRE. */
static uint8_t iir_source(const struct uart16550 *u)
{
	if ((u->ier & IER_ERBFI) && u->rx_len)
		return IIR_RDA;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

static uint8_t rx_take(struct uart16550 *u)
{
	uint8_t c;

	if (!u->rx_len)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (uint16_t)((u->rx_head + 1) % UART_RX_SIZE);
	u->rx_len--;
	return c;
}

uint8_t uart_read(struct uart16550 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t iir;

	switch (reg & 7) {
	case 0:
		return dlab ? u->dll : rx_take(u);
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		iir = iir_source(u);
		if (iir == IIR_THRE)
			u->thre_pending = false;	/* reading IIR with THRE as its source acknowledges it */
		return (u->fcr & 1 ? IIR_FIFO : 0) | iir;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0);
	case 6:
		/* In loopback the modem inputs follow MCR's outputs (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). */
		if (u->mcr & MCR_LOOP)
			return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
					 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
		return MSR_CTS_DSR_DCD;
	default:
		return u->scr;
	}
}

size_t uart_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	for (; n < len && u->rx_len < UART_RX_SIZE; n++) {
		u->rx[(u->rx_head + u->rx_len) % UART_RX_SIZE] = buf[n];
		u->rx_len++;
	}
	u->rx_dropped += len - n;
	return n;
}

bool uart_irq_line(const struct uart16550 *u)
{
	return (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP) && iir_source(u) != IIR_NONE;
}

/* SPDX-License-Identifier: MIT */
/* 16550 registers as a guest driver sees them: the transmitter is always empty, nothing is ever received. */
#include "uart16550.h"

#define LCR_DLAB	0x80
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define IIR_NONE	0x01	/* no interrupt pending */
#define IIR_FIFO	0xc0	/* FIFOs enabled */
#define MSR_CTS_DSR_DCD	0xb0
#define MCR_LOOP	0x10

void uart_reset(struct uart16550 *u)
{
	*u = (struct uart16550){ .dll = 12 };	/* 9600 baud from 1.8432 MHz */
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
		/* Loopback mode sends nothing out (a driver's self-test uses it). */
		if (u->mcr & MCR_LOOP)
			return false;
		*out = val;
		return true;
	case 1:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		return false;
	case 2:
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

uint8_t uart_read(const struct uart16550 *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg & 7) {
	case 0:
		return dlab ? u->dll : 0;	/* receive buffer: nothing ever arrives */
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		return (u->fcr & 1 ? IIR_FIFO : 0) | IIR_NONE;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT;
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

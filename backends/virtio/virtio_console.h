/* SPDX-License-Identifier: MIT */
/* dom0's virtio-console driver (virtio 1.0, 5.3), multiport: one serial port as a byte stream to the host. */
#ifndef VIRTIO_CONSOLE_H
#define VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio_pci.h"

#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_CONSOLE_F_MULTIPORT	1

/* Queues with MULTIPORT: port 0's pair, the control pair, then a pair per further port. */
#define VCONS_CTRL_RXQ			2
#define VCONS_CTRL_TXQ			3
#define VCONS_PORT_RXQ(p)		((uint16_t)((p) == 0 ? 0 : 2 * (p) + 2))
#define VCONS_PORT_TXQ(p)		((uint16_t)((p) == 0 ? 1 : 2 * (p) + 3))

/* struct virtio_console_control's events (5.3.6.2). */
#define VIRTIO_CONSOLE_DEVICE_READY	0
#define VIRTIO_CONSOLE_DEVICE_ADD	1
#define VIRTIO_CONSOLE_DEVICE_REMOVE	2
#define VIRTIO_CONSOLE_PORT_READY	3
#define VIRTIO_CONSOLE_CONSOLE_PORT	4
#define VIRTIO_CONSOLE_RESIZE		5
#define VIRTIO_CONSOLE_PORT_OPEN	6
#define VIRTIO_CONSOLE_PORT_NAME	7

struct virtio_console_control {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};
_Static_assert(sizeof(struct virtio_console_control) == 8, "virtio-console control message");

#define VCONS_RX_BUFS		16	/* one DMA page each: 64 KiB of the host's bytes in flight */
#define VCONS_TX_PAGES		8	/* one DMA page each: 32 KiB out to the host at once */
_Static_assert(VCONS_TX_PAGES <= 32, "tx_busy is a 32-bit mask");
#define VCONS_CTRL_BUFS		8	/* control messages from the device, 256 bytes each (names follow) */
#define VCONS_CTRL_BUF		256

/* Bytes the host sent, in order, in pieces of any size. */
typedef void (*vcons_rx_fn)(void *arg, const uint8_t *data, size_t len);
/* The host side of the port opened (true) or closed (false): a byte stream starts afresh. */
typedef void (*vcons_host_fn)(void *arg, bool open);

struct vcons_ops {
	vcons_rx_fn on_rx;
	vcons_host_fn on_host;
	uint64_t (*now_ns)(void);	/* for the write timeout */
	void *arg;
};

struct vcons {
	struct virtio_pci pci;
	struct virtq ctrl_rx, ctrl_tx, rx, tx;
	uint32_t port;			/* the port we serve */
	bool irq;
	bool port_added;		/* the device announced our port and we said ready */
	bool host_open;			/* the host has the port's chardev open */
	bool wedged;			/* a control message never completed: the port is given up */
	uint32_t tx_busy;		/* bit i: tx_page[i] is the device's until it comes back used */
	uint8_t *ctrl_rx_buf;		/* VCONS_CTRL_BUFS slots of VCONS_CTRL_BUF bytes, one page */
	struct virtio_console_control *ctrl_tx_msg;
	void *rx_page[VCONS_RX_BUFS];
	void *tx_page[VCONS_TX_PAGES];
	struct vcons_ops ops;
	uint64_t rx_bytes, tx_bytes, tx_full, ctrl_msgs, bad_used;
};

/*
 * Finds the first virtio-console device, negotiates VERSION_1 and
 * MULTIPORT, sets up the control queues and port's queues (MSI-X entry 0
 * for all when with_irq), posts the receive buffers and says DEVICE_READY.
 * The port is usable once the device has added it (vcons_poll does the
 * handshake). 0, or a negative code saying which step failed.
 */
int vcons_open(struct vcons *c, uint32_t port, bool with_irq, const struct vcons_ops *ops);

/* Handles control messages and received bytes; returns the bytes delivered. Never blocks. */
size_t vcons_poll(struct vcons *c);

/*
 * Hands as much of buf as free transmit pages take to the device and
 * returns at once: the bytes taken (0 while the host is not reading and
 * every page is still out), or -1 when the port is not open. QEMU holds a
 * serial port's data while the host's socket is full and gives the pages
 * back when it drains, so a slow host delays output and loses none of what
 * was taken; dom0 never waits for it.
 */
long vcons_send(struct vcons *c, const void *buf, size_t len);

#endif

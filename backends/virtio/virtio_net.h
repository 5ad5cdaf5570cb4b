/* SPDX-License-Identifier: MIT */
/* dom0's virtio-net driver (virtio 1.0, 5.1): one receive and one transmit queue of page-sized buffers, the uplink NIC. */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio_pci.h"
#include "virtqueue.h"

#define VIRTIO_ID_NET			1
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_S_LINK_UP		1

#define VNET_RXQ			0	/* receiveq1 */
#define VNET_TXQ			1	/* transmitq1 */
#define VNET_BUF_SIZE			4096	/* one DMA page per buffer */
#define VNET_MAX_FRAME			1514	/* Ethernet without FCS at MTU 1500: no offloads are negotiated */
#define VNET_MAX_BUFS			64

/*
 * The header in front of every frame (5.1.6). With VIRTIO_F_VERSION_1 it
 * always has num_buffers, so it is 12 bytes whether or not MRG_RXBUF is on.
 */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio-net header with VIRTIO_F_VERSION_1");

/*
 * The buffers of both queues, portable (host-tested against a simulated
 * device). Receive: every buffer is one page, posted device-writable; the
 * device returns it with the bytes it wrote, which are checked against the
 * page and the header before a frame is handed on. Transmit: a pool of
 * pages, one per frame in flight, back to the pool on completion.
 */
struct vnet_queues {
	struct virtq rx, tx;
	void *tx_free[VNET_MAX_BUFS];
	uint16_t tx_nfree, rx_nbufs, tx_nbufs;
	struct vnet_stats {
		uint64_t rx_frames, rx_bytes, rx_bad;	/* rx_bad: a length no frame can have, or a buffer not ours */
		uint64_t tx_frames, tx_bytes, tx_done, tx_full;
	} stats;
};

/* Posts nbufs pages from vio_dma_page() to the rx queue and keeps ntx for tx (each <= VNET_MAX_BUFS and the queue). */
int vnet_queues_init(struct vnet_queues *n, unsigned int nbufs, unsigned int ntx);
typedef void (*vnet_rx_fn)(void *arg, const uint8_t *frame, size_t len);
/*
 * Hands every received frame to fn (which must copy what it keeps: the
 * page goes straight back to the device), at most budget of them.
 * Returns the number of buffers reposted (the caller notifies the device
 * when it is not 0).
 */
unsigned int vnet_rx_poll(struct vnet_queues *n, unsigned int budget, vnet_rx_fn fn, void *arg);
/* Takes back the pages of completed transmissions; returns how many. */
unsigned int vnet_tx_reclaim(struct vnet_queues *n);
/* Copies one frame into a free page and posts it: 0 (the caller notifies), -1 when too long or no page is free. */
int vnet_tx_post(struct vnet_queues *n, const void *frame, size_t len);

/* The device. */
struct vnet {
	struct virtio_pci pci;
	struct vnet_queues qs;
	uint8_t mac[6];
	bool irq;			/* both queues signal MSI-X entry 0 (else polled) */
	bool link_up;
};

/*
 * Finds the first virtio-net device and negotiates VIRTIO_F_VERSION_1,
 * VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS where offered; MRG_RXBUF and
 * every offload are left off, so a frame never exceeds VNET_MAX_FRAME and
 * fits one page. Sets up both queues (on MSI-X entry 0 when with_irq).
 * 0, or a negative code saying which step failed.
 */
int vnet_open(struct vnet *v, bool with_irq, unsigned int rx_bufs, unsigned int tx_bufs);
/* Receives (and reposts) as vnet_rx_poll; notifies the device of the returned buffers. Returns frames handled. */
unsigned int vnet_poll(struct vnet *v, vnet_rx_fn fn, void *arg);
/* Sends one frame (reclaiming finished ones first): 0, or -1 when it is too long or every tx page is in flight. */
int vnet_send(struct vnet *v, const void *frame, size_t len);

#endif

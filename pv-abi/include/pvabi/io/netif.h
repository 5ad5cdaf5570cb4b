/* SPDX-License-Identifier: MIT */
/* Network device ring protocol (xen-netfront / netback): TX and RX rings, flags and extra-info slots. */
#ifndef PVABI_IO_NETIF_H
#define PVABI_IO_NETIF_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/ring.h>

/* A backend must accept packets spread over at least this many TX slots. */
#define XEN_NETIF_NR_SLOTS_MIN	18
#define XEN_NETIF_MAX_TX_SIZE	0xffff

/* netif_tx_request.flags */
#define NETTXF_csum_blank	(1U << 0)
#define NETTXF_data_validated	(1U << 1)
#define NETTXF_more_data	(1U << 2)
#define NETTXF_extra_info	(1U << 3)

/* One TX slot; in a packet's first slot size is the whole packet's length. */
struct netif_tx_request {
	grant_ref_t gref;
	uint16_t offset;
	uint16_t flags;
	uint16_t id;
	uint16_t size;
};
PVABI_SIZE(struct netif_tx_request, 12);
PVABI_OFF(struct netif_tx_request, gref, 0);
PVABI_OFF(struct netif_tx_request, offset, 4);
PVABI_OFF(struct netif_tx_request, flags, 6);
PVABI_OFF(struct netif_tx_request, id, 8);
PVABI_OFF(struct netif_tx_request, size, 10);

#define XEN_NETIF_EXTRA_TYPE_NONE	0
#define XEN_NETIF_EXTRA_TYPE_GSO	1
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD	2
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL	3
#define XEN_NETIF_EXTRA_TYPE_HASH	4
#define XEN_NETIF_EXTRA_TYPE_XDP	5
#define XEN_NETIF_EXTRA_TYPE_MAX	6

#define XEN_NETIF_EXTRA_FLAG_MORE	(1U << 0)

#define XEN_NETIF_GSO_TYPE_NONE		0
#define XEN_NETIF_GSO_TYPE_TCPV4	1
#define XEN_NETIF_GSO_TYPE_TCPV6	2

/* Occupies a request (TX) or response (RX) slot after one flagged extra_info. */
struct netif_extra_info {
	uint8_t type;
	uint8_t flags;
	union {
		struct {
			uint16_t size;
			uint8_t type;
			uint8_t pad;
			uint16_t features;
		} gso;
		struct {
			uint8_t addr[6];
		} mcast;
		struct {
			uint8_t type;
			uint8_t algorithm;
			uint8_t value[4];
		} hash;
		struct {
			uint16_t headroom;
			uint16_t pad[2];
		} xdp;
		uint16_t pad[3];
	} u;
};
PVABI_SIZE(struct netif_extra_info, 8);
PVABI_OFF(struct netif_extra_info, type, 0);
PVABI_OFF(struct netif_extra_info, flags, 1);
PVABI_OFF(struct netif_extra_info, u, 2);
PVABI_OFF(struct netif_extra_info, u.gso.size, 2);
PVABI_OFF(struct netif_extra_info, u.gso.type, 4);
PVABI_OFF(struct netif_extra_info, u.gso.features, 6);
PVABI_OFF(struct netif_extra_info, u.mcast.addr, 2);
PVABI_OFF(struct netif_extra_info, u.hash.value, 4);
PVABI_OFF(struct netif_extra_info, u.xdp.headroom, 2);

#define NETIF_RSP_DROPPED	(-2)
#define NETIF_RSP_ERROR		(-1)
#define NETIF_RSP_OKAY		0
/* Answers an extra-info slot: one response per consumed request slot. */
#define NETIF_RSP_NULL		1

struct netif_tx_response {
	uint16_t id;
	int16_t status;
};
PVABI_SIZE(struct netif_tx_response, 4);
PVABI_OFF(struct netif_tx_response, id, 0);
PVABI_OFF(struct netif_tx_response, status, 2);

/* A whole granted page the backend may copy one received packet (part) into. */
struct netif_rx_request {
	uint16_t id;
	uint16_t pad;
	grant_ref_t gref;
};
PVABI_SIZE(struct netif_rx_request, 8);
PVABI_OFF(struct netif_rx_request, id, 0);
PVABI_OFF(struct netif_rx_request, gref, 4);
PVABI_OFF(struct netif_rx_request, pad, 2);

/* netif_rx_response.flags */
#define NETRXF_data_validated	(1U << 0)
#define NETRXF_csum_blank	(1U << 1)
#define NETRXF_more_data	(1U << 2)
#define NETRXF_extra_info	(1U << 3)
#define NETRXF_gso_prefix	(1U << 4)

/* status > 0 is the byte count; offset + status must stay within the page. */
struct netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	int16_t status;
};
PVABI_SIZE(struct netif_rx_response, 8);
PVABI_OFF(struct netif_rx_response, id, 0);
PVABI_OFF(struct netif_rx_response, offset, 2);
PVABI_OFF(struct netif_rx_response, flags, 4);
PVABI_OFF(struct netif_rx_response, status, 6);

PVABI_DEFINE_RING(netif_tx, struct netif_tx_request, struct netif_tx_response);
PVABI_DEFINE_RING(netif_rx, struct netif_rx_request, struct netif_rx_response);
PVABI_SIZE(union netif_tx_sring_entry, 12);
PVABI_SIZE(union netif_rx_sring_entry, 8);
PVABI_OFF(struct netif_tx_sring, ring, 64);
PVABI_OFF(struct netif_rx_sring, ring, 64);

#endif

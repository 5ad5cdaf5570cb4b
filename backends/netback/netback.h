/* SPDX-License-Identifier: MIT */
/* netback for xen-netfront, one queue: tx and rx rings with requests copied once and checked, grant copy both ways. */
#ifndef NETBACK_H
#define NETBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/netif.h>
#include <pvabi/io/ring.h>
#include "net_gso.h"

#define NB_PAGE			4096
#define NB_MAX_FRAME		1514	/* a packet without GSO */
#define NB_BUF_PAGES		16	/* dom0's packet buffers: a GSO packet of up to NET_GSO_MAX_LEN bytes */
#define NB_BUF_SIZE		(NB_BUF_PAGES * NB_PAGE)
#define NB_MIN_FRAME		14
#define NB_TX_BATCH		64	/* packets per nb_tx_poll call: one frontend cannot hold dom0 for long */

/*
 * What the backend needs from the platform. copy() runs n grant copies
 * (GNTTABOP_copy) and sets every op's status (a GNTST_* value); it returns
 * 0, or negative when the hypercall itself failed (then no status is
 * trusted). notify() sends the frontend an event.
 */
struct nb_platform {
	int (*copy)(void *ctx, struct gnttab_copy *ops, unsigned int n);
	void (*notify)(void *ctx);
	void *ctx;
};

/* gso: NULL, or how to cut a TCP superframe the frontend sent with a GSO extra (checked by net_gso_check). */
typedef void (*nb_deliver_fn)(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso);

struct nb_vif {
	uint16_t domid;				/* the frontend's domain */
	uint8_t mac[6];				/* the vif's address: frames sent from another are dropped */
	/*
	 * The vif's ip= (host order), when ip_set: IPv4 packets from another
	 * source and ARP for another sender are dropped (nb_ip_allowed).
	 */
	bool ip_set;
	uint32_t ip;
	struct pvabi_ring tx, rx;		/* views of the frontend's pages, mapped by the caller */
	struct nb_platform plat;
	nb_deliver_fn deliver;			/* where the guest's frames go (the switch) */
	void *deliver_arg;
	/*
	 * Two buffers of dom0's own, NB_BUF_SIZE bytes each (they may be
	 * shared by every vif: nothing keeps a packet in them across calls):
	 * grant copies land in tx_buf and leave from rx_buf, page by page.
	 */
	uint8_t *tx_buf, *rx_buf;
	const xen_pfn_t *tx_gmfns, *rx_gmfns;
	/*
	 * Packets one nb_tx_poll may take (<= NB_TX_BATCH): the caller lowers
	 * it when its uplink has no room, also from deliver() (0: stop after
	 * this packet).
	 */
	unsigned int tx_budget;
	/*
	 * The frontend takes GSO superframes on its rx ring: TCPv4 (its
	 * feature-gso-tcpv4, with feature-sg), TCPv6 (feature-gso-tcpv6 with
	 * feature-sg and feature-ipv6-csum-offload: they carry a partial sum).
	 */
	bool rx_gso, rx_gso6;
	/*
	 * rx responses wait for nb_rx_push instead of going out (and
	 * notifying) one frame at a time: the caller pushes once per pass.
	 */
	bool rx_defer;
	/* A frontend that broke the ring protocol is not served again until it reconnects. */
	bool broken;
	const char *broken_why;
	struct nb_stats {
		uint64_t tx_packets, tx_bytes, tx_errors, tx_spoofed, tx_spoofed_ip, tx_gso, tx_gso6;
		uint64_t rx_packets, rx_bytes, rx_no_buffer, rx_errors, rx_gso, rx_gso6;	/* *_gso6: of *_gso */
		uint64_t notifies;
	} stats;
};

/*
 * Sets the vif up over the two shared ring pages (one page each, as the
 * frontend granted them) and the two buffers of dom0's own (page-aligned,
 * NB_BUF_SIZE bytes, with the frame numbers grant copy uses for each of
 * their NB_BUF_PAGES pages).
 */
void nb_vif_init(struct nb_vif *v, uint16_t domid, const uint8_t mac[6], void *tx_ring, void *rx_ring,
		 const struct nb_platform *plat, nb_deliver_fn deliver, void *deliver_arg, uint8_t *tx_buf,
		 const xen_pfn_t *tx_gmfns, uint8_t *rx_buf, const xen_pfn_t *rx_gmfns);
/*
 * Takes up to tx_budget whole packets from the tx ring, each request
 * copied once and checked (sizes, offsets, slot count, extra slots: a
 * GSO extra of TCPv4 or TCPv6 only, and its superframe through
 * net_gso_check or net_gso_check6), copies the data in with grant copy,
 * fills in a TCP/UDP checksum the frontend left blank (NETTXF_csum_blank,
 * IPv4 or IPv6: net_csum_fill), hands good frames to
 * deliver() and answers every slot. A packet whose slots are not all published yet
 * waits. Returns the packets taken; true in *more when more may be ready.
 */
unsigned int nb_tx_poll(struct nb_vif *v, bool *more);
/*
 * Copies one frame into the next buffer the frontend posted on the rx
 * ring and answers it: 0, -1 when the frontend has no buffer posted (the
 * frame is dropped: a guest that does not read cannot stall the switch),
 * the frame is malformed or the copy failed. A superframe (gso not NULL,
 * only for a frontend that takes its kind: nb_rx_takes_gso) takes one buffer per page of it plus
 * one for the GSO extra, all or none, and is marked NETRXF_csum_blank and
 * NETRXF_data_validated (its checksum field holds the pseudo-header sum).
 */
int nb_rx_deliver(struct nb_vif *v, const uint8_t *frame, size_t len, const struct net_gso *gso);
/* Whether this vif's frontend takes a superframe of gso's kind (TCPv4 or TCPv6) whole. */
bool nb_rx_takes_gso(const struct nb_vif *v, const struct net_gso *gso);
/* The rx requests a frame needs on this vif: 1, a superframe's pages and its extra, or its segments. */
uint32_t nb_rx_slots(const struct nb_vif *v, size_t len, const struct net_gso *gso);
/* rx requests the frontend has posted and we have not taken: a count, or -1 when its index is impossible. */
int64_t nb_rx_posted(const struct nb_vif *v);
/* Publishes the rx responses rx_defer held back, notifying the frontend if it asked. */
void nb_rx_push(struct nb_vif *v);
/*
 * Whether a vif whose ip= is ip may send frame (Xen's antispoof rules for
 * a vif with an address, and ARP's too): IPv4 from ip, or from 0.0.0.0 as
 * UDP port 68 to 67 (a DHCP client without a lease); ARP whose sender is
 * ip or 0.0.0.0 (a probe); no 802.1Q or 802.1ad tag (it would hide the
 * rest); other types (IPv6 among them) as they are. A truncated IPv4 or
 * ARP header is refused.
 */
bool nb_ip_allowed(const uint8_t *frame, size_t len, uint32_t ip);
/*
 * The rx queue (0..queues-1) of a vif with several that a frame goes to:
 * a hash of its IPv4 or IPv6 addresses, protocol (next header) and, for
 * TCP and UDP, ports, so one flow always takes one queue (in order) while
 * flows spread; other frames go to queue 0, and ports count as zero for
 * IPv4 fragments and behind IPv6 extension headers.
 */
unsigned int nb_flow_queue(const uint8_t *frame, size_t len, unsigned int queues);

#endif

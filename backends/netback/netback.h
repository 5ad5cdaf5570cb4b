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

#define NB_PAGE			4096
#define NB_MAX_FRAME		1514	/* no GSO is offered, so no packet is larger */
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

typedef void (*nb_deliver_fn)(void *arg, const uint8_t *frame, size_t len);

struct nb_vif {
	uint16_t domid;				/* the frontend's domain */
	uint8_t mac[6];				/* the vif's address: frames sent from another are dropped */
	struct pvabi_ring tx, rx;		/* views of the frontend's pages, mapped by the caller */
	struct nb_platform plat;
	nb_deliver_fn deliver;			/* where the guest's frames go (the switch) */
	void *deliver_arg;
	/* Two pages of dom0's own: grant copies land in tx_page and leave from rx_page. */
	uint8_t *tx_page, *rx_page;
	xen_pfn_t tx_gmfn, rx_gmfn;
	/* Packets one nb_tx_poll may take (<= NB_TX_BATCH): the caller lowers it when its uplink has no room. */
	unsigned int tx_budget;
	/*
	 * rx responses wait for nb_rx_push instead of going out (and
	 * notifying) one frame at a time: the caller pushes once per pass.
	 */
	bool rx_defer;
	/* A frontend that broke the ring protocol is not served again until it reconnects. */
	bool broken;
	const char *broken_why;
	struct nb_stats {
		uint64_t tx_packets, tx_bytes, tx_errors, tx_spoofed;
		uint64_t rx_packets, rx_bytes, rx_no_buffer, rx_errors;
		uint64_t notifies;
	} stats;
};

/*
 * Sets the vif up over the two shared ring pages (one page each, as the
 * frontend granted them) and the two pages of dom0's own (page-aligned,
 * with the frame numbers grant copy uses for them).
 */
void nb_vif_init(struct nb_vif *v, uint16_t domid, const uint8_t mac[6], void *tx_ring, void *rx_ring,
		 const struct nb_platform *plat, nb_deliver_fn deliver, void *deliver_arg, uint8_t *tx_page,
		 xen_pfn_t tx_gmfn, uint8_t *rx_page, xen_pfn_t rx_gmfn);
/*
 * Takes up to tx_budget whole packets from the tx ring, each request
 * copied once and checked (sizes, offsets, slot count, extra slots),
 * copies the data in with grant copy, fills in a TCP/UDP checksum the
 * frontend left blank (NETTXF_csum_blank, IPv4), hands good frames to
 * deliver() and answers every slot. A packet whose slots are not all published yet
 * waits. Returns the packets taken; true in *more when more may be ready.
 */
unsigned int nb_tx_poll(struct nb_vif *v, bool *more);
/*
 * Copies one frame into the next buffer the frontend posted on the rx
 * ring and answers it: 0, -1 when the frontend has no buffer posted (the
 * frame is dropped: a guest that does not read cannot stall the switch),
 * the frame is malformed or the copy failed.
 */
int nb_rx_deliver(struct nb_vif *v, const uint8_t *frame, size_t len);
/* Publishes the rx responses rx_defer held back, notifying the frontend if it asked. */
void nb_rx_push(struct nb_vif *v);

#endif

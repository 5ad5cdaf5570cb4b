/* SPDX-License-Identifier: MIT */
/* netback's side of the xenbus handshake with xen-netfront: the nodes it offers, the frontend's it reads; portable. */
#ifndef NETBACK_XS_H
#define NETBACK_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One node under the backend's directory, written before it moves to InitWait. */
struct nb_node {
	const char *key, *value;
};

/*
 * What this backend offers (a current netfront reads each): copy-only rx
 * (feature-rx-copy 1, feature-rx-flip 0), scatter-gather tx (feature-sg
 * 1), TCP segmentation offload (feature-gso-tcpv4 1, feature-gso-tcpv6 1:
 * superframes on tx), IPv6 checksum offload (feature-ipv6-csum-offload 1:
 * blank TCP/UDP checksums over IPv6 are filled in), and no split event
 * channels, control ring or XDP headroom yet (each 0, or absent where
 * absence means none).
 * NULL-terminated. multi-queue-max-queues (NB_MAX_QUEUES) is written by
 * the caller, which may offer fewer.
 */
extern const struct nb_node nb_backend_features[];

/*
 * Queues a frontend may ask for (multi-queue-num-queues): each is a tx
 * and an rx ring with its own event channel. dom0 serves them all from
 * one thread, so more would only cost ring pages; Linux asks for one per
 * vCPU up to what is offered.
 */
#define NB_MAX_QUEUES	4

/* What the frontend wrote, after nb_front_read checked it. */
struct nb_front {
	unsigned int queues;	/* 1..the offer */
	struct nb_front_queue {
		uint32_t tx_ring_ref, rx_ring_ref;
		uint32_t evtchn;
	} q[NB_MAX_QUEUES];
	bool sg, csum_offload, ipv6_csum;
	bool rx_gso;		/* it takes TCPv4 superframes on rx (feature-gso-tcpv4 with feature-sg) */
	bool rx_gso6;		/* and TCPv6 ones (feature-gso-tcpv6 with feature-sg and feature-ipv6-csum-offload) */
};

/* Reads key of the frontend's directory into buf (NUL-terminated): its length, or -1 when it is absent. */
typedef int (*nb_read_fn)(void *ctx, const char *key, char *buf, size_t size);

/*
 * Reads and checks the frontend's nodes when it reaches Connected:
 * multi-queue-num-queues (absent: 1) from 1 to max_queues; for one queue
 * both ring references and one event channel (decimal, 32 bits) in the
 * frontend's directory, for more each queue's under queue-N/, every ring
 * reference and every event channel different from all the others (two
 * queues on one page or one channel would serve each other's requests);
 * rx by copy (request-rx-copy 1) with rx notification (feature-rx-notify
 * 1). 0, or -1 with *why saying what the frontend got wrong.
 */
int nb_front_read(nb_read_fn read, void *ctx, unsigned int max_queues, struct nb_front *f, const char **why);

/* "00:16:3e:01:02:03" from mac (buf of at least 18 bytes); and back: 0, or -1 if s is not six hex pairs. */
void nb_mac_format(const uint8_t mac[6], char *buf);
int nb_mac_parse(const char *s, uint8_t mac[6]);
/*
 * A stable address in Xen's 00:16:3e range for a vif without one: the
 * same domain UUID and interface index always give the same address,
 * and the low three bytes mix all of both.
 */
void nb_mac_from_uuid(const uint8_t uuid[16], unsigned int index, uint8_t mac[6]);

#endif

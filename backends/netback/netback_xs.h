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
 * 1), TCPv4 segmentation offload (feature-gso-tcpv4 1: superframes on tx),
 * and no TCPv6 GSO, IPv6 checksum offload, split event channels, multiple
 * queues, control ring or XDP headroom yet (each 0, or absent where
 * absence means none). NULL-terminated.
 */
extern const struct nb_node nb_backend_features[];

/* What the frontend wrote, after nb_front_read checked it. */
struct nb_front {
	uint32_t tx_ring_ref, rx_ring_ref;
	uint32_t evtchn;
	bool sg, csum_offload;
	bool rx_gso;		/* it takes TCPv4 superframes on rx (feature-gso-tcpv4 with feature-sg) */
};

/* Reads key of the frontend's directory into buf (NUL-terminated): its length, or -1 when it is absent. */
typedef int (*nb_read_fn)(void *ctx, const char *key, char *buf, size_t size);

/*
 * Reads and checks the frontend's nodes when it reaches Connected: both
 * ring references and one event channel (decimal, 32 bits), rx by copy
 * (request-rx-copy 1) with rx notification (feature-rx-notify 1), one
 * queue. 0, or -1 with *why saying what the frontend got wrong.
 */
int nb_front_read(nb_read_fn read, void *ctx, struct nb_front *f, const char **why);

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

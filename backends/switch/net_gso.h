/* SPDX-License-Identifier: MIT */
/* TCP over IPv4 and IPv6 superframes (GSO) between netback, the switch and its ports: checked once, cut in software. */
#ifndef NET_GSO_H
#define NET_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_GSO_MAX_LEN		65535	/* a netif tx request's size is 16 bits */
#define NET_GSO_MTU_FRAME	1514	/* every segment must fit the switch's ports */
/*
 * Segments one superframe may make: the work a single ring slot can ask
 * of dom0 is bounded by this. Linux sends 64 KiB in 45 segments at an MSS
 * of 1448 and in 123 at the smallest usual MSS (536).
 */
#define NET_GSO_MAX_SEGS	128

/* What a checked superframe carries besides its bytes: Ethernet, IP and TCP headers of hdr_len, payload in pieces. */
struct net_gso {
	uint16_t size;		/* payload bytes per segment (the MSS) */
	uint16_t segs;		/* segments it makes */
	uint16_t hdr_len;	/* Ethernet, IPv4 or IPv6, and TCP headers */
	uint16_t ip_off;	/* 14 */
	bool v6;		/* TCP over IPv6 (a TCPv6 GSO extra) */
};

/*
 * Checks a frame that says it is a TCP/IPv4 superframe of gso_size
 * pieces: Ethernet type IPv4, a whole unfragmented datagram whose IPv4
 * total length is exactly the frame's, TCP with a sane header, each
 * segment no larger than NET_GSO_MTU_FRAME, at most NET_GSO_MAX_SEGS
 * segments. On success fills *g, writes the pseudo-header sum into the
 * TCP checksum field (a partial checksum, as a receiver taking the frame
 * whole expects with NETRXF_csum_blank) and returns 0; -1 otherwise.
 */
int net_gso_check(uint8_t *frame, size_t len, uint32_t gso_size, struct net_gso *g);
/*
 * The same for TCP/IPv6 (Ethernet type IPv6): the IPv6 payload length
 * exactly the frame's rest, TCP directly after the fixed header (any
 * extension header is refused: Linux sends none with TSO, and a chain of
 * them would be headers copied into every segment), the same segment
 * size and count bounds. Fills *g with v6 set and writes the IPv6
 * pseudo-header sum into the TCP checksum field.
 */
int net_gso_check6(uint8_t *frame, size_t len, uint32_t gso_size, struct net_gso *g);

/* Takes one segment: 0, or -1 when it has no room (segmenting stops there). */
typedef int (*net_gso_emit_fn)(void *arg, const uint8_t *frame, size_t len);

/*
 * Cuts the superframe into segments first..segs-1, each a full frame
 * built in scratch (NET_GSO_MTU_FRAME bytes) with its own IPv4 length,
 * id and header checksum (for IPv6: its payload length), TCP sequence number, flags (FIN and PSH on the
 * last only, CWR on the first only) and a full TCP checksum, and hands
 * each to emit. Returns the index of the first segment emit refused, or
 * segs when all were taken.
 */
unsigned int net_gso_segment(const uint8_t *frame, size_t len, const struct net_gso *g, unsigned int first,
			     uint8_t *scratch, net_gso_emit_fn emit, void *arg);

/* The ones'-complement sum of len bytes folded to 16 bits, added to sum (for checksums and tests). */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t net_csum_fold(uint32_t sum);

/*
 * Fills in the TCP or UDP checksum a sender left blank (netif's
 * NETTXF_csum_blank), over the IPv4 or IPv6 pseudo-header. The datagram
 * must be whole (trailing padding allowed) and unfragmented; on IPv6 the
 * transport header may follow hop-by-hop and destination options headers
 * (at most NET_CSUM_MAX_EXT of them), while a routing header (which would
 * change the pseudo-header's destination), a fragment header or anything
 * else is refused. 0, or -1 when the frame is not such a datagram.
 */
#define NET_CSUM_MAX_EXT	4
int net_csum_fill(uint8_t *frame, size_t len);

#endif

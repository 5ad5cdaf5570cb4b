/* SPDX-License-Identifier: MIT */
/* A minimal static IPv4 host for dom0's uplink: ARP, IPv4, ICMP echo and UDP echo (port 7); portable C, host-tested. */
#ifndef IPSTACK_H
#define IPSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN		6
#define ETH_HLEN		14
#define ETH_P_IPV4		0x0800
#define ETH_P_ARP		0x0806
#define IPSTACK_ARP_ENTRIES	8
#define IPSTACK_MAX_FRAME	1514
#define IPSTACK_MAX_PING	1024	/* echo payload bytes we send */
#define IPSTACK_UDP_ECHO_PORT	7	/* RFC 862: what arrives here goes back to the sender */

/* Addresses are held in host order: 10.0.2.15 is 0x0a00020f. */
#define IPSTACK_ADDR(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

typedef void (*ipstack_xmit_fn)(void *arg, const uint8_t *frame, size_t len);
typedef void (*ipstack_echo_fn)(void *arg, uint32_t from, uint16_t id, uint16_t seq, const uint8_t *data,
				size_t len);

struct ipstack_arp {
	uint32_t ip;
	uint8_t mac[ETH_ALEN];
	bool valid;
};

struct ipstack {
	uint8_t mac[ETH_ALEN];
	uint32_t addr, netmask, gateway;
	ipstack_xmit_fn xmit;
	void *xmit_arg;
	ipstack_echo_fn on_echo_reply;	/* NULL: replies are only counted */
	void *echo_arg;
	/* The UDP echo service is off unless asked for (an echo port reflects traffic at whoever a sender names). */
	bool udp_echo;
	/* Called with each datagram to the UDP echo port before it is echoed (NULL: none). */
	void (*on_udp_echo)(void *arg, uint32_t from, uint16_t port, const uint8_t *data, size_t len);
	struct ipstack_arp arp[IPSTACK_ARP_ENTRIES];
	unsigned int arp_next;		/* the entry the next new address replaces */
	uint16_t ip_id;
	struct ipstack_stats {
		uint64_t rx, rx_bad, rx_not_ours;
		uint64_t arp_requests_answered, arp_replies_learned, arp_requests_sent;
		uint64_t echo_requests_answered, echo_replies_received, echo_requests_sent;
		uint64_t udp_echoed;
		uint64_t unhandled;	/* well-formed but not ARP or ICMP echo */
	} stats;
};

/* Sets the stack up; frames leave through xmit(xmit_arg, frame, len), which must copy them. */
void ipstack_init(struct ipstack *s, const uint8_t mac[ETH_ALEN], uint32_t addr, uint32_t netmask, uint32_t gateway,
		  ipstack_xmit_fn xmit, void *xmit_arg);
/*
 * One received Ethernet frame (without FCS). Anything malformed (short,
 * bad lengths or checksums, fragments) is counted and dropped; ARP
 * requests for our address, ICMP echo requests to it and UDP datagrams to
 * its echo port are answered.
 */
void ipstack_input(struct ipstack *s, const uint8_t *frame, size_t len);
/*
 * Sends an ICMP echo request to dst with len bytes of data: 0 when sent;
 * 1 when the next hop's MAC is not known yet and an ARP request went out
 * instead (try again after a reply); -1 on bad arguments.
 */
int ipstack_ping(struct ipstack *s, uint32_t dst, uint16_t id, uint16_t seq, const uint8_t *data, size_t len);
/* The ARP entry for ip, or NULL. */
const struct ipstack_arp *ipstack_arp_lookup(const struct ipstack *s, uint32_t ip);
/* The Internet checksum (RFC 1071) of len bytes: the value to store in a header, in network order as two bytes. */
uint16_t ipstack_csum(const uint8_t *p, size_t len);

#endif

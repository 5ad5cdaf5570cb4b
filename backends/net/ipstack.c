/* SPDX-License-Identifier: MIT */
/* dom0's minimal IPv4 host: answers ARP, ICMP echo and UDP echo for its address, pings, checks every length and checksum. */
#include <string.h>
#include "ipstack.h"

#define ARP_LEN			28
#define IP_HLEN			20
#define IP_PROTO_ICMP		1
#define IP_PROTO_UDP		17
#define UDP_HLEN		8
#define ICMP_ECHO_REPLY		0
#define ICMP_ECHO_REQUEST	8
#define ICMP_HLEN		8
#define ARP_OP_REQUEST		1
#define ARP_OP_REPLY		2

static const uint8_t broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The one's-complement sum of len bytes added to sum, folded to 16 bits. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t ipstack_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~sum16(p, len, 0);
}

/* UDP's checksum over the pseudo-header (addresses, protocol, length) and the datagram. */
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_PROTO_UDP;
	put16(ph + 10, (uint16_t)len);
	return (uint16_t)~sum16(udp, len, sum16(ph, sizeof(ph), 0));
}

void ipstack_init(struct ipstack *s, const uint8_t mac[ETH_ALEN], uint32_t addr, uint32_t netmask, uint32_t gateway,
		  ipstack_xmit_fn xmit, void *xmit_arg)
{
	*s = (struct ipstack){ .addr = addr, .netmask = netmask, .gateway = gateway, .xmit = xmit,
			       .xmit_arg = xmit_arg, .ip_id = 1 };
	memcpy(s->mac, mac, ETH_ALEN);
}

const struct ipstack_arp *ipstack_arp_lookup(const struct ipstack *s, uint32_t ip)
{
	for (unsigned int i = 0; i < IPSTACK_ARP_ENTRIES; i++)
		if (s->arp[i].valid && s->arp[i].ip == ip)
			return &s->arp[i];
	return NULL;
}

/* Only exchanges that name our address are learned, so a flood of other traffic cannot churn the table. */
static void arp_learn(struct ipstack *s, uint32_t ip, const uint8_t *mac)
{
	struct ipstack_arp *e = (struct ipstack_arp *)ipstack_arp_lookup(s, ip);

	if (!e) {
		e = &s->arp[s->arp_next];
		s->arp_next = (s->arp_next + 1) % IPSTACK_ARP_ENTRIES;
	}
	e->ip = ip;
	e->valid = true;
	memcpy(e->mac, mac, ETH_ALEN);
}

static void eth_header(const struct ipstack *s, uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, s->mac, ETH_ALEN);
	put16(f + 12, type);
}

static void arp_send(struct ipstack *s, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[ETH_HLEN + ARP_LEN];
	uint8_t *a = f + ETH_HLEN;

	eth_header(s, f, eth_dst, ETH_P_ARP);
	put16(a, 1);			/* Ethernet */
	put16(a + 2, ETH_P_IPV4);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, s->mac, ETH_ALEN);
	put32(a + 14, s->addr);
	memcpy(a + 18, tha, ETH_ALEN);
	put32(a + 24, tpa);
	s->xmit(s->xmit_arg, f, sizeof(f));
}

static void arp_input(struct ipstack *s, const uint8_t *a, size_t len)
{
	uint32_t spa, tpa;
	uint16_t op;

	if (len < ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_P_IPV4 || a[4] != ETH_ALEN || a[5] != 4) {
		s->stats.rx_bad++;
		return;
	}
	op = get16(a + 6);
	spa = get32(a + 14);
	tpa = get32(a + 24);
	if (tpa != s->addr || spa == 0 || (a[8] & 1)) {
		s->stats.rx_not_ours++;		/* not for us, an address probe, or a group "hardware" address */
		return;
	}
	if (op == ARP_OP_REQUEST) {
		arp_learn(s, spa, a + 8);
		arp_send(s, ARP_OP_REPLY, a + 8, a + 8, spa);
		s->stats.arp_requests_answered++;
	} else if (op == ARP_OP_REPLY) {
		arp_learn(s, spa, a + 8);
		s->stats.arp_replies_learned++;
	} else {
		s->stats.unhandled++;
	}
}

/* Fills an IPv4 header for a datagram of proto carrying len bytes to dst. */
static void ip_header(struct ipstack *s, uint8_t *ip, uint32_t dst, uint8_t proto, size_t len)
{
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + len));
	put16(ip + 4, s->ip_id++);
	ip[8] = 64;			/* TTL */
	ip[9] = proto;
	put32(ip + 12, s->addr);
	put32(ip + 16, dst);
	put16(ip + 10, ipstack_csum(ip, IP_HLEN));
}

static void icmp_input(struct ipstack *s, const uint8_t *eth_src, uint32_t src, const uint8_t *icmp, size_t len)
{
	uint8_t f[IPSTACK_MAX_FRAME];

	if (len < ICMP_HLEN || ipstack_csum(icmp, len) != 0) {
		s->stats.rx_bad++;
		return;
	}
	if (icmp[0] == ICMP_ECHO_REQUEST && icmp[1] == 0) {
		/* The reply goes back to the frame's sender: the next hop it came through, no ARP needed. */
		eth_header(s, f, eth_src, ETH_P_IPV4);
		ip_header(s, f + ETH_HLEN, src, IP_PROTO_ICMP, len);
		memcpy(f + ETH_HLEN + IP_HLEN, icmp, len);
		f[ETH_HLEN + IP_HLEN] = ICMP_ECHO_REPLY;
		put16(f + ETH_HLEN + IP_HLEN + 2, 0);
		put16(f + ETH_HLEN + IP_HLEN + 2, ipstack_csum(f + ETH_HLEN + IP_HLEN, len));
		s->xmit(s->xmit_arg, f, ETH_HLEN + IP_HLEN + len);
		s->stats.echo_requests_answered++;
	} else if (icmp[0] == ICMP_ECHO_REPLY && icmp[1] == 0) {
		s->stats.echo_replies_received++;
		if (s->on_echo_reply)
			s->on_echo_reply(s->echo_arg, src, get16(icmp + 4), get16(icmp + 6), icmp + ICMP_HLEN,
					 len - ICMP_HLEN);
	} else {
		s->stats.unhandled++;
	}
}

static void udp_input(struct ipstack *s, const uint8_t *eth_src, uint32_t src, const uint8_t *udp, size_t len)
{
	uint8_t f[IPSTACK_MAX_FRAME];
	uint8_t *out = f + ETH_HLEN + IP_HLEN;
	size_t ulen;
	uint16_t sum;

	if (len < UDP_HLEN || (ulen = get16(udp + 4)) < UDP_HLEN || ulen > len ||
	    (get16(udp + 6) && udp_csum(src, s->addr, udp, ulen) != 0)) {
		s->stats.rx_bad++;		/* a zero checksum means none was computed (IPv4 allows it) */
		return;
	}
	if (!s->udp_echo || get16(udp + 2) != IPSTACK_UDP_ECHO_PORT) {
		s->stats.unhandled++;
		return;
	}
	if (s->on_udp_echo)
		s->on_udp_echo(s->echo_arg, src, get16(udp), udp + UDP_HLEN, ulen - UDP_HLEN);
	eth_header(s, f, eth_src, ETH_P_IPV4);
	ip_header(s, f + ETH_HLEN, src, IP_PROTO_UDP, ulen);
	memcpy(out, udp, ulen);
	put16(out, IPSTACK_UDP_ECHO_PORT);
	put16(out + 2, get16(udp));
	put16(out + 6, 0);
	sum = udp_csum(s->addr, src, out, ulen);
	put16(out + 6, sum ? sum : 0xffff);	/* a computed zero is sent as all-ones */
	s->xmit(s->xmit_arg, f, ETH_HLEN + IP_HLEN + ulen);
	s->stats.udp_echoed++;
}

static void ipv4_input(struct ipstack *s, const uint8_t *eth_src, const uint8_t *ip, size_t len)
{
	size_t hlen, total;

	if (len < IP_HLEN || (ip[0] >> 4) != 4) {
		s->stats.rx_bad++;
		return;
	}
	hlen = (size_t)(ip[0] & 15) * 4;
	total = get16(ip + 2);
	/* The header's lengths are the sender's word: they must fit each other and the frame (padding may follow). */
	if (hlen < IP_HLEN || total < hlen || total > len || ipstack_csum(ip, hlen) != 0) {
		s->stats.rx_bad++;
		return;
	}
	if (get32(ip + 16) != s->addr) {
		s->stats.rx_not_ours++;
		return;
	}
	if (get16(ip + 6) & 0x3fff) {
		s->stats.unhandled++;		/* a fragment (MF or an offset): no reassembly here */
		return;
	}
	if (ip[9] == IP_PROTO_ICMP)
		icmp_input(s, eth_src, get32(ip + 12), ip + hlen, total - hlen);
	else if (ip[9] == IP_PROTO_UDP)
		udp_input(s, eth_src, get32(ip + 12), ip + hlen, total - hlen);
	else
		s->stats.unhandled++;
}

void ipstack_input(struct ipstack *s, const uint8_t *frame, size_t len)
{
	s->stats.rx++;
	if (len < ETH_HLEN || len > IPSTACK_MAX_FRAME) {
		s->stats.rx_bad++;
		return;
	}
	if (memcmp(frame, s->mac, ETH_ALEN) && memcmp(frame, broadcast, ETH_ALEN)) {
		s->stats.rx_not_ours++;
		return;
	}
	switch (get16(frame + 12)) {
	case ETH_P_ARP:
		arp_input(s, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_P_IPV4:
		/* Our address is unicast: an IPv4 datagram sent to the broadcast MAC is not for this host. */
		if (memcmp(frame, s->mac, ETH_ALEN))
			s->stats.rx_not_ours++;
		else
			ipv4_input(s, frame + ETH_ALEN, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		s->stats.unhandled++;
		break;
	}
}

int ipstack_ping(struct ipstack *s, uint32_t dst, uint16_t id, uint16_t seq, const uint8_t *data, size_t len)
{
	static const uint8_t zero[ETH_ALEN];
	uint8_t f[ETH_HLEN + IP_HLEN + ICMP_HLEN + IPSTACK_MAX_PING];
	uint8_t *icmp = f + ETH_HLEN + IP_HLEN;
	uint32_t hop = (dst & s->netmask) == (s->addr & s->netmask) ? dst : s->gateway;
	const struct ipstack_arp *e;

	if (len > IPSTACK_MAX_PING || (len && !data) || dst == 0 || dst == s->addr)
		return -1;
	e = ipstack_arp_lookup(s, hop);
	if (!e) {
		arp_send(s, ARP_OP_REQUEST, broadcast, zero, hop);
		s->stats.arp_requests_sent++;
		return 1;
	}
	eth_header(s, f, e->mac, ETH_P_IPV4);
	ip_header(s, f + ETH_HLEN, dst, IP_PROTO_ICMP, ICMP_HLEN + len);
	icmp[0] = ICMP_ECHO_REQUEST;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	if (len)
		memcpy(icmp + ICMP_HLEN, data, len);
	put16(icmp + 2, ipstack_csum(icmp, ICMP_HLEN + len));
	s->xmit(s->xmit_arg, f, ETH_HLEN + IP_HLEN + ICMP_HLEN + len);
	s->stats.echo_requests_sent++;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* TCP superframes over IPv4 and IPv6: checks of a frontend's GSO packet, software segmentation, checksum filling. */
#include <string.h>
#include "net_gso.h"

#define ETH_HLEN	14
#define IP6_HLEN	40
#define IPPROTO_HOPOPTS	0
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IPPROTO_DSTOPTS	60
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * RFC 1071's sum is the same in either byte order up to a final swap:
 * add 32-bit little-endian words into 64 bits (dom0 sums every byte of
 * what it segments, so this runs eight bytes a step), fold, swap.
 */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint16_t folded;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	for (; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	if (i < len)
		acc += p[i];
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
	return sum + (uint32_t)(uint16_t)(folded << 8 | folded >> 8);
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The IPv4 pseudo-header of ip (addresses, protocol, l4len), not folded. */
static uint32_t pseudo_sum4(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	return net_csum_add(0, ip + 12, 8) + proto + l4len;
}

/* IPv6's (RFC 8200 8.1): both addresses, a 32-bit upper-layer length and the next header, not folded. */
static uint32_t pseudo_sum6(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	return net_csum_add(0, ip + 8, 32) + (l4len >> 16) + (l4len & 0xffff) + proto;
}

static uint32_t pseudo_sum(const uint8_t *ip, bool v6, uint32_t l4len)
{
	return v6 ? pseudo_sum6(ip, IPPROTO_TCP, l4len) : pseudo_sum4(ip, IPPROTO_TCP, l4len);
}

/* The checks both families share once the TCP header is found at hdr - doff: fills *g. */
static int gso_check_tcp(uint8_t *f, size_t len, uint32_t gso_size, uint32_t l3len, bool v6, struct net_gso *g)
{
	uint32_t doff = (uint32_t)(f[ETH_HLEN + l3len + 12] >> 4) * 4, hdr = ETH_HLEN + l3len + doff, payload, segs;

	if (doff < 20 || hdr >= len)
		return -1;
	payload = (uint32_t)len - hdr;
	if (gso_size == 0 || gso_size > NET_GSO_MTU_FRAME - hdr)
		return -1;
	segs = (payload + gso_size - 1) / gso_size;
	if (segs > NET_GSO_MAX_SEGS)
		return -1;
	*g = (struct net_gso){ .size = (uint16_t)gso_size, .segs = (uint16_t)segs, .hdr_len = (uint16_t)hdr,
			       .ip_off = ETH_HLEN, .v6 = v6 };
	put16(f + ETH_HLEN + l3len + 16,
	      net_csum_fold(pseudo_sum(f + ETH_HLEN, v6, (uint32_t)len - ETH_HLEN - l3len)));
	return 0;
}

int net_gso_check(uint8_t *f, size_t len, uint32_t gso_size, struct net_gso *g)
{
	const uint8_t *ip = f + ETH_HLEN;
	uint32_t ihl, total;

	if (len < ETH_HLEN + 20 + 20 || len > NET_GSO_MAX_LEN || f[12] != 0x08 || f[13] != 0x00 ||
	    (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
		return -1;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	total = get16(ip + 2);
	/* The whole datagram and nothing after it: a length that disagrees would cut segments out of padding. */
	if (ihl < 20 || total != len - ETH_HLEN || (get16(ip + 6) & 0x3fff))
		return -1;
	if (total < ihl + 20)
		return -1;
	return gso_check_tcp(f, len, gso_size, ihl, false, g);
}

int net_gso_check6(uint8_t *f, size_t len, uint32_t gso_size, struct net_gso *g)
{
	const uint8_t *ip = f + ETH_HLEN;

	if (len < ETH_HLEN + IP6_HLEN + 20 || len > NET_GSO_MAX_LEN || f[12] != 0x86 || f[13] != 0xdd ||
	    (ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP)
		return -1;	/* extension headers (next header not TCP) refused, a jumbogram's 0 length too */
	if (get16(ip + 4) != len - ETH_HLEN - IP6_HLEN)
		return -1;
	return gso_check_tcp(f, len, gso_size, IP6_HLEN, true, g);
}

/* Segment i of the superframe, built in out: its length. */
static size_t segment_build(const uint8_t *f, size_t len, const struct net_gso *g, unsigned int i, uint8_t *out)
{
	uint32_t l3len = g->v6 ? IP6_HLEN : (uint32_t)(f[ETH_HLEN] & 15) * 4, payload = (uint32_t)len - g->hdr_len;
	uint32_t off = i * (uint32_t)g->size, plen = payload - off < g->size ? payload - off : g->size;
	uint8_t *ip = out + ETH_HLEN, *th = ip + l3len;
	uint32_t seq, l4len = g->hdr_len - ETH_HLEN - l3len + plen;

	memcpy(out, f, g->hdr_len);
	memcpy(out + g->hdr_len, f + g->hdr_len + off, plen);
	if (g->v6) {
		put16(ip + 4, (uint16_t)l4len);		/* IPv6 has no id and no header checksum */
	} else {
		put16(ip + 2, (uint16_t)(l3len + l4len));
		put16(ip + 4, (uint16_t)(get16(f + ETH_HLEN + 4) + i));
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~net_csum_fold(net_csum_add(0, ip, l3len)));
	}
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	seq += off;
	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	if (i + 1 < g->segs)
		th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_CWR;
	put16(th + 16, 0);
	put16(th + 16, (uint16_t)~net_csum_fold(net_csum_add(pseudo_sum(ip, g->v6, l4len), th, l4len)));
	return g->hdr_len + plen;
}

unsigned int net_gso_segment(const uint8_t *f, size_t len, const struct net_gso *g, unsigned int first,
			     uint8_t *scratch, net_gso_emit_fn emit, void *arg)
{
	for (unsigned int i = first; i < g->segs; i++)
		if (emit(arg, scratch, segment_build(f, len, g, i, scratch)))
			return i;
	return g->segs;
}

/*
 * Where an IPv6 datagram's TCP or UDP header is: walks hop-by-hop and
 * destination options headers (length in 8-byte units past the first 8)
 * within the payload. The offset from ip, with *proto set; 0 when the
 * chain holds anything else, is too long, or runs out of the datagram.
 */
static uint32_t ip6_l4_offset(const uint8_t *ip, uint32_t end, uint8_t *proto)
{
	uint32_t off = IP6_HLEN;
	uint8_t nh = ip[6];

	for (unsigned int n = 0; nh == IPPROTO_HOPOPTS || nh == IPPROTO_DSTOPTS; n++) {
		/* Hop-by-hop is only ever the first header (RFC 8200 4.3). */
		if (n >= NET_CSUM_MAX_EXT || (nh == IPPROTO_HOPOPTS && n > 0) || off + 8 > end)
			return 0;
		nh = ip[off];
		off += ((uint32_t)ip[off + 1] + 1) * 8;
	}
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
		return 0;	/* routing, fragment, ESP, or no transport we sum */
	*proto = nh;
	return off;
}

int net_csum_fill(uint8_t *f, size_t len)
{
	uint32_t l3len, l4len, sum;
	uint8_t *ip = f + ETH_HLEN, *l4, proto;
	bool v6;
	unsigned int field;

	if (len < ETH_HLEN + 20)
		return -1;
	v6 = f[12] == 0x86 && f[13] == 0xdd;
	if (!v6 && (f[12] != 0x08 || f[13] != 0x00))
		return -1;
	if (v6) {
		uint32_t end;

		if (len < ETH_HLEN + IP6_HLEN || (ip[0] >> 4) != 6)
			return -1;
		end = IP6_HLEN + get16(ip + 4);
		if (ETH_HLEN + end > len || !(l3len = ip6_l4_offset(ip, end, &proto)) || l3len > end)
			return -1;
		l4len = end - l3len;
	} else {
		uint32_t total = get16(ip + 2);

		l3len = (uint32_t)(ip[0] & 15) * 4;
		proto = ip[9];
		if ((ip[0] >> 4) != 4 || l3len < 20 || total < l3len || ETH_HLEN + total > len || (get16(ip + 6) & 0x3fff))
			return -1;	/* a fragment carries no whole segment to sum */
		l4len = total - l3len;
	}
	l4 = ip + l3len;
	if (proto == IPPROTO_TCP && l4len >= 20)
		field = 16;
	else if (proto == IPPROTO_UDP && l4len >= 8)
		field = 6;
	else
		return -1;
	put16(l4 + field, 0);
	sum = v6 ? pseudo_sum6(ip, proto, l4len) : pseudo_sum4(ip, proto, l4len);
	sum = (uint16_t)~net_csum_fold(net_csum_add(sum, l4, l4len));
	if (proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;		/* UDP sends a computed zero as all-ones (and IPv6 requires a checksum) */
	put16(l4 + field, (uint16_t)sum);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* TCP/IPv4 superframes: the checks a frontend's GSO packet must pass, and software segmentation for ports without GSO. */
#include <string.h>
#include "net_gso.h"

#define ETH_HLEN	14
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

/* The TCP pseudo-header of ip (addresses, protocol, l4len), not folded. */
static uint32_t pseudo_sum(const uint8_t *ip, uint32_t l4len)
{
	return net_csum_add(0, ip + 12, 8) + 6 + l4len;
}

int net_gso_check(uint8_t *f, size_t len, uint32_t gso_size, struct net_gso *g)
{
	const uint8_t *ip = f + ETH_HLEN;
	uint32_t ihl, total, doff, hdr, payload, segs;

	if (len < ETH_HLEN + 20 + 20 || len > NET_GSO_MAX_LEN || f[12] != 0x08 || f[13] != 0x00 ||
	    (ip[0] >> 4) != 4 || ip[9] != 6)
		return -1;
	ihl = (uint32_t)(ip[0] & 15) * 4;
	total = get16(ip + 2);
	/* The whole datagram and nothing after it: a length that disagrees would cut segments out of padding. */
	if (ihl < 20 || total != len - ETH_HLEN || (get16(ip + 6) & 0x3fff))
		return -1;
	if (total < ihl + 20)
		return -1;
	doff = (uint32_t)(ip[ihl + 12] >> 4) * 4;
	hdr = ETH_HLEN + ihl + doff;
	if (doff < 20 || hdr >= len)
		return -1;
	payload = (uint32_t)len - hdr;
	if (gso_size == 0 || gso_size > NET_GSO_MTU_FRAME - hdr)
		return -1;
	segs = (payload + gso_size - 1) / gso_size;
	if (segs > NET_GSO_MAX_SEGS)
		return -1;
	*g = (struct net_gso){ .size = (uint16_t)gso_size, .segs = (uint16_t)segs, .hdr_len = (uint16_t)hdr,
			       .ip_off = ETH_HLEN };
	put16(f + ETH_HLEN + ihl + 16, net_csum_fold(pseudo_sum(ip, total - ihl)));
	return 0;
}

/* Segment i of the superframe, built in out: its length. */
static size_t segment_build(const uint8_t *f, size_t len, const struct net_gso *g, unsigned int i, uint8_t *out)
{
	uint32_t ihl = (uint32_t)(f[ETH_HLEN] & 15) * 4, payload = (uint32_t)len - g->hdr_len;
	uint32_t off = i * (uint32_t)g->size, plen = payload - off < g->size ? payload - off : g->size;
	uint8_t *ip = out + ETH_HLEN, *th = ip + ihl;
	uint32_t seq, l4len = g->hdr_len - ETH_HLEN - ihl + plen;

	memcpy(out, f, g->hdr_len);
	memcpy(out + g->hdr_len, f + g->hdr_len + off, plen);
	put16(ip + 2, (uint16_t)(ihl + l4len));
	put16(ip + 4, (uint16_t)(get16(f + ETH_HLEN + 4) + i));
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~net_csum_fold(net_csum_add(0, ip, ihl)));
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
	put16(th + 16, (uint16_t)~net_csum_fold(net_csum_add(pseudo_sum(ip, l4len), th, l4len)));
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

/* SPDX-License-Identifier: MIT */
/* Host tests of software TCP segmentation over IPv4 and IPv6 (backends/switch/net_gso.c), checksums by hand. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "net_gso.h"

static uint8_t frame[NET_GSO_MAX_LEN];
static uint8_t scratch[NET_GSO_MTU_FRAME];
static uint8_t segs[NET_GSO_MAX_SEGS][NET_GSO_MTU_FRAME];
static size_t seg_len[NET_GSO_MAX_SEGS];
static unsigned int nsegs, refuse_at;

/* A TCP/IPv4 superframe: payload bytes after 20-byte IPv4 and 20 + opt-byte TCP headers. Returns its length. */
static size_t superframe(uint32_t payload, unsigned int opt, uint8_t tcp_flags)
{
	uint8_t *ip = frame + 14, *th = ip + 20;
	size_t len = 14 + 20 + 20 + opt + payload;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[4] = 0x12, ip[5] = 0x34;		/* id */
	ip[6] = 0x40;				/* DF */
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[13] = 0, ip[14] = 2, ip[15] = 21;
	ip[16] = 10, ip[17] = 0, ip[18] = 2, ip[19] = 22;
	th[0] = 0x9c, th[1] = 0x40, th[2] = 0x13, th[3] = 0x8b;
	th[4] = 0xff, th[5] = 0xff, th[6] = 0xf0, th[7] = 0x00;	/* the sequence number wraps inside the frame */
	th[8] = 0, th[9] = 0, th[10] = 0x10, th[11] = 0x01;
	th[12] = (uint8_t)((20 + opt) / 4) << 4;
	th[13] = tcp_flags;
	th[14] = 0x01, th[15] = 0xf5;
	for (unsigned int i = 0; i < opt; i++)
		th[20 + i] = 1;			/* NOPs */
	for (uint32_t i = 0; i < payload; i++)
		frame[14 + 40 + opt + i] = (uint8_t)(i * 31 + i / 256);
	return len;
}

static int emit(void *arg, const uint8_t *f, size_t len)
{
	(void)arg;
	if (nsegs == refuse_at)
		return -1;
	ck_assert_uint_le(len, NET_GSO_MTU_FRAME);
	memcpy(segs[nsegs], f, len);
	seg_len[nsegs++] = len;
	return 0;
}

/* Ones'-complement sum the slow way, independent of the code under test. */
static uint32_t slow_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_segment)
{
	const unsigned int opt = 12;
	size_t len = superframe(5000, opt, 0x18 | 0x01 | 0x80);	/* PSH ACK FIN CWR */
	size_t hdr = 14 + 20 + 20 + opt;
	uint8_t orig[NET_GSO_MAX_LEN];
	struct net_gso g;
	uint32_t off = 0;

	memcpy(orig, frame, len);
	ck_assert_int_eq(net_gso_check(frame, len, 1448, &g), 0);
	ck_assert_uint_eq(g.segs, 4);
	ck_assert_uint_eq(g.hdr_len, hdr);
	/* The partial checksum: the pseudo-header over the whole TCP length. */
	ck_assert_uint_eq((uint16_t)(frame[14 + 20 + 16] << 8 | frame[14 + 20 + 17]),
			  fold(slow_sum(frame + 14 + 12, 8) + 6 + (uint32_t)(len - 14 - 20)));
	nsegs = 0;
	refuse_at = ~0u;
	ck_assert_uint_eq(net_gso_segment(frame, len, &g, 0, scratch, emit, NULL), 4);
	ck_assert_uint_eq(nsegs, 4);
	for (unsigned int i = 0; i < 4; i++) {
		const uint8_t *s = segs[i], *ip = s + 14, *th = ip + 20;
		uint32_t plen = i < 3 ? 1448 : 5000 - 3 * 1448, l4len = 20 + opt + plen;

		ck_assert_uint_eq(seg_len[i], hdr + plen);
		ck_assert_mem_eq(s, orig, 14);
		ck_assert_uint_eq((uint32_t)(ip[2] << 8 | ip[3]), 20 + l4len);
		ck_assert_uint_eq((uint32_t)(ip[4] << 8 | ip[5]), 0x1234 + i);
		ck_assert_uint_eq(fold(slow_sum(ip, 20)), 0xffff);	/* the IPv4 header checksum holds */
		ck_assert_uint_eq(be32(th + 4), 0xfffff000u + off);	/* wraps past 2^32 */
		ck_assert_uint_eq(th[13] & 0x01, i == 3 ? 0x01 : 0);	/* FIN on the last */
		ck_assert_uint_eq(th[13] & 0x08, i == 3 ? 0x08 : 0);	/* PSH on the last */
		ck_assert_uint_eq(th[13] & 0x80, i == 0 ? 0x80 : 0);	/* CWR on the first */
		ck_assert_uint_eq(th[13] & 0x10, 0x10);			/* ACK on all */
		ck_assert_mem_eq(th + 20, orig + 14 + 40, opt);	/* options on every segment */
		ck_assert_mem_eq(s + hdr, orig + hdr + off, plen);
		/* The TCP checksum over pseudo-header, header and data verifies. */
		ck_assert_uint_eq(fold(slow_sum(ip + 12, 8) + 6 + l4len + slow_sum(th, l4len)), 0xffff);
		off += plen;
	}
}
END_TEST

/* A port that takes only some segments: segmenting resumes where it stopped, the result the same. */
START_TEST(test_resume)
{
	size_t len = superframe(20000, 0, 0x10);
	struct net_gso g;
	uint8_t first[NET_GSO_MTU_FRAME * 2];
	size_t first_len[2];

	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), 0);
	ck_assert_uint_eq(g.segs, 14);
	nsegs = 0;
	refuse_at = ~0u;
	net_gso_segment(frame, len, &g, 0, scratch, emit, NULL);
	memcpy(first, segs[5], seg_len[5]);
	memcpy(first + NET_GSO_MTU_FRAME, segs[13], seg_len[13]);
	first_len[0] = seg_len[5];
	first_len[1] = seg_len[13];
	nsegs = 0;
	refuse_at = 5;
	ck_assert_uint_eq(net_gso_segment(frame, len, &g, 0, scratch, emit, NULL), 5);
	refuse_at = ~0u;
	nsegs = 5;
	ck_assert_uint_eq(net_gso_segment(frame, len, &g, 5, scratch, emit, NULL), 14);
	ck_assert_uint_eq(nsegs, 14);
	ck_assert_uint_eq(seg_len[5], first_len[0]);
	ck_assert_mem_eq(segs[5], first, first_len[0]);
	ck_assert_mem_eq(segs[13], first + NET_GSO_MTU_FRAME, first_len[1]);
}
END_TEST

/* What a hostile frontend can claim: each refused. */
START_TEST(test_check_refuses)
{
	struct net_gso g;
	size_t len;

	len = superframe(10000, 0, 0x10);
	ck_assert_int_eq(net_gso_check(frame, len, 0, &g), -1);			/* gso_size 0 */
	ck_assert_int_eq(net_gso_check(frame, len, 1461, &g), -1);		/* a segment over 1514 bytes */
	ck_assert_int_eq(net_gso_check(frame, len, 65535, &g), -1);
	ck_assert_int_eq(net_gso_check(frame, len, 70, &g), -1);		/* 143 segments */
	ck_assert_int_eq(net_gso_check(frame, len, 79, &g), 0);			/* 127 */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), 0);
	ck_assert_int_eq(net_gso_check(frame, len - 1, 1460, &g), -1);		/* IPv4 length past the frame */
	ck_assert_int_eq(net_gso_check(frame, len + 1, 1460, &g), -1);		/* bytes after the datagram */
	ck_assert_int_eq(net_gso_check(frame, 70000, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[14 + 6] = 0x20;							/* more fragments */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[14 + 9] = 17;							/* UDP */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[13] = 0xdd;							/* not IPv4 */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[14] = 0x44;							/* IHL 4 */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[14 + 20 + 12] = 0x40;						/* TCP data offset 4 */
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);
	len = superframe(10000, 0, 0x10);
	frame[14 + 20 + 12] = 0xf0;						/* 60-byte TCP header: fine */
	ck_assert_int_eq(net_gso_check(frame, len, 1400, &g), 0);
	ck_assert_int_eq(net_gso_check(frame, len, 1441, &g), -1);		/* 14 + 20 + 60 + 1441 > 1514 */
	len = superframe(0, 0, 0x10);
	ck_assert_int_eq(net_gso_check(frame, len, 1460, &g), -1);		/* no payload */
	ck_assert_int_eq(net_gso_check(frame, 40, 1460, &g), -1);		/* shorter than the headers */
}
END_TEST

/* A TCP/IPv6 superframe: payload bytes after the 40-byte IPv6 and a 20 + opt-byte TCP header. Returns its length. */
static size_t superframe6(uint32_t payload, unsigned int opt, uint8_t tcp_flags)
{
	uint8_t *ip = frame + 14, *th = ip + 40;
	size_t len = 14 + 40 + 20 + opt + payload;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01\x86\xdd", 14);
	ip[0] = 0x60, ip[1] = 0x0a, ip[2] = 0xbc, ip[3] = 0xde;	/* version 6, a traffic class and flow label */
	ip[4] = (uint8_t)((len - 54) >> 8);
	ip[5] = (uint8_t)(len - 54);
	ip[6] = 6;
	ip[7] = 64;
	for (unsigned int i = 0; i < 16; i++) {
		ip[8 + i] = (uint8_t)(0xfd + i * 17);		/* fdxx:: addresses, every byte different */
		ip[24 + i] = (uint8_t)(0xfd + i * 29 + 3);
	}
	ip[8] = ip[24] = 0xfd;
	th[0] = 0xc0, th[1] = 0x01, th[2] = 0x1b, th[3] = 0x58;
	th[4] = 0xff, th[5] = 0xff, th[6] = 0xfa, th[7] = 0x00;	/* the sequence number wraps inside the frame */
	th[8] = 0x42, th[9] = 0, th[10] = 0x10, th[11] = 0x01;
	th[12] = (uint8_t)((20 + opt) / 4) << 4;
	th[13] = tcp_flags;
	th[14] = 0x02, th[15] = 0x00;
	for (unsigned int i = 0; i < opt; i++)
		th[20 + i] = 1;
	for (uint32_t i = 0; i < payload; i++)
		frame[14 + 60 + opt + i] = (uint8_t)(i * 13 + i / 300 + 5);
	return len;
}

/* RFC 8200's pseudo-header sum by hand: both addresses, the 32-bit length, the next header. */
static uint32_t pseudo6(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	return slow_sum(ip + 8, 32) + (l4len >> 16) + (l4len & 0xffff) + proto;
}

START_TEST(test_segment6)
{
	const unsigned int opt = 12;
	size_t len = superframe6(7000, opt, 0x18 | 0x01 | 0x80);	/* PSH ACK FIN CWR */
	size_t hdr = 14 + 40 + 20 + opt;
	uint8_t orig[NET_GSO_MAX_LEN];
	struct net_gso g;
	uint32_t off = 0;

	memcpy(orig, frame, len);
	ck_assert_int_eq(net_gso_check(frame, len, 1428, &g), -1);		/* not IPv4 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1428, &g), 0);
	ck_assert(g.v6);
	ck_assert_uint_eq(g.segs, 5);
	ck_assert_uint_eq(g.hdr_len, hdr);
	ck_assert_uint_eq((uint16_t)(frame[14 + 40 + 16] << 8 | frame[14 + 40 + 17]),
			  fold(pseudo6(frame + 14, 6, (uint32_t)(len - 54))));
	nsegs = 0;
	refuse_at = ~0u;
	ck_assert_uint_eq(net_gso_segment(frame, len, &g, 0, scratch, emit, NULL), 5);
	ck_assert_uint_eq(nsegs, 5);
	for (unsigned int i = 0; i < 5; i++) {
		const uint8_t *s = segs[i], *ip = s + 14, *th = ip + 40;
		uint32_t plen = i < 4 ? 1428 : 7000 - 4 * 1428, l4len = 20 + opt + plen;

		ck_assert_uint_eq(seg_len[i], hdr + plen);
		ck_assert_uint_le(seg_len[i], 1514);
		ck_assert_mem_eq(s, orig, 14);
		ck_assert_mem_eq(ip, orig + 14, 4);				/* version, class, flow label */
		ck_assert_uint_eq((uint32_t)(ip[4] << 8 | ip[5]), l4len);	/* payload length */
		ck_assert_mem_eq(ip + 6, orig + 14 + 6, 34);			/* next header, hops, addresses */
		ck_assert_uint_eq(be32(th + 4), 0xfffffa00u + off);
		ck_assert_uint_eq(th[13] & 0x01, i == 4 ? 0x01 : 0);
		ck_assert_uint_eq(th[13] & 0x08, i == 4 ? 0x08 : 0);
		ck_assert_uint_eq(th[13] & 0x80, i == 0 ? 0x80 : 0);
		ck_assert_uint_eq(th[13] & 0x10, 0x10);
		ck_assert_mem_eq(th + 20, orig + 14 + 60, opt);
		ck_assert_mem_eq(s + hdr, orig + hdr + off, plen);
		ck_assert_uint_eq(fold(pseudo6(ip, 6, l4len) + slow_sum(th, l4len)), 0xffff);
		off += plen;
	}
}
END_TEST

/* What a hostile frontend can claim in a TCPv6 superframe: each refused. */
START_TEST(test_check6_refuses)
{
	struct net_gso g;
	size_t len;

	len = superframe6(10000, 0, 0x10);
	ck_assert_int_eq(net_gso_check6(frame, len, 0, &g), -1);		/* gso_size 0 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1441, &g), -1);		/* 14 + 40 + 20 + 1441 > 1514 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), 0);
	ck_assert_int_eq(net_gso_check6(frame, len, 65535, &g), -1);
	ck_assert_int_eq(net_gso_check6(frame, len, 78, &g), -1);		/* 129 segments */
	ck_assert_int_eq(net_gso_check6(frame, len, 79, &g), 0);		/* 127 */
	ck_assert_int_eq(net_gso_check6(frame, len - 1, 1440, &g), -1);	/* payload length past the frame */
	ck_assert_int_eq(net_gso_check6(frame, len + 1, 1440, &g), -1);	/* bytes after the datagram */
	ck_assert_int_eq(net_gso_check6(frame, 70000, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[14 + 4] = frame[14 + 5] = 0;					/* a jumbogram's zero length */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[14 + 6] = 0;							/* a hop-by-hop header first */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	frame[14 + 6] = 60;							/* destination options */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	frame[14 + 6] = 44;							/* a fragment */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	frame[14 + 6] = 17;							/* UDP */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[14] = 0x40;							/* version 4 behind type IPv6 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[12] = 0x08, frame[13] = 0x00;					/* type IPv4 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[14 + 40 + 12] = 0x40;						/* TCP data offset 4 */
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
	len = superframe6(10000, 0, 0x10);
	frame[14 + 40 + 12] = 0xf0;						/* 60-byte TCP header: fine */
	ck_assert_int_eq(net_gso_check6(frame, len, 1400, &g), 0);
	ck_assert_int_eq(net_gso_check6(frame, len, 1401, &g), -1);		/* 14 + 40 + 60 + 1401 > 1514 */
	len = superframe6(0, 0, 0x10);
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);		/* no payload */
	ck_assert_int_eq(net_gso_check6(frame, 60, 1440, &g), -1);		/* shorter than the headers */
	/* An IPv4 superframe is not taken as IPv6 either. */
	len = superframe(10000, 0, 0x10);
	ck_assert_int_eq(net_gso_check6(frame, len, 1440, &g), -1);
}
END_TEST

/*
 * An IPv6 datagram of l4len transport bytes (proto) after ext extension
 * header bytes: the chain given as (type, length in 8-byte units past the
 * first 8) pairs. Returns the frame's length; the transport header at *l4.
 */
static size_t dgram6(uint8_t proto, uint32_t l4len, const uint8_t *chain, unsigned int nchain, uint8_t **l4)
{
	uint8_t *ip = frame + 14, *p = ip + 40;
	uint32_t ext = 0;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01\x86\xdd", 14);
	ip[0] = 0x60;
	ip[6] = nchain ? chain[0] : proto;
	ip[7] = 64;
	for (unsigned int i = 0; i < 32; i++)
		ip[8 + i] = (uint8_t)(i * 37 + 11);
	for (unsigned int i = 0; i < nchain; i++) {
		p[0] = i + 1 < nchain ? chain[2 * (i + 1)] : proto;
		p[1] = chain[2 * i + 1];
		memset(p + 2, 1, (size_t)(p[1] + 1) * 8 - 2);			/* PadN-ish filler: any bytes */
		ext += (uint32_t)(p[1] + 1) * 8;
		p += (p[1] + 1) * 8;
	}
	for (uint32_t i = 0; i < l4len; i++)
		p[i] = (uint8_t)(i * 5 + 3);
	ip[4] = (uint8_t)((ext + l4len) >> 8);
	ip[5] = (uint8_t)(ext + l4len);
	*l4 = p;
	return 14 + 40 + ext + l4len;
}

/* Blank checksums filled over IPv6 (and IPv4 still): each verified against the hand-made sum. */
START_TEST(test_csum_fill)
{
	static const uint8_t hbh_dst[] = { 0, 0, 60, 2 }, dst[] = { 60, 1 }, routing[] = { 43, 2 },
			     fragment[] = { 44, 0 }, hbh_late[] = { 60, 0, 0, 0 },
			     five[] = { 60, 0, 60, 0, 60, 0, 60, 0, 60, 0 };
	uint8_t *l4;
	size_t len;

	len = dgram6(6, 1001, NULL, 0, &l4);			/* TCP, an odd length */
	ck_assert_int_eq(net_csum_fill(frame, len), 0);
	ck_assert_uint_eq(fold(pseudo6(frame + 14, 6, 1001) + slow_sum(l4, 1001)), 0xffff);
	len = dgram6(17, 333, NULL, 0, &l4);			/* UDP */
	ck_assert_int_eq(net_csum_fill(frame, len + 20), 0);	/* Ethernet padding after it is fine */
	ck_assert_uint_eq(fold(pseudo6(frame + 14, 17, 333) + slow_sum(l4, 333)), 0xffff);
	ck_assert_uint_ne(l4[6] << 8 | l4[7], 0);
	len = dgram6(6, 500, hbh_dst, 2, &l4);			/* hop-by-hop, then destination options */
	ck_assert_int_eq(net_csum_fill(frame, len), 0);
	ck_assert_uint_eq(l4 - frame, 14 + 40 + 8 + 24);
	ck_assert_uint_eq(fold(pseudo6(frame + 14, 6, 500) + slow_sum(l4, 500)), 0xffff);
	len = dgram6(17, 64, dst, 1, &l4);
	ck_assert_int_eq(net_csum_fill(frame, len), 0);
	ck_assert_uint_eq(fold(pseudo6(frame + 14, 17, 64) + slow_sum(l4, 64)), 0xffff);
	/* Refused, the frame left as it was. */
	len = dgram6(6, 500, routing, 1, &l4);			/* the pseudo-header would need the final destination */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(17, 500, fragment, 1, &l4);
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(6, 500, hbh_late, 2, &l4);			/* hop-by-hop not first */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(6, 500, five, 5, &l4);			/* a longer chain than NET_CSUM_MAX_EXT */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(58, 64, NULL, 0, &l4);			/* ICMPv6: no offload for it */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(6, 19, NULL, 0, &l4);			/* shorter than a TCP header */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(17, 100, NULL, 0, &l4);
	ck_assert_int_eq(net_csum_fill(frame, len - 1), -1);	/* payload length past the frame */
	len = dgram6(6, 100, dst, 1, &l4);
	frame[14 + 40 + 1] = 200;				/* an options header running past the datagram */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	len = dgram6(6, 100, NULL, 0, &l4);
	frame[14] = 0x40;					/* version 4 behind type IPv6 */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
	ck_assert_int_eq(net_csum_fill(frame, 14 + 30), -1);
	/* IPv4 TCP through the same code. */
	len = superframe(3000, 0, 0x18);
	ck_assert_int_eq(net_csum_fill(frame, len), 0);
	ck_assert_uint_eq(fold(slow_sum(frame + 14 + 12, 8) + 6 + 3020 + slow_sum(frame + 34, 3020)), 0xffff);
	frame[14 + 6] = 0x20;					/* more fragments */
	ck_assert_int_eq(net_csum_fill(frame, len), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_gso");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_segment);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_check_refuses);
	tcase_add_test(tc, test_segment6);
	tcase_add_test(tc, test_check6_refuses);
	tcase_add_test(tc, test_csum_fill);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

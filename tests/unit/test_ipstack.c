/* SPDX-License-Identifier: MIT */
/* Host tests of dom0's minimal IPv4 host (backends/net/ipstack.c): ARP, ICMP echo both ways, and malformed frames. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "ipstack.h"

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR_IP	IPSTACK_ADDR(10, 0, 2, 15)
#define GW_IP	IPSTACK_ADDR(10, 0, 2, 2)

static struct ipstack s;
static uint8_t sent[8][1600];
static size_t sent_len[8];
static unsigned int nsent;

static void xmit(void *arg, const uint8_t *frame, size_t len)
{
	ck_assert_ptr_eq(arg, &s);
	ck_assert_uint_lt(nsent, 8);
	ck_assert_uint_le(len, sizeof(sent[0]));
	memcpy(sent[nsent], frame, len);
	sent_len[nsent++] = len;
}

static uint32_t echo_from;
static uint16_t echo_id, echo_seq;
static size_t echo_len;

static void on_echo(void *arg, uint32_t from, uint16_t id, uint16_t seq, const uint8_t *data, size_t len)
{
	(void)data;
	ck_assert_ptr_eq(arg, &s);
	echo_from = from;
	echo_id = id;
	echo_seq = seq;
	echo_len = len;
}

static void setup(void)
{
	ipstack_init(&s, our_mac, OUR_IP, 0xffffff00u, GW_IP, xmit, &s);
	s.on_echo_reply = on_echo;
	s.echo_arg = &s;
	nsent = 0;
	echo_len = (size_t)-1;
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

static size_t make_arp(uint8_t *f, const uint8_t *dst, uint16_t op, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, sha, 6);
	put16(f + 12, ETH_P_ARP);
	put16(f + 14, 1);
	put16(f + 16, ETH_P_IPV4);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, op);
	memcpy(f + 22, sha, 6);
	put32(f + 28, spa);
	put32(f + 38, tpa);
	return 60;		/* padded to Ethernet's minimum, as a real NIC delivers it */
}

/* An ICMP message of type with datalen bytes from src to dst, checksums right. */
static size_t make_icmp(uint8_t *f, uint32_t src, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq,
			size_t datalen)
{
	uint8_t *ip = f + 14, *icmp = f + 34;

	memset(f, 0, 34 + 8 + datalen);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, gw_mac, 6);
	put16(f + 12, ETH_P_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + datalen));
	ip[8] = 64;
	ip[9] = 1;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, ipstack_csum(ip, 20));
	icmp[0] = type;
	put16(icmp + 4, id);
	put16(icmp + 6, seq);
	for (size_t i = 0; i < datalen; i++)
		icmp[8 + i] = (uint8_t)(i * 7);
	put16(icmp + 2, ipstack_csum(icmp, 8 + datalen));
	return 34 + 8 + datalen;
}

START_TEST(test_csum)
{
	/* RFC 1071's example bytes: 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2, so the checksum is 0x220d. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(ipstack_csum(b, sizeof(b)), 0x220d);
	ck_assert_uint_eq(ipstack_csum(b, 0), 0xffff);
}
END_TEST

START_TEST(test_arp_request_answered)
{
	uint8_t f[64];

	setup();
	ipstack_input(&s, f, make_arp(f, bcast, 1, gw_mac, GW_IP, OUR_IP));
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], 42);
	ck_assert_mem_eq(sent[0], gw_mac, 6);			/* to the asker */
	ck_assert_mem_eq(sent[0] + 6, our_mac, 6);
	ck_assert_uint_eq(sent[0][21], 2);			/* a reply */
	ck_assert_mem_eq(sent[0] + 22, our_mac, 6);		/* our MAC for our IP */
	ck_assert_uint_eq(sent[0][28], 10);
	ck_assert_uint_eq(sent[0][31], 15);
	ck_assert_mem_eq(sent[0] + 32, gw_mac, 6);
	ck_assert_ptr_nonnull(ipstack_arp_lookup(&s, GW_IP));	/* and the asker is learned */
	ck_assert_uint_eq(s.stats.arp_requests_answered, 1);
}
END_TEST

START_TEST(test_arp_not_ours)
{
	uint8_t f[64];
	const uint8_t group[6] = { 0x01, 0, 0x5e, 0, 0, 1 };

	setup();
	ipstack_input(&s, f, make_arp(f, bcast, 1, gw_mac, GW_IP, IPSTACK_ADDR(10, 0, 2, 16)));
	ipstack_input(&s, f, make_arp(f, bcast, 1, gw_mac, 0, OUR_IP));		/* a probe */
	ipstack_input(&s, f, make_arp(f, bcast, 1, group, GW_IP, OUR_IP));	/* group sender */
	ipstack_input(&s, f, make_arp(f, bcast, 1, gw_mac, GW_IP, OUR_IP) - 32);	/* truncated */
	make_arp(f, bcast, 1, gw_mac, GW_IP, OUR_IP);
	f[18] = 8;								/* odd hardware length */
	ipstack_input(&s, f, 60);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_ptr_null(ipstack_arp_lookup(&s, GW_IP));
	ck_assert_uint_eq(s.stats.rx_bad, 2);
	ck_assert_uint_eq(s.stats.rx_not_ours, 3);
}
END_TEST

/* Ping the gateway: ARP first, then the echo request; the reply reaches the callback. */
START_TEST(test_ping_gateway)
{
	uint8_t f[1600], data[56];
	const uint8_t *ip, *icmp;

	setup();
	memset(data, 0xa5, sizeof(data));
	ck_assert_int_eq(ipstack_ping(&s, GW_IP, 0x51f, 1, data, sizeof(data)), 1);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_mem_eq(sent[0], bcast, 6);
	ck_assert_uint_eq(sent[0][21], 1);				/* an ARP request */
	ck_assert_uint_eq(sent[0][41], 2);				/* for 10.0.2.2 */
	ipstack_input(&s, f, make_arp(f, our_mac, 2, gw_mac, GW_IP, OUR_IP));
	ck_assert_uint_eq(s.stats.arp_replies_learned, 1);
	ck_assert_int_eq(ipstack_ping(&s, GW_IP, 0x51f, 1, data, sizeof(data)), 0);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent_len[1], 14 + 20 + 8 + 56);
	ck_assert_mem_eq(sent[1], gw_mac, 6);
	ip = sent[1] + 14;
	icmp = ip + 20;
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(ipstack_csum(ip, 20), 0);			/* a header that checks */
	ck_assert_uint_eq(ipstack_csum(icmp, 8 + 56), 0);
	ck_assert_uint_eq(icmp[0], 8);
	ck_assert_mem_eq(icmp + 8, data, 56);
	/* An address off the subnet goes through the gateway's MAC too. */
	ck_assert_int_eq(ipstack_ping(&s, IPSTACK_ADDR(192, 0, 2, 1), 1, 1, NULL, 0), 0);
	ck_assert_mem_eq(sent[2], gw_mac, 6);
	ipstack_input(&s, f, make_icmp(f, GW_IP, OUR_IP, 0, 0x51f, 1, 56));
	ck_assert_uint_eq(echo_from, GW_IP);
	ck_assert_uint_eq(echo_id, 0x51f);
	ck_assert_uint_eq(echo_seq, 1);
	ck_assert_uint_eq(echo_len, 56);
	ck_assert_int_eq(ipstack_ping(&s, OUR_IP, 1, 1, NULL, 0), -1);
	ck_assert_int_eq(ipstack_ping(&s, GW_IP, 1, 1, data, IPSTACK_MAX_PING + 1), -1);
}
END_TEST

START_TEST(test_echo_request_answered)
{
	uint8_t f[1600];
	size_t len;

	setup();
	len = make_icmp(f, GW_IP, OUR_IP, 8, 77, 9, 1472);		/* the largest that fits 1500 */
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], len);
	ck_assert_mem_eq(sent[0], gw_mac, 6);				/* back to the sender's MAC */
	ck_assert_uint_eq(ipstack_csum(sent[0] + 14, 20), 0);
	ck_assert_uint_eq(sent[0][14 + 12], 10);
	ck_assert_uint_eq(sent[0][14 + 15], 15);			/* from us */
	ck_assert_uint_eq(sent[0][14 + 19], 2);				/* to the asker */
	ck_assert_uint_eq(sent[0][34], 0);				/* an echo reply */
	ck_assert_uint_eq(ipstack_csum(sent[0] + 34, len - 34), 0);
	ck_assert_mem_eq(sent[0] + 34 + 4, f + 34 + 4, len - 38);	/* id, seq and data echoed */
	ck_assert_uint_eq(s.stats.echo_requests_answered, 1);
}
END_TEST

/* Frames a hostile or broken sender makes: none is answered, none is read past its end (ASan/valgrind would say). */
START_TEST(test_malformed_ipv4)
{
	uint8_t f[1600];
	size_t len;

	setup();
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	f[14 + 10] ^= 1;						/* IP checksum */
	ipstack_input(&s, f, len);
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	f[34 + 9] ^= 1;							/* ICMP checksum */
	ipstack_input(&s, f, len);
	/* A valid datagram whose frame is cut short: were the bytes past the frame read, it would be answered. */
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	ipstack_input(&s, f, len - 10);
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	f[14] = 0x4f;							/* header length 60 past the datagram's 60 */
	put16(f + 16, 40);
	ipstack_input(&s, f, 54);
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	f[14] = 0x44;							/* header length 16 */
	ipstack_input(&s, f, len);
	ipstack_input(&s, f, 13);					/* shorter than Ethernet's header */
	ipstack_input(&s, f, 20);					/* shorter than IP's */
	ipstack_input(&s, f, 2000);					/* longer than any frame */
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(s.stats.rx_bad, 8);
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	put16(f + 14 + 6, 0x2000);					/* a first fragment */
	f[24] = f[25] = 0;
	put16(f + 24, ipstack_csum(f + 14, 20));
	ipstack_input(&s, f, len);
	len = make_icmp(f, GW_IP, IPSTACK_ADDR(10, 0, 2, 16), 8, 1, 1, 32);	/* someone else's */
	ipstack_input(&s, f, len);
	len = make_icmp(f, GW_IP, OUR_IP, 8, 1, 1, 32);
	memcpy(f, bcast, 6);						/* unicast IP in a broadcast frame */
	ipstack_input(&s, f, len);
	f[0] = 0x02;							/* another host's MAC */
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(s.stats.unhandled, 1);
	ck_assert_uint_eq(s.stats.rx_not_ours, 3);
}
END_TEST

/* Padding after the datagram (Ethernet's 60-byte minimum) is not part of it. */
START_TEST(test_padding_ignored)
{
	uint8_t f[1600];
	size_t len;

	setup();
	len = make_icmp(f, GW_IP, OUR_IP, 8, 3, 4, 0);			/* 42 bytes */
	memset(f + len, 0x77, 18);
	ipstack_input(&s, f, 60);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], 42);
}
END_TEST

/* A flood of ARP traffic for other addresses cannot evict the gateway; new neighbours replace round-robin. */
START_TEST(test_arp_table_bounded)
{
	uint8_t f[64], mac[6] = { 0x02, 0, 0, 0, 0, 0 };

	setup();
	ipstack_input(&s, f, make_arp(f, our_mac, 2, gw_mac, GW_IP, OUR_IP));
	for (uint32_t i = 0; i < 1000; i++) {
		mac[5] = (uint8_t)i;
		ipstack_input(&s, f, make_arp(f, bcast, 1, mac, IPSTACK_ADDR(10, 0, 3, i & 0xff), IPSTACK_ADDR(10, 0, 2, 99)));
	}
	ck_assert_ptr_nonnull(ipstack_arp_lookup(&s, GW_IP));
	for (uint32_t i = 0; i < IPSTACK_ARP_ENTRIES; i++) {
		mac[5] = (uint8_t)i;
		ipstack_input(&s, f, make_arp(f, bcast, 1, mac, IPSTACK_ADDR(10, 0, 2, 100 + i), OUR_IP));
	}
	ck_assert_ptr_null(ipstack_arp_lookup(&s, GW_IP));		/* replaced by neighbours that asked for us */
	ck_assert_ptr_nonnull(ipstack_arp_lookup(&s, IPSTACK_ADDR(10, 0, 2, 100)));
}
END_TEST

/* A UDP datagram from 10.0.2.2:sport to us:dport with datalen bytes; its checksum right unless zero_csum. */
static size_t make_udp(uint8_t *f, uint16_t sport, uint16_t dport, size_t datalen, bool zero_csum)
{
	uint8_t *ip = f + 14, *udp = f + 34, ph[12];
	uint32_t sum = 0;
	size_t ulen = 8 + datalen;

	memset(f, 0, 34 + ulen);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, gw_mac, 6);
	put16(f + 12, ETH_P_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + ulen));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, GW_IP);
	put32(ip + 16, OUR_IP);
	put16(ip + 10, ipstack_csum(ip, 20));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)ulen);
	for (size_t i = 0; i < datalen; i++)
		udp[8 + i] = (uint8_t)(i * 3 + 1);
	if (!zero_csum) {
		/* The pseudo-header's sum, then the datagram's, by hand (independent of the code under test). */
		put32(ph, GW_IP);
		put32(ph + 4, OUR_IP);
		ph[8] = 0;
		ph[9] = 17;
		put16(ph + 10, (uint16_t)ulen);
		for (size_t i = 0; i < 12; i += 2)
			sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
		for (size_t i = 0; i < ulen; i += 2)
			sum += (uint32_t)(udp[i] << 8 | (i + 1 < ulen ? udp[i + 1] : 0));
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(udp + 6, (uint16_t)~sum ? (uint16_t)~sum : 0xffff);
	}
	return 34 + ulen;
}

/* The checksum of an IPv4 UDP datagram with its pseudo-header: 0 when it is right. */
static uint16_t udp_check(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14, *udp = frame + 34;
	size_t ulen = (size_t)(udp[4] << 8 | udp[5]);
	uint8_t buf[12 + 1600];

	memcpy(buf, ip + 12, 8);
	buf[8] = 0;
	buf[9] = 17;
	buf[10] = udp[4];
	buf[11] = udp[5];
	memcpy(buf + 12, udp, ulen);
	return ipstack_csum(buf, 12 + ulen);
}

START_TEST(test_udp_echo)
{
	uint8_t f[1600];
	size_t len;

	setup();
	len = make_udp(f, 40000, 7, 33, false);
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 0);				/* off unless asked for */
	ck_assert_uint_eq(s.stats.unhandled, 1);
	s.udp_echo = true;
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(sent_len[0], len);
	ck_assert_mem_eq(sent[0], gw_mac, 6);
	ck_assert_uint_eq(ipstack_csum(sent[0] + 14, 20), 0);
	ck_assert_uint_eq(sent[0][14 + 9], 17);
	ck_assert_uint_eq(sent[0][34] << 8 | sent[0][35], 7);		/* from the echo port */
	ck_assert_uint_eq(sent[0][36] << 8 | sent[0][37], 40000);	/* to the sender's */
	ck_assert_uint_eq(udp_check(sent[0]), 0);
	ck_assert_mem_eq(sent[0] + 42, f + 42, 33);
	len = make_udp(f, 40001, 7, 10, true);			/* no checksum: accepted */
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(udp_check(sent[1]), 0);		/* but ours always carries one */
	len = make_udp(f, 40000, 7, 33, false);
	f[50] ^= 0x10;						/* damaged in transit */
	ipstack_input(&s, f, len);
	len = make_udp(f, 40000, 7, 33, false);
	f[38] = 0;
	f[39] = 200;						/* UDP length past the IP datagram */
	ipstack_input(&s, f, len);
	len = make_udp(f, 40000, 7, 33, false);
	f[39] = 4;						/* shorter than its header */
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(s.stats.rx_bad, 3);
	len = make_udp(f, 40000, 9, 33, false);			/* another port */
	ipstack_input(&s, f, len);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(s.stats.udp_echoed, 2);
}
END_TEST

static Suite *ipstack_suite(void)
{
	Suite *su = suite_create("ipstack");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_csum);
	tcase_add_test(tc, test_arp_request_answered);
	tcase_add_test(tc, test_arp_not_ours);
	tcase_add_test(tc, test_ping_gateway);
	tcase_add_test(tc, test_echo_request_answered);
	tcase_add_test(tc, test_malformed_ipv4);
	tcase_add_test(tc, test_padding_ignored);
	tcase_add_test(tc, test_arp_table_bounded);
	tcase_add_test(tc, test_udp_echo);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	SRunner *sr = srunner_create(ipstack_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

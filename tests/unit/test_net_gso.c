/* SPDX-License-Identifier: MIT */
/* Host tests of software TCP segmentation (backends/switch/net_gso.c): the checks, every header field, checksums by hand. */
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

int main(void)
{
	Suite *s = suite_create("net_gso");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_segment);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_check_refuses);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

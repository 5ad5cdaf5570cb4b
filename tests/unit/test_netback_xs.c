/* SPDX-License-Identifier: MIT */
/* Host tests of netback's pure parts: the frontend's xenbus nodes (queues among them), the backend's, MACs, and how frames are classified (flow hash, ip=). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <pvabi/xen.h>
#include "netback.h"
#include "netback_xs.h"

static const uint8_t vif_mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };

/* The frontend's directory as a table of key/value pairs. */
static const char *const *front_nodes;

static int read_node(void *ctx, const char *key, char *buf, size_t size)
{
	(void)ctx;
	for (const char *const *p = front_nodes; *p; p += 2) {
		if (!strcmp(*p, key)) {
			size_t n = strlen(p[1]);

			if (n >= size)
				n = size - 1;
			memcpy(buf, p[1], n);
			buf[n] = 0;
			return (int)strlen(p[1]);
		}
	}
	return -1;
}

START_TEST(test_front_nodes)
{
	static const char *const good[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "17",
					    "request-rx-copy", "1", "feature-rx-notify", "1", "feature-sg", "1",
					    "feature-gso-tcpv4", "1", NULL };
	static const char *const linux6[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "17",
					      "request-rx-copy", "1", "feature-rx-notify", "1", "feature-sg", "1",
					      "feature-gso-tcpv4", "1", "feature-gso-tcpv6", "1",
					      "feature-ipv6-csum-offload", "1", NULL };
	static const char *const gso6_no_csum[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "17",
						    "request-rx-copy", "1", "feature-rx-notify", "1", "feature-sg", "1",
						    "feature-gso-tcpv4", "1", "feature-gso-tcpv6", "1", NULL };
	static const char *const gso6_bad[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "17",
						"request-rx-copy", "1", "feature-rx-notify", "1", "feature-gso-tcpv6", "2",
						NULL };
	static const char *const no_copy[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "17",
					       "feature-rx-notify", "1", NULL };
	static const char *const big[] = { "tx-ring-ref", "4294967296", "rx-ring-ref", "9", "event-channel", "1",
					   "request-rx-copy", "1", "feature-rx-notify", "1", NULL };
	static const char *const junk[] = { "tx-ring-ref", "8x", "rx-ring-ref", "9", "event-channel", "1",
					    "request-rx-copy", "1", "feature-rx-notify", "1", NULL };
	static const char *const split[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel-tx", "1",
					     "event-channel-rx", "2", "request-rx-copy", "1", "feature-rx-notify",
					     "1", NULL };
	static const char *const queues[] = { "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "1",
					      "request-rx-copy", "1", "feature-rx-notify", "1",
					      "multi-queue-num-queues", "2", NULL };
	static const char *const longval[] = { "tx-ring-ref", "000000000000000000000000000000000008",
					       "rx-ring-ref", "9", "event-channel", "1", "request-rx-copy", "1",
					       "feature-rx-notify", "1", NULL };
	struct nb_front f;
	const char *why = NULL;

	front_nodes = good;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), 0);
	ck_assert_uint_eq(f.queues, 1);
	ck_assert_uint_eq(f.q[0].tx_ring_ref, 8);
	ck_assert_uint_eq(f.q[0].rx_ring_ref, 9);
	ck_assert_uint_eq(f.q[0].evtchn, 17);
	ck_assert(f.sg && f.csum_offload && f.rx_gso);
	ck_assert(!f.rx_gso6);			/* it never said TCPv6 */
	front_nodes = linux6;			/* what Linux's netfront writes: TCPv6 superframes whole */
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), 0);
	ck_assert(f.rx_gso && f.rx_gso6 && f.ipv6_csum);
	front_nodes = gso6_no_csum;		/* they carry a partial IPv6 checksum it did not say it takes */
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), 0);
	ck_assert(f.rx_gso && !f.rx_gso6);
	front_nodes = gso6_bad;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "feature-gso-tcpv6"));
	front_nodes = no_copy;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "request-rx-copy"));
	front_nodes = big;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	front_nodes = junk;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	front_nodes = split;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	front_nodes = queues;		/* two queues, but the nodes of one in the directory itself */
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "tx-ring-ref"));
	front_nodes = longval;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
}
END_TEST

#define MQ_COMMON "request-rx-copy", "1", "feature-rx-notify", "1", "feature-sg", "1"

START_TEST(test_front_queues)
{
	static const char *const two[] = { "multi-queue-num-queues", "2", "queue-0/tx-ring-ref", "8",
					   "queue-0/rx-ring-ref", "9", "queue-0/event-channel", "5",
					   "queue-1/tx-ring-ref", "10", "queue-1/rx-ring-ref", "11",
					   "queue-1/event-channel", "6", MQ_COMMON, NULL };
	static const char *const zero[] = { "multi-queue-num-queues", "0", "tx-ring-ref", "8", "rx-ring-ref", "9",
					    "event-channel", "5", MQ_COMMON, NULL };
	static const char *const five[] = { "multi-queue-num-queues", "5", "queue-0/tx-ring-ref", "8",
					    "queue-0/rx-ring-ref", "9", "queue-0/event-channel", "5", MQ_COMMON,
					    NULL };
	static const char *const missing[] = { "multi-queue-num-queues", "2", "queue-0/tx-ring-ref", "8",
					       "queue-0/rx-ring-ref", "9", "queue-0/event-channel", "5",
					       "queue-1/tx-ring-ref", "10", "queue-1/rx-ring-ref", "11", MQ_COMMON,
					       NULL };
	static const char *const same_port[] = { "multi-queue-num-queues", "2", "queue-0/tx-ring-ref", "8",
						 "queue-0/rx-ring-ref", "9", "queue-0/event-channel", "5",
						 "queue-1/tx-ring-ref", "10", "queue-1/rx-ring-ref", "11",
						 "queue-1/event-channel", "5", MQ_COMMON, NULL };
	static const char *const same_ref[] = { "multi-queue-num-queues", "2", "queue-0/tx-ring-ref", "8",
						"queue-0/rx-ring-ref", "9", "queue-0/event-channel", "5",
						"queue-1/tx-ring-ref", "10", "queue-1/rx-ring-ref", "8",
						"queue-1/event-channel", "6", MQ_COMMON, NULL };
	static const char *const same_ref_one[] = { "tx-ring-ref", "8", "rx-ring-ref", "8", "event-channel", "5",
						    MQ_COMMON, NULL };
	struct nb_front f;
	const char *why = NULL;

	front_nodes = two;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), 0);
	ck_assert_uint_eq(f.queues, 2);
	ck_assert_uint_eq(f.q[1].tx_ring_ref, 10);
	ck_assert_uint_eq(f.q[1].rx_ring_ref, 11);
	ck_assert_uint_eq(f.q[1].evtchn, 6);
	/* Not more than offered: this vif offers one. */
	ck_assert_int_eq(nb_front_read(read_node, NULL, 1, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "multi-queue-num-queues"));
	front_nodes = zero;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "multi-queue-num-queues"));
	front_nodes = five;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "multi-queue-num-queues"));
	front_nodes = missing;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "event-channel"));
	front_nodes = same_port;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "event channel"));
	front_nodes = same_ref;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "ring reference"));
	front_nodes = same_ref_one;
	ck_assert_int_eq(nb_front_read(read_node, NULL, 4, &f, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "ring reference"));
}
END_TEST

/* An Ethernet/IPv4 frame from 10.0.0.1 to 10.0.0.2 with proto and source and destination ports (or fragment bits). */
static void flow_frame(uint8_t *f, uint8_t proto, uint16_t sport, uint16_t dport, uint16_t frag)
{
	memset(f, 0, 64);
	f[12] = 0x08;
	f[14] = 0x45;
	f[20] = (uint8_t)(frag >> 8);
	f[21] = (uint8_t)frag;
	f[23] = proto;
	f[26] = 10;
	f[29] = 1;
	f[30] = 10;
	f[33] = 2;
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
}

START_TEST(test_flow_queue)
{
	uint8_t f[64];
	unsigned int seen[4] = { 0 }, q0;

	/* One queue, or a frame that is not IPv4 (ARP here): queue 0. */
	flow_frame(f, 6, 1000, 7000, 0);
	ck_assert_uint_eq(nb_flow_queue(f, sizeof(f), 1), 0);
	f[13] = 0x06;
	ck_assert_uint_eq(nb_flow_queue(f, sizeof(f), 4), 0);
	/* A flow always takes the same queue, and flows differing only in a port spread over all four. */
	for (uint16_t p = 40000; p < 40064; p++) {
		unsigned int q;

		flow_frame(f, 6, p, 7000, 0);
		q = nb_flow_queue(f, sizeof(f), 4);
		ck_assert_uint_lt(q, 4);
		ck_assert_uint_eq(nb_flow_queue(f, sizeof(f), 4), q);
		seen[q]++;
	}
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_gt(seen[i], 4);
	/* A fragment's ports do not count (a later fragment has none): every fragment of a flow on one queue. */
	flow_frame(f, 17, 0, 0, 0x2000);
	q0 = nb_flow_queue(f, sizeof(f), 4);
	for (uint16_t p = 1; p < 64; p++) {
		flow_frame(f, 17, p, p, 0x2000);
		ck_assert_uint_eq(nb_flow_queue(f, sizeof(f), 4), q0);
		flow_frame(f, 17, p, p, 0x0010);
		ck_assert_uint_eq(nb_flow_queue(f, sizeof(f), 4), q0);
	}
	/* IPv6 flows spread too, each on one queue; a hop-by-hop header first hides the ports. */
	memset(seen, 0, sizeof(seen));
	for (uint16_t p = 40000; p < 40064; p++) {
		uint8_t f6[14 + 40 + 20] = { [12] = 0x86, [13] = 0xdd, [14] = 0x60, [20] = 6, [22] = 0xfd, [38] = 0xfd,
					     [37] = 1, [53] = 2, [56] = 0x1b, [57] = 0x58 };
		unsigned int q;

		f6[54] = (uint8_t)(p >> 8);
		f6[55] = (uint8_t)p;
		q = nb_flow_queue(f6, sizeof(f6), 4);
		ck_assert_uint_eq(nb_flow_queue(f6, sizeof(f6), 4), q);
		seen[q]++;
		f6[20] = 0;
		q0 = nb_flow_queue(f6, sizeof(f6), 4);
		f6[54] ^= 0xff;
		ck_assert_uint_eq(nb_flow_queue(f6, sizeof(f6), 4), q0);
		ck_assert_uint_eq(nb_flow_queue(f6, 14 + 39, 4), 0);		/* shorter than the fixed header */
	}
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_gt(seen[i], 4);
	/* A frame too short for its own header, and a header length past the frame: never out of range. */
	ck_assert_uint_eq(nb_flow_queue(f, 20, 4), 0);
	flow_frame(f, 6, 1, 2, 0);
	f[14] = 0x4f;
	ck_assert_uint_lt(nb_flow_queue(f, 40, 4), 4);
}
END_TEST

START_TEST(test_ip_allowed)
{
	const uint32_t me = 0x0a00020f;		/* 10.0.2.15 */
	uint8_t f[64];

	/* IPv4 from the vif's address only; 10.0.2.99 (the flow frames' source is 10.0.0.1) is another's. */
	flow_frame(f, 6, 1000, 80, 0);
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	memcpy(f + 26, "\x0a\x00\x02\x0f", 4);
	ck_assert(nb_ip_allowed(f, sizeof(f), me));
	ck_assert(!nb_ip_allowed(f, 14 + 19, me));		/* a truncated header */
	f[14] = 0x65;						/* version 6 in an IPv4 type */
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	/* From 0.0.0.0: only a DHCP client's UDP 68 -> 67, unfragmented. */
	flow_frame(f, 17, 68, 67, 0);
	memset(f + 26, 0, 4);
	ck_assert(nb_ip_allowed(f, sizeof(f), me));
	ck_assert(!nb_ip_allowed(f, 14 + 20 + 7, me));
	flow_frame(f, 17, 68, 53, 0);
	memset(f + 26, 0, 4);
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	flow_frame(f, 6, 68, 67, 0);
	memset(f + 26, 0, 4);
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	flow_frame(f, 17, 68, 67, 0x2000);
	memset(f + 26, 0, 4);
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	/* ARP: the sender's address is ours or 0.0.0.0 (a probe), nothing else. */
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	f[13] = 0x06;
	f[15] = 1;
	f[16] = 0x08;
	f[18] = 6;
	f[19] = 4;
	f[21] = 1;
	memcpy(f + 28, "\x0a\x00\x02\x0f", 4);
	ck_assert(nb_ip_allowed(f, sizeof(f), me));
	ck_assert(!nb_ip_allowed(f, 14 + 27, me));
	memcpy(f + 28, "\x0a\x00\x02\x02", 4);		/* claiming the gateway's address */
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	memset(f + 28, 0, 4);
	ck_assert(nb_ip_allowed(f, sizeof(f), me));
	f[19] = 16;						/* not IPv4 ARP: refused, not guessed at */
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	/* A VLAN tag hides what follows: refused. IPv6 and the rest pass. */
	f[12] = 0x81;
	f[13] = 0x00;
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	f[12] = 0x88;
	f[13] = 0xa8;
	ck_assert(!nb_ip_allowed(f, sizeof(f), me));
	f[12] = 0x86;
	f[13] = 0xdd;
	ck_assert(nb_ip_allowed(f, sizeof(f), me));
}
END_TEST

/* A vif with ip= drops another source's IPv4 on its tx ring (DROPPED, counted); without ip= it passes. */
START_TEST(test_backend_features)
{
	bool rx_copy = false, sg = false, gso = false;

	for (const struct nb_node *n = nb_backend_features; n->key; n++) {
		rx_copy |= !strcmp(n->key, "feature-rx-copy") && !strcmp(n->value, "1");
		sg |= !strcmp(n->key, "feature-sg") && !strcmp(n->value, "1");
		gso |= !strcmp(n->key, "feature-gso-tcpv4") && !strcmp(n->value, "1");
	}
	ck_assert(rx_copy && sg && gso);
}
END_TEST

START_TEST(test_mac)
{
	const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t a[6], b[6], c[6];
	char buf[18];

	nb_mac_format(vif_mac, buf);
	ck_assert_str_eq(buf, "00:16:3e:01:02:03");
	ck_assert_int_eq(nb_mac_parse("00:16:3E:aa:bb:cc", a), 0);
	ck_assert_uint_eq(a[3], 0xaa);
	ck_assert_uint_eq(a[2], 0x3e);
	ck_assert_int_eq(nb_mac_parse("00:16:3e:aa:bb", a), -1);
	ck_assert_int_eq(nb_mac_parse("00:16:3e:aa:bb:cc:dd", a), -1);
	ck_assert_int_eq(nb_mac_parse("00-16-3e-aa-bb-cc", a), -1);
	ck_assert_int_eq(nb_mac_parse("", a), -1);
	nb_mac_from_uuid(uuid, 0, a);
	nb_mac_from_uuid(uuid, 0, b);
	nb_mac_from_uuid(uuid, 1, c);
	ck_assert_mem_eq(a, b, 6);				/* stable */
	ck_assert_mem_ne(a, c, 6);				/* per interface */
	ck_assert(a[0] == 0 && a[1] == 0x16 && a[2] == 0x3e && a[3] < 0x80);
}
END_TEST

static Suite *netback_xs_suite(void)
{
	Suite *s = suite_create("netback_xs");
	TCase *tc = tcase_create("nodes");

	tcase_add_test(tc, test_front_nodes);
	tcase_add_test(tc, test_front_queues);
	tcase_add_test(tc, test_flow_queue);
	tcase_add_test(tc, test_ip_allowed);
	tcase_add_test(tc, test_backend_features);
	tcase_add_test(tc, test_mac);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(netback_xs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

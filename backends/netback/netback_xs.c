/* SPDX-License-Identifier: MIT */
/* netback's xenbus nodes: the features offered, the frontend's ring references checked, MAC addresses. */
#include <stdio.h>
#include <string.h>
#include "netback_xs.h"

const struct nb_node nb_backend_features[] = {
	{ "feature-rx-copy", "1" },
	{ "feature-rx-flip", "0" },
	{ "feature-sg", "1" },
	{ "feature-gso-tcpv4", "1" },
	{ "feature-gso-tcpv6", "1" },
	{ "feature-ipv6-csum-offload", "1" },
	{ "feature-split-event-channels", "0" },
	{ "feature-multicast-control", "0" },
	{ "feature-dynamic-multicast-control", "0" },
	{ "feature-ctrl-ring", "0" },
	{ "feature-xdp-headroom", "0" },
	{ NULL, NULL },
};

/* A decimal of at most 32 bits and nothing else: 0, or -1. */
static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* key as a 32-bit decimal; def when absent and has_def. 0, or -1 when missing or malformed. */
static int read_u32(nb_read_fn read, void *ctx, const char *key, uint32_t *out, bool has_def, uint32_t def)
{
	char buf[24];
	int n = read(ctx, key, buf, sizeof(buf));

	if (n < 0) {
		*out = def;
		return has_def ? 0 : -1;
	}
	if ((size_t)n >= sizeof(buf))
		return -1;
	buf[n] = 0;
	return parse_u32(buf, out);
}

/* One queue's rings and channel: under prefix ("" or "queue-N/"). */
static int read_queue(nb_read_fn read, void *ctx, const char *prefix, struct nb_front_queue *q, const char **why)
{
	char key[48];

	snprintf(key, sizeof(key), "%stx-ring-ref", prefix);
	if (read_u32(read, ctx, key, &q->tx_ring_ref, false, 0)) {
		*why = "every queue's tx-ring-ref and rx-ring-ref must be 32-bit decimals";
		return -1;
	}
	snprintf(key, sizeof(key), "%srx-ring-ref", prefix);
	if (read_u32(read, ctx, key, &q->rx_ring_ref, false, 0)) {
		*why = "every queue's tx-ring-ref and rx-ring-ref must be 32-bit decimals";
		return -1;
	}
	snprintf(key, sizeof(key), "%sevent-channel", prefix);
	if (read_u32(read, ctx, key, &q->evtchn, false, 0)) {
		*why = "every queue's event-channel must be a 32-bit decimal (split channels are not offered)";
		return -1;
	}
	return 0;
}

/* Whether a ring reference or an event channel appears twice among the first n queues. */
static bool queues_overlap(const struct nb_front_queue *q, unsigned int n, const char **why)
{
	for (unsigned int i = 0; i < n; i++) {
		if (q[i].tx_ring_ref == q[i].rx_ring_ref) {
			*why = "a ring reference is given twice";
			return true;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (q[i].evtchn == q[j].evtchn) {
				*why = "an event channel is given to two queues";
				return true;
			}
			if (q[i].tx_ring_ref == q[j].tx_ring_ref || q[i].tx_ring_ref == q[j].rx_ring_ref ||
			    q[i].rx_ring_ref == q[j].tx_ring_ref || q[i].rx_ring_ref == q[j].rx_ring_ref) {
				*why = "a ring reference is given twice";
				return true;
			}
		}
	}
	return false;
}

int nb_front_read(nb_read_fn read, void *ctx, unsigned int max_queues, struct nb_front *f, const char **why)
{
	uint32_t v, gso6;

	*f = (struct nb_front){ 0 };
	if (max_queues < 1 || max_queues > NB_MAX_QUEUES)
		max_queues = 1;
	if (read_u32(read, ctx, "multi-queue-num-queues", &v, true, 1) || v < 1 || v > max_queues) {
		*why = "multi-queue-num-queues must be from 1 to multi-queue-max-queues";
		return -1;
	}
	f->queues = v;
	/* As netfront writes them: one queue's nodes in the directory itself, more under queue-N/. */
	for (unsigned int i = 0; i < f->queues; i++) {
		char prefix[24] = "";

		if (f->queues > 1)
			snprintf(prefix, sizeof(prefix), "queue-%u/", i);
		if (read_queue(read, ctx, prefix, &f->q[i], why))
			return -1;
	}
	if (queues_overlap(f->q, f->queues, why))
		return -1;
	if (read_u32(read, ctx, "request-rx-copy", &v, true, 0) || v != 1) {
		*why = "request-rx-copy must be 1: this backend only copies";
		return -1;
	}
	if (read_u32(read, ctx, "feature-rx-notify", &v, true, 0) || v != 1) {
		*why = "feature-rx-notify must be 1";
		return -1;
	}
	if (read_u32(read, ctx, "feature-sg", &v, true, 0) || v > 1) {
		*why = "feature-sg must be 0 or 1";
		return -1;
	}
	f->sg = v;
	if (read_u32(read, ctx, "feature-no-csum-offload", &v, true, 0) || v > 1) {
		*why = "feature-no-csum-offload must be 0 or 1";
		return -1;
	}
	f->csum_offload = !v;
	if (read_u32(read, ctx, "feature-gso-tcpv4", &v, true, 0) || v > 1) {
		*why = "feature-gso-tcpv4 must be 0 or 1";
		return -1;
	}
	f->rx_gso = v && f->sg;		/* a superframe spans many rx buffers */
	if (read_u32(read, ctx, "feature-gso-tcpv6", &gso6, true, 0) || gso6 > 1) {
		*why = "feature-gso-tcpv6 must be 0 or 1";
		return -1;
	}
	if (read_u32(read, ctx, "feature-ipv6-csum-offload", &v, true, 0) || v > 1) {
		*why = "feature-ipv6-csum-offload must be 0 or 1";
		return -1;
	}
	f->ipv6_csum = v;
	/* A whole TCPv6 superframe reaches it with a partial checksum: it must take those as well. */
	f->rx_gso6 = gso6 && f->sg && f->ipv6_csum;
	return 0;
}

void nb_mac_format(const uint8_t mac[6], char *buf)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned int i = 0; i < 6; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 15];
		buf[3 * i + 2] = i < 5 ? ':' : 0;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nb_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	for (unsigned int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hi < 0 ? -1 : hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || s[3 * i + 2] != (i < 5 ? ':' : 0))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

void nb_mac_from_uuid(const uint8_t uuid[16], unsigned int index, uint8_t mac[6])
{
	uint32_t h = 2166136261u;	/* FNV-1a over the UUID and the index: every bit counts */

	for (unsigned int i = 0; i < 16; i++)
		h = (h ^ uuid[i]) * 16777619u;
	for (unsigned int i = 0; i < 4; i++)
		h = (h ^ ((index >> (8 * i)) & 0xff)) * 16777619u;
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	/* As xl makes the addresses it picks: the fourth byte below 0x80. */
	mac[3] = (uint8_t)((h >> 16) & 0x7f);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

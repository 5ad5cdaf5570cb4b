/* SPDX-License-Identifier: MIT */
/* dom0's learning Ethernet switch joining guest interfaces and the uplink: portable C, host-tested. */
#ifndef L2SWITCH_H
#define L2SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net_gso.h"

#define L2SW_MAX_PORTS		32
#define L2SW_BUCKETS		128	/* the table: L2SW_BUCKETS x L2SW_WAYS addresses */
#define L2SW_WAYS		4
#define L2SW_PORT_QUOTA		64	/* addresses one port may have learned at once */
#define L2SW_AGE_NS		(300ULL * 1000000000ULL)	/* 802.1D's default ageing time */
#define L2SW_MIN_FRAME		14
#define L2SW_MAX_FRAME		1514

/*
 * Delivers a frame on a port; the callee copies what it keeps. gso is
 * NULL for an ordinary frame; for a checked TCP superframe it says how to
 * cut it (a port that cannot take it whole segments it).
 */
typedef void (*l2sw_out_fn)(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso);

struct l2sw_port {
	bool used;
	l2sw_out_fn out;
	void *arg;
	unsigned int learned;		/* table entries pointing here */
	/*
	 * Frames this port may have flooded to every other port (broadcast,
	 * multicast, unknown destination): a token bucket, off while
	 * flood_rate is 0. One port's storm then reaches the others' rings
	 * at this rate at most, not at the rate dom0 can copy.
	 */
	uint32_t flood_rate, flood_burst;	/* frames per second, bucket size */
	uint64_t flood_tokens_ns;		/* tokens as time credit: 1 frame = 1e9 / rate ns */
	uint64_t flood_last_ns;
	struct l2sw_port_stats {
		uint64_t rx, tx, rx_bad, flooded, filtered, learn_refused, flood_limited;
	} stats;
};

struct l2sw_entry {
	uint8_t mac[6];
	uint8_t port;
	bool valid;
	uint64_t seen_ns;
};

/*
 * A frame's source address is learned on its port unless the port is at
 * its quota or the address's bucket is full of live entries; an entry not
 * refreshed for age_ns is forgotten. Nothing a port sends can evict
 * another port's live entry, so a hostile port can hold at most its quota
 * of the table, and only while it keeps sending.
 */
struct l2sw {
	struct l2sw_port ports[L2SW_MAX_PORTS];
	struct l2sw_entry table[L2SW_BUCKETS][L2SW_WAYS];
	uint64_t age_ns;
	uint32_t seed;			/* keyed bucket choice: a sender cannot aim at one bucket blindly */
	unsigned int quota;
};

void l2sw_init(struct l2sw *sw, uint32_t seed);
/* A new port delivering through out(arg, ...): its number, or -1 when every port is in use. */
int l2sw_port_add(struct l2sw *sw, l2sw_out_fn out, void *arg);
/* Limits what port floods to rate frames a second, bursts of burst (rate 0: no limit, the default). */
void l2sw_port_flood_limit(struct l2sw *sw, unsigned int port, uint32_t rate, uint32_t burst, uint64_t now_ns);
/* Removes a port and every address learned on it. */
void l2sw_port_remove(struct l2sw *sw, unsigned int port);
/*
 * A frame received on port at time now_ns: learned, then forwarded to the
 * port its destination was learned on, or flooded to every other port
 * (broadcast, multicast, unknown). Frames of impossible length or with a
 * group source address are dropped.
 */
void l2sw_input(struct l2sw *sw, unsigned int port, const uint8_t *frame, size_t len, uint64_t now_ns);
/*
 * The same for a superframe checked by net_gso_check (up to
 * NET_GSO_MAX_LEN bytes): flooding it costs the port one token per
 * segment, as the frames it stands for would.
 */
void l2sw_input_gso(struct l2sw *sw, unsigned int port, const uint8_t *frame, size_t len, const struct net_gso *gso,
		    uint64_t now_ns);
/* Forgets every entry older than the ageing time; returns how many. */
unsigned int l2sw_age(struct l2sw *sw, uint64_t now_ns);
/* The port mac was learned on (live at now_ns), or -1. */
int l2sw_lookup(const struct l2sw *sw, const uint8_t mac[6], uint64_t now_ns);

#endif

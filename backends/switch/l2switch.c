/* SPDX-License-Identifier: MIT */
/* The learning switch: a set-associative address table with per-port quotas and ageing, forwarding and flooding. */
#include <string.h>
#include "l2switch.h"

void l2sw_init(struct l2sw *sw, uint32_t seed)
{
	memset(sw, 0, sizeof(*sw));
	sw->age_ns = L2SW_AGE_NS;
	sw->seed = seed;
	sw->quota = L2SW_PORT_QUOTA;
}

int l2sw_port_add(struct l2sw *sw, l2sw_out_fn out, void *arg)
{
	if (!out)
		return -1;
	for (unsigned int i = 0; i < L2SW_MAX_PORTS; i++) {
		if (!sw->ports[i].used) {
			sw->ports[i] = (struct l2sw_port){ .used = true, .out = out, .arg = arg };
			return (int)i;
		}
	}
	return -1;
}

static void entry_drop(struct l2sw *sw, struct l2sw_entry *e)
{
	sw->ports[e->port].learned--;
	e->valid = false;
}

void l2sw_port_remove(struct l2sw *sw, unsigned int port)
{
	if (port >= L2SW_MAX_PORTS || !sw->ports[port].used)
		return;
	for (unsigned int b = 0; b < L2SW_BUCKETS; b++)
		for (unsigned int w = 0; w < L2SW_WAYS; w++)
			if (sw->table[b][w].valid && sw->table[b][w].port == port)
				entry_drop(sw, &sw->table[b][w]);
	sw->ports[port] = (struct l2sw_port){ 0 };
}

/* A keyed mix of the address (murmur3's finaliser over both halves): spreads neighbouring MACs across buckets. */
static unsigned int bucket_of(const struct l2sw *sw, const uint8_t *mac)
{
	uint32_t h = sw->seed;
	uint32_t lo = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	uint32_t hi = (uint32_t)mac[4] | (uint32_t)mac[5] << 8;

	for (int i = 0; i < 2; i++) {
		h ^= i ? hi : lo;
		h ^= h >> 16;
		h *= 0x85ebca6bu;
		h ^= h >> 13;
		h *= 0xc2b2ae35u;
		h ^= h >> 16;
	}
	return h % L2SW_BUCKETS;
}

static bool live(const struct l2sw *sw, const struct l2sw_entry *e, uint64_t now)
{
	return e->valid && now - e->seen_ns < sw->age_ns;
}

static struct l2sw_entry *find(struct l2sw *sw, const uint8_t *mac)
{
	struct l2sw_entry *b = sw->table[bucket_of(sw, mac)];

	for (unsigned int w = 0; w < L2SW_WAYS; w++)
		if (b[w].valid && !memcmp(b[w].mac, mac, 6))
			return &b[w];
	return NULL;
}

int l2sw_lookup(const struct l2sw *sw, const uint8_t mac[6], uint64_t now_ns)
{
	const struct l2sw_entry *e = find((struct l2sw *)sw, mac);

	return e && live(sw, e, now_ns) ? e->port : -1;
}

static void learn(struct l2sw *sw, unsigned int port, const uint8_t *mac, uint64_t now)
{
	struct l2sw_entry *e = find(sw, mac), *b;

	if (e && e->port == port) {
		e->seen_ns = now;
		return;
	}
	if (e)
		entry_drop(sw, e);	/* the station moved (or claims to): it is now where it last spoke */
	if (sw->ports[port].learned >= sw->quota) {
		sw->ports[port].stats.learn_refused++;
		return;
	}
	b = sw->table[bucket_of(sw, mac)];
	for (unsigned int w = 0; w < L2SW_WAYS; w++) {
		if (b[w].valid && live(sw, &b[w], now))
			continue;
		if (b[w].valid)
			entry_drop(sw, &b[w]);	/* aged out: its slot is free */
		b[w] = (struct l2sw_entry){ .port = (uint8_t)port, .valid = true, .seen_ns = now };
		memcpy(b[w].mac, mac, 6);
		sw->ports[port].learned++;
		return;
	}
	sw->ports[port].stats.learn_refused++;	/* frames to it are flooded until a slot frees */
}

static void deliver(struct l2sw *sw, unsigned int port, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	sw->ports[port].stats.tx++;
	sw->ports[port].out(sw->ports[port].arg, frame, len, gso);
}

void l2sw_port_flood_limit(struct l2sw *sw, unsigned int port, uint32_t rate, uint32_t burst, uint64_t now_ns)
{
	struct l2sw_port *p;

	if (port >= L2SW_MAX_PORTS || !sw->ports[port].used)
		return;
	p = &sw->ports[port];
	p->flood_rate = rate;
	p->flood_burst = burst ? burst : 1;
	p->flood_last_ns = now_ns;
	p->flood_tokens_ns = rate ? (uint64_t)p->flood_burst * (1000000000ULL / rate) : 0;
}

/* Takes n tokens if the bucket has them; the bucket fills with time, up to the burst. */
static bool flood_allowed(struct l2sw_port *p, unsigned int n, uint64_t now_ns)
{
	uint64_t cost, cap;

	if (!p->flood_rate)
		return true;
	cost = 1000000000ULL / p->flood_rate * n;
	cap = (uint64_t)p->flood_burst * (1000000000ULL / p->flood_rate);
	/* A clock that went back adds nothing; a long silence refills to the cap, no further. */
	if (now_ns > p->flood_last_ns)
		p->flood_tokens_ns += now_ns - p->flood_last_ns < cap ? now_ns - p->flood_last_ns : cap;
	p->flood_last_ns = now_ns > p->flood_last_ns ? now_ns : p->flood_last_ns;
	if (p->flood_tokens_ns > cap)
		p->flood_tokens_ns = cap;
	if (p->flood_tokens_ns < cost)
		return false;
	p->flood_tokens_ns -= cost;
	return true;
}

void l2sw_input(struct l2sw *sw, unsigned int port, const uint8_t *frame, size_t len, uint64_t now_ns)
{
	l2sw_input_gso(sw, port, frame, len, NULL, now_ns);
}

void l2sw_input_gso(struct l2sw *sw, unsigned int port, const uint8_t *frame, size_t len, const struct net_gso *gso,
		    uint64_t now_ns)
{
	struct l2sw_port *in;
	int to;

	if (port >= L2SW_MAX_PORTS || !sw->ports[port].used)
		return;
	in = &sw->ports[port];
	in->stats.rx++;
	/* A group address as source is never a station's: no learning, no forwarding. */
	if (len < L2SW_MIN_FRAME || len > (gso ? NET_GSO_MAX_LEN : L2SW_MAX_FRAME) || (frame[6] & 1)) {
		in->stats.rx_bad++;
		return;
	}
	learn(sw, port, frame + 6, now_ns);
	to = (frame[0] & 1) ? -1 : l2sw_lookup(sw, frame, now_ns);
	if (to == (int)port) {
		in->stats.filtered++;		/* both ends are behind the port it came from */
		return;
	}
	if (to >= 0) {
		deliver(sw, (unsigned int)to, frame, len, gso);
		return;
	}
	if (!flood_allowed(in, gso ? gso->segs : 1, now_ns)) {
		in->stats.flood_limited++;
		return;
	}
	in->stats.flooded++;
	for (unsigned int p = 0; p < L2SW_MAX_PORTS; p++)
		if (p != port && sw->ports[p].used)
			deliver(sw, p, frame, len, gso);
}

unsigned int l2sw_age(struct l2sw *sw, uint64_t now_ns)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b < L2SW_BUCKETS; b++) {
		for (unsigned int w = 0; w < L2SW_WAYS; w++) {
			if (sw->table[b][w].valid && !live(sw, &sw->table[b][w], now_ns)) {
				entry_drop(sw, &sw->table[b][w]);
				n++;
			}
		}
	}
	return n;
}

/* SPDX-License-Identifier: MIT */
/* netback's rings: whole tx packets gathered from private copies of their slots, checked, grant-copied in; rx by copy. */
#include <string.h>
#include <pvabi/xen.h>
#include "netback.h"

#define NB_MAX_DATA_SLOTS	XEN_NETIF_NR_SLOTS_MIN
/*
 * A chain of up to this many data slots is answered with errors; a
 * longer one breaks the protocol and cuts the frontend off (Xen's netback
 * draws the same two lines, at 18 and 20 by default).
 */
#define NB_FATAL_DATA_SLOTS	20
#define NB_MAX_EXTRAS		(XEN_NETIF_EXTRA_TYPE_MAX - 1)

/* One slot of a packet, as copied out of the ring: a request, or the extra-info slot that follows one. */
struct tx_slot {
	union {
		struct netif_tx_request req;
		struct netif_extra_info extra;
	};
	bool is_extra;
};

void nb_vif_init(struct nb_vif *v, uint16_t domid, const uint8_t mac[6], void *tx_ring, void *rx_ring,
		 const struct nb_platform *plat, nb_deliver_fn deliver, void *deliver_arg, uint8_t *tx_buf,
		 const xen_pfn_t *tx_gmfns, uint8_t *rx_buf, const xen_pfn_t *rx_gmfns)
{
	*v = (struct nb_vif){ .domid = domid, .plat = *plat, .deliver = deliver, .deliver_arg = deliver_arg,
			      .tx_buf = tx_buf, .tx_gmfns = tx_gmfns, .rx_buf = rx_buf, .rx_gmfns = rx_gmfns,
			      .tx_budget = NB_TX_BATCH };
	memcpy(v->mac, mac, 6);
	pvabi_ring_attach(&v->tx, tx_ring, NB_PAGE, sizeof(union netif_tx_sring_entry));
	pvabi_ring_attach(&v->rx, rx_ring, NB_PAGE, sizeof(union netif_rx_sring_entry));
}

static void vif_break(struct nb_vif *v, const char *why)
{
	v->broken = true;
	v->broken_why = why;
}

static void slot_copy(struct nb_vif *v, uint32_t i, struct tx_slot *s, bool extra)
{
	/* Copied once: every check and every use below reads the copy, never the shared slot. */
	pvabi_ring_copy(&s->req, pvabi_ring_slot(&v->tx, v->tx.cons + i), sizeof(s->req));
	s->is_extra = extra;
}

/*
 * Copies the slots of the next packet out of the ring (without consuming
 * them): 1 with *n set when the packet is complete, 0 when the frontend
 * has not published all of it yet, -1 when it breaks the protocol (more
 * slots than even a refused packet may have).
 */
static int tx_gather(struct nb_vif *v, uint32_t avail, struct tx_slot *slots, uint32_t *n)
{
	uint32_t i = 0, data = 1, extras = 0;
	bool more;

	slot_copy(v, i++, &slots[0], false);
	more = slots[0].req.flags & NETTXF_extra_info;
	while (more) {
		if (++extras > NB_MAX_EXTRAS)
			return -1;
		if (i >= avail)
			return 0;
		slot_copy(v, i, &slots[i], true);
		more = slots[i++].extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
	}
	more = slots[0].req.flags & NETTXF_more_data;
	while (more) {
		if (++data > NB_FATAL_DATA_SLOTS)
			return -1;
		if (i >= avail)
			return 0;
		slot_copy(v, i, &slots[i], false);
		more = slots[i++].req.flags & NETTXF_more_data;
	}
	*n = i;
	return 1;
}

/*
 * NETIF_RSP_OKAY when the packet's sizes, offsets and extras make sense
 * (its length in *total, its GSO size in *gso_size or 0, *gso_v6 for
 * TCPv6), else NETIF_RSP_ERROR. The one extra taken is a GSO of TCPv4 or
 * TCPv6, the kinds offered (feature-gso-tcpv4, -tcpv6); its size is
 * checked against the headers by net_gso_check(6) once the data is in.
 */
static int tx_check(const struct tx_slot *slots, uint32_t n, uint32_t *total, uint32_t *gso_size, bool *gso_v6)
{
	uint32_t rest = 0, first_len, data = 1;
	bool gso = false;

	*gso_size = 0;
	*gso_v6 = false;
	for (uint32_t i = 1; i < n; i++) {
		if (slots[i].is_extra) {
			const struct netif_extra_info *x = &slots[i].extra;

			if (x->type != XEN_NETIF_EXTRA_TYPE_GSO || gso || !x->u.gso.size ||
			    (x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 && x->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6))
				return NETIF_RSP_ERROR;	/* unoffered (multicast, hash, XDP, other GSO), twice, or empty */
			gso = true;
			*gso_size = x->u.gso.size;
			*gso_v6 = x->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6;
			continue;
		}
		data++;
		rest += slots[i].req.size;
		if ((uint32_t)slots[i].req.offset + slots[i].req.size > NB_PAGE)
			return NETIF_RSP_ERROR;
	}
	if (data > NB_MAX_DATA_SLOTS)
		return NETIF_RSP_ERROR;
	*total = slots[0].req.size;
	if (*total < NB_MIN_FRAME || *total > (gso ? NET_GSO_MAX_LEN : NB_MAX_FRAME) || rest > *total)
		return NETIF_RSP_ERROR;
	first_len = *total - rest;
	if ((uint32_t)slots[0].req.offset + first_len > NB_PAGE)
		return NETIF_RSP_ERROR;
	return NETIF_RSP_OKAY;
}

/* Grant-copies the packet's data into tx_buf, split at its page ends: NETIF_RSP_OKAY, or NETIF_RSP_ERROR if any failed. */
static int tx_copy(struct nb_vif *v, const struct tx_slot *slots, uint32_t n, uint32_t total)
{
	struct gnttab_copy ops[2 * NB_MAX_DATA_SLOTS];
	uint32_t nops = 0, pos = 0, rest = 0;

	for (uint32_t i = 1; i < n; i++)
		rest += slots[i].is_extra ? 0 : slots[i].req.size;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = i == 0 ? total - rest : slots[i].req.size, done = 0;

		if (slots[i].is_extra)
			continue;
		while (done < len) {
			uint32_t room = NB_PAGE - (pos & (NB_PAGE - 1)), piece = len - done < room ? len - done : room;

			ops[nops++] = (struct gnttab_copy){
				.source = { .u.ref = slots[i].req.gref, .domid = v->domid,
					    .offset = (uint16_t)(slots[i].req.offset + done) },
				.dest = { .u.gmfn = v->tx_gmfns[pos / NB_PAGE], .domid = DOMID_SELF,
					  .offset = (uint16_t)(pos & (NB_PAGE - 1)) },
				.len = (uint16_t)piece, .flags = GNTCOPY_source_gref,
			};
			pos += piece;
			done += piece;
		}
	}
	if (v->plat.copy(v->plat.ctx, ops, nops) < 0)
		return NETIF_RSP_ERROR;
	for (uint32_t i = 0; i < nops; i++)
		if (ops[i].status != GNTST_okay)
			return NETIF_RSP_ERROR;
	return NETIF_RSP_OKAY;
}

static void tx_respond(struct nb_vif *v, const struct tx_slot *slots, uint32_t n, int status)
{
	for (uint32_t i = 0; i < n; i++) {
		struct netif_tx_response *r = pvabi_back_next_response(&v->tx);

		r->id = slots[i].is_extra ? slots[0].req.id : slots[i].req.id;
		r->status = (int16_t)(slots[i].is_extra ? NETIF_RSP_NULL : status);
	}
}

static void push_and_notify(struct nb_vif *v, struct pvabi_ring *r)
{
	if (pvabi_back_push_responses(r)) {
		v->stats.notifies++;
		v->plat.notify(v->plat.ctx);
	}
}

unsigned int nb_tx_poll(struct nb_vif *v, bool *more)
{
	struct tx_slot slots[NB_FATAL_DATA_SLOTS + NB_MAX_EXTRAS];
	unsigned int packets = 0;
	int64_t avail = 0;

	*more = false;
	if (v->broken)
		return 0;
	while (packets < v->tx_budget && packets < NB_TX_BATCH && (avail = pvabi_back_pending_requests(&v->tx)) > 0) {
		uint32_t n = 0, total = 0, gso_size = 0;
		int g = tx_gather(v, (uint32_t)avail, slots, &n), status;
		struct net_gso gso;
		bool gso_v6;

		if (g < 0) {
			vif_break(v, "a tx packet with more slots than the protocol allows");
			break;
		}
		if (g == 0)
			break;		/* the rest of the packet is not published yet */
		v->tx.cons += n;
		status = tx_check(slots, n, &total, &gso_size, &gso_v6);
		if (status == NETIF_RSP_OKAY)
			status = tx_copy(v, slots, n, total);
		/*
		 * A superframe's checksum is left partial (net_gso_check): its
		 * segments or its receiver finish it. A blank one on a plain
		 * frame is filled here, so every receiver and the uplink get a
		 * whole checksum; one that cannot be filled is refused (the
		 * data-validated flag would otherwise pass a wrong one on).
		 */
		if (status == NETIF_RSP_OKAY && gso_size &&
		    (gso_v6 ? net_gso_check6 : net_gso_check)(v->tx_buf, total, gso_size, &gso))
			status = NETIF_RSP_ERROR;
		else if (status == NETIF_RSP_OKAY && !gso_size && (slots[0].req.flags & NETTXF_csum_blank) &&
			 net_csum_fill(v->tx_buf, total))
			status = NETIF_RSP_ERROR;
		if (status == NETIF_RSP_OKAY && memcmp(v->tx_buf + 6, v->mac, 6)) {
			status = NETIF_RSP_DROPPED;	/* a source address not the vif's: no stealing others' traffic */
			v->stats.tx_spoofed++;
		} else if (status == NETIF_RSP_OKAY && v->ip_set && !nb_ip_allowed(v->tx_buf, total, v->ip)) {
			status = NETIF_RSP_DROPPED;	/* a superframe too: its segments share this header */
			v->stats.tx_spoofed_ip++;
		}
		if (status == NETIF_RSP_OKAY) {
			v->stats.tx_packets++;
			v->stats.tx_bytes += total;
			v->stats.tx_gso += gso_size != 0;
			v->stats.tx_gso6 += gso_size && gso_v6;
			v->deliver(v->deliver_arg, v->tx_buf, total, gso_size ? &gso : NULL);
		} else if (status == NETIF_RSP_ERROR) {
			v->stats.tx_errors++;
		}
		tx_respond(v, slots, n, status);
		packets++;
	}
	if (avail < 0)
		vif_break(v, "tx req_prod claims more requests than the ring holds");
	push_and_notify(v, &v->tx);
	if (packets >= v->tx_budget && packets < NB_TX_BATCH) {
		*more = avail > 0;	/* stopped for the caller's room, not the ring's end: no event asked */
		return packets;
	}
	if (!v->broken) {
		avail = pvabi_back_final_check(&v->tx);
		if (avail < 0)
			vif_break(v, "tx req_prod claims more requests than the ring holds");
		*more = avail > 0;
	}
	return packets;
}

/* The next posted rx request, copied once, and the response slot that answers it. */
static struct netif_rx_response *rx_take(struct nb_vif *v, struct netif_rx_request *req)
{
	PVABI_BACK_TAKE(&v->rx, req);
	return pvabi_back_next_response(&v->rx);
}

bool nb_rx_takes_gso(const struct nb_vif *v, const struct net_gso *gso)
{
	return gso->v6 ? v->rx_gso6 : v->rx_gso;
}

uint32_t nb_rx_slots(const struct nb_vif *v, size_t len, const struct net_gso *gso)
{
	if (!gso)
		return 1;
	return nb_rx_takes_gso(v, gso) ? (uint32_t)(len + NB_PAGE - 1) / NB_PAGE + 1 : gso->segs;
}

int64_t nb_rx_posted(const struct nb_vif *v)
{
	return pvabi_back_pending_requests(&v->rx);
}

int nb_rx_deliver(struct nb_vif *v, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	struct gnttab_copy ops[NB_BUF_PAGES];
	struct netif_rx_response *rsp[NB_BUF_PAGES];
	struct netif_rx_request req;
	uint32_t pieces = (uint32_t)(len + NB_PAGE - 1) / NB_PAGE, need;
	int64_t avail;
	bool ok;

	if (v->broken || len < NB_MIN_FRAME || len > (gso ? NET_GSO_MAX_LEN : NB_MAX_FRAME) ||
	    (gso && !nb_rx_takes_gso(v, gso)))
		return -1;
	need = pieces + (gso ? 1 : 0);
	avail = pvabi_back_pending_requests(&v->rx);
	if (avail < 0) {
		vif_break(v, "rx req_prod claims more requests than the ring holds");
		return -1;
	}
	if (avail < need) {
		v->stats.rx_no_buffer++;
		return -1;
	}
	memcpy(v->rx_buf, frame, len);
	/*
	 * Response order as netfront reads it: the first data slot (flagged
	 * extra_info), the GSO extra in the slot after it (its request's
	 * buffer goes back to the frontend unused), then the other pages.
	 */
	for (uint32_t i = 0; i < pieces; i++) {
		uint32_t piece = i + 1 < pieces ? NB_PAGE : (uint32_t)len - i * NB_PAGE;

		uint16_t flags = (uint16_t)((i + 1 < pieces ? NETRXF_more_data : 0) |
					    (i == 0 && gso ? NETRXF_extra_info | NETRXF_csum_blank | NETRXF_data_validated : 0));

		rsp[i] = rx_take(v, &req);
		*rsp[i] = (struct netif_rx_response){ .id = req.id, .flags = flags, .status = (int16_t)piece };
		ops[i] = (struct gnttab_copy){
			.source = { .u.gmfn = v->rx_gmfns[i], .domid = DOMID_SELF, .offset = 0 },
			.dest = { .u.ref = req.gref, .domid = v->domid, .offset = 0 },
			.len = (uint16_t)piece, .flags = GNTCOPY_dest_gref,
		};
		if (i == 0 && gso)
			*(struct netif_extra_info *)rx_take(v, &req) = (struct netif_extra_info){
				.type = XEN_NETIF_EXTRA_TYPE_GSO,
				.u.gso = { .size = gso->size,
					   .type = gso->v6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4 },
			};
	}
	ok = v->plat.copy(v->plat.ctx, ops, pieces) == 0;
	for (uint32_t i = 0; i < pieces; i++)
		ok = ok && ops[i].status == GNTST_okay;
	if (!ok)
		for (uint32_t i = 0; i < pieces; i++)
			rsp[i]->status = NETIF_RSP_ERROR;	/* netfront drops the whole packet */
	if (!v->rx_defer)
		push_and_notify(v, &v->rx);
	if (!ok) {
		v->stats.rx_errors++;
		return -1;
	}
	v->stats.rx_packets++;
	v->stats.rx_gso += gso != NULL;
	v->stats.rx_gso6 += gso && gso->v6;
	v->stats.rx_bytes += len;
	return 0;
}

void nb_rx_push(struct nb_vif *v)
{
	push_and_notify(v, &v->rx);
}

/* FNV-1a over n bytes, continuing h. */
static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

unsigned int nb_flow_queue(const uint8_t *frame, size_t len, unsigned int queues)
{
	const uint8_t *ip = frame + 14;
	uint32_t h = 2166136261u, hlen;
	bool ports;

	if (queues <= 1 || len < 14 + 20)
		return 0;
	if (frame[12] == 0x86 && frame[13] == 0xdd && len >= 14 + 40 && (ip[0] >> 4) == 6) {
		/* IPv6: the next header, both addresses, and the ports when TCP or UDP follows the fixed header. */
		ports = (ip[6] == 6 || ip[6] == 17) && 14 + 40 + 4 <= len;
		h = fnv(fnv(h, ip + 6, 1), ip + 8, 32);
		if (ports)
			h = fnv(h, ip + 40, 4);
		return (h ^ (h >> 16)) % queues;
	}
	if (frame[12] != 0x08 || frame[13] != 0x00 || (ip[0] >> 4) != 4)
		return 0;
	hlen = (uint32_t)(ip[0] & 15) * 4;
	/* No ports for fragments: they carry none after the first, and a flow's fragments must stay together. */
	ports = (ip[9] == 6 || ip[9] == 17) && hlen >= 20 && 14 + hlen + 4 <= len && !(ip[6] & 0x3f) && !ip[7];
	h = fnv(fnv(h, ip + 9, 1), ip + 12, 8);		/* the protocol, then the addresses */
	if (ports)
		h = fnv(h, ip + hlen, 4);
	return (h ^ (h >> 16)) % queues;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool nb_ip_allowed(const uint8_t *frame, size_t len, uint32_t ip)
{
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
	const uint8_t *l3 = frame + 14;
	uint32_t src, hlen;

	switch (type) {
	case 0x0800:
		if (len < 14 + 20 || (l3[0] >> 4) != 4)
			return false;
		src = be32_at(l3 + 12);
		if (src == ip)
			return true;
		/* DHCP before a lease: UDP 68 -> 67 from 0.0.0.0, as Xen's antispoof lets through. */
		hlen = (uint32_t)(l3[0] & 15) * 4;
		return src == 0 && l3[9] == 17 && hlen >= 20 && 14 + hlen + 8 <= len && !(l3[6] & 0x3f) && !l3[7] &&
		       l3[hlen] == 0 && l3[hlen + 1] == 68 && l3[hlen + 2] == 0 && l3[hlen + 3] == 67;
	case 0x0806:
		/* Ethernet/IPv4 ARP: the sender's protocol address follows its 6-byte hardware address. */
		if (len < 14 + 28 || l3[4] != 6 || l3[5] != 4)
			return false;
		src = be32_at(l3 + 14);
		return src == ip || src == 0;
	case 0x8100:
	case 0x88a8:
		return false;
	default:
		return true;
	}
}

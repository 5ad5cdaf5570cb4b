/* SPDX-License-Identifier: MIT */
/* netback's rings: whole tx packets gathered from private copies of their slots, checked, grant-copied in; rx by copy. */
#include <string.h>
#include <pvabi/xen.h>
#include "netback.h"

#define NB_MAX_DATA_SLOTS	XEN_NETIF_NR_SLOTS_MIN
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
		 const struct nb_platform *plat, nb_deliver_fn deliver, void *deliver_arg, uint8_t *tx_page,
		 xen_pfn_t tx_gmfn, uint8_t *rx_page, xen_pfn_t rx_gmfn)
{
	*v = (struct nb_vif){ .domid = domid, .plat = *plat, .deliver = deliver, .deliver_arg = deliver_arg,
			      .tx_page = tx_page, .tx_gmfn = tx_gmfn, .rx_page = rx_page, .rx_gmfn = rx_gmfn,
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
 * slots than any packet may have).
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
		if (++data > NB_MAX_DATA_SLOTS)
			return -1;
		if (i >= avail)
			return 0;
		slot_copy(v, i, &slots[i], false);
		more = slots[i++].req.flags & NETTXF_more_data;
	}
	*n = i;
	return 1;
}

/* NETIF_RSP_OKAY when the packet's sizes and offsets make sense (its length in *total), else NETIF_RSP_ERROR. */
static int tx_check(const struct tx_slot *slots, uint32_t n, uint32_t *total)
{
	uint32_t rest = 0, first_len;

	for (uint32_t i = 1; i < n; i++) {
		if (slots[i].is_extra)
			return NETIF_RSP_ERROR;	/* an extra we never offered (GSO, multicast, hash, XDP) */
		rest += slots[i].req.size;
		if ((uint32_t)slots[i].req.offset + slots[i].req.size > NB_PAGE)
			return NETIF_RSP_ERROR;
	}
	*total = slots[0].req.size;
	if (*total < NB_MIN_FRAME || *total > NB_MAX_FRAME || rest > *total)
		return NETIF_RSP_ERROR;
	first_len = *total - rest;
	if ((uint32_t)slots[0].req.offset + first_len > NB_PAGE)
		return NETIF_RSP_ERROR;
	return NETIF_RSP_OKAY;
}

/* Grant-copies the packet's data into tx_page: NETIF_RSP_OKAY, or NETIF_RSP_ERROR if any copy failed. */
static int tx_copy(struct nb_vif *v, const struct tx_slot *slots, uint32_t n, uint32_t total)
{
	struct gnttab_copy ops[NB_MAX_DATA_SLOTS];
	uint32_t nops = 0, pos = 0, rest = 0;

	for (uint32_t i = 1; i < n; i++)
		rest += slots[i].req.size;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = i == 0 ? total - rest : slots[i].req.size;

		if (!len)
			continue;
		ops[nops++] = (struct gnttab_copy){
			.source = { .u.ref = slots[i].req.gref, .domid = v->domid, .offset = slots[i].req.offset },
			.dest = { .u.gmfn = v->tx_gmfn, .domid = DOMID_SELF, .offset = (uint16_t)pos },
			.len = (uint16_t)len, .flags = GNTCOPY_source_gref,
		};
		pos += len;
	}
	if (v->plat.copy(v->plat.ctx, ops, nops) < 0)
		return NETIF_RSP_ERROR;
	for (uint32_t i = 0; i < nops; i++)
		if (ops[i].status != GNTST_okay)
			return NETIF_RSP_ERROR;
	return NETIF_RSP_OKAY;
}

/*
 * The frontend left the TCP or UDP checksum to us (NETTXF_csum_blank, as
 * Linux does for the IPv4 offload every backend is assumed to have): fill
 * it in over the IPv4 pseudo-header. 0, or -1 when the frame is not a
 * whole IPv4 TCP or UDP datagram (it is then refused: the data validated
 * flag would otherwise pass a wrong checksum on).
 */
static int tx_fill_csum(uint8_t *f, uint32_t len)
{
	uint32_t hlen, total, l4len, sum = 0;
	uint8_t *ip = f + 14, *l4;
	unsigned int field;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4)
		return -1;
	hlen = (uint32_t)(ip[0] & 15) * 4;
	total = (uint32_t)ip[2] << 8 | ip[3];
	if (hlen < 20 || total < hlen || 14 + total > len || (ip[6] & 0x3f) || ip[7])
		return -1;		/* a fragment carries no whole segment to sum */
	l4 = ip + hlen;
	l4len = total - hlen;
	if (ip[9] == 6 && l4len >= 20)
		field = 16;
	else if (ip[9] == 17 && l4len >= 8)
		field = 6;
	else
		return -1;
	l4[field] = l4[field + 1] = 0;
	for (unsigned int i = 12; i < 20; i += 2)	/* source and destination addresses */
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum += ip[9] + l4len;
	for (uint32_t i = 0; i + 1 < l4len; i += 2)
		sum += (uint32_t)l4[i] << 8 | l4[i + 1];
	if (l4len & 1)
		sum += (uint32_t)l4[l4len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (ip[9] == 17 && sum == 0)
		sum = 0xffff;		/* UDP sends a computed zero as all-ones */
	l4[field] = (uint8_t)(sum >> 8);
	l4[field + 1] = (uint8_t)sum;
	return 0;
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
	struct tx_slot slots[NB_MAX_DATA_SLOTS + NB_MAX_EXTRAS];
	unsigned int packets = 0;
	int64_t avail = 0;

	*more = false;
	if (v->broken)
		return 0;
	while (packets < v->tx_budget && packets < NB_TX_BATCH && (avail = pvabi_back_pending_requests(&v->tx)) > 0) {
		uint32_t n = 0, total = 0;
		int g = tx_gather(v, (uint32_t)avail, slots, &n), status;

		if (g < 0) {
			vif_break(v, "a tx packet with more slots than the protocol allows");
			break;
		}
		if (g == 0)
			break;		/* the rest of the packet is not published yet */
		v->tx.cons += n;
		status = tx_check(slots, n, &total);
		if (status == NETIF_RSP_OKAY)
			status = tx_copy(v, slots, n, total);
		if (status == NETIF_RSP_OKAY && (slots[0].req.flags & NETTXF_csum_blank) &&
		    tx_fill_csum(v->tx_page, total))
			status = NETIF_RSP_ERROR;
		if (status == NETIF_RSP_OKAY && memcmp(v->tx_page + 6, v->mac, 6)) {
			status = NETIF_RSP_DROPPED;	/* a source address not the vif's: no stealing others' traffic */
			v->stats.tx_spoofed++;
		}
		if (status == NETIF_RSP_OKAY) {
			v->stats.tx_packets++;
			v->stats.tx_bytes += total;
			v->deliver(v->deliver_arg, v->tx_page, total);
		} else if (status == NETIF_RSP_ERROR) {
			v->stats.tx_errors++;
		}
		tx_respond(v, slots, n, status);
		packets++;
	}
	if (avail < 0)
		vif_break(v, "tx req_prod claims more requests than the ring holds");
	push_and_notify(v, &v->tx);
	if (packets == v->tx_budget && packets < NB_TX_BATCH) {
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

int nb_rx_deliver(struct nb_vif *v, const uint8_t *frame, size_t len)
{
	struct netif_rx_request req;
	struct netif_rx_response *r;
	struct gnttab_copy op;
	int64_t avail;
	int16_t status;

	if (v->broken || len < NB_MIN_FRAME || len > NB_MAX_FRAME)
		return -1;
	avail = pvabi_back_pending_requests(&v->rx);
	if (avail < 0) {
		vif_break(v, "rx req_prod claims more requests than the ring holds");
		return -1;
	}
	if (avail == 0) {
		v->stats.rx_no_buffer++;
		return -1;
	}
	PVABI_BACK_TAKE(&v->rx, &req);
	memcpy(v->rx_page, frame, len);
	op = (struct gnttab_copy){
		.source = { .u.gmfn = v->rx_gmfn, .domid = DOMID_SELF, .offset = 0 },
		.dest = { .u.ref = req.gref, .domid = v->domid, .offset = 0 },
		.len = (uint16_t)len, .flags = GNTCOPY_dest_gref,
	};
	status = v->plat.copy(v->plat.ctx, &op, 1) == 0 && op.status == GNTST_okay ? (int16_t)len
										      : NETIF_RSP_ERROR;
	r = pvabi_back_next_response(&v->rx);
	*r = (struct netif_rx_response){ .id = req.id, .offset = 0, .flags = 0, .status = status };
	if (!v->rx_defer)
		push_and_notify(v, &v->rx);
	if (status < 0) {
		v->stats.rx_errors++;
		return -1;
	}
	v->stats.rx_packets++;
	v->stats.rx_bytes += len;
	return 0;
}

void nb_rx_push(struct nb_vif *v)
{
	push_and_notify(v, &v->rx);
}

/* SPDX-License-Identifier: MIT */
/* Host tests of netback (backends/netback): a simulated netfront on real ring pages, grants as an array of pages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <pvabi/xen.h>
#include "netback.h"
#include "netback_xs.h"

#define FRONT		5
#define NGRANTS		32
#define TX_GMFN		0x1000		/* dom0's buffers: NB_BUF_PAGES frames from here */
#define RX_GMFN		0x2000

static uint8_t tx_ring[4096] __attribute__((aligned(4096))), rx_ring[4096] __attribute__((aligned(4096)));
static uint8_t grants[NGRANTS][4096];		/* the frontend's granted pages, by ref */
static uint8_t tx_buf[NB_BUF_SIZE], rx_buf[NB_BUF_SIZE];	/* dom0's own */
static xen_pfn_t tx_gmfns[NB_BUF_PAGES], rx_gmfns[NB_BUF_PAGES];
static struct pvabi_ring ftx, frx;		/* the frontend's views */
static struct nb_vif v;
static const uint8_t vif_mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };
static unsigned int notified, copy_calls;
static bool copy_hypercall_fails;
static uint8_t delivered[4][NET_GSO_MAX_LEN];
static size_t delivered_len[4];
static struct net_gso delivered_gso[4];
static bool delivered_is_gso[4];
static unsigned int ndelivered;

static uint8_t *copy_end(struct gnttab_copy_ptr *p, bool gref, int16_t *status)
{
	if (gref) {
		if (p->domid != FRONT || p->u.ref >= NGRANTS) {
			*status = GNTST_bad_gntref;
			return NULL;
		}
		return grants[p->u.ref];
	}
	if (p->domid != DOMID_SELF || p->u.gmfn < TX_GMFN || p->u.gmfn >= RX_GMFN + NB_BUF_PAGES ||
	    (p->u.gmfn >= TX_GMFN + NB_BUF_PAGES && p->u.gmfn < RX_GMFN)) {
		*status = GNTST_bad_copy_arg;
		return NULL;
	}
	if (p->u.gmfn >= RX_GMFN)
		return rx_buf + (p->u.gmfn - RX_GMFN) * 4096;
	return tx_buf + (p->u.gmfn - TX_GMFN) * 4096;
}

/* GNTTABOP_copy as the hypervisor checks it: refs, domains, offset + len within the page. */
static int fake_copy(void *ctx, struct gnttab_copy *ops, unsigned int n)
{
	ck_assert_ptr_eq(ctx, &v);
	copy_calls++;
	if (copy_hypercall_fails)
		return -14;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *src, *dst;

		ops[i].status = GNTST_okay;
		src = copy_end(&ops[i].source, ops[i].flags & GNTCOPY_source_gref, &ops[i].status);
		dst = copy_end(&ops[i].dest, ops[i].flags & GNTCOPY_dest_gref, &ops[i].status);
		if (!src || !dst)
			continue;
		if (ops[i].source.offset + ops[i].len > 4096 || ops[i].dest.offset + ops[i].len > 4096) {
			ops[i].status = GNTST_bad_copy_arg;
			continue;
		}
		memcpy(dst + ops[i].dest.offset, src + ops[i].source.offset, ops[i].len);
	}
	return 0;
}

static void fake_notify(void *ctx)
{
	ck_assert_ptr_eq(ctx, &v);
	notified++;
}

static void deliver(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	ck_assert_ptr_eq(arg, &v);
	ck_assert_uint_le(len, gso ? NET_GSO_MAX_LEN : NB_MAX_FRAME);
	if (ndelivered < 4) {
		memcpy(delivered[ndelivered], frame, len);
		delivered_len[ndelivered] = len;
		delivered_is_gso[ndelivered] = gso != NULL;
		if (gso)
			delivered_gso[ndelivered] = *gso;
	}
	ndelivered++;
}

static void setup(void)
{
	static const struct nb_platform plat = { fake_copy, fake_notify, &v };

	memset(tx_ring, 0, sizeof(tx_ring));
	memset(rx_ring, 0, sizeof(rx_ring));
	pvabi_sring_init((struct pvabi_sring_hdr *)tx_ring);
	pvabi_sring_init((struct pvabi_sring_hdr *)rx_ring);
	ck_assert(pvabi_ring_attach(&ftx, tx_ring, 4096, sizeof(union netif_tx_sring_entry)));
	ck_assert(pvabi_ring_attach(&frx, rx_ring, 4096, sizeof(union netif_rx_sring_entry)));
	for (unsigned int i = 0; i < NB_BUF_PAGES; i++) {
		tx_gmfns[i] = TX_GMFN + i;
		rx_gmfns[i] = RX_GMFN + i;
	}
	nb_vif_init(&v, FRONT, vif_mac, tx_ring, rx_ring, &plat, deliver, &v, tx_buf, tx_gmfns, rx_buf, rx_gmfns);
	notified = copy_calls = ndelivered = 0;
	copy_hypercall_fails = false;
	for (unsigned int g = 0; g < NGRANTS; g++)
		for (unsigned int k = 0; k < 4096; k++)
			grants[g][k] = (uint8_t)(g * 13 + k);
}

/* A frame in grant g at offset off: our MAC as source, so it is not dropped as spoofed. */
static void frame_at(unsigned int g, unsigned int off, const uint8_t *src_mac)
{
	memset(grants[g] + off, 0xff, 6);
	memcpy(grants[g] + off + 6, src_mac ? src_mac : vif_mac, 6);
}

static void tx_req(uint32_t gref, uint16_t off, uint16_t flags, uint16_t id, uint16_t size)
{
	struct netif_tx_request *r = pvabi_front_next_request(&ftx);

	ck_assert_ptr_nonnull(r);
	*r = (struct netif_tx_request){ .gref = gref, .offset = off, .flags = flags, .id = id, .size = size };
}

static void tx_push(void)
{
	pvabi_front_push_requests(&ftx);
}

/* The next tx response the frontend sees. */
static struct netif_tx_response tx_rsp(void)
{
	struct netif_tx_response r;

	ck_assert_int_gt(pvabi_front_pending_responses(&ftx), 0);
	PVABI_FRONT_TAKE(&ftx, &r);
	return r;
}

static unsigned int poll(bool *more)
{
	bool m;

	return nb_tx_poll(&v, more ? more : &m);
}

START_TEST(test_tx_one_slot)
{
	struct netif_tx_response r;

	setup();
	frame_at(3, 100, NULL);
	tx_req(3, 100, 0, 42, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_uint_eq(ndelivered, 1);
	ck_assert_uint_eq(delivered_len[0], 60);
	ck_assert_mem_eq(delivered[0], grants[3] + 100, 60);
	r = tx_rsp();
	ck_assert_uint_eq(r.id, 42);
	ck_assert_int_eq(r.status, NETIF_RSP_OKAY);
	ck_assert_uint_eq(notified, 1);			/* the frontend asked (rsp_event 1) */
	ck_assert_uint_eq(v.stats.tx_packets, 1);
}
END_TEST

/* Three slots: the first's size is the whole packet, its own data what the others leave. */
START_TEST(test_tx_scatter_gather)
{
	uint8_t want[1000];

	setup();
	frame_at(1, 4000, NULL);
	tx_req(1, 4000, NETTXF_more_data, 1, 1000);	/* 96 bytes here */
	tx_req(2, 0, NETTXF_more_data, 2, 500);
	tx_req(4, 3596, 0, 3, 404);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	memcpy(want, grants[1] + 4000, 96);
	memcpy(want + 96, grants[2], 500);
	memcpy(want + 596, grants[4] + 3596, 404);
	ck_assert_uint_eq(delivered_len[0], 1000);
	ck_assert_mem_eq(delivered[0], want, 1000);
	for (int i = 1; i <= 3; i++) {
		struct netif_tx_response r = tx_rsp();

		ck_assert_uint_eq(r.id, i);
		ck_assert_int_eq(r.status, NETIF_RSP_OKAY);
	}
}
END_TEST

/* A packet whose last published slot says more_data waits, untouched, until the rest is there. */
START_TEST(test_tx_incomplete_waits)
{
	setup();
	frame_at(1, 0, NULL);
	tx_req(1, 0, NETTXF_more_data, 1, 100);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 0);
	ck_assert_uint_eq(v.tx.cons, 0);
	ck_assert_int_eq(pvabi_front_pending_responses(&ftx), 0);
	tx_req(2, 0, 0, 2, 50);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_uint_eq(delivered_len[0], 100);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
}
END_TEST

/* Packets whose sizes lie: each answered with an error, nothing delivered, nothing copied out of bounds, vif fine. */
START_TEST(test_tx_bad_sizes)
{
	setup();
	frame_at(1, 0, NULL);
	tx_req(1, 0, 0, 1, NB_MAX_FRAME + 1);		/* too big without GSO */
	tx_req(1, 0, 0, 2, 13);				/* shorter than an Ethernet header */
	tx_req(1, 4000, 0, 3, 100);			/* past the end of the page */
	tx_req(1, 0, NETTXF_more_data, 4, 100);		/* the others claim more than the whole */
	tx_req(2, 0, 0, 5, 200);
	tx_req(1, 0, NETTXF_more_data, 6, 100);		/* a later slot past its page */
	tx_req(2, 4090, 0, 7, 10);
	tx_req(NGRANTS + 5, 0, 0, 8, 60);		/* a ref that is not granted: the copy fails */
	tx_push();
	ck_assert_uint_eq(poll(NULL), 6);
	ck_assert_uint_eq(ndelivered, 0);
	for (int i = 1; i <= 8; i++) {
		struct netif_tx_response r = tx_rsp();

		ck_assert_uint_eq(r.id, i);
		ck_assert_int_eq(r.status, NETIF_RSP_ERROR);
	}
	ck_assert_uint_eq(copy_calls, 1);		/* only the last reached the hypervisor */
	ck_assert(!v.broken);
	ck_assert_uint_eq(v.stats.tx_errors, 6);
	frame_at(1, 0, NULL);
	tx_req(1, 0, 0, 9, 60);				/* and the next good packet goes through */
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_uint_eq(ndelivered, 1);
}
END_TEST

START_TEST(test_tx_copy_hypercall_fails)
{
	setup();
	frame_at(1, 0, NULL);
	copy_hypercall_fails = true;
	tx_req(1, 0, 0, 1, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_ERROR);
	ck_assert_uint_eq(ndelivered, 0);
}
END_TEST

START_TEST(test_tx_spoofed_source)
{
	const uint8_t other[6] = { 0x00, 0x16, 0x3e, 0x09, 0x09, 0x09 };

	setup();
	frame_at(1, 0, other);
	tx_req(1, 0, 0, 1, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_DROPPED);
	ck_assert_uint_eq(ndelivered, 0);
	ck_assert_uint_eq(v.stats.tx_spoofed, 1);
}
END_TEST

/* An extra-info slot we never offered (multicast control): the packet is refused, the extra slot answered with NULL. */
START_TEST(test_tx_extra_refused)
{
	struct netif_extra_info *x;
	struct netif_tx_response r;

	setup();
	frame_at(1, 0, NULL);
	tx_req(1, 0, NETTXF_extra_info, 7, 60);
	x = pvabi_front_next_request(&ftx);
	*x = (struct netif_extra_info){ .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD, .flags = 0 };
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	r = tx_rsp();
	ck_assert_uint_eq(r.id, 7);
	ck_assert_int_eq(r.status, NETIF_RSP_ERROR);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_NULL);
	ck_assert_uint_eq(ndelivered, 0);
}
END_TEST

/* A chain longer than any packet may be: the frontend broke the protocol; its vif stops, nothing else happens. */
START_TEST(test_tx_too_many_slots)
{
	setup();
	for (int i = 0; i < 21; i++)			/* past the 20 a refused packet may have */
		tx_req(1, 0, NETTXF_more_data, (uint16_t)i, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 0);
	ck_assert(v.broken);
	ck_assert_uint_eq(copy_calls, 0);
	ck_assert_int_eq(pvabi_front_pending_responses(&ftx), 0);
	frame_at(1, 0, NULL);
	ck_assert_int_eq(nb_rx_deliver(&v, grants[1], 60, NULL), -1);	/* a broken vif gets no frames either */
}
END_TEST

/* req_prod far past what the ring holds: refused before a single slot is read. */
START_TEST(test_tx_hostile_prod)
{
	setup();
	((struct pvabi_sring_hdr *)tx_ring)->req_prod = 1000;
	ck_assert_uint_eq(poll(NULL), 0);
	ck_assert(v.broken);
	ck_assert_uint_eq(ndelivered, 0);
	ck_assert_uint_eq(copy_calls, 0);
}
END_TEST

/* One call takes at most NB_TX_BATCH packets and says more are waiting: a busy guest cannot hold dom0. */
START_TEST(test_tx_batch_bound)
{
	unsigned int total = 0, n;
	bool more;

	setup();
	ck_assert_uint_ge(ftx.nr_ents, NB_TX_BATCH + 10);
	frame_at(1, 0, NULL);
	for (int i = 0; i < NB_TX_BATCH + 10; i++)
		tx_req(1, 0, 0, (uint16_t)i, 60);
	tx_push();
	n = nb_tx_poll(&v, &more);
	ck_assert_uint_eq(n, NB_TX_BATCH);
	ck_assert(more);
	total += n;
	ck_assert_uint_eq(ndelivered, NB_TX_BATCH);
	n = nb_tx_poll(&v, &more);
	ck_assert_uint_eq(n, 10);
	ck_assert(!more);
	total += n;
	ck_assert_uint_eq(total, NB_TX_BATCH + 10);
	ck_assert_uint_eq(ndelivered, NB_TX_BATCH + 10);
}
END_TEST

/* The caller's budget (its uplink's room) bounds a poll; what is left waits in the ring, answered later. */
START_TEST(test_tx_budget)
{
	bool more;

	setup();
	frame_at(1, 0, NULL);
	for (int i = 0; i < 5; i++)
		tx_req(1, 0, 0, (uint16_t)i, 60);
	tx_push();
	v.tx_budget = 0;
	ck_assert_uint_eq(nb_tx_poll(&v, &more), 0);
	v.tx_budget = 3;
	ck_assert_uint_eq(nb_tx_poll(&v, &more), 3);
	ck_assert(more);
	ck_assert_int_eq(pvabi_front_pending_responses(&ftx), 3);
	v.tx_budget = NB_TX_BATCH;
	ck_assert_uint_eq(nb_tx_poll(&v, &more), 2);
	ck_assert(!more);
	ck_assert_uint_eq(ndelivered, 5);
	ck_assert(!v.broken);
}
END_TEST

static void rx_post(uint16_t id, uint32_t gref)
{
	struct netif_rx_request *r = pvabi_front_next_request(&frx);

	ck_assert_ptr_nonnull(r);
	*r = (struct netif_rx_request){ .id = id, .gref = gref };
	pvabi_front_push_requests(&frx);
}

START_TEST(test_rx)
{
	uint8_t frame[200];
	struct netif_rx_response r;

	setup();
	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i ^ 0x5a);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), -1);	/* nothing posted: dropped */
	ck_assert_uint_eq(v.stats.rx_no_buffer, 1);
	rx_post(11, 6);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), 0);
	ck_assert_mem_eq(grants[6], frame, sizeof(frame));
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 1);
	PVABI_FRONT_TAKE(&frx, &r);
	ck_assert_uint_eq(r.id, 11);
	ck_assert_uint_eq(r.offset, 0);
	ck_assert_int_eq(r.status, sizeof(frame));
	ck_assert_uint_eq(notified, 1);
	rx_post(12, NGRANTS + 1);				/* a ref that is not granted */
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), -1);
	PVABI_FRONT_TAKE(&frx, &r);
	ck_assert_uint_eq(r.id, 12);
	ck_assert_int_eq(r.status, NETIF_RSP_ERROR);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, NB_MAX_FRAME + 1, NULL), -1);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, 5, NULL), -1);
	ck_assert(!v.broken);
	((struct pvabi_sring_hdr *)rx_ring)->req_prod += 5000;	/* hostile */
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), -1);
	ck_assert(v.broken);
}
END_TEST

/* Deferred rx: frames land in the buffers at once, the responses and one notification only at nb_rx_push. */
START_TEST(test_rx_deferred)
{
	uint8_t frame[100];

	setup();
	memset(frame, 0x33, sizeof(frame));
	v.rx_defer = true;
	rx_post(1, 3);
	rx_post(2, 4);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), 0);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), NULL), 0);
	ck_assert_mem_eq(grants[4], frame, sizeof(frame));
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 0);
	ck_assert_uint_eq(notified, 0);
	nb_rx_push(&v);
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 2);
	ck_assert_uint_eq(notified, 1);
	nb_rx_push(&v);					/* nothing new: no second notification */
	ck_assert_uint_eq(notified, 1);
}
END_TEST

START_TEST(test_tx_spoofed_ip)
{
	uint8_t *f = grants[1];

	setup();
	v.ip_set = true;
	v.ip = 0x0a00020f;
	for (unsigned int k = 0; k < 2; k++) {
		frame_at(1, 0, NULL);
		memset(f + 12, 0, 50);
		f[12] = 0x08;
		f[14] = 0x45;
		f[17] = 46;
		f[23] = 1;
		memcpy(f + 26, k ? "\x0a\x00\x02\x0f" : "\x0a\x00\x02\x63", 4);
		tx_req(1, 0, 0, (uint16_t)k, 60);
		tx_push();
		ck_assert_uint_eq(poll(NULL), 1);
		ck_assert_int_eq(tx_rsp().status, k ? NETIF_RSP_OKAY : NETIF_RSP_DROPPED);
	}
	ck_assert_uint_eq(ndelivered, 1);
	ck_assert_uint_eq(v.stats.tx_spoofed_ip, 1);
	v.ip_set = false;
	memcpy(f + 26, "\x0a\x00\x02\x63", 4);
	tx_req(1, 0, 0, 2, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_uint_eq(ndelivered, 2);
}
END_TEST

/* An IPv4 TCP (proto 6) or UDP (17) frame of l4len bytes in grant g, its L4 checksum left as garbage. */
static uint32_t ip_frame(unsigned int g, uint8_t proto, uint32_t l4len)
{
	uint8_t *f = grants[g], *ip = f + 14;

	frame_at(g, 0, NULL);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4len) >> 8);
	ip[3] = (uint8_t)(20 + l4len);
	ip[6] = 0x40;				/* DF: not a fragment */
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10, ip[13] = 0, ip[14] = 2, ip[15] = 15;
	ip[16] = 10, ip[17] = 0, ip[18] = 2, ip[19] = 2;
	if (proto == 17) {
		ip[20 + 4] = (uint8_t)(l4len >> 8);
		ip[20 + 5] = (uint8_t)l4len;
	}
	return 14 + 20 + l4len;
}

/* The L4 checksum over the pseudo-header, computed the slow way: 0 when the delivered frame's is right. */
static uint16_t l4_check(const uint8_t *f)
{
	const uint8_t *ip = f + 14;
	uint32_t l4len = (uint32_t)(ip[2] << 8 | ip[3]) - 20, sum = 0;

	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += ip[9] + l4len;
	for (uint32_t i = 0; i < l4len; i++)
		sum += i & 1 ? ip[20 + i] : (uint32_t)ip[20 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

START_TEST(test_tx_csum_blank)
{
	uint32_t len;

	setup();
	len = ip_frame(1, 6, 1000);
	grants[1][14 + 20 + 16] = 0x12;		/* whatever a partial checksum left there */
	tx_req(1, 0, NETTXF_csum_blank | NETTXF_data_validated, 1, (uint16_t)len);
	len = ip_frame(2, 17, 333);
	tx_req(2, 0, NETTXF_csum_blank, 2, (uint16_t)len);
	len = ip_frame(3, 1, 64);			/* ICMP: not ours to fill */
	tx_req(3, 0, NETTXF_csum_blank, 3, (uint16_t)len);
	len = ip_frame(4, 6, 100);
	grants[4][14 + 7] = 8;				/* a fragment */
	tx_req(4, 0, NETTXF_csum_blank, 4, (uint16_t)len);
	len = ip_frame(5, 6, 100);
	grants[5][14 + 3] = 200;			/* IP length past the frame */
	tx_req(5, 0, NETTXF_csum_blank, 5, (uint16_t)len);
	len = ip_frame(6, 6, 100);
	tx_req(6, 0, 0, 6, (uint16_t)len);		/* not blank: left as it is */
	tx_push();
	ck_assert_uint_eq(poll(NULL), 6);
	ck_assert_uint_eq(ndelivered, 3);
	ck_assert_uint_eq(l4_check(delivered[0]), 0);
	ck_assert_uint_eq(l4_check(delivered[1]), 0);
	ck_assert_mem_eq(delivered[2], grants[6], 14 + 20 + 100);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	for (int i = 3; i <= 5; i++)
		ck_assert_int_eq(tx_rsp().status, NETIF_RSP_ERROR);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_uint_eq(v.stats.tx_errors, 3);
}
END_TEST


/*
 * A TCP/IPv4 superframe of payload bytes from grant g on (4096 bytes a
 * grant), offered with a GSO extra of gso_size and type: the data slots
 * after it, flags csum_blank as Linux sends it. Returns its length.
 */
static uint32_t gso_packet(unsigned int g, uint32_t payload, uint16_t gso_size, uint8_t type, uint16_t id)
{
	uint32_t total = 14 + 20 + 20 + payload, left = total;
	struct netif_extra_info *x;
	uint8_t *f = grants[g], *ip = f + 14;

	ip_frame(g, 6, 20 + payload);		/* ip_frame sizes the IPv4 header; the length wraps for > 64 KiB */
	ip[20 + 12] = 5 << 4;			/* TCP data offset 5 */
	tx_req(g, 0, NETTXF_extra_info | NETTXF_more_data | NETTXF_csum_blank, id, (uint16_t)total);
	x = pvabi_front_next_request(&ftx);
	*x = (struct netif_extra_info){ .type = XEN_NETIF_EXTRA_TYPE_GSO,
					.u.gso = { .size = gso_size, .type = type } };
	left -= 4096;
	for (unsigned int k = 1; left; k++) {
		uint32_t n = left < 4096 ? left : 4096;

		left -= n;
		tx_req(g + k, 0, left ? NETTXF_more_data : 0, (uint16_t)(id + k), (uint16_t)n);
	}
	return total;
}

/* The pseudo-header sum netback leaves in a superframe's TCP checksum (RFC 1071 by hand). */
static uint16_t pseudo_partial(const uint8_t *f)
{
	const uint8_t *ip = f + 14;
	uint32_t sum = 6 + (uint32_t)(ip[2] << 8 | ip[3]) - 20;

	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A superframe over three pages comes in whole, with its GSO size and a partial checksum, and is answered slot by slot. */
START_TEST(test_tx_gso)
{
	uint32_t total;
	uint8_t expect[3 * 4096];

	setup();
	total = gso_packet(1, 10000, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 20);
	memcpy(expect, grants[1], 4096);
	memcpy(expect + 4096, grants[2], 4096);
	memcpy(expect + 8192, grants[3], 4096);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_uint_eq(ndelivered, 1);
	ck_assert(delivered_is_gso[0]);
	ck_assert_uint_eq(delivered_len[0], total);
	ck_assert_uint_eq(delivered_gso[0].size, 1448);
	ck_assert_uint_eq(delivered_gso[0].segs, 7);
	ck_assert_uint_eq(delivered_gso[0].hdr_len, 54);
	ck_assert_mem_eq(delivered[0], expect, 14 + 20 + 16);
	ck_assert_mem_eq(delivered[0] + 54, expect + 54, total - 54);
	ck_assert_uint_eq((uint16_t)(delivered[0][50] << 8 | delivered[0][51]), pseudo_partial(delivered[0]));
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_NULL);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_uint_eq(v.stats.tx_gso, 1);
	ck_assert_uint_eq(v.stats.tx_errors, 0);
}
END_TEST

/* After a refused packet the vif still works: one plain frame goes through and nothing else was delivered. */
static void still_serves(unsigned int errors)
{
	ck_assert_uint_eq(poll(NULL), 1);
	while (pvabi_front_pending_responses(&ftx) > 1) {
		struct netif_tx_response r = tx_rsp();

		ck_assert(r.status == NETIF_RSP_ERROR || r.status == NETIF_RSP_NULL);
	}
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_ERROR);	/* the last slot of the bad packet */
	ck_assert_uint_eq(ndelivered, 0);
	ck_assert_uint_eq(v.stats.tx_errors, errors);
	ck_assert(!v.broken);
	frame_at(30, 0, NULL);
	tx_req(30, 0, 0, 99, 60);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_int_eq(tx_rsp().status, NETIF_RSP_OKAY);
	ck_assert_uint_eq(ndelivered, 1);
	ck_assert(!delivered_is_gso[0]);
	ndelivered = 0;
}

/* A hostile frontend's GSO packets: each refused with errors, the vif (and so the switch behind it) unharmed. */
START_TEST(test_tx_gso_hostile)
{
	uint32_t total;
	struct netif_extra_info *x;

	setup();
	gso_packet(1, 10000, 0, XEN_NETIF_GSO_TYPE_TCPV4, 1);		/* gso_size 0 */
	tx_push();
	still_serves(1);
	gso_packet(1, 10000, 9000, XEN_NETIF_GSO_TYPE_TCPV4, 1);	/* segments larger than any port's MTU */
	tx_push();
	still_serves(2);
	gso_packet(1, 60000, 0xffff, XEN_NETIF_GSO_TYPE_TCPV4, 1);	/* the largest gso_size there is */
	tx_push();
	still_serves(3);
	gso_packet(1, 10000, 64, XEN_NETIF_GSO_TYPE_TCPV4, 1);		/* 157 segments: over NET_GSO_MAX_SEGS */
	tx_push();
	still_serves(4);
	gso_packet(1, 10000, 1448, XEN_NETIF_GSO_TYPE_TCPV6, 1);	/* a TCPv6 extra on an IPv4 frame */
	tx_push();
	still_serves(5);
	total = gso_packet(1, 10000, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 1);
	grants[1][14 + 3] = (uint8_t)(total - 14 - 100);		/* IPv4 length short of the frame */
	grants[1][14 + 2] = (uint8_t)((total - 14 - 100) >> 8);
	tx_push();
	still_serves(6);
	gso_packet(1, 10000, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 1);
	grants[1][14 + 9] = 17;						/* UDP in a TCP superframe */
	tx_push();
	still_serves(7);
	/* Two GSO extras. */
	tx_req(1, 0, NETTXF_extra_info | NETTXF_more_data, 1, 5000);
	x = pvabi_front_next_request(&ftx);
	*x = (struct netif_extra_info){ .type = XEN_NETIF_EXTRA_TYPE_GSO, .flags = XEN_NETIF_EXTRA_FLAG_MORE,
					.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV4 } };
	x = pvabi_front_next_request(&ftx);
	*x = (struct netif_extra_info){ .type = XEN_NETIF_EXTRA_TYPE_GSO,
					.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV4 } };
	tx_req(2, 0, 0, 2, 904);
	tx_push();
	still_serves(8);
	/* A chain of 19 data slots, one more than a packet may have: refused whole, the frontend not cut off. */
	for (int i = 0; i < 19; i++)
		tx_req(1, 0, i < 18 ? NETTXF_more_data : 0, (uint16_t)i, i ? 10 : 19 * 10);
	tx_push();
	still_serves(9);
	/* A superframe whose slots claim more than its length. */
	tx_req(1, 0, NETTXF_extra_info | NETTXF_more_data, 1, 5000);
	x = pvabi_front_next_request(&ftx);
	*x = (struct netif_extra_info){ .type = XEN_NETIF_EXTRA_TYPE_GSO,
					.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV4 } };
	tx_req(2, 0, NETTXF_more_data, 2, 4096);
	tx_req(3, 0, 0, 3, 4096);
	tx_push();
	still_serves(10);
	ck_assert_uint_eq(v.stats.tx_gso, 0);
}
END_TEST

/* gso_packet's layout for TCP/IPv6 (payload bytes after 40 + 20 header bytes, type TCPv6). Returns its length. */
static uint32_t gso_packet6(unsigned int g, uint32_t payload, uint16_t gso_size, uint16_t id)
{
	uint32_t total = gso_packet(g, payload + 20, gso_size, XEN_NETIF_GSO_TYPE_TCPV6, id);
	uint8_t *f = grants[g], *ip = f + 14;

	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 60);
	ip[0] = 0x60;
	ip[4] = (uint8_t)((total - 54) >> 8);
	ip[5] = (uint8_t)(total - 54);
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = ip[24] = 0xfd;
	ip[23] = 1;
	ip[39] = 2;
	ip[40 + 12] = 5 << 4;
	return total;
}

/*
 * TCPv6 superframes are taken (feature-gso-tcpv6) with their partial
 * checksum written, counted apart; one with an extension header, or
 * claiming TCPv4, is refused; a blank IPv6 UDP checksum is filled in.
 */
START_TEST(test_tx_gso6)
{
	uint32_t total, sum;
	uint8_t *f;

	setup();
	total = gso_packet6(1, 10000, 1428, 20);
	tx_push();
	ck_assert_uint_eq(poll(NULL), 1);
	ck_assert_uint_eq(ndelivered, 1);
	ck_assert(delivered_is_gso[0] && delivered_gso[0].v6);
	ck_assert_uint_eq(delivered_len[0], total);
	ck_assert_uint_eq(delivered_gso[0].segs, 8);
	ck_assert_uint_eq(delivered_gso[0].hdr_len, 74);
	f = delivered[0];
	sum = 6 + (total - 54) + 0xfd00 + 1 + 0xfd00 + 2;	/* the pseudo-header by hand: these addresses' words */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq((uint32_t)(f[14 + 40 + 16] << 8 | f[14 + 40 + 17]), sum);
	ck_assert_uint_eq(v.stats.tx_gso, 1);
	ck_assert_uint_eq(v.stats.tx_gso6, 1);
	while (pvabi_front_pending_responses(&ftx))
		ck_assert_int_ne(tx_rsp().status, NETIF_RSP_ERROR);
	ndelivered = 0;
	gso_packet6(1, 10000, 1428, 20);
	grants[1][14 + 6] = 0;					/* a hop-by-hop header, refused in superframes */
	tx_push();
	still_serves(1);
	gso_packet6(1, 10000, 1441, 20);			/* segments over 1514 bytes */
	tx_push();
	still_serves(2);
	gso_packet6(1, 10000, 1428, 20);
	/* The extra (second of its four slots) claims TCPv4 for this IPv6 frame. */
	((struct netif_extra_info *)pvabi_ring_slot(&ftx, ftx.prod_pvt - 3))->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	tx_push();
	still_serves(3);
	ck_assert_uint_eq(v.stats.tx_gso6, 1);
}
END_TEST

/* A TCPv6 superframe goes whole only to a frontend that takes TCPv6 (rx_gso6), with a TCPv6 extra. */
START_TEST(test_rx_gso6)
{
	static uint8_t frame[5000];
	const struct net_gso g = { .size = 1428, .segs = 4, .hdr_len = 74, .ip_off = 14, .v6 = true };
	struct netif_rx_response r[3];
	struct netif_extra_info x;

	setup();
	memset(frame, 0x5a, sizeof(frame));
	v.rx_gso = true;					/* TCPv4 only */
	ck_assert(!nb_rx_takes_gso(&v, &g));
	ck_assert_uint_eq(nb_rx_slots(&v, sizeof(frame), &g), 4);	/* cut into its segments */
	rx_post(1, 10);
	rx_post(2, 11);
	rx_post(3, 12);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), -1);
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 0);
	v.rx_gso6 = true;
	ck_assert_uint_eq(nb_rx_slots(&v, sizeof(frame), &g), 3);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), 0);
	for (int i = 0; i < 3; i++)
		PVABI_FRONT_TAKE(&frx, &r[i]);
	ck_assert_uint_eq(r[0].flags, NETRXF_extra_info | NETRXF_more_data | NETRXF_csum_blank | NETRXF_data_validated);
	memcpy(&x, &r[1], sizeof(x));
	ck_assert_uint_eq(x.type, XEN_NETIF_EXTRA_TYPE_GSO);
	ck_assert_uint_eq(x.u.gso.size, 1428);
	ck_assert_uint_eq(x.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV6);
	ck_assert_uint_eq(v.stats.rx_gso, 1);
	ck_assert_uint_eq(v.stats.rx_gso6, 1);
}
END_TEST

static void rx_post(uint16_t id, uint32_t gref);

/* A superframe to a frontend that takes them: one buffer per page and one for the extra, all or none. */
START_TEST(test_rx_gso)
{
	static uint8_t frame[6000];
	const struct net_gso g = { .size = 1448, .segs = 5, .hdr_len = 54, .ip_off = 14 };
	struct netif_rx_response r[3];
	struct netif_extra_info x;

	setup();
	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), -1);	/* it never said it takes them */
	v.rx_gso = true;
	rx_post(1, 10);
	rx_post(2, 11);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), -1);	/* three buffers needed */
	ck_assert_uint_eq(v.stats.rx_no_buffer, 1);
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 0);
	rx_post(3, 12);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), 0);
	ck_assert_int_eq(pvabi_front_pending_responses(&frx), 3);
	for (int i = 0; i < 3; i++)
		PVABI_FRONT_TAKE(&frx, &r[i]);
	ck_assert_uint_eq(r[0].id, 1);
	ck_assert_int_eq(r[0].status, 4096);
	ck_assert_uint_eq(r[0].flags, NETRXF_extra_info | NETRXF_more_data | NETRXF_csum_blank | NETRXF_data_validated);
	memcpy(&x, &r[1], sizeof(x));
	ck_assert_uint_eq(x.type, XEN_NETIF_EXTRA_TYPE_GSO);
	ck_assert_uint_eq(x.flags, 0);
	ck_assert_uint_eq(x.u.gso.size, 1448);
	ck_assert_uint_eq(x.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	ck_assert_uint_eq(r[2].id, 3);
	ck_assert_int_eq(r[2].status, sizeof(frame) - 4096);
	ck_assert_uint_eq(r[2].flags, 0);
	ck_assert_mem_eq(grants[10], frame, 4096);
	ck_assert_mem_eq(grants[12], frame + 4096, sizeof(frame) - 4096);
	ck_assert_uint_eq(v.stats.rx_gso, 1);
	/* A bad buffer among them: every data slot answers an error. */
	rx_post(4, 10);
	rx_post(5, 11);
	rx_post(6, NGRANTS + 2);
	ck_assert_int_eq(nb_rx_deliver(&v, frame, sizeof(frame), &g), -1);
	PVABI_FRONT_TAKE(&frx, &r[0]);
	ck_assert_int_eq(r[0].status, NETIF_RSP_ERROR);
	ck_assert(!v.broken);
}
END_TEST

/* What a frame needs on the rx ring, and what the frontend has posted (dom0 keeps a reserve with these). */
START_TEST(test_rx_slots)
{
	const struct net_gso g = { .size = 1448, .segs = 42, .hdr_len = 54, .ip_off = 14 };

	setup();
	ck_assert_uint_eq(nb_rx_slots(&v, 60, NULL), 1);
	ck_assert_uint_eq(nb_rx_slots(&v, 60000, &g), 42);	/* cut into segments */
	v.rx_gso = true;
	ck_assert_uint_eq(nb_rx_slots(&v, 60000, &g), 16);	/* 15 pages and the extra */
	ck_assert_uint_eq(nb_rx_slots(&v, 4096, &g), 2);
	ck_assert_int_eq(nb_rx_posted(&v), 0);
	rx_post(1, 10);
	rx_post(2, 11);
	ck_assert_int_eq(nb_rx_posted(&v), 2);
	((struct pvabi_sring_hdr *)rx_ring)->req_prod += 5000;	/* hostile */
	ck_assert_int_eq(nb_rx_posted(&v), -1);
}
END_TEST

static Suite *netback_suite(void)
{
	Suite *s = suite_create("netback");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tx_one_slot);
	tcase_add_test(tc, test_tx_scatter_gather);
	tcase_add_test(tc, test_tx_incomplete_waits);
	tcase_add_test(tc, test_tx_bad_sizes);
	tcase_add_test(tc, test_tx_copy_hypercall_fails);
	tcase_add_test(tc, test_tx_spoofed_source);
	tcase_add_test(tc, test_tx_extra_refused);
	tcase_add_test(tc, test_tx_too_many_slots);
	tcase_add_test(tc, test_tx_hostile_prod);
	tcase_add_test(tc, test_tx_batch_bound);
	tcase_add_test(tc, test_tx_csum_blank);
	tcase_add_test(tc, test_tx_budget);
	tcase_add_test(tc, test_tx_gso);
	tcase_add_test(tc, test_tx_gso_hostile);
	tcase_add_test(tc, test_rx_gso);
	tcase_add_test(tc, test_tx_gso6);
	tcase_add_test(tc, test_rx_gso6);
	tcase_add_test(tc, test_rx_slots);
	tcase_add_test(tc, test_rx);
	tcase_add_test(tc, test_rx_deferred);
	tcase_add_test(tc, test_tx_spoofed_ip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(netback_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

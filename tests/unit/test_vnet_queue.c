/* SPDX-License-Identifier: MIT */
/* Host tests of virtio-net's buffers (backends/virtio/vnet_queue.c): a simulated device fills rx pages and consumes tx. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "virtio_net.h"
#include "virtio_os.h"

/* The harness side of virtio_os.h: host memory is its own bus address. */
static unsigned int pages_given, pages_limit = 1000000;

void *vio_dma_page(uint64_t *bus_addr)
{
	void *p;

	if (pages_given >= pages_limit)
		return NULL;
	p = aligned_alloc(4096, 4096);
	ck_assert_ptr_nonnull(p);
	memset(p, 0, 4096);
	pages_given++;
	*bus_addr = (uint64_t)(uintptr_t)p;
	return p;
}

uint64_t vio_bus_addr(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

static struct vnet_queues n;
static uint8_t rings[6][4096] __attribute__((aligned(4096)));
static uint16_t rx_seen, tx_seen;	/* the device's consumer indices */

static void setup_q(uint16_t size, unsigned int nrx, unsigned int ntx, int want)
{
	memset(rings, 0, sizeof(rings));
	memset(&n, 0, sizeof(n));
	rx_seen = tx_seen = 0;
	ck_assert_int_eq(virtq_init(&n.rx, size, rings[0], rings[1], rings[2]), 0);
	ck_assert_int_eq(virtq_init(&n.tx, size, rings[3], rings[4], rings[5]), 0);
	ck_assert_int_eq(vnet_queues_init(&n, nrx, ntx), want);
}

static void used_put(struct virtq *q, uint32_t id, uint32_t len)
{
	uint16_t u = q->used->idx;

	q->used->ring[u % q->size].id = id;
	q->used->ring[u % q->size].len = len;
	q->used->idx = (uint16_t)(u + 1);
}

/* The device receives frame (len bytes) into the next posted rx buffer, reporting wrote bytes written. */
static void dev_receive(const uint8_t *frame, size_t len, uint32_t wrote)
{
	uint16_t head;
	uint8_t *page;

	ck_assert_uint_ne(n.rx.avail->idx, rx_seen);
	head = n.rx.avail->ring[rx_seen++ % n.rx.size];
	ck_assert(n.rx.desc[head].flags & VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(n.rx.desc[head].len, VNET_BUF_SIZE);
	page = (uint8_t *)(uintptr_t)n.rx.desc[head].addr;
	memset(page, 0, sizeof(struct virtio_net_hdr));
	memcpy(page + sizeof(struct virtio_net_hdr), frame, len);
	used_put(&n.rx, head, wrote);
}

static uint8_t got[4][2048];
static size_t got_len[4];
static unsigned int got_n;

static void on_rx(void *arg, const uint8_t *frame, size_t len)
{
	ck_assert_ptr_eq(arg, &n);
	ck_assert_uint_lt(got_n, 4);
	memcpy(got[got_n], frame, len);
	got_len[got_n++] = len;
}

START_TEST(test_init_limits)
{
	setup_q(16, 8, 4, 0);
	ck_assert_uint_eq(n.rx.avail->idx, 8);		/* every rx page posted */
	ck_assert_uint_eq(n.tx_nfree, 4);
	setup_q(16, 17, 4, -1);				/* more buffers than descriptors */
	setup_q(16, 0, 4, -1);
	setup_q(128, VNET_MAX_BUFS + 1, 4, -1);
	pages_limit = pages_given + 3;			/* out of DMA memory halfway */
	setup_q(16, 8, 4, -1);
	pages_limit = 1000000;
}
END_TEST

START_TEST(test_rx_frames_and_repost)
{
	uint8_t frame[60];

	got_n = 0;
	setup_q(16, 4, 2, 0);
	for (unsigned int round = 0; round < 10; round++) {	/* more frames than buffers: each goes back */
		memset(frame, (int)round, sizeof(frame));
		dev_receive(frame, sizeof(frame), sizeof(frame) + 12);
		got_n = 0;
		ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 1);
		ck_assert_uint_eq(got_n, 1);
		ck_assert_uint_eq(got_len[0], 60);
		ck_assert_mem_eq(got[0], frame, 60);
	}
	ck_assert_uint_eq(n.stats.rx_frames, 10);
	ck_assert_uint_eq(n.rx.num_free, 16 - 4);		/* still four buffers posted */
	ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 0);
}
END_TEST

START_TEST(test_rx_budget)
{
	uint8_t frame[64] = { 1 };

	setup_q(16, 4, 2, 0);
	for (int i = 0; i < 3; i++)
		dev_receive(frame, sizeof(frame), sizeof(frame) + 12);
	got_n = 0;
	ck_assert_uint_eq(vnet_rx_poll(&n, 2, on_rx, &n), 2);
	ck_assert_uint_eq(got_n, 2);
	got_n = 0;
	ck_assert_uint_eq(vnet_rx_poll(&n, 2, on_rx, &n), 1);
	ck_assert_uint_eq(got_n, 1);
}
END_TEST

/* A device reporting lengths no frame can have: dropped, counted, the buffer still reposted. */
START_TEST(test_rx_bad_lengths)
{
	static const uint32_t bad[] = { 0, 11, VNET_BUF_SIZE + 1, 12 + VNET_MAX_FRAME + 1, 0xffffffffu };
	uint8_t frame[64] = { 0 };

	setup_q(16, 2, 2, 0);
	got_n = 0;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev_receive(frame, sizeof(frame), bad[i]);
		ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 1);
	}
	ck_assert_uint_eq(got_n, 0);
	ck_assert_uint_eq(n.stats.rx_bad, sizeof(bad) / sizeof(bad[0]));
	dev_receive(frame, 0, 12);				/* an empty frame is still a frame */
	ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 1);
	ck_assert_uint_eq(got_n, 1);
	ck_assert_uint_eq(got_len[0], 0);
	dev_receive(frame, 0, 12 + VNET_MAX_FRAME);		/* the largest */
	ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 1);
	ck_assert_uint_eq(got_len[1], VNET_MAX_FRAME);
}
END_TEST

/* A device returning a descriptor that is not in flight: reported, no page reposted twice. */
START_TEST(test_rx_foreign_id)
{
	setup_q(16, 2, 2, 0);
	used_put(&n.rx, 9, 100);
	got_n = 0;
	ck_assert_uint_eq(vnet_rx_poll(&n, 16, on_rx, &n), 0);
	ck_assert_uint_eq(n.stats.rx_bad, 1);
	ck_assert_uint_eq(n.rx.num_free, 14);
}
END_TEST

START_TEST(test_tx_pool)
{
	uint8_t frame[VNET_MAX_FRAME + 1];
	uint16_t head;
	const uint8_t *page;

	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	setup_q(16, 2, 3, 0);
	ck_assert_int_eq(vnet_tx_post(&n, frame, 0), -1);
	ck_assert_int_eq(vnet_tx_post(&n, frame, VNET_MAX_FRAME + 1), -1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(vnet_tx_post(&n, frame, 100 + i), 0);
	ck_assert_int_eq(vnet_tx_post(&n, frame, 100), -1);	/* pool empty until the device finishes one */
	ck_assert_uint_eq(n.stats.tx_full, 1);
	/* What the device sees: a zeroed header, then the frame, in one readable descriptor. */
	head = n.tx.avail->ring[tx_seen++];
	ck_assert(!(n.tx.desc[head].flags & (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT)));
	ck_assert_uint_eq(n.tx.desc[head].len, 12 + 100);
	page = (const uint8_t *)(uintptr_t)n.tx.desc[head].addr;
	for (int i = 0; i < 12; i++)
		ck_assert_uint_eq(page[i], 0);
	ck_assert_mem_eq(page + 12, frame, 100);
	used_put(&n.tx, head, 0);
	used_put(&n.tx, 13, 0);					/* a lie: not in flight */
	ck_assert_uint_eq(vnet_tx_reclaim(&n), 1);
	ck_assert_uint_eq(n.tx_nfree, 1);
	ck_assert_int_eq(vnet_tx_post(&n, frame, VNET_MAX_FRAME), 0);
	ck_assert_uint_eq(n.stats.tx_frames, 4);
	ck_assert_uint_eq(n.stats.tx_done, 1);
}
END_TEST

static Suite *vnet_suite(void)
{
	Suite *s = suite_create("vnet_queue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_init_limits);
	tcase_add_test(tc, test_rx_frames_and_repost);
	tcase_add_test(tc, test_rx_budget);
	tcase_add_test(tc, test_rx_bad_lengths);
	tcase_add_test(tc, test_rx_foreign_id);
	tcase_add_test(tc, test_tx_pool);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vnet_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

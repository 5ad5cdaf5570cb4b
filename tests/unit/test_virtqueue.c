/* SPDX-License-Identifier: MIT */
/* Host tests of dom0's split virtqueue (backends/virtio/virtqueue.c) against a simulated device that walks the rings. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "virtqueue.h"

static struct virtq q;
static uint8_t ring_mem[3][4096] __attribute__((aligned(4096)));
static uint16_t dev_avail_seen;		/* the simulated device's consumer index */

static void setup(uint16_t size)
{
	memset(ring_mem, 0, sizeof(ring_mem));
	dev_avail_seen = 0;
	ck_assert_int_eq(virtq_init(&q, size, ring_mem[0], ring_mem[1], ring_mem[2]), 0);
}

/* The device: takes the next available chain, checks it against want (NULL: no check), completes it with len. */
static uint16_t device_take(const struct virtq_seg *want, unsigned int n)
{
	uint16_t head, d;

	ck_assert_uint_ne(q.avail->idx, dev_avail_seen);
	head = q.avail->ring[dev_avail_seen++ % q.size];
	d = head;
	for (unsigned int i = 0; want && i < n; i++) {
		ck_assert_uint_eq(q.desc[d].addr, want[i].addr);
		ck_assert_uint_eq(q.desc[d].len, want[i].len);
		ck_assert_uint_eq(!!(q.desc[d].flags & VIRTQ_DESC_F_WRITE), want[i].device_writes);
		ck_assert_uint_eq(!!(q.desc[d].flags & VIRTQ_DESC_F_NEXT), i + 1 < n);
		d = q.desc[d].next;
	}
	return head;
}

static void device_complete(uint32_t id, uint32_t len)
{
	uint16_t u = q.used->idx;

	q.used->ring[u % q.size].id = id;
	q.used->ring[u % q.size].len = len;
	q.used->idx = (uint16_t)(u + 1);
}

START_TEST(test_init_sizes)
{
	ck_assert_int_eq(virtq_init(&q, 0, ring_mem[0], ring_mem[1], ring_mem[2]), -1);
	ck_assert_int_eq(virtq_init(&q, 3, ring_mem[0], ring_mem[1], ring_mem[2]), -1);
	ck_assert_int_eq(virtq_init(&q, 512, ring_mem[0], ring_mem[1], ring_mem[2]), -1);
	ck_assert_int_eq(virtq_init(&q, 256, ring_mem[0], ring_mem[1], ring_mem[2]), 0);
	ck_assert_uint_le(virtq_desc_bytes(256), 4096);
	ck_assert_uint_le(virtq_avail_bytes(256), 4096);
	ck_assert_uint_le(virtq_used_bytes(256), 4096);
}
END_TEST

START_TEST(test_request_roundtrip)
{
	struct virtq_seg segs[3] = { { 0x1000, 16, false }, { 0x2000, 4096, true }, { 0x3010, 1, true } };
	void *cookie = NULL;
	uint32_t len = 0;
	int head;

	setup(8);
	ck_assert_int_eq(virtq_get(&q, &cookie, &len), 0);
	head = virtq_add(&q, segs, 3, &segs);
	ck_assert_int_ge(head, 0);
	ck_assert_uint_eq(q.num_free, 5);
	ck_assert_uint_eq(virtq_in_flight(&q), 1);
	ck_assert_int_eq(device_take(segs, 3), head);
	ck_assert_int_eq(virtq_get(&q, &cookie, &len), 0);	/* not completed yet */
	device_complete((uint32_t)head, 4097);
	ck_assert_int_eq(virtq_get(&q, &cookie, &len), 1);
	ck_assert_ptr_eq(cookie, &segs);
	ck_assert_uint_eq(len, 4097);
	ck_assert_uint_eq(q.num_free, 8);
	ck_assert_uint_eq(virtq_in_flight(&q), 0);
}
END_TEST

START_TEST(test_refuses_bad_requests)
{
	struct virtq_seg wrong_order[2] = { { 0x1000, 1, true }, { 0x2000, 1, false } };
	struct virtq_seg many[9];
	int x;

	setup(8);
	memset(many, 0, sizeof(many));
	ck_assert_int_eq(virtq_add(&q, wrong_order, 2, &x), -1);
	ck_assert_int_eq(virtq_add(&q, many, 0, &x), -1);
	ck_assert_int_eq(virtq_add(&q, many, 9, &x), -1);
	ck_assert_int_eq(virtq_add(&q, many, 1, NULL), -1);
	ck_assert_uint_eq(q.num_free, 8);
	ck_assert_uint_eq(q.avail->idx, 0);		/* nothing was published */
	ck_assert_int_eq(virtq_add(&q, many, 8, &x), 0);
	ck_assert_int_eq(virtq_add(&q, many, 1, &x), -1);	/* full */
}
END_TEST

/* Out-of-order completion, then thousands of requests: the 16-bit indices wrap and no descriptor is lost. */
START_TEST(test_out_of_order_and_wrap)
{
	struct virtq_seg s[2] = { { 0x1000, 16, false }, { 0x2000, 1, true } };
	int cookies[4];
	uint16_t heads[4];
	void *c;
	uint32_t len;

	setup(8);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_ge(virtq_add(&q, s, 2, &cookies[i]), 0);
		heads[i] = device_take(s, 2);
	}
	for (int i = 3; i >= 0; i--)
		device_complete(heads[i], 0);
	for (int i = 3; i >= 0; i--) {
		ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
		ck_assert_ptr_eq(c, &cookies[i]);
	}
	ck_assert_uint_eq(q.num_free, 8);
	for (int round = 0; round < 70000; round++) {
		int n = 1 + round % 3;
		struct virtq_seg v[3] = { { 1, 1, false }, { 2, 1, true }, { 3, 1, true } };

		ck_assert_int_ge(virtq_add(&q, v, (unsigned int)n, &cookies[0]), 0);
		device_complete(device_take(v, (unsigned int)n), 1);
		ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	}
	ck_assert_uint_eq(q.num_free, 8);
	ck_assert_uint_eq(q.avail->idx, (uint16_t)(4 + 70000));
}
END_TEST

/* A device that completes an id not in flight, or one past the ring: reported, nothing freed twice. */
START_TEST(test_lying_device)
{
	struct virtq_seg s[1] = { { 0x1000, 16, false } };
	void *c;
	uint32_t len;
	int x, head;

	setup(4);
	head = virtq_add(&q, s, 1, &x);
	device_take(s, 1);
	device_complete(1000, 0);
	ck_assert_int_eq(virtq_get(&q, &c, &len), -1);
	device_complete((uint32_t)(head + 1) % 4, 0);
	ck_assert_int_eq(virtq_get(&q, &c, &len), -1);
	ck_assert_uint_eq(q.num_free, 3);
	device_complete((uint32_t)head, 0);
	ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	device_complete((uint32_t)head, 0);			/* the same id twice */
	ck_assert_int_eq(virtq_get(&q, &c, &len), -1);
	ck_assert_uint_eq(q.num_free, 4);
}
END_TEST

static Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_init_sizes);
	tcase_add_test(tc, test_request_roundtrip);
	tcase_add_test(tc, test_refuses_bad_requests);
	tcase_add_test(tc, test_out_of_order_and_wrap);
	tcase_add_test(tc, test_lying_device);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(virtqueue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

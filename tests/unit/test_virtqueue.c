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

/* The device side of an indirect request: the ring entry names the table, the table holds want in order. */
static uint16_t device_take_indirect(const struct virtq_desc *table, uint64_t table_bus, const struct virtq_seg *want,
				     unsigned int n)
{
	uint16_t head, d = 0;

	ck_assert_uint_ne(q.avail->idx, dev_avail_seen);
	head = q.avail->ring[dev_avail_seen++ % q.size];
	ck_assert_uint_eq(q.desc[head].flags, VIRTQ_DESC_F_INDIRECT);
	ck_assert_uint_eq(q.desc[head].addr, table_bus);
	ck_assert_uint_eq(q.desc[head].len, n * sizeof(struct virtq_desc));
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(table[d].addr, want[i].addr);
		ck_assert_uint_eq(table[d].len, want[i].len);
		ck_assert_uint_eq(!!(table[d].flags & VIRTQ_DESC_F_WRITE), want[i].device_writes);
		ck_assert_uint_eq(!!(table[d].flags & VIRTQ_DESC_F_NEXT), i + 1 < n);
		ck_assert_uint_eq(table[d].flags & VIRTQ_DESC_F_INDIRECT, 0);
		d = table[d].next;
	}
	return head;
}

static struct virtq_desc tables[2][VIRTQ_INDIRECT_MAX] __attribute__((aligned(4096)));

/* 256 segments (a 1 MiB request with header and status would be 258: the caller keeps to 256) in one ring slot. */
START_TEST(test_indirect_full_table)
{
	static struct virtq_seg segs[VIRTQ_INDIRECT_MAX];
	void *c = NULL;
	uint32_t len;
	int head;

	setup(256);
	segs[0] = (struct virtq_seg){ 0x1000, 16, false };
	for (unsigned int i = 1; i < VIRTQ_INDIRECT_MAX; i++)
		segs[i] = (struct virtq_seg){ 0x100000 + (uint64_t)i * 4096, 4096, true };
	head = virtq_add_indirect(&q, segs, VIRTQ_INDIRECT_MAX, segs, tables[0], 0x7000);
	ck_assert_int_ge(head, 0);
	ck_assert_uint_eq(q.num_free, 255);		/* one ring descriptor, whatever the table holds */
	ck_assert_int_eq(device_take_indirect(tables[0], 0x7000, segs, VIRTQ_INDIRECT_MAX), head);
	device_complete((uint32_t)head, 255 * 4096);
	ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	ck_assert_ptr_eq(c, segs);
	ck_assert_uint_eq(q.num_free, 256);
	ck_assert_uint_eq(virtq_in_flight(&q), 0);
}
END_TEST

/* Indirect and direct requests together, ending out of order: the free list stays whole. */
START_TEST(test_indirect_mixed_with_direct)
{
	struct virtq_seg a[3] = { { 0x1000, 16, false }, { 0x2000, 4096, false }, { 0x3000, 1, true } };
	struct virtq_seg b[2] = { { 0x4000, 16, false }, { 0x5000, 1, true } };
	int ha, hb, hc, cookie_a, cookie_b, cookie_c;
	void *c;
	uint32_t len;

	setup(4);
	ha = virtq_add_indirect(&q, a, 3, &cookie_a, tables[0], 0x8000);
	hb = virtq_add(&q, b, 2, &cookie_b);
	hc = virtq_add_indirect(&q, b, 2, &cookie_c, tables[1], 0x9000);
	ck_assert_int_ge(ha, 0);
	ck_assert_int_ge(hb, 0);
	ck_assert_int_ge(hc, 0);
	ck_assert_uint_eq(q.num_free, 0);
	/* No ring descriptor left: an indirect request needs one too. */
	ck_assert_int_eq(virtq_add_indirect(&q, b, 2, &cookie_c, tables[1], 0x9000), -1);
	ck_assert_int_eq(device_take_indirect(tables[0], 0x8000, a, 3), ha);
	ck_assert_int_eq(device_take(b, 2), hb);
	ck_assert_int_eq(device_take_indirect(tables[1], 0x9000, b, 2), hc);
	device_complete((uint32_t)hb, 1);
	device_complete((uint32_t)hc, 1);
	device_complete((uint32_t)ha, 1);
	ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	ck_assert_ptr_eq(c, &cookie_b);
	ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	ck_assert_ptr_eq(c, &cookie_c);
	ck_assert_int_eq(virtq_get(&q, &c, &len), 1);
	ck_assert_ptr_eq(c, &cookie_a);
	ck_assert_uint_eq(q.num_free, 4);
	/* The whole ring again as direct descriptors: the free list was rebuilt correctly. */
	{
		struct virtq_seg four[4] = { { 1, 1, false }, { 2, 1, false }, { 3, 1, true }, { 4, 1, true } };

		ck_assert_int_ge(virtq_add(&q, four, 4, &cookie_a), 0);
		ck_assert_uint_eq(q.num_free, 0);
	}
}
END_TEST

START_TEST(test_indirect_refusals)
{
	static struct virtq_seg segs[VIRTQ_INDIRECT_MAX + 1];
	struct virtq_seg bad_order[2] = { { 0x1000, 1, true }, { 0x2000, 1, false } };
	int cookie;

	for (unsigned int i = 0; i <= VIRTQ_INDIRECT_MAX; i++)
		segs[i] = (struct virtq_seg){ 0x1000 * (i + 1), 512, i > 0 };
	setup(8);
	ck_assert_int_eq(virtq_add_indirect(&q, segs, 0, &cookie, tables[0], 0x7000), -1);
	ck_assert_int_eq(virtq_add_indirect(&q, segs, 2, NULL, tables[0], 0x7000), -1);
	ck_assert_int_eq(virtq_add_indirect(&q, segs, 2, &cookie, tables[0], 0x7008), -1);	/* table across a page */
	ck_assert_int_eq(virtq_add_indirect(&q, bad_order, 2, &cookie, tables[0], 0x7000), -1);
	ck_assert_int_eq(virtq_add_indirect(&q, segs, 9, &cookie, tables[0], 0x7000), -1);	/* longer than the queue */
	setup(256);
	ck_assert_int_eq(virtq_add_indirect(&q, segs, VIRTQ_INDIRECT_MAX + 1, &cookie, tables[0], 0x7000), -1);
	ck_assert_uint_eq(q.num_free, 256);
	ck_assert_uint_eq(virtq_in_flight(&q), 0);
	ck_assert_uint_eq(q.avail->idx, 0);		/* nothing refused reached the device */
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
	tcase_add_test(tc, test_indirect_full_table);
	tcase_add_test(tc, test_indirect_mixed_with_direct);
	tcase_add_test(tc, test_indirect_refusals);
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

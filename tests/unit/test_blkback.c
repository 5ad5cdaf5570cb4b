/* Host tests of blkback's ring core: a frontend in this process, grants as local pages, a RAM disk; hostile requests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "blkback.h"

#define NR_GRANTS	16
#define DISK_SECTORS	256

static uint8_t ring_page[4096] __attribute__((aligned(4096)));
static uint8_t grant_pages[NR_GRANTS][4096];
static uint8_t disk[DISK_SECTORS * 512];
static unsigned int flushes, writes;
static struct pvabi_ring front;
static struct blkback bb;

static int t_grant_copy(void *ctx, uint32_t gref, uint32_t off, void *buf, uint32_t len, bool to_frontend)
{
	(void)ctx;
	if (gref >= NR_GRANTS || off + len > 4096)
		return -1;		/* not granted (or revoked): GNTTABOP_copy fails */
	if (to_frontend)
		memcpy(&grant_pages[gref][off], buf, len);
	else
		memcpy(buf, &grant_pages[gref][off], len);
	return 0;
}

static int t_read(void *ctx, uint64_t sector, void *buf, uint32_t n)
{
	(void)ctx;
	ck_assert_uint_le(sector + n, DISK_SECTORS);	/* the core never asks past the end */
	memcpy(buf, &disk[sector * 512], (size_t)n * 512);
	return 0;
}

static int t_write(void *ctx, uint64_t sector, const void *buf, uint32_t n)
{
	(void)ctx;
	ck_assert_uint_le(sector + n, DISK_SECTORS);
	memcpy(&disk[sector * 512], buf, (size_t)n * 512);
	writes++;
	return 0;
}

static int t_flush(void *ctx)
{
	(void)ctx;
	flushes++;
	return 0;
}

static const struct blkback_ops ops = { t_grant_copy, t_read, t_write, t_flush };

static void setup(bool read_only)
{
	memset(ring_page, 0, sizeof(ring_page));
	memset(disk, 0, sizeof(disk));
	flushes = writes = 0;
	pvabi_sring_init((struct pvabi_sring_hdr *)ring_page);
	ck_assert(pvabi_ring_attach(&front, ring_page, sizeof(ring_page), sizeof(union blkif_sring_entry)));
	ck_assert(blkback_attach(&bb, ring_page, sizeof(ring_page), DISK_SECTORS, read_only, &ops, NULL));
}

static void post(const struct blkif_request *r)
{
	struct blkif_request *slot = pvabi_front_next_request(&front);

	ck_assert_ptr_nonnull(slot);
	*slot = *r;
	pvabi_front_push_requests(&front);
}

static int16_t answer(uint64_t want_id)
{
	struct blkif_response rsp;

	ck_assert_int_gt(pvabi_front_pending_responses(&front), 0);
	PVABI_FRONT_TAKE(&front, &rsp);
	ck_assert_uint_eq(rsp.id, want_id);
	return rsp.status;
}

static int16_t one(const struct blkif_request *r)
{
	bool notify;

	post(r);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	return answer(r->id);
}

static struct blkif_request rw(uint8_t op, uint64_t id, uint64_t sector, unsigned int nseg)
{
	struct blkif_request r = { .operation = op, .nr_segments = (uint8_t)nseg, .id = id, .sector_number = sector };

	for (unsigned int i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r.seg[i] = (struct blkif_request_segment){ .gref = i, .first_sect = 0, .last_sect = 7 };
	return r;
}

START_TEST(test_write_then_read)
{
	struct blkif_request w = rw(BLKIF_OP_WRITE, 7, 16, 3), r = rw(BLKIF_OP_READ, 8, 16, 3);

	setup(false);
	for (unsigned int i = 0; i < 3 * 4096; i++)
		grant_pages[i / 4096][i % 4096] = (uint8_t)(i * 13 + 5);
	w.seg[1].first_sect = 2;	/* a partial page: sectors 2..7 of grant 1 */
	ck_assert_int_eq(one(&w), BLKIF_RSP_OKAY);
	ck_assert_int_eq(disk[16 * 512], grant_pages[0][0]);
	ck_assert_int_eq(disk[(16 + 8) * 512], grant_pages[1][2 * 512]);
	ck_assert_int_eq(disk[(16 + 14) * 512], grant_pages[2][0]);
	memset(grant_pages, 0, sizeof(grant_pages));
	r.nr_segments = 1;
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_int_eq(memcmp(grant_pages[0], &disk[16 * 512], 4096), 0);
	ck_assert_uint_eq(bb.stats.ok, 2);
}
END_TEST

/* Bad requests get BLKIF_RSP_ERROR and the ring keeps serving; the disk is never asked past its end. */
START_TEST(test_bad_requests)
{
	struct blkif_request r;

	setup(false);
	r = rw(BLKIF_OP_READ, 1, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 2, 0, 12);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, 3, 0, 1);
	r.seg[0].first_sect = 5;
	r.seg[0].last_sect = 4;
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r.seg[0].first_sect = 0;
	r.seg[0].last_sect = 8;
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 4, DISK_SECTORS - 7, 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 5, UINT64_MAX - 3, 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE, 6, 0, 2);
	r.seg[1].gref = 9999;		/* never granted */
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 7, DISK_SECTORS - 8, 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);	/* the last page of the disk: still served */
	ck_assert_uint_eq(bb.stats.error, 7);
}
END_TEST

START_TEST(test_unsupported_ops)
{
	struct blkif_request r = rw(BLKIF_OP_DISCARD, 1, 0, 0);

	setup(false);
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	r.operation = BLKIF_OP_INDIRECT;
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	r.operation = 200;
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	ck_assert_uint_eq(bb.stats.unsupported, 3);
}
END_TEST

START_TEST(test_read_only)
{
	struct blkif_request r = rw(BLKIF_OP_WRITE, 1, 0, 1);

	setup(true);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 3, 0, 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(writes, 0);
}
END_TEST

START_TEST(test_flush)
{
	struct blkif_request r = rw(BLKIF_OP_FLUSH_DISKCACHE, 1, 0, 0);

	setup(false);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(flushes, 1);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 2, 8, 1);	/* with data: flush, write, flush */
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(flushes, 3);
	ck_assert_uint_eq(writes, 1);
}
END_TEST

/* A producer index far ahead: the ring is given up, nothing read, and stays given up. */
START_TEST(test_lying_producer)
{
	struct pvabi_sring_hdr *h = (struct pvabi_sring_hdr *)ring_page;
	struct blkif_request r = rw(BLKIF_OP_READ, 1, 0, 1);
	bool notify;

	setup(false);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	h->req_prod += 1000;
	ck_assert_int_eq(blkback_serve(&bb, &notify), -1);
	ck_assert(bb.broken);
	h->req_prod -= 1000;
	ck_assert_int_eq(blkback_serve(&bb, &notify), -1);
	ck_assert_uint_eq(bb.stats.ok, 1);
}
END_TEST

/* A full ring of requests at once, then more than a ring's worth across calls: every one answered in order. */
START_TEST(test_full_ring)
{
	unsigned int n;
	bool notify;

	setup(false);
	n = front.nr_ents;
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < n; i++) {
			struct blkif_request r = rw(BLKIF_OP_READ, round * 1000 + i, i % 32, 1);
			struct blkif_request *slot = pvabi_front_next_request(&front);

			ck_assert_ptr_nonnull(slot);
			*slot = r;
		}
		pvabi_front_push_requests(&front);
		ck_assert_int_eq(blkback_serve(&bb, &notify), (int)n);
		ck_assert(notify);
		for (unsigned int i = 0; i < n; i++)
			ck_assert_int_eq(answer(round * 1000 + i), BLKIF_RSP_OKAY);
		/* The frontend asks for an event on its next response, as before it sleeps. */
		ck_assert_int_eq(pvabi_front_final_check(&front), 0);
	}
}
END_TEST

static Suite *blkback_suite(void)
{
	Suite *s = suite_create("blkback");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_write_then_read);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_unsupported_ops);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_lying_producer);
	tcase_add_test(tc, test_full_ring);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(blkback_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

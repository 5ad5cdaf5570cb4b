/* SPDX-License-Identifier: MIT */
/* Host tests of blkback's ring core: a frontend in this process, grants as local pages, a RAM disk; hostile requests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "blkback.h"

#define NR_GRANTS	16
#define INDIRECT_GREF	15		/* the grant holding indirect requests' segment lists */
#define DISK_SECTORS	2048		/* 1 MiB: two requests of BLKBACK_MAX_SEGS full pages */

static uint8_t ring_page[4096] __attribute__((aligned(4096)));
static uint8_t grant_pages[NR_GRANTS][4096];
static uint8_t disk[DISK_SECTORS * 512];
static unsigned int flushes, writes;
static struct pvabi_ring front;
static struct blkback bb;

static unsigned int copy_calls;

static int t_grant_copy(void *ctx, const struct blkback_copy *c, unsigned int n, bool to_frontend)
{
	(void)ctx;
	copy_calls++;
	ck_assert_uint_le(n, BLKBACK_MAX_SEGS);
	for (unsigned int i = 0; i < n; i++) {
		if (c[i].gref >= NR_GRANTS || c[i].offset + c[i].len > 4096)
			return -1;	/* not granted (or revoked): GNTTABOP_copy fails */
		ck_assert_uint_le(((uintptr_t)c[i].buf & 4095) + c[i].len, 4096);	/* inside one page of ours */
		if (to_frontend)
			memcpy(&grant_pages[c[i].gref][c[i].offset], c[i].buf, c[i].len);
		else
			memcpy(c[i].buf, &grant_pages[c[i].gref][c[i].offset], c[i].len);
	}
	return 0;
}

/*
 * The disk: requests wait in pending[] until the core waits for one; then
 * the first (or, with lifo, the last) started ends and its data moves.
 * room limits how many it takes at once. events logs starts (r, w), ends
 * (R, W) and flushes (F) in order.
 */
static struct blkback_io *pending[BLKBACK_MAX_INFLIGHT];
static bool pending_write[BLKBACK_MAX_INFLIGHT];
static unsigned int npending, room, max_pending;
static bool lifo;
static uint64_t fail_sector;		/* a request starting here ends with a disk error */
static unsigned int lie_at_start;	/* the frontend moves req_prod 5000 ahead at this start (1 = the first) */
static char events[256];
static bool scribble;
static bool maps;			/* map_ops attached: the disk moves data to and from the grants */
static uint8_t io_pages[BLKBACK_MAX_INFLIGHT * BLKBACK_MAX_SEGS][4096] __attribute__((aligned(4096)));
static void *io_page_ptrs[BLKBACK_MAX_INFLIGHT * BLKBACK_MAX_SEGS];

static void event(char c)
{
	size_t n = strlen(events);

	if (n + 1 < sizeof(events))
		events[n] = c;
}

static int t_start(void *ctx, struct blkback_io *io, bool write)
{
	(void)ctx;
	ck_assert(!io->busy);
	ck_assert_uint_le(io->sector + io->sectors, DISK_SECTORS);	/* never past the end */
	for (unsigned int i = 0; i < io->nr_segs; i++)	/* the data at the frontend's offset in our page */
		ck_assert_uint_eq((uintptr_t)io->pages[i] & 4095, 0);
	if (maps) {
		for (unsigned int i = 0; i < io->nr_segs; i++)
			if (io->seg[i].gref >= NR_GRANTS)
				return -1;	/* the map fails: dom0 answers the request with an error */
	}
	if (npending == room)
		return 1;
	if (lie_at_start && --lie_at_start == 0)
		((struct pvabi_sring_hdr *)ring_page)->req_prod += 5000;
	if (scribble)	/* the frontend rewrites its indirect page once the request is taken: too late */
		memset(grant_pages[INDIRECT_GREF], 0xff, 4096);
	pending[npending] = io;
	pending_write[npending++] = write;
	if (npending > max_pending)
		max_pending = npending;
	event(write ? 'w' : 'r');
	return 0;
}

static struct blkback_io *t_wait(void *ctx)
{
	unsigned int k = lifo ? npending - 1 : 0;
	struct blkback_io *io;
	bool write;
	size_t pos;

	(void)ctx;
	ck_assert_uint_gt(npending, 0);		/* the core waits only with something on the disk */
	io = pending[k];
	write = pending_write[k];
	for (unsigned int i = k; i + 1 < npending; i++) {
		pending[i] = pending[i + 1];
		pending_write[i] = pending_write[i + 1];
	}
	npending--;
	pos = (size_t)io->sector * 512;
	for (unsigned int i = 0; i < io->nr_segs; i++) {
		const struct blkif_request_segment *sg = &io->seg[i];
		size_t off = (size_t)sg->first_sect * 512, len = (size_t)(sg->last_sect - sg->first_sect + 1) * 512;

		uint8_t *buf = maps ? grant_pages[sg->gref] : (uint8_t *)io->pages[i];

		if (write)
			memcpy(&disk[pos], buf + off, len);
		else
			memcpy(buf + off, &disk[pos], len);
		pos += len;
	}
	writes += write;
	io->result = io->sector == fail_sector ? -1 : 0;
	event(write ? 'W' : 'R');
	return io;
}

static int t_flush(void *ctx)
{
	(void)ctx;
	ck_assert_uint_eq(npending, 0);		/* a flush covers every write that ended: none may be running */
	flushes++;
	event('F');
	return 0;
}

static unsigned int discards;

/* The disk's discard: the range reads as zeroes afterwards (a hole), with nothing else on the disk. */
static int t_discard(void *ctx, uint64_t sector, uint64_t nr)
{
	(void)ctx;
	ck_assert_uint_eq(npending, 0);
	ck_assert_uint_le(sector + nr, DISK_SECTORS);
	memset(&disk[sector * 512], 0, nr * 512);
	discards++;
	event('D');
	return 0;
}

static const struct blkback_ops ops = { t_grant_copy, t_start, t_wait, t_flush, t_discard, false };
/* The disk reaching the frontend's pages itself (dom0 maps the grants for the device): the core copies no data. */
static const struct blkback_ops map_ops = { t_grant_copy, t_start, t_wait, t_flush, t_discard, true };

static void setup(bool read_only)
{
	memset(ring_page, 0, sizeof(ring_page));
	memset(disk, 0, sizeof(disk));
	memset(events, 0, sizeof(events));
	flushes = writes = npending = max_pending = copy_calls = discards = 0;
	room = BLKBACK_MAX_INFLIGHT;
	lifo = false;
	fail_sector = UINT64_MAX;
	lie_at_start = 0;
	scribble = false;
	maps = false;
	for (unsigned int i = 0; i < BLKBACK_MAX_INFLIGHT * BLKBACK_MAX_SEGS; i++)
		io_page_ptrs[i] = io_pages[i];
	pvabi_sring_init((struct pvabi_sring_hdr *)ring_page);
	ck_assert(pvabi_ring_attach(&front, ring_page, sizeof(ring_page), sizeof(union blkif_sring_entry)));
	ck_assert(blkback_attach(&bb, ring_page, sizeof(ring_page), DISK_SECTORS, read_only, &ops, NULL, io_page_ptrs));
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
	ck_assert_uint_eq(copy_calls, 1);	/* all three segments in one call (one hypercall in dom0) */
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
	r.operation = 200;
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	ck_assert_uint_eq(bb.stats.unsupported, 2);
}
END_TEST

START_TEST(test_read_only)
{
	struct blkif_request r = rw(BLKIF_OP_WRITE, 1, 0, 1);

	setup(true);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_WRITE_BARRIER, 4, 0, 1);
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

/* Posts without serving. */
static void queue(const struct blkif_request *r)
{
	struct blkif_request *slot = pvabi_front_next_request(&front);

	ck_assert_ptr_nonnull(slot);
	*slot = *r;
}

/* Takes n responses in whatever order they came: status by id (ids 0..63), the order in order[]. */
static void answers(unsigned int n, int16_t status[64], uint64_t order[64])
{
	for (unsigned int i = 0; i < n; i++) {
		struct blkif_response rsp;

		ck_assert_int_gt(pvabi_front_pending_responses(&front), 0);
		PVABI_FRONT_TAKE(&front, &rsp);
		ck_assert_uint_lt(rsp.id, 64);
		status[rsp.id] = rsp.status;
		order[i] = rsp.id;
	}
	ck_assert_int_eq(pvabi_front_pending_responses(&front), 0);
}

/* Ten writes on the disk at once, ending last first: each answered once, by id, with its data in place. */
START_TEST(test_batch_any_order)
{
	int16_t status[64];
	uint64_t order[64];
	bool notify;

	setup(false);
	lifo = true;
	for (unsigned int i = 0; i < 10; i++) {
		struct blkif_request w = rw(BLKIF_OP_WRITE, i, 8 * i, 1);

		w.seg[0].gref = i;
		memset(grant_pages[i], 0x40 + (int)i, 4096);
		queue(&w);
	}
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 10);
	ck_assert(notify);
	ck_assert_uint_eq(bb.stats.max_inflight, 10);
	ck_assert_uint_eq(max_pending, 10);
	answers(10, status, order);
	for (unsigned int i = 0; i < 10; i++) {
		ck_assert_int_eq(status[i], BLKIF_RSP_OKAY);
		ck_assert_uint_eq(order[i], 9 - i);	/* as the disk ended them, not as posted */
		ck_assert_int_eq(disk[8 * i * 512], 0x40 + (int)i);
		ck_assert_int_eq(disk[(8 * i + 7) * 512 + 511], 0x40 + (int)i);
	}
}
END_TEST

/* A disk that takes three at a time: the core waits for one to end before starting the next. */
START_TEST(test_disk_room)
{
	int16_t status[64];
	uint64_t order[64];
	bool notify;

	setup(false);
	room = 3;
	for (unsigned int i = 0; i < 20; i++) {
		struct blkif_request r = rw(BLKIF_OP_READ, i, i, 2);

		queue(&r);
	}
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 20);
	ck_assert_uint_eq(max_pending, 3);
	answers(20, status, order);
	for (unsigned int i = 0; i < 20; i++)
		ck_assert_int_eq(status[i], BLKIF_RSP_OKAY);
	/* More requests than slots (BLKBACK_MAX_INFLIGHT): the same, waiting for a free slot. */
	setup(false);
	for (unsigned int i = 0; i < BLKBACK_MAX_INFLIGHT + 5; i++) {
		struct blkif_request r = rw(BLKIF_OP_READ, i, i, 1);

		queue(&r);
	}
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), BLKBACK_MAX_INFLIGHT + 5);
	ck_assert_uint_eq(max_pending, BLKBACK_MAX_INFLIGHT);
	answers(BLKBACK_MAX_INFLIGHT + 5, status, order);
}
END_TEST

/*
 * A barrier with data between writes: the writes before it end first, then
 * flush, its write, flush (FUA: durable before its answer), and only then
 * does the write after it start.
 */
START_TEST(test_barrier_order)
{
	int16_t status[64];
	uint64_t order[64];
	struct blkif_request r;
	bool notify;

	setup(false);
	r = rw(BLKIF_OP_WRITE, 1, 0, 1);
	queue(&r);
	r = rw(BLKIF_OP_WRITE, 2, 8, 1);
	queue(&r);
	r = rw(BLKIF_OP_WRITE_BARRIER, 3, 16, 2);
	queue(&r);
	r = rw(BLKIF_OP_WRITE, 4, 32, 1);
	queue(&r);
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 4);
	ck_assert_str_eq(events, "wwWWFwWFwW");
	answers(4, status, order);
	for (unsigned int i = 1; i <= 4; i++)
		ck_assert_int_eq(status[i], BLKIF_RSP_OKAY);
	ck_assert_uint_eq(order[2], 3);		/* the barrier answered before the write after it */
	ck_assert_uint_eq(bb.stats.barriers, 1);
	/* Without data it is a flush after everything before it. */
	memset(events, 0, sizeof(events));
	r = rw(BLKIF_OP_READ, 5, 0, 1);
	queue(&r);
	r = rw(BLKIF_OP_WRITE_BARRIER, 6, 0, 0);
	queue(&r);
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 2);
	ck_assert_str_eq(events, "rRF");
	answers(2, status, order);
	ck_assert_int_eq(status[6], BLKIF_RSP_OKAY);
}
END_TEST

/*
 * A hostile frontend's batch: a read whose grant is revoked before its
 * data can go back, a write the disk fails, a barrier with a bad segment,
 * a barrier whose data grant is not granted: each gets an error, the good
 * requests around them their data, and the ring keeps serving.
 */
START_TEST(test_batch_errors)
{
	int16_t status[64];
	uint64_t order[64];
	struct blkif_request r;
	bool notify;

	setup(false);
	lifo = true;
	fail_sector = 40;
	r = rw(BLKIF_OP_READ, 1, 0, 1);
	queue(&r);
	r = rw(BLKIF_OP_READ, 2, 8, 2);
	r.seg[1].gref = 7777;			/* copied back only when the read ends: fails then */
	queue(&r);
	r = rw(BLKIF_OP_WRITE, 3, 40, 1);	/* the disk fails it */
	queue(&r);
	r = rw(BLKIF_OP_WRITE, 4, 48, 1);
	queue(&r);
	r = rw(BLKIF_OP_WRITE_BARRIER, 5, 56, 1);
	r.seg[0].last_sect = 9;
	queue(&r);
	r = rw(BLKIF_OP_WRITE_BARRIER, 6, 56, 1);
	r.seg[0].gref = 8888;
	queue(&r);
	r = rw(BLKIF_OP_WRITE_BARRIER, 7, DISK_SECTORS - 1, 1);	/* past the end */
	queue(&r);
	r = rw(BLKIF_OP_READ, 8, 48, 1);
	queue(&r);
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 8);
	answers(8, status, order);
	ck_assert_int_eq(status[1], BLKIF_RSP_OKAY);
	ck_assert_int_eq(status[2], BLKIF_RSP_ERROR);
	ck_assert_int_eq(status[3], BLKIF_RSP_ERROR);
	ck_assert_int_eq(status[4], BLKIF_RSP_OKAY);
	ck_assert_int_eq(status[5], BLKIF_RSP_ERROR);
	ck_assert_int_eq(status[6], BLKIF_RSP_ERROR);
	ck_assert_int_eq(status[7], BLKIF_RSP_ERROR);
	ck_assert_int_eq(status[8], BLKIF_RSP_OKAY);
	ck_assert_uint_eq(bb.inflight, 0);
	ck_assert_uint_eq(npending, 0);
	r = rw(BLKIF_OP_READ, 9, 0, 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	/* A barrier on a read-only disk: refused before anything waits or flushes. */
	setup(true);
	r = rw(BLKIF_OP_WRITE_BARRIER, 1, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	ck_assert_uint_eq(flushes, 0);
}
END_TEST

/*
 * The producer index jumps 5000 ahead while a batch is on the disk: the
 * requests taken before are still answered, nothing past them is read,
 * and the ring is given up.
 */
START_TEST(test_lying_producer_mid_batch)
{
	int16_t status[64];
	uint64_t order[64];
	bool notify;

	setup(false);
	lie_at_start = 2;
	for (unsigned int i = 0; i < 4; i++) {
		struct blkif_request r = rw(BLKIF_OP_READ, i, i, 1);

		queue(&r);
	}
	pvabi_front_push_requests(&front);
	ck_assert_int_eq(blkback_serve(&bb, &notify), -1);
	ck_assert(bb.broken);
	ck_assert_uint_eq(npending, 0);
	ck_assert_uint_eq(bb.inflight, 0);
	answers(4, status, order);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(status[i], BLKIF_RSP_OKAY);
	ck_assert_int_eq(blkback_serve(&bb, &notify), -1);
}
END_TEST

/* An indirect request of n segments over grants 0..9 in turn, its list in grant INDIRECT_GREF. */
static struct blkif_request indirect(uint8_t op, uint64_t id, uint64_t sector, unsigned int n)
{
	struct blkif_request r;
	struct blkif_request_indirect *ind = (struct blkif_request_indirect *)&r;
	struct blkif_request_segment *list = (struct blkif_request_segment *)grant_pages[INDIRECT_GREF];

	memset(&r, 0, sizeof(r));
	ind->operation = BLKIF_OP_INDIRECT;
	ind->indirect_op = op;
	ind->nr_segments = (uint16_t)n;
	ind->id = id;
	ind->sector_number = sector;
	ind->indirect_grefs[0] = INDIRECT_GREF;
	for (unsigned int i = 0; i < n && i < 512; i++)
		list[i] = (struct blkif_request_segment){ .gref = i % 10, .first_sect = 0, .last_sect = 7 };
	return r;
}

/* The response to id, whose operation must be op (an indirect request is answered as what it did). */
static int16_t answer_op(uint64_t id, uint8_t op)
{
	struct blkif_response rsp;

	ck_assert_int_gt(pvabi_front_pending_responses(&front), 0);
	PVABI_FRONT_TAKE(&front, &rsp);
	ck_assert_uint_eq(rsp.id, id);
	ck_assert_uint_eq(rsp.operation, op);
	return rsp.status;
}

/* 20 and 32 segments in one request each way, through the indirect page; answered as WRITE and READ. */
START_TEST(test_indirect)
{
	struct blkif_request r;
	bool notify;

	setup(false);
	for (unsigned int g = 0; g < 10; g++)
		memset(grant_pages[g], 0x10 + (int)g, 4096);
	r = indirect(BLKIF_OP_WRITE, 1, 8, 20);
	post(&r);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	ck_assert_int_eq(answer_op(1, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
	for (unsigned int i = 0; i < 20; i++) {
		ck_assert_int_eq(disk[(8 + 8 * i) * 512], 0x10 + (int)(i % 10));
		ck_assert_int_eq(disk[(8 + 8 * i + 7) * 512 + 511], 0x10 + (int)(i % 10));
	}
	memset(grant_pages, 0, 10 * 4096);
	r = indirect(BLKIF_OP_READ, 2, 8, 10);
	post(&r);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	ck_assert_int_eq(answer_op(2, BLKIF_OP_READ), BLKIF_RSP_OKAY);
	for (unsigned int g = 0; g < 10; g++)
		ck_assert_int_eq(grant_pages[g][4095], 0x10 + (int)g);
	r = indirect(BLKIF_OP_READ, 3, 0, BLKBACK_MAX_SEGS);
	post(&r);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	ck_assert_int_eq(answer_op(3, BLKIF_OP_READ), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(bb.stats.indirect, 3);
}
END_TEST

/* The segment list is read once: rewriting the indirect page after the request was taken changes nothing. */
START_TEST(test_indirect_copied_once)
{
	struct blkif_request r;
	bool notify;

	setup(false);
	memset(disk, 0x5a, sizeof(disk));
	r = indirect(BLKIF_OP_READ, 1, 0, 12);
	scribble = true;
	post(&r);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	ck_assert_int_eq(answer_op(1, BLKIF_OP_READ), BLKIF_RSP_OKAY);
	ck_assert_int_eq(grant_pages[3][100], 0x5a);
}
END_TEST

/* Hostile indirect requests: each an error, nothing past the disk or the page touched, the ring still serving. */
START_TEST(test_indirect_bad)
{
	struct blkif_request_indirect *ind;
	struct blkif_request r;
	struct blkif_request_segment *list = (struct blkif_request_segment *)grant_pages[INDIRECT_GREF];

	setup(false);
	ind = (struct blkif_request_indirect *)&r;
	r = indirect(BLKIF_OP_READ, 1, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* no segments */
	r = indirect(BLKIF_OP_READ, 2, 0, BLKBACK_MAX_SEGS + 1);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* more than offered */
	r = indirect(BLKIF_OP_READ, 3, 0, 600);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* more than a page holds */
	r = indirect(BLKIF_OP_FLUSH_DISKCACHE, 4, 0, 2);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* only reads and writes go indirect */
	r = indirect(BLKIF_OP_INDIRECT, 5, 0, 2);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	r = indirect(BLKIF_OP_READ, 6, 0, 2);
	ind->indirect_grefs[0] = 9999;
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* an indirect page never granted */
	r = indirect(BLKIF_OP_READ, 7, 0, 4);
	list[2].last_sect = 8;
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a segment past its page */
	r = indirect(BLKIF_OP_READ, 8, 0, 4);
	list[3].gref = 4444;
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a data grant never given */
	r = indirect(BLKIF_OP_READ, 9, DISK_SECTORS - 16, 4);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* past the end of the disk */
	r = indirect(BLKIF_OP_READ, 10, DISK_SECTORS - 16, 2);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);		/* the last pages: still served */
	setup(true);
	r = indirect(BLKIF_OP_WRITE, 1, 0, 2);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a write to a read-only disk */
	ck_assert_uint_eq(writes, 0);
}
END_TEST

/* A full-size indirect write of BLKBACK_MAX_SEGS pages at sector: data grant (i + shift) % 10, list in list_gref. */
static struct blkif_request indirect_full(uint64_t id, uint64_t sector, unsigned int shift, uint32_t list_gref)
{
	struct blkif_request r;
	struct blkif_request_indirect *ind = (struct blkif_request_indirect *)&r;
	struct blkif_request_segment *list = (struct blkif_request_segment *)grant_pages[list_gref];

	memset(&r, 0, sizeof(r));
	ind->operation = BLKIF_OP_INDIRECT;
	ind->indirect_op = BLKIF_OP_WRITE;
	ind->nr_segments = BLKBACK_MAX_SEGS;
	ind->id = id;
	ind->sector_number = sector;
	ind->indirect_grefs[0] = list_gref;
	for (unsigned int i = 0; i < BLKBACK_MAX_SEGS; i++)
		list[i] = (struct blkif_request_segment){ .gref = (i + shift) % 10, .first_sect = 0, .last_sect = 7 };
	return r;
}

/*
 * Requests of the largest size offered, on the disk together and ending
 * in reverse order, with a bad one between them (its last segment past
 * its page): the bad one is an error and writes nothing, the others carry
 * every page where it belongs.
 */
START_TEST(test_indirect_max_batch)
{
	struct blkif_request a = indirect_full(1, 0, 0, 11), bad = indirect_full(2, 512, 5, 12),
			     c = indirect_full(3, 1024, 3, 13);
	bool notify;

	setup(false);
	lifo = true;
	for (unsigned int g = 0; g < 10; g++)
		memset(grant_pages[g], 0x40 + (int)g, 4096);
	((struct blkif_request_segment *)grant_pages[12])[BLKBACK_MAX_SEGS - 1].last_sect = 8;
	post(&a);
	post(&bad);
	post(&c);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 3);
	/* The bad one at once, then the good ones as the disk ends them (the last first). */
	ck_assert_int_eq(answer_op(2, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
	ck_assert_int_eq(answer_op(3, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
	ck_assert_int_eq(answer_op(1, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(max_pending, 2);		/* both good ones on the disk at once */
	ck_assert_uint_eq(writes, 2);
	for (unsigned int i = 0; i < BLKBACK_MAX_SEGS; i++) {
		for (unsigned int k = 0; k < 4096; k += 511) {
			ck_assert_int_eq(disk[i * 4096 + k], 0x40 + (int)(i % 10));
			ck_assert_int_eq(disk[(1024 + 8 * i) * 512 + k], 0x40 + (int)((i + 3) % 10));
		}
	}
	ck_assert_uint_eq(bb.stats.indirect, 3);
	ck_assert_uint_eq(bb.stats.error, 1);
}
END_TEST

static struct blkif_request discard_req(uint64_t id, uint64_t sector, uint64_t nr, uint8_t flag)
{
	struct blkif_request r;
	struct blkif_request_discard *d = (struct blkif_request_discard *)&r;

	memset(&r, 0, sizeof(r));
	d->operation = BLKIF_OP_DISCARD;
	d->flag = flag;
	d->id = id;
	d->sector_number = sector;
	d->nr_sectors = nr;
	return r;
}

/* A discard after a write to the same place: the write has ended before it, so the range ends up a hole. */
START_TEST(test_discard)
{
	struct blkif_request w = rw(BLKIF_OP_WRITE, 1, 8, 2), d = discard_req(2, 8, 8, 0);
	bool notify;

	setup(false);
	blkback_offer_discard(&bb, BLKBACK_DISCARD_SECTORS);
	memset(disk, 0xaa, sizeof(disk));
	memset(grant_pages[0], 0x11, 4096);
	memset(grant_pages[1], 0x22, 4096);
	post(&w);
	post(&d);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 2);
	ck_assert_int_eq(answer_op(1, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
	ck_assert_int_eq(answer_op(2, BLKIF_OP_DISCARD), BLKIF_RSP_OKAY);
	ck_assert_str_eq(events, "wWD");
	ck_assert_int_eq(disk[8 * 512], 0);		/* the first page: discarded after it was written */
	ck_assert_int_eq(disk[16 * 512 - 1], 0);
	ck_assert_int_eq(disk[16 * 512], 0x22);		/* the second page: written, not discarded */
	ck_assert_int_eq(disk[8 * 512 - 1], (uint8_t)0xaa);
	ck_assert_uint_eq(bb.stats.discards, 1);
}
END_TEST

/* Hostile discards: each answered (an error, or EOPNOTSUPP for what is not offered), none reaching the disk. */
START_TEST(test_discard_bad)
{
	static uint8_t before[sizeof(disk)];
	struct blkif_request r;
	struct blkif_request w = rw(BLKIF_OP_WRITE, 20, 0, 1);

	setup(false);
	blkback_offer_discard(&bb, BLKBACK_DISCARD_SECTORS);
	memset(disk, 0xaa, sizeof(disk));
	memcpy(before, disk, sizeof(disk));
	r = discard_req(1, DISK_SECTORS - 8, 16, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* past the end */
	r = discard_req(2, UINT64_MAX - 7, 8, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a sector that wraps */
	r = discard_req(3, 8, UINT64_MAX - 7, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a length that wraps */
	r = discard_req(4, 3, 8, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a start off the granularity */
	r = discard_req(5, 8, 12, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* an end off the granularity */
	r = discard_req(6, 8, 0, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* nothing */
	r = discard_req(7, 8, 8, BLKIF_DISCARD_SECURE);
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);	/* secure: not offered */
	r = discard_req(8, 8, 8, 0x80);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);		/* a flag that means nothing */
	ck_assert_int_eq(memcmp(disk, before, sizeof(disk)), 0);
	ck_assert_uint_eq(discards, 0);
	/* The ring still serves: a write, and the last granule of the disk discarded. */
	memset(grant_pages[0], 0x33, 4096);
	ck_assert_int_eq(one(&w), BLKIF_RSP_OKAY);
	r = discard_req(9, DISK_SECTORS - 8, 8, 0);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_int_eq(disk[0], 0x33);
	ck_assert_int_eq(disk[sizeof(disk) - 1], 0);
	ck_assert_int_eq(disk[sizeof(disk) - 8 * 512 - 1], (uint8_t)0xaa);
	ck_assert_uint_eq(discards, 1);
}
END_TEST

/* Not offered (no offer, a granularity that is not a power of two) or a read-only disk: never reaches the disk. */
START_TEST(test_discard_not_offered)
{
	struct blkif_request r = discard_req(1, 8, 8, 0);

	setup(false);
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	blkback_offer_discard(&bb, 6);
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
	setup(true);
	blkback_offer_discard(&bb, BLKBACK_DISCARD_SECTORS);
	ck_assert_int_eq(one(&r), BLKIF_RSP_ERROR);
	ck_assert_uint_eq(discards, 0);
	setup(false);				/* a new attach withdraws the offer */
	ck_assert_int_eq(one(&r), BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

/* With the disk mapping grants: data straight between the frontend's pages and the disk, no copies but the list's. */
START_TEST(test_disk_maps_grants)
{
	struct blkif_request w = rw(BLKIF_OP_WRITE, 1, 16, 3), r = rw(BLKIF_OP_READ, 2, 16, 3), bad, ind;
	bool notify;

	setup(false);
	maps = true;
	ck_assert(blkback_attach(&bb, ring_page, sizeof(ring_page), DISK_SECTORS, false, &map_ops, NULL, NULL));
	for (unsigned int i = 0; i < 3 * 4096; i++)
		grant_pages[i / 4096][i % 4096] = (uint8_t)(i * 7 + 1);
	w.seg[1].first_sect = 2;
	ck_assert_int_eq(one(&w), BLKIF_RSP_OKAY);
	ck_assert_int_eq(disk[16 * 512], grant_pages[0][0]);
	ck_assert_int_eq(disk[(16 + 8) * 512], grant_pages[1][2 * 512]);
	memset(grant_pages, 0, 3 * 4096);
	ck_assert_int_eq(one(&r), BLKIF_RSP_OKAY);
	ck_assert_int_eq(grant_pages[0][100], disk[16 * 512 + 100]);
	ck_assert_int_eq(grant_pages[2][4095], disk[(16 + 24) * 512 - 1]);
	ck_assert_uint_eq(copy_calls, 0);		/* no data copied */
	bad = rw(BLKIF_OP_WRITE, 3, 64, 2);
	bad.seg[1].gref = 999;				/* a grant that does not map */
	ck_assert_int_eq(one(&bad), BLKIF_RSP_ERROR);
	ck_assert_int_eq(disk[64 * 512], 0);		/* nothing of it reached the disk */
	ind = indirect(BLKIF_OP_READ, 4, 0, BLKBACK_MAX_SEGS);
	post(&ind);
	ck_assert_int_eq(blkback_serve(&bb, &notify), 1);
	ck_assert_int_eq(answer_op(4, BLKIF_OP_READ), BLKIF_RSP_OKAY);
	ck_assert_uint_eq(copy_calls, 1);		/* the segment list only */
}
END_TEST

/*
 * A ring of 2^BLKBACK_MAX_RING_ORDER pages (512 slots), full: each serve
 * call takes one budget (a one-page ring's worth) so another queue or disk
 * gets its turn in between; all are answered in order, from slots across
 * every page, and a producer index past the big ring is still caught.
 */
START_TEST(test_multi_page_ring)
{
	static uint8_t big[16 * 4096] __attribute__((aligned(4096)));
	unsigned int n, served = 0;
	bool notify;
	int r;

	setup(false);
	memset(big, 0, sizeof(big));
	pvabi_sring_init((struct pvabi_sring_hdr *)big);
	ck_assert(pvabi_ring_attach(&front, big, sizeof(big), sizeof(union blkif_sring_entry)));
	ck_assert(blkback_attach(&bb, big, sizeof(big), DISK_SECTORS, false, &ops, NULL, io_page_ptrs));
	n = front.nr_ents;
	ck_assert_uint_eq(n, 512);
	ck_assert_uint_eq(blkback_budget(&bb), BLKBACK_SERVE_BUDGET);
	for (unsigned int i = 0; i < n; i++) {
		struct blkif_request q = rw(BLKIF_OP_READ, 7000 + i, i % 64, 1);

		*(struct blkif_request *)pvabi_front_next_request(&front) = q;
	}
	pvabi_front_push_requests(&front);
	/* A disk's share for one of four busy queues (blk.c): 8 per call, then the full budget again. */
	bb.serve_cap = BLKBACK_SERVE_BUDGET / 4;
	ck_assert_uint_eq(blkback_budget(&bb), BLKBACK_SERVE_BUDGET / 4);
	ck_assert_int_eq(blkback_serve(&bb, &notify), BLKBACK_SERVE_BUDGET / 4);
	served = BLKBACK_SERVE_BUDGET / 4;
	bb.serve_cap = 0;
	while ((r = blkback_serve(&bb, &notify)) == BLKBACK_SERVE_BUDGET)
		served += (unsigned int)r;
	ck_assert_int_eq(r, BLKBACK_SERVE_BUDGET - BLKBACK_SERVE_BUDGET / 4);
	served += (unsigned int)r;
	ck_assert_int_eq(blkback_serve(&bb, &notify), 0);
	ck_assert_uint_eq(served, n);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(answer(7000 + i), BLKIF_RSP_OKAY);
	((struct pvabi_sring_hdr *)big)->req_prod += n + 1;
	ck_assert_int_eq(blkback_serve(&bb, &notify), -1);
	/* A one-page ring's budget is the whole ring, as before. */
	setup(false);
	ck_assert_uint_eq(blkback_budget(&bb), front.nr_ents);
}
END_TEST

/* Two queues' counters as one disk's: sums, and the larger maximum of each. */
START_TEST(test_stats_add)
{
	struct blkback_stats t = { 0 }, a = { .ok = 3, .error = 1, .indirect = 2, .max_segs = 32, .max_inflight = 5 },
			     b = { .ok = 4, .unsupported = 2, .flushes = 1, .max_segs = 128, .max_inflight = 2 };

	blkback_stats_add(&t, &a);
	blkback_stats_add(&t, &b);
	ck_assert_uint_eq(t.ok, 7);
	ck_assert_uint_eq(t.error, 1);
	ck_assert_uint_eq(t.unsupported, 2);
	ck_assert_uint_eq(t.flushes, 1);
	ck_assert_uint_eq(t.indirect, 2);
	ck_assert_uint_eq(t.max_segs, 128);
	ck_assert_uint_eq(t.max_inflight, 5);
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
	tcase_add_test(tc, test_batch_any_order);
	tcase_add_test(tc, test_disk_room);
	tcase_add_test(tc, test_barrier_order);
	tcase_add_test(tc, test_batch_errors);
	tcase_add_test(tc, test_lying_producer_mid_batch);
	tcase_add_test(tc, test_indirect);
	tcase_add_test(tc, test_indirect_copied_once);
	tcase_add_test(tc, test_indirect_bad);
	tcase_add_test(tc, test_indirect_max_batch);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_discard_bad);
	tcase_add_test(tc, test_discard_not_offered);
	tcase_add_test(tc, test_disk_maps_grants);
	tcase_add_test(tc, test_multi_page_ring);
	tcase_add_test(tc, test_stats_add);
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

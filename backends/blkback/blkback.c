/* SPDX-License-Identifier: MIT */
/* blkback's ring core: each request copied once from the shared ring, checked, put on the disk with others, answered as it ends. */
#include <string.h>
#include "blkback.h"

bool blkback_attach(struct blkback *b, void *ring, size_t ring_bytes, uint64_t capacity, bool read_only,
		    const struct blkback_ops *ops, void *ctx, void *const *pages)
{
	b->ops = ops;
	b->ctx = ctx;
	b->capacity = capacity;
	b->read_only = read_only;
	b->discard_granularity = 0;
	b->broken = false;
	b->inflight = 0;
	b->stats = (struct blkback_stats){ 0 };
	for (unsigned int i = 0; i < BLKBACK_MAX_INFLIGHT; i++) {
		b->io[i].busy = false;
		for (unsigned int s = 0; s < BLKBACK_MAX_SEGS; s++)
			b->io[i].pages[s] = pages ? pages[i * BLKBACK_MAX_SEGS + s] : NULL;
	}
	return pvabi_ring_attach(&b->ring, ring, ring_bytes, sizeof(union blkif_sring_entry));
}

void blkback_offer_discard(struct blkback *b, uint32_t granularity)
{
	if (b->ops->disk_discard && granularity && !(granularity & (granularity - 1)))
		b->discard_granularity = granularity;
}

/*
 * A discard: its range whole granules inside the disk. Past the end or
 * off the granularity is an error (the frontend was told both); nothing
 * reaches the disk.
 */
static int check_discard(const struct blkback *b, struct blkback_io *io)
{
	const struct blkif_request_discard *r = &io->slot.discard;
	uint64_t g = b->discard_granularity;

	io->nr_segs = 0;
	io->discard_sectors = r->nr_sectors;
	if (!g)
		return BLKIF_RSP_EOPNOTSUPP;
	if (r->flag & BLKIF_DISCARD_SECURE)
		return BLKIF_RSP_EOPNOTSUPP;	/* discard-secure is offered as 0 */
	if (b->read_only || r->flag || !r->nr_sectors || ((io->sector | r->nr_sectors) & (g - 1)))
		return BLKIF_RSP_ERROR;
	if (io->sector > b->capacity || r->nr_sectors > b->capacity - io->sector)
		return BLKIF_RSP_ERROR;
	return BLKIF_RSP_OKAY;
}

/* The segments in io->seg (already private): each inside its page, all inside the disk. */
static int check_segments(struct blkback *b, struct blkback_io *io, unsigned int max)
{
	uint64_t n = 0;

	if (io->nr_segs == 0 || io->nr_segs > max)
		return BLKIF_RSP_ERROR;
	for (unsigned int i = 0; i < io->nr_segs; i++) {
		const struct blkif_request_segment *s = &io->seg[i];

		if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
			return BLKIF_RSP_ERROR;
		n += (uint64_t)(s->last_sect - s->first_sect + 1);
	}
	/* Both bounds without overflow: the sector number is the frontend's 64-bit choice. */
	if (io->sector > b->capacity || n > b->capacity - io->sector)
		return BLKIF_RSP_ERROR;
	io->sectors = (uint32_t)n;
	if (io->nr_segs > b->stats.max_segs)
		b->stats.max_segs = io->nr_segs;
	return BLKIF_RSP_OKAY;
}

_Static_assert(BLKBACK_MAX_SEGS * sizeof(struct blkif_request_segment) <= 4096, "one indirect page holds a request");

/*
 * An indirect read or write: its segment list is copied once from the
 * frontend's indirect page (BLKBACK_MAX_SEGS fit in the first, so only
 * indirect_grefs[0] is used) into io->seg, then checked like a ring slot's.
 */
static int check_indirect(struct blkback *b, struct blkback_io *io)
{
	const struct blkif_request_indirect *r = &io->slot.ind;
	struct blkback_copy c = { r->indirect_grefs[0], 0, io->seg, 0 };

	io->op = r->indirect_op;
	io->id = r->id;
	io->sector = r->sector_number;
	if ((io->op != BLKIF_OP_READ && io->op != BLKIF_OP_WRITE) || r->nr_segments == 0 ||
	    r->nr_segments > BLKBACK_MAX_SEGS)
		return BLKIF_RSP_ERROR;
	if (io->op == BLKIF_OP_WRITE && b->read_only)
		return BLKIF_RSP_ERROR;
	io->nr_segs = r->nr_segments;
	c.len = (uint32_t)(io->nr_segs * sizeof(struct blkif_request_segment));
	if (b->ops->grant_copy(b->ctx, &c, 1, false))
		return BLKIF_RSP_ERROR;
	b->stats.indirect++;
	return check_segments(b, io, BLKBACK_MAX_SEGS);
}

int blkback_check(struct blkback *b, struct blkback_io *io)
{
	const struct blkif_request *r = &io->slot.req;

	io->op = r->operation;
	io->id = r->id;
	io->sector = r->sector_number;
	io->sectors = 0;
	io->nr_segs = r->nr_segments;
	if (r->operation == BLKIF_OP_INDIRECT)
		return check_indirect(b, io);
	if (r->operation == BLKIF_OP_DISCARD)
		return check_discard(b, io);
	if (io->nr_segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
		memcpy(io->seg, r->seg, io->nr_segs * sizeof(r->seg[0]));
	switch (r->operation) {
	case BLKIF_OP_READ:
		return check_segments(b, io, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	case BLKIF_OP_WRITE:
		return b->read_only ? BLKIF_RSP_ERROR : check_segments(b, io, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		/* With data it is a write between two flushes (Linux sends a flush without, a FUA write with). */
		if (b->read_only)
			return BLKIF_RSP_ERROR;
		return io->nr_segs ? check_segments(b, io, BLKIF_MAX_SEGMENTS_PER_REQUEST) : BLKIF_RSP_OKAY;
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

/* Moves each segment's bytes between the frontend's pages and the request's own pages, at the same offsets. */
static int copy_segments(struct blkback *b, struct blkback_io *io, bool to_frontend)
{
	struct blkback_copy c[BLKBACK_MAX_SEGS];

	for (unsigned int i = 0; i < io->nr_segs; i++) {
		const struct blkif_request_segment *s = &io->seg[i];
		uint32_t off = (uint32_t)s->first_sect * BLKIF_SECTOR_SIZE;

		c[i] = (struct blkback_copy){ s->gref, off, (uint8_t *)io->pages[i] + off,
					      (uint32_t)(s->last_sect - s->first_sect + 1) * BLKIF_SECTOR_SIZE };
	}
	return b->ops->grant_copy(b->ctx, c, io->nr_segs, to_frontend);
}

static void respond(struct blkback *b, const struct blkback_io *io, int16_t status)
{
	struct blkif_response *rsp = pvabi_back_next_response(&b->ring);

	/* Every consumed request has its slot: the ring's own invariant, so rsp is never NULL here. */
	if (!rsp)
		return;
	/* An indirect request is answered with what it did (READ or WRITE), as Linux's blkfront checks. */
	rsp->id = io->id;
	rsp->operation = io->op;
	rsp->pad = 0;
	rsp->status = status;
	rsp->pad1 = 0;
	if (status == BLKIF_RSP_OKAY)
		b->stats.ok++;
	else if (status == BLKIF_RSP_EOPNOTSUPP)
		b->stats.unsupported++;
	else
		b->stats.error++;
}

/* Waits for one request on the disk to end and answers it (a read's data goes to the frontend first). */
static void complete_one(struct blkback *b)
{
	struct blkback_io *io = b->ops->disk_wait(b->ctx);
	int16_t status;

	/* The disk hands back only what it was given; anything else is our bug, not the frontend's. */
	if (!io || !io->busy)
		return;
	status = io->result ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	if (status == BLKIF_RSP_OKAY && io->op == BLKIF_OP_READ && !b->ops->disk_maps_grants &&
	    copy_segments(b, io, true))
		status = BLKIF_RSP_ERROR;
	io->busy = false;
	b->inflight--;
	respond(b, io, status);
}

static void drain(struct blkback *b)
{
	while (b->inflight)
		complete_one(b);
}

/* Puts a checked read or write on the disk, waiting for room as long as anything else is there. 0 or -1. */
static int start(struct blkback *b, struct blkback_io *io, bool write)
{
	int r;

	if (write && !b->ops->disk_maps_grants && copy_segments(b, io, false))
		return -1;
	while ((r = b->ops->disk_start(b->ctx, io, write)) == 1 && b->inflight)
		complete_one(b);
	if (r)
		return -1;
	io->busy = true;
	if (++b->inflight > b->stats.max_inflight)
		b->stats.max_inflight = b->inflight;
	return 0;
}

/* A write done alone: started, then waited for (with nothing else on the disk). 0 or -1. */
static int write_alone(struct blkback *b, struct blkback_io *io)
{
	struct blkback_io *done;

	if (start(b, io, true))
		return -1;
	done = b->ops->disk_wait(b->ctx);
	io->busy = false;
	b->inflight--;
	return done == io ? io->result : -1;
}

/*
 * A flush or barrier: everything before it has ended (drained) first, and
 * nothing after it starts until it returns. With data, the write is
 * between two flushes: the earlier writes are durable before it, and it
 * is durable before it is acknowledged (FUA). 0 or -1.
 */
static int ordered(struct blkback *b, struct blkback_io *io)
{
	drain(b);
	if (io->op == BLKIF_OP_WRITE_BARRIER)
		b->stats.barriers++;
	else
		b->stats.flushes++;
	if (b->ops->disk_flush(b->ctx))
		return -1;
	if (!io->nr_segs)
		return 0;
	if (write_alone(b, io))
		return -1;
	return b->ops->disk_flush(b->ctx);
}

/* A discard, alone on the disk (drained first): what was written before it is not discarded after it. 0 or -1. */
static int discard(struct blkback *b, struct blkback_io *io)
{
	drain(b);
	if (b->ops->disk_discard(b->ctx, io->sector, io->discard_sectors))
		return -1;
	b->stats.discards++;
	return 0;
}

/* A free request slot; with all of them on the disk, the first to end frees one. */
static struct blkback_io *free_io(struct blkback *b)
{
	for (;;) {
		for (unsigned int i = 0; i < BLKBACK_MAX_INFLIGHT; i++)
			if (!b->io[i].busy)
				return &b->io[i];
		complete_one(b);
	}
}

/* One request taken from the ring: answered now (bad, flush, barrier, failed to start) or put on the disk. */
static void take_one(struct blkback *b)
{
	struct blkback_io *io = free_io(b);
	int status;

	/* The one read of the slot: everything below looks at the private copy only. */
	PVABI_BACK_TAKE(&b->ring, &io->slot.req);
	status = blkback_check(b, io);
	if (status != BLKIF_RSP_OKAY) {
		respond(b, io, (int16_t)status);
		return;
	}
	switch (io->op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (start(b, io, io->op == BLKIF_OP_WRITE))
			respond(b, io, BLKIF_RSP_ERROR);
		return;
	case BLKIF_OP_DISCARD:
		respond(b, io, discard(b, io) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		return;
	default:		/* BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER */
		respond(b, io, ordered(b, io) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		return;
	}
}

int blkback_serve(struct blkback *b, bool *notify)
{
	int taken = 0, budget = (int)blkback_budget(b);
	int64_t n = 0;

	*notify = false;
	if (b->broken)
		return -1;
	/* A frontend that keeps producing cannot hold dom0 here: a budget per call, whatever its ring's size. */
	while (taken < budget && (n = pvabi_back_final_check(&b->ring)) > 0) {
		for (; n > 0 && taken < budget; n--, taken++)
			take_one(b);
		/* What has ended so far reaches the frontend while the rest of the batch is on the disk. */
		*notify |= pvabi_back_push_responses(&b->ring);
	}
	if (b->inflight)
		b->stats.batches++;
	drain(b);
	*notify |= pvabi_back_push_responses(&b->ring);
	if (n < 0) {
		b->broken = true;
		return -1;
	}
	return taken;		/* each taken request has been answered once */
}

void blkback_stats_add(struct blkback_stats *t, const struct blkback_stats *s)
{
	t->ok += s->ok;
	t->error += s->error;
	t->unsupported += s->unsupported;
	t->barriers += s->barriers;
	t->flushes += s->flushes;
	t->discards += s->discards;
	t->indirect += s->indirect;
	t->batches += s->batches;
	t->max_segs = s->max_segs > t->max_segs ? s->max_segs : t->max_segs;
	t->max_inflight = s->max_inflight > t->max_inflight ? s->max_inflight : t->max_inflight;
}

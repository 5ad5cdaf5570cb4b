/* blkback's ring core: each request copied once from the shared ring, checked, done through the ops, answered in order. */
#include "blkback.h"

bool blkback_attach(struct blkback *b, void *ring, size_t ring_bytes, uint64_t capacity, bool read_only,
		    const struct blkback_ops *ops, void *ctx)
{
	b->ops = ops;
	b->ctx = ctx;
	b->capacity = capacity;
	b->read_only = read_only;
	b->broken = false;
	b->stats = (struct blkback_stats){ 0 };
	return pvabi_ring_attach(&b->ring, ring, ring_bytes, sizeof(union blkif_sring_entry));
}

static int check_segments(const struct blkback *b, const struct blkif_request *req, uint32_t *sectors)
{
	uint64_t n = 0;

	if (req->nr_segments == 0 || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	for (unsigned int i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];

		if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
			return BLKIF_RSP_ERROR;
		n += (uint64_t)(s->last_sect - s->first_sect + 1);
	}
	/* Both bounds without overflow: the sector number is the frontend's 64-bit choice. */
	if (req->sector_number > b->capacity || n > b->capacity - req->sector_number)
		return BLKIF_RSP_ERROR;
	*sectors = (uint32_t)n;
	return BLKIF_RSP_OKAY;
}

int blkback_check(const struct blkback *b, const struct blkif_request *req, uint32_t *sectors)
{
	*sectors = 0;
	switch (req->operation) {
	case BLKIF_OP_READ:
		return check_segments(b, req, sectors);
	case BLKIF_OP_WRITE:
		return b->read_only ? BLKIF_RSP_ERROR : check_segments(b, req, sectors);
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* With data it is a write between two flushes (Linux sends it without). */
		if (b->read_only)
			return BLKIF_RSP_ERROR;
		return req->nr_segments ? check_segments(b, req, sectors) : BLKIF_RSP_OKAY;
	default:
		return BLKIF_RSP_EOPNOTSUPP;	/* discard, indirect, barriers: not offered yet */
	}
}

/* Moves each segment's bytes between the frontend's pages and b->data, in order. */
static int copy_segments(struct blkback *b, const struct blkif_request *req, bool to_frontend)
{
	uint8_t *p = b->data;

	for (unsigned int i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];
		uint32_t off = (uint32_t)s->first_sect * BLKIF_SECTOR_SIZE;
		uint32_t len = (uint32_t)(s->last_sect - s->first_sect + 1) * BLKIF_SECTOR_SIZE;

		if (b->ops->grant_copy(b->ctx, s->gref, off, p, len, to_frontend))
			return -1;
		p += len;
	}
	return 0;
}

/* Does a checked request; 0 or -1. */
static int blkback_do(struct blkback *b, const struct blkif_request *req, uint32_t sectors)
{
	switch (req->operation) {
	case BLKIF_OP_READ:
		if (b->ops->disk_read(b->ctx, req->sector_number, b->data, sectors))
			return -1;
		return copy_segments(b, req, true);
	case BLKIF_OP_WRITE:
		if (copy_segments(b, req, false))
			return -1;
		return b->ops->disk_write(b->ctx, req->sector_number, b->data, sectors);
	default:		/* BLKIF_OP_FLUSH_DISKCACHE */
		if (b->ops->disk_flush(b->ctx))
			return -1;
		if (!req->nr_segments)
			return 0;
		if (copy_segments(b, req, false) || b->ops->disk_write(b->ctx, req->sector_number, b->data, sectors))
			return -1;
		return b->ops->disk_flush(b->ctx);
	}
}

static void respond(struct blkback *b, uint64_t id, uint8_t op, int16_t status)
{
	struct blkif_response *rsp = pvabi_back_next_response(&b->ring);

	/* Every consumed request has its slot: the ring's own invariant, so rsp is never NULL here. */
	if (!rsp)
		return;
	rsp->id = id;
	rsp->operation = op;
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

int blkback_serve(struct blkback *b, bool *notify)
{
	int done = 0;
	int64_t n = 0;

	*notify = false;
	if (b->broken)
		return -1;
	/* A frontend that keeps producing cannot hold dom0 here: one ring's worth per call. */
	while (done < (int)b->ring.nr_ents && (n = pvabi_back_final_check(&b->ring)) > 0) {
		for (; n > 0 && done < (int)b->ring.nr_ents; n--) {
			struct blkif_request req;
			uint32_t sectors;
			int status;

			/* The one read of the slot: everything below looks at the private copy only. */
			PVABI_BACK_TAKE(&b->ring, &req);
			status = blkback_check(b, &req, &sectors);
			if (status == BLKIF_RSP_OKAY && blkback_do(b, &req, sectors))
				status = BLKIF_RSP_ERROR;
			respond(b, req.id, req.operation, (int16_t)status);
			done++;
		}
		*notify |= pvabi_back_push_responses(&b->ring);
	}
	if (n < 0) {
		b->broken = true;
		return -1;
	}
	return done;
}

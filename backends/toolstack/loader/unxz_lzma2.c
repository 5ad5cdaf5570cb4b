/* SPDX-License-Identifier: MIT */
/* LZMA2 decoder (range coder, LZMA literals/matches/reps, chunk framing) writing straight into a flat output buffer. */
#include "loader_lib.h"
#include "decompress.h"

#define RC_TOP		(1u << 24)	/* range below this: pull in another byte */
#define RC_PROB_BITS	11
#define RC_PROB_INIT	(1u << (RC_PROB_BITS - 1))
#define RC_MOVE_BITS	5

#define LZMA_MATCH_LEN_MIN	2
#define LZMA_LIT_STATES		7	/* states below this follow a literal */

/*
 * Range decoder over one LZMA chunk's compressed bytes. Running past the
 * end feeds zeros and sets overrun, which the symbol loop checks once per
 * symbol: cheaper than a branch out of every bit, and still never reads
 * outside [in, end).
 */
struct lzma_rc {
	const uint8_t *in;
	const uint8_t *end;
	uint32_t range;
	uint32_t code;
	uint32_t overrun;
};

/* Everything one LZMA chunk decode needs; lives on the stack of lzma2_decode. */
struct lzma_chunk {
	uint8_t *out;		/* output buffer (the dictionary) */
	size_t dict_start;	/* output offset of the last dictionary reset */
	size_t pos;		/* next output offset */
	size_t limit;		/* output offset where this chunk ends */
};

static inline __attribute__((always_inline)) void rc_normalize(struct lzma_rc *rc)
{
	if (rc->range < RC_TOP) {
		rc->range <<= 8;
		rc->code <<= 8;
		if (likely(rc->in < rc->end))
			rc->code |= *rc->in++;
		else
			rc->overrun = 1;
	}
}

static inline __attribute__((always_inline)) uint32_t rc_bit(struct lzma_rc *rc, uint16_t *prob)
{
	uint32_t bound;

	rc_normalize(rc);
	bound = (rc->range >> RC_PROB_BITS) * *prob;
	if (rc->code < bound) {
		rc->range = bound;
		*prob += ((1u << RC_PROB_BITS) - *prob) >> RC_MOVE_BITS;
		return 0;
	}
	rc->range -= bound;
	rc->code -= bound;
	*prob -= *prob >> RC_MOVE_BITS;
	return 1;
}

/* Decodes a most-significant-bit-first tree of log2(limit) bits; probs[1..limit) are used. */
static inline __attribute__((always_inline)) uint32_t rc_tree(struct lzma_rc *rc, uint16_t *probs, uint32_t limit)
{
	uint32_t sym = 1;

	do
		sym = (sym << 1) | rc_bit(rc, &probs[sym]);
	while (sym < limit);
	return sym - limit;
}

/* Decodes a least-significant-bit-first tree of nbits; probs[0..(1<<nbits)-1) are used. */
static inline __attribute__((always_inline)) uint32_t rc_tree_reverse(struct lzma_rc *rc, uint16_t *probs, uint32_t nbits)
{
	uint32_t sym = 1, value = 0;

	for (uint32_t i = 0; i < nbits; i++) {
		uint32_t bit = rc_bit(rc, &probs[sym - 1]);

		sym = (sym << 1) | bit;
		value |= bit << i;
	}
	return value;
}

/* Decodes nbits bits of probability one half. */
static inline __attribute__((always_inline)) uint32_t rc_direct(struct lzma_rc *rc, uint32_t nbits)
{
	uint32_t value = 0;

	while (nbits--) {
		uint32_t mask;

		rc_normalize(rc);
		rc->range >>= 1;
		rc->code -= rc->range;
		mask = 0u - (rc->code >> 31);	/* all ones if code went "negative": bit 0 */
		rc->code += rc->range & mask;
		value = (value << 1) | (mask + 1);
	}
	return value;
}

/* A chunk starts with a zero byte and four code bytes; the encoder never makes the first non-zero. */
static int rc_init(struct lzma_rc *rc, const uint8_t *in, size_t len)
{
	if (len < 5 || in[0] != 0)
		return DECOMP_ECORRUPT;
	rc->code = ((uint32_t)in[1] << 24) | ((uint32_t)in[2] << 16) |
		   ((uint32_t)in[3] << 8) | in[4];
	rc->range = 0xffffffffu;
	rc->in = in + 5;
	rc->end = in + len;
	rc->overrun = 0;
	return DECOMP_OK;
}

static void lzma_reset_state(struct unxz_work *w)
{
	uint16_t *p = (uint16_t *)&w->probs;

	for (size_t i = 0; i < sizeof(w->probs) / sizeof(uint16_t); i++)
		p[i] = RC_PROB_INIT;
	w->lzma.state = 0;
	w->lzma.rep[0] = w->lzma.rep[1] = w->lzma.rep[2] = w->lzma.rep[3] = 0;
}

/* Properties byte: (pb * 5 + lp) * 9 + lc, with LZMA2's extra rule lc + lp <= 4. */
static int lzma_set_props(struct lzma_state *st, uint8_t props)
{
	if (props >= 9 * 5 * 5)
		return DECOMP_ECORRUPT;
	st->lc = props % 9;
	props /= 9;
	st->lp = props % 5;
	st->pb = props / 5;
	if (st->lc + st->lp > LZMA_LCLP_MAX)
		return DECOMP_ECORRUPT;
	return DECOMP_OK;
}

static inline __attribute__((always_inline)) uint32_t lzma_len(struct lzma_rc *rc, struct lzma_len_probs *lp, uint32_t pos_state)
{
	if (!rc_bit(rc, &lp->choice))
		return LZMA_MATCH_LEN_MIN + rc_tree(rc, lp->low[pos_state], LZMA_LEN_LOW_SYMS);
	if (!rc_bit(rc, &lp->choice2))
		return LZMA_MATCH_LEN_MIN + LZMA_LEN_LOW_SYMS +
		       rc_tree(rc, lp->mid[pos_state], LZMA_LEN_MID_SYMS);
	return LZMA_MATCH_LEN_MIN + LZMA_LEN_LOW_SYMS + LZMA_LEN_MID_SYMS +
	       rc_tree(rc, lp->high, LZMA_LEN_HIGH_SYMS);
}

/* Distance of a new match (minus one); 0xffffffff is the end marker, which LZMA2 forbids. */
static inline __attribute__((always_inline)) uint32_t lzma_distance(struct lzma_rc *rc, struct lzma_probs *p, uint32_t len)
{
	uint32_t len_state = MIN(len - LZMA_MATCH_LEN_MIN, LZMA_DIST_STATES - 1);
	uint32_t slot = rc_tree(rc, p->dist_slot[len_state], LZMA_DIST_SLOTS);
	uint32_t nbits, dist;

	if (slot < 4)
		return slot;
	/* Slot = 2 * log2(dist) + the bit below the top one; the rest are coded below. */
	nbits = (slot >> 1) - 1;
	dist = (2 | (slot & 1)) << nbits;
	if (slot < LZMA_DIST_MODEL_END)
		return dist + rc_tree_reverse(rc, p->dist_special + dist - slot, nbits);
	dist += rc_direct(rc, nbits - 4) << 4;
	return dist + rc_tree_reverse(rc, p->dist_align, 4);
}

static inline __attribute__((always_inline)) uint8_t lzma_literal(struct lzma_rc *rc, struct lzma_probs *p, struct lzma_state *st,
							      struct lzma_chunk *c)
{
	size_t rel = c->pos - c->dict_start;
	uint32_t prev = rel ? c->out[c->pos - 1] : 0;
	uint32_t ctx = ((uint32_t)(rel & ((1u << st->lp) - 1)) << st->lc) + (prev >> (8 - st->lc));
	uint16_t *probs = &p->literal[LZMA_LITERAL_CODER_SIZE * ctx];
	uint32_t sym = 1;

	if (st->state >= LZMA_LIT_STATES) {
		/*
		 * After a match the byte at rep0 predicts this one: use the
		 * match-aware probabilities until the first bit that differs.
		 * The caller checked rep0 < rel.
		 */
		uint32_t match = c->out[c->pos - st->rep[0] - 1];

		do {
			uint32_t mbit = (match >> 7) & 1;
			uint32_t bit;

			match <<= 1;
			bit = rc_bit(rc, &probs[((1 + mbit) << 8) + sym]);
			sym = (sym << 1) | bit;
			if (bit != mbit)
				break;
		} while (sym < 0x100);
	}
	while (sym < 0x100)
		sym = (sym << 1) | rc_bit(rc, &probs[sym]);

	if (st->state < 4)
		st->state = 0;
	else if (st->state < 10)
		st->state -= 3;
	else
		st->state -= 6;
	return (uint8_t)sym;
}

/* Copies a match of len bytes from dist + 1 back, after checking both ends. */
static inline __attribute__((always_inline)) int lzma_copy(struct lzma_chunk *c, uint32_t dist, uint32_t len)
{
	uint8_t *dst, *src;

	if ((size_t)dist >= c->pos - c->dict_start)
		return DECOMP_EDIST;
	if (len > c->limit - c->pos)
		return DECOMP_ECORRUPT;	/* a match may not run past its chunk */
	dst = c->out + c->pos;
	src = dst - dist - 1;
	c->pos += len;
	if (dist + 1 >= len) {
		memcpy(dst, src, len);
		return DECOMP_OK;
	}
	/* Overlapping: the copy repeats the last dist + 1 bytes, so go byte by byte. */
	while (len--)
		*dst++ = *src++;
	return DECOMP_OK;
}

/* One match or repeated match after is_match said "not a literal". */
static inline __attribute__((always_inline)) int lzma_match(struct lzma_rc *rc, struct lzma_probs *p, struct lzma_state *st,
							  struct lzma_chunk *c, uint32_t pos_state)
{
	uint32_t len, dist;

	if (!rc_bit(rc, &p->is_rep[st->state])) {
		len = lzma_len(rc, &p->match_len, pos_state);
		dist = lzma_distance(rc, p, len);
		if (dist == 0xffffffffu)
			return DECOMP_ECORRUPT;
		st->rep[3] = st->rep[2];
		st->rep[2] = st->rep[1];
		st->rep[1] = st->rep[0];
		st->rep[0] = dist;
		st->state = st->state < LZMA_LIT_STATES ? 7 : 10;
		return lzma_copy(c, dist, len);
	}
	if (!rc_bit(rc, &p->is_rep0[st->state])) {
		if (!rc_bit(rc, &p->is_rep0_long[st->state][pos_state])) {
			st->state = st->state < LZMA_LIT_STATES ? 9 : 11;
			return lzma_copy(c, st->rep[0], 1);
		}
	} else {
		if (!rc_bit(rc, &p->is_rep1[st->state])) {
			dist = st->rep[1];
		} else {
			if (!rc_bit(rc, &p->is_rep2[st->state])) {
				dist = st->rep[2];
			} else {
				dist = st->rep[3];
				st->rep[3] = st->rep[2];
			}
			st->rep[2] = st->rep[1];
		}
		st->rep[1] = st->rep[0];
		st->rep[0] = dist;
	}
	len = lzma_len(rc, &p->rep_len, pos_state);
	st->state = st->state < LZMA_LIT_STATES ? 8 : 11;
	return lzma_copy(c, st->rep[0], len);
}

/*
 * The symbol loop of one chunk. The range coder, the state and the chunk
 * position are the caller's locals, never in memory that the output
 * buffer's byte stores could alias, so they stay in registers.
 */
static inline __attribute__((always_inline)) int lzma_symbols(struct lzma_rc *rc, struct lzma_probs *p, struct lzma_state *st, struct lzma_chunk *c)
{
	uint32_t pos_mask = (1u << st->pb) - 1;
	int err;

	while (c->pos < c->limit) {
		uint32_t pos_state = (uint32_t)(c->pos - c->dict_start) & pos_mask;

		if (!rc_bit(rc, &p->is_match[st->state][pos_state])) {
			if (st->state >= LZMA_LIT_STATES && st->rep[0] >= c->pos - c->dict_start)
				return DECOMP_EDIST;
			c->out[c->pos] = lzma_literal(rc, p, st, c);
			c->pos++;
		} else {
			err = lzma_match(rc, p, st, c, pos_state);
			if (err)
				return err;
		}
		if (rc->overrun)
			return DECOMP_ECORRUPT;
	}
	return DECOMP_OK;
}

/* Decodes one LZMA chunk: exactly limit - pos bytes from exactly len compressed bytes. */
static int lzma_chunk_decode(struct unxz_work *w, struct lzma_chunk *c, const uint8_t *in, size_t len)
{
	struct lzma_rc rc;
	struct lzma_state st = w->lzma;
	struct lzma_chunk local = *c;
	int err = rc_init(&rc, in, len);

	if (err)
		return err;
	err = lzma_symbols(&rc, &w->probs, &st, &local);
	w->lzma = st;
	c->pos = local.pos;
	if (err)
		return err;
	/* The encoder flushes so that the final normalised code is zero and every byte is used. */
	rc_normalize(&rc);
	if (rc.overrun || rc.in != rc.end || rc.code != 0)
		return DECOMP_ECORRUPT;
	return DECOMP_OK;
}

/* LZMA2 control byte rules: what each chunk may reset, and what must have been set first. */
struct lzma2_flags {
	bool need_dict_reset;
	bool need_props;
};

static int lzma2_uncompressed(const uint8_t *in, size_t in_len, size_t *ipos,
			      struct lzma_chunk *c, size_t out_cap)
{
	size_t size;

	if (in_len - *ipos < 2)
		return DECOMP_ETRUNC;
	size = (((size_t)in[*ipos] << 8) | in[*ipos + 1]) + 1;
	*ipos += 2;
	if (in_len - *ipos < size)
		return DECOMP_ETRUNC;
	if (out_cap - c->pos < size)
		return DECOMP_ENOSPC;
	memcpy(c->out + c->pos, in + *ipos, size);
	c->pos += size;
	*ipos += size;
	return DECOMP_OK;
}

static int lzma2_lzma_chunk(const uint8_t *in, size_t in_len, size_t *ipos, uint8_t control,
			    struct lzma_chunk *c, size_t out_cap, struct unxz_work *w,
			    struct lzma2_flags *fl)
{
	size_t usize, csize, hdr = control >= 0xc0 ? 5 : 4;
	const uint8_t *h = in + *ipos;
	int err;

	if (in_len - *ipos < hdr)
		return DECOMP_ETRUNC;
	usize = (((size_t)control & 0x1f) << 16 | (size_t)h[0] << 8 | h[1]) + 1;
	csize = ((size_t)h[2] << 8 | h[3]) + 1;
	if (control >= 0xc0) {
		err = lzma_set_props(&w->lzma, h[4]);
		if (err)
			return err;
		fl->need_props = false;
	} else if (fl->need_props) {
		return DECOMP_ECORRUPT;
	}
	if (control >= 0xa0)
		lzma_reset_state(w);
	*ipos += hdr;
	if (in_len - *ipos < csize)
		return DECOMP_ETRUNC;
	if (out_cap - c->pos < usize)
		return DECOMP_ENOSPC;
	c->limit = c->pos + usize;
	err = lzma_chunk_decode(w, c, in + *ipos, csize);
	*ipos += csize;
	return err;
}

int lzma2_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
		 size_t *out_len, size_t *in_used, struct unxz_work *w)
{
	if (!w)
		return DECOMP_EINVAL;
	w->progress.fn = NULL;
	return lzma2_decode_chunks(in, in_len, out, out_cap, out_len, in_used, w);
}

int lzma2_decode_chunks(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
			size_t *out_len, size_t *in_used, struct unxz_work *w)
{
	struct lzma2_flags fl = { .need_dict_reset = true, .need_props = true };
	struct lzma_chunk c = { .out = out, .dict_start = 0, .pos = 0, .limit = 0 };
	size_t ipos = 0;
	int err = DECOMP_OK;

	if (!in || !w || (!out && out_cap))
		return DECOMP_EINVAL;
	for (;;) {
		uint8_t control;

		if (ipos >= in_len) {
			err = DECOMP_ETRUNC;
			break;
		}
		control = in[ipos++];
		if (control == 0x00)
			break;		/* end of LZMA2 data */
		if (control >= 0xe0 || control == 0x01) {
			fl.need_dict_reset = false;
			fl.need_props = true;	/* a dict reset must be followed by new props */
			c.dict_start = c.pos;
		} else if (fl.need_dict_reset || (control > 0x02 && control < 0x80)) {
			err = DECOMP_ECORRUPT;
			break;
		}
		if (control >= 0x80)
			err = lzma2_lzma_chunk(in, in_len, &ipos, control, &c, out_cap, w, &fl);
		else
			err = lzma2_uncompressed(in, in_len, &ipos, &c, out_cap);
		if (err)
			break;
		decomp_progress_call(&w->progress);
	}
	if (out_len)
		*out_len = c.pos;
	if (in_used)
		*in_used = ipos;
	return err;
}

/* SPDX-License-Identifier: MIT */
/* blkback's persistent grants: an open-addressed table of a frontend's kept grant mappings, least used evicted. */
#include <string.h>
#include <pvabi/grant_table.h>
#include "blkback_pgnt.h"

void blkback_pgnt_init(struct blkback_pgnts *t)
{
	t->nr = 0;
	t->misses = 0;
	t->clock = 0;
	memset(t->used, 0, sizeof(t->used));
}

static bool slot_used(const struct blkback_pgnts *t, unsigned int i)
{
	return (t->used[i / 64] >> (i % 64)) & 1;
}

/* Refs are the frontend's choice: a multiplicative hash spreads runs of consecutive refs over the table. */
static unsigned int home(uint32_t gref)
{
	return (unsigned int)((gref * 0x9e3779b1u) >> 21) & (BLKBACK_PGNT_SLOTS - 1);
}

/* The slot holding gref, or the empty slot where it would go (there is always one: nr <= MAX < SLOTS). */
static unsigned int probe(const struct blkback_pgnts *t, uint32_t gref)
{
	unsigned int i = home(gref);

	while (slot_used(t, i) && t->slot[i].gref != gref)
		i = (i + 1) & (BLKBACK_PGNT_SLOTS - 1);
	return i;
}

const struct blkback_pgnt *blkback_pgnt_find(struct blkback_pgnts *t, uint32_t gref)
{
	unsigned int i = probe(t, gref);

	if (!slot_used(t, i))
		return NULL;
	t->slot[i].last_use = ++t->clock;
	return &t->slot[i];
}

bool blkback_pgnt_add(struct blkback_pgnts *t, uint32_t gref, uint32_t handle, uint64_t frame)
{
	unsigned int i;

	if (t->nr >= BLKBACK_PGNT_MAX) {
		t->misses++;
		return false;
	}
	i = probe(t, gref);
	if (slot_used(t, i))
		return false;
	t->slot[i] = (struct blkback_pgnt){ gref, handle, frame, ++t->clock, 0 };
	t->used[i / 64] |= 1ULL << (i % 64);
	t->nr++;
	return true;
}

/*
 * Not refused at BLKBACK_PGNT_MAX: that would lose track of a mapping that
 * exists. Restored right after its eviction (dom0 does), nr never grows
 * above what it was before that eviction.
 */
bool blkback_pgnt_restore(struct blkback_pgnts *t, const struct blkback_pgnt *e)
{
	unsigned int i = probe(t, e->gref);

	if (slot_used(t, i) || e->fails + 1 >= BLKBACK_PGNT_RETRIES)
		return false;
	t->slot[i] = *e;
	t->slot[i].last_use = 0;
	t->slot[i].fails++;
	t->used[i / 64] |= 1ULL << (i % 64);
	t->nr++;
	return true;
}

bool blkback_pgnt_unmap_left_mapped(int status)
{
	return status == GNTST_general_error || status == GNTST_bad_dev_addr || status == GNTST_eagain;
}

/* Slots are freed here whole (lookups stop until the table is empty) or one at a time by take(). */
unsigned int blkback_pgnt_drain(struct blkback_pgnts *t, struct blkback_pgnt *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int w = 0; w < BLKBACK_PGNT_SLOTS / 64 && n < max; w++) {
		while (t->used[w] && n < max) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(t->used[w]);

			out[n++] = t->slot[i];
			t->used[w] &= t->used[w] - 1;
			t->nr--;
		}
	}
	return n;
}

/*
 * Frees slot i without cutting a probe chain: each later entry of the run
 * that could have been placed at the hole (its home is not between the
 * hole and itself, going round) moves into it, and the hole moves on.
 */
static void take(struct blkback_pgnts *t, unsigned int i)
{
	const unsigned int mask = BLKBACK_PGNT_SLOTS - 1;

	t->used[i / 64] &= ~(1ULL << (i % 64));
	t->nr--;
	for (unsigned int j = (i + 1) & mask; slot_used(t, j); j = (j + 1) & mask) {
		unsigned int h = home(t->slot[j].gref);

		if (((j - h) & mask) < ((j - i) & mask))
			continue;	/* its home lies after the hole: it stays reachable where it is */
		t->slot[i] = t->slot[j];
		t->used[i / 64] |= 1ULL << (i % 64);
		t->used[j / 64] &= ~(1ULL << (j % 64));
		i = j;
	}
}

/* The oldest first: one pass over the table per mapping taken (max is small and this runs only when full). */
unsigned int blkback_pgnt_evict(struct blkback_pgnts *t, struct blkback_pgnt *out, unsigned int max)
{
	unsigned int n = 0;

	t->misses = 0;
	for (; n < max && t->nr; n++) {
		unsigned int oldest = BLKBACK_PGNT_SLOTS;

		for (unsigned int i = 0; i < BLKBACK_PGNT_SLOTS; i++)
			if (slot_used(t, i) && (oldest == BLKBACK_PGNT_SLOTS || t->slot[i].last_use < t->slot[oldest].last_use))
				oldest = i;
		out[n] = t->slot[oldest];
		take(t, oldest);
	}
	return n;
}

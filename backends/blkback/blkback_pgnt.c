/* SPDX-License-Identifier: MIT */
/* blkback's persistent grants: an open-addressed table of a frontend's kept grant mappings, emptied only whole. */
#include <string.h>
#include "blkback_pgnt.h"

void blkback_pgnt_init(struct blkback_pgnts *t)
{
	t->nr = 0;
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

const struct blkback_pgnt *blkback_pgnt_find(const struct blkback_pgnts *t, uint32_t gref)
{
	unsigned int i = probe(t, gref);

	return slot_used(t, i) ? &t->slot[i] : NULL;
}

bool blkback_pgnt_add(struct blkback_pgnts *t, uint32_t gref, uint32_t handle, uint64_t frame)
{
	unsigned int i;

	if (t->nr >= BLKBACK_PGNT_MAX)
		return false;
	i = probe(t, gref);
	if (slot_used(t, i))
		return false;
	t->slot[i] = (struct blkback_pgnt){ gref, handle, frame };
	t->used[i / 64] |= 1ULL << (i % 64);
	t->nr++;
	return true;
}

/* Slots are freed only here, and lookups stop until it has emptied the table: no probe chain is ever cut. */
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

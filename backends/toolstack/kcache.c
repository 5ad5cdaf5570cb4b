/* SPDX-License-Identifier: MIT */
/* Buffers shared by content digest (kcache.h): lookup, references, LRU trimming of the unused. */
#include "kcache.h"
#include "loader_lib.h"

void kcache_init(struct kcache *c, const struct kcache_ops *ops, uint64_t limit, unsigned int max_entries)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->limit = limit;
	c->max_entries = max_entries && max_entries < KCACHE_SLOTS ? max_entries : KCACHE_SLOTS;
}

static struct kcache_entry *find(struct kcache *c, const uint8_t digest[32])
{
	for (unsigned int i = 0; i < KCACHE_SLOTS; i++)
		if (c->e[i].used && memcmp(c->e[i].digest, digest, 32) == 0)
			return &c->e[i];
	return NULL;
}

static unsigned int nr_used(const struct kcache *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < KCACHE_SLOTS; i++)
		n += c->e[i].used;
	return n;
}

const uint8_t *kcache_get(struct kcache *c, const uint8_t digest[32], size_t *len)
{
	struct kcache_entry *e = find(c, digest);

	if (!e) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	e->refs++;
	e->stamp = ++c->clock;
	*len = e->len;
	return e->data;
}

static void drop(struct kcache *c, struct kcache_entry *e)
{
	c->bytes -= e->cap;
	c->evictions++;
	c->ops->free(c->ops->ctx, e->data, e->cap);
	memset(e, 0, sizeof(*e));
}

/* The least recently used entry nobody holds, or NULL. */
static struct kcache_entry *lru_unused(struct kcache *c)
{
	struct kcache_entry *best = NULL;

	for (unsigned int i = 0; i < KCACHE_SLOTS; i++)
		if (c->e[i].used && !c->e[i].refs && (!best || c->e[i].stamp < best->stamp))
			best = &c->e[i];
	return best;
}

static void trim(struct kcache *c, uint64_t extra_bytes, unsigned int extra_entries)
{
	struct kcache_entry *e;

	while ((c->bytes + extra_bytes > c->limit || nr_used(c) + extra_entries > c->max_entries) &&
	       (e = lru_unused(c)) != NULL)
		drop(c, e);
}

bool kcache_add(struct kcache *c, const uint8_t digest[32], uint8_t *data, size_t len, size_t cap)
{
	struct kcache_entry *slot = NULL;

	if (!data || find(c, digest))
		return false;
	/* Room first: the new entry counts against the bounds as the others do. */
	trim(c, cap, 1);
	for (unsigned int i = 0; i < KCACHE_SLOTS && !slot; i++)
		if (!c->e[i].used)
			slot = &c->e[i];
	if (!slot || nr_used(c) >= c->max_entries)
		return false;
	memcpy(slot->digest, digest, 32);
	slot->used = true;
	slot->data = data;
	slot->len = len;
	slot->cap = cap;
	slot->refs = 1;
	slot->stamp = ++c->clock;
	c->bytes += cap;
	return true;
}

void kcache_release(struct kcache *c, const uint8_t *data)
{
	for (unsigned int i = 0; i < KCACHE_SLOTS; i++) {
		struct kcache_entry *e = &c->e[i];

		if (e->used && e->data == data && e->refs) {
			e->refs--;
			trim(c, 0, 0);
			return;
		}
	}
}

uint64_t kcache_shrink(struct kcache *c, uint64_t want)
{
	struct kcache_entry *e;
	uint64_t freed = 0;

	while (freed < want && (e = lru_unused(c)) != NULL) {
		freed += e->cap;
		drop(c, e);
	}
	return freed;
}

/* SPDX-License-Identifier: MIT */
/* Buffers shared by content digest: decompressed kernels kept between builds, images shared by restartable domains. */
#ifndef SKIFF_KCACHE_H
#define SKIFF_KCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KCACHE_SLOTS	64		/* entries a cache can hold: restartable domains share images by digest, one entry each */

struct kcache_ops {
	void *ctx;
	void (*free)(void *ctx, void *p, size_t cap);	/* how an entry's buffer is given back */
};

struct kcache_entry {
	bool used;
	uint8_t digest[32];
	uint8_t *data;
	size_t len, cap;		/* bytes of data, and the size it was allocated with */
	uint32_t refs;			/* holders now; 0: kept only as a cache */
	uint64_t stamp;			/* last handed out (for LRU) */
};

/*
 * limit bounds the bytes the cache keeps for nobody: entries in use are
 * never freed, and when the last holder lets go, unused entries go (least
 * recently used first) until the total is within limit and within
 * max_entries. limit 0: an entry lives exactly as long as its holders.
 */
struct kcache {
	const struct kcache_ops *ops;
	uint64_t limit;
	unsigned int max_entries;
	uint64_t bytes, clock;
	uint64_t hits, misses, evictions;
	struct kcache_entry e[KCACHE_SLOTS];
};

void kcache_init(struct kcache *c, const struct kcache_ops *ops, uint64_t limit, unsigned int max_entries);

/* The entry for digest, with a reference for the caller (kcache_release), or NULL. */
const uint8_t *kcache_get(struct kcache *c, const uint8_t digest[32], size_t *len);

/*
 * Hands data (len bytes used of cap allocated) to the cache under digest
 * with a reference for the caller: true. False when no slot can be had
 * (every one in use) or digest is there already: the caller keeps data.
 */
bool kcache_add(struct kcache *c, const uint8_t digest[32], uint8_t *data, size_t len, size_t cap);

/* Drops the caller's reference on the entry holding data; the cache is trimmed to its bounds. */
void kcache_release(struct kcache *c, const uint8_t *data);

/* Frees unused entries, least recently used first, until want bytes went or none is left; the bytes freed. */
uint64_t kcache_shrink(struct kcache *c, uint64_t want);

#endif

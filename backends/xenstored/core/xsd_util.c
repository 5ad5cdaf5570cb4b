/* SPDX-License-Identifier: MIT */
/* Containers for the xenstore core: string hash map and byte buffer. */
#include "xsd_util.h"

#include <stdlib.h>
#include <string.h>

static uint32_t xsd_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int xsd_map_init(struct xsd_map *m)
{
	return xsd_map_init_sized(m, 64);
}

int xsd_map_init_sized(struct xsd_map *m, size_t nbuckets)
{
	m->nbuckets = nbuckets;
	m->count = 0;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	return m->buckets ? 0 : -1;
}

void xsd_map_destroy(struct xsd_map *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct xsd_map_ent *e = m->buckets[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e->key);
			free(e);
		}
	}
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = m->count = 0;
}

struct xsd_map_ent *xsd_map_find(const struct xsd_map *m, const char *key)
{
	uint32_t h = xsd_hash(key);
	struct xsd_map_ent *e = m->buckets[h & (m->nbuckets - 1)];

	for (; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

void *xsd_map_get(const struct xsd_map *m, const char *key)
{
	struct xsd_map_ent *e = xsd_map_find(m, key);

	return e ? e->val : NULL;
}

/* Doubling keeps chains short; failure to grow is harmless. */
static void xsd_map_grow(struct xsd_map *m)
{
	size_t n = m->nbuckets * 2;
	struct xsd_map_ent **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct xsd_map_ent *e = m->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	free(m->buckets);
	m->buckets = nb;
	m->nbuckets = n;
}

int xsd_map_put(struct xsd_map *m, const char *key, void *val)
{
	struct xsd_map_ent *e = xsd_map_find(m, key);

	if (e) {
		e->val = val;
		return 0;
	}
	e = malloc(sizeof(*e));
	if (!e)
		return -1;
	e->key = xsd_strdup(key);
	if (!e->key) {
		free(e);
		return -1;
	}
	e->hash = xsd_hash(key);
	e->val = val;
	e->next = m->buckets[e->hash & (m->nbuckets - 1)];
	m->buckets[e->hash & (m->nbuckets - 1)] = e;
	if (++m->count > m->nbuckets)
		xsd_map_grow(m);
	return 0;
}

void *xsd_map_del(struct xsd_map *m, const char *key)
{
	uint32_t h = xsd_hash(key);
	struct xsd_map_ent **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		struct xsd_map_ent *e = *pp;

		if (e->hash == h && strcmp(e->key, key) == 0) {
			void *v = e->val;

			*pp = e->next;
			free(e->key);
			free(e);
			m->count--;
			return v;
		}
	}
	return NULL;
}

void xsd_buf_init(struct xsd_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void xsd_buf_free(struct xsd_buf *b)
{
	free(b->data);
	xsd_buf_init(b);
}

void xsd_buf_add(struct xsd_buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void xsd_buf_add_str0(struct xsd_buf *b, const char *s)
{
	xsd_buf_add(b, s, strlen(s) + 1);
}

char *xsd_strdup(const char *s)
{
	return xsd_memdup(s, strlen(s) + 1);
}

void *xsd_memdup(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

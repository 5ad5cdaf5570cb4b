/* SPDX-License-Identifier: MIT */
/* Small containers for the xenstore core: string-keyed hash map, intrusive list, byte buffer. */
#ifndef XSD_UTIL_H
#define XSD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Intrusive doubly linked list; a head is a node that points at itself when empty. */
struct xsd_list {
	struct xsd_list *next, *prev;
};

static inline void xsd_list_init(struct xsd_list *h)
{
	h->next = h->prev = h;
}

static inline bool xsd_list_empty(const struct xsd_list *h)
{
	return h->next == h;
}

static inline void xsd_list_add_tail(struct xsd_list *h, struct xsd_list *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void xsd_list_del(struct xsd_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define xsd_container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/* Hash map from NUL-terminated string keys (owned by the map) to pointers. */
struct xsd_map_ent {
	struct xsd_map_ent *next;
	uint32_t hash;
	char *key;
	void *val;
};

struct xsd_map {
	struct xsd_map_ent **buckets;
	size_t nbuckets;  /* power of two */
	size_t count;
};

int xsd_map_init(struct xsd_map *m);
int xsd_map_init_sized(struct xsd_map *m, size_t nbuckets);  /* nbuckets: power of two */
void xsd_map_destroy(struct xsd_map *m);  /* frees keys, not values */
void *xsd_map_get(const struct xsd_map *m, const char *key);
struct xsd_map_ent *xsd_map_find(const struct xsd_map *m, const char *key);
/* Inserts or replaces; returns 0 or -1 on allocation failure (map unchanged). */
int xsd_map_put(struct xsd_map *m, const char *key, void *val);
/* Removes the key; returns its value or NULL. */
void *xsd_map_del(struct xsd_map *m, const char *key);

/* Visit every entry; the callback may not modify the map. */
#define xsd_map_for_each(m, e)                                             \
	for (size_t _b = 0; _b < (m)->nbuckets; _b++)                      \
		for (struct xsd_map_ent *e = (m)->buckets[_b]; e; e = e->next)

/* Growable byte buffer used to build replies. */
struct xsd_buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;  /* sticky: an append ran out of memory */
};

void xsd_buf_init(struct xsd_buf *b);
void xsd_buf_free(struct xsd_buf *b);
void xsd_buf_add(struct xsd_buf *b, const void *p, size_t n);
void xsd_buf_add_str0(struct xsd_buf *b, const char *s);  /* with its NUL */

char *xsd_strdup(const char *s);
void *xsd_memdup(const void *p, size_t n);

#endif

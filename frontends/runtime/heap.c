/* SPDX-License-Identifier: MIT */
/* The runtime's heap: first-fit blocks with address-ordered, coalescing free list in a bss arena. */
#include "rt.h"
#include "rt_page.h"

#define RT_HEAP_SIZE	(512 * 1024)
#define RT_HEAP_ALIGN	16

/* Every block starts with this header; a free block links to the next free one by address. */
struct rt_block {
	size_t size;			/* whole block, header included */
	struct rt_block *next;
};

static uint8_t rt_arena[RT_HEAP_SIZE] __attribute__((aligned(RT_HEAP_ALIGN)));
static struct rt_block *rt_free_list;
static bool rt_heap_ready;
static size_t rt_in_use;

#define RT_HDR	((sizeof(struct rt_block) + RT_HEAP_ALIGN - 1) & ~(size_t)(RT_HEAP_ALIGN - 1))

static void rt_heap_init(void)
{
	rt_free_list = (struct rt_block *)rt_arena;
	rt_free_list->size = RT_HEAP_SIZE;
	rt_free_list->next = NULL;
	rt_heap_ready = true;
}

void *malloc(size_t n)
{
	size_t need;

	if (!rt_heap_ready)
		rt_heap_init();
	if (n == 0 || n > RT_HEAP_SIZE)
		return NULL;
	need = RT_HDR + ((n + RT_HEAP_ALIGN - 1) & ~(size_t)(RT_HEAP_ALIGN - 1));
	for (struct rt_block **pp = &rt_free_list; *pp; pp = &(*pp)->next) {
		struct rt_block *b = *pp;

		if (b->size < need)
			continue;
		if (b->size - need >= RT_HDR + RT_HEAP_ALIGN) {
			struct rt_block *rest = (struct rt_block *)((uint8_t *)b + need);

			rest->size = b->size - need;
			rest->next = b->next;
			*pp = rest;
			b->size = need;
		} else {
			*pp = b->next;
		}
		rt_in_use += b->size;
		return (uint8_t *)b + RT_HDR;
	}
	return NULL;
}

void *calloc(size_t nmemb, size_t n)
{
	void *p;

	if (n && nmemb > (size_t)-1 / n)
		return NULL;
	p = malloc(nmemb * n);
	if (p)
		memset(p, 0, nmemb * n);
	return p;
}

void free(void *p)
{
	struct rt_block *b, *prev = NULL, *next;

	if (!p)
		return;
	b = (struct rt_block *)((uint8_t *)p - RT_HDR);
	rt_in_use -= b->size;
	for (next = rt_free_list; next && next < b; next = next->next)
		prev = next;
	b->next = next;
	if (prev)
		prev->next = b;
	else
		rt_free_list = b;
	/* Merge with the next block, then the previous one, when they touch. */
	if (next && (uint8_t *)b + b->size == (uint8_t *)next) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

size_t rt_heap_in_use(void)
{
	return rt_in_use;
}

void *realloc(void *p, size_t n)
{
	struct rt_block *b;
	size_t have;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	b = (struct rt_block *)((uint8_t *)p - RT_HDR);
	have = b->size - RT_HDR;
	if (n <= have)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

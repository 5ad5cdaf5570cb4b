/* SPDX-License-Identifier: MIT */
/* The digest-keyed buffer cache (backends/toolstack/kcache.c): hits, references, LRU trimming to its bounds. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "kcache.h"

static unsigned int freed;
static size_t freed_bytes;

static void t_free(void *ctx, void *p, size_t cap)
{
	(void)ctx;
	freed++;
	freed_bytes += cap;
	free(p);
}

static const struct kcache_ops ops = { .free = t_free };

static const uint8_t *dg(uint8_t n)
{
	static uint8_t d[8][32];

	memset(d[n], n, 32);
	return d[n];
}

static uint8_t *buf(size_t cap, uint8_t fill)
{
	uint8_t *p = malloc(cap);

	memset(p, fill, cap);
	return p;
}

static void setup(void)
{
	freed = 0;
	freed_bytes = 0;
}

/* A miss, then the same digest hits with the same bytes; a held entry survives any trimming. */
START_TEST(hit_after_add_and_held_entries_stay)
{
	static struct kcache c;
	uint8_t *a = buf(100, 0xaa);
	const uint8_t *got;
	size_t len = 0;

	kcache_init(&c, &ops, 150, 4);
	ck_assert_ptr_null(kcache_get(&c, dg(1), &len));
	ck_assert(kcache_add(&c, dg(1), a, 90, 100));
	ck_assert(!kcache_add(&c, dg(1), a, 90, 100));	/* there already */
	got = kcache_get(&c, dg(1), &len);
	ck_assert_ptr_eq(got, a);
	ck_assert_uint_eq(len, 90);
	ck_assert_uint_eq(c.hits, 1);
	ck_assert_uint_eq(c.misses, 1);
	ck_assert_uint_eq(kcache_shrink(&c, 1000), 0);	/* two holders */
	kcache_release(&c, a);
	kcache_release(&c, a);
	ck_assert_uint_eq(freed, 0);			/* unused now, and within the limit: kept */
	ck_assert_ptr_eq(kcache_get(&c, dg(1), &len), a);
	kcache_release(&c, a);
	ck_assert_uint_eq(kcache_shrink(&c, 1), 100);
	ck_assert_uint_eq(freed, 1);
	ck_assert_ptr_null(kcache_get(&c, dg(1), &len));
	ck_assert_uint_eq(c.bytes, 0);
}
END_TEST

/* Over the byte limit: the least recently used unused entry goes first, never one in use. */
START_TEST(lru_eviction_within_limit)
{
	static struct kcache c;
	uint8_t *a = buf(100, 1), *b = buf(100, 2), *d = buf(100, 3);
	size_t len;

	kcache_init(&c, &ops, 250, 8);
	ck_assert(kcache_add(&c, dg(1), a, 100, 100));
	kcache_release(&c, a);
	ck_assert(kcache_add(&c, dg(2), b, 100, 100));
	kcache_release(&c, b);
	/* a is used again: b is now the least recently used. */
	ck_assert_ptr_eq(kcache_get(&c, dg(1), &len), a);
	kcache_release(&c, a);
	ck_assert(kcache_add(&c, dg(3), d, 100, 100));	/* 300 > 250: b goes */
	ck_assert_uint_eq(freed, 1);
	ck_assert_ptr_null(kcache_get(&c, dg(2), &len));
	ck_assert_ptr_eq(kcache_get(&c, dg(1), &len), a);
	kcache_release(&c, a);
	ck_assert_uint_eq(c.bytes, 200);
	/* d is held: a (unused) goes when d's holder would push past the limit again. */
	ck_assert(kcache_add(&c, dg(4), buf(100, 4), 100, 100));
	ck_assert_uint_eq(freed, 2);
	ck_assert_ptr_null(kcache_get(&c, dg(1), &len));
	ck_assert_uint_eq(c.bytes, 200);
	ck_assert_uint_eq(c.evictions, 2);
	kcache_shrink(&c, ~0ULL);
	ck_assert_uint_eq(c.bytes, 200);		/* both still held */
	kcache_release(&c, d);
	ck_assert_uint_eq(kcache_shrink(&c, ~0ULL), 100);
	for (unsigned int i = 0; i < KCACHE_SLOTS; i++)
		if (c.e[i].used)
			free(c.e[i].data);
}
END_TEST

/* The entry bound: past it an add evicts the unused, and is refused (the caller keeps its buffer) when all are held. */
START_TEST(entry_bound_and_refusal)
{
	static struct kcache c;
	uint8_t *p[3];
	size_t len;

	kcache_init(&c, &ops, 1 << 20, 2);
	for (unsigned int i = 0; i < 2; i++) {
		p[i] = buf(10, (uint8_t)i);
		ck_assert(kcache_add(&c, dg((uint8_t)i), p[i], 10, 10));
	}
	p[2] = buf(10, 2);
	ck_assert(!kcache_add(&c, dg(2), p[2], 10, 10));	/* both held */
	ck_assert_uint_eq(freed, 0);
	kcache_release(&c, p[0]);
	ck_assert(kcache_add(&c, dg(2), p[2], 10, 10));
	ck_assert_uint_eq(freed, 1);
	ck_assert_ptr_null(kcache_get(&c, dg(0), &len));
	kcache_release(&c, p[1]);
	kcache_release(&c, p[2]);
	kcache_release(&c, p[2]);			/* one too many: ignored */
	ck_assert_uint_eq(kcache_shrink(&c, ~0ULL), 20);
	ck_assert_uint_eq(c.bytes, 0);
}
END_TEST

/* limit 0 (images shared by restartable domains): an entry lives exactly as long as its holders. */
START_TEST(limit_zero_shares_while_held)
{
	static struct kcache c;
	uint8_t *k = buf(64, 7);
	size_t len;

	kcache_init(&c, &ops, 0, KCACHE_SLOTS);
	ck_assert(kcache_add(&c, dg(5), k, 64, 64));
	ck_assert_ptr_eq(kcache_get(&c, dg(5), &len), k);	/* a second domain shares it */
	kcache_release(&c, k);
	ck_assert_uint_eq(freed, 0);
	kcache_release(&c, k);
	ck_assert_uint_eq(freed, 1);
	ck_assert_uint_eq(freed_bytes, 64);
	ck_assert_ptr_null(kcache_get(&c, dg(5), &len));
	kcache_release(&c, k);				/* not there any more: nothing happens */
	ck_assert_uint_eq(freed, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kcache");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, hit_after_add_and_held_entries_stay);
	tcase_add_test(tc, lru_eviction_within_limit);
	tcase_add_test(tc, entry_bound_and_refusal);
	tcase_add_test(tc, limit_zero_shares_while_held);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

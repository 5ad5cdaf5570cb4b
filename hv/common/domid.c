/* SPDX-License-Identifier: MIT */
/* Domain ids: a bitmap of ids in use, lowest free first; an id stays taken until its domain's memory is freed. */
#include <hv/priv.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>

#define DOMID_WORDS	((DOMID_FIRST_RESERVED + 63) / 64)

/* Innermost: taken under domlist_lock by domain_create and at domain_free, under no other lock. */
static spinlock_t domid_lock = SPINLOCK_INIT;
static uint64_t domid_used[DOMID_WORDS];
/* Words below this are full: the search for the lowest free id starts here. */
static unsigned int domid_first_word;

static bool domid_test(domid_t id)
{
	return (domid_used[id / 64] >> (id % 64)) & 1;
}

static int domid_lowest_free(void)
{
	for (unsigned int w = domid_first_word; w < DOMID_WORDS; w++) {
		uint64_t free = ~domid_used[w];

		if (w == 0)
			free &= ~1ULL;	/* 0 is the boot domain's, never handed out */
		if (free) {
			unsigned int id = w * 64 + (unsigned int)__builtin_ctzll(free);

			return id < DOMID_FIRST_RESERVED ? (int)id : -XEN_ENOMEM;
		}
	}
	return -XEN_ENOMEM;
}

int domid_claim(domid_t want)
{
	unsigned long f = spin_lock_irqsave(&domid_lock);
	int id;

	if (want == DOMID_INVALID) {
		id = domid_lowest_free();
	} else if (want >= DOMID_FIRST_RESERVED) {
		id = -XEN_EINVAL;
	} else {
		id = domid_test(want) ? -XEN_EEXIST : want;
	}
	if (id >= 0) {
		domid_used[id / 64] |= 1ULL << (id % 64);
		while (domid_first_word < DOMID_WORDS && domid_used[domid_first_word] == ~0ULL)
			domid_first_word++;
	}
	spin_unlock_irqrestore(&domid_lock, f);
	return id;
}

void domid_release(domid_t id)
{
	unsigned long f;

	if (id >= DOMID_FIRST_RESERVED)
		return;
	f = spin_lock_irqsave(&domid_lock);
	domid_used[id / 64] &= ~(1ULL << (id % 64));
	if (id / 64 < domid_first_word)
		domid_first_word = id / 64;
	spin_unlock_irqrestore(&domid_lock, f);
}

bool domid_in_use(domid_t id)
{
	unsigned long f;
	bool used;

	if (id >= DOMID_FIRST_RESERVED)
		return false;
	f = spin_lock_irqsave(&domid_lock);
	used = domid_test(id);
	spin_unlock_irqrestore(&domid_lock, f);
	return used;
}

/* SPDX-License-Identifier: MIT */
/* dom0's balloon test hook: memory/target set for a domU in steps, and its pages (tot_pages) watched as they follow. */
#include <pvabi/errno.h>
#include "rt.h"
#include "bootmod.h"
#include "dom0.h"
#include "xs_client.h"

#define BAL_MAX_PLANS		4
/* A driver that stops short (no memory to give, or none to take) is reported, not waited for. */
#define BAL_TIMEOUT_NS		(120ULL * 1000000000ULL)
/* Pages not yet settled: the driver works in batches, so the count is taken as final once it stops moving. */
#define BAL_SETTLE_TICKS	10

enum bal_state { BAL_WAIT_GUEST, BAL_MOVING, BAL_DONE };

struct bal_plan {
	domid_t domid;
	enum bal_state state;
	unsigned int next, n;
	uint64_t sizes[BOOTMOD_MAX_BALLOON];
	uint64_t t0, from_pages, last_pages;
	unsigned int still;
};

static struct bal_plan plans[BAL_MAX_PLANS];
static unsigned int nr_plans;

void dom0_balloon_plan(domid_t domid, const uint64_t *sizes, unsigned int n)
{
	struct bal_plan *p;

	if (nr_plans == BAL_MAX_PLANS || n == 0) {
		rt_printf("dom0: balloon d%u: no room for the plan; ignored\n", domid);
		return;
	}
	p = &plans[nr_plans++];
	*p = (struct bal_plan){ .domid = domid, .n = n < BOOTMOD_MAX_BALLOON ? n : BOOTMOD_MAX_BALLOON };
	for (unsigned int i = 0; i < p->n; i++)
		p->sizes[i] = sizes[i];
}

static long bal_pages(domid_t domid, uint64_t *tot)
{
	static struct skiff_dominfo info;
	long rc = dom0_getdomaininfo(domid, &info);

	if (rc == 0)
		*tot = info.tot_pages;
	return rc;
}

/*
 * The guest reports each target its balloon driver reaches in
 * data/skiff-balloon (the boot test's init does): dom0 starts once it is
 * there and takes the next step once it names the last target, so that
 * the guest sees every step.
 */
static bool bal_guest_ready(const struct bal_plan *p)
{
	char path[64], want[24];
	unsigned int n;
	char *v;
	bool ready;

	snprintf(path, sizeof(path), "/local/domain/%u/data/skiff-balloon", p->domid);
	snprintf(want, sizeof(want), "%llu", p->next ? (unsigned long long)(p->sizes[p->next - 1] >> 10) : 0ULL);
	v = xs_read(dom0_store_xs(), XBT_NULL, path, &n);
	ready = v && (p->next == 0 || (n == strlen(want) && memcmp(v, want, n) == 0));
	xs_free(dom0_store_xs(), v);
	return ready;
}

static void bal_set_target(struct bal_plan *p, uint64_t tot)
{
	char path[64], val[24];
	uint64_t kb = p->sizes[p->next] >> 10;

	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", p->domid);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)kb);
	if (!xs_write(dom0_store_xs(), XBT_NULL, path, val, (unsigned int)strlen(val))) {
		rt_printf("dom0: balloon d%u: writing memory/target failed\n", p->domid);
		p->state = BAL_DONE;
		return;
	}
	rt_printf("dom0: balloon d%u: memory/target = %llu KiB (%llu pages, it has %llu)\n", p->domid,
		  (unsigned long long)kb, (unsigned long long)(kb >> 2), (unsigned long long)tot);
	p->t0 = rt_now_ns();
	p->from_pages = p->last_pages = tot;
	p->still = 0;
	p->state = BAL_MOVING;
}

/* The step ends when the pages reach the target, or stop moving for a while, or time runs out. */
static void bal_step(struct bal_plan *p, uint64_t tot)
{
	uint64_t want = p->sizes[p->next] >> 12, dt = rt_now_ns() - p->t0;
	uint64_t moved = tot > p->from_pages ? tot - p->from_pages : p->from_pages - tot;
	const char *how;

	p->still = tot == p->last_pages ? p->still + 1 : 0;
	p->last_pages = tot;
	if (tot == want)
		how = "reached";
	else if (p->still >= BAL_SETTLE_TICKS && moved)
		how = "settled short of";
	else if (dt >= BAL_TIMEOUT_NS)
		how = "timed out short of";
	else
		return;
	/* Time to the last change: the settling ticks are dom0's waiting, not the guest's work. */
	if (tot != want && p->still >= BAL_SETTLE_TICKS)
		dt = dt > (uint64_t)p->still * 100000000ULL ? dt - (uint64_t)p->still * 100000000ULL : dt;
	rt_printf("dom0: balloon d%u: %s the target of %llu pages: %llu pages (from %llu) in %llu ms, %llu pages/s\n",
		  p->domid, how, (unsigned long long)want, (unsigned long long)tot, (unsigned long long)p->from_pages,
		  (unsigned long long)(dt / 1000000), (unsigned long long)(dt ? moved * 1000000000ULL / dt : 0));
	p->next++;
	p->state = p->next < p->n ? BAL_WAIT_GUEST : BAL_DONE;
}

void dom0_balloon_poll(void)
{
	for (unsigned int i = 0; i < nr_plans; i++) {
		struct bal_plan *p = &plans[i];
		uint64_t tot;

		if (p->state == BAL_DONE)
			continue;
		if (bal_pages(p->domid, &tot) != 0) {
			p->state = BAL_DONE;	/* gone */
			continue;
		}
		if (p->state == BAL_WAIT_GUEST) {
			if (dom0_store_xs() && bal_guest_ready(p))
				bal_set_target(p, tot);
			continue;
		}
		bal_step(p, tot);
	}
}

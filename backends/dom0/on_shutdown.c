/* SPDX-License-Identifier: MIT */
/* xl's on_poweroff/on_reboot/on_crash/on_watchdog carried out by dom0 for the domains it built from domain files. */
#include <stdio.h>
#include <stdlib.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "dom0.h"
#include "lifecycle.h"
#include "dom0_blk.h"
#include "dom0_net.h"

/* One domain followed across its restarts: the incarnation now running is domid. */
struct lc_dom {
	struct lc_dom *next;
	domid_t domid;
	bool pending;			/* shut down; carried out from the event loop */
	unsigned int reason;
	char name[32];			/* its name when it shut down (xl rename counts) */
	char owner[32];			/* the name its devices were declared under (at its first build) */
	struct lc_actions act;
	struct lc_state st;
	struct dom0_recipe *recipe;
};

static struct lc_dom *lc_doms;
static domid_t lc_rover;	/* the last domid a restart got: the next goes after it, as Xen's allocator does */

void dom0_lifecycle_adopt(domid_t domid, const struct lc_actions *a, struct dom0_recipe *r)
{
	static struct skiff_dominfo owner;
	struct lc_dom *l = calloc(1, sizeof(*l));

	if (!l) {
		rt_printf("dom0: d%u: no memory to follow it: its on_* actions are not carried out\n", domid);
		dom0_toolstack_recipe_free(r);
		return;
	}
	l->domid = domid;
	l->act = *a;
	if (dom0_getdomaininfo(domid, &owner) == 0)
		snprintf(l->owner, sizeof(l->owner), "%s", owner.name);
	l->st.started_ns = rt_now_ns();
	l->recipe = r;
	l->next = lc_doms;
	lc_doms = l;
}

static struct lc_dom **lc_find(domid_t domid)
{
	for (struct lc_dom **p = &lc_doms; *p; p = &(*p)->next)
		if ((*p)->domid == domid)
			return p;
	return NULL;
}

/* dom0 is done with the domain: its run-time disks and its vifs go back (xl create's next domain may take them). */
static void lc_drop(struct lc_dom **p)
{
	struct lc_dom *l = *p;

	*p = l->next;
	dom0_blk_pool_release(l->owner);
	dom0_net_release(l->owner);
	dom0_toolstack_recipe_free(l->recipe);
	free(l);
}

const char *dom0_lifecycle_owner(domid_t domid)
{
	struct lc_dom **p = lc_find(domid);

	return p && (*p)->owner[0] ? (*p)->owner : NULL;
}

void dom0_lifecycle_renamed(domid_t domid, const char *name)
{
	struct lc_dom **p = lc_find(domid);

	if (!p || !(*p)->owner[0])
		return;
	/* Its devices follow the name, so that the next restart (under the new name) finds them. */
	dom0_blk_pool_rename((*p)->owner, name);
	dom0_net_rename((*p)->owner, name);
	snprintf((*p)->owner, sizeof((*p)->owner), "%s", name);
}

void dom0_lifecycle_forget(domid_t domid)
{
	struct lc_dom **p = lc_find(domid);

	if (p)
		lc_drop(p);
}

bool dom0_lifecycle_shut_down(const struct skiff_dominfo *info)
{
	struct lc_dom **p = lc_find(info->domid);

	if (!p)
		return false;
	(*p)->pending = true;
	(*p)->reason = info->shutdown_reason;
	snprintf((*p)->name, sizeof((*p)->name), "%s", info->name);
	return true;
}

static long lc_dom_op(uint32_t cmd, domid_t domid)
{
	struct skiff_domctl op = { .cmd = cmd };

	op.u.dom.domid = domid;
	return dom0_domctl(&op);
}

/* A domid no domain holds, after the last one a restart got and after old (Skiff's own allocator takes the lowest). */
static domid_t lc_next_domid(domid_t old)
{
	static struct skiff_dominfo info;
	domid_t id = lc_rover > old ? lc_rover : old;

	for (unsigned int tries = 0; tries < DOMID_FIRST_RESERVED; tries++) {
		id = (domid_t)(id + 1 < DOMID_FIRST_RESERVED ? id + 1 : 1);
		if (id != old && dom0_getdomaininfo(id, &info) == -XEN_ESRCH)
			return id;
	}
	return 0;	/* every id taken: createdomain says so */
}

/* Nanoseconds since 1970 from the shared_info wallclock (the time of system time 0) and the system time now. */
uint64_t dom0_unix_now_ns(void)
{
	long rc;
	volatile struct shared_info *s = rt_map_shared_info(&rc);
	uint32_t v, nsec;
	uint64_t sec;

	if (!s)
		return 0;
	/* The hypervisor makes wc_version odd while it writes the wallclock: read until a stable even one. */
	do {
		v = s->wc_version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		sec = (uint64_t)s->wc_sec_hi << 32 | s->wc_sec;
		nsec = s->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != s->wc_version);
	return sec * 1000000000ULL + nsec + rt_now_ns();
}

/* rename-restart: the old domain is kept, shut down, as NAME-YYYYMMDDTHHMMZ (xl's suffix) so a new one can have NAME. */
static long lc_rename_old(struct lc_dom *l, char *kept, size_t len)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_setname };

	lc_preserved_name(l->name, dom0_unix_now_ns() / 1000000000ULL, kept, (unsigned int)len);
	op.u.name.domid = l->domid;
	snprintf(op.u.name.name, sizeof(op.u.name.name), "%s", kept);
	return dom0_domctl(&op);
}

/* restart and rename-restart: the same recipe built again under the same name and UUID, on a new domid. */
static bool lc_restart(struct lc_dom *l, bool rename)
{
	domid_t old = l->domid, domid = 0;
	char kept[32] = "";
	long rc;

	rc = rename ? lc_rename_old(l, kept, sizeof(kept)) : lc_dom_op(SKIFF_DOMCTL_destroydomain, old);
	if (rc) {
		rt_printf("dom0: d%u (%s): cannot %s it: error %ld; not restarted\n", old, l->name,
			  rename ? "rename" : "destroy", rc);
		dom0_result_note(old, rename ? "not restarted: the rename was refused" : "not restarted");
		return false;
	}
	rc = dom0_toolstack_rebuild(l->recipe, l->name, lc_next_domid(old), &domid);
	if (rc) {
		rt_printf("dom0: d%u (%s): restart failed: error %ld\n", old, l->name, rc);
		dom0_result_note(old, "restart failed");
		return false;
	}
	lc_rover = domid;
	l->domid = domid;
	l->st.started_ns = rt_now_ns();
	dom0_result_restarted(old, domid);
	if (rename)
		rt_printf("dom0: d%u (%s) kept as %s; restarted as d%u (restart %u)\n", old, l->name, kept, domid,
			  l->st.restarts);
	else
		rt_printf("dom0: d%u (%s) restarted as d%u (restart %u)\n", old, l->name, domid, l->st.restarts);
	return true;
}

/* One domain's end: true if it runs again (restarted), false if dom0 is done with it. */
static bool lc_carry_out(struct lc_dom *l)
{
	static const char *const why[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
	const char *reason = l->reason <= SHUTDOWN_MAX ? why[l->reason] : "an unknown reason";
	enum lc_step step = lc_decide(&l->st, &l->act, l->reason, rt_now_ns());
	long rc = 0;

	rt_printf("dom0: d%u (%s) shut down (%s): %s\n", l->domid, l->name, reason, lc_step_name(step));
	switch (step) {
	case LC_RESTART:
	case LC_RENAME_RESTART:
		if (lc_restart(l, step == LC_RENAME_RESTART))
			return true;
		break;
	case LC_PRESERVE:
		rt_printf("dom0: d%u (%s) preserved: kept shut down with its memory until xl destroy\n", l->domid,
			  l->name);
		dom0_result_note(l->domid, "preserved");
		break;
	case LC_LEAVE:
		rt_printf("dom0: d%u (%s) left suspended: nothing saves it here\n", l->domid, l->name);
		break;
	case LC_LOOP:
		rt_printf("dom0: d%u (%s) ended within %lu s of starting %u times in a row: a restart loop, not restarted "
			  "again\n", l->domid, l->name, (unsigned long)(LC_FAST_NS / 1000000000ULL), l->st.fast_in_row + 1);
		dom0_result_note(l->domid, "restart loop stopped");
		/* fallthrough */
	case LC_DESTROY:
		rc = lc_dom_op(SKIFF_DOMCTL_destroydomain, l->domid);
		if (rc)
			rt_printf("dom0: d%u (%s): cannot destroy it: error %ld\n", l->domid, l->name, rc);
		break;
	}
	return false;
}

unsigned int dom0_lifecycle_run(void)
{
	unsigned int restarted = 0;

	for (struct lc_dom **p = &lc_doms; *p;) {
		struct lc_dom *l = *p;

		if (!l->pending) {
			p = &l->next;
			continue;
		}
		l->pending = false;
		if (lc_carry_out(l)) {
			restarted++;
			p = &l->next;
		} else {
			lc_drop(p);
		}
	}
	return restarted;
}

/* SPDX-License-Identifier: MIT */
/* How each domain dom0's toolstack built ended, against what its module expected: dom0's own poweroff reason tells the machine. */
#include <stdio.h>
#include <string.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "bootmod.h"
#include "dom0.h"

#define RESULTS_MAX	64

struct dom0_result {
	domid_t domid;			/* 0: the build was refused (no domain) */
	char name[BOOTMOD_NAME_MAX];
	uint32_t expect;		/* 1 << SHUTDOWN_*, BOOTMOD_EXPECT_* */
	uint32_t got;			/* 0 while it runs */
	uint32_t restarts;
	char note[64];
};

static struct dom0_result results[RESULTS_MAX];
static unsigned int nr_results;
static unsigned int nr_unrecorded;	/* builds past RESULTS_MAX: their end is unknown, so each counts as unexpected */

static struct dom0_result *result_of(domid_t domid)
{
	for (unsigned int i = 0; i < nr_results; i++)
		if (results[i].domid == domid && domid)
			return &results[i];
	return NULL;
}

void dom0_result_expect(domid_t domid, const char *name, uint32_t expect, bool refused)
{
	struct dom0_result *r;

	if (nr_results == RESULTS_MAX) {
		if (!nr_unrecorded++)
			rt_printf("dom0: result: more than %u domains: %s and later ones are not followed, each UNEXPECTED\n",
				  RESULTS_MAX, name);
		return;
	}
	r = &results[nr_results++];
	r->domid = refused ? 0 : domid;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->expect = expect ? expect : 1u << SHUTDOWN_poweroff;
	r->got = refused ? BOOTMOD_EXPECT_REFUSED : 0;
}

/* The first end seen counts: a domain that shut down and was destroyed after shut down. */
void dom0_result_ended(domid_t domid, unsigned int reason)
{
	struct dom0_result *r = result_of(domid);

	if (r && !r->got)
		r->got = reason < 16 ? 1u << reason : 1u << 15;
}

void dom0_result_gone(domid_t domid)
{
	struct dom0_result *r = result_of(domid);

	if (r && !r->got)
		r->got = BOOTMOD_EXPECT_DESTROYED;
}

void dom0_result_restarted(domid_t old, domid_t new_domid)
{
	struct dom0_result *r = result_of(old);

	if (!r)
		return;
	r->domid = new_domid;
	r->got = 0;
	r->restarts++;
}

void dom0_result_note(domid_t domid, const char *note)
{
	struct dom0_result *r = result_of(domid);

	if (r)
		snprintf(r->note, sizeof(r->note), "%s", note);
}

static const char *end_name(uint32_t bit)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
	unsigned int b = (unsigned int)__builtin_ctz(bit);

	if (bit == BOOTMOD_EXPECT_REFUSED)
		return "refused";
	if (bit == BOOTMOD_EXPECT_DESTROYED)
		return "destroyed";
	return b < sizeof(names) / sizeof(names[0]) ? names[b] : "an unknown reason";
}

static const char *restarts(uint32_t n)
{
	static char s[32];

	s[0] = '\0';
	if (n)
		snprintf(s, sizeof(s), " (after %u restart%s)", n, n == 1 ? "" : "s");
	return s;
}

/* A domain preserved (on_*=preserve) must still be there, shut down, when the run ends: checked, not assumed. */
static bool still_preserved(struct dom0_result *r)
{
	static struct skiff_dominfo info;

	if (dom0_getdomaininfo(r->domid, &info) == 0 && info.state == SKIFF_DOMSTATE_shutdown) {
		snprintf(r->note, sizeof(r->note), "preserved: still there, shut down, %lu pages kept",
			 (unsigned long)info.tot_pages);
		return true;
	}
	snprintf(r->note, sizeof(r->note), "preserved, but no longer there");
	return false;
}

unsigned int dom0_results_report(void)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < nr_results; i++) {
		struct dom0_result *r = &results[i];
		bool ok = (r->got & r->expect) != 0;

		if (r->domid && !strcmp(r->note, "preserved") && !still_preserved(r))
			ok = false;
		bad += !ok;
		if (!r->got)
			rt_printf("dom0: result: d%u (%s): never ended, UNEXPECTED\n", r->domid, r->name);
		else if (!r->domid)
			rt_printf("dom0: result: %s (not built): %s, %s\n", r->name, end_name(r->got),
				  ok ? "as expected" : "UNEXPECTED");
		else
			rt_printf("dom0: result: d%u (%s): %s%s%s, %s%s\n", r->domid, r->name, end_name(r->got),
				  r->note[0] ? ", " : "", r->note, ok ? "as expected" : "UNEXPECTED",
				  restarts(r->restarts));
	}
	if (nr_unrecorded)
		rt_printf("dom0: result: %u more domains not followed (past %u), UNEXPECTED\n", nr_unrecorded,
			  RESULTS_MAX);
	bad += nr_unrecorded;
	if (nr_results + nr_unrecorded)
		rt_printf("dom0: result: %u of %u domains it built ended as expected\n",
			  nr_results + nr_unrecorded - bad, nr_results + nr_unrecorded);
	return bad;
}

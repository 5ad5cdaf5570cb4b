/* SPDX-License-Identifier: MIT */
/* The toolstack's shutdown policy (lifecycle.h): which xl action a shutdown reason calls for, and the restart-loop bound. */
#include <stdio.h>
#include <string.h>
#include "lifecycle.h"

/* SHUTDOWN_* (pvabi/sched.h); spelled here so the host build needs no guest headers. */
enum { LC_POWEROFF, LC_REBOOT, LC_SUSPEND, LC_CRASH, LC_WATCHDOG };

void lc_actions_from(struct lc_actions *a, const struct xlcfg_domain *d)
{
	a->on_poweroff = d->on_poweroff;
	a->on_reboot = d->on_reboot;
	a->on_crash = d->on_crash;
	a->on_watchdog = d->on_watchdog;
}

static const char *lc_check_one(enum xlcfg_action a, const char *key)
{
	static char why[96];

	switch (a) {
	case XLCFG_ACTION_DESTROY:
	case XLCFG_ACTION_RESTART:
	case XLCFG_ACTION_PRESERVE:
	case XLCFG_ACTION_RENAME_RESTART:
		return NULL;
	case XLCFG_ACTION_COREDUMP_DESTROY:
	case XLCFG_ACTION_COREDUMP_RESTART:
		snprintf(why, sizeof(why), "%s = %s: core dumps are not implemented", key, xlcfg_action_name(a));
		return why;
	default:
		snprintf(why, sizeof(why), "%s = %s: not implemented", key, xlcfg_action_name(a));
		return why;
	}
}

const char *lc_unsupported(const struct lc_actions *a)
{
	const char *why = lc_check_one(a->on_poweroff, "on_poweroff");

	if (!why)
		why = lc_check_one(a->on_reboot, "on_reboot");
	if (!why)
		why = lc_check_one(a->on_crash, "on_crash");
	if (!why)
		why = lc_check_one(a->on_watchdog, "on_watchdog");
	return why;
}

enum xlcfg_action lc_action_for(const struct lc_actions *a, unsigned int reason)
{
	switch (reason) {
	case LC_POWEROFF:
		return a->on_poweroff;
	case LC_REBOOT:
		return a->on_reboot;
	case LC_CRASH:
		return a->on_crash;
	case LC_WATCHDOG:
		return a->on_watchdog;
	default:
		return XLCFG_ACTION_DESTROY;	/* soft_reset (on_soft_reset is not read) and unknown reasons */
	}
}

enum lc_step lc_decide(struct lc_state *s, const struct lc_actions *a, unsigned int reason, uint64_t now_ns)
{
	enum xlcfg_action act;
	bool fast;

	if (reason == LC_SUSPEND)
		return LC_LEAVE;
	act = lc_action_for(a, reason);
	if (act == XLCFG_ACTION_PRESERVE)
		return LC_PRESERVE;
	if (act != XLCFG_ACTION_RESTART && act != XLCFG_ACTION_RENAME_RESTART)
		return LC_DESTROY;	/* destroy, and what lc_unsupported refused had it come this far */
	/* A clock that went backwards (or a start in the future) counts as fast: the loop bound errs on the safe side. */
	fast = now_ns < s->started_ns || now_ns - s->started_ns < LC_FAST_NS;
	if (fast && s->fast_in_row >= LC_MAX_FAST)
		return LC_LOOP;
	s->fast_in_row = fast ? s->fast_in_row + 1 : 0;
	s->restarts++;
	return act == XLCFG_ACTION_RESTART ? LC_RESTART : LC_RENAME_RESTART;
}

const char *lc_step_name(enum lc_step step)
{
	static const char *const names[] = { "destroy", "restart", "preserve", "rename-restart", "restart loop",
					     "leave" };

	return (unsigned int)step < sizeof(names) / sizeof(names[0]) ? names[step] : "?";
}

/* Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar). */
static void lc_civil(uint64_t days, unsigned int *y, unsigned int *m, unsigned int *d)
{
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned int)(yoe + era * 400 + (*m <= 2));
}

void lc_preserved_name(const char *name, uint64_t unix_s, char *out, unsigned int len)
{
	char suffix[24];
	unsigned int y, mo, d;
	size_t keep;

	lc_civil(unix_s / 86400, &y, &mo, &d);
	snprintf(suffix, sizeof(suffix), "-%04u%02u%02uT%02u%02uZ", y % 10000, mo, d,
		 (unsigned int)(unix_s % 86400 / 3600), (unsigned int)(unix_s % 3600 / 60));
	if (!len)
		return;
	keep = strlen(name);
	if (keep + strlen(suffix) + 1 > len)
		keep = len > strlen(suffix) + 1 ? len - strlen(suffix) - 1 : 0;
	snprintf(out, len, "%.*s%s", (int)keep, name, suffix);
}

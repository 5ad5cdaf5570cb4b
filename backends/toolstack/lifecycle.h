/* SPDX-License-Identifier: MIT */
/* What the toolstack does when a domain it built shuts down: xl's on_poweroff/on_reboot/on_crash/on_watchdog, with a bound on restart loops. */
#ifndef TOOLSTACK_LIFECYCLE_H
#define TOOLSTACK_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include "xlcfg.h"

/*
 * xl carries the actions out as its man page says: destroy; restart (the
 * same configuration built again with the same name and UUID, a new
 * domid); preserve (left shut down, memory and all, until xl destroy);
 * rename-restart (the old one kept under "NAME-YYYYMMDDTHHMMZ", a new one
 * started under NAME). A suspended domain is left alone (nothing saves it
 * here). Core dumps and soft-reset are not implemented: a domain file that
 * asks for them is refused before anything is built (lc_unsupported).
 *
 * Restart loops: xl itself restarts forever (it only waits 2 s between
 * restarts). Skiff bounds it: an end less than LC_FAST_NS after the
 * domain (re)started is fast; after LC_MAX_FAST restarts in a row that
 * followed fast ends, the next fast end is not restarted but destroyed
 * (LC_LOOP). A run that lasted longer resets the count.
 */
#define LC_FAST_NS	(10ULL * 1000000000ULL)
#define LC_MAX_FAST	5

enum lc_step {
	LC_DESTROY,
	LC_RESTART,
	LC_PRESERVE,
	LC_RENAME_RESTART,
	LC_LOOP,		/* a restart refused: too many fast ends in a row; destroyed */
	LC_LEAVE,		/* suspended: left as it is */
};

struct lc_actions {
	enum xlcfg_action on_poweroff, on_reboot, on_crash, on_watchdog;
};

/* One domain's history across its restarts. */
struct lc_state {
	uint64_t started_ns;		/* the current incarnation's start */
	uint32_t restarts;		/* in all */
	uint32_t fast_in_row;		/* restarts in a row that followed a fast end */
};

/* The actions of a parsed domain file. */
void lc_actions_from(struct lc_actions *a, const struct xlcfg_domain *d);
/* NULL if every action is one the toolstack carries out, else why not (for a person). */
const char *lc_unsupported(const struct lc_actions *a);
/* The action a shutdown reason (SHUTDOWN_*) calls for; an unknown reason destroys, as xl does. */
enum xlcfg_action lc_action_for(const struct lc_actions *a, unsigned int reason);
/* What to do now about an end for this reason at now_ns; counts a restart in s when it says restart. */
enum lc_step lc_decide(struct lc_state *s, const struct lc_actions *a, unsigned int reason, uint64_t now_ns);
/* "destroy", "restart", ... for the log. */
const char *lc_step_name(enum lc_step step);
/*
 * xl's name for a domain kept by rename-restart: NAME plus
 * "-YYYYMMDDTHHMMZ" (UTC from unix_s), NAME cut so the whole fits in
 * len (at most 32 with the NUL).
 */
void lc_preserved_name(const char *name, uint64_t unix_s, char *out, unsigned int len);

#endif

/* SPDX-License-Identifier: MIT */
/* One round of dom0's transmit service: the uplink's free pages shared among busy vifs, then among their queues. */
#ifndef NB_SCHED_H
#define NB_SCHED_H

#include <stdbool.h>

#define NB_SCHED_MAX_VIFS	64
#define NB_SCHED_UNLIMITED	(~0u)	/* no uplink to share: each queue gets its full batch */

/*
 * Serves queue q with at most budget packets: the packets it took, or -1
 * to end the round (the uplink has no room left).
 */
typedef int (*nb_sched_poll_fn)(void *arg, unsigned int q, unsigned int budget);

/*
 * One round over n queues (vif_of[q] their vif, below NB_SCHED_MAX_VIFS;
 * busy[q] whether they have work), starting at queue start. Each busy vif
 * gets an equal share of pages, at least one while any is free, however
 * many of its queues are busy; a vif's share is split among its busy
 * queues (at least one packet each while the share lasts), so a guest
 * with four queues takes no more of the uplink than a guest with one.
 * Returns the share a vif got (0: no page to give).
 */
unsigned int nb_sched_round(unsigned int n, const unsigned int *vif_of, const bool *busy, unsigned int start,
			    unsigned int pages, unsigned int batch, nb_sched_poll_fn poll, void *arg);

#endif

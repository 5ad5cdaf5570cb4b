/* SPDX-License-Identifier: MIT */
/* The uplink's share per vif, not per queue: one round of dom0's transmit service over every queue with work. */
#include "nb_sched.h"

unsigned int nb_sched_round(unsigned int n, const unsigned int *vif_of, const bool *busy, unsigned int start,
			    unsigned int pages, unsigned int batch, nb_sched_poll_fn poll, void *arg)
{
	unsigned int queues[NB_SCHED_MAX_VIFS] = { 0 }, left[NB_SCHED_MAX_VIFS], vifs = 0, share;

	for (unsigned int q = 0; q < n; q++)
		if (busy[q] && vif_of[q] < NB_SCHED_MAX_VIFS)
			vifs += queues[vif_of[q]]++ == 0;
	if (!vifs || !n)
		return 0;
	share = pages == NB_SCHED_UNLIMITED ? batch * NB_SCHED_MAX_VIFS : pages / vifs;
	if (!share && pages)
		share = 1;
	for (unsigned int v = 0; v < NB_SCHED_MAX_VIFS; v++)
		left[v] = share;
	for (unsigned int k = 0; k < n && share; k++) {
		unsigned int q = (start + k) % n, v = vif_of[q], budget;
		int took;

		if (!busy[q] || v >= NB_SCHED_MAX_VIFS || !left[v])
			continue;
		budget = share / queues[v];
		if (!budget)
			budget = 1;
		if (budget > left[v])
			budget = left[v];
		if (budget > batch)
			budget = batch;
		took = poll(arg, q, budget);
		if (took < 0)
			break;
		left[v] -= (unsigned int)took < left[v] ? (unsigned int)took : left[v];
	}
	return share;
}

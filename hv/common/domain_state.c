/* SPDX-License-Identifier: MIT */
/* The domain state machine: every change of d->state goes through here, and impossible transitions are refused. */
#include <hv/domain.h>
#include <pvabi/errno.h>

#define TO(s)	(1u << (s))

/*
 * Which states each state may move to. A shut-down domain never runs again
 * (a remote shutdown during the build must not be undone by the builder's
 * unpause); a dying domain changes no more. Any live domain may be killed
 * (SKIFF_DOMCTL_destroydomain, as xl destroy): domain_kill takes its vCPUs
 * off the CPUs together with the change to DYING.
 */
static const unsigned int allowed[] = {
	[DOM_CREATED] = TO(DOM_RUNNING) | TO(DOM_SHUTDOWN) | TO(DOM_DYING),
	[DOM_RUNNING] = TO(DOM_PAUSED) | TO(DOM_SHUTDOWN) | TO(DOM_DYING),
	[DOM_PAUSED] = TO(DOM_RUNNING) | TO(DOM_SHUTDOWN) | TO(DOM_DYING),
	[DOM_SHUTDOWN] = TO(DOM_DYING),
	[DOM_DYING] = 0,
};

bool domain_state_allowed(enum domain_state from, enum domain_state to)
{
	if ((unsigned int)from >= sizeof(allowed) / sizeof(allowed[0]) || (unsigned int)to > DOM_DYING)
		return false;
	return allowed[from] & TO(to);
}

int domain_state_change_locked(struct domain *d, enum domain_state to)
{
	if (!domain_state_allowed(d->state, to))
		return -XEN_EINVAL;
	/* Lock-free readers (the boot CPU's tick, evtchn reset) see the whole change or none. */
	__atomic_store_n(&d->state, to, __ATOMIC_RELEASE);
	return 0;
}

int domain_state_change(struct domain *d, enum domain_state to)
{
	unsigned long f = spin_lock_irqsave(&d->lock);
	int rc = domain_state_change_locked(d, to);

	spin_unlock_irqrestore(&d->lock, f);
	return rc;
}

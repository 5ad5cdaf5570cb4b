/* SPDX-License-Identifier: MIT */
/* Event channels bound to physical IRQs (pirqs): dom0's MSI-X vectors delivered as events. */
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/guest_access.h>
#include <hv/iomem.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include "event_channel_private.h"

/*
 * A pirq physdev_op mapped for this domain (dom0's MSI-X vectors); any
 * other domain has none and gets -EPERM, Xen's answer to a domain without
 * access to the IRQ. The port is taken first and given back if the pirq
 * refuses it, so the pirq table never names a port we did not allocate.
 */
long evtchn_op_bind_pirq(struct domain *cd, uint64_t arg)
{
	struct evtchn_bind_pirq op;
	int port;
	int rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (!cd->is_privileged)
		return -XEN_EPERM;
	if (op.flags & ~(uint32_t)BIND_PIRQ__WILL_SHARE)
		return -XEN_EINVAL;
	port = evtchn_bind_local(cd, ECS_PIRQ, 0, op.pirq);
	if (port < 0)
		return port;
	rc = pirq_bind(cd, op.pirq, (uint32_t)port);
	if (rc) {
		evtchn_close_port(cd, (uint32_t)port);
		return rc;
	}
	op.port = (uint32_t)port;
	return evtchn_copy_out(cd, arg, &op, sizeof(op), op.port);
}

static bool evtchn_is_pirq_locked(struct evtchn_domain *ed, uint32_t port, uint32_t pirq)
{
	struct evtchn *chn = evtchn_port(ed, port);

	return chn && chn->state == ECS_PIRQ && chn->u.virq == pirq;
}

bool evtchn_pirq_bound(struct domain *d, uint32_t port, uint32_t pirq)
{
	struct evtchn_domain *ed = evtchn_of(d);
	unsigned long f;
	bool r;

	if (!ed)
		return false;
	f = spin_lock_irqsave(&ed->lock);
	r = evtchn_is_pirq_locked(ed, port, pirq);
	spin_unlock_irqrestore(&ed->lock, f);
	return r;
}

void evtchn_send_pirq(struct domain *d, uint32_t port, uint32_t pirq)
{
	struct evtchn_domain *ed = evtchn_of(d);
	unsigned long f;

	if (!ed)
		return;
	f = spin_lock_irqsave(&ed->lock);
	if (evtchn_is_pirq_locked(ed, port, pirq))
		evtchn_notify(d, evtchn_port(ed, port), port);
	spin_unlock_irqrestore(&ed->lock, f);
}

/* SPDX-License-Identifier: MIT */
/*
 * The domU console ring read by the hypervisor until dom0's console backend
 * exists: each tick the boot CPU copies what a domain wrote to the out ring
 * of its start_info console page onto the hypervisor console. The ring is
 * the guest's memory: indices are read once, a producer claiming more than
 * the ring holds loses its output, and nothing is ever written but out_cons.
 */
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/event_fifo.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <pvabi/io/console.h>

#define CHUNK	128

/*
 * Copies up to one ring's worth of new output; returns bytes consumed.
 * Under d->console_lock from the index reads to the out_cons store: the
 * tick's drain and a shutting-down vCPU's may overlap, and each must not
 * print what the other already took.
 */
size_t console_ring_drain(struct domain *d, struct xencons_interface *intf)
{
	unsigned long f = spin_lock_irqsave(&d->console_lock);
	XENCONS_RING_IDX cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
	XENCONS_RING_IDX prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;
	char buf[CHUNK];
	size_t done = 0;

	if (avail > XENCONS_OUT_SIZE) {
		/* Impossible for an honest producer: skip to its index rather than read garbage. */
		__atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELEASE);
		spin_unlock_irqrestore(&d->console_lock, f);
		return 0;
	}
	while (avail) {
		size_t n = 0;

		while (n < CHUNK && avail) {
			buf[n++] = intf->out[cons % XENCONS_OUT_SIZE];
			cons++;
			avail--;
		}
		domain_console_write_locked(d, buf, n);
		done += n;
	}
	__atomic_store_n(&intf->out_cons, cons, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&d->console_lock, f);
	/*
	 * Tell the guest there is room again, as a console backend would: to
	 * the vCPU the port is bound to. Raised on vCPU 0 whatever the binding,
	 * an SMP Linux that moved the console's IRQ never saw it (the event
	 * sat pending with no upcall on the vCPU that scans that port). A
	 * domain going down is not told.
	 */
	if (done && d->console_evtchn && d->state == DOM_RUNNING) {
		struct vcpu *v = evtchn_port_vcpu(d, d->console_evtchn);

		if (v)
			evtchn_set_pending(v, d->console_evtchn);
	}
	return done;
}

/*
 * What the guest wrote between the last tick and its shutdown (Linux's
 * poweroff -f writes its last lines and shuts down at once) would be lost
 * without this. The caller guarantees the ring's reference stays: it runs
 * on one of d's vCPUs (domain_kill waits for them to leave their CPUs
 * before it releases the ring) or it killed d's timers and holds d dying.
 * The unlocked console_mfn read is safe for the same reason: it changes
 * only before d first runs and at release.
 */
void console_ring_drain_last(struct domain *d)
{
	if (d->console_mfn != MFN_INVALID && !domctl_console_in_dom0())
		console_ring_drain(d, mfn_to_virt(d->console_mfn));
}

/* SPDX-License-Identifier: MIT */
/* Event channels: per-domain port tables, the event_channel_op hypercall, 2-level delivery into shared_info (FIFO: event_fifo.h). */
#ifndef HV_EVENT_CHANNEL_H
#define HV_EVENT_CHANNEL_H

#include <hv/types.h>

struct domain;
struct vcpu;

/*
 * Locking (outermost first):
 *  1. evtchn_link_lock (global): held by every operation that may touch a
 *     second domain's table (bind_interdomain, close, reset, destroy, and
 *     alloc_unbound/status naming a foreign domain). While it is held no
 *     interdomain binding appears or disappears and no table is freed, so a
 *     remote domain found through a binding stays valid.
 *  2. struct evtchn_domain.lock of each domain involved; two domains are
 *     locked in domid order. Taken with interrupts off (the timer sends
 *     VIRQs from interrupt context).
 * EVTCHNOP_send and VIRQ delivery take only the sender's lock: a bound
 * remote end cannot be unbound without that lock.
 * The shared_info bitmaps are written by the guest at any time: the
 * hypervisor only touches them with atomic read-modify-write operations.
 */

/* Allocates the domain's table with port 0 reserved (as Xen). 0 or -XEN_ENOMEM. */
int evtchn_domain_init(struct domain *d);

/*
 * Closes every port (interdomain peers fall back to unbound, offered to d
 * again) and frees the table. NULL-safe, idempotent. The caller has taken
 * d's vCPUs off the CPUs and stopped its timers first: a VIRQ or hypercall
 * of d's own racing with the free is not guarded against. Peers may keep
 * running; their sends to d are dropped once the ports are unbound.
 */
void evtchn_domain_destroy(struct domain *d);

/* Hypercall 32: EVTCHNOP_* on the current vCPU's domain. */
/* For the domain builder: an unbound port of d offered to remote; the port or a negative error. */
int evtchn_alloc_unbound_port(struct domain *d, domid_t remote);
/* Whether port of d is allocated, unbound and offered to remote now (the toolstack's seed check). */
bool evtchn_port_unbound_for(struct domain *d, uint32_t port, domid_t remote);

long do_event_channel_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t, uint64_t, uint64_t);
/* Hypercall 16 (event_channel_op_compat): one struct evtchn_op holding the command and its argument. */
long do_event_channel_op_compat(struct vcpu *v, uint64_t arg, uint64_t, uint64_t, uint64_t, uint64_t);

/* Sets the port bound to virq pending (per-vCPU VIRQs: v's binding; global ones: the domain's). No binding: nothing. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
/* EVTCHNOP_send on cd's port as if cd made it (the hypervisor acting as a device of cd's). 0 or -XEN_EINVAL. */
long evtchn_send_local(struct domain *cd, uint32_t port);

/*
 * Delivery of port to vCPU v (a domain that switched to FIFO: event_fifo.h,
 * same contract). 2-level: test-and-set the pending bit; if it
 * was clear and the port is not masked, set the word's bit in v's
 * evtchn_pending_sel and evtchn_upcall_pending. Returns true when the
 * upcall became pending by this call; evtchn_kick_vcpu(v) has then
 * already been called. Ports >= 4096 are ignored (false).
 */
bool evtchn_set_pending(struct vcpu *v, unsigned int port);

/* Whether port is in use (bound or unbound; not free, not the reserved port 0). For SCHEDOP_poll, as Xen 4.17 measured. */
bool evtchn_port_in_use(struct domain *d, unsigned int port);

/* The port's bit in shared_info evtchn_pending (false for ports >= 4096). For SCHEDOP_poll. */
bool evtchn_port_pending(struct domain *d, unsigned int port);

/*
 * v's evtchn_upcall_pending, which the 2-level delivery sets only for a
 * pending port that is not masked in evtchn_mask (the guest clears it when
 * it scans). The virtual IF (evtchn_upcall_mask) is not looked at: the
 * caller (SCHEDOP_block clears it first) decides.
 */
bool evtchn_any_pending_unmasked(struct vcpu *v);

/*
 * Arch hook (implemented by the hypervisor): an upcall became pending for
 * v: wake it if blocked, interrupt its CPU if it runs elsewhere. Called
 * with event-channel locks held and interrupts off: it must not call back
 * into this file.
 */
void evtchn_kick_vcpu(struct vcpu *v);

/*
 * Optional hook for SCHEDOP_poll: called whenever a port's pending bit goes
 * from 0 to 1, masked or not (Linux polls masked ports for its spinlocks),
 * under the same conditions as evtchn_kick_vcpu. NULL: not called.
 */
extern void (*evtchn_poll_hook)(struct domain *d, unsigned int port);

#endif

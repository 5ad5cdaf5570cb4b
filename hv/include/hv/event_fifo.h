/* SPDX-License-Identifier: MIT */
/* FIFO event channels: per-domain queues in guest memory, entered from event_channel.c when a domain switched to FIFO. */
#ifndef HV_EVENT_FIFO_H
#define HV_EVENT_FIFO_H

#include <hv/types.h>
#include <pvabi/event_channel.h>
#include <pvabi/xen.h>

struct domain;
struct vcpu;
struct evtchn_fifo;

/* Ports the FIFO state covers: as many as a domain's port table holds (fewer than the ABI's 2^17). */
#define EVTCHN_FIFO_PORTS	EVTCHN_2L_NR_CHANNELS

/*
 * The hypercalls' work. init_control fills op->link_bits and publishes
 * *slot on a domain's first call; the caller holds the domain's
 * event-channel lock (port states and the 2-level pending bitmap stay put)
 * and copies op back on success. expand_array: -EOPNOTSUPP before
 * init_control. set_priority: the caller checked that the port exists.
 */
long evtchn_fifo_init_control(struct domain *d, struct evtchn_fifo **slot, struct evtchn_init_control *op,
			      const uint64_t *pending, unsigned int nr_ports);
long evtchn_fifo_expand_array(struct domain *d, struct evtchn_fifo *f, uint64_t gfn);
long evtchn_fifo_set_priority(struct evtchn_fifo *f, unsigned int port, uint32_t priority);

/*
 * Delivery, with the same contract as the 2-level functions in
 * event_channel.h: set_pending returns true when v's upcall became pending
 * (v is then kicked) and sets *newly when the port went from not pending
 * to pending (for the poll hook).
 */
bool evtchn_fifo_set_pending(struct evtchn_fifo *f, struct vcpu *v, unsigned int port, bool *newly);
void evtchn_fifo_unmask(struct evtchn_fifo *f, struct vcpu *v, unsigned int port);
bool evtchn_fifo_is_pending(struct evtchn_fifo *f, unsigned int port);
void evtchn_fifo_close_port(struct evtchn_fifo *f, unsigned int port);
/* Drops the frames' references and frees; no sender may reach f any more. NULL-safe. */
void evtchn_fifo_destroy(struct evtchn_fifo *f);

/* From event_channel.c: the vCPU a port notifies (NULL if none). */
struct vcpu *evtchn_port_vcpu(struct domain *d, unsigned int port);

#endif

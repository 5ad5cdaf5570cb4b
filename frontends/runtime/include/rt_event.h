/* SPDX-License-Identifier: MIT */
/* Event channels for runtime programs: binding, sending, unmasking, and a dispatcher that calls one handler per port. */
#ifndef RT_EVENT_H
#define RT_EVENT_H

#include <stdint.h>
#include <pvabi/event_channel.h>

typedef void (*rt_event_handler)(evtchn_port_t port, void *arg);

/*
 * Maps shared info and registers the runtime's event callback (delivered
 * with events masked). Until rt_event_block() the vCPU keeps events masked,
 * so handlers only ever run from rt_event_dispatch() or the callback that
 * interrupts rt_event_block(): never in the middle of the program's code.
 * Returns 0 or a negative XEN_E* value.
 */
long rt_event_init(void);

/* Each returns the local port (>= 0) or a negative XEN_E* value; the port starts unmasked with the handler set. */
long rt_event_bind_virq(uint32_t virq, rt_event_handler fn, void *arg);
long rt_event_alloc_unbound(domid_t remote, rt_event_handler fn, void *arg);
long rt_event_bind_interdomain(domid_t remote, evtchn_port_t remote_port, rt_event_handler fn,
			       void *arg);
long rt_event_send(evtchn_port_t port);
long rt_event_unmask(evtchn_port_t port);
long rt_event_close(evtchn_port_t port);
/* Sets or replaces the handler of a port bound some other way (start_info's console and store ports). */
void rt_event_set_handler(evtchn_port_t port, rt_event_handler fn, void *arg);

/* Runs the handler of every pending, unmasked port (clearing it first); returns how many ran. */
unsigned int rt_event_dispatch(void);
/*
 * Sleeps until an event is pending (SCHEDOP_block), lets the callback
 * dispatch it, and returns with events masked again.
 */
void rt_event_block(void);

/* Counters for diagnostics: upcalls taken, handlers run, events that had no handler. */
struct rt_event_stats {
	uint64_t upcalls, handled, stray;
};
extern struct rt_event_stats rt_event_stats;

#endif

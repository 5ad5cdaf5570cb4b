/* SPDX-License-Identifier: MIT */
/* Event channels' port tables, shared by event_channel.c and event_pirq.c only. */
#ifndef HV_EVENT_CHANNEL_PRIVATE_H
#define HV_EVENT_CHANNEL_PRIVATE_H

#include <hv/domain.h>
#include <hv/spinlock.h>
#include <pvabi/event_channel.h>

#define EVTCHN_NR_PORTS		EVTCHN_2L_NR_CHANNELS
/* Ports come in buckets of 64 (one bitmap word), allocated on first use. */
#define EVTCHN_BUCKET_SHIFT	6
#define EVTCHN_BUCKET_PORTS	(1u << EVTCHN_BUCKET_SHIFT)
#define EVTCHN_NR_BUCKETS	(EVTCHN_NR_PORTS / EVTCHN_BUCKET_PORTS)

enum evtchn_state {
	ECS_FREE = 0,		/* zeroed memory is free */
	ECS_RESERVED,		/* port 0: never handed out, as Xen */
	ECS_UNBOUND,
	ECS_INTERDOMAIN,
	ECS_VIRQ,
	ECS_IPI,
	ECS_PIRQ,		/* u.virq holds the pirq (physdev.c delivers it) */
};

struct evtchn {
	uint8_t state;			/* ECS_*: only FREE -> other happens without evtchn_link_lock */
	uint16_t notify_vcpu;		/* read by remote senders without this domain's lock */
	union {
		domid_t unbound_dom;	/* UNBOUND: the domain allowed to bind */
		uint32_t remote_port;	/* INTERDOMAIN */
		uint32_t virq;		/* VIRQ; PIRQ: the pirq */
	} u;
	struct domain *remote;		/* INTERDOMAIN */
};

struct evtchn_domain {
	spinlock_t lock;		/* everything below */
	bool dying;			/* no new ports */
	unsigned int nr_buckets;	/* ports [0, nr_buckets * 64) exist */
	unsigned int nr_vcpus;
	uint16_t *virq_port;		/* [vcpu * NR_VIRQS + virq]; 0 = not bound */
	struct evtchn_fifo *fifo;	/* set once by init_control (FIFO ABI); NULL: 2-level. event_fifo.c */
	struct evtchn *bucket[EVTCHN_NR_BUCKETS];
};

static inline struct evtchn *evtchn_port(struct evtchn_domain *ed, uint32_t port)
{
	if (port >= EVTCHN_NR_PORTS || (port >> EVTCHN_BUCKET_SHIFT) >= ed->nr_buckets)
		return NULL;
	return &ed->bucket[port >> EVTCHN_BUCKET_SHIFT][port & (EVTCHN_BUCKET_PORTS - 1)];
}

static inline struct evtchn_domain *evtchn_of(struct domain *d)
{
	return __atomic_load_n(&d->evtchn, __ATOMIC_ACQUIRE);
}

/* Delivers port of d to the vCPU the channel notifies; the caller holds d's event lock. */
void evtchn_notify(struct domain *d, struct evtchn *chn, uint32_t port);
/* A free port of cd given state (VIRQ, IPI, PIRQ): the port or -XEN_E*. */
int evtchn_bind_local(struct domain *cd, uint8_t state, uint32_t vcpu, uint32_t virq);
long evtchn_close_port(struct domain *d, uint32_t port);
/* Writes an op's result to the guest; on a fault closes port again and answers -XEN_EFAULT. */
long evtchn_copy_out(struct domain *d, uint64_t arg, const void *op, size_t len, uint32_t port);

/* EVTCHNOP_bind_pirq (event_pirq.c). */
long evtchn_op_bind_pirq(struct domain *cd, uint64_t arg);

#endif

/* SPDX-License-Identifier: MIT */
/* event_channel_op hypercall: 2-level event channel operations and their argument structs. */
#ifndef PVABI_EVENT_CHANNEL_H
#define PVABI_EVENT_CHANNEL_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * __HYPERVISOR_event_channel_op (32): event_channel_op(int cmd, void *arg).
 * A port is a small integer naming one end of a channel in its domain's
 * table; sending on it sets the other end pending and, if unmasked, the
 * selector bits and upcall of the vCPU the port notifies. Errors common
 * to every command: -EFAULT (arg unreadable, or the out field not
 * writable: the port stays allocated then, as Xen), -ENOSYS (unknown cmd).
 * A domain's ports are limited by the 2-level ABI (4096) or, with FIFO,
 * by its configured maximum; the tables are charged to the domain.
 *
 * EVTCHNOP_alloc_unbound: a new port of dom (DOMID_SELF, or another
 *   domain for the privileged domain only: -EPERM) that remote_dom may
 *   bind; out port. -ESRCH no such domain, -ENOSPC no free port, -ENOMEM.
 * EVTCHNOP_bind_interdomain: connect a new local port to remote_port of
 *   remote_dom, which must be unbound and offered to the caller (-EINVAL
 *   otherwise); out local_port, which starts pending (the peer may have
 *   sent before). -ESRCH no such domain.
 * EVTCHNOP_bind_virq: a port for virtual IRQ virq on vcpu; global VIRQs
 *   only on vCPU 0. -EINVAL bad virq or global VIRQ on another vCPU,
 *   -ENOENT no such vCPU, -EEXIST already bound.
 * EVTCHNOP_bind_ipi: a port that notifies vcpu of the caller's own domain
 *   when sent on; -ENOENT no such vCPU.
 * EVTCHNOP_bind_pirq: physical IRQs are not delegated to guests: -EPERM
 *   (the privileged domain's interrupts arrive as the device delegation
 *   of skiff_domctl.h describes, when it exists).
 * EVTCHNOP_close: the port becomes free; an interdomain peer's end goes
 *   back to unbound (offered to the closer's domain). -EINVAL: not a port.
 * EVTCHNOP_send: interdomain: the peer's end pending; IPI: this end
 *   pending; unbound: dropped silently (as Xen); otherwise -EINVAL.
 * EVTCHNOP_status: state of port in dom (self, or any for the privileged
 *   domain: -EPERM otherwise): EVTCHNSTAT_*, the vCPU it notifies, and the
 *   peer / VIRQ. -EINVAL not a port, -ESRCH no such domain.
 * EVTCHNOP_bind_vcpu: the vCPU notified by an unbound, interdomain or
 *   global-VIRQ port; IPIs and per-vCPU VIRQs cannot move (-EINVAL);
 *   -ENOENT no such vCPU.
 * EVTCHNOP_unmask: clear the mask bit and, if pending, deliver as a send
 *   would have; any existing port, bound or not (as Xen). -EINVAL: none.
 * EVTCHNOP_reset: close every port of dom (self; another domain only for
 *   the privileged domain and only while it is paused: -EINVAL
 *   otherwise); the domain returns to the 2-level ABI.
 * EVTCHNOP_init_control, expand_array, set_priority: the FIFO ABI (below).
 */
#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_bind_pirq		2
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_status			5
#define EVTCHNOP_alloc_unbound		6
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNOP_reset			10
#define EVTCHNOP_init_control		11
#define EVTCHNOP_expand_array		12
#define EVTCHNOP_set_priority		13
#define EVTCHNOP_reset_cont		14

/* Allocate a port that remote_dom may later bind to. */
struct evtchn_alloc_unbound {
	domid_t dom;
	domid_t remote_dom;
	evtchn_port_t port;		/* out */
};
PVABI_SIZE(struct evtchn_alloc_unbound, 8);
PVABI_OFF(struct evtchn_alloc_unbound, dom, 0);
PVABI_OFF(struct evtchn_alloc_unbound, remote_dom, 2);
PVABI_OFF(struct evtchn_alloc_unbound, port, 4);

struct evtchn_bind_interdomain {
	domid_t remote_dom;
	uint16_t pad;
	evtchn_port_t remote_port;
	evtchn_port_t local_port;	/* out */
};
PVABI_SIZE(struct evtchn_bind_interdomain, 12);
PVABI_OFF(struct evtchn_bind_interdomain, remote_dom, 0);
PVABI_OFF(struct evtchn_bind_interdomain, remote_port, 4);
PVABI_OFF(struct evtchn_bind_interdomain, local_port, 8);
PVABI_OFF(struct evtchn_bind_interdomain, pad, 2);

struct evtchn_bind_virq {
	uint32_t virq;
	uint32_t vcpu;
	evtchn_port_t port;		/* out */
};
PVABI_SIZE(struct evtchn_bind_virq, 12);
PVABI_OFF(struct evtchn_bind_virq, virq, 0);
PVABI_OFF(struct evtchn_bind_virq, vcpu, 4);
PVABI_OFF(struct evtchn_bind_virq, port, 8);

#define BIND_PIRQ__WILL_SHARE	1

struct evtchn_bind_pirq {
	uint32_t pirq;
	uint32_t flags;
	evtchn_port_t port;		/* out */
};
PVABI_SIZE(struct evtchn_bind_pirq, 12);
PVABI_OFF(struct evtchn_bind_pirq, pirq, 0);
PVABI_OFF(struct evtchn_bind_pirq, flags, 4);
PVABI_OFF(struct evtchn_bind_pirq, port, 8);

struct evtchn_bind_ipi {
	uint32_t vcpu;
	evtchn_port_t port;		/* out */
};
PVABI_SIZE(struct evtchn_bind_ipi, 8);
PVABI_OFF(struct evtchn_bind_ipi, vcpu, 0);
PVABI_OFF(struct evtchn_bind_ipi, port, 4);

struct evtchn_close {
	evtchn_port_t port;
};
PVABI_SIZE(struct evtchn_close, 4);
PVABI_OFF(struct evtchn_close, port, 0);

struct evtchn_send {
	evtchn_port_t port;
};
PVABI_SIZE(struct evtchn_send, 4);
PVABI_OFF(struct evtchn_send, port, 0);

#define EVTCHNSTAT_closed	0
#define EVTCHNSTAT_unbound	1
#define EVTCHNSTAT_interdomain	2
#define EVTCHNSTAT_pirq		3
#define EVTCHNSTAT_virq		4
#define EVTCHNSTAT_ipi		5

struct evtchn_status {
	domid_t dom;
	uint16_t pad;
	evtchn_port_t port;
	uint32_t status;		/* out: EVTCHNSTAT_* */
	uint32_t vcpu;			/* out */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			uint16_t pad;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;				/* out */
};
PVABI_SIZE(struct evtchn_status, 24);
PVABI_OFF(struct evtchn_status, dom, 0);
PVABI_OFF(struct evtchn_status, port, 4);
PVABI_OFF(struct evtchn_status, status, 8);
PVABI_OFF(struct evtchn_status, vcpu, 12);
PVABI_OFF(struct evtchn_status, u, 16);
PVABI_OFF(struct evtchn_status, u.interdomain.dom, 16);
PVABI_OFF(struct evtchn_status, u.interdomain.port, 20);
PVABI_OFF(struct evtchn_status, u.virq, 16);
PVABI_OFF(struct evtchn_status, pad, 2);

struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};
PVABI_SIZE(struct evtchn_bind_vcpu, 8);
PVABI_OFF(struct evtchn_bind_vcpu, port, 0);
PVABI_OFF(struct evtchn_bind_vcpu, vcpu, 4);

struct evtchn_unmask {
	evtchn_port_t port;
};
PVABI_SIZE(struct evtchn_unmask, 4);
PVABI_OFF(struct evtchn_unmask, port, 0);

struct evtchn_reset {
	domid_t dom;
};
PVABI_SIZE(struct evtchn_reset, 2);
PVABI_OFF(struct evtchn_reset, dom, 0);

/* FIFO ABI setup; a 2-level-only hypervisor answers -ENOSYS and Linux falls back. */
struct evtchn_init_control {
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits;		/* out */
	uint8_t pad[7];
};
PVABI_SIZE(struct evtchn_init_control, 24);
PVABI_OFF(struct evtchn_init_control, control_gfn, 0);
PVABI_OFF(struct evtchn_init_control, offset, 8);
PVABI_OFF(struct evtchn_init_control, vcpu, 12);
PVABI_OFF(struct evtchn_init_control, link_bits, 16);
PVABI_OFF(struct evtchn_init_control, pad, 17);

struct evtchn_expand_array {
	uint64_t array_gfn;
};
PVABI_SIZE(struct evtchn_expand_array, 8);
PVABI_OFF(struct evtchn_expand_array, array_gfn, 0);

struct evtchn_set_priority {
	evtchn_port_t port;
	uint32_t priority;
};
PVABI_SIZE(struct evtchn_set_priority, 8);
PVABI_OFF(struct evtchn_set_priority, port, 0);
PVABI_OFF(struct evtchn_set_priority, priority, 4);

/*
 * FIFO ABI shared memory. Each port has a 32-bit event word in the guest's
 * event array (pages given with expand_array, 1024 words each): PENDING,
 * MASKED, LINKED and BUSY flags and the 17-bit LINK to the next port of
 * its queue. Each vCPU has a control block (init_control): a READY bit per
 * priority queue and the queues' HEAD ports. The hypervisor links a
 * pending, unmasked, unlinked event at the tail of its queue and sets
 * READY; the guest consumes from HEAD, clearing LINKED. BUSY is set by the
 * hypervisor on a tail word it is linking to, so the guest's unmask (a
 * compare-and-swap) fails and falls back to EVTCHNOP_unmask.
 */
typedef uint32_t event_word_t;

#define EVTCHN_FIFO_PENDING		31
#define EVTCHN_FIFO_MASKED		30
#define EVTCHN_FIFO_LINKED		29
#define EVTCHN_FIFO_BUSY		28
#define EVTCHN_FIFO_LINK_BITS		17
#define EVTCHN_FIFO_LINK_MASK		((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS		(1u << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_PRIORITY_MAX	0
#define EVTCHN_FIFO_PRIORITY_DEFAULT	7
#define EVTCHN_FIFO_PRIORITY_MIN	15
#define EVTCHN_FIFO_MAX_QUEUES		(EVTCHN_FIFO_PRIORITY_MIN + 1)
#define EVTCHN_FIFO_EVENT_WORDS_PER_PAGE (4096 / sizeof(event_word_t))
#define EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE)

struct evtchn_fifo_control_block {
	uint32_t ready;
	uint32_t _rsvd;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
PVABI_SIZE(struct evtchn_fifo_control_block, 72);
PVABI_OFF(struct evtchn_fifo_control_block, ready, 0);
PVABI_OFF(struct evtchn_fifo_control_block, head, 8);

/* event_channel_op_compat (hypercall 16) passes the command and argument in one block. */
struct evtchn_op {
	uint32_t cmd;
	union {
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_bind_pirq bind_pirq;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
	} u;
};
PVABI_SIZE(struct evtchn_op, 28);
PVABI_OFF(struct evtchn_op, cmd, 0);
PVABI_OFF(struct evtchn_op, u, 4);

#endif

/* SPDX-License-Identifier: MIT */
/* Event channels: port tables, EVTCHNOP_* and 2-level delivery into shared_info (FIFO in event_fifo.c). Locking rules: hv/event_channel.h. */
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/event_fifo.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/hypercall.h>
#include <hv/iomem.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include <hv/priv.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/xen.h>

#include "event_channel_private.h"

static spinlock_t evtchn_link_lock = SPINLOCK_INIT;

void (*evtchn_poll_hook)(struct domain *d, unsigned int port);

/* ---- 2-level bitmaps: the guest writes them concurrently, so only atomic RMW here. ---- */

static bool evtchn_bit_test_and_set(uint64_t *words, unsigned int bit)
{
	uint64_t m = 1ULL << (bit % 64);

	return __atomic_fetch_or(&words[bit / 64], m, __ATOMIC_SEQ_CST) & m;
}

static bool evtchn_bit_test_and_clear(uint64_t *words, unsigned int bit)
{
	uint64_t m = 1ULL << (bit % 64);

	return __atomic_fetch_and(&words[bit / 64], ~m, __ATOMIC_SEQ_CST) & m;
}

static bool evtchn_bit_test(const uint64_t *words, unsigned int bit)
{
	return (__atomic_load_n(&words[bit / 64], __ATOMIC_SEQ_CST) >> (bit % 64)) & 1;
}

/* Sets the word's selector bit and the upcall flag; kicks when the upcall is newly pending. */
static bool evtchn_mark_upcall(struct vcpu *v, unsigned int port)
{
	struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

	if (!vi)
		return false;
	if (evtchn_bit_test_and_set(&vi->evtchn_pending_sel, port / 64))
		return false;
	if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return false;
	evtchn_kick_vcpu(v);
	return true;
}

static struct evtchn_fifo *evtchn_fifo_of(struct domain *d)
{
	struct evtchn_domain *ed = __atomic_load_n(&d->evtchn, __ATOMIC_ACQUIRE);

	return ed ? __atomic_load_n(&ed->fifo, __ATOMIC_ACQUIRE) : NULL;
}

bool evtchn_set_pending(struct vcpu *v, unsigned int port)
{
	struct evtchn_fifo *f;
	struct shared_info *s;
	bool upcall = false, newly;

	if (!v || port >= EVTCHN_NR_PORTS || !v->domain->shared_info)
		return false;
	f = evtchn_fifo_of(v->domain);
	if (f) {
		upcall = evtchn_fifo_set_pending(f, v, port, &newly);
		if (newly && evtchn_poll_hook)
			evtchn_poll_hook(v->domain, port);
		return upcall;
	}
	s = v->domain->shared_info;
	if (evtchn_bit_test_and_set(s->evtchn_pending, port))
		return false;
	if (!evtchn_bit_test(s->evtchn_mask, port))
		upcall = evtchn_mark_upcall(v, port);
	if (evtchn_poll_hook)
		evtchn_poll_hook(v->domain, port);
	return upcall;
}

/* EVTCHNOP_unmask's delivery: a port that was masked and is pending raises the upcall now. */
static void evtchn_unmask_port(struct vcpu *v, unsigned int port)
{
	struct shared_info *s = v->domain->shared_info;
	struct evtchn_fifo *f = evtchn_fifo_of(v->domain);

	if (f) {
		evtchn_fifo_unmask(f, v, port);
		return;
	}
	if (!s)
		return;
	if (evtchn_bit_test_and_clear(s->evtchn_mask, port) &&
	    evtchn_bit_test(s->evtchn_pending, port))
		evtchn_mark_upcall(v, port);
}

bool evtchn_port_pending(struct domain *d, unsigned int port)
{
	if (!d || port >= EVTCHN_NR_PORTS || !d->shared_info)
		return false;
	if (evtchn_fifo_of(d))
		return evtchn_fifo_is_pending(evtchn_fifo_of(d), port);
	return evtchn_bit_test(d->shared_info->evtchn_pending, port);
}

bool evtchn_any_pending_unmasked(struct vcpu *v)
{
	struct vcpu_info *vi = v ? __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE) : NULL;

	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) != 0;
}

/* ---- Port tables ---- */

#define EVTCHN_BUCKET_BYTES	(EVTCHN_BUCKET_PORTS * sizeof(struct evtchn))

/*
 * Lowest free port (the port stays free until the caller sets its state),
 * or -XEN_E*. As Xen: a port above the domain's max_evtchn_port is
 * -XEN_ENOSPC; a bucket the domain's heap allowance or the heap cannot
 * provide is -XEN_ENOMEM. Buckets are charged to the domain until teardown.
 */
static int evtchn_get_free_port(struct domain *d, struct evtchn_domain *ed)
{
	unsigned int n = ed->nr_buckets * EVTCHN_BUCKET_PORTS;
	unsigned int limit = MIN(d->max_evtchn_port + 1u, (unsigned int)EVTCHN_NR_PORTS);
	struct evtchn *b;

	if (ed->dying)
		return -XEN_EINVAL;
	for (unsigned int p = 0; p < n && p < limit; p++)
		if (evtchn_port(ed, p)->state == ECS_FREE)
			return (int)p;
	if (n >= limit)
		return -XEN_ENOSPC;
	if (domain_heap_charge(d, EVTCHN_BUCKET_BYTES) < 0)
		return -XEN_ENOMEM;
	b = hv_zalloc(EVTCHN_BUCKET_BYTES);
	if (!b) {
		domain_heap_uncharge(d, EVTCHN_BUCKET_BYTES);
		return -XEN_ENOMEM;
	}
	ed->bucket[ed->nr_buckets++] = b;
	return (int)n;
}

static struct vcpu *evtchn_vcpu(struct domain *d, uint32_t id)
{
	if (!d->vcpu || id >= d->max_vcpus)
		return NULL;
	return d->vcpu[id];
}

/* Delivers port of domain d to the vCPU the channel notifies (read once: bind_vcpu may change it). */
void evtchn_notify(struct domain *d, struct evtchn *chn, uint32_t port)
{
	uint16_t id = __atomic_load_n(&chn->notify_vcpu, __ATOMIC_ACQUIRE);
	struct vcpu *v = evtchn_vcpu(d, id);

	if (v)
		evtchn_set_pending(v, port);
}

/* VIRQ_TIMER, VIRQ_DEBUG, VIRQ_XENOPROF and VIRQ_XENPMU are per vCPU; every other VIRQ (x86 arch ones too) is global, as in Xen. */
static bool evtchn_virq_is_global(uint32_t virq)
{
	return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF &&
	       virq != VIRQ_XENPMU;
}

bool evtchn_port_in_use(struct domain *d, unsigned int port)
{
	struct evtchn_domain *ed = d ? evtchn_of(d) : NULL;
	struct evtchn *chn;
	unsigned long f;
	bool r;

	if (!ed)
		return false;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, port);
	r = chn && chn->state != ECS_FREE && chn->state != ECS_RESERVED;
	spin_unlock_irqrestore(&ed->lock, f);
	return r;
}

/* Locks one domain, or two in domid order (one lock for a loopback). Interrupts stay off until unlock. */
static unsigned long evtchn_lock_pair(struct evtchn_domain *a, domid_t ida,
				      struct evtchn_domain *b, domid_t idb)
{
	unsigned long f;

	if (a == b)
		return spin_lock_irqsave(&a->lock);
	if (ida > idb) {
		struct evtchn_domain *t = a;

		a = b;
		b = t;
	}
	f = spin_lock_irqsave(&a->lock);
	spin_lock(&b->lock);
	return f;
}

static void evtchn_unlock_pair(struct evtchn_domain *a, struct evtchn_domain *b, unsigned long f)
{
	if (a != b)
		spin_unlock(&b->lock);
	spin_unlock_irqrestore(&a->lock, f);
}

int evtchn_domain_init(struct domain *d)
{
	struct evtchn_domain *ed = hv_zalloc(sizeof(*ed));

	if (!ed)
		return -XEN_ENOMEM;
	ed->lock = (spinlock_t)SPINLOCK_INIT;
	ed->nr_vcpus = d->max_vcpus;
	ed->bucket[0] = hv_zalloc(EVTCHN_BUCKET_PORTS * sizeof(struct evtchn));
	if (ed->nr_vcpus)
		ed->virq_port = hv_zalloc(sizeof(uint16_t) * NR_VIRQS * ed->nr_vcpus);
	if (!ed->bucket[0] || (ed->nr_vcpus && !ed->virq_port)) {
		hv_free(ed->bucket[0]);
		hv_free(ed->virq_port);
		hv_free(ed);
		return -XEN_ENOMEM;
	}
	ed->nr_buckets = 1;
	ed->bucket[0][0].state = ECS_RESERVED;
	__atomic_store_n(&d->evtchn, ed, __ATOMIC_RELEASE);
	return 0;
}

/* Returns a port to ECS_FREE: its VIRQ slot, its peer (back to unbound, bindable by d again) and its pending bit. Both domains locked. */
static void evtchn_free_chn(struct domain *d, struct evtchn_domain *ed, struct evtchn *chn,
			    uint32_t port)
{
	if (chn->state == ECS_VIRQ) {
		for (unsigned int i = 0; i < ed->nr_vcpus; i++)
			if (ed->virq_port[i * NR_VIRQS + chn->u.virq] == port)
				ed->virq_port[i * NR_VIRQS + chn->u.virq] = 0;
	} else if (chn->state == ECS_INTERDOMAIN) {
		struct evtchn *r = evtchn_port(evtchn_of(chn->remote), chn->u.remote_port);

		r->state = ECS_UNBOUND;
		r->remote = NULL;
		r->u.unbound_dom = d->domid;
	}
	/* As Xen: a stale pending bit would fire on whoever gets the port next. */
	if (ed->fifo)
		evtchn_fifo_close_port(ed->fifo, port);
	else if (d->shared_info)
		evtchn_bit_test_and_clear(d->shared_info->evtchn_pending, port);
	chn->state = ECS_FREE;
	__atomic_store_n(&chn->notify_vcpu, 0, __ATOMIC_RELEASE);
	chn->u.remote_port = 0;
	chn->remote = NULL;
}

/* EVTCHNOP_close's work; evtchn_link_lock held, so no binding changes under us. */
static long evtchn_close_locked(struct domain *d, uint32_t port)
{
	struct evtchn_domain *ed = evtchn_of(d), *red;
	struct domain *rd = d;
	struct evtchn *chn;
	unsigned long f;

	if (!ed)
		return -XEN_EINVAL;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, port);
	if (!chn || chn->state == ECS_FREE || chn->state == ECS_RESERVED) {
		spin_unlock_irqrestore(&ed->lock, f);
		return -XEN_EINVAL;
	}
	if (chn->state == ECS_INTERDOMAIN)
		rd = chn->remote;
	spin_unlock_irqrestore(&ed->lock, f);

	/* The port's state cannot leave ECS_INTERDOMAIN without evtchn_link_lock, so chn is still what we saw. */
	red = evtchn_of(rd);
	f = evtchn_lock_pair(ed, d->domid, red, rd->domid);
	evtchn_free_chn(d, ed, chn, port);
	evtchn_unlock_pair(ed, red, f);
	return 0;
}

long evtchn_close_port(struct domain *d, uint32_t port)
{
	long rc;

	spin_lock(&evtchn_link_lock);
	rc = evtchn_close_locked(d, port);
	spin_unlock(&evtchn_link_lock);
	return rc;
}

static unsigned int evtchn_nr_ports(struct evtchn_domain *ed)
{
	unsigned long f = spin_lock_irqsave(&ed->lock);
	unsigned int n = ed->nr_buckets * EVTCHN_BUCKET_PORTS;

	spin_unlock_irqrestore(&ed->lock, f);
	return n;
}

void evtchn_domain_destroy(struct domain *d)
{
	struct evtchn_domain *ed;
	unsigned long f;
	unsigned int n;

	if (!d)
		return;
	spin_lock(&evtchn_link_lock);
	ed = evtchn_of(d);
	if (!ed) {
		spin_unlock(&evtchn_link_lock);
		return;
	}
	f = spin_lock_irqsave(&ed->lock);
	ed->dying = true;
	n = ed->nr_buckets * EVTCHN_BUCKET_PORTS;
	spin_unlock_irqrestore(&ed->lock, f);
	for (uint32_t p = 1; p < n; p++)
		evtchn_close_locked(d, p);
	__atomic_store_n(&d->evtchn, NULL, __ATOMIC_RELEASE);
	spin_unlock(&evtchn_link_lock);

	/* No peer can reach ed any more; the domain's own vCPUs and timers are stopped by the caller. */
	for (unsigned int b = 0; b < ed->nr_buckets; b++)
		hv_free(ed->bucket[b]);
	/* Bucket 0 came with the domain (evtchn_domain_init) and was never charged. */
	if (ed->nr_buckets > 1)
		domain_heap_uncharge(d, (ed->nr_buckets - 1) * EVTCHN_BUCKET_BYTES);
	evtchn_fifo_destroy(ed->fifo);
	hv_free(ed->virq_port);
	hv_free(ed);
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	struct evtchn_domain *ed;
	unsigned int slot;
	unsigned long f;
	uint16_t port;

	if (!v || virq >= NR_VIRQS)
		return;
	ed = evtchn_of(v->domain);
	slot = evtchn_virq_is_global(virq) ? 0 : v->vcpu_id;
	if (!ed || slot >= ed->nr_vcpus)
		return;
	f = spin_lock_irqsave(&ed->lock);
	port = ed->virq_port[slot * NR_VIRQS + virq];
	if (port)
		evtchn_notify(v->domain, evtchn_port(ed, port), port);
	spin_unlock_irqrestore(&ed->lock, f);
}

/* ---- EVTCHNOP_* (decode, validate, then commit under the lock) ---- */

/*
 * The domain a dom field names: DOMID_SELF or our id is us; another one only
 * for a privileged caller (Xen's XSM_TARGET), with a reference the caller
 * drops with evtchn_target_put.
 */
static long evtchn_target(struct domain *cd, domid_t dom, struct domain **out)
{
	struct domain *d = (dom == DOMID_SELF || dom == cd->domid) ? cd : domain_find(dom);

	if (!d)
		return -XEN_ESRCH;
	if (!priv_may_control(cd, d)) {
		domain_put(d);
		return -XEN_EPERM;
	}
	*out = d;
	return 0;
}

static long evtchn_target_put(struct domain *cd, struct domain *d, long rc)
{
	if (d != cd)
		domain_put(d);
	return rc;
}

/*
 * Writes an op's result back. Xen leaves the port bound when this copy
 * fails; we close it again so a fault changes nothing (only the new port's
 * pending bit or a peer that bound to it meanwhile can have seen it).
 */
long evtchn_copy_out(struct domain *d, uint64_t arg, const void *op, size_t len, uint32_t port)
{
	if (copy_to_guest(arg, op, len) == 0)
		return 0;
	evtchn_close_port(d, port);
	return -XEN_EFAULT;
}

/* A port of d left unbound for remote; for EVTCHNOP_alloc_unbound and the domain builder. */
int evtchn_alloc_unbound_port(struct domain *d, domid_t remote)
{
	struct evtchn_domain *ed;
	unsigned long f;
	int port;

	/* A foreign table is only guaranteed to exist while evtchn_link_lock is held. */
	spin_lock(&evtchn_link_lock);
	ed = evtchn_of(d);
	if (!ed) {
		spin_unlock(&evtchn_link_lock);
		return -XEN_ESRCH;
	}
	f = spin_lock_irqsave(&ed->lock);
	port = evtchn_get_free_port(d, ed);
	if (port >= 0) {
		struct evtchn *chn = evtchn_port(ed, (uint32_t)port);

		chn->state = ECS_UNBOUND;
		chn->u.unbound_dom = remote;
	}
	spin_unlock_irqrestore(&ed->lock, f);
	spin_unlock(&evtchn_link_lock);
	return port;
}

bool evtchn_port_unbound_for(struct domain *d, uint32_t port, domid_t remote)
{
	struct evtchn_domain *ed;
	struct evtchn *chn;
	unsigned long f;
	bool ok = false;

	spin_lock(&evtchn_link_lock);
	ed = evtchn_of(d);
	if (ed) {
		f = spin_lock_irqsave(&ed->lock);
		chn = evtchn_port(ed, port);
		ok = chn && chn->state == ECS_UNBOUND && chn->u.unbound_dom == remote;
		spin_unlock_irqrestore(&ed->lock, f);
	}
	spin_unlock(&evtchn_link_lock);
	return ok;
}

static long evtchn_op_alloc_unbound(struct domain *cd, uint64_t arg)
{
	struct evtchn_alloc_unbound op;
	struct domain *d;
	long rc;
	int port;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	rc = evtchn_target(cd, op.dom, &d);
	if (rc)
		return rc;
	port = evtchn_alloc_unbound_port(d, op.remote_dom == DOMID_SELF ? cd->domid : op.remote_dom);
	if (port < 0)
		return evtchn_target_put(cd, d, port);
	op.port = (uint32_t)port;
	return evtchn_target_put(cd, d, evtchn_copy_out(d, arg, &op, sizeof(op), op.port));
}

/* Both tables locked: connects a new local port to rd's port rport, which must be unbound and offered to cd. */
static int evtchn_connect(struct domain *cd, struct evtchn_domain *led, struct domain *rd,
			  struct evtchn_domain *red, uint32_t rport)
{
	struct evtchn *rchn = evtchn_port(red, rport), *lchn;
	int lport;

	if (!rchn || rchn->state != ECS_UNBOUND || rchn->u.unbound_dom != cd->domid)
		return -XEN_EINVAL;
	lport = evtchn_get_free_port(cd, led);
	if (lport < 0)
		return lport;
	lchn = evtchn_port(led, (uint32_t)lport);
	lchn->state = ECS_INTERDOMAIN;
	lchn->remote = rd;
	lchn->u.remote_port = rport;
	rchn->state = ECS_INTERDOMAIN;
	rchn->remote = cd;
	rchn->u.remote_port = (uint32_t)lport;
	/* As Xen: the peer may have sent while its end was unbound, so the new end starts pending. */
	evtchn_notify(cd, lchn, (uint32_t)lport);
	return lport;
}

static long evtchn_op_bind_interdomain(struct domain *cd, uint64_t arg)
{
	struct evtchn_bind_interdomain op;
	struct evtchn_domain *led, *red;
	struct domain *rd;
	unsigned long f;
	domid_t rdom;
	int port;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	rdom = op.remote_dom == DOMID_SELF ? cd->domid : op.remote_dom;
	rd = rdom == cd->domid ? cd : domain_find(rdom);
	if (!rd)
		return -XEN_ESRCH;
	spin_lock(&evtchn_link_lock);
	led = evtchn_of(cd);
	red = evtchn_of(rd);
	if (!led || !red) {
		spin_unlock(&evtchn_link_lock);
		return evtchn_target_put(cd, rd, -XEN_ESRCH);
	}
	f = evtchn_lock_pair(led, cd->domid, red, rd->domid);
	port = evtchn_connect(cd, led, rd, red, op.remote_port);
	evtchn_unlock_pair(led, red, f);
	spin_unlock(&evtchn_link_lock);
	evtchn_target_put(cd, rd, 0);
	if (port < 0)
		return port;
	op.local_port = (uint32_t)port;
	return evtchn_copy_out(cd, arg, &op, sizeof(op), op.local_port);
}

/* Takes a free port of the current domain and gives it state (VIRQ or IPI). Returns the port or -XEN_E*. */
int evtchn_bind_local(struct domain *cd, uint8_t state, uint32_t vcpu, uint32_t virq)
{
	struct evtchn_domain *ed = evtchn_of(cd);
	unsigned long f = spin_lock_irqsave(&ed->lock);
	uint16_t *slot = NULL;
	int port;

	if (state == ECS_VIRQ) {
		slot = &ed->virq_port[(evtchn_virq_is_global(virq) ? 0 : vcpu) * NR_VIRQS + virq];
		if (*slot) {
			spin_unlock_irqrestore(&ed->lock, f);
			return -XEN_EEXIST;
		}
	}
	port = evtchn_get_free_port(cd, ed);
	if (port >= 0) {
		struct evtchn *chn = evtchn_port(ed, (uint32_t)port);

		chn->state = state;
		chn->u.virq = virq;
		__atomic_store_n(&chn->notify_vcpu, (uint16_t)vcpu, __ATOMIC_RELEASE);
		if (slot)
			*slot = (uint16_t)port;
	}
	spin_unlock_irqrestore(&ed->lock, f);
	return port;
}

/* Is vcpu an existing vCPU of cd that the per-vCPU tables cover? */
static bool evtchn_vcpu_ok(struct domain *cd, uint32_t vcpu)
{
	return evtchn_vcpu(cd, vcpu) && vcpu < evtchn_of(cd)->nr_vcpus;
}

static long evtchn_op_bind_virq(struct domain *cd, uint64_t arg)
{
	struct evtchn_bind_virq op;
	int port;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.virq >= NR_VIRQS)
		return -XEN_EINVAL;
	/* Global VIRQs are bound through vCPU 0 (bind_vcpu moves them later). */
	if (evtchn_virq_is_global(op.virq) && op.vcpu != 0)
		return -XEN_EINVAL;
	if (!evtchn_vcpu_ok(cd, op.vcpu))
		return -XEN_ENOENT;
	port = evtchn_bind_local(cd, ECS_VIRQ, op.vcpu, op.virq);
	if (port < 0)
		return port;
	op.port = (uint32_t)port;
	return evtchn_copy_out(cd, arg, &op, sizeof(op), op.port);
}

static long evtchn_op_bind_ipi(struct domain *cd, uint64_t arg)
{
	struct evtchn_bind_ipi op;
	int port;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (!evtchn_vcpu_ok(cd, op.vcpu))
		return -XEN_ENOENT;
	port = evtchn_bind_local(cd, ECS_IPI, op.vcpu, 0);
	if (port < 0)
		return port;
	op.port = (uint32_t)port;
	return evtchn_copy_out(cd, arg, &op, sizeof(op), op.port);
}

static long evtchn_op_close(struct domain *cd, uint64_t arg)
{
	struct evtchn_close op;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	return evtchn_close_port(cd, op.port);
}

/* EVTCHNOP_send: interdomain to the peer, IPI to ourselves, unbound silently dropped (Xen); anything else -EINVAL. */
static long evtchn_op_send(struct domain *cd, uint64_t arg)
{
	struct evtchn_send op;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	return evtchn_send_local(cd, op.port);
}

long evtchn_send_local(struct domain *cd, uint32_t port)
{
	struct evtchn_domain *ed = evtchn_of(cd);
	struct evtchn *chn;
	unsigned long f;
	long rc = 0;

	if (!ed)
		return -XEN_EINVAL;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, port);
	if (!chn) {
		rc = -XEN_EINVAL;
	} else if (chn->state == ECS_INTERDOMAIN) {
		/* The peer's table outlives the binding, which cannot go away while we hold our lock. */
		struct evtchn_domain *red = evtchn_of(chn->remote);
		uint32_t rport = chn->u.remote_port;
		struct evtchn *rchn = &red->bucket[rport >> EVTCHN_BUCKET_SHIFT]
						  [rport & (EVTCHN_BUCKET_PORTS - 1)];

		evtchn_notify(chn->remote, rchn, rport);
	} else if (chn->state == ECS_IPI) {
		evtchn_notify(cd, chn, port);
	} else if (chn->state != ECS_UNBOUND) {
		rc = -XEN_EINVAL;
	}
	spin_unlock_irqrestore(&ed->lock, f);
	return rc;
}

static void evtchn_fill_status(struct evtchn *chn, struct evtchn_status *op)
{
	static const uint32_t stat[] = {
		[ECS_FREE] = EVTCHNSTAT_closed, [ECS_RESERVED] = EVTCHNSTAT_closed,
		[ECS_UNBOUND] = EVTCHNSTAT_unbound, [ECS_INTERDOMAIN] = EVTCHNSTAT_interdomain,
		[ECS_VIRQ] = EVTCHNSTAT_virq, [ECS_IPI] = EVTCHNSTAT_ipi, [ECS_PIRQ] = EVTCHNSTAT_pirq,
	};

	/* As Xen: only the union's fields of the state are written; the rest keeps the caller's bytes. */
	op->status = stat[chn->state];
	op->vcpu = chn->notify_vcpu;
	if (chn->state == ECS_UNBOUND) {
		op->u.unbound.dom = chn->u.unbound_dom;
	} else if (chn->state == ECS_INTERDOMAIN) {
		op->u.interdomain.dom = chn->remote->domid;
		op->u.interdomain.port = chn->u.remote_port;
	} else if (chn->state == ECS_VIRQ) {
		op->u.virq = chn->u.virq;
	} else if (chn->state == ECS_PIRQ) {
		op->u.pirq = chn->u.virq;
	}
}

static long evtchn_op_status(struct domain *cd, uint64_t arg)
{
	struct evtchn_status op;
	struct evtchn_domain *ed;
	struct evtchn *chn;
	struct domain *d;
	unsigned long f;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	rc = evtchn_target(cd, op.dom, &d);
	if (rc)
		return rc;
	spin_lock(&evtchn_link_lock);
	ed = evtchn_of(d);
	if (!ed) {
		spin_unlock(&evtchn_link_lock);
		return evtchn_target_put(cd, d, -XEN_ESRCH);
	}
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, op.port);
	if (chn)
		evtchn_fill_status(chn, &op);
	spin_unlock_irqrestore(&ed->lock, f);
	spin_unlock(&evtchn_link_lock);
	evtchn_target_put(cd, d, 0);
	if (!chn)
		return -XEN_EINVAL;
	return copy_to_guest(arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Which channels may change vCPU: unbound, interdomain and global VIRQs (Xen); IPIs and per-vCPU VIRQs may not. */
static bool evtchn_can_rebind(const struct evtchn *chn)
{
	if (chn->state == ECS_VIRQ)
		return evtchn_virq_is_global(chn->u.virq);
	return chn->state == ECS_UNBOUND || chn->state == ECS_INTERDOMAIN;
}

static long evtchn_op_bind_vcpu(struct domain *cd, uint64_t arg)
{
	struct evtchn_domain *ed = evtchn_of(cd);
	struct evtchn_bind_vcpu op;
	struct evtchn *chn;
	unsigned long f;
	long rc = 0;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (!evtchn_vcpu_ok(cd, op.vcpu))
		return -XEN_ENOENT;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, op.port);
	if (chn && evtchn_can_rebind(chn))
		__atomic_store_n(&chn->notify_vcpu, (uint16_t)op.vcpu, __ATOMIC_RELEASE);
	else
		rc = -XEN_EINVAL;
	spin_unlock_irqrestore(&ed->lock, f);
	return rc;
}

static long evtchn_op_unmask(struct domain *cd, uint64_t arg)
{
	struct evtchn_domain *ed = evtchn_of(cd);
	struct evtchn_unmask op;
	struct evtchn *chn;
	struct vcpu *v = NULL;
	unsigned long f;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, op.port);
	if (chn) {
		/* Like Xen, any port that exists may be unmasked, bound or not. */
		v = evtchn_vcpu(cd, chn->notify_vcpu);
		if (v)
			evtchn_unmask_port(v, op.port);
	}
	spin_unlock_irqrestore(&ed->lock, f);
	return chn ? 0 : -XEN_EINVAL;
}

/*
 * EVTCHNOP_reset: closes every port of a domain. Another domain only for a
 * privileged caller and only while it is paused (Xen). The reset runs whole
 * here, so EVTCHNOP_reset_cont never has a reset to continue: -EBUSY after
 * the same checks, as Xen answers one with none in progress.
 */
static long evtchn_op_reset(struct domain *cd, uint64_t arg, bool resuming)
{
	struct evtchn_reset op;
	struct domain *d;
	unsigned int n;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	rc = evtchn_target(cd, op.dom, &d);
	if (rc)
		return rc;
	if (d != cd && __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOM_PAUSED)
		return evtchn_target_put(cd, d, -XEN_EINVAL);
	if (resuming)
		return evtchn_target_put(cd, d, -XEN_EBUSY);
	spin_lock(&evtchn_link_lock);
	if (!evtchn_of(d)) {
		spin_unlock(&evtchn_link_lock);
		return evtchn_target_put(cd, d, -XEN_ESRCH);
	}
	n = evtchn_nr_ports(evtchn_of(d));
	for (uint32_t p = 1; p < n; p++)
		evtchn_close_locked(d, p);
	/* As Xen: a reset domain is back on the 2-level ABI (kexec starts over). No port reaches it now. */
	evtchn_fifo_destroy(__atomic_exchange_n(&evtchn_of(d)->fifo, NULL, __ATOMIC_ACQ_REL));
	spin_unlock(&evtchn_link_lock);
	return evtchn_target_put(cd, d, 0);
}

struct vcpu *evtchn_port_vcpu(struct domain *d, unsigned int port)
{
	struct evtchn_domain *ed = evtchn_of(d);
	struct evtchn *chn;
	struct vcpu *v = NULL;
	unsigned long f;

	if (!ed)
		return NULL;
	f = spin_lock_irqsave(&ed->lock);
	chn = evtchn_port(ed, port);
	if (chn && chn->state != ECS_FREE)
		v = evtchn_vcpu(d, chn->notify_vcpu);
	spin_unlock_irqrestore(&ed->lock, f);
	return v;
}

/* The FIFO ABI's three commands; the work is in event_fifo.c. */
static long evtchn_op_fifo(struct domain *cd, uint32_t cmd, uint64_t arg)
{
	struct evtchn_domain *ed = evtchn_of(cd);
	struct evtchn_init_control init;
	struct evtchn_expand_array exp;
	struct evtchn_set_priority pri;
	unsigned long f;
	long rc;

	switch (cmd) {
	case EVTCHNOP_init_control:
		if (copy_from_guest(&init, arg, sizeof(init)))
			return -XEN_EFAULT;
		f = spin_lock_irqsave(&ed->lock);
		rc = evtchn_fifo_init_control(cd, &ed->fifo, &init,
					      cd->shared_info ? cd->shared_info->evtchn_pending : NULL,
					      ed->nr_buckets * EVTCHN_BUCKET_PORTS);
		spin_unlock_irqrestore(&ed->lock, f);
		if (rc == 0 && copy_to_guest(arg, &init, sizeof(init)))
			rc = -XEN_EFAULT;
		return rc;
	case EVTCHNOP_expand_array:
		if (copy_from_guest(&exp, arg, sizeof(exp)))
			return -XEN_EFAULT;
		return evtchn_fifo_expand_array(cd, __atomic_load_n(&ed->fifo, __ATOMIC_ACQUIRE), exp.array_gfn);
	default:
		if (copy_from_guest(&pri, arg, sizeof(pri)))
			return -XEN_EFAULT;
		f = spin_lock_irqsave(&ed->lock);
		if (!evtchn_port(ed, pri.port))
			rc = -XEN_EINVAL;
		else if (!ed->fifo)
			rc = -XEN_ENOSYS;	/* the 2-level ABI has no priorities */
		else
			rc = evtchn_fifo_set_priority(ed->fifo, pri.port, pri.priority);
		spin_unlock_irqrestore(&ed->lock, f);
		return rc;
	}
}

/* Commands take a 32-bit int in Xen: the upper half of the register is ignored. */
long do_event_channel_op(struct vcpu *v, uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *cd = v->domain;

	(void)a3;
	(void)a4;
	(void)a5;
	if (!evtchn_of(cd))
		return -XEN_ENOSYS;
	switch ((uint32_t)cmd) {
	case EVTCHNOP_alloc_unbound:
		return evtchn_op_alloc_unbound(cd, arg);
	case EVTCHNOP_bind_interdomain:
		return evtchn_op_bind_interdomain(cd, arg);
	case EVTCHNOP_bind_virq:
		return evtchn_op_bind_virq(cd, arg);
	case EVTCHNOP_bind_ipi:
		return evtchn_op_bind_ipi(cd, arg);
	case EVTCHNOP_bind_pirq:
		return evtchn_op_bind_pirq(cd, arg);
	case EVTCHNOP_close:
		return evtchn_op_close(cd, arg);
	case EVTCHNOP_send:
		return evtchn_op_send(cd, arg);
	case EVTCHNOP_status:
		return evtchn_op_status(cd, arg);
	case EVTCHNOP_bind_vcpu:
		return evtchn_op_bind_vcpu(cd, arg);
	case EVTCHNOP_unmask:
		return evtchn_op_unmask(cd, arg);
	case EVTCHNOP_reset:
	case EVTCHNOP_reset_cont:
		return evtchn_op_reset(cd, arg, (uint32_t)cmd == EVTCHNOP_reset_cont);
	case EVTCHNOP_init_control:
	case EVTCHNOP_expand_array:
	case EVTCHNOP_set_priority:
		return evtchn_op_fifo(cd, (uint32_t)cmd, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/* Hypercall 16, the pre-3.0 form: the command and its argument in one struct evtchn_op, the argument at offset 4. */
long do_event_channel_op_compat(struct vcpu *v, uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint32_t cmd;

	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	if (copy_from_guest(&cmd, arg, sizeof(cmd)))
		return -XEN_EFAULT;
	/* Only the commands the old union has room for; the newer ones are -ENOSYS here, as in Xen. */
	if (cmd > EVTCHNOP_unmask)
		return -XEN_ENOSYS;
	return do_event_channel_op(v, cmd, arg + offsetof(struct evtchn_op, u), 0, 0, 0);
}

/* SPDX-License-Identifier: MIT */
/* FIFO event channels (EVTCHNOP_init_control, expand_array, set_priority) and their delivery into guest queues. */
#include <hv/domain.h>
#include <hv/event_channel.h>
#include <hv/event_fifo.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/xen.h>

#define W_PENDING	(1u << EVTCHN_FIFO_PENDING)
#define W_MASKED	(1u << EVTCHN_FIFO_MASKED)
#define W_LINKED	(1u << EVTCHN_FIFO_LINKED)
#define W_BUSY		(1u << EVTCHN_FIFO_BUSY)
#define LINK_TRIES	8	/* a guest may change a linked word only a few ways before BUSY stops it */

struct fifo_vcpu {
	mfn_t cb_mfn;				/* writable reference held; MFN_INVALID: none */
	struct evtchn_fifo_control_block *cb;
	uint32_t tail[EVTCHN_FIFO_MAX_QUEUES];	/* last port linked into each queue; 0: none */
};

/*
 * One per domain once it switched to FIFO. lock (a leaf, interrupts off:
 * VIRQs are sent from the timer interrupt) guards the queue tails, each
 * port's last queue and priority, nr_pages and the lost bitmap. The event
 * words and control blocks are guest memory the guest writes at any time:
 * only atomic operations touch them.
 */
struct evtchn_fifo {
	spinlock_t lock;
	struct domain *owner;		/* charged for this block (about 21 KiB) while it exists */
	size_t bytes;
	unsigned int nr_vcpus;
	unsigned int nr_pages;
	mfn_t page_mfn[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];	/* writable references held */
	event_word_t *page[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
	uint8_t priority[EVTCHN_FIFO_PORTS];
	struct { uint16_t vcpu; uint8_t priority; } last[EVTCHN_FIFO_PORTS];
	uint64_t lost[EVTCHN_FIFO_PORTS / 64];	/* pending with no event word yet: set when a page comes */
	struct fifo_vcpu vcpu[];
};

static event_word_t *word_of(struct evtchn_fifo *f, unsigned int port)
{
	unsigned int n = __atomic_load_n(&f->nr_pages, __ATOMIC_ACQUIRE);

	if (port >= EVTCHN_FIFO_PORTS || port / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE >= n)
		return NULL;
	return &f->page[port / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE][port % EVTCHN_FIFO_EVENT_WORDS_PER_PAGE];
}

/* A guest frame the hypervisor keeps writing: held with a writable type reference while used. */
static int take_frame(struct domain *d, uint64_t gfn, mfn_t *mfn)
{
	if (!mfn_valid(gfn) || get_page_and_type(mfn_to_page(gfn), d, PAGE_TYPE_WRITABLE) < 0)
		return -XEN_EINVAL;
	*mfn = gfn;		/* a PV guest's frame numbers are machine frames */
	return 0;
}

/*
 * Sets the LINK of the queue's tail word to port, if the guest has not
 * consumed the tail yet (it is still LINKED). The guest may mask, unmask,
 * clear PENDING or unlink the word meanwhile; BUSY makes its unmask fail,
 * so the compare-and-swap wins within a few tries. False: the tail was
 * consumed, port becomes the queue's new head.
 */
static bool link_after(event_word_t *tail, unsigned int port)
{
	event_word_t w = __atomic_load_n(tail, __ATOMIC_ACQUIRE);
	bool busy = false;

	for (unsigned int i = 0; i < LINK_TRIES; i++) {
		if (!(w & W_LINKED))
			break;
		if (__atomic_compare_exchange_n(tail, &w, (w & ~(W_BUSY | EVTCHN_FIFO_LINK_MASK)) | port,
						false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
			return true;
		if (!busy) {
			w = __atomic_or_fetch(tail, W_BUSY, __ATOMIC_SEQ_CST);
			busy = true;
		}
	}
	if (busy)
		__atomic_fetch_and(tail, ~W_BUSY, __ATOMIC_SEQ_CST);
	return false;
}

/* The upcall for v, as the 2-level ABI raises it: once, then a kick. */
static bool mark_upcall(struct vcpu *v)
{
	struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

	if (!vi || __atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return false;
	evtchn_kick_vcpu(v);
	return true;
}

/* A pending port, unmasked and not yet linked, goes to the tail of its queue on v; READY tells the guest. */
static bool fifo_link(struct evtchn_fifo *f, struct vcpu *v, unsigned int port)
{
	event_word_t *w = word_of(f, port);
	struct fifo_vcpu *fv;
	unsigned int q;
	unsigned long flags;
	uint32_t bit;

	if (!w || v->vcpu_id >= f->nr_vcpus)
		return false;
	fv = &f->vcpu[v->vcpu_id];
	flags = spin_lock_irqsave(&f->lock);
	if (!fv->cb || (__atomic_load_n(w, __ATOMIC_ACQUIRE) & (W_MASKED | W_LINKED)) ||
	    (__atomic_fetch_or(w, W_LINKED, __ATOMIC_SEQ_CST) & W_LINKED)) {
		spin_unlock_irqrestore(&f->lock, flags);
		return false;
	}
	/* Its last queue ended with it: the guest emptied that queue, whose tail must not point here any more. */
	if (f->vcpu[f->last[port].vcpu].tail[f->last[port].priority] == port)
		f->vcpu[f->last[port].vcpu].tail[f->last[port].priority] = 0;
	q = f->priority[port];
	f->last[port].vcpu = (uint16_t)v->vcpu_id;
	f->last[port].priority = (uint8_t)q;
	if (!fv->tail[q] || !link_after(word_of(f, fv->tail[q]), port))
		__atomic_store_n(&fv->cb->head[q], port, __ATOMIC_RELEASE);
	fv->tail[q] = port;
	bit = 1u << q;
	spin_unlock_irqrestore(&f->lock, flags);
	if (__atomic_fetch_or(&fv->cb->ready, bit, __ATOMIC_SEQ_CST) & bit)
		return false;
	return mark_upcall(v);
}

bool evtchn_fifo_set_pending(struct evtchn_fifo *f, struct vcpu *v, unsigned int port, bool *newly)
{
	event_word_t *w = word_of(f, port);

	*newly = false;
	if (port >= EVTCHN_FIFO_PORTS)
		return false;
	if (!w) {
		*newly = !(__atomic_fetch_or(&f->lost[port / 64], 1ULL << (port % 64), __ATOMIC_SEQ_CST) &
			   (1ULL << (port % 64)));
		return false;
	}
	if (__atomic_fetch_or(w, W_PENDING, __ATOMIC_SEQ_CST) & W_PENDING)
		return false;
	*newly = true;
	return fifo_link(f, v, port);
}

/* EVTCHNOP_unmask under FIFO: clear MASKED (the guest may have done it) and link the event if pending. */
void evtchn_fifo_unmask(struct evtchn_fifo *f, struct vcpu *v, unsigned int port)
{
	event_word_t *w = word_of(f, port);

	if (!w)
		return;
	if (__atomic_and_fetch(w, ~W_MASKED, __ATOMIC_SEQ_CST) & W_PENDING)
		fifo_link(f, v, port);
}

bool evtchn_fifo_is_pending(struct evtchn_fifo *f, unsigned int port)
{
	event_word_t *w = word_of(f, port);

	if (port >= EVTCHN_FIFO_PORTS)
		return false;
	if (__atomic_load_n(&f->lost[port / 64], __ATOMIC_ACQUIRE) & (1ULL << (port % 64)))
		return true;
	return w && (__atomic_load_n(w, __ATOMIC_ACQUIRE) & W_PENDING);
}

/* A closed port forgets its event and its priority, so the next user starts clean (as Xen). */
void evtchn_fifo_close_port(struct evtchn_fifo *f, unsigned int port)
{
	event_word_t *w = word_of(f, port);
	unsigned long flags;

	if (port >= EVTCHN_FIFO_PORTS)
		return;
	if (w)
		__atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&f->lost[port / 64], ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
	flags = spin_lock_irqsave(&f->lock);
	f->priority[port] = EVTCHN_FIFO_PRIORITY_DEFAULT;
	spin_unlock_irqrestore(&f->lock, flags);
}

void evtchn_fifo_destroy(struct evtchn_fifo *f)
{
	if (!f)
		return;
	for (unsigned int i = 0; i < f->nr_vcpus; i++)
		if (f->vcpu[i].cb_mfn != MFN_INVALID)
			put_page_and_type(mfn_to_page(f->vcpu[i].cb_mfn));
	for (unsigned int i = 0; i < f->nr_pages; i++)
		put_page_and_type(mfn_to_page(f->page_mfn[i]));
	domain_heap_uncharge(f->owner, f->bytes);
	hv_free(f);
}

static struct evtchn_fifo *fifo_alloc(struct domain *d)
{
	size_t bytes = sizeof(struct evtchn_fifo) + d->max_vcpus * sizeof(struct fifo_vcpu);
	struct evtchn_fifo *f;

	/* The guest asked for it: hypervisor heap that counts against the domain's allowance. */
	if (domain_heap_charge(d, bytes) < 0)
		return NULL;
	f = hv_zalloc(bytes);
	if (!f) {
		domain_heap_uncharge(d, bytes);
		return NULL;
	}
	f->owner = d;
	f->bytes = bytes;
	f->lock = (spinlock_t)SPINLOCK_INIT;
	f->nr_vcpus = d->max_vcpus;
	for (unsigned int i = 0; i < f->nr_vcpus; i++)
		f->vcpu[i].cb_mfn = MFN_INVALID;
	memset(f->priority, EVTCHN_FIFO_PRIORITY_DEFAULT, sizeof(f->priority));
	return f;
}

/*
 * EVTCHNOP_init_control, checked as Xen 4.17 does (conformance test
 * evtchn_fifo): a vCPU that does not exist is -ENOENT; an offset that is
 * not 8-byte aligned or lets the block cross the page, a frame the guest
 * cannot write, or a vCPU that already has a block is -EINVAL. The first
 * call switches the domain to FIFO: *slot is published, under the caller's
 * lock, only once everything is in place. pending (nr_ports bits, the
 * 2-level bitmap) carries events over; they reach the guest when its event
 * array covers them.
 */
long evtchn_fifo_init_control(struct domain *d, struct evtchn_fifo **slot, struct evtchn_init_control *op,
			      const uint64_t *pending, unsigned int nr_ports)
{
	struct evtchn_fifo *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *fresh = NULL;
	mfn_t mfn;
	int rc;

	op->link_bits = EVTCHN_FIFO_LINK_BITS;
	if (op->vcpu >= d->max_vcpus || !d->vcpu[op->vcpu])
		return -XEN_ENOENT;
	if (op->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (op->offset & 7))
		return -XEN_EINVAL;
	if (f && f->vcpu[op->vcpu].cb)
		return -XEN_EINVAL;
	rc = take_frame(d, op->control_gfn, &mfn);
	if (rc < 0)
		return rc;
	if (!f) {
		fresh = f = fifo_alloc(d);
		if (!f) {
			put_page_and_type(mfn_to_page(mfn));
			return -XEN_ENOMEM;
		}
		for (unsigned int p = 0; p < nr_ports && p < EVTCHN_FIFO_PORTS; p++)
			if (pending && (pending[p / 64] >> (p % 64)) & 1)
				f->lost[p / 64] |= 1ULL << (p % 64);
	}
	f->vcpu[op->vcpu].cb_mfn = mfn;
	__atomic_store_n(&f->vcpu[op->vcpu].cb,
			 (struct evtchn_fifo_control_block *)((char *)mfn_to_virt(mfn) + op->offset),
			 __ATOMIC_RELEASE);
	if (fresh)
		__atomic_store_n(slot, fresh, __ATOMIC_RELEASE);
	return 0;
}

/* EVTCHNOP_expand_array: one more page of event words; events that waited for it are delivered now. */
long evtchn_fifo_expand_array(struct domain *d, struct evtchn_fifo *f, uint64_t gfn)
{
	unsigned int n, first, last;
	unsigned long flags;
	mfn_t mfn;
	int rc;

	if (!f)
		return -XEN_EOPNOTSUPP;
	if (__atomic_load_n(&f->nr_pages, __ATOMIC_ACQUIRE) == EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES)
		return -XEN_ENOSPC;
	rc = take_frame(d, gfn, &mfn);
	if (rc < 0)
		return rc;
	flags = spin_lock_irqsave(&f->lock);
	n = f->nr_pages;
	if (n == EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
		spin_unlock_irqrestore(&f->lock, flags);
		put_page_and_type(mfn_to_page(mfn));
		return -XEN_ENOSPC;
	}
	f->page_mfn[n] = mfn;
	f->page[n] = mfn_to_virt(mfn);
	__atomic_store_n(&f->nr_pages, n + 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&f->lock, flags);
	first = n * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
	last = MIN(first + EVTCHN_FIFO_EVENT_WORDS_PER_PAGE, EVTCHN_FIFO_PORTS);
	for (unsigned int p = first; p < last; p++)
		if (__atomic_fetch_and(&f->lost[p / 64], ~(1ULL << (p % 64)), __ATOMIC_SEQ_CST) &
		    (1ULL << (p % 64))) {
			struct vcpu *v = evtchn_port_vcpu(d, p);
			bool newly;

			if (v)
				evtchn_fifo_set_pending(f, v, p, &newly);
		}
	return 0;
}

/* EVTCHNOP_set_priority on a port the caller found to exist: 0 (highest) to 15, else -EINVAL. */
long evtchn_fifo_set_priority(struct evtchn_fifo *f, unsigned int port, uint32_t priority)
{
	unsigned long flags;

	if (priority > EVTCHN_FIFO_PRIORITY_MIN)
		return -XEN_EINVAL;
	if (port >= EVTCHN_FIFO_PORTS)
		return -XEN_EINVAL;
	flags = spin_lock_irqsave(&f->lock);
	f->priority[port] = (uint8_t)priority;
	spin_unlock_irqrestore(&f->lock, flags);
	return 0;
}

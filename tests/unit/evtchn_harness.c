/* SPDX-License-Identifier: MIT */
/* Host harness for the event-channel tests: the hypervisor services event_channel.c calls, over fake domains and guest memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/heap.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>

#include "evtchn_harness.h"
#include <hv/iomem.h>

/* A vCPU with its kick counter beside it. */
struct eh_vcpu {
	struct vcpu v;
	unsigned int kicks;
};

static __thread uint8_t eh_mem[EH_PAGES + 1][PAGE_SIZE] __aligned(4096);
static __thread struct vcpu *eh_current;

static spinlock_t eh_lock = SPINLOCK_INIT;	/* domain list, allocation counters */
static struct domain *eh_domains;
static long eh_allocs;
static int eh_fail_after = -1;
static unsigned int eh_polls, eh_poll_port;

void *eh_host(uint64_t va)
{
	if (va < EH_BASE || va >= EH_BASE + (EH_PAGES + 1) * PAGE_SIZE)
		return NULL;
	return &eh_mem[(va - EH_BASE) / PAGE_SIZE][(va - EH_BASE) % PAGE_SIZE];
}

bool guest_range_ok(uint64_t va, size_t len)
{
	return va + len >= va && (va + len <= 0x0000800000000000ULL || va >= 0xffff880000000000ULL);
}

/* Byte by byte, stopping at the first fault, like a copy on real page tables. */
int copy_from_guest(void *dst, uint64_t va, size_t len)
{
	if (!guest_range_ok(va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		uint8_t *p = eh_host(va + i);

		if (!p)
			return -XEN_EFAULT;
		((uint8_t *)dst)[i] = *p;
	}
	return 0;
}

int copy_to_guest(uint64_t va, const void *src, size_t len)
{
	if (!guest_range_ok(va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		uint8_t *p = eh_host(va + i);

		if (!p || va + i >= EH_VA_RO)
			return -XEN_EFAULT;
		*p = ((const uint8_t *)src)[i];
	}
	return 0;
}

void *hv_zalloc(size_t size)
{
	void *p = NULL;

	spin_lock(&eh_lock);
	if (eh_fail_after != 0) {
		if (eh_fail_after > 0)
			eh_fail_after--;
		p = calloc(1, size);
		eh_allocs += p != NULL;
	}
	spin_unlock(&eh_lock);
	return p;
}

void hv_free(void *p)
{
	if (!p)
		return;
	spin_lock(&eh_lock);
	eh_allocs--;
	spin_unlock(&eh_lock);
	free(p);
}

void eh_fail_alloc_after(int n)
{
	spin_lock(&eh_lock);
	eh_fail_after = n;
	spin_unlock(&eh_lock);
}

long eh_live_allocs(void)
{
	return __atomic_load_n(&eh_allocs, __ATOMIC_SEQ_CST);
}

struct domain *domain_find(domid_t domid)
{
	struct domain *d;

	spin_lock(&eh_lock);
	for (d = eh_domains; d && d->domid != domid; d = d->next)
		;
	if (d)
		__atomic_fetch_add(&d->refcnt, 1, __ATOMIC_SEQ_CST);
	spin_unlock(&eh_lock);
	return d;
}

/* Harness domains carry only the references the code under test takes: every find must be put again. */
void domain_put(struct domain *d)
{
	if (__atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_SEQ_CST) == 0) {
		fprintf(stderr, "d%u: domain_put without a reference\n", d->domid);
		abort();
	}
}

struct vcpu *current_vcpu(void)
{
	return eh_current;
}

void eh_set_current(struct vcpu *v)
{
	eh_current = v;
}

void evtchn_kick_vcpu(struct vcpu *v)
{
	__atomic_fetch_add(&container_of(v, struct eh_vcpu, v)->kicks, 1, __ATOMIC_SEQ_CST);
}

unsigned int eh_kicks(struct vcpu *v)
{
	return __atomic_load_n(&container_of(v, struct eh_vcpu, v)->kicks, __ATOMIC_SEQ_CST);
}

static void eh_poll(struct domain *d, unsigned int port)
{
	(void)d;
	__atomic_fetch_add(&eh_polls, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&eh_poll_port, port, __ATOMIC_SEQ_CST);
}

unsigned int eh_poll_calls(void)
{
	return __atomic_load_n(&eh_polls, __ATOMIC_SEQ_CST);
}

unsigned int eh_poll_last_port(void)
{
	return __atomic_load_n(&eh_poll_port, __ATOMIC_SEQ_CST);
}

struct domain *eh_domain(domid_t domid, bool privileged, unsigned int nr_vcpus)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	d->domid = domid;
	d->is_privileged = privileged;
	d->state = DOM_RUNNING;
	d->max_vcpus = nr_vcpus;
	/* The limits domain_create gives. */
	d->max_evtchn_port = privileged ? DOMAIN_MAX_EVTCHN_PORT_DOM0 : DOMAIN_MAX_EVTCHN_PORT_DOMU;
	d->heap_max = DOMAIN_HEAP_MAX_DEFAULT;
	d->shared_info = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	d->vcpu = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*d->vcpu));
	if (!d->shared_info || !d->vcpu)
		abort();
	memset(d->shared_info, 0, PAGE_SIZE);
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		struct eh_vcpu *ev = calloc(1, sizeof(*ev));

		if (!ev)
			abort();
		ev->v.domain = d;
		ev->v.vcpu_id = i;
		ev->v.vcpu_info = i < XEN_LEGACY_MAX_VCPUS ? &d->shared_info->vcpu_info[i] : NULL;
		d->vcpu[i] = &ev->v;
	}
	if (evtchn_domain_init(d) != 0)
		abort();
	evtchn_poll_hook = eh_poll;
	spin_lock(&eh_lock);
	d->next = eh_domains;
	eh_domains = d;
	spin_unlock(&eh_lock);
	return d;
}

void eh_domain_free(struct domain *d)
{
	struct domain **pp;

	if (d->refcnt) {
		fprintf(stderr, "d%u: %u domain references never put\n", d->domid, d->refcnt);
		abort();
	}
	evtchn_domain_destroy(d);
	spin_lock(&eh_lock);
	for (pp = &eh_domains; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	spin_unlock(&eh_lock);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		free(container_of(d->vcpu[i], struct eh_vcpu, v));
	free(d->vcpu);
	free(d->shared_info);
	free(d);
}

void eh_reset(void)
{
	while (eh_domains)
		eh_domain_free(eh_domains);
	eh_fail_alloc_after(-1);
	eh_polls = 0;
	eh_poll_port = 0;
	eh_current = NULL;
	memset(eh_mem, 0, sizeof(eh_mem));
}

long eh_op_raw(uint32_t cmd, uint64_t va)
{
	return do_event_channel_op(current_vcpu(), cmd, va, 0, 0, 0);
}

long eh_op(uint32_t cmd, void *op, size_t len)
{
	long rc;

	memcpy(eh_host(EH_BASE), op, len);
	rc = eh_op_raw(cmd, EH_BASE);
	memcpy(op, eh_host(EH_BASE), len);
	return rc;
}

bool eh_pending(struct domain *d, unsigned int port)
{
	return (__atomic_load_n(&d->shared_info->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
		(port % 64)) & 1;
}

bool eh_masked(struct domain *d, unsigned int port)
{
	return (__atomic_load_n(&d->shared_info->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) >>
		(port % 64)) & 1;
}

void eh_set_mask(struct domain *d, unsigned int port, bool on)
{
	uint64_t m = 1ULL << (port % 64);

	if (on)
		__atomic_fetch_or(&d->shared_info->evtchn_mask[port / 64], m, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&d->shared_info->evtchn_mask[port / 64], ~m, __ATOMIC_SEQ_CST);
}

void eh_clear_pending(struct domain *d, unsigned int port)
{
	__atomic_fetch_and(&d->shared_info->evtchn_pending[port / 64], ~(1ULL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

void eh_ack_upcalls(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++) {
		__atomic_store_n(&d->shared_info->vcpu_info[i].evtchn_upcall_pending, 0,
				 __ATOMIC_SEQ_CST);
		__atomic_store_n(&d->shared_info->vcpu_info[i].evtchn_pending_sel, 0,
				 __ATOMIC_SEQ_CST);
	}
}

/*
 * event_fifo.c maps guest frames; the harness has no frame table, so every
 * frame number is invalid and init_control/expand_array answer -EINVAL
 * (the FIFO ABI is checked by the conformance test evtchn_fifo).
 */
struct page_info *frame_table;
mfn_t frame_table_frames;

void *mfn_to_virt(mfn_t mfn)
{
	(void)mfn;
	return NULL;
}

int get_page_and_type(struct page_info *pg, struct domain *d, enum page_type type)
{
	(void)pg;
	(void)d;
	(void)type;
	return -XEN_EINVAL;
}

void put_page_and_type(struct page_info *pg)
{
	(void)pg;
}

/* Pirqs (hv/iomem.h): the harness maps none, so every bind is refused as for a domain without the IRQ. */
int pirq_bind(struct domain *d, uint32_t pirq, uint32_t port)
{
	(void)d;
	(void)pirq;
	(void)port;
	return -XEN_EPERM;
}

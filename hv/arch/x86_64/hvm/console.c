/* SPDX-License-Identifier: MIT */
/*
 * An HVM guest's COM1 on the console path PV guests use: with dom0's
 * console service, the hypervisor is the frontend of a xencons ring for the
 * guest (a frame of the domain that is not in its NPT, granted to dom0 as
 * GNTTAB_RESERVED_CONSOLE with an unbound port for dom0, as the PV builder
 * does), so COM1's bytes reach dom0's log lines, its history and xl console,
 * and what dom0 writes into the ring's in half reaches COM1's receive FIFO.
 * Until dom0 announces that service, and without it, COM1 writes the
 * hypervisor's console directly. dom0 writes the ring too: indices are read
 * once and checked, as any backend's are.
 */
#include <asm/hvm.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/frame.h>
#include <hv/grant_table.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <hv/time.h>
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/console.h>
#include <pvabi/skiff_domctl.h>

#include "hvm_local.h"

/* How often dom0 hears of output without a newline (a prompt) and input is taken from the ring. */
#define HVM_CONSOLE_POLL_NS	10000000LL

int hvm_console_ring_init(struct domain *d)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct grant_entry_v1 *e;
	mfn_t m = frame_alloc_zeroed(0, &d->mem);
	int port, rc;

	if (m == MFN_INVALID)
		return -XEN_ENOMEM;
	/* A writable reference for as long as the hypervisor writes it: dropped at teardown with console_mfn. */
	rc = get_page_and_type(mfn_to_page(m), d, PAGE_TYPE_WRITABLE);
	if (rc)
		return rc;
	d->console_mfn = m;
	rc = gnttab_grow(d, 1);
	if (rc)
		return rc;
	port = evtchn_alloc_unbound_port(d, 0);
	if (port <= 0)
		return port < 0 ? port : -XEN_ENOSPC;
	d->console_evtchn = (uint32_t)port;
	e = mfn_to_virt(gnttab_shared_mfn(d, 0));
	e[GNTTAB_RESERVED_CONSOLE].domid = 0;
	e[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)m;
	/* Flags last: the entry is valid only with its domid and frame in place. */
	__atomic_store_n(&e[GNTTAB_RESERVED_CONSOLE].flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
	d->granted_rings = SKIFF_DOMINFO_console;
	hd->console_ring = true;
	timer_set(&hd->console_timer, time_now_ns() + HVM_CONSOLE_POLL_NS);
	return 0;
}

static void notify_dom0(struct domain *d)
{
	if (d->state == DOM_RUNNING)
		(void)evtchn_send_local(d, d->console_evtchn);
}

/*
 * A byte COM1 sent. Returns false when it is not the ring's to carry (no
 * ring, or dom0 does not serve consoles yet): the caller prints it. A full
 * ring loses the byte, counted, as a serial line nobody reads would. A line
 * the hypervisor's console has begun is finished there, so the switch to
 * dom0 never splits one.
 */
bool hvm_console_out(struct domain *d, uint8_t c)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct xencons_interface *r;
	XENCONS_RING_IDX cons, prod, used;
	unsigned long f;
	bool tell;

	if (!hd->console_ring || !domctl_console_in_dom0())
		return false;
	r = mfn_to_virt(d->console_mfn);
	f = spin_lock_irqsave(&d->console_lock);
	if (d->console_len) {
		spin_unlock_irqrestore(&d->console_lock, f);
		return false;
	}
	cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	prod = r->out_prod;
	used = prod - cons;
	if (used >= XENCONS_OUT_SIZE) {
		hd->console_dropped++;
		spin_unlock_irqrestore(&d->console_lock, f);
		return true;
	}
	r->out[prod % XENCONS_OUT_SIZE] = (char)c;
	__atomic_store_n(&r->out_prod, prod + 1, __ATOMIC_RELEASE);
	/* An event per line, or when half the ring waits; a prompt without a newline goes at the next poll. */
	tell = c == '\n' || used + 1 >= XENCONS_OUT_SIZE / 2;
	hd->console_unsent = !tell;
	spin_unlock_irqrestore(&d->console_lock, f);
	if (tell)
		notify_dom0(d);
	return true;
}

/* What dom0 wrote into the ring's in half, into COM1's receive FIFO as far as it has room. */
static void take_input(struct domain *d)
{
	struct xencons_interface *r = mfn_to_virt(d->console_mfn);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX cons = r->in_cons;
	char buf[64];
	size_t n = 0, took;

	if (prod - cons > XENCONS_IN_SIZE) {
		__atomic_store_n(&r->in_cons, prod, __ATOMIC_RELEASE);	/* a backend claiming more: skipped */
		return;
	}
	while (n < sizeof(buf) && cons + n != prod)
		buf[n] = r->in[(cons + n) % XENCONS_IN_SIZE], n++;
	if (!n)
		return;
	took = hvm_console_input(d, buf, n);
	__atomic_store_n(&r->in_cons, cons + (XENCONS_RING_IDX)took, __ATOMIC_RELEASE);
	if (took)
		notify_dom0(d);		/* room again in the in half */
}

/* Every 10 ms on the CPU it was set on: input from dom0, and output that waits for its newline. */
static void console_timer_fn(void *data)
{
	struct domain *d = data;
	struct hvm_domain *hd = d->arch.hvm;

	if (d->state != DOM_RUNNING || !domctl_console_in_dom0()) {
		timer_set(&hd->console_timer, time_now_ns() + HVM_CONSOLE_POLL_NS);
		return;
	}
	take_input(d);
	if (__atomic_exchange_n(&hd->console_unsent, false, __ATOMIC_ACQ_REL))
		notify_dom0(d);
	timer_set(&hd->console_timer, time_now_ns() + HVM_CONSOLE_POLL_NS);
}

void hvm_console_init(struct domain *d)
{
	timer_init(&d->arch.hvm->console_timer, console_timer_fn, d, 0);
}

void hvm_console_kill(struct domain *d)
{
	timer_kill(&d->arch.hvm->console_timer);
	if (d->arch.hvm->console_dropped)
		log_warn("d%u: %lu bytes of COM1 output found dom0's console ring full and were lost", d->domid,
			 d->arch.hvm->console_dropped);
}

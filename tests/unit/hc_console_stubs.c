/* SPDX-License-Identifier: MIT */
/* Stand-ins for the UART, the timer, domain lookup and event channels that console_input.c uses on the host. */
#include <string.h>
#include <hv/domain.h>
#include <hv/console.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/mm.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <pvabi/xen.h>
#include "hc_console_stubs.h"

#define STUB_UART	8192
#define STUB_MAX_DOMS	8

static char uart[STUB_UART];
static size_t uart_head, uart_tail;
static void (*poll_fn)(void *);
static void *poll_data;
static bool in_dom0;
static unsigned int virq_console, set_pending;
static struct domain *doms[STUB_MAX_DOMS];
static void *rings[STUB_MAX_DOMS];

void stub_reset(void)
{
	uart_head = uart_tail = 0;
	poll_fn = NULL;
	in_dom0 = false;
	virq_console = set_pending = 0;
	memset(doms, 0, sizeof(doms));
	memset(rings, 0, sizeof(rings));
}

void stub_serial_feed(const char *s, size_t n)
{
	for (size_t i = 0; i < n && uart_tail < STUB_UART; i++)
		uart[uart_tail++] = s[i];
}

int serial_getc(void)
{
	return uart_head < uart_tail ? (unsigned char)uart[uart_head++] : -1;
}

bool serial_enabled(void)
{
	return true;
}

void timer_init(struct timer *t, void (*fn)(void *data), void *data, unsigned int cpu)
{
	(void)t;
	(void)cpu;
	poll_fn = fn;
	poll_data = data;
}

bool timer_set(struct timer *t, s_time_t expires)
{
	(void)t;
	(void)expires;
	return true;
}

s_time_t time_now_ns(void)
{
	return 0;
}

bool stub_run_poll(void)
{
	if (!poll_fn)
		return false;
	poll_fn(poll_data);
	return true;
}

void stub_set_console_in_dom0(bool yes)
{
	in_dom0 = yes;
}

bool domctl_console_in_dom0(void)
{
	return in_dom0;
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
	if (v->domain->domid == 0 && virq == VIRQ_CONSOLE)
		virq_console++;
}

bool evtchn_set_pending(struct vcpu *v, unsigned int port)
{
	(void)v;
	(void)port;
	set_pending++;
	return true;
}

unsigned int stub_virq_console(void)
{
	return virq_console;
}

unsigned int stub_set_pending(void)
{
	return set_pending;
}

/* Every hc domain is findable by its domid once registered here (stub_give_ring, or with a NULL ring for dom0). */
void stub_give_ring(struct domain *d, void *ring)
{
	for (unsigned int i = 0; i < STUB_MAX_DOMS; i++) {
		if (!doms[i] || doms[i] == d) {
			doms[i] = d;
			rings[i] = ring;
			d->state = DOM_RUNNING;
			d->console_mfn = ring ? 0x1000 + i : MFN_INVALID;
			d->console_evtchn = ring ? 5 : 0;
			return;
		}
	}
}

struct domain *domain_find(domid_t domid)
{
	for (unsigned int i = 0; i < STUB_MAX_DOMS; i++)
		if (doms[i] && doms[i]->domid == domid)
			return doms[i];
	return NULL;
}

void domain_put(struct domain *d)
{
	(void)d;
}

void *mfn_to_virt(mfn_t mfn)
{
	return rings[mfn - 0x1000];
}

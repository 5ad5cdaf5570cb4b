/* SPDX-License-Identifier: MIT */
/* dom0's console input: serial bytes read with CONSOLEIO_read go to one chosen domain's console; Ctrl-A x3 switches. */
#include <pvabi/xen.h>
#include "rt.h"
#include "rt_event.h"
#include "dom0.h"

/*
 * The domain typed input goes to. Entries of dom0_domains are never freed
 * (a domain that went stays, marked gone), so the pointer stays valid; it
 * is re-chosen when its domain goes.
 */
static struct dom0_domain *dom0_focus;
static struct cons_switch dom0_switch;

static bool dom0_can_focus(const struct dom0_domain *dd)
{
	return dd && dd->console_up && !dd->gone;
}

/* The served domain with the smallest domid above 'after' (wrapping round); NULL if none is served. */
static struct dom0_domain *dom0_next_focus(domid_t after)
{
	struct dom0_domain *best = NULL, *lowest = NULL;

	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next) {
		if (!dom0_can_focus(dd))
			continue;
		if (!lowest || dd->info.domid < lowest->info.domid)
			lowest = dd;
		if (dd->info.domid > after && (!best || dd->info.domid < best->info.domid))
			best = dd;
	}
	return best ? best : lowest;
}

static void dom0_set_focus(struct dom0_domain *dd)
{
	dom0_focus = dd;
	if (dd)
		rt_printf("dom0: console input goes to d%u (%s); Ctrl-A three times switches\n", dd->info.domid,
			  dd->info.name);
}

/* A focus that went away (or none yet) moves to the next served domain, with its banner. */
static void dom0_check_focus(void)
{
	if (!dom0_can_focus(dom0_focus))
		dom0_set_focus(dom0_next_focus(dom0_focus ? dom0_focus->info.domid : 0));
}

static void dom0_deliver(const char *s, size_t n)
{
	dom0_check_focus();
	if (!dom0_focus || !n)
		return;
	if (cons_back_input(&dom0_focus->cons, s, n))
		rt_event_send(dom0_focus->console_port);
}

/* Reads everything the hypervisor holds; also the timer's fallback for a missed VIRQ_CONSOLE. */
void dom0_console_input_poll(void)
{
	char buf[256], out[CONS_SWITCH_COUNT];
	long n;

	dom0_check_focus();
	/* A shell's prompt has no newline: show it once the guest goes quiet. */
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
		if (dd->console_up)
			cons_back_tick(&dd->cons);
	while ((n = hyp_console_io(CONSOLEIO_read, sizeof(buf), RT_PTR(buf))) > 0) {
		for (long i = 0; i < n; i++) {
			int k = cons_switch_byte(&dom0_switch, buf[i], out);

			if (k < 0)
				dom0_set_focus(dom0_next_focus(dom0_focus ? dom0_focus->info.domid : 0));
			else
				dom0_deliver(out, (size_t)k);
		}
	}
}

static void dom0_console_virq(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	dom0_console_input_poll();
}

long dom0_console_input_init(void)
{
	long rc = rt_event_bind_virq(VIRQ_CONSOLE, dom0_console_virq, NULL);

	return rc < 0 ? rc : 0;
}

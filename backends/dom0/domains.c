/* SPDX-License-Identifier: MIT */
/* dom0's view of the other domains: listing them with the privileged domctl, attaching and detaching consoles. */
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_page.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "dom0_net.h"

struct dom0_domain *dom0_domains;

long dom0_domctl(struct skiff_domctl *op)
{
	op->interface_version = SKIFF_DOMCTL_INTERFACE_VERSION;
	return rt_hypercall2(__HYPERVISOR_domctl, RT_PTR(op), 0);
}

long dom0_getdomaininfo(domid_t domid, struct skiff_dominfo *info)
{
	struct skiff_domctl op = { .cmd = SKIFF_DOMCTL_getdomaininfo };

	op.u.info.domid = domid;
	op.u.info.buffer = RT_PTR(info);
	return dom0_domctl(&op);
}

static void dom0_console_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	/* The hypervisor's console adds dom0's own prefix and escapes what a terminal must not see. */
	char buf[CONS_BACK_LINE + CONS_BACK_NAME + 24];

	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	memcpy(buf, line, len);
	buf[len] = '\n';
	rt_console_write(buf, len + 1);
}

static void dom0_console_raw(void *ctx, const char *bytes, size_t len)
{
	const struct dom0_domain *dd = ctx;

	dom0_ctl_console_output(dd->info.domid, bytes, len);
}

static void dom0_console_poll(struct dom0_domain *dd)
{
	if (dd->console_up && cons_back_poll(&dd->cons))
		rt_event_send(dd->console_port);	/* room again in the ring */
}

static void dom0_console_event(evtchn_port_t port, void *arg)
{
	(void)port;
	dom0_console_poll(arg);
}

static void dom0_console_attach(struct dom0_domain *dd)
{
	long rc;

	if (!(dd->info.flags & SKIFF_DOMINFO_console) || !dd->info.console_port)
		return;
	rc = rt_grant_map(&dd->console_map, dd->info.domid, dd->info.console_gref, false);
	if (rc) {
		rt_printf("dom0: d%u: cannot map console ring (grant %u): %ld\n", dd->info.domid,
			  dd->info.console_gref, rc);
		return;
	}
	rc = rt_event_bind_interdomain(dd->info.domid, dd->info.console_port, dom0_console_event, dd);
	if (rc < 0) {
		rt_printf("dom0: d%u: cannot bind console port %u: %ld\n", dd->info.domid,
			  dd->info.console_port, rc);
		rt_grant_unmap(&dd->console_map);
		return;
	}
	dd->console_port = (evtchn_port_t)rc;
	cons_back_init(&dd->cons, dd->info.domid, dd->info.name, dd->console_map.va, dom0_console_line, dd);
	cons_back_set_raw(&dd->cons, dom0_console_raw);
	dd->console_up = true;
	rt_printf("dom0: serving the console of d%u (%s): grant %u, port %u\n", dd->info.domid,
		  dd->info.name, dd->info.console_gref, dd->console_port);
	dom0_console_poll(dd);
}

static void dom0_console_detach(struct dom0_domain *dd)
{
	if (!dd->console_up)
		return;
	dom0_console_poll(dd);
	cons_back_flush(&dd->cons);
	rt_event_close(dd->console_port);
	rt_grant_unmap(&dd->console_map);
	dd->console_up = false;
	rt_printf("dom0: d%u (%s) is down: %lu console lines, %lu bytes served\n", dd->info.domid,
		  dd->info.name, (unsigned long)dd->cons.lines, (unsigned long)dd->cons.bytes);
}

void dom0_consoles_poll_all(void)
{
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
		dom0_console_poll(dd);
}

static struct dom0_domain *dom0_lookup(domid_t domid)
{
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
		if (dd->info.domid == domid)
			return dd;
	return NULL;
}

struct dom0_domain *dom0_domain_of(domid_t domid)
{
	return dom0_lookup(domid);
}

static void dom0_update(const struct skiff_dominfo *info)
{
	struct dom0_domain *dd = dom0_lookup(info->domid);

	if ((info->flags & SKIFF_DOMINFO_privileged) || dom0_toolstack_abandoned(info->domid))
		return;
	if (dd && dd->gone && info->state < SKIFF_DOMSTATE_shutdown) {
		/* The domid went to a new domain (the hypervisor reuses them): everything of the old one was let go. */
		struct dom0_domain *next = dd->next;

		memset(dd, 0, sizeof(*dd));
		dd->next = next;
		dd->seen_ns = rt_now_ns();
	}
	if (!dd) {
		dd = calloc(1, sizeof(*dd));
		if (!dd)
			return;
		dd->info = *info;
		dd->seen_ns = rt_now_ns();
		dd->next = dom0_domains;
		dom0_domains = dd;
	}
	dd->info = *info;
	dd->seen = true;
	if (dd->gone)
		return;
	if (info->state == SKIFF_DOMSTATE_running && !dd->console_up)
		dom0_console_attach(dd);
	if (info->state == SKIFF_DOMSTATE_running && !dd->store_up)
		dom0_store_attach(dd);
	if (info->state == SKIFF_DOMSTATE_running && dd->store_up)
		dom0_blk_attach(dd);
	if (info->state == SKIFF_DOMSTATE_running && dd->store_up)
		dom0_net_attach(dd);
	if (info->state >= SKIFF_DOMSTATE_shutdown) {
		if (info->state == SKIFF_DOMSTATE_shutdown)
			dom0_result_ended(info->domid, info->shutdown_reason);
		else
			dom0_result_gone(info->domid);
		dom0_blk_detach(dd);
		dom0_net_detach(dd);
		dom0_store_detach(dd);
		dom0_console_detach(dd);
		dd->gone = true;
		if (info->state == SKIFF_DOMSTATE_shutdown) {
			dom0_ctl_domain_ended(info->domid);
			/* A domain file's on_* actions, else a managed machine's destroy. */
			if (!dom0_lifecycle_shut_down(info))
				dom0_ctl_domain_shut_down(info);
		} else {
			dom0_lifecycle_forget(info->domid);
		}
	}
}

uint64_t dom0_domain_uptime_ns(domid_t domid)
{
	const struct dom0_domain *dd = dom0_lookup(domid);

	return dd && !dd->gone && dd->seen_ns ? rt_now_ns() - dd->seen_ns : 0;
}

unsigned int dom0_domains_scan(void)
{
	static struct skiff_dominfo list[SKIFF_DOMCTL_LIST_MAX];
	struct skiff_domctl op;
	unsigned int up = 0;
	domid_t from = 0;

	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
		dd->seen = false;
	for (;;) {
		long rc;

		memset(&op, 0, sizeof(op));
		op.cmd = SKIFF_DOMCTL_list_domains;
		op.u.list.first_domid = from;
		op.u.list.max_entries = SKIFF_DOMCTL_LIST_MAX;
		op.u.list.buffer = RT_PTR(list);
		rc = dom0_domctl(&op);
		if (rc) {
			rt_printf("dom0: listing domains failed: %ld\n", rc);
			for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
				dd->seen = true;	/* nothing known: nothing taken for destroyed */
			break;
		}
		for (uint32_t i = 0; i < op.u.list.nr_entries; i++)
			dom0_update(&list[i]);
		if (op.u.list.nr_entries < SKIFF_DOMCTL_LIST_MAX)
			break;
		from = (domid_t)(list[SKIFF_DOMCTL_LIST_MAX - 1].domid + 1);
	}
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next) {
		/* Destroyed (the hypervisor destroys a domain that shut down): let go of what we mapped of it. */
		if (!dd->seen && !dd->gone) {
			dom0_result_gone(dd->info.domid);
			dom0_blk_detach(dd);
			dom0_net_detach(dd);
			dom0_lifecycle_forget(dd->info.domid);
			dom0_store_detach(dd);
			dom0_console_detach(dd);
			dd->gone = true;
		}
		up += !dd->gone;
	}
	/*
	 * A restart's new domain may have been listed before its old self was
	 * let go of (it is gone from the list, or has the higher domid): its
	 * disks and vifs, declared by name, are offered now, not at some later scan.
	 */
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next) {
		if (!dd->gone && dd->store_up && dd->info.state == SKIFF_DOMSTATE_running) {
			dom0_blk_attach(dd);
			dom0_net_attach(dd);
		}
	}
	return up;
}

/* SPDX-License-Identifier: MIT */
/* dom0's xenstored: the store core serving each domU over its ring page (mapped by grant) and event channel. */
#include <errno.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_grant.h"
#include "dom0.h"
#include "dom0_xs.h"
#include "xsd_ring.h"

static struct dom0_xs dom0_store;
static bool dom0_store_up;

static struct dom0_domain *dom0_store_owner(uint32_t domid)
{
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next)
		if (dd->info.domid == domid)
			return dd;
	return NULL;
}

/* Watch events may have been queued for any connection: every ring gets a turn after any request. */
static void dom0_store_poll_all(void)
{
	for (struct dom0_domain *dd = dom0_domains; dd; dd = dd->next) {
		if (dd->store_up && dd->ring.conn && xsd_ring_poll(&dd->ring) < 0 && !dd->store_broken) {
			dd->store_broken = true;
			rt_printf("dom0: d%u broke its xenstore ring; ignoring it\n", dd->info.domid);
		}
	}
}

static void dom0_store_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	dom0_store_poll_all();
}

static void dom0_store_notify(void *ctx)
{
	struct dom0_domain *dd = ctx;

	rt_event_send(dd->store_port);
}

/* INTRODUCE: the grant the builder made at GNTTAB_RESERVED_XENSTORE, and the port it offered us. */
static int dom0_store_introduce(void *ctx, struct xsd_store *s, uint32_t domid, uint64_t mfn, uint32_t port)
{
	struct dom0_domain *dd = dom0_store_owner(domid);
	long rc;

	(void)ctx;
	if (!dd || dd->store_up || mfn != dd->info.store_mfn || port != dd->info.store_port)
		return EINVAL;
	rc = rt_grant_map(&dd->store_map, (domid_t)domid, dd->info.store_gref, false);
	if (rc) {
		rt_printf("dom0: d%u: cannot map the xenstore ring (grant %u): %ld\n", domid, dd->info.store_gref, rc);
		return EIO;
	}
	rc = rt_event_bind_interdomain((domid_t)domid, port, dom0_store_event, dd);
	if (rc < 0) {
		rt_grant_unmap(&dd->store_map);
		return EIO;
	}
	dd->store_port = (evtchn_port_t)rc;
	if (xsd_ring_attach(&dd->ring, s, domid, dd->store_map.va, dom0_store_notify, dd) != 0) {
		rt_event_close(dd->store_port);
		rt_grant_unmap(&dd->store_map);
		return ENOMEM;
	}
	dd->store_up = true;
	return 0;
}

static void dom0_store_release(void *ctx, struct xsd_store *s, uint32_t domid)
{
	struct dom0_domain *dd = dom0_store_owner(domid);

	(void)ctx, (void)s;
	if (!dd || !dd->store_up)
		return;
	/* The core frees the connection after this hook. */
	dd->ring.conn = NULL;
	rt_event_close(dd->store_port);
	rt_grant_unmap(&dd->store_map);
	dd->store_up = false;
}

static void dom0_store_log(void *ctx, const char *msg)
{
	(void)ctx;
	rt_printf("xenstored: %s\n", msg);
}

long dom0_store_init(void)
{
	struct xsd_platform plat = { .introduce = dom0_store_introduce, .release = dom0_store_release,
				     .log = dom0_store_log };
	int err = dom0_xs_init(&dom0_store, &plat);

	if (err)
		return -err;
	dom0_store_up = true;
	return 0;
}

void dom0_store_attach(struct dom0_domain *dd)
{
	struct dom0_xs_domain xd = {
		.domid = dd->info.domid, .name = dd->info.name, .mem_kb = dd->info.max_pages * 4,
		.target_kb = dd->info.tot_pages * 4,	/* what it was built with: below max_pages if it may grow */
		.nr_vcpus = dd->info.max_vcpus,	/* each available (xl vcpu-set changes it) */
		.console_mfn = dd->info.console_mfn, .console_port = dd->info.console_port,
		.store_mfn = dd->info.store_mfn, .store_port = dd->info.store_port,
		.start_time_ns = dom0_unix_now_ns(),	/* introduced right after dom0 built it or the hypervisor started it */
	};
	int err;

	if (!dom0_store_up || !(dd->info.flags & SKIFF_DOMINFO_store))
		return;
	memcpy(xd.uuid, dd->info.handle, sizeof(xd.uuid));
	err = dom0_xs_introduce(&dom0_store, &xd);
	if (err) {
		rt_printf("dom0: d%u: xenstore introduction failed: error %d\n", dd->info.domid, err);
		return;
	}
	rt_printf("dom0: xenstore serves d%u (%s): grant %u, port %u\n", dd->info.domid, dd->info.name,
		  dd->info.store_gref, dd->store_port);
	/* Requests the guest queued before we listened. */
	dom0_store_poll_all();
}

void dom0_store_detach(struct dom0_domain *dd)
{
	if (!dd->store_up)
		return;
	dom0_store_poll_all();
	rt_printf("dom0: xenstore releases d%u: %lu requests served in all\n", dd->info.domid,
		  (unsigned long)dom0_store.store.stats.requests);
	dom0_xs_release(&dom0_store, dd->info.domid, dd->info.handle);
}

void dom0_store_flush(void)
{
	if (dom0_store_up)
		dom0_store_poll_all();
}

struct xs_handle *dom0_store_xs(void)
{
	return dom0_store.h;
}

uint64_t dom0_store_requests(void)
{
	return dom0_store_up ? dom0_store.store.stats.requests : 0;
}

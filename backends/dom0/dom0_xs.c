/* SPDX-License-Identifier: MIT */
/* dom0's xenstore: the core plus the nodes and permissions Xen's toolstack gives each domain, through libxenstore. */
#include "dom0_xs.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In-process transport: a request is answered while it is fed in, so the reply is waiting when asked for. */
static int dom0_xs_send(void *ctx, const void *buf, size_t len)
{
	struct dom0_xs *x = ctx;

	return xsd_conn_feed(x->self, buf, len) == (long)len ? 0 : -1;
}

static long dom0_xs_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct dom0_xs *x = ctx;
	const uint8_t *p;
	size_t n = xsd_conn_out_peek(x->self, &p);

	(void)timeout_ms;
	if (n == 0)
		return 0;
	if (n > len)
		n = len;
	memcpy(buf, p, n);
	xsd_conn_out_consume(x->self, n);
	return (long)n;
}

static void *dom0_xs_alloc(size_t n)
{
	return malloc(n);
}

static void dom0_xs_free(void *p)
{
	free(p);
}

int dom0_xs_init(struct dom0_xs *x, const struct xsd_platform *plat)
{
	struct xs_transport t = { .ctx = x, .send = dom0_xs_send, .recv = dom0_xs_recv,
				  .alloc = dom0_xs_alloc, .free = dom0_xs_free };
	int err = xsd_store_init(&x->store, plat);

	if (err)
		return err;
	x->self = xsd_conn_new(&x->store, 0);
	x->h = x->self ? xs_open_transport(&t) : NULL;
	if (!x->h) {
		xsd_store_destroy(&x->store);
		return ENOMEM;
	}
	return 0;
}

void dom0_xs_destroy(struct dom0_xs *x)
{
	xs_close(x->h);
	xsd_store_destroy(&x->store);
}

void dom0_xs_uuid_str(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* Who may touch a node: the owner (first) has every right, the others what they are given. */
enum dom0_xs_access { RO, RW };

static bool dom0_xs_put(struct dom0_xs *x, const char *path, const char *value, uint32_t domid,
			enum dom0_xs_access a)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	struct xs_permissions rw[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };

	if (value ? !xs_write(x->h, XBT_NULL, path, value, (unsigned int)strlen(value))
		  : !xs_mkdir(x->h, XBT_NULL, path))
		return false;
	return xs_set_permissions(x->h, XBT_NULL, path, a == RW ? rw : ro, 2);
}

int dom0_xs_introduce(struct dom0_xs *x, const struct dom0_xs_domain *d)
{
	/* The nodes libxl writes for a PV domain, with the same read-only / guest-writable split. */
	static const struct { const char *rel; enum dom0_xs_access a; } dirs[] = {
		{ "", RO }, { "/control", RO }, { "/device", RO }, { "/memory", RO }, { "/cpu", RO },
		{ "/console", RO }, { "/data", RW }, { "/drivers", RW }, { "/feature", RW },
		{ "/attr", RW }, { "/error", RW },
	};
	static const struct { const char *rel; const char *val; enum dom0_xs_access a; } ctl[] = {
		{ "/control/shutdown", "", RW }, { "/control/feature-poweroff", "", RW },
		{ "/control/feature-reboot", "", RW }, { "/control/feature-suspend", "", RW },
		{ "/control/sysrq", "", RW },
		{ "/control/platform-feature-multiprocessor-suspend", "1", RO },
		{ "/control/platform-feature-xs_reset_watches", "1", RO },
		{ "/console/type", "xenconsoled", RO }, { "/console/limit", "1048576", RO },
		{ "/console/output", "dom0", RO },
	};
	char base[40], path[120], val[64], uuid[37], vm[48], msg[64];
	unsigned int n;
	bool ok = true;

	dom0_xs_uuid_str(d->uuid, uuid);
	snprintf(base, sizeof(base), "/local/domain/%u", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	for (unsigned int i = 0; ok && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", base, dirs[i].rel);
		ok = dom0_xs_put(x, path, NULL, d->domid, dirs[i].a);
	}
	for (unsigned int i = 0; ok && i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", base, ctl[i].rel);
		ok = dom0_xs_put(x, path, ctl[i].val, d->domid, ctl[i].a);
	}
#define PUTF(rel, ...) do { \
		snprintf(path, sizeof(path), "%s%s", base, rel); \
		snprintf(val, sizeof(val), __VA_ARGS__); \
		ok = ok && dom0_xs_put(x, path, val, d->domid, RO); \
	} while (0)
	PUTF("/domid", "%u", d->domid);
	PUTF("/name", "%s", d->name);
	PUTF("/vm", "%s", vm);
	PUTF("/memory/target", "%llu", (unsigned long long)(d->target_kb ? d->target_kb : d->mem_kb));
	PUTF("/memory/static-max", "%llu", (unsigned long long)d->mem_kb);
	PUTF("/console/ring-ref", "%llu", (unsigned long long)d->console_mfn);
	PUTF("/console/port", "%u", d->console_port);
	PUTF("/store/ring-ref", "%llu", (unsigned long long)d->store_mfn);
	PUTF("/store/port", "%u", d->store_port);
	for (unsigned int i = 0; ok && i < d->nr_vcpus; i++) {
		snprintf(path, sizeof(path), "%s/cpu/%u/availability", base, i);
		ok = dom0_xs_put(x, path, "online", d->domid, RO);
	}
#undef PUTF
	ok = ok && dom0_xs_put(x, vm, NULL, d->domid, RO);
	snprintf(path, sizeof(path), "%s/name", vm);
	ok = ok && dom0_xs_put(x, path, d->name, d->domid, RO);
	snprintf(path, sizeof(path), "%s/uuid", vm);
	ok = ok && dom0_xs_put(x, path, uuid, d->domid, RO);
	/* libxl's "seconds.centiseconds" since 1970: what xl list -l and xl uptime read back for a domain's age. */
	if (d->start_time_ns) {
		snprintf(path, sizeof(path), "%s/start_time", vm);
		snprintf(val, sizeof(val), "%llu.%02llu", (unsigned long long)(d->start_time_ns / 1000000000ULL),
			 (unsigned long long)(d->start_time_ns % 1000000000ULL / 10000000ULL));
		ok = ok && dom0_xs_put(x, path, val, d->domid, RO);
	}
	if (!ok)
		return xs_error(x->h) ? xs_error(x->h) : EIO;
	n = (unsigned int)snprintf(msg, sizeof(msg), "%u%c%llu%c%u", d->domid, 0,
				   (unsigned long long)d->store_mfn, 0, d->store_port);
	char *r = xs_request(x->h, XS_INTRODUCE, XBT_NULL, msg, n + 1, NULL);

	if (!r)
		return xs_error(x->h) ? xs_error(x->h) : EIO;
	xs_free(x->h, r);
	return 0;
}

/* The device kinds whose backends dom0 serves (blk.c, net.c). */
static const char *const dom0_xs_backend_kinds[] = { "vbd", "vif" };

int dom0_xs_release(struct dom0_xs *x, uint32_t domid, const uint8_t uuid[16])
{
	char msg[16], vm[48], u[37], home[40];
	char *r;

	snprintf(msg, sizeof(msg), "%u", domid);
	r = xs_request(x->h, XS_RELEASE, XBT_NULL, msg, (unsigned int)strlen(msg) + 1, NULL);
	if (!r)
		return xs_error(x->h) ? xs_error(x->h) : EIO;
	xs_free(x->h, r);
	dom0_xs_uuid_str(uuid, u);
	snprintf(vm, sizeof(vm), "/vm/%s", u);
	xs_rm(x->h, XBT_NULL, vm);
	/* The core forgets the domain's rights; its home goes as libxl removes it. */
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	xs_rm(x->h, XBT_NULL, home);
	/*
	 * So do the backend directories dom0 kept for it: the core has just
	 * stripped the released domid from their permissions, so a later
	 * domain given the same id could not read them, and one offered a
	 * device there must find a clean directory, not this one.
	 */
	for (unsigned int i = 0; i < sizeof(dom0_xs_backend_kinds) / sizeof(dom0_xs_backend_kinds[0]); i++) {
		snprintf(home, sizeof(home), "/local/domain/0/backend/%s/%u", dom0_xs_backend_kinds[i], domid);
		xs_rm(x->h, XBT_NULL, home);
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* xenstore store: the committed tree's lifetime, domains, privilege and a consistency check. */
#include "xsd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const xsd_specials[] = { "@introduceDomain", "@releaseDomain" };
static const char *const xsd_initial[] = { "/", "/local", "/local/domain", "/tool" };

static int xsd_store_seed(struct xsd_store *s)
{
	for (size_t i = 0; i < sizeof(xsd_initial) / sizeof(xsd_initial[0]); i++) {
		struct xsd_node *n = xsd_node_new(xsd_initial[i]);

		if (!n)
			return -1;
		n->gen = ++s->gen;
		if (i > 0 && xsd_node_add_child(xsd_map_get(&s->nodes, i == 2 ? "/local" : "/"),
						xsd_path_base(xsd_initial[i])) < 0) {
			xsd_node_free(n);
			return -1;
		}
		if (xsd_map_put(&s->nodes, n->path, n) < 0) {
			xsd_node_free(n);
			return -1;
		}
	}
	xsd_domain_get(s, 0, true)->nodes = 4;
	for (size_t i = 0; i < 2; i++) {
		struct xsd_node *n = xsd_node_new(xsd_specials[i]);

		if (!n || xsd_map_put(&s->specials, n->path, n) < 0) {
			xsd_node_free(n);
			return -1;
		}
	}
	return 0;
}

int xsd_store_init(struct xsd_store *s, const struct xsd_platform *plat)
{
	memset(s, 0, sizeof(*s));
	if (plat)
		s->plat = *plat;
	xsd_list_init(&s->conns);
	s->next_txid = 1;
	s->quota = (struct xsd_quota){ .nodes = 1000, .node_size = 2048, .watches = 128,
				       .txns = 10, .outstanding = 20, .events = 1000,
				       .txn_nodes = 1024 };
	if (xsd_map_init(&s->nodes) || xsd_map_init(&s->specials) ||
	    xsd_map_init(&s->domains) || xsd_map_init(&s->watches) ||
	    !xsd_domain_get(s, 0, true) || xsd_store_seed(s) < 0) {
		xsd_store_destroy(s);
		return -1;
	}
	xsd_domain_get(s, 0, false)->introduced = true;
	return 0;
}

static void xsd_free_node_map(struct xsd_map *m)
{
	if (!m->buckets)
		return;
	xsd_map_for_each(m, e)
		xsd_node_free(e->val);
	xsd_map_destroy(m);
}

void xsd_store_destroy(struct xsd_store *s)
{
	while (!xsd_list_empty(&s->conns))
		xsd_conn_free(xsd_container_of(s->conns.next, struct xsd_conn, link));
	xsd_free_node_map(&s->nodes);
	xsd_free_node_map(&s->specials);
	if (s->domains.buckets) {
		xsd_map_for_each(&s->domains, e)
			free(e->val);
		xsd_map_destroy(&s->domains);
	}
	if (s->watches.buckets) {
		xsd_map_for_each(&s->watches, e)
			free(e->val);
		xsd_map_destroy(&s->watches);
	}
}

struct xsd_domain *xsd_domain_get(struct xsd_store *s, uint32_t domid, bool create)
{
	char key[16];
	struct xsd_domain *d;

	snprintf(key, sizeof(key), "%u", domid);
	d = xsd_map_get(&s->domains, key);
	if (d || !create)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = XSD_DOMID_INVALID;
	if (xsd_map_put(&s->domains, key, d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* Only dom0 is privileged; SET_TARGET grants per-node rights, not privilege. */
bool xsd_is_privileged(struct xsd_store *s, uint32_t domid)
{
	(void)s;
	return domid == 0;
}

void xsd_log(struct xsd_store *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->plat.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->plat.log(s->plat.ctx, msg);
}

/* Every node's parent exists and lists it; every listed child exists; counts agree. */
static int xsd_check_node(struct xsd_store *s, const struct xsd_node *n, char *why, size_t wl)
{
	uint32_t off = 0;

	if (strcmp(n->path, "/") != 0) {
		char *pp = xsd_path_parent(n->path);
		const struct xsd_node *p = pp ? xsd_map_get(&s->nodes, pp) : NULL;
		bool listed = false;

		free(pp);
		for (uint32_t o = 0; p && o < p->childlen; o += strlen(p->children + o) + 1)
			listed |= strcmp(p->children + o, xsd_path_base(n->path)) == 0;
		if (!listed) {
			snprintf(why, wl, "%s: parent missing or does not list it", n->path);
			return -1;
		}
	}
	while (off < n->childlen) {
		char path[XENSTORE_ABS_PATH_MAX + 2];
		const char *c = n->children + off;

		snprintf(path, sizeof(path), "%s/%s", strcmp(n->path, "/") ? n->path : "", c);
		if (!xsd_map_get(&s->nodes, path)) {
			snprintf(why, wl, "%s: child %s missing", n->path, c);
			return -1;
		}
		off += strlen(c) + 1;
	}
	return 0;
}

int xsd_store_check(struct xsd_store *s, char *why, size_t wl)
{
	xsd_map_for_each(&s->nodes, e) {
		if (!e->val) {
			snprintf(why, wl, "%s: placeholder left in tree", e->key);
			return -1;
		}
		if (xsd_check_node(s, e->val, why, wl) < 0)
			return -1;
	}
	xsd_map_for_each(&s->domains, e) {
		struct xsd_domain *d = e->val;
		uint32_t owned = 0;

		xsd_map_for_each(&s->nodes, ne)
			owned += ((struct xsd_node *)ne->val)->perms[0].domid == d->domid;
		if (owned != d->nodes) {
			snprintf(why, wl, "domain %u owns %u nodes, counted %u", d->domid, owned,
				 d->nodes);
			return -1;
		}
	}
	return 0;
}

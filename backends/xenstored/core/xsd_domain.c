/* SPDX-License-Identifier: MIT */
/* xenstore domain teardown: a released domain's nodes and ACL entries go, so a reused domid inherits nothing. */
#include "xsd_req.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct xsd_pathlist {
	char **v;
	size_t n, cap;
};

static int xsd_pathlist_add(struct xsd_pathlist *l, const char *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = xsd_strdup(p);
	return l->v[l->n++] ? 0 : ENOMEM;
}

static void xsd_pathlist_free(struct xsd_pathlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Shortest first, so a removed ancestor takes its owned descendants with it. */
static int xsd_cmp_len(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? -1 : la > lb;
}

static bool xsd_listed(const struct xsd_node *n, uint32_t domid)
{
	for (uint32_t i = 1; i < n->nperms; i++)
		if (n->perms[i].domid == domid)
			return true;
	return false;
}

static void xsd_strip_acl(struct xsd_node *n, uint32_t domid)
{
	uint32_t out = 1;

	for (uint32_t i = 1; i < n->nperms; i++)
		if (n->perms[i].domid != domid)
			n->perms[out++] = n->perms[i];
	n->nperms = out;
}

static int xsd_forget_acl(struct xsd_req *r, const char *path, uint32_t domid)
{
	int err = 0;
	struct xsd_node *n = xsd_txn_get_mut(r->t, path, &err);

	if (!n)
		return err;  /* removed as part of an owned subtree */
	if (strcmp(path, "/") == 0 && n->perms[0].domid == domid)
		n->perms[0].domid = 0;  /* the root cannot go; dom0 takes it back */
	xsd_strip_acl(n, domid);
	return xsd_txn_add_event(r->t, path, false, n);
}

int xsd_domain_forget(struct xsd_req *r, uint32_t domid)
{
	struct xsd_store *s = r->c->store;
	struct xsd_pathlist owned = { 0 }, acl = { 0 };
	int err = 0;

	xsd_map_for_each(&s->nodes, e) {
		const struct xsd_node *n = e->val;

		if (n->perms[0].domid == domid && strcmp(n->path, "/") != 0)
			err = err ? err : xsd_pathlist_add(&owned, n->path);
		else if (xsd_listed(n, domid) || n->perms[0].domid == domid)
			err = err ? err : xsd_pathlist_add(&acl, n->path);
	}
	if (owned.n)
		qsort(owned.v, owned.n, sizeof(owned.v[0]), xsd_cmp_len);
	for (size_t i = 0; !err && i < owned.n; i++)
		err = xsd_remove_path(r, owned.v[i]);
	for (size_t i = 0; !err && i < acl.n; i++)
		err = xsd_forget_acl(r, acl.v[i], domid);
	xsd_map_for_each(&s->specials, e)
		xsd_strip_acl(e->val, domid);
	xsd_map_for_each(&s->domains, e) {
		struct xsd_domain *d = e->val;

		if (d->target == domid)
			d->target = XSD_DOMID_INVALID;
	}
	xsd_pathlist_free(&owned);
	xsd_pathlist_free(&acl);
	return err;
}

/* SPDX-License-Identifier: MIT */
/* xenstore tree operations: READ, DIRECTORY(_PART), GET/SET_PERMS, WRITE, MKDIR, RM. */
#include "xsd_req.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool xsd_unpriv(const struct xsd_req *r)
{
	return !xsd_is_privileged(r->c->store, r->c->domid);
}

static bool xsd_may(const struct xsd_req *r, const struct xsd_node *n, unsigned want)
{
	return (xsd_perms_for(r->c->store, r->c->domid, n->perms, n->nperms) & want) == want;
}

/* Looks a path up and checks access; returns the node or NULL with *err set. */
static const struct xsd_node *xsd_lookup(struct xsd_req *r, const char *path, unsigned want,
					 int *err)
{
	const struct xsd_node *n = xsd_txn_get(r->t, path, err);

	if (!n) {
		if (!*err)
			*err = ENOENT;
		return NULL;
	}
	if (!xsd_may(r, n, want)) {
		*err = EACCES;
		return NULL;
	}
	return n;
}

static char *xsd_req_path(struct xsd_req *r, const char *arg, bool special)
{
	return arg ? xsd_path_canon(r->c->domid, arg, special) : NULL;
}

int xsd_op_read(struct xsd_req *r)
{
	char *path = xsd_req_path(r, xsd_req_onearg(r), false);
	const struct xsd_node *n;
	int err = 0;

	if (!path)
		return EINVAL;
	n = xsd_lookup(r, path, XSD_PERM_READ, &err);
	if (n)
		xsd_buf_add(&r->reply, n->value, n->vlen);
	free(path);
	return err;
}

int xsd_op_directory(struct xsd_req *r)
{
	char *path = xsd_req_path(r, xsd_req_onearg(r), false);
	const struct xsd_node *n;
	int err = 0;

	if (!path)
		return EINVAL;
	n = xsd_lookup(r, path, XSD_PERM_READ, &err);
	if (n && n->childlen > XENSTORE_PAYLOAD_MAX)
		err = E2BIG;
	else if (n)
		xsd_buf_add(&r->reply, n->children, n->childlen);
	free(path);
	return err;
}

/* Reply: generation, then whole child names from the byte offset; an empty name ends the list. */
int xsd_op_directory_part(struct xsd_req *r)
{
	const char *vec[2];
	const struct xsd_node *n;
	char *path, gen[24];
	uint64_t off;
	uint32_t len = 0;
	int err = 0;

	if (xsd_req_args(r, vec, 2) != 2 || !xsd_parse_uint(vec[1], UINT32_MAX, &off))
		return EINVAL;
	path = xsd_req_path(r, vec[0], false);
	if (!path)
		return EINVAL;
	n = xsd_lookup(r, path, XSD_PERM_READ, &err);
	free(path);
	if (!n)
		return err;
	/*
	 * An offset need not fall on a name: after the list changed, a client's
	 * old offset may land anywhere, and it is the new generation that tells
	 * it to start over (an error here would make libxenstore give up).
	 */
	if (off > n->childlen)
		off = n->childlen;
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)n->gen);
	xsd_buf_add_str0(&r->reply, gen);
	while (off + len < n->childlen) {
		uint32_t l = (uint32_t)strlen(n->children + off + len) + 1;

		if (r->reply.len + len + l + 1 > XENSTORE_PAYLOAD_MAX)
			break;
		len += l;
	}
	xsd_buf_add(&r->reply, n->children + off, len);
	if (off + len == n->childlen)
		xsd_buf_add(&r->reply, "", 1);
	return 0;
}

int xsd_op_get_perms(struct xsd_req *r)
{
	char *path = xsd_req_path(r, xsd_req_onearg(r), true);
	const struct xsd_node *n;
	int err = 0;

	if (!path)
		return EINVAL;
	if (path[0] == '@') {
		n = xsd_map_get(&r->c->store->specials, path);
		err = !n ? ENOENT : !xsd_may(r, n, XSD_PERM_READ) ? EACCES : 0;
	} else {
		n = xsd_lookup(r, path, XSD_PERM_READ, &err);
	}
	if (n && !err)
		xsd_perms_format(n->perms, n->nperms, &r->reply);
	free(path);
	return err;
}

/* Missing ancestors of path, deepest first; returns the count or -1 on allocation failure. */
static int xsd_missing(struct xsd_req *r, const char *path, char **miss, int max,
		       const struct xsd_node **anc, int *err)
{
	char *cur = xsd_strdup(path);
	int n = 0;

	while (cur) {
		*anc = xsd_txn_get(r->t, cur, err);
		if (*anc || *err || n == max)
			break;
		miss[n++] = cur;
		cur = xsd_path_parent(cur);
	}
	if (!cur && !*err)
		*err = ENOMEM;
	free(cur);
	return n;
}

static int xsd_create_one(struct xsd_req *r, const char *path)
{
	char *pp = xsd_path_parent(path);
	struct xsd_node *parent, *n;
	int err = ENOMEM;

	parent = pp ? xsd_txn_get_mut(r->t, pp, &err) : NULL;
	free(pp);
	if (!parent)
		return err ? err : ENOENT;
	n = xsd_node_new(path);
	if (!n || xsd_node_set_perms(n, parent->perms, parent->nperms) < 0 ||
	    xsd_node_add_child(parent, xsd_path_base(path)) < 0) {
		xsd_node_free(n);
		return ENOMEM;
	}
	if (xsd_unpriv(r))
		n->perms[0].domid = r->c->domid;
	return xsd_txn_put_new(r->t, n);
}

/* Creates path and any missing parents, all inheriting the nearest ancestor's perms. */
static int xsd_create(struct xsd_req *r, const char *path, uint32_t vlen)
{
	/* Heap, not stack: a path can have ~1500 components and dom0 stacks are small. */
	const int max = XENSTORE_ABS_PATH_MAX / 2 + 1;
	char **miss = malloc((size_t)max * sizeof(*miss));
	const struct xsd_node *anc = NULL;
	struct xsd_domain *d = xsd_domain_get(r->c->store, r->c->domid, true);
	int err = 0, n;

	if (!miss)
		return ENOMEM;
	n = xsd_missing(r, path, miss, max, &anc, &err);
	if (!err && !anc)
		err = ENOENT;
	else if (!err && !xsd_may(r, anc, XSD_PERM_WRITE))
		err = EACCES;
	else if (!err && !d)
		err = ENOMEM;
	else if (!err && xsd_unpriv(r) &&
		 ((int64_t)d->nodes + r->t->node_delta + n > r->c->store->quota.nodes ||
		  vlen > r->c->store->quota.node_size))
		err = ENOSPC;
	for (int i = n - 1; i >= 0; i--) {
		if (!err)
			err = xsd_create_one(r, miss[i]);
		free(miss[i]);
	}
	free(miss);
	if (!err && xsd_unpriv(r))
		r->t->node_delta += n;
	return err;
}

static int xsd_write_node(struct xsd_req *r, const char *path, const void *v, uint32_t vlen,
			  bool only_create)
{
	const struct xsd_node *cur;
	struct xsd_node *n;
	int err = 0;

	cur = xsd_txn_get(r->t, path, &err);
	if (err)
		return err;
	if (cur && only_create)
		return xsd_may(r, cur, XSD_PERM_WRITE) ? 0 : EACCES;
	if (cur && !xsd_may(r, cur, XSD_PERM_WRITE))
		return EACCES;
	if (cur && xsd_unpriv(r) && vlen > r->c->store->quota.node_size)
		return ENOSPC;
	if (!cur && (err = xsd_create(r, path, vlen)) != 0)
		return err;
	n = xsd_txn_get_mut(r->t, path, &err);
	if (!n)
		return err ? err : ENOENT;
	if (xsd_node_set_value(n, v, vlen) < 0)
		return ENOMEM;
	return xsd_txn_add_event(r->t, path, false, n);
}

int xsd_op_write(struct xsd_req *r)
{
	const char *nul = memchr(r->pl, '\0', r->len);
	char *path;
	int err;

	if (!nul)
		return EINVAL;
	path = xsd_req_path(r, r->pl, false);
	if (!path)
		return EINVAL;
	err = xsd_write_node(r, path, nul + 1, (uint32_t)(r->len - (uint32_t)(nul + 1 - r->pl)),
			     false);
	free(path);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

int xsd_op_mkdir(struct xsd_req *r)
{
	char *path = xsd_req_path(r, xsd_req_onearg(r), false);
	int err;

	if (!path)
		return EINVAL;
	err = xsd_write_node(r, path, NULL, 0, true);
	free(path);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

struct xsd_pathstack {
	char **v;
	size_t n, cap;
};

static int xsd_push(struct xsd_pathstack *st, const char *dir, const char *name)
{
	char *p;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		char **nv = realloc(st->v, cap * sizeof(*nv));

		if (!nv)
			return ENOMEM;
		st->v = nv;
		st->cap = cap;
	}
	p = malloc(strlen(dir) + (name ? strlen(name) + 2 : 1));
	if (!p)
		return ENOMEM;
	if (name)
		sprintf(p, "%s/%s", dir, name);
	else
		strcpy(p, dir);
	st->v[st->n++] = p;
	return 0;
}

/* Deletes path and everything below it; iterative so deep trees cannot exhaust the stack. */
static int xsd_delete_tree(struct xsd_req *r, const char *path, int64_t *owned)
{
	struct xsd_pathstack st = { 0 };
	int err = xsd_push(&st, path, NULL);

	while (!err && st.n) {
		char *p = st.v[--st.n];
		const struct xsd_node *n = xsd_txn_get(r->t, p, &err);

		for (uint32_t off = 0; n && !err && off < n->childlen;
		     off += (uint32_t)strlen(n->children + off) + 1)
			err = xsd_push(&st, p, n->children + off);
		if (n && !err) {
			*owned += n->perms[0].domid == r->c->domid;
			err = xsd_txn_delete(r->t, p);
		}
		free(p);
	}
	while (st.n)
		free(st.v[--st.n]);
	free(st.v);
	return err;
}

static int xsd_remove(struct xsd_req *r, const char *path, const struct xsd_node *n)
{
	char *pp = xsd_path_parent(path);
	struct xsd_node *parent;
	int64_t owned = 0;
	int err = ENOMEM;

	if (!pp)
		return ENOMEM;
	err = xsd_txn_add_event(r->t, path, true, n);
	if (!err)
		err = xsd_delete_tree(r, path, &owned);
	parent = err ? NULL : xsd_txn_get_mut(r->t, pp, &err);
	if (parent)
		xsd_node_del_child(parent, xsd_path_base(path));
	else if (!err)
		err = ENOENT;
	free(pp);
	if (!err && xsd_unpriv(r))
		r->t->node_delta -= owned;
	return err;
}

int xsd_remove_path(struct xsd_req *r, const char *path)
{
	int err = 0;
	const struct xsd_node *n = xsd_txn_get(r->t, path, &err);

	if (!n)
		return err;  /* already gone with an ancestor */
	return xsd_remove(r, path, n);
}

/* Removing what is already gone succeeds if its parent is there. */
static int xsd_rm_absent(struct xsd_req *r, const char *path)
{
	char *pp = xsd_path_parent(path);
	int err = 0;

	if (!pp)
		return ENOMEM;
	if (!xsd_txn_get(r->t, pp, &err) && !err)
		err = ENOENT;
	free(pp);
	return err;
}

int xsd_op_rm(struct xsd_req *r)
{
	char *path = xsd_req_path(r, xsd_req_onearg(r), false);
	const struct xsd_node *n;
	int err = 0;

	if (!path || strcmp(path, "/") == 0) {
		free(path);
		return EINVAL;
	}
	n = xsd_lookup(r, path, XSD_PERM_WRITE, &err);
	if (n)
		err = xsd_remove(r, path, n);
	else if (err == ENOENT)
		err = xsd_rm_absent(r, path);
	free(path);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

static int xsd_set_special_perms(struct xsd_req *r, const char *path, struct xsd_perm *p,
				 int np)
{
	struct xsd_node *n = xsd_map_get(&r->c->store->specials, path);

	if (!n)
		return ENOENT;
	if (xsd_unpriv(r))
		return EACCES;
	return xsd_node_set_perms(n, p, (uint32_t)np) < 0 ? ENOMEM : 0;
}

static int xsd_set_node_perms(struct xsd_req *r, const char *path, struct xsd_perm *p,
			      int np)
{
	const struct xsd_node *cur;
	struct xsd_node *n;
	int err = 0;

	cur = xsd_lookup(r, path, XSD_PERM_WRITE | XSD_PERM_OWNER, &err);
	if (!cur)
		return err;
	if (xsd_unpriv(r) && p[0].domid != cur->perms[0].domid)
		return EPERM;  /* only dom0 may give a node away */
	n = xsd_txn_get_mut(r->t, path, &err);
	if (!n)
		return err ? err : ENOENT;
	if (xsd_node_set_perms(n, p, (uint32_t)np) < 0)
		return ENOMEM;
	return xsd_txn_add_event(r->t, path, false, n);
}

int xsd_op_set_perms(struct xsd_req *r)
{
	const char *vec[XSD_MAX_ARGS];
	struct xsd_perm *p = NULL;
	char *path;
	int nargs = xsd_req_args(r, vec, XSD_MAX_ARGS), np, err;

	if (nargs < 2 || (np = xsd_perms_parse(vec + 1, (uint32_t)nargs - 1, &p)) < 0)
		return EINVAL;
	path = xsd_req_path(r, vec[0], true);
	if (!path)
		err = EINVAL;
	else if (path[0] == '@')
		err = xsd_set_special_perms(r, path, p, np);
	else
		err = xsd_set_node_perms(r, path, p, np);
	free(p);
	free(path);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

/* SPDX-License-Identifier: MIT */
/* xenstore transactions: a private overlay over the committed tree, validated and applied at commit. */
#include "xsd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Optimistic concurrency: each node a transaction touches is copied once
 * and the committed generation at that moment is remembered.  Commit
 * succeeds only if none of those generations moved, so everything the
 * transaction read is still true when its writes land.  The implicit
 * transaction of a plain request (id 0) cannot conflict because the core
 * is single-threaded, so it skips copying on read.
 */

static void xsd_event_free(struct xsd_event *ev);

struct xsd_txn *xsd_txn_new(struct xsd_conn *c, uint32_t id)
{
	struct xsd_txn *t = calloc(1, sizeof(*t));

	/* Most requests touch one to three nodes; the map grows for big transactions. */
	if (!t || xsd_map_init_sized(&t->ents, 8) < 0) {
		free(t);
		return NULL;
	}
	t->id = id;
	t->conn = c;
	xsd_list_init(&t->link);
	xsd_list_init(&t->events);
	return t;
}

static void xsd_event_free(struct xsd_event *ev)
{
	free(ev->path);
	free(ev->perms);
	free(ev);
}

void xsd_txn_free(struct xsd_txn *t)
{
	xsd_map_for_each(&t->ents, e) {
		struct xsd_txn_ent *te = e->val;

		xsd_node_free(te->node);
		free(te);
	}
	xsd_map_destroy(&t->ents);
	xsd_events_drop(&t->events);
	xsd_list_del(&t->link);
	free(t);
}

static struct xsd_txn_ent *xsd_txn_track(struct xsd_txn *t, const char *path, int *err)
{
	struct xsd_txn_ent *te = xsd_map_get(&t->ents, path);
	const struct xsd_node *main;

	if (te)
		return te;
	/* Each touched node is copied: bound what a guest's transaction may pin. */
	if (t->id != 0 && t->ents.count >= t->conn->store->quota.txn_nodes &&
	    !xsd_is_privileged(t->conn->store, t->conn->domid)) {
		*err = ENOSPC;
		return NULL;
	}
	te = calloc(1, sizeof(*te));
	if (!te)
		goto nomem;
	main = xsd_map_get(&t->conn->store->nodes, path);
	if (main) {
		te->node = xsd_node_dup(main);
		if (!te->node)
			goto nomem;
		te->base_gen = main->gen;
	}
	if (xsd_map_put(&t->ents, path, te) < 0)
		goto nomem;
	return te;
nomem:
	if (te)
		xsd_node_free(te->node);
	free(te);
	*err = ENOMEM;
	return NULL;
}

const struct xsd_node *xsd_txn_get(struct xsd_txn *t, const char *path, int *err)
{
	struct xsd_txn_ent *te;

	*err = 0;
	if (t->id == 0) {
		te = xsd_map_get(&t->ents, path);
		if (te)
			return te->node;
		return xsd_map_get(&t->conn->store->nodes, path);
	}
	te = xsd_txn_track(t, path, err);
	return te ? te->node : NULL;
}

struct xsd_node *xsd_txn_get_mut(struct xsd_txn *t, const char *path, int *err)
{
	struct xsd_txn_ent *te;

	*err = 0;
	te = xsd_txn_track(t, path, err);
	if (!te)
		return NULL;
	if (te->node)
		te->dirty = true;
	return te->node;
}

int xsd_txn_put_new(struct xsd_txn *t, struct xsd_node *n)
{
	int err = 0;
	struct xsd_txn_ent *te = xsd_txn_track(t, n->path, &err);

	if (!te)
		return err;
	xsd_node_free(te->node);
	te->node = n;
	te->dirty = true;
	return 0;
}

int xsd_txn_delete(struct xsd_txn *t, const char *path)
{
	int err = 0;
	struct xsd_txn_ent *te = xsd_txn_track(t, path, &err);

	if (!te)
		return err;
	xsd_node_free(te->node);
	te->node = NULL;
	te->dirty = true;
	return 0;
}

int xsd_txn_add_event(struct xsd_txn *t, const char *path, bool recurse,
		      const struct xsd_node *n)
{
	struct xsd_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return ENOMEM;
	ev->path = xsd_strdup(path);
	ev->recurse = recurse;
	ev->nperms = n->nperms;
	ev->perms = xsd_memdup(n->perms, n->nperms * sizeof(*n->perms));
	if (!ev->path || !ev->perms) {
		xsd_event_free(ev);
		return ENOMEM;
	}
	xsd_list_add_tail(&t->events, &ev->link);
	return 0;
}

static bool xsd_txn_valid(struct xsd_txn *t)
{
	xsd_map_for_each(&t->ents, e) {
		struct xsd_txn_ent *te = e->val;
		const struct xsd_node *main = xsd_map_get(&t->conn->store->nodes, e->key);

		if ((main ? main->gen : 0) != te->base_gen)
			return false;
	}
	return true;
}

/* New keys get NULL placeholders first so the apply phase itself cannot fail. */
static int xsd_txn_reserve(struct xsd_txn *t)
{
	struct xsd_map *nodes = &t->conn->store->nodes;

	xsd_map_for_each(&t->ents, e) {
		struct xsd_txn_ent *te = e->val;

		if (!te->dirty || !te->node || xsd_map_find(nodes, e->key))
			continue;
		if (xsd_map_put(nodes, e->key, NULL) < 0) {
			xsd_map_for_each(&t->ents, u)
				if (xsd_map_find(nodes, u->key) && !xsd_map_get(nodes, u->key))
					xsd_map_del(nodes, u->key);
			return ENOMEM;
		}
	}
	return 0;
}

static void xsd_txn_count(struct xsd_store *s, const struct xsd_node *n, int delta)
{
	struct xsd_domain *d;

	if (!n)
		return;
	d = xsd_domain_get(s, n->perms[0].domid, true);
	if (d)
		d->nodes += (uint32_t)delta;
}

static void xsd_txn_apply(struct xsd_txn *t)
{
	struct xsd_store *s = t->conn->store;

	xsd_map_for_each(&t->ents, e) {
		struct xsd_txn_ent *te = e->val;
		struct xsd_map_ent *me;
		struct xsd_node *old;

		if (!te->dirty)
			continue;
		me = xsd_map_find(&s->nodes, e->key);
		old = me ? me->val : NULL;
		xsd_txn_count(s, old, -1);
		xsd_txn_count(s, te->node, +1);
		if (te->node) {
			te->node->gen = ++s->gen;
			me->val = te->node;
			te->node = NULL;
		} else if (me) {
			xsd_map_del(&s->nodes, e->key);
		}
		xsd_node_free(old);
	}
}

void xsd_events_fire(struct xsd_store *s, struct xsd_list *events)
{
	while (!xsd_list_empty(events)) {
		struct xsd_event *ev = xsd_container_of(events->next, struct xsd_event, link);

		xsd_watch_fire(s, ev);
		xsd_list_del(&ev->link);
		xsd_event_free(ev);
	}
}

void xsd_events_drop(struct xsd_list *events)
{
	while (!xsd_list_empty(events)) {
		struct xsd_event *ev = xsd_container_of(events->next, struct xsd_event, link);

		xsd_list_del(&ev->link);
		xsd_event_free(ev);
	}
}

int xsd_txn_commit(struct xsd_txn *t, struct xsd_list *fired)
{
	struct xsd_store *s = t->conn->store;
	int err;

	if (t->id != 0 && !xsd_txn_valid(t)) {
		s->stats.conflicts++;
		xsd_txn_free(t);
		return EAGAIN;
	}
	err = xsd_txn_reserve(t);
	if (err) {
		xsd_txn_free(t);
		return err;
	}
	xsd_txn_apply(t);
	s->stats.commits++;
	/* The caller fires these once its reply is queued, so the reply goes first. */
	while (!xsd_list_empty(&t->events)) {
		struct xsd_list *l = t->events.next;

		xsd_list_del(l);
		xsd_list_add_tail(fired, l);
	}
	xsd_txn_free(t);
	return 0;
}

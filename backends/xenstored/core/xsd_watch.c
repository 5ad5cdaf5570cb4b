/* SPDX-License-Identifier: MIT */
/* xenstore watches: registration per connection, lookup by path, and event delivery. */
#include "xsd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Watches are indexed by path so a change costs one lookup per ancestor, not a scan. */

static void xsd_watch_free(struct xsd_store *s, struct xsd_watch *w)
{
	struct xsd_watch_list *wl = xsd_map_get(&s->watches, w->path);
	struct xsd_domain *d = xsd_domain_get(s, w->conn->domid, false);

	xsd_list_del(&w->path_link);
	xsd_list_del(&w->conn_link);
	if (wl && xsd_list_empty(&wl->head)) {
		xsd_map_del(&s->watches, w->path);
		free(wl);
	}
	if (d && d->watches)
		d->watches--;
	free(w->path);
	free(w->token);
	free(w);
}

static struct xsd_watch *xsd_watch_find(struct xsd_conn *c, const char *path, const char *token)
{
	struct xsd_list *l;

	for (l = c->watches.next; l != &c->watches; l = l->next) {
		struct xsd_watch *w = xsd_container_of(l, struct xsd_watch, conn_link);

		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
			return w;
	}
	return NULL;
}

static int xsd_watch_link(struct xsd_store *s, struct xsd_watch *w)
{
	struct xsd_watch_list *wl = xsd_map_get(&s->watches, w->path);

	if (!wl) {
		wl = malloc(sizeof(*wl));
		if (!wl)
			return ENOMEM;
		xsd_list_init(&wl->head);
		if (xsd_map_put(&s->watches, w->path, wl) < 0) {
			free(wl);
			return ENOMEM;
		}
	}
	xsd_list_add_tail(&wl->head, &w->path_link);
	return 0;
}

int xsd_watch_add(struct xsd_conn *c, const char *given, const char *token)
{
	struct xsd_store *s = c->store;
	struct xsd_domain *d = xsd_domain_get(s, c->domid, true);
	char *path = xsd_path_canon(c->domid, given, true);
	struct xsd_watch *w;
	int err = ENOMEM;

	if (!path)
		return EINVAL;
	if (xsd_watch_find(c, path, token)) {
		free(path);
		return EEXIST;
	}
	if (!d || (!xsd_is_privileged(s, c->domid) && d->watches >= s->quota.watches)) {
		free(path);
		return d ? E2BIG : ENOMEM;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto fail;
	w->conn = c;
	w->path = path;
	w->token = xsd_strdup(token);
	w->relative = given[0] != '/' && given[0] != '@';
	w->strip = w->relative ? (uint32_t)(strlen(path) - strlen(given)) : 0;
	xsd_list_init(&w->conn_link);
	xsd_list_init(&w->path_link);
	if (!w->token || (err = xsd_watch_link(s, w)) != 0)
		goto fail;
	xsd_list_add_tail(&c->watches, &w->conn_link);
	d->watches++;
	return 0;
fail:
	if (w)
		free(w->token);
	free(w);
	free(path);
	return err;
}

int xsd_watch_remove(struct xsd_conn *c, const char *given, const char *token)
{
	char *path = xsd_path_canon(c->domid, given, true);
	struct xsd_watch *w;

	if (!path)
		return EINVAL;
	w = xsd_watch_find(c, path, token);
	free(path);
	if (!w)
		return ENOENT;
	xsd_watch_free(c->store, w);
	return 0;
}

void xsd_watch_remove_all(struct xsd_conn *c)
{
	while (!xsd_list_empty(&c->watches))
		xsd_watch_free(c->store, xsd_container_of(c->watches.next, struct xsd_watch,
							  conn_link));
}

static void xsd_watch_deliver(struct xsd_store *s, struct xsd_watch *w, const char *path,
			      const struct xsd_perm *perms, uint32_t nperms)
{
	struct xsd_conn *c = w->conn;
	uint32_t cap = s->quota.events;
	struct xsd_buf b;

	if (!(xsd_perms_for(s, c->domid, perms, nperms) & XSD_PERM_READ))
		return;
	if (xsd_is_privileged(s, c->domid))
		cap = cap * 64;  /* tools read promptly; bound memory anyway */
	if (c->out_events >= cap) {
		s->stats.events_dropped++;
		xsd_log(s, "dom%u: watch event queue full, dropped event for %s", c->domid, path);
		return;
	}
	if (w->relative && strlen(path) > w->strip)
		path += w->strip;
	xsd_buf_init(&b);
	xsd_buf_add_str0(&b, path);
	xsd_buf_add_str0(&b, w->token);
	if (!b.failed && xsd_conn_queue(c, XS_WATCH_EVENT, 0, 0, b.data, (uint32_t)b.len,
					true) == 0)
		s->stats.events_sent++;
	else
		s->stats.events_dropped++;
	xsd_buf_free(&b);
}

static void xsd_watch_fire_list(struct xsd_store *s, const char *key, const char *path,
				const struct xsd_event *ev)
{
	struct xsd_watch_list *wl = xsd_map_get(&s->watches, key);
	struct xsd_list *l;

	if (!wl)
		return;
	for (l = wl->head.next; l != &wl->head; l = l->next) {
		struct xsd_watch *w = xsd_container_of(l, struct xsd_watch, path_link);

		xsd_watch_deliver(s, w, path ? path : w->path, ev->perms, ev->nperms);
	}
}

/* Watches on the path or any ancestor fire with the changed path; after a removal,
 * watches below it fire with their own path. */
void xsd_watch_fire(struct xsd_store *s, const struct xsd_event *ev)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	size_t len = strlen(ev->path);

	if (len > XENSTORE_ABS_PATH_MAX)
		return;
	memcpy(buf, ev->path, len + 1);
	for (;;) {
		xsd_watch_fire_list(s, buf, ev->path, ev);
		if (len <= 1)
			break;
		while (len > 1 && buf[len - 1] != '/')
			len--;
		len = len > 1 ? len - 1 : 1;
		buf[len] = '\0';
	}
	if (!ev->recurse)
		return;
	xsd_map_for_each(&s->watches, e)
		if (strcmp(e->key, ev->path) != 0 && xsd_path_is_under(e->key, ev->path))
			xsd_watch_fire_list(s, e->key, NULL, ev);
}

void xsd_watch_fire_special(struct xsd_store *s, const char *name)
{
	const struct xsd_node *n = xsd_map_get(&s->specials, name);
	struct xsd_event ev = { .path = (char *)name };

	if (!n)
		return;
	ev.perms = n->perms;
	ev.nperms = n->nperms;
	xsd_watch_fire_list(s, name, name, &ev);
}

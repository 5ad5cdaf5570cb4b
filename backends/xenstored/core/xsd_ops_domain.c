/* SPDX-License-Identifier: MIT */
/* xenstore non-tree operations: watches, transactions, domain management and CONTROL. */
#include "xsd_req.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Domain ids a toolstack may name; 0x7ff0 and up are reserved (DOMID_SELF etc). */
#define XSD_DOMID_FIRST_RESERVED 0x7ff0u

static bool xsd_priv(const struct xsd_req *r)
{
	return xsd_is_privileged(r->c->store, r->c->domid);
}

static bool xsd_parse_domid(const char *s, uint32_t *domid)
{
	uint64_t v;

	if (!s || !xsd_parse_uint(s, XSD_DOMID_FIRST_RESERVED - 1, &v))
		return false;
	*domid = (uint32_t)v;
	return true;
}

int xsd_op_watch(struct xsd_req *r)
{
	const char *vec[2];
	struct xsd_buf ev;
	int err;

	if (xsd_req_args(r, vec, 2) != 2)
		return EINVAL;
	err = xsd_watch_add(r->c, vec[0], vec[1]);
	if (err)
		return err;
	/* The reply first, then the event every new watch fires once. */
	xsd_conn_queue(r->c, XS_WATCH, r->hdr->req_id, r->hdr->tx_id, "OK", 3, false);
	xsd_buf_init(&ev);
	xsd_buf_add_str0(&ev, vec[0]);
	xsd_buf_add_str0(&ev, vec[1]);
	if (!ev.failed && ev.len <= XENSTORE_PAYLOAD_MAX)
		xsd_conn_queue(r->c, XS_WATCH_EVENT, 0, 0, ev.data, (uint32_t)ev.len, true);
	xsd_buf_free(&ev);
	return XSD_REPLIED;
}

int xsd_op_unwatch(struct xsd_req *r)
{
	const char *vec[2];
	int err;

	if (xsd_req_args(r, vec, 2) != 2)
		return EINVAL;
	err = xsd_watch_remove(r->c, vec[0], vec[1]);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

static uint32_t xsd_new_txid(struct xsd_store *s, struct xsd_conn *c)
{
	uint32_t id;

	do {
		id = s->next_txid++;
	} while (id == 0 || xsd_conn_find_txn(c, id));
	return id;
}

int xsd_op_transaction_start(struct xsd_req *r)
{
	struct xsd_store *s = r->c->store;
	struct xsd_domain *d = xsd_domain_get(s, r->c->domid, true);
	struct xsd_txn *t;
	char id[16];

	if (r->hdr->tx_id)
		return EBUSY;
	if (r->len > 1 || (r->len == 1 && r->pl[0] != '\0'))
		return EINVAL;
	if (!d)
		return ENOMEM;
	if (!xsd_priv(r) && d->txns >= s->quota.txns)
		return ENOSPC;
	t = xsd_txn_new(r->c, xsd_new_txid(s, r->c));
	if (!t)
		return ENOMEM;
	xsd_list_add_tail(&r->c->txns, &t->link);
	d->txns++;
	snprintf(id, sizeof(id), "%u", t->id);
	xsd_buf_add_str0(&r->reply, id);
	return 0;
}

int xsd_op_transaction_end(struct xsd_req *r)
{
	const char *arg = xsd_req_onearg(r);
	struct xsd_txn *t = xsd_conn_find_txn(r->c, r->hdr->tx_id);
	struct xsd_domain *d = xsd_domain_get(r->c->store, r->c->domid, false);
	int err = 0;

	if (!t)
		return ENOENT;
	if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return EINVAL;
	xsd_list_del(&t->link);
	if (d && d->txns)
		d->txns--;
	if (arg[0] == 'T')
		err = xsd_txn_commit(t, r->fired);
	else
		xsd_txn_free(t);
	if (!err)
		xsd_reply_ok(r);
	return err;
}

int xsd_op_introduce(struct xsd_req *r)
{
	struct xsd_store *s = r->c->store;
	const char *vec[3];
	struct xsd_domain *d;
	uint32_t domid;
	uint64_t mfn, port;
	bool fresh;
	int err = 0;

	if (!xsd_priv(r))
		return EACCES;
	if (xsd_req_args(r, vec, 3) != 3 || !xsd_parse_domid(vec[0], &domid) || domid == 0 ||
	    !xsd_parse_uint(vec[1], UINT64_MAX, &mfn) || !xsd_parse_uint(vec[2], UINT32_MAX, &port))
		return EINVAL;
	d = xsd_domain_get(s, domid, true);
	if (!d)
		return ENOMEM;
	fresh = !d->introduced;
	if (s->plat.introduce)
		err = s->plat.introduce(s->plat.ctx, s, domid, mfn, (uint32_t)port);
	if (err)
		return err;
	d->introduced = true;
	d->shutdown = false;
	d->mfn = mfn;
	d->port = (uint32_t)port;
	xsd_reply_ok(r);
	if (fresh)
		xsd_watch_fire_special(s, "@introduceDomain");
	return 0;
}

/* The domain is gone: drop its connection, its nodes and its rights (XSA-322:
 * a later domain reusing the id must not inherit them). */
int xsd_op_release(struct xsd_req *r)
{
	struct xsd_store *s = r->c->store;
	struct xsd_domain *d;
	uint32_t domid;
	int err;

	if (!xsd_priv(r))
		return EACCES;
	if (!xsd_parse_domid(xsd_req_onearg(r), &domid) || domid == 0)
		return EINVAL;
	d = xsd_domain_get(s, domid, false);
	if (!d || !d->introduced)
		return ENOENT;
	r->t = xsd_txn_new(r->c, 0);
	if (!r->t)
		return ENOMEM;
	err = xsd_domain_forget(r, domid);
	if (err) {
		xsd_txn_free(r->t);
		return err;
	}
	err = xsd_txn_commit(r->t, r->fired);
	if (err)
		return err;
	if (s->plat.release)
		s->plat.release(s->plat.ctx, s, domid);
	if (d->conn)
		xsd_conn_free(d->conn);
	d->introduced = false;
	d->target = XSD_DOMID_INVALID;
	xsd_reply_ok(r);
	xsd_watch_fire_special(s, "@releaseDomain");
	return 0;
}

int xsd_op_get_domain_path(struct xsd_req *r)
{
	uint32_t domid;
	char path[40];

	if (!xsd_parse_domid(xsd_req_onearg(r), &domid))
		return EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xsd_buf_add_str0(&r->reply, path);
	return 0;
}

int xsd_op_is_domain_introduced(struct xsd_req *r)
{
	struct xsd_domain *d;
	uint32_t domid;

	if (!xsd_parse_domid(xsd_req_onearg(r), &domid))
		return EINVAL;
	d = xsd_domain_get(r->c->store, domid, false);
	xsd_buf_add_str0(&r->reply, d && d->introduced ? "T" : "F");
	return 0;
}

int xsd_op_resume(struct xsd_req *r)
{
	struct xsd_domain *d;
	uint32_t domid;

	if (!xsd_priv(r))
		return EACCES;
	if (!xsd_parse_domid(xsd_req_onearg(r), &domid))
		return EINVAL;
	d = xsd_domain_get(r->c->store, domid, false);
	if (!d || !d->introduced)
		return ENOENT;
	d->shutdown = false;
	xsd_reply_ok(r);
	return 0;
}

int xsd_op_set_target(struct xsd_req *r)
{
	const char *vec[2];
	struct xsd_domain *d, *t;
	uint32_t domid, target;

	if (!xsd_priv(r))
		return EACCES;
	if (xsd_req_args(r, vec, 2) != 2 || !xsd_parse_domid(vec[0], &domid) ||
	    !xsd_parse_domid(vec[1], &target) || domid == target)
		return EINVAL;
	d = xsd_domain_get(r->c->store, domid, false);
	t = xsd_domain_get(r->c->store, target, false);
	if (!d || !d->introduced || !t || !t->introduced)
		return ENOENT;
	d->target = target;
	xsd_reply_ok(r);
	return 0;
}

int xsd_op_reset_watches(struct xsd_req *r)
{
	struct xsd_domain *d = xsd_domain_get(r->c->store, r->c->domid, false);

	xsd_watch_remove_all(r->c);
	while (!xsd_list_empty(&r->c->txns)) {
		xsd_txn_free(xsd_container_of(r->c->txns.next, struct xsd_txn, link));
		if (d && d->txns)
			d->txns--;
	}
	xsd_reply_ok(r);
	return 0;
}

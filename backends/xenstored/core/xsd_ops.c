/* SPDX-License-Identifier: MIT */
/* xenstore request dispatch: argument splitting, transaction selection, replies and errors. */
#include "xsd_req.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	int err;
	const char *name;
} xsd_errnames[] = {
	{ EINVAL, XS_ERRSTR_EINVAL }, { EACCES, XS_ERRSTR_EACCES },
	{ EEXIST, XS_ERRSTR_EEXIST }, { EISDIR, XS_ERRSTR_EISDIR },
	{ ENOENT, XS_ERRSTR_ENOENT }, { ENOMEM, XS_ERRSTR_ENOMEM },
	{ ENOSPC, XS_ERRSTR_ENOSPC }, { EIO, XS_ERRSTR_EIO },
	{ ENOTEMPTY, XS_ERRSTR_ENOTEMPTY }, { ENOSYS, XS_ERRSTR_ENOSYS },
	{ EROFS, XS_ERRSTR_EROFS }, { EBUSY, XS_ERRSTR_EBUSY },
	{ EAGAIN, XS_ERRSTR_EAGAIN }, { EISCONN, XS_ERRSTR_EISCONN },
	{ E2BIG, XS_ERRSTR_E2BIG }, { EPERM, XS_ERRSTR_EPERM },
};

const char *xsd_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errnames) / sizeof(xsd_errnames[0]); i++)
		if (xsd_errnames[i].err == err)
			return xsd_errnames[i].name;
	return XS_ERRSTR_EINVAL;
}

void xsd_conn_send_error(struct xsd_conn *c, const struct xsd_sockmsg *req, int err)
{
	const char *name = xsd_errno_name(err);

	c->store->stats.errors++;
	xsd_conn_queue(c, XS_ERROR, req->req_id, req->tx_id, name, (uint32_t)strlen(name) + 1,
		       false);
}

const char *xsd_req_onearg(const struct xsd_req *r)
{
	if (r->len == 0 || memchr(r->pl, '\0', r->len) != r->pl + r->len - 1)
		return NULL;
	return r->pl;
}

int xsd_req_args(const struct xsd_req *r, const char **vec, int max)
{
	uint32_t off = 0;
	int n = 0;

	if (r->len == 0 || r->pl[r->len - 1] != '\0')
		return -1;
	while (off < r->len) {
		if (n == max)
			return -1;
		vec[n++] = r->pl + off;
		off += (uint32_t)strlen(r->pl + off) + 1;
	}
	return n;
}

bool xsd_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

void xsd_reply_ok(struct xsd_req *r)
{
	xsd_buf_add_str0(&r->reply, "OK");
}

typedef int (*xsd_op_fn)(struct xsd_req *r);

static const struct {
	xsd_op_fn fn;
	bool tree;  /* works on the tree through a transaction */
} xsd_ops[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { xsd_op_control, false },
	[XS_DIRECTORY] = { xsd_op_directory, true },
	[XS_READ] = { xsd_op_read, true },
	[XS_GET_PERMS] = { xsd_op_get_perms, true },
	[XS_WATCH] = { xsd_op_watch, false },
	[XS_UNWATCH] = { xsd_op_unwatch, false },
	[XS_TRANSACTION_START] = { xsd_op_transaction_start, false },
	[XS_TRANSACTION_END] = { xsd_op_transaction_end, false },
	[XS_INTRODUCE] = { xsd_op_introduce, false },
	[XS_RELEASE] = { xsd_op_release, false },
	[XS_GET_DOMAIN_PATH] = { xsd_op_get_domain_path, false },
	[XS_WRITE] = { xsd_op_write, true },
	[XS_MKDIR] = { xsd_op_mkdir, true },
	[XS_RM] = { xsd_op_rm, true },
	[XS_SET_PERMS] = { xsd_op_set_perms, true },
	[XS_IS_DOMAIN_INTRODUCED] = { xsd_op_is_domain_introduced, false },
	[XS_RESUME] = { xsd_op_resume, false },
	[XS_SET_TARGET] = { xsd_op_set_target, false },
	[XS_RESET_WATCHES] = { xsd_op_reset_watches, false },
	[XS_DIRECTORY_PART] = { xsd_op_directory_part, true },
};

/* Runs a tree operation in the request's transaction, or in an implicit one. */
static int xsd_run_tree_op(struct xsd_req *r, xsd_op_fn fn, struct xsd_list *fired)
{
	int err;

	if (r->hdr->tx_id) {
		r->t = xsd_conn_find_txn(r->c, r->hdr->tx_id);
		return fn(r);
	}
	r->t = xsd_txn_new(r->c, 0);
	if (!r->t)
		return ENOMEM;
	err = fn(r);
	if (err) {
		xsd_txn_free(r->t);
		return err;
	}
	return xsd_txn_commit(r->t, fired);
}

static int xsd_dispatch(struct xsd_req *r, struct xsd_list *fired)
{
	uint32_t type = r->hdr->type;
	struct xsd_store *s = r->c->store;

	if (type >= XS_TYPE_COUNT || !xsd_ops[type].fn)
		return type == XS_WATCH_EVENT || type == XS_ERROR ? EINVAL : ENOSYS;
	if (r->hdr->tx_id && !xsd_conn_find_txn(r->c, r->hdr->tx_id))
		return ENOENT;
	if (!xsd_is_privileged(s, r->c->domid) && r->c->out_replies >= s->quota.outstanding)
		return EBUSY;
	if (xsd_ops[type].tree)
		return xsd_run_tree_op(r, xsd_ops[type].fn, fired);
	return xsd_ops[type].fn(r);
}

void xsd_process(struct xsd_conn *c, const struct xsd_sockmsg *hdr, const uint8_t *payload)
{
	struct xsd_list fired;
	struct xsd_req r = { .c = c, .hdr = hdr, .pl = (const char *)payload, .len = hdr->len,
			     .fired = &fired };
	int err;

	xsd_list_init(&fired);
	xsd_buf_init(&r.reply);
	c->store->stats.requests++;
	err = xsd_dispatch(&r, &fired);
	if (err == 0 && r.reply.failed)
		err = ENOMEM;
	if (err == 0 && r.reply.len > XENSTORE_PAYLOAD_MAX)
		err = E2BIG;
	if (err > 0)
		xsd_conn_send_error(c, hdr, err);
	else if (err == 0 && xsd_conn_queue(c, hdr->type, hdr->req_id, hdr->tx_id, r.reply.data,
					    (uint32_t)r.reply.len, false) != 0)
		xsd_conn_send_error(c, hdr, ENOMEM);
	xsd_buf_free(&r.reply);
	xsd_events_fire(c->store, &fired);
}

/* SPDX-License-Identifier: MIT */
/* xenstore CONTROL requests: consistency check, logging, quota inspection and tuning, stats. */
#include "xsd_req.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint32_t *xsd_quota_field(struct xsd_quota *q, const char *name)
{
	if (strcmp(name, "nodes") == 0)
		return &q->nodes;
	if (strcmp(name, "node-size") == 0)
		return &q->node_size;
	if (strcmp(name, "watches") == 0)
		return &q->watches;
	if (strcmp(name, "transactions") == 0)
		return &q->txns;
	if (strcmp(name, "outstanding") == 0)
		return &q->outstanding;
	if (strcmp(name, "watch-events") == 0)
		return &q->events;
	if (strcmp(name, "transaction-nodes") == 0)
		return &q->txn_nodes;
	return NULL;
}

int xsd_quota_set(struct xsd_store *s, const char *name, uint64_t value)
{
	uint32_t *f = xsd_quota_field(&s->quota, name);

	if (!f || value > UINT32_MAX)
		return EINVAL;
	*f = (uint32_t)value;
	return 0;
}

static int xsd_control_quota(struct xsd_req *r, const char **vec, int n)
{
	struct xsd_quota *q = &r->c->store->quota;
	char text[512];
	uint64_t v;

	if (n == 1) {
		snprintf(text, sizeof(text),
			 "nodes %u\nnode-size %u\nwatches %u\ntransactions %u\n"
			 "outstanding %u\nwatch-events %u\ntransaction-nodes %u\n",
			 q->nodes, q->node_size, q->watches, q->txns, q->outstanding, q->events,
			 q->txn_nodes);
		xsd_buf_add_str0(&r->reply, text);
		return 0;
	}
	if (n != 3 || !xsd_parse_uint(vec[2], UINT32_MAX, &v) ||
	    xsd_quota_set(r->c->store, vec[1], v) != 0)
		return EINVAL;
	xsd_reply_ok(r);
	return 0;
}

static int xsd_control_stats(struct xsd_req *r)
{
	const struct xsd_stats *st = &r->c->store->stats;
	char text[512];

	snprintf(text, sizeof(text),
		 "nodes %zu\nrequests %llu\nerrors %llu\ncommits %llu\nconflicts %llu\n"
		 "events-sent %llu\nevents-dropped %llu\n",
		 r->c->store->nodes.count, (unsigned long long)st->requests,
		 (unsigned long long)st->errors, (unsigned long long)st->commits,
		 (unsigned long long)st->conflicts, (unsigned long long)st->events_sent,
		 (unsigned long long)st->events_dropped);
	xsd_buf_add_str0(&r->reply, text);
	return 0;
}

int xsd_op_control(struct xsd_req *r)
{
	const char *vec[8];
	char why[256];
	int n;

	if (!xsd_is_privileged(r->c->store, r->c->domid))
		return EACCES;
	n = xsd_req_args(r, vec, 8);
	if (n < 1)
		return EINVAL;
	if (strcmp(vec[0], "check") == 0 && n == 1) {
		if (xsd_store_check(r->c->store, why, sizeof(why)) < 0) {
			xsd_log(r->c->store, "check failed: %s", why);
			return EIO;
		}
		xsd_reply_ok(r);
		return 0;
	}
	if (strcmp(vec[0], "print") == 0 && n == 2) {
		xsd_log(r->c->store, "control: %s", vec[1]);
		xsd_reply_ok(r);
		return 0;
	}
	if (strcmp(vec[0], "quota") == 0)
		return xsd_control_quota(r, vec, n);
	if (strcmp(vec[0], "stats") == 0 && n == 1)
		return xsd_control_stats(r);
	if (strcmp(vec[0], "help") == 0 && n == 1) {
		xsd_buf_add_str0(&r->reply, "check\nprint <text>\nquota [<name> <value>]\n"
					    "stats\nhelp\n");
		return 0;
	}
	return EINVAL;
}

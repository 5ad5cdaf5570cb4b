/* SPDX-License-Identifier: MIT */
/* Test harness for the xenstored core: drives connections directly through xsd_conn_feed. */
#include "xst_harness.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xsd_store xst_store;
static uint32_t xst_next_req = 100;

void xst_setup(void)
{
	ck_assert_int_eq(xsd_store_init(&xst_store, NULL), 0);
}

void xst_teardown(void)
{
	char why[256] = "";

	ck_assert_msg(xsd_store_check(&xst_store, why, sizeof(why)) == 0, "store check: %s", why);
	xsd_store_destroy(&xst_store);
}

struct xsd_conn *xst_conn(uint32_t domid)
{
	struct xsd_conn *c = xsd_conn_new(&xst_store, domid);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* Output holds whole messages; pops the first one. */
static int xst_pop(struct xsd_conn *c, struct xst_reply *r)
{
	const uint8_t *p;
	size_t n = xsd_conn_out_peek(c, &p);
	struct xsd_sockmsg h;

	if (!n)
		return 0;
	ck_assert_uint_ge(n, sizeof(h));
	memcpy(&h, p, sizeof(h));
	ck_assert_uint_eq(n, sizeof(h) + h.len);
	r->type = h.type;
	r->req_id = h.req_id;
	r->tx_id = h.tx_id;
	r->len = h.len;
	memcpy(r->data, p + sizeof(h), h.len);
	r->data[h.len] = '\0';
	xsd_conn_out_consume(c, n);
	return 1;
}

/* Events seen while looking for a reply are kept, in order, for xst_event. */
struct xst_ev {
	struct xst_ev *next;
	struct xsd_conn *c;
	char text[2 * XENSTORE_PAYLOAD_MAX];
};
static struct xst_ev *xst_evs;

static void xst_keep_event(struct xsd_conn *c, const struct xst_reply *r)
{
	struct xst_ev *e = calloc(1, sizeof(*e)), **pp = &xst_evs;
	size_t pl = strlen(r->data);

	ck_assert_ptr_nonnull(e);
	e->c = c;
	snprintf(e->text, sizeof(e->text), "%s|%s", r->data,
		 pl + 1 < r->len ? r->data + pl + 1 : "");
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
}

struct xst_reply xst_call(struct xsd_conn *c, uint32_t type, uint32_t tx, const void *pl,
			  uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = xst_next_req++, .tx_id = tx, .len = len };
	uint8_t buf[sizeof(h) + XENSTORE_PAYLOAD_MAX + 64];
	struct xst_reply r;

	ck_assert_uint_le(len, sizeof(buf) - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), pl, len);
	ck_assert_int_eq(xsd_conn_feed(c, buf, sizeof(h) + len), (long)(sizeof(h) + len));
	for (;;) {
		ck_assert_msg(xst_pop(c, &r), "no reply to request type %u", type);
		if (r.type != XS_WATCH_EVENT)
			break;
		xst_keep_event(c, &r);
	}
	ck_assert_uint_eq(r.req_id, h.req_id);
	ck_assert_uint_eq(r.tx_id, tx);
	ck_assert(r.type == type || r.type == XS_ERROR);
	return r;
}

struct xst_reply xst_callv(struct xsd_conn *c, uint32_t type, uint32_t tx, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX + 64];
	uint32_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, tx);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t l = strlen(s) + 1;

		ck_assert_uint_le(len + l, sizeof(buf));
		memcpy(buf + len, s, l);
		len += (uint32_t)l;
	}
	va_end(ap);
	return xst_call(c, type, tx, buf, len);
}

const char *xst_event(struct xsd_conn *c)
{
	static char out[2 * XENSTORE_PAYLOAD_MAX];
	struct xst_ev **pp;
	struct xst_reply r;

	while (xst_pop(c, &r)) {
		ck_assert_uint_eq(r.type, XS_WATCH_EVENT);
		ck_assert_uint_eq(r.req_id, 0);
		xst_keep_event(c, &r);
	}
	for (pp = &xst_evs; *pp; pp = &(*pp)->next) {
		if ((*pp)->c == c) {
			struct xst_ev *e = *pp;

			*pp = e->next;
			snprintf(out, sizeof(out), "%s", e->text);
			free(e);
			return out;
		}
	}
	return "";
}

int xst_pending_events(struct xsd_conn *c)
{
	struct xst_reply r;
	int n = 0;

	while (xst_pop(c, &r))
		xst_keep_event(c, &r);
	for (struct xst_ev *e = xst_evs; e; e = e->next)
		n += e->c == c;
	return n;
}

const char *xst_status(const struct xst_reply *r)
{
	static char out[XENSTORE_PAYLOAD_MAX + 1];

	snprintf(out, sizeof(out), "%s", r->data);
	return out;
}

const char *xst_write(struct xsd_conn *c, uint32_t tx, const char *path, const char *val)
{
	char buf[XENSTORE_PAYLOAD_MAX + 64];
	size_t lp = strlen(path) + 1, lv = strlen(val);
	struct xst_reply r;

	memcpy(buf, path, lp);
	memcpy(buf + lp, val, lv);
	r = xst_call(c, XS_WRITE, tx, buf, (uint32_t)(lp + lv));
	return xst_status(&r);
}

const char *xst_read(struct xsd_conn *c, uint32_t tx, const char *path)
{
	struct xst_reply r = xst_callv(c, XS_READ, tx, path, NULL);

	return xst_status(&r);
}

uint32_t xst_txn_start(struct xsd_conn *c)
{
	struct xst_reply r = xst_callv(c, XS_TRANSACTION_START, 0, "", NULL);

	ck_assert_uint_eq(r.type, XS_TRANSACTION_START);
	return (uint32_t)strtoul(r.data, NULL, 10);
}

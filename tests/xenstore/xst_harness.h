/* SPDX-License-Identifier: MIT */
/* Test harness for the xenstored core: in-memory connections, requests and replies without a transport. */
#ifndef XST_HARNESS_H
#define XST_HARNESS_H

#include <stdint.h>

#include "xsd.h"

struct xst_reply {
	uint32_t type, req_id, tx_id, len;
	char data[XENSTORE_PAYLOAD_MAX + 1];  /* NUL-terminated copy of the payload */
};

extern struct xsd_store xst_store;

void xst_setup(void);
void xst_teardown(void);
struct xsd_conn *xst_conn(uint32_t domid);

/* Sends one request; returns its reply, leaving watch events queued. */
struct xst_reply xst_call(struct xsd_conn *c, uint32_t type, uint32_t tx, const void *pl,
			  uint32_t len);
/* Request with NUL-terminated string arguments (NULL-terminated list). */
struct xst_reply xst_callv(struct xsd_conn *c, uint32_t type, uint32_t tx, ...);
/* Takes the next queued watch event as "path|token"; "" if none. */
const char *xst_event(struct xsd_conn *c);
int xst_pending_events(struct xsd_conn *c);

/* Shorthands returning "OK", the value, or the error name. */
const char *xst_write(struct xsd_conn *c, uint32_t tx, const char *path, const char *val);
const char *xst_read(struct xsd_conn *c, uint32_t tx, const char *path);
const char *xst_status(const struct xst_reply *r);  /* payload or error name */
uint32_t xst_txn_start(struct xsd_conn *c);

#define XST_RES(r) ((r).type == XS_ERROR ? (r).data : "")

#endif

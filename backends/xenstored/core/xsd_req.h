/* SPDX-License-Identifier: MIT */
/* xenstore request handling internals shared by the operation files. */
#ifndef XSD_REQ_H
#define XSD_REQ_H

#include "xsd.h"

#define XSD_MAX_ARGS 1100  /* a 4096-byte payload holds at most this many useful strings */
#define XSD_REPLIED (-1)   /* handler queued its own reply */

struct xsd_req {
	struct xsd_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *pl;       /* payload, with a guard NUL after len bytes */
	uint32_t len;
	struct xsd_txn *t;    /* for tree operations */
	struct xsd_buf reply;
	struct xsd_list *fired;  /* events to fire after the reply is queued */
};

/* The single NUL-terminated string that is the whole payload, or NULL. */
const char *xsd_req_onearg(const struct xsd_req *r);
/* Splits a payload made only of NUL-terminated strings; returns the count or -1. */
int xsd_req_args(const struct xsd_req *r, const char **vec, int max);
bool xsd_parse_uint(const char *s, uint64_t max, uint64_t *out);
void xsd_reply_ok(struct xsd_req *r);

/* xsd_ops_tree.c */
int xsd_op_read(struct xsd_req *r);
int xsd_op_directory(struct xsd_req *r);
int xsd_op_directory_part(struct xsd_req *r);
int xsd_op_get_perms(struct xsd_req *r);
int xsd_op_write(struct xsd_req *r);
int xsd_op_mkdir(struct xsd_req *r);
int xsd_op_rm(struct xsd_req *r);
int xsd_op_set_perms(struct xsd_req *r);
/* Removes path and its subtree in r->t without permission checks (r->c must be dom0). */
int xsd_remove_path(struct xsd_req *r, const char *path);

/* xsd_domain.c */
int xsd_domain_forget(struct xsd_req *r, uint32_t domid);

/* xsd_ops_domain.c */
int xsd_op_watch(struct xsd_req *r);
int xsd_op_unwatch(struct xsd_req *r);
int xsd_op_transaction_start(struct xsd_req *r);
int xsd_op_transaction_end(struct xsd_req *r);
int xsd_op_introduce(struct xsd_req *r);
int xsd_op_release(struct xsd_req *r);
int xsd_op_get_domain_path(struct xsd_req *r);
int xsd_op_is_domain_introduced(struct xsd_req *r);
int xsd_op_resume(struct xsd_req *r);
int xsd_op_set_target(struct xsd_req *r);
int xsd_op_reset_watches(struct xsd_req *r);
int xsd_op_control(struct xsd_req *r);

#endif

/* SPDX-License-Identifier: MIT */
/* xenstore server core: tree, permissions, transactions, watches, domains and connections. */
#ifndef XSD_H
#define XSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvabi/io/xs_wire.h>

#include "xsd_util.h"

/*
 * The core is single-threaded and knows nothing of transports: a transport
 * creates a connection, feeds it the bytes a client sent and drains the
 * bytes queued for the client.  Every request runs inside a transaction
 * (an implicit one for tx_id 0), so a failed request never half-applies.
 */

#define XSD_DOMID_INVALID 0xffffffffu
#define XSD_DOMID_MAX 0xffffu

enum {
	XSD_PERM_NONE = 0,
	XSD_PERM_READ = 1,
	XSD_PERM_WRITE = 2,
	XSD_PERM_BOTH = 3,
	XSD_PERM_OWNER = 4,  /* only in check masks, never stored */
};

struct xsd_perm {
	uint32_t domid;
	uint8_t perm;
};

/* perms[0] is the owner; its perm is what every domain not listed gets. */
struct xsd_node {
	char *path;
	uint8_t *value;
	uint32_t vlen;
	struct xsd_perm *perms;
	uint32_t nperms;
	char *children;  /* child names, each NUL-terminated, in creation order */
	uint32_t childlen;
	uint64_t gen;    /* store generation of the last change; 0 = never stored */
};

struct xsd_quota {
	uint32_t nodes;        /* nodes a domain may own */
	uint32_t node_size;    /* bytes of value per node */
	uint32_t watches;      /* watches per domain */
	uint32_t txns;         /* open transactions per domain */
	uint32_t outstanding;  /* replies queued but not yet taken by the client */
	uint32_t events;       /* watch events queued per connection before dropping */
	uint32_t txn_nodes;    /* nodes one explicit transaction may touch (each is copied) */
};

struct xsd_store;
struct xsd_conn;

/* Hooks into the platform; every one is optional. */
struct xsd_platform {
	void *ctx;
	/* INTRODUCE: map the ring and bind the port; returns 0 or a positive errno. */
	int (*introduce)(void *ctx, struct xsd_store *s, uint32_t domid, uint64_t mfn,
			 uint32_t port);
	/* RELEASE: tear the domain's transport down (its connection is freed after). */
	void (*release)(void *ctx, struct xsd_store *s, uint32_t domid);
	/* A connection got output while the core ran; the transport should flush it. */
	void (*output)(void *ctx, struct xsd_conn *c);
	void (*log)(void *ctx, const char *msg);
};

struct xsd_domain {
	uint32_t domid;
	bool introduced;
	bool shutdown;
	uint32_t target;   /* domain this one acts for (SET_TARGET), or invalid */
	uint32_t nodes;    /* nodes it owns in the committed tree */
	uint32_t watches;
	uint32_t txns;
	uint64_t mfn;
	uint32_t port;
	struct xsd_conn *conn;  /* its ring connection, if the platform made one */
};

struct xsd_stats {
	uint64_t requests, errors, events_sent, events_dropped, commits, conflicts;
};

struct xsd_store {
	struct xsd_map nodes;     /* absolute path -> struct xsd_node, committed tree */
	struct xsd_map specials;  /* "@introduceDomain"... -> struct xsd_node (perms only) */
	struct xsd_map domains;   /* decimal domid -> struct xsd_domain */
	struct xsd_map watches;   /* watched path -> struct xsd_watch_list */
	struct xsd_list conns;
	uint64_t gen;
	uint32_t next_txid;
	struct xsd_quota quota;
	struct xsd_platform plat;
	struct xsd_stats stats;
};

struct xsd_watch {
	struct xsd_list conn_link;
	struct xsd_list path_link;
	struct xsd_conn *conn;
	char *path;       /* absolute or @special */
	char *token;
	uint32_t strip;   /* prefix bytes dropped from event paths (relative watch) */
	bool relative;
};

struct xsd_watch_list {
	struct xsd_list head;
};

struct xsd_out {
	struct xsd_list link;
	uint32_t len, off;
	bool is_event;
	uint8_t data[];  /* header then payload */
};

struct xsd_txn_ent {
	struct xsd_node *node;  /* private copy; NULL = absent or deleted */
	uint64_t base_gen;      /* committed generation when first touched; 0 = absent */
	bool dirty;
};

/* A watch trigger recorded by a change; fired when its transaction commits. */
struct xsd_event {
	struct xsd_list link;
	char *path;
	bool recurse;               /* removal: also fire watches below path */
	struct xsd_perm *perms;     /* who may see it */
	uint32_t nperms;
};

struct xsd_txn {
	struct xsd_list link;
	uint32_t id;        /* 0 for the implicit transaction of a plain request */
	struct xsd_conn *conn;
	struct xsd_map ents;
	struct xsd_list events;
	int64_t node_delta; /* nodes the connection's domain gains on commit */
};

struct xsd_conn {
	struct xsd_list link;
	struct xsd_store *store;
	uint32_t domid;
	bool broken;        /* protocol violation; the transport must close it */
	/* input */
	uint8_t hdr_buf[sizeof(struct xsd_sockmsg)];
	uint32_t hdr_got;
	uint8_t *payload;
	uint32_t pay_got;
	/* output */
	struct xsd_list out;
	uint32_t out_replies, out_events;
	size_t out_bytes;
	struct xsd_list watches;
	struct xsd_list txns;
	void *transport;
};

/* store.c */
int xsd_store_init(struct xsd_store *s, const struct xsd_platform *plat);
void xsd_store_destroy(struct xsd_store *s);
struct xsd_domain *xsd_domain_get(struct xsd_store *s, uint32_t domid, bool create);
bool xsd_is_privileged(struct xsd_store *s, uint32_t domid);
void xsd_log(struct xsd_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Consistency check of the committed tree; returns 0 or describes the fault. */
int xsd_store_check(struct xsd_store *s, char *why, size_t whylen);

/* node.c */
struct xsd_node *xsd_node_new(const char *path);
struct xsd_node *xsd_node_dup(const struct xsd_node *n);
void xsd_node_free(struct xsd_node *n);
int xsd_node_set_value(struct xsd_node *n, const void *v, uint32_t len);
int xsd_node_set_perms(struct xsd_node *n, const struct xsd_perm *p, uint32_t np);
int xsd_node_add_child(struct xsd_node *n, const char *name);
void xsd_node_del_child(struct xsd_node *n, const char *name);
bool xsd_path_valid(const char *p, bool allow_special);
/* Canonical absolute path of a request path; returns NULL if invalid. */
char *xsd_path_canon(uint32_t domid, const char *in, bool allow_special);
char *xsd_path_parent(const char *p);
const char *xsd_path_base(const char *p);
bool xsd_path_is_under(const char *child, const char *parent); /* or equal */

/* perms.c */
int xsd_perms_parse(const char *const *strs, uint32_t n, struct xsd_perm **out);
void xsd_perms_format(const struct xsd_perm *p, uint32_t n, struct xsd_buf *b);
/* Mask of XSD_PERM_* this domain has on a node with these perms. */
unsigned xsd_perms_for(struct xsd_store *s, uint32_t domid, const struct xsd_perm *p,
		       uint32_t n);

/* txn.c */
struct xsd_txn *xsd_txn_new(struct xsd_conn *c, uint32_t id);
void xsd_txn_free(struct xsd_txn *t);
/* Node as this transaction sees it; NULL and *err == 0 when absent. */
const struct xsd_node *xsd_txn_get(struct xsd_txn *t, const char *path, int *err);
/* Writable copy of an existing node, private to the transaction. */
struct xsd_node *xsd_txn_get_mut(struct xsd_txn *t, const char *path, int *err);
int xsd_txn_put_new(struct xsd_txn *t, struct xsd_node *n);
int xsd_txn_delete(struct xsd_txn *t, const char *path);
int xsd_txn_add_event(struct xsd_txn *t, const char *path, bool recurse,
		      const struct xsd_node *n);
/* Validates and applies; returns 0, EAGAIN on conflict or ENOMEM. Frees t.
 * On success the watch events move to *fired for xsd_events_fire. */
int xsd_txn_commit(struct xsd_txn *t, struct xsd_list *fired);
void xsd_events_fire(struct xsd_store *s, struct xsd_list *events);
void xsd_events_drop(struct xsd_list *events);

/* watch.c */
int xsd_watch_add(struct xsd_conn *c, const char *given, const char *token);
int xsd_watch_remove(struct xsd_conn *c, const char *given, const char *token);
void xsd_watch_remove_all(struct xsd_conn *c);
void xsd_watch_fire(struct xsd_store *s, const struct xsd_event *ev);
void xsd_watch_fire_special(struct xsd_store *s, const char *name);

/* conn.c */
struct xsd_conn *xsd_conn_new(struct xsd_store *s, uint32_t domid);
void xsd_conn_free(struct xsd_conn *c);
/* Consumes client bytes; returns bytes taken, or -1 once the connection is broken. */
long xsd_conn_feed(struct xsd_conn *c, const void *buf, size_t len);
/* Whether the transport should read more (false while the client lags behind). */
bool xsd_conn_want_input(const struct xsd_conn *c);
size_t xsd_conn_out_peek(struct xsd_conn *c, const uint8_t **p);
void xsd_conn_out_consume(struct xsd_conn *c, size_t n);
int xsd_conn_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		   const void *payload, uint32_t len, bool is_event);
void xsd_conn_send_error(struct xsd_conn *c, const struct xsd_sockmsg *req, int err);
struct xsd_txn *xsd_conn_find_txn(struct xsd_conn *c, uint32_t id);

/* control.c: names as in "CONTROL quota": nodes, node-size, watches,
 * transactions, outstanding, watch-events.  Returns 0 or EINVAL. */
int xsd_quota_set(struct xsd_store *s, const char *name, uint64_t value);

/* ops.c */
void xsd_process(struct xsd_conn *c, const struct xsd_sockmsg *hdr, const uint8_t *payload);
const char *xsd_errno_name(int err);

#endif

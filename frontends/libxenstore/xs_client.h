/* SPDX-License-Identifier: MIT */
/* Skiff's libxenstore-style xenstore client: the familiar xs_* API over a socket (hosted) or the ring (guest). */
#ifndef SKIFF_XS_CLIENT_H
#define SKIFF_XS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvabi/errno.h>
#include <pvabi/io/xs_wire.h>

/*
 * Calls return NULL/false on failure and leave a positive XEN_E* value in
 * xs_error(h) (hosted builds also set errno).  Returned buffers come from
 * the transport's allocator, one allocation each (free them with xs_free,
 * or free() in hosted builds).  A handle is not thread-safe.  Watch events
 * that arrive while a reply is awaited are queued for xs_read_watch.
 */

typedef uint32_t xs_transaction_t;
#define XBT_NULL ((xs_transaction_t)0)

enum xs_perm_type {
	XS_PERM_NONE = 0,
	XS_PERM_READ = 1,
	XS_PERM_WRITE = 2,
	XS_PERM_OWNER = 4,  /* returned in GET_PERMS of the first entry only */
};

struct xs_permissions {
	unsigned int id;
	enum xs_perm_type perms;
};

/* How bytes move; every hook is required except close. */
struct xs_transport {
	void *ctx;
	/* Sends all len bytes; returns 0 or -1. */
	int (*send)(void *ctx, const void *buf, size_t len);
	/* Receives 1..len bytes; returns the count, 0 on timeout, -1 on error.
	 * timeout_ms < 0 waits forever. */
	long (*recv)(void *ctx, void *buf, size_t len, int timeout_ms);
	void (*close)(void *ctx);
	void *(*alloc)(size_t n);
	void (*free)(void *p);
};

struct xs_handle;

struct xs_handle *xs_open_transport(const struct xs_transport *t);
void xs_close(struct xs_handle *h);
int xs_error(const struct xs_handle *h);
void xs_free(struct xs_handle *h, void *p);

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
	      unsigned int len);
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num);
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
					  const char *path, unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			const struct xs_permissions *perms, unsigned int num);
bool xs_watch(struct xs_handle *h, const char *path, const char *token);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Blocks for the next event; vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]; *num = 2. */
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
/* Like xs_read_watch but gives up after timeout_ms (error XEN_ETIMEDOUT). */
char **xs_read_watch_timeout(struct xs_handle *h, unsigned int *num, int timeout_ms);
xs_transaction_t xs_transaction_start(struct xs_handle *h);
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);
/* Raw request for the remaining message types; returns the reply payload (NUL-terminated). */
void *xs_request(struct xs_handle *h, uint32_t type, xs_transaction_t t, const void *payload,
		 unsigned int len, unsigned int *rlen);

/* Guest ring transport (freestanding): the page at start_info.store_mfn. */
struct xs_ring_ops {
	void *ctx;
	void (*notify)(void *ctx);                 /* kick the store event channel */
	int (*wait)(void *ctx, int timeout_ms);    /* until the port fires; 0 = timed out */
	void *(*alloc)(size_t n);
	void (*free)(void *p);
};
struct xs_handle *xs_open_ring(struct xenstore_domain_interface *intf,
			       const struct xs_ring_ops *ops);

#if __STDC_HOSTED__
/* Hosted: the daemon socket ($XENSTORED_PATH, else /run/xenstored/socket). flags unused. */
struct xs_handle *xs_open(unsigned long flags);
struct xs_handle *xs_open_socket(const char *path);
#endif

#endif

/* SPDX-License-Identifier: MIT */
/* xenstore wire protocol: message header, message types, limits, error names and the ring page. */
#ifndef PVABI_IO_XS_WIRE_H
#define PVABI_IO_XS_WIRE_H

#include <stdint.h>
#include <stddef.h>

/* Message types; the numbering is the Xen ABI (20 was XS_RESTRICT, now gone). */
enum xsd_sockmsg_type {
	XS_CONTROL = 0,
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT = 23,
	XS_INVALID = 0xffff,
};

/* Every message starts with this header; len bytes of payload follow. */
struct xsd_sockmsg {
	uint32_t type;
	uint32_t req_id;  /* echoed in the reply */
	uint32_t tx_id;   /* 0 outside a transaction */
	uint32_t len;     /* payload bytes, at most XENSTORE_PAYLOAD_MAX */
};
_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg size");
_Static_assert(offsetof(struct xsd_sockmsg, type) == 0, "type offset");
_Static_assert(offsetof(struct xsd_sockmsg, req_id) == 4, "req_id offset");
_Static_assert(offsetof(struct xsd_sockmsg, tx_id) == 8, "tx_id offset");
_Static_assert(offsetof(struct xsd_sockmsg, len) == 12, "len offset");

/* Field order inside a WATCH_EVENT payload. */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN = 1,
};

#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/*
 * Error replies carry the errno *name* as a NUL-terminated string.  These
 * are the names the protocol knows; clients map unknown names to EINVAL.
 */
#define XS_ERRSTR_EINVAL "EINVAL"
#define XS_ERRSTR_EACCES "EACCES"
#define XS_ERRSTR_EEXIST "EEXIST"
#define XS_ERRSTR_EISDIR "EISDIR"
#define XS_ERRSTR_ENOENT "ENOENT"
#define XS_ERRSTR_ENOMEM "ENOMEM"
#define XS_ERRSTR_ENOSPC "ENOSPC"
#define XS_ERRSTR_EIO "EIO"
#define XS_ERRSTR_ENOTEMPTY "ENOTEMPTY"
#define XS_ERRSTR_ENOSYS "ENOSYS"
#define XS_ERRSTR_EROFS "EROFS"
#define XS_ERRSTR_EBUSY "EBUSY"
#define XS_ERRSTR_EAGAIN "EAGAIN"
#define XS_ERRSTR_EISCONN "EISCONN"
#define XS_ERRSTR_E2BIG "E2BIG"
#define XS_ERRSTR_EPERM "EPERM"

/* The shared ring page of a domain (the page at start_info.store_mfn). */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];  /* guest -> daemon */
	char rsp[XENSTORE_RING_SIZE];  /* daemon -> guest, replies and watch events */
	XENSTORE_RING_IDX req_cons, req_prod;  /* free-running, masked on use */
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features;
	uint32_t connection;
	uint32_t error;
};
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "rsp offset");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048, "req_cons offset");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052, "req_prod offset");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056, "rsp_cons offset");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060, "rsp_prod offset");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 2064, "features offset");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) == 2068, "connection offset");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072, "error offset");
_Static_assert(sizeof(struct xenstore_domain_interface) == 2076, "interface size");

/* Ring indices are free-running; mask them to get a byte offset. */
static inline uint32_t xs_ring_mask(XENSTORE_RING_IDX idx)
{
	return idx & (XENSTORE_RING_SIZE - 1);
}

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR 2
#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1
#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1
#define XENSTORE_ERROR_RINGIDX 2
#define XENSTORE_ERROR_PROTO 3

#endif

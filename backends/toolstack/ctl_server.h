/* SPDX-License-Identifier: MIT */
/* The control channel's server (docs/CONTROL.md): frames in, xl verbs dispatched to a toolstack, responses out. */
#ifndef SKIFF_CTL_SERVER_H
#define SKIFF_CTL_SERVER_H

#include "ctl_proto.h"

#define CTL_NAME_MAX		32
#define CTL_MAX_BLOBS		16
#define CTL_BLOB_TTL_NS		(60ULL * 1000000000ULL)
#define CTL_RESPONSE_MAX	(64u << 10)
#define CTL_DMESG_MAX		(16u << 10)	/* history bytes per answer: escaped, it fits CTL_RESPONSE_MAX */

/* One domain as `list` reports it. */
struct ctl_dominfo {
	uint32_t domid;
	char name[CTL_NAME_MAX];
	uint8_t uuid[16];
	char state[7];			/* xl's "rbpscd", '-' where a state does not hold */
	uint64_t mem_kib, maxmem_kib;
	uint32_t vcpus, online_vcpus;
	uint64_t cpu_time_ns;
	uint64_t uptime_ns;		/* since it was built (dom0: since the machine started); 0: not known */
};

struct ctl_hostinfo {
	uint32_t host_cpus;
	uint64_t mem_kib, free_kib;
	char hv_version[32];
};

/* One run-time disk slot (a virtio-blk device the host fills with a file through QEMU's monitor). */
struct ctl_blkslot {
	uint32_t slot;
	bool read_only;
	uint32_t devid;			/* the vbd it is offered as, while bound */
	uint32_t domid;			/* the domain it is offered to now; 0: none yet */
	char name[CTL_NAME_MAX];	/* the domain it is bound to; empty: free */
};

/*
 * One virtual device of a domain as xl block-list / network-list show it:
 * what the frontend and backend wrote in xenstore (-1 for a node that is
 * not there or not a number).
 */
struct ctl_devinfo {
	uint32_t devid;
	int64_t backend_id;
	uint32_t frontend_id;
	int64_t state;			/* the frontend's xenbus state */
	int64_t evtch;
	int64_t ring_ref;		/* vbd: ring-ref; vif: tx-ring-ref */
	int64_t rx_ring_ref;		/* vif only */
	char mac[18];			/* vif only: xx:xx:xx:xx:xx:xx, empty when not known */
	char backend[96];		/* the backend's directory */
};

/* A blob of uploaded bytes (kernel, ramdisk, domain file), held until a create consumes it. */
struct ctl_blob {
	uint32_t id;			/* 0: slot free */
	char name[CTL_NAME_MAX];
	uint8_t *data;
	uint64_t size, filled;
	uint8_t sha256[32];
	uint64_t born_ns;
	uint32_t put_id;		/* the put request still filling it, 0 when complete */
	bool refused;			/* a put refused up front: its data frames are read and dropped */
	bool unchecked;			/* put with check=0: sha256 is the host's word for the data, not checked here */
	bool borrowed;			/* reuse: data is the toolstack's kept image (image_unref gives it back) */
};

/*
 * What the server asks of the domain manager. Each returns 0 or a negative
 * Xen errno; err (when given) takes a message for a person.
 */
struct ctl_toolstack {
	void *ctx;
	int (*list)(void *ctx, int64_t domid, void (*emit)(void *arg, const struct ctl_dominfo *d), void *arg);
	int (*info)(void *ctx, struct ctl_hostinfo *out);
	/*
	 * disks: "SLOT:DEVID,..." (the run-time disk slots the host filled for
	 * the file's disks), or NULL. The toolstack may keep the kernel's and
	 * the ramdisk's data rather than copy it: it sets the blob's data NULL
	 * and frees it later as the platform's free(data, size) would.
	 */
	int (*create)(void *ctx, const struct ctl_blob *config, struct ctl_blob *kernel, struct ctl_blob *ramdisk,
		      const char *disks, bool paused, uint32_t *domid, char *name, size_t name_len, char *err,
		      size_t err_len);
	/*
	 * reuse: an image (kernel or ramdisk) the toolstack still keeps under
	 * digest, exactly len bytes, with a reference for the server; NULL when
	 * it keeps none (the client uploads it then). image_unref lets go.
	 * Both NULL: reuse is -ENOSYS.
	 */
	const uint8_t *(*image_ref)(void *ctx, const char *name, const uint8_t digest[32], uint64_t len);
	void (*image_unref)(void *ctx, const uint8_t *data);
	int (*destroy)(void *ctx, uint32_t domid);
	int (*pause)(void *ctx, uint32_t domid);
	int (*unpause)(void *ctx, uint32_t domid);
	int (*shutdown)(void *ctx, uint32_t domid, bool reboot);
	int (*mem_set)(void *ctx, uint32_t domid, uint64_t kib);
	int (*mem_max)(void *ctx, uint32_t domid, uint64_t kib);
	int (*rename)(void *ctx, uint32_t domid, const char *name, char *err, size_t err_len);
	/* Powers the machine off once the answer is out (./skiff down, after the guests are gone); NULL: -ENOSYS. */
	int (*poweroff)(void *ctx);
	/* xl console: while attached the toolstack sends the domain's output as console events; NULL: -ENOSYS. */
	int (*console)(void *ctx, uint32_t domid, bool attach);
	int (*console_input)(void *ctx, uint32_t domid, const char *data, size_t len);
	/* xl vcpu-set: vCPUs 0..n-1 available, the rest not (1 <= n checked here, n <= its maximum there); NULL: -ENOSYS. */
	int (*vcpu_set)(void *ctx, uint32_t domid, uint32_t n);
	/*
	 * xl dmesg: up to len bytes of the hypervisor's console history from
	 * position *index on into buf (*got of them); *index is the next
	 * position, *skipped the bytes before it no longer kept; clear: then
	 * forget all of it. NULL: -ENOSYS.
	 */
	int (*dmesg)(void *ctx, uint64_t *index, bool clear, char *buf, size_t len, size_t *got, uint64_t *skipped);
	/*
	 * xl block-attach: run-time disk slot (filled by the host) offered to
	 * the running domain as vbd devid; block-detach: the vbd taken away
	 * through xenbus (Closing, then Closed), its slot freed once the
	 * frontend closed (blkpool shows it). xl network-attach: a new vif (mac
	 * "xx:xx:xx:xx:xx:xx" or NULL: derived); network-detach: vif devid taken
	 * away. NULL: -ENOSYS.
	 */
	int (*block_attach)(void *ctx, uint32_t domid, uint32_t slot, uint32_t devid, char *err, size_t err_len);
	int (*block_detach)(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len);
	int (*network_attach)(void *ctx, uint32_t domid, const char *mac, char *err, size_t err_len);
	int (*network_detach)(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len);
	/* The run-time disk slots, each emitted once (who holds it: name empty when free); NULL: -ENOSYS. */
	int (*blkpool)(void *ctx, void (*emit)(void *arg, const struct ctl_blkslot *sl), void *arg);
	/* xl block-list / network-list: the domain's vbds (vif false) or vifs, each emitted once; NULL: -ENOSYS. */
	int (*devices)(void *ctx, uint32_t domid, bool vif, void (*emit)(void *arg, const struct ctl_devinfo *d),
		       void *arg);
};

/* What the server needs from where it runs (dom0's runtime, or a host program). */
struct ctl_platform {
	void *(*alloc)(size_t bytes);
	void (*free)(void *p, size_t bytes);
	void (*sha256)(const uint8_t *data, size_t len, uint8_t digest[32]);
	uint64_t (*now_ns)(void);
	/* Writes all of buf to the channel; negative if the channel is gone. */
	int (*send)(void *ctx, const void *buf, size_t len);
	/*
	 * Optional, used instead of two sends when set: one whole frame, taken
	 * or refused whole (a platform that queues its output and drops when
	 * the host stops reading must never send half a frame).
	 */
	int (*send_frame)(void *ctx, const void *hdr, size_t hdr_len, const void *payload, size_t len);
	void *send_ctx;
};

enum ctl_rx_state { CTL_RX_HEADER, CTL_RX_PAYLOAD, CTL_RX_DATA, CTL_RX_SKIP };

struct ctl_server {
	const struct ctl_toolstack *ts;
	const struct ctl_platform *pl;
	enum ctl_rx_state state;
	uint8_t hdr_bytes[CTL_HDR_LEN];
	size_t hdr_have;
	struct ctl_hdr hdr;
	uint32_t left;			/* payload bytes of the current frame still to come */
	struct ctl_blob *filling;	/* CTL_RX_DATA: the blob the frame goes to (or NULL: dropped) */
	char payload[CTL_MAX_PAYLOAD + 1];
	char response[CTL_RESPONSE_MAX];
	struct ctl_blob blobs[CTL_MAX_BLOBS];
	uint32_t next_blob_id;
	uint64_t requests, errors;
};

void ctl_server_init(struct ctl_server *s, const struct ctl_toolstack *ts, const struct ctl_platform *pl);
/* Bytes from the channel, in any pieces. 0, or -1 when the framing is lost and the channel must be reset. */
int ctl_server_input(struct ctl_server *s, const uint8_t *data, size_t len);
/* The peer went away (or the framing was lost): the next byte starts a frame; unfinished uploads go. */
void ctl_server_reset(struct ctl_server *s);
/* Frees every blob (the server is going away). */
void ctl_server_fini(struct ctl_server *s);
/* Frees blobs no create claimed within CTL_BLOB_TTL_NS; call now and then. */
void ctl_server_tick(struct ctl_server *s);
/* Sends an event record (e.g. console output) to the host. */
int ctl_server_event(struct ctl_server *s, const char *record, size_t len);

#endif

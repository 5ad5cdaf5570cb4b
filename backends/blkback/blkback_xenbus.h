/* SPDX-License-Identifier: MIT */
/* blkback's xenbus side: the backend nodes a current xen-blkfront reads, and the state handshake with it. */
#ifndef BLKBACK_XENBUS_H
#define BLKBACK_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvabi/io/xenbus.h>

/*
 * The store and the connection, as dom0 provides them (or a host test).
 * read: the node's value NUL-terminated in buf, 0; -1 if missing or too
 * long. connect: map the frontend's ring (one grant) and bind its event
 * channel; 0 or -1. disconnect: undo connect (only called after it).
 */
struct blkback_xs_ops {
	int (*read)(void *ctx, const char *path, char *buf, size_t len);
	int (*write)(void *ctx, const char *path, const char *val);
	int (*connect)(void *ctx, uint16_t frontend, uint32_t ring_ref, uint32_t evtchn);
	void (*disconnect)(void *ctx);
};

/* One virtual block device: backend/vbd/<frontend>/<devid> for /local/domain/<frontend>/device/vbd/<devid>. */
struct blkback_vbd {
	uint16_t frontend;
	uint32_t devid;
	uint64_t sectors;
	bool read_only;
	bool connected;
	enum xenbus_state state;	/* ours, as last written */
	uint32_t ring_ref, evtchn;	/* valid while connected */
	bool persistent;		/* the frontend also offered feature-persistent (valid while connected) */
	char be_path[64], fe_path[64];
	const struct blkback_xs_ops *ops;
	void *ctx;
};

#define BLKBACK_XB_READ_ONLY	1u	/* refuses writes, flushes and barriers */
#define BLKBACK_XB_FUA		2u	/* offers barriers only: blkfront then sends FUA writes as barriers */
#define BLKBACK_XB_DISCARD	4u	/* offers discard of BLKBACK_DISCARD_SECTORS granules (not secure) */
#define BLKBACK_XB_NO_PERSIST	8u	/* feature-persistent 0: the backend will not keep grants */

/*
 * Writes the backend's nodes (sectors, sector-size, info, mode, the
 * features) and state InitWait. A writable disk offers
 * feature-flush-cache and feature-barrier, as Xen's blkback does (a
 * current blkfront then flushes and has the block layer emulate FUA);
 * with BLKBACK_XB_FUA only feature-barrier, which a current blkfront
 * takes as flush and FUA both, sent as BLKIF_OP_WRITE_BARRIER. A
 * read-only disk offers neither. Every disk offers indirect requests of
 * up to BLKBACK_MAX_SEGS segments (feature-max-indirect-segments) and
 * persistent grants (feature-persistent: used when the frontend offers it too); a
 * writable one with BLKBACK_XB_DISCARD feature-discard (with
 * discard-granularity, discard-alignment 0, discard-secure 0). The toolstack has written the
 * frontend/backend links and the frontend's own directory. 0 or -1.
 */
int blkback_xb_start(struct blkback_vbd *v, uint16_t frontend, uint32_t devid, uint64_t sectors, unsigned int flags,
		     const struct blkback_xs_ops *ops, void *ctx);

/*
 * The frontend's state node changed (a watch fired): reads it and moves
 * ours. Initialised or Connected: its ring-ref, event-channel and protocol
 * are read and checked (one page ring, the 64-bit protocol), connect is
 * called, our state becomes Connected; a bad node closes our end instead.
 * Closing: disconnect, Closing. Closed: disconnect, Closed; a frontend
 * that is Initialising again then finds us in InitWait (a reboot).
 * Returns our state.
 */
enum xenbus_state blkback_xb_frontend_changed(struct blkback_vbd *v);
/*
 * The toolstack takes the disk away (xl block-detach): our state goes to
 * Closing; the frontend answers with Closed, which frontend_changed then
 * follows (ring let go, our state Closed).
 */
void blkback_xb_close(struct blkback_vbd *v);

#endif

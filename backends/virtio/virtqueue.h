/* SPDX-License-Identifier: MIT */
/* Split virtqueues (virtio 1.0, 2.6): the driver side, portable C over memory the caller provides; host-tested. */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE		256	/* the descriptor table then fills one 4 KiB page */

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

#define VIRTIO_RING_F_INDIRECT_DESC	28	/* the device follows a descriptor into a table of its own */
#define VIRTQ_INDIRECT_MAX	256	/* entries of an indirect table that fills one 4 KiB page */

/* The rings as the device sees them (little-endian, as x86 is). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* One buffer of a request: a bus address the device reads (out) or writes (in). */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool device_writes;
};

/*
 * Driver state. The device is trusted to DMA (it is QEMU's), but not to
 * be right: a used entry naming a descriptor that is not in flight is
 * reported (virtq_get returns -1) instead of corrupting the free list.
 */
struct virtq {
	uint16_t size;			/* a power of two, <= VIRTQ_MAX_SIZE */
	uint16_t free_head, num_free;
	uint16_t avail_idx;		/* our copy of avail->idx */
	uint16_t last_used;		/* used entries consumed */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	void *cookie[VIRTQ_MAX_SIZE];	/* per head in flight; NULL: free */
	uint16_t chain_len[VIRTQ_MAX_SIZE];
};

/* Sizes the rings need for a queue of size entries (each fits a page when size <= 256). */
size_t virtq_desc_bytes(uint16_t size);
size_t virtq_avail_bytes(uint16_t size);
size_t virtq_used_bytes(uint16_t size);

/* 0, or -1 when size is not a power of two in [1, VIRTQ_MAX_SIZE]. The ring memory must be zeroed. */
int virtq_init(struct virtq *q, uint16_t size, void *desc, void *avail, void *used);

/*
 * Posts one request (segs in order: the device-readable ones first, as
 * virtio requires) under cookie (not NULL). Returns the head descriptor,
 * or -1 if n is 0, a device-readable segment follows a writable one, or
 * fewer than n descriptors are free. The device sees it after the caller
 * notifies it.
 */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *cookie);

/*
 * The same request as one descriptor of the ring (VIRTQ_DESC_F_INDIRECT)
 * pointing at table, the caller's page of DMA memory at bus address
 * table_bus (VIRTQ_INDIRECT_MAX entries), which is filled with segs; it
 * must stay untouched until the request is taken back. Only for a device
 * that accepted VIRTIO_RING_F_INDIRECT_DESC. Returns the head, or -1 as
 * virtq_add does, or if n exceeds the table or the queue size (virtio 1.0,
 * 2.4.5.3.1), or the table is not page-aligned.
 */
int virtq_add_indirect(struct virtq *q, const struct virtq_seg *segs, unsigned int n, void *cookie,
		       volatile struct virtq_desc *table, uint64_t table_bus);

/*
 * Takes one completed request: 1 with *cookie and *len (bytes the device
 * wrote) set, 0 if none is pending, -1 if the device returned a
 * descriptor that was not in flight (the entry is skipped).
 */
int virtq_get(struct virtq *q, void **cookie, uint32_t *len);

/* Requests posted and not yet taken back. */
unsigned int virtq_in_flight(const struct virtq *q);

#endif

/* SPDX-License-Identifier: MIT */
/* dom0's virtio-blk driver (virtio 1.0, 5.2): read, write and flush of 512-byte sectors over one request queue. */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include <stdint.h>
#include "virtio_pci.h"

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_BLK_F_SIZE_MAX	1
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_F_DISCARD	13

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_DISCARD	11

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VBLK_SECTOR		512
#define VBLK_MAX_PAGES		32	/* one synchronous request moves at most 128 KiB */
/* Data segments of one asynchronous request: with its header and status, one indirect table (one page). */
#define VBLK_MAX_SEGS		(VIRTQ_INDIRECT_MAX - 2)

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio-blk request header");

/* A discard's one data segment (virtio 1.1, 5.2.6: struct virtio_blk_discard_write_zeroes). */
struct virtio_blk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
_Static_assert(sizeof(struct virtio_blk_discard) == 16, "virtio-blk discard segment");

struct vblk {
	struct virtio_pci pci;
	struct virtq q;
	uint64_t capacity;		/* in 512-byte sectors */
	uint32_t seg_max;		/* data segments per request the device takes (<= VBLK_MAX_SEGS) */
	uint32_t size_max;		/* bytes per segment the device takes; 0: no limit said */
	bool read_only, flush;
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC: a request takes one ring descriptor */
	bool discard;			/* VIRTIO_BLK_F_DISCARD, with a max_discard_sectors above 0 */
	uint32_t max_discard_sectors, discard_align;	/* per request; where ranges should start (sectors) */
	bool irq;			/* completions are signalled by MSI-X (else polled) */
	struct virtio_blk_req_hdr *hdr;	/* one request at a time: its header and status live here */
	uint8_t *status;
	uint64_t requests, interrupts_waited;
};

/*
 * Finds the first virtio-blk device, negotiates VIRTIO_F_VERSION_1 (and
 * FLUSH, RO, SEG_MAX, SIZE_MAX, INDIRECT_DESC, DISCARD where offered; a device
 * whose size_max is below a page is refused: we never split one), sets up queue 0 with MSI-X entry 0
 * when with_irq. 0, or a negative code saying which step failed.
 */
int vblk_open(struct vblk *b, bool with_irq);
/* The same for the nth virtio-blk device in PCI order (0 is the first). */
int vblk_open_nth(struct vblk *b, bool with_irq, unsigned int nth);

/*
 * Synchronous I/O on whole pages of DMA memory (vio_dma_page): nr_pages
 * pages from sector on; the request is split as seg_max requires. 0, or
 * -1 (bad range, device error).
 */
int vblk_read(struct vblk *b, uint64_t sector, void *const *pages, unsigned int nr_pages);
int vblk_write(struct vblk *b, uint64_t sector, void *const *pages, unsigned int nr_pages);
/* The same for nr_sectors (the last page used in part), for a backend's sector-sized requests. */
int vblk_sectors(struct vblk *b, bool write, uint64_t sector, void *const *pages, unsigned int nr_pages,
		 uint32_t nr_sectors);
/* Everything acknowledged before it is on stable storage when it returns 0 (VIRTIO_BLK_T_FLUSH). */
int vblk_flush(struct vblk *b);
/*
 * Tells the device nr_sectors from sector on are unused (VIRTIO_BLK_T_DISCARD,
 * one request per max_discard_sectors). 0, or -1 (no discard, read-only,
 * bad range, a device error: what was discarded before it stays so).
 */
int vblk_discard(struct vblk *b, uint64_t sector, uint64_t nr_sectors);

/*
 * Asynchronous requests, several on the queue at once, ending in any
 * order. Each has its header and status byte in DMA memory (vblk_req_init
 * lays out up to VBLK_REQS_PER_PAGE of them in one DMA page) and, on a
 * device with indirect descriptors, a DMA page of its own for its
 * descriptor table, preallocated by the caller: the device only ever
 * reads dom0's memory for a request's layout, never a guest's. The
 * synchronous calls above must not be used while any is on the queue.
 */
#define VBLK_REQS_PER_PAGE	(4096 / 32)

struct vblk_req {
	struct virtio_blk_req_hdr *hdr;
	uint8_t *status;
	volatile struct virtq_desc *table;	/* VIRTQ_INDIRECT_MAX entries, or NULL: direct descriptors */
	void *cookie;			/* the caller's */
};

/*
 * Gives n requests (n <= VBLK_REQS_PER_PAGE) their header and status in
 * the DMA page, and request i the DMA page tables[i] for its indirect
 * table (tables may be NULL: every request then uses n + 2 descriptors
 * of the ring).
 */
void vblk_req_init(struct vblk_req *reqs, unsigned int n, void *dma_page, void *const *tables);

/*
 * Puts a read or write of the data segments (whole sectors in all,
 * device_writes set for a read by the caller) at sector on the queue; the
 * device sees it at the next vblk_kick: as one ring descriptor pointing at
 * the request's table when the device took indirect descriptors, else as
 * a chain of n + 2. 0 queued, 1 no room on the queue now (retry after a
 * request ended), -1 refused (range, read-only, more segments than the
 * device takes or one larger than its size_max).
 */
int vblk_start(struct vblk *b, struct vblk_req *r, bool write, uint64_t sector, const struct virtq_seg *data,
	       unsigned int n);
void vblk_kick(struct vblk *b);

/*
 * A request that has ended, or NULL if none has yet; *ok: the device
 * answered VIRTIO_BLK_S_OK. Waits for an interrupt first when wait and
 * nothing has ended (a device without MSI-X is polled).
 */
struct vblk_req *vblk_done(struct vblk *b, bool wait, bool *ok);

#endif

/* SPDX-License-Identifier: MIT */
/* Block device ring protocol (xen-blkfront / blkback), x86_64 layout. */
#ifndef PVABI_IO_BLKIF_H
#define PVABI_IO_BLKIF_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/ring.h>

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;	/* always 512-byte units */

#define BLKIF_OP_READ			0
#define BLKIF_OP_WRITE			1
#define BLKIF_OP_WRITE_BARRIER		2	/* only with feature-barrier */
#define BLKIF_OP_FLUSH_DISKCACHE	3	/* only with feature-flush-cache */
#define BLKIF_OP_RESERVED_1		4
#define BLKIF_OP_DISCARD		5	/* only with feature-discard */
#define BLKIF_OP_INDIRECT		6	/* only with feature-max-indirect-segments */

#define BLKIF_MAX_SEGMENTS_PER_REQUEST		11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST	8
#define BLKIF_SECTOR_SIZE			512
/* A 4 KiB granted page holds sectors 0..7; first_sect/last_sect are inclusive. */
#define BLKIF_SECTORS_PER_PAGE			8

#define BLKIF_RSP_EOPNOTSUPP	(-2)
#define BLKIF_RSP_ERROR		(-1)
#define BLKIF_RSP_OKAY		0

/* backend "info" key bits */
#define VDISK_CDROM		0x1
#define VDISK_REMOVABLE		0x2
#define VDISK_READONLY		0x4

/* One data page of a request. */
struct blkif_request_segment {
	grant_ref_t gref;
	uint8_t first_sect;
	uint8_t last_sect;
	uint16_t pad;
};
PVABI_SIZE(struct blkif_request_segment, 8);
PVABI_OFF(struct blkif_request_segment, gref, 0);
PVABI_OFF(struct blkif_request_segment, first_sect, 4);
PVABI_OFF(struct blkif_request_segment, last_sect, 5);
PVABI_OFF(struct blkif_request_segment, pad, 6);

/* Indirect pages are full of segment descriptors. */
#define BLKIF_SEGS_PER_INDIRECT_FRAME \
	(4096 / sizeof(struct blkif_request_segment))

struct blkif_request {
	uint8_t operation;
	uint8_t nr_segments;
	blkif_vdev_t handle;
	uint32_t pad;
	uint64_t id;			/* echoed in the response */
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};
PVABI_SIZE(struct blkif_request, 112);
PVABI_OFF(struct blkif_request, operation, 0);
PVABI_OFF(struct blkif_request, nr_segments, 1);
PVABI_OFF(struct blkif_request, handle, 2);
PVABI_OFF(struct blkif_request, pad, 4);
PVABI_OFF(struct blkif_request, id, 8);
PVABI_OFF(struct blkif_request, sector_number, 16);
PVABI_OFF(struct blkif_request, seg, 24);

#define BLKIF_DISCARD_SECURE	(1U << 0)

struct blkif_request_discard {
	uint8_t operation;		/* BLKIF_OP_DISCARD */
	uint8_t flag;			/* BLKIF_DISCARD_SECURE */
	blkif_vdev_t handle;
	uint32_t pad;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
};
PVABI_SIZE(struct blkif_request_discard, 32);
PVABI_OFF(struct blkif_request_discard, operation, 0);
PVABI_OFF(struct blkif_request_discard, flag, 1);
PVABI_OFF(struct blkif_request_discard, handle, 2);
PVABI_OFF(struct blkif_request_discard, id, 8);
PVABI_OFF(struct blkif_request_discard, sector_number, 16);
PVABI_OFF(struct blkif_request_discard, nr_sectors, 24);
PVABI_OFF(struct blkif_request_discard, pad, 4);

struct blkif_request_indirect {
	uint8_t operation;		/* BLKIF_OP_INDIRECT */
	uint8_t indirect_op;		/* READ or WRITE */
	uint16_t nr_segments;
	uint32_t pad1;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	uint16_t pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t pad3;
};
PVABI_SIZE(struct blkif_request_indirect, 64);
PVABI_OFF(struct blkif_request_indirect, operation, 0);
PVABI_OFF(struct blkif_request_indirect, indirect_op, 1);
PVABI_OFF(struct blkif_request_indirect, nr_segments, 2);
PVABI_OFF(struct blkif_request_indirect, id, 8);
PVABI_OFF(struct blkif_request_indirect, sector_number, 16);
PVABI_OFF(struct blkif_request_indirect, handle, 24);
PVABI_OFF(struct blkif_request_indirect, indirect_grefs, 28);
PVABI_OFF(struct blkif_request_indirect, pad1, 4);
PVABI_OFF(struct blkif_request_indirect, pad2, 26);
PVABI_OFF(struct blkif_request_indirect, pad3, 60);

struct blkif_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad;
	int16_t status;			/* BLKIF_RSP_* */
	uint32_t pad1;
};
PVABI_SIZE(struct blkif_response, 16);
PVABI_OFF(struct blkif_response, id, 0);
PVABI_OFF(struct blkif_response, operation, 8);
PVABI_OFF(struct blkif_response, status, 10);
PVABI_OFF(struct blkif_response, pad, 9);
PVABI_OFF(struct blkif_response, pad1, 12);

PVABI_DEFINE_RING(blkif, struct blkif_request, struct blkif_response);
PVABI_SIZE(union blkif_sring_entry, 112);
PVABI_OFF(struct blkif_sring, hdr, 0);
PVABI_OFF(struct blkif_sring, ring, 64);

#endif

/* SPDX-License-Identifier: MIT */
/* The disk contents the blk tests agree on: what the host writes for the guest to read, and what the guest writes back. */
#ifndef BLK_PATTERN_H
#define BLK_PATTERN_H

#include <stdint.h>

#define BLK_IMAGE_BYTES		(32u << 20)	/* the test disk */
#define BLK_READ_SECTORS	(8u << 11)	/* sectors [0, 8 MiB) carry the host's pattern */
#define BLK_WRITE_FIRST		(16u << 11)	/* the guest writes [16 MiB, 24 MiB) */
#define BLK_WRITE_SECTORS	(8u << 11)

/*
 * Byte j of sector s. The first 8 bytes hold the sector number (with a
 * tag for the guest's writes), so a sector read from the wrong place never
 * matches; the rest is a pattern that differs from sector to sector.
 */
static inline uint8_t blk_host_byte(uint64_t s, unsigned int j)
{
	if (j < 8)
		return (uint8_t)(s >> (8 * j));
	return (uint8_t)(s * 131 + j * 7 + 3);
}

static inline uint8_t blk_guest_byte(uint64_t s, unsigned int j)
{
	uint64_t tagged = s | 0x5a00000000000000ULL;

	if (j < 8)
		return (uint8_t)(tagged >> (8 * j));
	return (uint8_t)(s * 37 + j * 11 + 0xa5);
}

#endif

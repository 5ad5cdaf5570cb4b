/* SPDX-License-Identifier: MIT */
/* Console ring page (hvc0): two byte rings with free-running u32 indices. */
#ifndef PVABI_IO_CONSOLE_H
#define PVABI_IO_CONSOLE_H

#include <stdint.h>
#include <pvabi/abi_check.h>

typedef uint32_t XENCONS_RING_IDX;

#define XENCONS_IN_SIZE		1024	/* backend -> guest */
#define XENCONS_OUT_SIZE	2048	/* guest -> backend */

struct xencons_interface {
	char in[XENCONS_IN_SIZE];
	char out[XENCONS_OUT_SIZE];
	XENCONS_RING_IDX in_cons;
	XENCONS_RING_IDX in_prod;
	XENCONS_RING_IDX out_cons;
	XENCONS_RING_IDX out_prod;
};
PVABI_SIZE(struct xencons_interface, 3088);
PVABI_OFF(struct xencons_interface, in, 0);
PVABI_OFF(struct xencons_interface, out, 1024);
PVABI_OFF(struct xencons_interface, in_cons, 3072);
PVABI_OFF(struct xencons_interface, in_prod, 3076);
PVABI_OFF(struct xencons_interface, out_cons, 3080);
PVABI_OFF(struct xencons_interface, out_prod, 3084);

/* Byte position of a free-running index in each array. */
static inline uint32_t xencons_in_pos(XENCONS_RING_IDX idx)
{
	return idx & (XENCONS_IN_SIZE - 1);
}

static inline uint32_t xencons_out_pos(XENCONS_RING_IDX idx)
{
	return idx & (XENCONS_OUT_SIZE - 1);
}

/*
 * Bytes a consumer may read, given a producer index it read exactly once;
 * -1 if the producer claims more than the array holds (broken peer).
 */
static inline int64_t xencons_avail(XENCONS_RING_IDX cons, XENCONS_RING_IDX prod,
				    uint32_t size)
{
	uint32_t n = prod - cons;
	return n > size ? -1 : (int64_t)n;
}

#endif

/* SPDX-License-Identifier: MIT */
/* x86 BCJ decoder: turns the absolute CALL/JMP targets that xz --x86 stored back into relative ones. */
#include "loader_lib.h"
#include "decompress.h"

/*
 * The encoder rewrote the rel32 operand of E8 (call) and E9 (jmp) bytes to
 * an absolute target when the operand's top byte was 00 or FF (a near
 * branch). Because E8/E9 also occur inside other instructions, it keeps a
 * small history of the E8/E9 bytes it saw in the last few bytes and skips
 * conversions that history makes doubtful. The decoder must replay that
 * history bit for bit, so the representation here is the format's own:
 *
 *   hist bit 0..3: an E8/E9 that was left alone stood 0..3 bytes before
 *                  the one being looked at (bit 0 is set right after it
 *                  and aged by one bit per byte of distance);
 *   hist bit 4..7: the same, for one whose fourth operand byte was 00/FF.
 *
 * Aging drops bits 3 and 7 before each shift, so only distances up to
 * three are remembered.
 */

#define BCJ_INSN_SIZE	5
#define BCJ_FAR		6	/* any distance above 5 forgets the history */
#define BCJ_PROGRESS_BYTES	(1u << 20)

static inline bool bcj_near_byte(uint32_t b)
{
	b &= 0xff;
	return b == 0x00 || b == 0xff;
}

static uint32_t bcj_age(uint32_t hist, size_t distance)
{
	if (distance >= BCJ_FAR)
		return 0;
	while (distance--)
		hist = (hist & 0x77) << 1;
	return hist;
}

/*
 * Converts only when the operand looks near and at most one plain E8/E9
 * stood within the last three bytes (history, shifted down one bit, in
 * {0, 1, 2, 4}).
 */
static bool bcj_may_convert(uint32_t hist, uint8_t top)
{
	uint32_t h = hist >> 1;

	return bcj_near_byte(top) && (h == 0 || h == 1 || h == 2 || h == 4);
}

static uint32_t bcj_target(uint32_t hist, uint32_t stored, uint32_t here)
{
	uint32_t h = hist >> 1;
	uint32_t dest = stored - here;
	uint32_t shift, round;

	if (h == 0)
		return dest;
	/*
	 * An earlier E8/E9 overlaps this operand. The encoder flipped the low
	 * bits when the byte it overlaps would have looked like a near
	 * operand; undo that. After one flip the tested byte is the
	 * complement of the earlier instruction's fourth operand byte, which
	 * was not 00/FF (else the history would forbid converting), so this
	 * ends after one round; the bound only guards the loop.
	 */
	shift = h == 1 ? 24 : h == 2 ? 16 : 8;
	for (round = 0; round < 4 && bcj_near_byte(dest >> (shift - 8)); round++)
		dest = (dest ^ ((1u << shift) - 1)) - here;
	return dest;
}

void bcj_x86_decode(uint8_t *buf, size_t len, uint32_t start)
{
	bcj_x86_decode_progress(buf, len, start, NULL);
}

void bcj_x86_decode_progress(uint8_t *buf, size_t len, uint32_t start, const struct decomp_progress *p)
{
	uint32_t hist = 0;
	size_t last = 0, i = 0, limit, next_progress = BCJ_PROGRESS_BYTES;
	bool seen = false;

	if (len < BCJ_INSN_SIZE)
		return;
	limit = len - BCJ_INSN_SIZE;
	for (;;) {
		uint8_t top;

		while (i <= limit && (buf[i] & 0xfe) != 0xe8)
			i++;
		if (i > limit)
			break;
		/* A kernel is tens of MiB: the progress hook (which never touches buf) gets a call per piece. */
		if (i >= next_progress) {
			decomp_progress_call(p);
			next_progress = i + BCJ_PROGRESS_BYTES;
		}
		hist = bcj_age(hist, seen ? i - last : BCJ_FAR);
		last = i;
		seen = true;
		top = buf[i + 4];
		if (bcj_may_convert(hist, top)) {
			uint32_t stored = (uint32_t)buf[i + 1] | (uint32_t)buf[i + 2] << 8 |
					  (uint32_t)buf[i + 3] << 16 | (uint32_t)top << 24;
			uint32_t dest = bcj_target(hist, stored, start + (uint32_t)i + BCJ_INSN_SIZE);

			buf[i + 1] = (uint8_t)dest;
			buf[i + 2] = (uint8_t)(dest >> 8);
			buf[i + 3] = (uint8_t)(dest >> 16);
			buf[i + 4] = (dest >> 24) & 1 ? 0xff : 0x00;	/* sign-extend bit 24 */
			i += BCJ_INSN_SIZE;
			hist = 0;
		} else {
			hist |= bcj_near_byte(top) ? 0x11 : 0x01;
			i++;
		}
	}
}

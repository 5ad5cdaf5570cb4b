/* SPDX-License-Identifier: MIT */
/* The console's history: the last bytes the hypervisor printed, kept for dom0's read (xl dmesg, Xen's readconsole). */
#include <hv/console.h>
#include <hv/lib.h>

/*
 * A ring of the last CONSOLE_HIST_SIZE bytes, addressed by stream
 * position (bytes ever written), so a reader that keeps its position
 * reads on incrementally and learns how much it missed. All of it under
 * the console lock: writers hold it already (console_write), the reader
 * takes it for a bounded copy.
 */
static char hist[CONSOLE_HIST_SIZE];
static uint64_t hist_head;	/* bytes ever written */
static uint64_t hist_cleared;	/* nothing before this position is readable (a clear) */

void console_hist_put(const char *s, size_t n)
{
	if (n > CONSOLE_HIST_SIZE) {
		s += n - CONSOLE_HIST_SIZE;
		hist_head += n - CONSOLE_HIST_SIZE;
		n = CONSOLE_HIST_SIZE;
	}
	while (n) {
		size_t at = (size_t)(hist_head % CONSOLE_HIST_SIZE);
		size_t chunk = MIN(n, CONSOLE_HIST_SIZE - at);

		memcpy(hist + at, s, chunk);
		hist_head += chunk;
		s += chunk;
		n -= chunk;
	}
}

static uint64_t hist_oldest(void)
{
	uint64_t kept = hist_head > CONSOLE_HIST_SIZE ? hist_head - CONSOLE_HIST_SIZE : 0;

	return MAX(kept, hist_cleared);
}

size_t console_hist_read(uint64_t *index, char *out, size_t len, uint64_t *skipped)
{
	uint64_t from = MAX(*index, hist_oldest());
	size_t n, done = 0;

	*skipped = from - *index;
	if (from > hist_head) {		/* a position past the end: nothing yet, nothing skipped */
		*skipped = 0;
		return 0;
	}
	n = (size_t)MIN((uint64_t)len, hist_head - from);
	while (done < n) {
		size_t at = (size_t)((from + done) % CONSOLE_HIST_SIZE);
		size_t chunk = MIN(n - done, CONSOLE_HIST_SIZE - at);

		memcpy(out + done, hist + at, chunk);
		done += chunk;
	}
	*index = from + n;
	return n;
}

/* Forget up to pos (at most everything written): a reader clears what it has read, never what came since. */
void console_hist_clear_upto(uint64_t pos)
{
	hist_cleared = MAX(hist_cleared, MIN(pos, hist_head));
}

uint64_t console_hist_end(void)
{
	return hist_head;
}

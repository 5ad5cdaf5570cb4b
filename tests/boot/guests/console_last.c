/* SPDX-License-Identifier: MIT */
/*
 * console_last (Skiff boot tests, domU, no dom0 backend): what a guest
 * writes to its console ring just before it shuts down must reach the log,
 * as Linux's poweroff -f writes its last lines and shuts down at once. The
 * guest fills part of the ring (less than it holds, so it never waits for
 * the hypervisor's tick) and ends with a line that has no newline; then the
 * runtime shuts the domain down. The boot test looks for every line.
 */
#include <pvabi/io/console.h>
#include "rt_page.h"
#include "test.h"

#define LINES	12

static volatile struct xencons_interface *ring;

/* Only while there is room: the test never waits for the consumer. */
static bool ring_puts(const char *s)
{
	XENCONS_RING_IDX prod = ring->out_prod, cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
	size_t n = strlen(s);

	if (n > XENCONS_OUT_SIZE - (prod - cons))
		return false;
	for (size_t i = 0; i < n; i++)
		ring->out[xencons_out_pos(prod + (XENCONS_RING_IDX)i)] = s[i];
	__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
	return true;
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	char line[96];
	bool ok = true;
	void *va;

	tc_check(si->console.domU.mfn != 0, "start_info names a console ring");
	va = rt_window_get();
	if (!va || rt_window_map(va, si->console.domU.mfn, true) != 0) {
		tc_error("cannot map the console ring");
		return;
	}
	ring = va;
	tc_pass("the ring is mapped; the last lines follow, then the shutdown");
	for (unsigned int i = 1; i <= LINES && ok; i++) {
		snprintf(line, sizeof(line), "console_last: line %u of %u before the shutdown\r\n", i, LINES);
		ok = ring_puts(line);
	}
	if (ok)
		ok = ring_puts("console_last: the end, with no newline");
	if (!ok)
		tc_error("the ring had no room: the hypervisor is not draining it");
}

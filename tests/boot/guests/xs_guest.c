/* SPDX-License-Identifier: MIT */
/*
 * xs_guest (Skiff boot tests, domU): the runtime's xenstore client over
 * the store ring and event channel from start_info, against dom0's
 * xenstored. Reads the nodes the toolstack wrote for it, writes where it
 * may, is refused where it may not, gets a watch event, and measures
 * requests per second over the ring.
 */
#include <pvabi/errno.h>
#include "test.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "rt_xs.h"

#define BENCH_ROUNDS 1000

static bool read_is(struct xs_handle *h, const char *path, const char *want)
{
	unsigned int len;
	char *v = xs_read(h, XBT_NULL, path, &len);
	bool ok = v && strcmp(v, want) == 0;

	rt_printf("xenstore: %s = %s\n", path, v ? v : "(error)");
	xs_free(h, v);
	return ok;
}

static void bench(struct xs_handle *h)
{
	uint64_t t0 = rt_now_ns(), ns;
	unsigned int ok = 0, len;
	char val[16];

	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		char *v;

		snprintf(val, sizeof(val), "%u", i);
		ok += xs_write(h, XBT_NULL, "data/bench", val, (unsigned int)strlen(val));
		v = xs_read(h, XBT_NULL, "data/bench", &len);
		ok += v && strcmp(v, val) == 0;
		xs_free(h, v);
	}
	ns = rt_now_ns() - t0;
	tc_check(ok == 2 * BENCH_ROUNDS, "%u write/read pairs all answered right", BENCH_ROUNDS);
	rt_printf("xenstore bench: %u requests in %lu us over the ring: %lu requests/s\n", 2 * BENCH_ROUNDS,
		  (unsigned long)(ns / 1000), (unsigned long)(ns ? 2ULL * BENCH_ROUNDS * 1000000000ULL / ns : 0));
}

/* Our domid as the test's command line says ("domid=N"), else 1. */
static unsigned int expected_domid(void)
{
	const char *p = rt_boot.si->cmd_line;
	unsigned int id = 0;

	for (; *p; p++) {
		if (strncmp(p, "domid=", 6) == 0) {
			for (p += 6; *p >= '0' && *p <= '9'; p++)
				id = id * 10 + (unsigned int)(*p - '0');
			return id;
		}
	}
	return 1;
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	unsigned int domid = expected_domid();
	struct xs_handle *h;
	unsigned int num, len;
	char **ev, *v, want[40];
	long rc;

	tc_expect_eq(rt_event_init(), 0, "event setup");
	tc_expect_eq(rt_timer_init(), 0, "timer setup");
	tc_check(si->store_mfn && si->store_evtchn, "start_info has a store ring and port (%u)", si->store_evtchn);
	h = rt_xs_open(&rc);
	tc_check(h != NULL, "open the xenstore ring (%ld)", rc);
	if (!h)
		return;
	v = xs_read(h, XBT_NULL, "domid", &len);
	snprintf(want, sizeof(want), "%u", domid);
	tc_check(v && strcmp(v, want) == 0, "read our domid: %s", v ? v : "(error)");
	xs_free(h, v);
	v = xs_get_domain_path(h, domid);
	snprintf(want, sizeof(want), "/local/domain/%u", domid);
	tc_check(v && strcmp(v, want) == 0, "GET_DOMAIN_PATH: %s", v ? v : "(error)");
	xs_free(h, v);
	tc_check(read_is(h, "name", "xsguest"), "our name as the toolstack wrote it");
	tc_check(read_is(h, "memory/target", "32768"), "our memory target in KiB");
	v = xs_read(h, XBT_NULL, "vm", &len);
	tc_check(v && strncmp(v, "/vm/", 4) == 0, "a vm path: %s", v ? v : "(error)");
	if (v) {
		char uuidpath[80];

		snprintf(uuidpath, sizeof(uuidpath), "%s/uuid", v);
		tc_check(read_is(h, uuidpath, v + 4), "the /vm node names our UUID");
	}
	xs_free(h, v);
	tc_check(xs_write(h, XBT_NULL, "data/greeting", "hello", 5), "write under data/");
	tc_check(read_is(h, "data/greeting", "hello"), "and read it back");
	tc_check(!xs_write(h, XBT_NULL, "name", "mallory", 7) && xs_error(h) == XEN_EACCES,
		 "renaming ourselves is refused (EACCES)");
	tc_check(!xs_read(h, XBT_NULL, "/local/domain/0", &len), "dom0's home is not ours to read");
	tc_check(xs_watch(h, "control/shutdown", "sd"), "watch control/shutdown");
	ev = xs_read_watch_timeout(h, &num, 2000);
	tc_check(ev && strcmp(ev[XS_WATCH_TOKEN], "sd") == 0, "the watch fires once at registration (%s)",
		 ev ? ev[XS_WATCH_PATH] : "none");
	xs_free(h, ev);
	tc_check(xs_write(h, XBT_NULL, "control/shutdown", "", 0), "write our own control/shutdown");
	ev = xs_read_watch_timeout(h, &num, 2000);
	tc_check(ev && strcmp(ev[XS_WATCH_PATH], "control/shutdown") == 0, "and the watch fires for the change");
	xs_free(h, ev);
	bench(h);
}

/* SPDX-License-Identifier: MIT */
/* In-process benchmark of the xenstored core alone (no transport): requests per second by kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xsd.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends one request and takes every queued message; returns the reply's payload start. */
static const char *call(struct xsd_conn *c, uint32_t type, uint32_t tx, const void *pl,
			uint32_t len)
{
	static uint8_t buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	static char last[64];
	struct xsd_sockmsg h = { .type = type, .req_id = 1, .tx_id = tx, .len = len };
	const uint8_t *p;
	size_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), pl, len);
	if (xsd_conn_feed(c, buf, sizeof(h) + len) < 0)
		exit(fprintf(stderr, "bench_core: connection broke\n") != 0);
	last[0] = '\0';
	while ((n = xsd_conn_out_peek(c, &p)) != 0) {
		struct xsd_sockmsg r;

		memcpy(&r, p, sizeof(r));
		if (r.type != XS_WATCH_EVENT) {
			size_t l = r.len < sizeof(last) - 1 ? r.len : sizeof(last) - 1;

			memcpy(last, p + sizeof(r), l);
			last[l] = '\0';
			if (r.type == XS_ERROR)
				exit(fprintf(stderr, "bench_core: error %s\n", last) != 0);
		}
		xsd_conn_out_consume(c, n);
	}
	return last;
}

static void drain(struct xsd_conn *c)
{
	const uint8_t *p;
	size_t n;

	while ((n = xsd_conn_out_peek(c, &p)) != 0)
		xsd_conn_out_consume(c, n);
}

int main(void)
{
	struct xsd_store s;
	struct xsd_conn *c, *w[100];
	const int N = 200000;
	double t0;
	char tx[16];

	if (xsd_store_init(&s, NULL) < 0)
		return 1;
	c = xsd_conn_new(&s, 0);
	for (int i = 0; i < 1000; i++) {
		char pl[64];
		int l = snprintf(pl, sizeof(pl), "/bench/node%d", i) + 1;

		memcpy(pl + l, "0123456789abcdef", 16);
		call(c, XS_WRITE, 0, pl, (uint32_t)l + 16);
	}
	t0 = now();
	for (int i = 0; i < N; i++)
		call(c, XS_READ, 0, "/bench/node7", 13);
	printf("core read      : %9.0f ops/s\n", N / (now() - t0));
	t0 = now();
	for (int i = 0; i < N; i++)
		call(c, XS_WRITE, 0, "/bench/node7\0" "0123456789abcdef", 29);
	printf("core write     : %9.0f ops/s\n", N / (now() - t0));
	t0 = now();
	for (int i = 0; i < N / 4; i++) {
		uint32_t id;

		snprintf(tx, sizeof(tx), "%s", call(c, XS_TRANSACTION_START, 0, "", 1));
		id = (uint32_t)atoi(tx);
		call(c, XS_WRITE, id, "/bench/node7\0" "0123456789abcdef", 29);
		call(c, XS_TRANSACTION_END, id, "T", 2);
	}
	printf("core commit    : %9.0f txn/s (start + write + end)\n", (N / 4) / (now() - t0));
	for (int i = 0; i < 100; i++) {
		char pl[64];
		int l = snprintf(pl, sizeof(pl), "/bench/node%d", i) + 1;

		w[i] = xsd_conn_new(&s, 0);
		memcpy(pl + l, "t", 2);
		call(w[i], XS_WATCH, 0, pl, (uint32_t)l + 2);
	}
	t0 = now();
	for (int i = 0; i < N / 4; i++) {
		call(c, XS_WRITE, 0, "/bench/node7\0" "x", 15);
		drain(w[7]);
	}
	printf("core write+fire: %9.0f ops/s (100 watchers on other paths, 1 hit)\n",
	       (N / 4) / (now() - t0));
	xsd_store_destroy(&s);
	return 0;
}

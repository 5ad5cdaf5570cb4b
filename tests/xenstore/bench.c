/* SPDX-License-Identifier: MIT */
/* xenstore socket benchmark: read/write/commit throughput and watch-fire latency of whatever serves XENSTORED_PATH. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xs_client.h"

static double bench_secs = 2.0;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct xs_handle *open_or_die(void)
{
	struct xs_handle *h = xs_open(0);

	if (!h) {
		perror("bench: xs_open");
		exit(1);
	}
	return h;
}

enum bench_op { OP_READ, OP_WRITE, OP_COMMIT };

/* One operation; returns 1 if it counts (a commit that hit EAGAIN does not). */
static int bench_one(struct xs_handle *h, enum bench_op op, const char *key)
{
	static const char val[] = "0123456789abcdef";
	xs_transaction_t t;
	char *v;

	switch (op) {
	case OP_READ:
		v = xs_read(h, XBT_NULL, key, NULL);
		if (!v)
			exit(fprintf(stderr, "bench: read %s failed (%d)\n", key, xs_error(h)) != 0);
		free(v);
		return 1;
	case OP_WRITE:
		if (!xs_write(h, XBT_NULL, key, val, sizeof(val) - 1))
			exit(fprintf(stderr, "bench: write failed (%d)\n", xs_error(h)) != 0);
		return 1;
	case OP_COMMIT:
		t = xs_transaction_start(h);
		if (!t || !xs_write(h, t, key, val, sizeof(val) - 1))
			exit(fprintf(stderr, "bench: txn failed (%d)\n", xs_error(h)) != 0);
		return xs_transaction_end(h, t, false) ? 1 : 0;
	}
	return 0;
}

struct worker {
	pthread_t tid;
	enum bench_op op;
	char key[64];
	long ops;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct xs_handle *h = open_or_die();
	double end = now() + bench_secs / 5;

	while (now() < end)
		for (int i = 0; i < 64; i++)
			w->ops += bench_one(h, w->op, w->key);
	xs_close(h);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double throughput(enum bench_op op, int clients);

/* The machine is shared: report the median of five short trials, with the range. */
static void report(const char *label, enum bench_op op, int clients, const char *unit)
{
	double v[5];

	for (int i = 0; i < 5; i++)
		v[i] = throughput(op, clients);
	qsort(v, 5, sizeof(v[0]), cmp_double);
	printf("%-16s: %9.0f %s  (median of 5; range %.0f-%.0f)\n", label, v[2], unit, v[0], v[4]);
}

static double throughput(enum bench_op op, int clients)
{
	struct worker w[16];
	double t0 = now(), total = 0;

	for (int i = 0; i < clients; i++) {
		w[i].op = op;
		w[i].ops = 0;
		snprintf(w[i].key, sizeof(w[i].key), "/bench/key%d", i);
		pthread_create(&w[i].tid, NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(w[i].tid, NULL);
		total += (double)w[i].ops;
	}
	return total / (now() - t0);
}


/* Time from issuing a write on one connection to the event arriving on another. */
static void watch_latency(double *median_us, double *p99_us, double *write_us)
{
	enum { N = 2000 };
	static double lat[N], wr[N];
	struct xs_handle *w = open_or_die(), *c = open_or_die();
	unsigned int n;
	char **ev;

	if (!xs_watch(w, "/bench/watched", "lat"))
		exit(fprintf(stderr, "bench: watch failed\n") != 0);
	free(xs_read_watch(w, &n));
	for (int i = 0; i < N; i++) {
		double t0 = now(), t1;

		bench_one(c, OP_WRITE, "/bench/watched");
		t1 = now();
		ev = xs_read_watch(w, &n);
		if (!ev)
			exit(fprintf(stderr, "bench: no event\n") != 0);
		free(ev);
		lat[i] = (now() - t0) * 1e6;
		wr[i] = (t1 - t0) * 1e6;
	}
	qsort(lat, N, sizeof(lat[0]), cmp_double);
	qsort(wr, N, sizeof(wr[0]), cmp_double);
	*median_us = lat[N / 2];
	*p99_us = lat[N * 99 / 100];
	*write_us = wr[N / 2];
	xs_close(w);
	xs_close(c);
}

int main(int argc, char **argv)
{
	struct xs_handle *h;
	double med, p99, wr;

	if (argc > 1)
		bench_secs = atof(argv[1]);
	h = open_or_die();
	for (int i = 0; i < 16; i++) {
		char key[64];

		snprintf(key, sizeof(key), "/bench/key%d", i);
		bench_one(h, OP_WRITE, key);
	}
	xs_close(h);
	report("read, 1 client", OP_READ, 1, "ops/s");
	report("read, 4 clients", OP_READ, 4, "ops/s");
	report("write, 1 client", OP_WRITE, 1, "ops/s");
	report("write, 4 clients", OP_WRITE, 4, "ops/s");
	report("commit, 1 client", OP_COMMIT, 1, "txn/s");
	report("commit, 4 clients", OP_COMMIT, 4, "txn/s");
	printf("(a commit is TRANSACTION_START + WRITE + TRANSACTION_END; 4 clients use disjoint keys)\n");
	watch_latency(&med, &p99, &wr);
	printf("watch fire latency: median %.1f us, p99 %.1f us (write round trip alone: median %.1f us)\n",
	       med, p99, wr);
	return 0;
}

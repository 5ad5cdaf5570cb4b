/* SPDX-License-Identifier: MIT */
/* Concurrency stress of skiff-xenstored over its socket: many clients, transactions and watches at once. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_client.h"

/*
 * Invariants checked:
 *  - committed transactions keep /stress/a == /stress/b (writers bump both);
 *  - a reader transaction that commits never saw a != b (no inconsistent reads);
 *  - the final counter equals the number of successful writer commits;
 *  - every watcher sees every write to /stress/ev/<writer>/<seq> exactly once, in order.
 */
#define WRITERS 8
#define READERS 4
#define WATCHERS 6
#define TXNS_PER_WRITER 300
#define EVENTS_PER_WRITER 1000

static pthread_barrier_t start_line;
static atomic_long commits, conflicts, reader_commits, failures;

static void fail(const char *what, int err)
{
	fprintf(stderr, "stress: FAIL %s (error %d)\n", what, err);
	atomic_fetch_add(&failures, 1);
}

static long read_num(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char *v = xs_read(h, t, path, NULL);
	long n = v ? atol(v) : -1;

	free(v);
	return n;
}

static void write_num(struct xs_handle *h, xs_transaction_t t, const char *path, long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", n);
	if (!xs_write(h, t, path, buf, (unsigned int)strlen(buf)))
		fail("write", xs_error(h));
}

static void *writer(void *arg)
{
	int id = (int)(long)arg;
	struct xs_handle *h = xs_open(0);
	char path[64];
	int done = 0, seq = 0;

	pthread_barrier_wait(&start_line);
	if (!h)
		return fail("open", errno), NULL;
	while (done < TXNS_PER_WRITER || seq < EVENTS_PER_WRITER) {
		if (seq < EVENTS_PER_WRITER) {
			snprintf(path, sizeof(path), "/stress/ev/%d/%d", id, seq++);
			write_num(h, XBT_NULL, path, seq);
		}
		if (done < TXNS_PER_WRITER) {
			xs_transaction_t t = xs_transaction_start(h);
			long a = read_num(h, t, "/stress/a"), b = read_num(h, t, "/stress/b");

			write_num(h, t, "/stress/a", a + 1);
			write_num(h, t, "/stress/b", b + 1);
			if (xs_transaction_end(h, t, false)) {
				atomic_fetch_add(&commits, 1);
				done++;
			} else if (xs_error(h) == XEN_EAGAIN) {
				atomic_fetch_add(&conflicts, 1);
			} else {
				fail("writer commit", xs_error(h));
				break;
			}
		}
	}
	xs_close(h);
	return NULL;
}

static atomic_int writers_left = WRITERS;

static void *reader(void *arg)
{
	struct xs_handle *h = xs_open(0);

	(void)arg;
	pthread_barrier_wait(&start_line);
	if (!h)
		return fail("open", errno), NULL;
	while (atomic_load(&writers_left) > 0) {
		xs_transaction_t t = xs_transaction_start(h);
		long a = read_num(h, t, "/stress/a"), b = read_num(h, t, "/stress/b");

		if (xs_transaction_end(h, t, false)) {
			atomic_fetch_add(&reader_commits, 1);
			if (a != b) {
				fprintf(stderr, "stress: inconsistent read a=%ld b=%ld\n", a, b);
				fail("consistency", 0);
			}
		} else if (xs_error(h) != XEN_EAGAIN) {
			fail("reader commit", xs_error(h));
			break;
		}
	}
	xs_close(h);
	return NULL;
}

static void *watcher(void *arg)
{
	int id = (int)(long)arg, next[WRITERS] = { 0 }, total = 0;
	struct xs_handle *h = xs_open(0);
	char token[16];
	unsigned int n;
	char **ev;

	snprintf(token, sizeof(token), "w%d", id);
	if (!h || !xs_watch(h, "/stress/ev", token)) {
		pthread_barrier_wait(&start_line);
		return fail("watch", h ? xs_error(h) : errno), NULL;
	}
	ev = xs_read_watch_timeout(h, &n, 5000);  /* the registration event */
	if (!ev || strcmp(ev[XS_WATCH_PATH], "/stress/ev") != 0)
		fail("initial event", 0);
	free(ev);
	pthread_barrier_wait(&start_line);
	while (total < WRITERS * EVENTS_PER_WRITER) {
		int w, seq;

		ev = xs_read_watch_timeout(h, &n, 20000);
		if (!ev) {
			fprintf(stderr, "stress: watcher %d got %d of %d events\n", id, total,
				WRITERS * EVENTS_PER_WRITER);
			fail("lost events", xs_error(h));
			break;
		}
		if (strcmp(ev[XS_WATCH_TOKEN], token) != 0)
			fail("token", 0);
		/* Intermediate /stress/ev/<w> directories fire too: only leaves count. */
		if (sscanf(ev[XS_WATCH_PATH], "/stress/ev/%d/%d", &w, &seq) == 2) {
			if (w < 0 || w >= WRITERS || seq != next[w]) {
				fprintf(stderr, "stress: watcher %d: %s out of order (want %d)\n", id,
					ev[XS_WATCH_PATH], w >= 0 && w < WRITERS ? next[w] : -1);
				fail("event order/duplicate", 0);
			} else {
				next[w]++;
				total++;
			}
		}
		free(ev);
	}
	ev = xs_read_watch_timeout(h, &n, 300);
	if (ev) {
		fprintf(stderr, "stress: watcher %d: extra event %s\n", id, ev[XS_WATCH_PATH]);
		fail("duplicate event", 0);
		free(ev);
	}
	xs_close(h);
	return NULL;
}

int main(void)
{
	pthread_t wr[WRITERS], rd[READERS], wa[WATCHERS];
	struct xs_handle *h = xs_open(0);
	long a, b;
	char *check;

	if (!h) {
		perror("stress: xs_open");
		return 1;
	}
	write_num(h, XBT_NULL, "/stress/a", 0);
	write_num(h, XBT_NULL, "/stress/b", 0);
	pthread_barrier_init(&start_line, NULL, WRITERS + READERS + WATCHERS);
	for (long i = 0; i < WATCHERS; i++)
		pthread_create(&wa[i], NULL, watcher, (void *)i);
	for (long i = 0; i < READERS; i++)
		pthread_create(&rd[i], NULL, reader, (void *)i);
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&wr[i], NULL, writer, (void *)i);
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(wr[i], NULL);
		atomic_fetch_sub(&writers_left, 1);
	}
	for (int i = 0; i < READERS; i++)
		pthread_join(rd[i], NULL);
	for (int i = 0; i < WATCHERS; i++)
		pthread_join(wa[i], NULL);
	a = read_num(h, XBT_NULL, "/stress/a");
	b = read_num(h, XBT_NULL, "/stress/b");
	if (a != b || a != atomic_load(&commits))
		fprintf(stderr, "stress: final a=%ld b=%ld commits=%ld\n", a, b, atomic_load(&commits)),
			fail("final counter", 0);
	check = xs_request(h, XS_CONTROL, XBT_NULL, "check", 6, NULL);
	if (!check || strcmp(check, "OK") != 0)
		fail("store check", xs_error(h));
	free(check);
	xs_close(h);
	printf("stress: %ld writer commits, %ld conflicts (EAGAIN, retried), %ld reader commits, "
	       "%d watchers x %d events, %ld failures\n",
	       atomic_load(&commits), atomic_load(&conflicts), atomic_load(&reader_commits),
	       WATCHERS, WRITERS * EVENTS_PER_WRITER, atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}

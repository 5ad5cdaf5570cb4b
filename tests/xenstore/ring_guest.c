/* SPDX-License-Identifier: MIT */
/* A host process acting as a guest domain: our freestanding-capable client over a shared ring page. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xs_client.h"

struct port {
	int kick, irq;
};

static void port_notify(void *ctx)
{
	struct port *p = ctx;

	if (write(p->kick, "k", 1) < 0 && errno != EAGAIN)
		perror("ring_guest: kick");
}

static int port_wait(void *ctx, int timeout_ms)
{
	struct port *p = ctx;
	struct pollfd pf = { .fd = p->irq, .events = POLLIN };
	char buf[256];
	int r = poll(&pf, 1, timeout_ms);

	if (r <= 0)
		return r;
	while (read(p->irq, buf, sizeof(buf)) > 0)
		;
	return 1;
}

static int open_fifo(const char *page, const char *suffix)
{
	char name[4096];

	snprintf(name, sizeof(name), "%s%s", page, suffix);
	return open(name, O_RDWR | O_NONBLOCK);
}

#define FAIL(...) do { fprintf(stderr, "ring_guest: FAIL " __VA_ARGS__); exit(1); } while (0)

static long read_counter(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char *v = xs_read(h, t, path, NULL);
	long n = v ? atol(v) : 0;

	free(v);
	return n;
}

/* Increments a counter node in a transaction, retrying on EAGAIN; returns retries. */
static int bump(struct xs_handle *h, const char *path)
{
	char buf[32];

	for (int retries = 0;; retries++) {
		xs_transaction_t t = xs_transaction_start(h);

		if (!t)
			FAIL("transaction_start: %d\n", xs_error(h));
		snprintf(buf, sizeof(buf), "%ld", read_counter(h, t, path) + 1);
		if (!xs_write(h, t, path, buf, (unsigned int)strlen(buf)))
			FAIL("write in txn: %d\n", xs_error(h));
		if (xs_transaction_end(h, t, false))
			return retries;
		if (xs_error(h) != XEN_EAGAIN)
			FAIL("commit: %d\n", xs_error(h));
	}
}

/* Waits (bounded) until dom0 writes control/shutdown = poweroff. */
static void await_shutdown(struct xs_handle *h)
{
	for (int i = 0; i < 200; i++) {
		char *v = xs_read(h, XBT_NULL, "control/shutdown", NULL), **ev;
		unsigned int n;
		int done = v && strcmp(v, "poweroff") == 0;

		free(v);
		if (done)
			return;
		ev = xs_read_watch_timeout(h, &n, 100);
		free(ev);
	}
	FAIL("no control/shutdown from dom0\n");
}

int main(int argc, char **argv)
{
	struct port port;
	struct xs_ring_ops ops = { .ctx = &port, .notify = port_notify, .wait = port_wait,
				   .alloc = malloc, .free = free };
	struct xenstore_domain_interface *page;
	struct xs_handle *h;
	int fd, iters, retries = 0;
	char buf[64], *v, **d;
	unsigned int n;

	if (argc != 5) {
		fprintf(stderr, "usage: ring_guest PAGEFILE DOMID OTHER_DOMID ITERATIONS\n");
		return 2;
	}
	iters = atoi(argv[4]);
	fd = open(argv[1], O_RDWR);
	page = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	port.kick = open_fifo(argv[1], ".kick");
	port.irq = open_fifo(argv[1], ".irq");
	if (page == MAP_FAILED || port.kick < 0 || port.irq < 0)
		FAIL("cannot map %s or its FIFOs: %s\n", argv[1], strerror(errno));
	h = xs_open_ring(page, &ops);
	if (!h)
		FAIL("xs_open_ring\n");
	v = xs_get_domain_path(h, (unsigned int)atoi(argv[2]));
	snprintf(buf, sizeof(buf), "/local/domain/%s", argv[2]);
	if (!v || strcmp(v, buf) != 0)
		FAIL("domain path %s\n", v ? v : "(null)");
	free(v);
	if (!xs_watch(h, "control", "ctl"))
		FAIL("watch: %d\n", xs_error(h));
	for (int i = 0; i < iters; i++) {
		snprintf(buf, sizeof(buf), "data/%d", i % 50);
		if (!xs_write(h, XBT_NULL, buf, argv[2], (unsigned int)strlen(argv[2])))
			FAIL("write %s: %d\n", buf, xs_error(h));
		retries += bump(h, "counter");
		retries += bump(h, "/shared/counter");  /* contended with the other guest */
	}
	d = xs_directory(h, XBT_NULL, "data", &n);
	if (!d || n != (unsigned int)(iters < 50 ? iters : 50))
		FAIL("directory data: %u entries\n", d ? n : 0);
	free(d);
	if (read_counter(h, XBT_NULL, "counter") != iters)
		FAIL("counter %ld, want %d\n", read_counter(h, XBT_NULL, "counter"), iters);
	snprintf(buf, sizeof(buf), "/local/domain/%s/counter", argv[3]);
	if (xs_read(h, XBT_NULL, buf, NULL) || xs_error(h) != XEN_EACCES)
		FAIL("read of another domain's node was not refused (%d)\n", xs_error(h));
	await_shutdown(h);
	printf("ring_guest dom%s: %d writes + %d commits over the ring (%d EAGAIN retries), "
	       "isolation and shutdown watch OK\n", argv[2], iters, 2 * iters, retries);
	xs_close(h);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* skiff-xenstored: the xenstore server as a host program serving a Unix socket. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_ring.h"
#include "xsd.h"
#include "xsd_socket.h"

static volatile sig_atomic_t xsd_stop;

static void xsd_on_signal(int sig)
{
	(void)sig;
	xsd_stop = 1;
}

static void xsd_stderr_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "skiff-xenstored: %s\n", msg);
}

/* Splits SPEC at its last ':' into a path (in place) and a guest domid. */
static int xsd_split_spec(char *spec, const char *opt, uint32_t *domid)
{
	char *colon = strrchr(spec, ':'), *end;
	unsigned long v;

	if (!colon || colon == spec) {
		fprintf(stderr, "skiff-xenstored: %s wants PATH:DOMID\n", opt);
		return -1;
	}
	*colon = '\0';
	v = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || v == 0 || v > XSD_DOMID_MAX) {
		fprintf(stderr, "skiff-xenstored: bad domid in %s %s\n", opt, colon + 1);
		return -1;
	}
	*domid = (uint32_t)v;
	return 0;
}

struct xsd_rings {
	struct xsd_host_ring *v;
	size_t n;
};

static void xsd_rings_poll(void *ctx)
{
	struct xsd_rings *r = ctx;

	for (size_t i = 0; i < r->n; i++)
		xsd_host_ring_poll(&r->v[i]);
}

/* Opens every --ring PAGEFILE:DOMID; the arrays grow with the arguments. */
static int xsd_open_rings(struct xsd_store *s, char **specs, size_t n, struct xsd_rings *r,
			  struct xsd_poll_hook **hooks)
{
	r->v = calloc(n ? n : 1, sizeof(*r->v));
	*hooks = calloc(n ? n : 1, sizeof(**hooks));
	if (!r->v || !*hooks)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t domid;

		if (xsd_split_spec(specs[i], "--ring", &domid) < 0)
			return -1;
		if (xsd_host_ring_open(&r->v[i], s, specs[i], domid) < 0) {
			fprintf(stderr, "skiff-xenstored: %s: %s\n", specs[i], strerror(errno));
			return -1;
		}
		(*hooks)[i] = (struct xsd_poll_hook){ .fd = r->v[i].kick_fd,
						      .ready = xsd_host_ring_kicked,
						      .ctx = &r->v[i] };
		r->n++;
	}
	return 0;
}

static int xsd_open_guest_sockets(char **specs, size_t n, struct xsd_listener *out)
{
	for (size_t i = 0; i < n; i++) {
		if (xsd_split_spec(specs[i], "--guest-socket", &out[i].domid) < 0)
			return -1;
		out[i].fd = xsd_socket_listen(specs[i]);
		if (out[i].fd < 0) {
			fprintf(stderr, "skiff-xenstored: %s: %s\n", specs[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void xsd_usage(FILE *f)
{
	fprintf(f, "usage: skiff-xenstored --socket PATH [--verbose] [--quota NAME=VALUE]...\n"
		   "                       [--ring PAGEFILE:DOMID]... [--guest-socket PATH:DOMID]...\n"
		   "  Serves the xenstore wire protocol on a Unix socket; every client\n"
		   "  is treated as dom0.  Point libxenstore at it with XENSTORED_PATH=PATH.\n"
		   "  Quotas (guests only): nodes, node-size, watches, transactions,\n"
		   "  outstanding, watch-events, transaction-nodes.\n"
		   "  --ring serves a host process acting as domain DOMID over a ring page in\n"
		   "  PAGEFILE, with PAGEFILE.kick / PAGEFILE.irq FIFOs as its event channel.\n"
		   "  --guest-socket (testing aid) treats every client of PATH as domain DOMID.\n");
}

int main(int argc, char **argv)
{
	struct xsd_platform plat = { .log = NULL };
	struct sigaction sa = { .sa_handler = xsd_on_signal };
	struct xsd_store store;
	const char *path = NULL, *quotas[32];
	char **ring_specs = calloc((size_t)argc, sizeof(char *));
	char **guest_specs = calloc((size_t)argc, sizeof(char *));
	struct xsd_listener *listeners = calloc((size_t)argc, sizeof(*listeners));
	size_t nguests = 0;
	struct xsd_rings rings = { 0 };
	struct xsd_poll_hook *hooks = NULL;
	struct xsd_serve_opts opts;
	size_t nrings = 0;
	int lfd, rc, nquotas = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--quota") == 0 && i + 1 < argc && nquotas < 32) {
			quotas[nquotas++] = argv[++i];
		} else if (strcmp(argv[i], "--ring") == 0 && i + 1 < argc && ring_specs) {
			ring_specs[nrings++] = argv[++i];
		} else if (strcmp(argv[i], "--guest-socket") == 0 && i + 1 < argc && guest_specs) {
			guest_specs[nguests++] = argv[++i];
		} else if (strcmp(argv[i], "--verbose") == 0) {
			plat.log = xsd_stderr_log;
		} else if (strcmp(argv[i], "--help") == 0) {
			xsd_usage(stdout);
			return 0;
		} else {
			xsd_usage(stderr);
			return 2;
		}
	}
	if (!path) {
		xsd_usage(stderr);
		return 2;
	}
	if (xsd_store_init(&store, &plat) < 0) {
		fprintf(stderr, "skiff-xenstored: out of memory\n");
		return 1;
	}
	for (int i = 0; i < nquotas; i++) {
		char name[32];
		const char *eq = strchr(quotas[i], '=');
		char *end;
		unsigned long long v;

		if (!eq || (size_t)(eq - quotas[i]) >= sizeof(name)) {
			fprintf(stderr, "skiff-xenstored: --quota wants NAME=VALUE\n");
			return 2;
		}
		memcpy(name, quotas[i], (size_t)(eq - quotas[i]));
		name[eq - quotas[i]] = '\0';
		v = strtoull(eq + 1, &end, 10);
		if (*end || eq[1] == '\0' || xsd_quota_set(&store, name, v) != 0) {
			fprintf(stderr, "skiff-xenstored: bad quota %s\n", quotas[i]);
			return 2;
		}
	}
	lfd = xsd_socket_listen(path);
	if (lfd < 0) {
		fprintf(stderr, "skiff-xenstored: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (xsd_open_rings(&store, ring_specs, nrings, &rings, &hooks) < 0 || !listeners ||
	    xsd_open_guest_sockets(guest_specs, nguests, listeners) < 0)
		return 1;
	opts = (struct xsd_serve_opts){ .listeners = listeners, .nlisteners = nguests,
					.hooks = hooks, .nhooks = rings.n,
					.after_round = xsd_rings_poll, .ctx = &rings };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = xsd_socket_serve(&store, lfd, &opts, &xsd_stop);
	close(lfd);
	unlink(path);
	xsd_store_destroy(&store);
	free(rings.v);
	free(hooks);
	for (size_t i = 0; i < nguests; i++) {
		close(listeners[i].fd);
		unlink(guest_specs[i]);
	}
	free(ring_specs);
	free(guest_specs);
	free(listeners);
	return rc < 0 ? 1 : 0;
}

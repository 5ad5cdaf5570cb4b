/* skiff-xenstored: the xenstore server as a host program serving a Unix socket. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void xsd_usage(FILE *f)
{
	fprintf(f, "usage: skiff-xenstored --socket PATH [--verbose]\n"
		   "  Serves the xenstore wire protocol on a Unix socket; every client\n"
		   "  is treated as dom0.  Point libxenstore at it with XENSTORED_PATH=PATH.\n");
}

int main(int argc, char **argv)
{
	struct xsd_platform plat = { .log = NULL };
	struct sigaction sa = { .sa_handler = xsd_on_signal };
	struct xsd_store store;
	const char *path = NULL;
	int lfd, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			path = argv[++i];
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
	lfd = xsd_socket_listen(path);
	if (lfd < 0) {
		fprintf(stderr, "skiff-xenstored: %s: %s\n", path, strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = xsd_socket_serve(&store, lfd, &xsd_stop);
	close(lfd);
	unlink(path);
	xsd_store_destroy(&store);
	return rc < 0 ? 1 : 0;
}

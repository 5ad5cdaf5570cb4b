/* SPDX-License-Identifier: MIT */
/* xenstore Unix-socket transport for host tools: every client is a dom0 connection. */
#ifndef XSD_SOCKET_H
#define XSD_SOCKET_H

#include <signal.h>

#include "xsd.h"

/* Binds and listens on path (replacing a stale socket file); returns the fd or -1. */
int xsd_socket_listen(const char *path);
/* Other event sources sharing the loop (e.g. ring ports): ready() runs when fd is readable. */
struct xsd_poll_hook {
	int fd;
	void (*ready)(void *ctx);
	void *ctx;
};

/* A further listening socket whose clients all act as domain domid (a test aid:
 * it lets host tools exercise a guest's permissions and quotas). */
struct xsd_listener {
	int fd;
	uint32_t domid;
};

struct xsd_serve_opts {
	const struct xsd_listener *listeners;
	size_t nlisteners;
	const struct xsd_poll_hook *hooks;
	size_t nhooks;
	void (*after_round)(void *ctx);  /* once per loop turn, after clients ran */
	void *ctx;
};

/* Serves clients until *stop becomes non-zero; returns 0, or -1 on a fatal error. */
int xsd_socket_serve(struct xsd_store *s, int lfd, const struct xsd_serve_opts *opts,
		     volatile sig_atomic_t *stop);

#endif

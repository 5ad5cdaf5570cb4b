/* SPDX-License-Identifier: MIT */
/* xenstore Unix-socket transport: a poll loop feeding client bytes to the core and flushing replies. */

#define _GNU_SOURCE
#include "xsd_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct xsd_client {
	struct xsd_list link;
	int fd;
	struct xsd_conn *conn;
};

int xsd_socket_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void xsd_client_close(struct xsd_client *cl)
{
	xsd_list_del(&cl->link);
	xsd_conn_free(cl->conn);
	close(cl->fd);
	free(cl);
}

/* Returns false when out of descriptors: stop listening until a client leaves,
 * or poll would report the pending connection forever and spin. */
static bool xsd_client_accept(struct xsd_store *s, int lfd, uint32_t domid,
			      struct xsd_list *clients)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct xsd_client *cl;

		if (fd < 0) {
			if (errno != EMFILE && errno != ENFILE)
				return true;
			xsd_log(s, "out of file descriptors; not accepting until a client leaves");
			return false;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl)
			cl->conn = xsd_conn_new(s, domid);
		if (!cl || !cl->conn) {
			free(cl);
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->conn->transport = cl;
		xsd_list_add_tail(clients, &cl->link);
	}
}

/* Returns -1 if the client must be closed. */
static int xsd_client_flush(struct xsd_client *cl)
{
	const uint8_t *p;
	size_t n;

	while ((n = xsd_conn_out_peek(cl->conn, &p)) != 0) {
		ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		xsd_conn_out_consume(cl->conn, (size_t)w);
	}
	return 0;
}

static int xsd_client_read(struct xsd_client *cl)
{
	uint8_t buf[16384];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0)
		return -1;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return xsd_conn_feed(cl->conn, buf, (size_t)n) < 0 ? -1 : 0;
}

static struct pollfd *xsd_build_pollset(int lfd, bool listening, const struct xsd_serve_opts *o,
					struct xsd_list *clients, size_t *n,
					struct pollfd *fds, size_t *cap)
{
	size_t i = 1 + o->nlisteners + o->nhooks;
	struct xsd_list *l;

	for (l = clients->next, *n = i; l != clients; l = l->next)
		(*n)++;
	if (*n > *cap) {
		struct pollfd *nf = realloc(fds, *n * 2 * sizeof(*fds));

		if (!nf)
			return NULL;
		fds = nf;
		*cap = *n * 2;
	}
	fds[0] = (struct pollfd){ .fd = listening ? lfd : -1, .events = POLLIN };
	for (size_t k = 0; k < o->nlisteners; k++)
		fds[1 + k] = (struct pollfd){ .fd = listening ? o->listeners[k].fd : -1,
					      .events = POLLIN };
	for (size_t h = 0; h < o->nhooks; h++)
		fds[1 + o->nlisteners + h] = (struct pollfd){ .fd = o->hooks[h].fd,
							      .events = POLLIN };
	for (l = clients->next; l != clients; l = l->next, i++) {
		struct xsd_client *cl = xsd_container_of(l, struct xsd_client, link);
		const uint8_t *p;

		fds[i].fd = cl->fd;
		fds[i].events = (short)((xsd_conn_want_input(cl->conn) ? POLLIN : 0) |
					(xsd_conn_out_peek(cl->conn, &p) ? POLLOUT : 0));
		fds[i].revents = 0;
	}
	return fds;
}

/* Reads from every ready client, then flushes everyone: a write may have queued
 * watch events on any connection. */
/* Returns whether any client went away. */
static bool xsd_service(struct pollfd *fds, size_t first, size_t n, struct xsd_list *clients)
{
	struct xsd_list *l, *next;
	size_t i = first;
	bool closed = false;

	for (l = clients->next; l != clients && i < n; l = next, i++) {
		struct xsd_client *cl = xsd_container_of(l, struct xsd_client, link);

		next = l->next;
		if (fds[i].fd != cl->fd)
			break;
		if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && xsd_client_read(cl) < 0) {
			xsd_client_close(cl);
			closed = true;
		}
	}
	for (l = clients->next; l != clients; l = next) {
		struct xsd_client *cl = xsd_container_of(l, struct xsd_client, link);

		next = l->next;
		if (xsd_client_flush(cl) < 0) {
			xsd_client_close(cl);
			closed = true;
		}
	}
	return closed;
}

int xsd_socket_serve(struct xsd_store *s, int lfd, const struct xsd_serve_opts *opts,
		     volatile sig_atomic_t *stop)
{
	static const struct xsd_serve_opts none = { 0 };
	const struct xsd_serve_opts *o = opts ? opts : &none;
	struct xsd_list clients;
	struct pollfd *fds = NULL;
	size_t cap = 0, n;
	bool listening = true;
	int rc = 0;

	xsd_list_init(&clients);
	while (!*stop) {
		struct pollfd *nf = xsd_build_pollset(lfd, listening, o, &clients, &n, fds, &cap);

		if (!nf) {
			rc = -1;
			break;
		}
		fds = nf;
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (fds[0].revents & POLLIN)
			listening = xsd_client_accept(s, lfd, 0, &clients);
		for (size_t k = 0; k < o->nlisteners; k++)
			if (fds[1 + k].revents & POLLIN)
				listening = xsd_client_accept(s, o->listeners[k].fd,
							      o->listeners[k].domid, &clients) &&
					    listening;
		for (size_t h = 0; h < o->nhooks; h++)
			if (fds[1 + o->nlisteners + h].revents)
				o->hooks[h].ready(o->hooks[h].ctx);
		if (xsd_service(fds, 1 + o->nlisteners + o->nhooks, n, &clients))
			listening = true;
		if (o->after_round)
			o->after_round(o->ctx);
	}
	while (!xsd_list_empty(&clients))
		xsd_client_close(xsd_container_of(clients.next, struct xsd_client, link));
	free(fds);
	return rc;
}

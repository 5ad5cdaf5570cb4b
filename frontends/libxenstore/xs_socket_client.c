/* SPDX-License-Identifier: MIT */
/* Hosted transport for the xenstore client: the daemon's Unix socket, like libxenstore's xs_open. */
#include "xs_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Replies are read in bulk and handed out from here: one syscall per reply, not two. */
struct xs_sock {
	int fd;
	size_t off, len;
	uint8_t buf[8192];
};

static int xs_sock_send(void *ctx, const void *buf, size_t len)
{
	struct xs_sock *s = ctx;
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static long xs_sock_recv(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct xs_sock *s = ctx;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	while (s->off == s->len) {
		int r = timeout_ms < 0 ? 1 : poll(&p, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		n = recv(s->fd, s->buf, sizeof(s->buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s->off = 0;
		s->len = (size_t)n;
	}
	if (len > s->len - s->off)
		len = s->len - s->off;
	memcpy(buf, s->buf + s->off, len);
	s->off += len;
	return (long)len;
}

static void xs_sock_close(void *ctx)
{
	struct xs_sock *s = ctx;

	close(s->fd);
	free(s);
}

struct xs_handle *xs_open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xs_transport t = { .send = xs_sock_send, .recv = xs_sock_recv,
				  .close = xs_sock_close, .alloc = malloc, .free = free };
	struct xs_sock *s;
	struct xs_handle *h;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	s->off = s->len = 0;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (s->fd >= 0)
			close(s->fd);
		free(s);
		errno = e;
		return NULL;
	}
	t.ctx = s;
	h = xs_open_transport(&t);
	if (!h)
		xs_sock_close(s);
	return h;
}

struct xs_handle *xs_open(unsigned long flags)
{
	const char *path = getenv("XENSTORED_PATH");

	(void)flags;
	return xs_open_socket(path && *path ? path : "/run/xenstored/socket");
}

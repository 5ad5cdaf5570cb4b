/* SPDX-License-Identifier: MIT */
/* Host stand-in for a domain's store page and event channel, feeding the real ring transport. */
#include "host_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XSD_PAGE_SIZE 4096

static void xsd_host_ring_notify(void *ctx)
{
	struct xsd_host_ring *hr = ctx;

	/* A full FIFO means the guest has wake-ups pending already. */
	if (write(hr->irq_fd, "e", 1) < 0 && errno != EAGAIN)
		hr->dead = true;
}

static int xsd_open_fifo(const char *path, const char *suffix)
{
	char name[4096];

	if (snprintf(name, sizeof(name), "%s%s", path, suffix) >= (int)sizeof(name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(name);
	if (mkfifo(name, 0600) < 0)
		return -1;
	/* Read-write so opening never waits for the other end. */
	return open(name, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static void *xsd_map_page(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	void *p;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, XSD_PAGE_SIZE) < 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, XSD_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int xsd_host_ring_open(struct xsd_host_ring *hr, struct xsd_store *s, const char *path,
		       uint32_t domid)
{
	struct xsd_domain *d;

	memset(hr, 0, sizeof(*hr));
	hr->domid = domid;
	hr->page = xsd_map_page(path);
	if (!hr->page)
		return -1;
	hr->kick_fd = xsd_open_fifo(path, ".kick");
	hr->irq_fd = xsd_open_fifo(path, ".irq");
	if (hr->kick_fd < 0 || hr->irq_fd < 0)
		return -1;
	if (xsd_ring_attach(&hr->ring, s, domid, hr->page, xsd_host_ring_notify, hr) != 0) {
		errno = ENOMEM;
		return -1;
	}
	d = xsd_domain_get(s, domid, false);
	if (d && !d->introduced) {
		d->introduced = true;
		xsd_watch_fire_special(s, "@introduceDomain");
	}
	return 0;
}

void xsd_host_ring_poll(struct xsd_host_ring *hr)
{
	if (hr->dead)
		return;
	if (xsd_ring_poll(&hr->ring) < 0) {
		hr->dead = true;
		xsd_log(hr->ring.conn->store, "dom%u: ring broken (error %u), ignoring it",
			hr->domid, hr->page->error);
	}
}

void xsd_host_ring_kicked(void *ctx)
{
	struct xsd_host_ring *hr = ctx;
	char buf[256];

	while (read(hr->kick_fd, buf, sizeof(buf)) > 0)
		;
	xsd_host_ring_poll(hr);
}

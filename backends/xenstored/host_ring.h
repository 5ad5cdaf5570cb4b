/* SPDX-License-Identifier: MIT */
/* Host stand-in for a domain's store page and event channel: a shared file and two FIFOs. */
#ifndef XSD_HOST_RING_H
#define XSD_HOST_RING_H

#include "xsd.h"
#include "xsd_ring.h"

/*
 * PATH is the page (4096 bytes, mapped shared), PATH.kick is the port the
 * guest signals, PATH.irq the port we signal.  This lets host processes act
 * as guests over the real ring code until dom0 has true event channels.
 */
struct xsd_host_ring {
	uint32_t domid;
	struct xenstore_domain_interface *page;
	int kick_fd;
	int irq_fd;
	bool dead;
	struct xsd_ring ring;
};

/* Maps the page, makes the FIFOs and introduces the domain; returns 0 or -1 (errno). */
int xsd_host_ring_open(struct xsd_host_ring *hr, struct xsd_store *s, const char *path,
		       uint32_t domid);
/* Poll hook: the guest kicked its port. */
void xsd_host_ring_kicked(void *ctx);
/* Moves whatever is pending (e.g. watch events other clients caused). */
void xsd_host_ring_poll(struct xsd_host_ring *hr);

#endif

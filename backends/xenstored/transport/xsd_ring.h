/* SPDX-License-Identifier: MIT */
/* xenstore ring transport: serves one domain's shared ring page through a platform notify hook. */
#ifndef XSD_RING_H
#define XSD_RING_H

#include "xsd.h"

/*
 * The platform maps the domain's page and binds its event channel; this
 * file only moves bytes.  Call xsd_ring_poll whenever the domain's port
 * fires (and after other connections ran, since watch events may have
 * been queued for this one).  The guest is hostile: indices are read once,
 * checked, and request bytes are copied out before the core parses them.
 */
struct xsd_ring {
	struct xenstore_domain_interface *intf;
	void (*notify)(void *ctx);
	void *ctx;
	struct xsd_conn *conn;
	XENSTORE_RING_IDX req_cons;  /* private copies: the guest may scribble on the page */
	XENSTORE_RING_IDX rsp_prod;
	bool broken;
};

/* Creates the domain's connection; returns 0 or a positive errno. */
int xsd_ring_attach(struct xsd_ring *r, struct xsd_store *s, uint32_t domid,
		    struct xenstore_domain_interface *intf, void (*notify)(void *ctx), void *ctx);
void xsd_ring_detach(struct xsd_ring *r);
/* Moves requests in and replies out; returns -1 once the ring is unusable. */
int xsd_ring_poll(struct xsd_ring *r);

#endif

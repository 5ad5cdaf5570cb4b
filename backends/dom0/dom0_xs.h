/* SPDX-License-Identifier: MIT */
/* dom0's xenstore: the store core (backends/xenstored) plus what Xen's toolstack writes for each domain. Portable. */
#ifndef DOM0_XS_H
#define DOM0_XS_H

#include <stdbool.h>
#include <stdint.h>
#include "xsd.h"
#include "xs_client.h"

/*
 * dom0 talks to its own store as a privileged client through libxenstore,
 * over an in-process transport (the core answers synchronously), so the
 * nodes, permissions, INTRODUCE and RELEASE go through the same request
 * code as any guest's. The platform's introduce/release hooks (in plat)
 * map and bind the domain's ring, as with a daemon's.
 */
struct dom0_xs {
	struct xsd_store store;
	struct xsd_conn *self;
	struct xs_handle *h;
};

/* What the toolstack knows of a domain when it introduces it. */
struct dom0_xs_domain {
	uint32_t domid;
	const char *name;
	uint8_t uuid[16];
	uint64_t mem_kb;			/* memory/static-max: the most it may balloon up to */
	uint64_t target_kb;		/* memory/target; 0: mem_kb */
	unsigned int nr_vcpus;		/* cpu/N/availability = online for each */
	uint64_t console_mfn;
	uint32_t console_port;
	uint64_t store_mfn;
	uint32_t store_port;
	uint64_t start_time_ns;		/* Unix time it was built: /vm/UUID/start_time as libxl writes it; 0: none */
};

/* Returns 0 or a positive errno. */
int dom0_xs_init(struct dom0_xs *x, const struct xsd_platform *plat);
void dom0_xs_destroy(struct dom0_xs *x);
/* Writes /local/domain/N/..., /vm/UUID/... with Xen's permissions, then INTRODUCE (fires @introduceDomain). */
int dom0_xs_introduce(struct dom0_xs *x, const struct dom0_xs_domain *d);
/* RELEASE (drops the domain's nodes and connection, fires @releaseDomain) and removes /vm/UUID. */
int dom0_xs_release(struct dom0_xs *x, uint32_t domid, const uint8_t uuid[16]);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into out[37]. */
void dom0_xs_uuid_str(const uint8_t uuid[16], char out[37]);

#endif

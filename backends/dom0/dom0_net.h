/* SPDX-License-Identifier: MIT */
/* dom0's network backend (net.c): the virtio-net uplink and the domains' vifs joined by the learning switch. */
#ifndef DOM0_NET_H
#define DOM0_NET_H

#include <stdbool.h>
#include "xlcfg.h"

struct dom0_domain;

/* net=NAME on dom0's command line declares one vif for domain NAME; silent otherwise. */
void dom0_net_init(void);
/*
 * One vif for the domain called name (its domain file's vif = [...]
 * entry; NULL: an address derived from the domain's UUID), offered as
 * device/vif/<n> in declaration order once the domain exists. The first
 * declaration starts the switch and the uplink. 0, or -1 when no vif slot
 * is left.
 */
int dom0_net_declare(const char *name, const struct xlcfg_vif *vif);
/* A domain came up / went away: offer it its declared vifs (libxl's vif nodes, InitWait) / disconnect them. */
void dom0_net_attach(struct dom0_domain *dd);
void dom0_net_detach(struct dom0_domain *dd);
/* dom0 is done with the domain called name (destroyed, not restarted): its vifs are disconnected and undeclared. */
void dom0_net_release(const char *name);
/*
 * xl network-attach: one more vif declared under owner (the name the
 * domain's devices follow) and offered at once if the domain runs;
 * network-detach: vif devid's state goes to Closing, and once the
 * frontend is Closed (or after 10 s) it leaves the switch and its nodes
 * go. 0 or a negative Xen errno with a message in err.
 */
int dom0_net_hot_attach(struct dom0_domain *dd, const char *owner, const struct xlcfg_vif *vif, char *err,
			size_t err_len);
int dom0_net_hot_detach(const struct dom0_domain *dd, unsigned int devid, char *err, size_t err_len);
/* The domain the vifs were declared for by name old is called name now (xl rename). */
void dom0_net_rename(const char *old, const char *name);
/* Whether a vif is declared for the domain called name. */
bool dom0_net_declared(const char *name);
/*
 * From the event loop: follows the frontends' states, moves frames
 * between the NIC, the switch and the vifs. True when a vif still had
 * packets ready after its share of rounds: the loop must come back
 * without blocking.
 */
bool dom0_net_poll(void);

#endif

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
/*
 * From the event loop: follows the frontends' states, moves frames
 * between the NIC, the switch and the vifs. True when a vif still had
 * packets ready after its share of rounds: the loop must come back
 * without blocking.
 */
bool dom0_net_poll(void);

#endif

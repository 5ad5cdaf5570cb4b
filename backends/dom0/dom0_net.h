/* dom0's network backend (net.c): the virtio-net uplink and one domain's vif joined by the learning switch. */
#ifndef DOM0_NET_H
#define DOM0_NET_H

struct dom0_domain;

/* Drives the NIC if dom0's command line has net=NAME; silent otherwise. */
void dom0_net_init(void);
/* A domain came up / went away: offer it vif 0 (libxl's vif nodes, InitWait) / disconnect it. */
void dom0_net_attach(struct dom0_domain *dd);
void dom0_net_detach(struct dom0_domain *dd);
/* From the event loop: follows the frontend's state, moves frames between the NIC, the switch and the vif. */
void dom0_net_poll(void);

#endif

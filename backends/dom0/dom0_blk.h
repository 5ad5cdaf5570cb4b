/* SPDX-License-Identifier: MIT */
/* dom0's block backend (blk.c): the virtio disks served to the domains "blk=NAME[:DEVID]" items on dom0's command line name. */
#ifndef DOM0_BLK_H
#define DOM0_BLK_H

struct dom0_domain;

/* Drives the n-th virtio-blk device for the n-th blk= item; silent without one. */
void dom0_blk_init(void);
/* A domain came up / went away: offer it its disks (vbd nodes, InitWait) / disconnect them. */
void dom0_blk_attach(struct dom0_domain *dd);
void dom0_blk_detach(struct dom0_domain *dd);
/* From the event loop: follows the frontend's state, serves its ring when it was kicked. */
void dom0_blk_poll(void);

#endif

/* SPDX-License-Identifier: MIT */
/* dom0's block backend (blk.c): the virtio disks served to the domains "blk=NAME[:DEVID]" items on dom0's command line name. */
#ifndef DOM0_BLK_H
#define DOM0_BLK_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

struct dom0_domain;

/* Drives the n-th virtio-blk device for the n-th blk= item; silent without one. */
void dom0_blk_init(void);
/* A domain came up / went away: offer it its disks (vbd nodes, InitWait) / disconnect them. */
void dom0_blk_attach(struct dom0_domain *dd);
void dom0_blk_detach(struct dom0_domain *dd);
/* From the event loop: follows the frontend's state, serves its ring when it was kicked. */
void dom0_blk_poll(void);

/*
 * The run-time pool ("blkpool=N"): virtio-blk devices the host attached
 * at start-up with nothing behind them, each given a file by the host
 * (QEMU's monitor) before xl create binds it to a domain by name as vbd
 * devid. A bound slot is offered to that domain, and again to each of
 * its restarts, until release (dom0 is done with the domain). bind: 0 or
 * a negative Xen errno with a message in err.
 */
struct dom0_blk_slot {
	unsigned int slot;
	bool read_only;
	uint32_t devid;
	uint32_t domid;		/* the domain it is offered to now; 0: none */
	char name[32];		/* bound to; empty: free */
};
int dom0_blk_pool_bind(unsigned int slot, const char *name, uint32_t devid, char *err, size_t err_len);
void dom0_blk_pool_release(const char *name);
/*
 * xl block-attach: slot bound to the domain (owner: the name its devices
 * follow) as vbd devid and offered at once if it runs. xl block-detach:
 * our state goes to Closing; once the frontend is Closed (or after 10 s)
 * the vbd's nodes are removed and the slot is free (blkpool shows it).
 * 0 or a negative Xen errno with a message in err.
 */
int dom0_blk_hot_attach(unsigned int slot, struct dom0_domain *dd, const char *owner, uint32_t devid, char *err,
			size_t err_len);
int dom0_blk_hot_detach(const struct dom0_domain *dd, uint32_t devid, char *err, size_t err_len);
/* The domain the slots were bound to by name old is called name now (xl rename). */
void dom0_blk_pool_rename(const char *old, const char *name);
/* Whether a slot is bound to the domain called name. */
bool dom0_blk_pool_named(const char *name);
unsigned int dom0_blk_pool_list(struct dom0_blk_slot *out, unsigned int max);

#endif

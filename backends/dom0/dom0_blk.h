/* dom0's block backend (blk.c): the virtio disk served to the domain "blk=NAME" names on dom0's command line. */
#ifndef DOM0_BLK_H
#define DOM0_BLK_H

struct dom0_domain;

/* Drives the disk if dom0's command line asks for a backend; silent otherwise. */
void dom0_blk_init(void);
/* A domain came up / went away: offer it the disk (vbd nodes, InitWait) / disconnect it. */
void dom0_blk_attach(struct dom0_domain *dd);
void dom0_blk_detach(struct dom0_domain *dd);
/* From the event loop: follows the frontend's state, serves its ring when it was kicked. */
void dom0_blk_poll(void);

#endif

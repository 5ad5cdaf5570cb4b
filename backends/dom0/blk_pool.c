/* SPDX-License-Identifier: MIT */
/* dom0's run-time disk slots: empty virtio-blk devices the host fills for xl create and block-attach, bound by name. */
#include <pvabi/errno.h>
#include "rt.h"
#include "dom0_blk.h"
#include "blk_private.h"
#include "virtio_os.h"
#include <stdio.h>

static struct blk_disk *blk_slot(unsigned int slot)
{
	return slot < blk_pool_nr ? &blk_disks[blk_pool_first + slot] : NULL;
}

int dom0_blk_pool_bind(unsigned int slot, const char *name, uint32_t devid, char *err, size_t err_len)
{
	struct blk_disk *d = blk_slot(slot);

	if (!d || !d->up) {
		snprintf(err, err_len, "no run-time disk slot %u", slot);
		return -XEN_EINVAL;
	}
	if (d->want[0]) {
		snprintf(err, err_len, "disk slot %u is in use by %s", slot, d->want);
		return -XEN_EBUSY;
	}
	if (!name[0] || strlen(name) >= sizeof(d->want) || devid == 0) {
		snprintf(err, err_len, "bad name or vbd for disk slot %u", slot);
		return -XEN_EINVAL;
	}
	for (unsigned int i = 0; i < blk_pool_nr; i++) {
		struct blk_disk *o = blk_slot(i);

		if (o != d && !strcmp(o->want, name) && o->devid == devid) {
			snprintf(err, err_len, "%s already has a vbd %u", name, devid);
			return -XEN_EEXIST;
		}
	}
	/* The host put a file behind the slot just now: its size is read again (QEMU answers the current one). */
	d->vb.capacity = virtio_pci_cfg_read(&d->vb.pci, 0, 8);
	if (!d->vb.capacity) {
		snprintf(err, err_len, "disk slot %u has no file behind it", slot);
		return -XEN_EINVAL;
	}
	memcpy(d->want, name, strlen(name) + 1);
	d->devid = devid;
	d->fua = false;
	rt_printf("dom0: blk: slot %u: %lu sectors%s for %s as vbd %u\n", slot, d->vb.capacity,
		  d->vb.read_only ? " (read-only)" : "", name, devid);
	return 0;
}

void dom0_blk_pool_release(const char *name)
{
	for (unsigned int i = 0; name[0] && i < blk_pool_nr; i++) {
		struct blk_disk *d = blk_slot(i);

		if (strcmp(d->want, name))
			continue;
		if (d->dd)
			blk_let_go(d);
		d->want[0] = 0;
		rt_printf("dom0: blk: slot %u released by %s\n", i, name);
	}
}

int dom0_blk_hot_attach(unsigned int slot, struct dom0_domain *dd, const char *owner, uint32_t devid, char *err,
			size_t err_len)
{
	int rc = dom0_blk_pool_bind(slot, owner, devid, err, err_len);

	/* Offered now if the domain runs; else at the scan that sees it run (a restart finds it bound too). */
	if (rc == 0 && dd->store_up && dd->info.state == SKIFF_DOMSTATE_running)
		dom0_blk_attach(dd);
	return rc;
}

int dom0_blk_hot_detach(const struct dom0_domain *dd, uint32_t devid, char *err, size_t err_len)
{
	for (unsigned int i = 0; i < blk_pool_nr; i++) {
		struct blk_disk *d = blk_slot(i);

		if (d->dd != dd || d->devid != devid)
			continue;
		if (!d->detaching) {
			d->detaching = true;
			d->detach_by_ns = rt_now_ns() + BLK_DETACH_NS;
			blkback_xb_close(&d->vbd);
			rt_printf("dom0: blk: taking vbd %u from d%u\n", devid, dd->info.domid);
		}
		return 0;
	}
	for (unsigned int i = 0; i < blk_pool_first; i++) {
		if (blk_disks[i].dd == dd && blk_disks[i].devid == devid) {
			snprintf(err, err_len, "vbd %u of d%u is a boot-time disk: it cannot be detached", devid,
				 dd->info.domid);
			return -XEN_EOPNOTSUPP;
		}
	}
	snprintf(err, err_len, "d%u has no vbd %u", dd->info.domid, devid);
	return -XEN_ENODEV;
}

void dom0_blk_pool_rename(const char *old, const char *name)
{
	for (unsigned int i = 0; old[0] && i < blk_pool_nr; i++)
		if (!strcmp(blk_slot(i)->want, old))
			snprintf(blk_slot(i)->want, sizeof(blk_slot(i)->want), "%s", name);
}

bool dom0_blk_pool_named(const char *name)
{
	for (unsigned int i = 0; i < blk_pool_nr; i++)
		if (!strcmp(blk_slot(i)->want, name))
			return true;
	return false;
}

unsigned int dom0_blk_pool_list(struct dom0_blk_slot *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < blk_pool_nr && n < max; i++, n++) {
		const struct blk_disk *d = blk_slot(i);

		out[n] = (struct dom0_blk_slot){ .slot = i, .read_only = d->vb.read_only, .devid = d->devid,
						 .domid = d->dd ? d->dd->info.domid : 0 };
		snprintf(out[n].name, sizeof(out[n].name), "%s", d->want);
	}
	return n;
}

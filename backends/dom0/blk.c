/* dom0's block backend: the virtio-blk disk driven here, served to one domU over blkif (blkback core + xenbus handshake). */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_grant.h"
#include "rt_page.h"
#include "blkback.h"
#include "blkback_xenbus.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "virtio_blk.h"
#include "virtio_os.h"
#include "xs_client.h"

#define BLK_DEVID	51712		/* xvda: (202 << 8) | 0, as libxl numbers it */
#define BLK_DMA_PAGES	(BLKIF_MAX_SEGMENTS_PER_REQUEST + 1)

/*
 * One disk, one frontend (the domain named by "blk=NAME" on dom0's command
 * line): the skeleton of issue 12's blkback. The disk's sectors go through
 * a bounce buffer of DMA pages; the frontend's pages are reached only with
 * GNTTABOP_copy, never mapped.
 */
static struct {
	bool disk_up;
	char want[32];			/* the domain to serve */
	struct vblk vb;
	void *dma[BLK_DMA_PAGES];
	struct dom0_domain *dd;		/* the frontend's domain, once seen */
	struct blkback_vbd vbd;
	struct blkback back;
	struct rt_grant_map ring_map;
	evtchn_port_t port;
	bool kicked, serving;
	uint64_t served, copies;
} blk;

/* ---- the disk, for the blkback core ---- */

/* len bytes of the core's buffer at p through the DMA pages: I/O of whole sectors, split at page boundaries. */
static int disk_io(uint64_t sector, uint8_t *p, uint32_t nr_sectors, bool write)
{
	while (nr_sectors) {
		uint32_t n = nr_sectors < BLK_DMA_PAGES * 8 ? nr_sectors : BLK_DMA_PAGES * 8;
		uint32_t pages = (n + 7) / 8;

		if (write)
			for (uint32_t i = 0; i < n; i++)
				memcpy((uint8_t *)blk.dma[i / 8] + (i % 8) * 512, p + (size_t)i * 512, 512);
		if (vblk_sectors(&blk.vb, write, sector, blk.dma, pages, n))
			return -1;
		if (!write)
			for (uint32_t i = 0; i < n; i++)
				memcpy(p + (size_t)i * 512, (uint8_t *)blk.dma[i / 8] + (i % 8) * 512, 512);
		sector += n;
		p += (size_t)n * 512;
		nr_sectors -= n;
	}
	return 0;
}

static int b_read(void *ctx, uint64_t sector, void *buf, uint32_t n)
{
	(void)ctx;
	return disk_io(sector, buf, n, false);
}

static int b_write(void *ctx, uint64_t sector, const void *buf, uint32_t n)
{
	(void)ctx;
	return disk_io(sector, (uint8_t *)buf, n, true);
}

static int b_flush(void *ctx)
{
	(void)ctx;
	return vblk_flush(&blk.vb);
}

/* GNTTABOP_copy in pieces that cross no page on our side (the frontend's side is one segment of one page). */
static int b_grant_copy(void *ctx, uint32_t gref, uint32_t off, void *buf, uint32_t len, bool to_frontend)
{
	uint8_t *p = buf;

	(void)ctx;
	while (len) {
		uint64_t ours = vio_bus_addr(p);
		uint32_t n = 4096 - (uint32_t)(ours & 4095);
		struct gnttab_copy c = { 0 };
		struct gnttab_copy_ptr fe = { .u.ref = gref, .domid = blk.dd->info.domid, .offset = (uint16_t)off };
		struct gnttab_copy_ptr me = { .u.gmfn = ours >> 12, .domid = DOMID_SELF, .offset = (uint16_t)(ours & 4095) };

		if (n > len)
			n = len;
		c.source = to_frontend ? me : fe;
		c.dest = to_frontend ? fe : me;
		c.len = (uint16_t)n;
		c.flags = to_frontend ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
		if (hyp_grant_table_op(GNTTABOP_copy, RT_PTR(&c), 1) || c.status != GNTST_okay)
			return -1;
		blk.copies++;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static const struct blkback_ops blk_ops = { b_grant_copy, b_read, b_write, b_flush };

/* ---- the store and the connection, for the xenbus handshake ---- */

static int x_read(void *ctx, const char *path, char *buf, size_t len)
{
	unsigned int n;
	char *v = xs_read(dom0_store_xs(), XBT_NULL, path, &n);
	int rc = -1;

	(void)ctx;
	if (v && n < len) {
		memcpy(buf, v, n);
		buf[n] = 0;
		rc = 0;
	}
	xs_free(dom0_store_xs(), v);
	return rc;
}

static int x_write(void *ctx, const char *path, const char *val)
{
	(void)ctx;
	return xs_write(dom0_store_xs(), XBT_NULL, path, val, (unsigned int)strlen(val)) ? 0 : -1;
}

static void blk_ring_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	blk.kicked = true;		/* served from dom0_blk_poll, never inside another wait */
}

static int x_connect(void *ctx, uint16_t fe, uint32_t ring_ref, uint32_t evtchn)
{
	long rc;

	(void)ctx;
	rc = rt_grant_map(&blk.ring_map, fe, ring_ref, false);
	if (rc) {
		rt_printf("dom0: blk: cannot map d%u's ring (grant %u): %ld\n", fe, ring_ref, rc);
		return -1;
	}
	rc = rt_event_bind_interdomain(fe, evtchn, blk_ring_event, NULL);
	if (rc < 0) {
		rt_grant_unmap(&blk.ring_map);
		return -1;
	}
	blk.port = (evtchn_port_t)rc;
	blkback_attach(&blk.back, blk.ring_map.va, 4096, blk.vb.capacity, blk.vb.read_only, &blk_ops, NULL);
	rt_printf("dom0: blk: d%u connected: ring grant %u, port %u, %lu sectors\n", fe, ring_ref, evtchn,
		  blk.vb.capacity);
	blk.kicked = true;
	return 0;
}

static void x_disconnect(void *ctx)
{
	(void)ctx;
	rt_event_close(blk.port);
	rt_grant_unmap(&blk.ring_map);
	rt_printf("dom0: blk: disconnected: %lu requests (%lu ok, %lu errors, %lu unsupported), %lu grant copies\n",
		  blk.served, blk.back.stats.ok, blk.back.stats.error, blk.back.stats.unsupported, blk.copies);
}

static const struct blkback_xs_ops blk_xs_ops = { x_read, x_write, x_connect, x_disconnect };

/* ---- dom0's hooks ---- */

static bool arg_value(const char *cmdline, const char *key, char *out, size_t len)
{
	size_t k = strlen(key), n = 0;

	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, k)) {
			for (p += k; *p && *p != ' ' && n + 1 < len; p++)
				out[n++] = *p;
			out[n] = 0;
			return n > 0;
		}
	}
	return false;
}

void dom0_blk_init(void)
{
	int rc;

	if (!arg_value(rt_boot.si->cmd_line, "blk=", blk.want, sizeof(blk.want)))
		return;
	rc = vblk_open(&blk.vb, true);
	for (unsigned int i = 0; rc == 0 && i < BLK_DMA_PAGES; i++) {
		uint64_t ba;

		if (!(blk.dma[i] = vio_dma_page(&ba)))
			rc = -6;
	}
	if (rc) {
		rt_printf("dom0: blk: no virtio-blk disk to serve (step %d)\n", rc);
		return;
	}
	blk.disk_up = true;
	rt_printf("dom0: blk: virtio-blk disk of %lu sectors%s, for domain %s\n", blk.vb.capacity,
		  blk.vb.read_only ? " (read-only)" : "", blk.want);
}

/* The nodes libxl writes for a vbd: the frontend's directory (the guest's own) and the backend's (ours). */
static int blk_write_nodes(uint32_t domid)
{
	struct xs_handle *h = dom0_store_xs();
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	char fe[96], be[96], path[160], val[96];
	static const char *const fe_nodes[][2] = { { "backend-id", "0" }, { "virtual-device", "51712" },
						   { "device-type", "disk" }, { "state", "1" } };

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid, BLK_DEVID);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", domid, BLK_DEVID);
	if (!xs_mkdir(h, XBT_NULL, be) || !xs_set_permissions(h, XBT_NULL, be, be_perm, 2) ||
	    !xs_mkdir(h, XBT_NULL, fe) || !xs_set_permissions(h, XBT_NULL, fe, fe_perm, 2))
		return -1;
	snprintf(path, sizeof(path), "%s/backend", fe);
	if (x_write(NULL, path, be))
		return -1;
	for (unsigned int i = 0; i < sizeof(fe_nodes) / sizeof(fe_nodes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fe, fe_nodes[i][0]);
		if (x_write(NULL, path, fe_nodes[i][1]))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/frontend", be);
	snprintf(val, sizeof(val), "%s", fe);
	if (x_write(NULL, path, val))
		return -1;
	snprintf(path, sizeof(path), "%s/frontend-id", be);
	snprintf(val, sizeof(val), "%u", domid);
	return x_write(NULL, path, val);
}

void dom0_blk_attach(struct dom0_domain *dd)
{
	if (!blk.disk_up || blk.dd || strcmp(dd->info.name, blk.want))
		return;
	if (blk_write_nodes(dd->info.domid) ||
	    blkback_xb_start(&blk.vbd, dd->info.domid, BLK_DEVID, blk.vb.capacity, blk.vb.read_only, &blk_xs_ops,
			     NULL)) {
		rt_printf("dom0: blk: cannot write d%u's vbd nodes\n", dd->info.domid);
		return;
	}
	blk.dd = dd;
	rt_printf("dom0: blk: offering xvda to d%u (%s)\n", dd->info.domid, dd->info.name);
}

void dom0_blk_detach(struct dom0_domain *dd)
{
	if (blk.dd != dd)
		return;
	if (blk.vbd.connected)
		x_disconnect(NULL);
	blk.vbd.connected = false;
	blk.dd = NULL;
}

void dom0_blk_poll(void)
{
	bool notify;
	int n;

	if (!blk.dd || blk.serving)
		return;
	blk.serving = true;	/* the disk's waits dispatch events: none of them may come back in here */
	blkback_xb_frontend_changed(&blk.vbd);
	/* A ring given up stays quiet: its frontend's kicks cost us nothing more. */
	while (blk.vbd.connected && blk.kicked && !blk.back.broken) {
		blk.kicked = false;
		n = blkback_serve(&blk.back, &notify);
		if (n < 0) {
			rt_printf("dom0: blk: d%u's ring indices lie: no longer served\n", blk.dd->info.domid);
			break;
		}
		blk.served += (uint64_t)n;
		if (notify)
			rt_event_send(blk.port);
		if (n == (int)blk.back.ring.nr_ents)
			blk.kicked = true;	/* a full ring's worth: look again */
	}
	blk.serving = false;
}

/* SPDX-License-Identifier: MIT */
/* dom0's block backend: the virtio-blk disks driven here, each served to one domU over blkif (blkback core + xenbus handshake). */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_grant.h"
#include "rt_page.h"
#include "blkback.h"
#include "blkback_pgnt.h"
#include "blkback_xenbus.h"
#include "dom0.h"
#include "dom0_blk.h"
#include "blk_private.h"
#include "virtio_blk.h"
#include "virtio_os.h"
#include "xs_client.h"
#include <stdio.h>

_Static_assert(BLKBACK_SERVE_BUDGET / BLKBACK_MAX_QUEUES >= 1, "every busy queue gets a request per round");
#define BLK_DEVID	51712		/* xvda: (202 << 8) | 0, as libxl numbers it; the default */
#define BLK_IO_PAGES	(BLKBACK_MAX_INFLIGHT * BLKBACK_MAX_SEGS)
#define BLK_KEPT	0xffffffffu	/* d->handle[k][i] of a segment whose grant is kept (persistent): not undone */

/*
 * Each "blk=NAME[:DEVID[:fua]]" on dom0's command line names the domain
 * the next virtio-blk device (in PCI order, as the host attached them) is
 * served to, as vbd DEVID (xvda by default); "fua" offers barriers
 * instead of flushes (BLKBACK_XB_FUA). A disk serves one frontend: the
 * host never gives a writable file to two domains, and two domains
 * reading one file each have a device of their own. Each request's data
 * is grant-copied into pages of its own and the virtio request points at
 * them (the frontend's pages are reached with GNTTABOP_copy, never mapped).
 * With the word "blk_map" on dom0's command line the device moves the data
 * straight to or from the frontend's pages instead: each segment's grant is
 * mapped for the device alone (GNTMAP_device_map, no page table entry in
 * dom0; read-only for a write) while the request is on the disk and
 * unmapped before it is answered; the mapping holds the frame, so a
 * frontend cannot take it back meanwhile (dom0 is trusted with DMA: no
 * IOMMU). Not the default: on Skiff under TCG a map plus an unmap of a
 * page cost more than copying it (see the disconnect line's "ms on
 * grants"). Up to BLKBACK_MAX_INFLIGHT requests are on the device at once,
 * each one descriptor of the virtqueue when the device takes indirect
 * descriptors (its table in blk_table_mem), else BLKBACK_MAX_SEGS + 2.
 * The disks are served one at a time (blk_serving) and a serve call ends
 * with nothing on the disk, so all disks share one set of data pages,
 * request headers and tables, in dom0's image (the runtime's page pool is
 * 128 pages).
 *
 * A frontend that offers feature-persistent (as Linux's blkfront does)
 * keeps granting the same pages, writable, for all its requests; their
 * grants are then mapped for the device once and kept (d->pg, at most
 * BLKBACK_PGNT_MAX), so the device moves the data straight to and from the
 * frontend's pages with no grant operation per request. Refs past the
 * bound are mapped for their request only, as with blk_map. The kept
 * mappings hold their frames until the frontend disconnects or its domain
 * goes: a frontend that revokes or re-points a kept ref meanwhile only
 * changes what its own old page receives. "blk_nopersist" on dom0's
 * command line declines the feature (for comparisons), as blk_map does
 * (which is then tested as it is: a map per request).
 */
struct blk_disk blk_disks[BLK_MAX_DISKS];
static uint8_t blk_io_mem[BLK_IO_PAGES][4096] __attribute__((aligned(4096)));
static uint8_t blk_hdr_mem[4096] __attribute__((aligned(4096)));
/* Each request's virtio descriptor table: dom0's pages, so a frontend never writes what the device follows. */
static uint8_t blk_table_mem[BLKBACK_MAX_INFLIGHT][4096] __attribute__((aligned(4096)));
static void *blk_tables[BLKBACK_MAX_INFLIGHT];
static void *blk_io_pages[BLK_IO_PAGES];
static bool blk_map;			/* "blk_map": the device reaches the frontends' pages through mapped grants */
static bool blk_nopersist;		/* "blk_nopersist": feature-persistent is not used */
static unsigned int blk_nr_disks;
unsigned int blk_pool_first, blk_pool_nr;	/* the pool's slots: blk_disks[first ... first + nr - 1] */
static bool blk_serving;

/* ---- the disk, for the blkback core ---- */

/* Undoes the device mappings of request k's segments whose map succeeded (okay[i]); one hypercall. */
static void b_unmap(struct blk_disk *d, unsigned int k, const bool *okay, unsigned int n)
{
	struct gnttab_unmap_grant_ref u[BLKBACK_MAX_SEGS];
	unsigned int m = 0;

	for (unsigned int i = 0; i < n; i++)
		if (okay[i])
			u[m++] = (struct gnttab_unmap_grant_ref){ .host_addr = 0, .dev_bus_addr = d->frame[k][i],
								  .handle = d->handle[k][i] };
	if (m && hyp_grant_table_op(GNTTABOP_unmap_grant_ref, RT_PTR(u), m) == 0) {
		for (unsigned int i = 0; i < m; i++)
			if (u[i].status != GNTST_okay)
				rt_printf("dom0: blk: unmapping d%u's grant (handle %u): %d\n", d->dd->info.domid,
					  u[i].handle, u[i].status);
	} else if (m) {
		rt_printf("dom0: blk: unmapping %u of d%u's grants failed\n", m, d->dd->info.domid);
	}
}

/*
 * Maps request k's segments for the device alone (GNTMAP_device_map: no
 * page table entry, the machine address back), read-only for a write as
 * blkfront grants them. A grant that does not map fails the request with
 * the others undone: 0 or -1.
 */
static int b_map(struct blk_disk *d, unsigned int k, const struct blkback_io *io, bool write)
{
	struct gnttab_map_grant_ref m[BLKBACK_MAX_SEGS];
	bool okay[BLKBACK_MAX_SEGS];
	bool all = true;
	uint64_t t0 = rt_now_ns();

	for (unsigned int i = 0; i < io->nr_segs; i++)
		m[i] = (struct gnttab_map_grant_ref){ .flags = GNTMAP_device_map | (write ? GNTMAP_readonly : 0),
						      .ref = io->seg[i].gref, .dom = d->dd->info.domid,
						      .status = GNTST_general_error };
	/* An entry the hypervisor did not reach keeps the status set above: only those it mapped are undone. */
	hyp_grant_table_op(GNTTABOP_map_grant_ref, RT_PTR(m), io->nr_segs);
	for (unsigned int i = 0; i < io->nr_segs; i++) {
		okay[i] = m[i].status == GNTST_okay;
		all &= okay[i];
		d->handle[k][i] = m[i].handle;
		d->frame[k][i] = m[i].dev_bus_addr;
	}
	if (!all)
		b_unmap(d, k, okay, io->nr_segs);
	d->copy_ns += rt_now_ns() - t0;
	d->maps += io->nr_segs;
	return all ? 0 : -1;
}

/*
 * With persist: each segment's grant from the kept mappings, or mapped now
 * for the device (writable: blkfront grants its persistent pages so) and
 * kept while there is room, else kept for this request only (its handle in
 * d->handle[k][i], undone when it ends; BLK_KEPT for the others). A ref
 * named twice in the request is mapped once. A grant that does not map
 * fails the request: what was mapped for it alone is undone, what was
 * kept stays kept (a good mapping). 0 or -1.
 */
static int b_map_persist(struct blk_disk *d, unsigned int k, const struct blkback_io *io)
{
	struct gnttab_map_grant_ref m[BLKBACK_MAX_SEGS];
	uint8_t which[BLKBACK_MAX_SEGS];	/* a segment's map operation in m, for those not kept */
	bool okay[BLKBACK_MAX_SEGS];
	unsigned int n = 0;
	bool all = true;
	uint64_t t0;

	for (unsigned int i = 0; i < io->nr_segs; i++) {
		const struct blkback_pgnt *e = blkback_pgnt_find(&d->pg, io->seg[i].gref);
		unsigned int j = 0;

		d->handle[k][i] = BLK_KEPT;
		if (e) {
			d->frame[k][i] = e->frame;
			d->pg_hits++;
			continue;
		}
		while (j < n && m[j].ref != io->seg[i].gref)
			j++;
		if (j == n)
			m[n++] = (struct gnttab_map_grant_ref){ .flags = GNTMAP_device_map, .ref = io->seg[i].gref,
								.dom = d->dd->info.domid, .status = GNTST_general_error };
		which[i] = (uint8_t)j;
		d->frame[k][i] = ~0ULL;
	}
	if (!n)
		return 0;
	t0 = rt_now_ns();
	/* An entry the hypervisor did not reach keeps the status set above. */
	hyp_grant_table_op(GNTTABOP_map_grant_ref, RT_PTR(m), n);
	d->maps += n;
	for (unsigned int j = 0; j < n; j++) {
		bool ok = m[j].status == GNTST_okay;
		/* Kept, or else the first segment naming it owns the handle (so it is undone once). */
		bool owned = !ok || blkback_pgnt_add(&d->pg, m[j].ref, m[j].handle, m[j].dev_bus_addr);

		all &= ok;
		for (unsigned int i = 0; i < io->nr_segs; i++) {
			if (d->frame[k][i] != ~0ULL || which[i] != j)
				continue;
			d->frame[k][i] = m[j].dev_bus_addr;
			if (!owned) {
				d->handle[k][i] = m[j].handle;
				owned = true;
			}
		}
	}
	if (!all) {
		for (unsigned int i = 0; i < io->nr_segs; i++)
			okay[i] = d->handle[k][i] != BLK_KEPT;
		b_unmap(d, k, okay, io->nr_segs);
	}
	d->copy_ns += rt_now_ns() - t0;
	return all ? 0 : -1;
}

/* What persist mapped for request k alone is undone (its segments not BLK_KEPT). */
static void b_unmap_transient(struct blk_disk *d, unsigned int k, unsigned int nr_segs)
{
	bool okay[BLKBACK_MAX_SEGS];
	bool any = false;

	for (unsigned int i = 0; i < nr_segs; i++) {
		okay[i] = d->handle[k][i] != BLK_KEPT;
		any |= okay[i];
	}
	if (any)
		b_unmap(d, k, okay, nr_segs);
}

/*
 * Undoes n kept mappings taken out of d's table (none of them in use); how
 * many went. One whose unmap fails may still exist: with restore, if the
 * status says so, it goes back into the table, kept and counted, to be
 * tried again at the next eviction (BLKBACK_PGNT_RETRIES times in all);
 * otherwise (no such mapping, tried enough, or the table is being
 * emptied) it is counted in pg_stuck, not released.
 */
static unsigned int b_unmap_entries(struct blk_disk *d, const struct blkback_pgnt *e, unsigned int n, bool restore)
{
	struct gnttab_unmap_grant_ref u[BLKBACK_PGNT_EVICT];
	unsigned int done = 0;

	/* A status the call never writes (it failed before an entry) counts as not released. */
	for (unsigned int i = 0; i < n; i++)
		u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = 0, .dev_bus_addr = e[i].frame, .handle = e[i].handle,
							.status = GNTST_general_error };
	if (n && hyp_grant_table_op(GNTTABOP_unmap_grant_ref, RT_PTR(u), n) != 0)
		rt_printf("dom0: blk: unmapping %u kept grants failed\n", n);
	for (unsigned int i = 0; i < n; i++) {
		if (u[i].status == GNTST_okay) {
			done++;
			continue;
		}
		bool keep = restore && blkback_pgnt_unmap_left_mapped(u[i].status);

		/* Once per mapping: one that keeps failing is tried again at every eviction. */
		if (!e[i].fails)
			rt_printf("dom0: blk: unmapping a kept grant (handle %u): %d%s\n", u[i].handle, u[i].status,
				  keep ? "; kept, tried again later" : "; not released");
		if (!keep || !blkback_pgnt_restore(&d->pg, &e[i]))
			d->pg_stuck++;
	}
	return done;
}

/* Undoes every kept mapping (the frontend is gone or disconnecting, nothing of it on the disk); how many went. */
static unsigned int b_unmap_kept(struct blk_disk *d)
{
	struct blkback_pgnt e[BLKBACK_PGNT_EVICT];
	unsigned int n, done = 0;

	while ((n = blkback_pgnt_drain(&d->pg, e, BLKBACK_PGNT_EVICT)) > 0)
		done += b_unmap_entries(d, e, n, false);
	return done;
}

/*
 * Points the virtio request at the request's own pages (or, with blk_map,
 * straight at the frontend's): each segment where the frontend has it in
 * its page.
 */
static int b_start(void *ctx, struct blkback_io *io, bool write)
{
	struct blk_queue *q = ctx;
	struct blk_disk *d = q->d;
	struct virtq_seg segs[BLKBACK_MAX_SEGS];
	unsigned int k = (unsigned int)(io - q->back->io);
	struct vblk_req *r = &d->reqs[k];
	bool okay[BLKBACK_MAX_SEGS];
	int rc;

	if (d->persist ? b_map_persist(d, k, io) : blk_map && b_map(d, k, io, write))
		return -1;
	for (unsigned int i = 0; i < io->nr_segs; i++) {
		const struct blkif_request_segment *s = &io->seg[i];
		uint64_t page = blk_map || d->persist ? d->frame[k][i] : vio_bus_addr(io->pages[i]);

		okay[i] = true;
		segs[i] = (struct virtq_seg){ page + (uint64_t)s->first_sect * 512,
					      (uint32_t)(s->last_sect - s->first_sect + 1) * 512, !write };
	}
	r->cookie = io;
	rc = vblk_start(&d->vb, r, write, io->sector, segs, io->nr_segs);
	/* Not on the disk (no room, or refused): nothing may stay mapped for it alone. */
	if (rc && d->persist)
		b_unmap_transient(d, k, io->nr_segs);
	else if (rc && blk_map)
		b_unmap(d, k, okay, io->nr_segs);
	d->unkicked |= rc == 0;
	return rc;
}

static struct blkback_io *b_wait(void *ctx)
{
	struct blk_queue *q = ctx;
	struct blk_disk *d = q->d;
	struct vblk_req *r;
	struct blkback_io *io;
	uint64_t t0;
	bool ok;

	/* One notification for all the requests queued since the last wait: each costs QEMU an exit. */
	if (d->unkicked) {
		d->unkicked = false;
		vblk_kick(&d->vb);
	}
	t0 = rt_now_ns();
	r = vblk_done(&d->vb, true, &ok);
	d->wait_ns += rt_now_ns() - t0;
	io = r ? r->cookie : NULL;
	if (io && d->persist) {
		t0 = rt_now_ns();
		b_unmap_transient(d, (unsigned int)(io - q->back->io), io->nr_segs);
		d->copy_ns += rt_now_ns() - t0;
	} else if (io && blk_map) {
		bool okay[BLKBACK_MAX_SEGS];

		/* The device is done with the frontend's pages: they go back before the frontend hears of it. */
		for (unsigned int i = 0; i < io->nr_segs; i++)
			okay[i] = true;
		t0 = rt_now_ns();
		b_unmap(d, (unsigned int)(io - q->back->io), okay, io->nr_segs);
		d->copy_ns += rt_now_ns() - t0;
	}
	if (io)
		io->result = ok ? 0 : -1;
	return io;
}

static int b_flush(void *ctx)
{
	struct blk_disk *d = ((struct blk_queue *)ctx)->d;

	return vblk_flush(&d->vb);
}

/* A request's segments in one GNTTABOP_copy: each lies inside one page on both sides (the core's promise). */
static int b_grant_copy(void *ctx, const struct blkback_copy *c, unsigned int n, bool to_frontend)
{
	struct blk_disk *d = ((struct blk_queue *)ctx)->d;
	struct gnttab_copy ops[BLKBACK_MAX_SEGS];
	uint64_t t0;
	long rc;

	if (n > BLKBACK_MAX_SEGS)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t ours = vio_bus_addr(c[i].buf);
		struct gnttab_copy_ptr fe = { .u.ref = c[i].gref, .domid = d->dd->info.domid,
					      .offset = (uint16_t)c[i].offset };
		struct gnttab_copy_ptr me = { .u.gmfn = ours >> 12, .domid = DOMID_SELF,
					      .offset = (uint16_t)(ours & 4095) };

		if ((ours & 4095) + c[i].len > 4096)
			return -1;
		ops[i] = (struct gnttab_copy){ 0 };
		ops[i].source = to_frontend ? me : fe;
		ops[i].dest = to_frontend ? fe : me;
		ops[i].len = (uint16_t)c[i].len;
		ops[i].flags = to_frontend ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
	}
	t0 = rt_now_ns();
	rc = n ? hyp_grant_table_op(GNTTABOP_copy, RT_PTR(ops), n) : 0;
	d->copy_ns += rt_now_ns() - t0;
	if (rc)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		if (ops[i].status != GNTST_okay)
			return -1;
	d->copies += n;
	return 0;
}

static int b_discard(void *ctx, uint64_t sector, uint64_t nr)
{
	struct blk_disk *d = ((struct blk_queue *)ctx)->d;

	return vblk_discard(&d->vb, sector, nr);
}

static const struct blkback_ops blk_copy_ops = { b_grant_copy, b_start, b_wait, b_flush, b_discard, false };
static const struct blkback_ops blk_map_ops = { b_grant_copy, b_start, b_wait, b_flush, b_discard, true };
/* The same functions: with d->persist set, b_start and b_wait keep the grants mapped. */
static const struct blkback_ops blk_persist_ops = { b_grant_copy, b_start, b_wait, b_flush, b_discard, true };

/*
 * Discard is offered where the device has it (QEMU: a drive with
 * discard=unmap punches holes in the file) and our page granules suit its
 * alignment; a read-only disk has nothing to discard.
 */
static bool blk_discard_ok(const struct blk_disk *d)
{
	uint32_t a = d->vb.discard_align;

	return d->vb.discard && !d->vb.read_only && a <= BLKBACK_DISCARD_SECTORS && (!a || BLKBACK_DISCARD_SECTORS % a == 0);
}

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
	struct blk_queue *q = arg;

	(void)port;
	q->kicked = true;		/* served from dom0_blk_poll, never inside another wait */
}

/* Lets go of the queues set up so far: channels closed, rings unmapped, the ring states' area freed. */
static void blk_queues_free(struct blk_disk *d)
{
	for (unsigned int i = 0; i < BLKBACK_MAX_QUEUES; i++) {
		struct blk_queue *q = &d->q[i];

		if (q->bound)
			rt_event_close(q->port);
		q->bound = false;
		q->kicked = false;
		q->served = 0;
		rt_grant_unmap_area(&q->ring);
		q->back = NULL;
	}
	if (d->backs)
		rt_vmem_free(d->backs);
	d->backs = NULL;
	d->nq = 0;
}

/* One queue's ring: every grant mapped (a revoked or never given one fails the connection), bound, attached. */
static int blk_queue_open(struct blk_disk *d, unsigned int i, uint16_t fe, const struct blkback_xb_queue *xq,
			  unsigned int order)
{
	struct blk_queue *q = &d->q[i];
	long rc;

	q->d = d;
	q->back = &d->backs[i];
	rc = rt_grant_map_area(&q->ring, fe, xq->ring_ref, 1u << order);
	if (rc) {
		rt_printf("dom0: blk: cannot map d%u's ring of queue %u (%u pages from grant %u): %ld\n", fe, i,
			  1u << order, xq->ring_ref[0], rc);
		return -1;
	}
	rc = rt_event_bind_interdomain(fe, xq->evtchn, blk_ring_event, q);
	if (rc < 0) {
		rt_printf("dom0: blk: cannot bind d%u's event channel %u of queue %u: %ld\n", fe, xq->evtchn, i, rc);
		return -1;
	}
	q->port = (evtchn_port_t)rc;
	q->bound = true;
	blkback_attach(q->back, q->ring.va, (size_t)(1u << order) * 4096, d->vb.capacity, d->vb.read_only,
		       d->persist ? &blk_persist_ops : blk_map ? &blk_map_ops : &blk_copy_ops, q, blk_io_pages);
	if (blk_discard_ok(d))
		blkback_offer_discard(q->back, BLKBACK_DISCARD_SECTORS);
	q->kicked = true;
	return 0;
}

static int x_connect(void *ctx, const struct blkback_vbd *v)
{
	struct blk_disk *d = ctx;
	uint16_t fe = v->frontend;

	d->persist = v->persistent && !blk_nopersist && !blk_map;
	blkback_pgnt_init(&d->pg);
	d->backs = rt_vmem_alloc(v->nr_queues * sizeof(struct blkback));
	if (!d->backs) {
		rt_printf("dom0: blk: no memory for d%u's %u queues\n", fe, v->nr_queues);
		return -1;
	}
	d->nq = v->nr_queues;
	d->next_q = 0;
	for (unsigned int i = 0; i < v->nr_queues; i++) {
		if (blk_queue_open(d, i, fe, &v->q[i], v->ring_order)) {
			blk_queues_free(d);
			return -1;
		}
	}
	rt_printf("dom0: blk: d%u connected: vbd %u, ring grant %u, port %u, %lu sectors%s; %u queue%s of %u ring "
		  "page%s\n", fe, d->devid, v->q[0].ring_ref[0], v->q[0].evtchn, d->vb.capacity,
		  d->persist ? ", persistent grants" : "", d->nq, d->nq == 1 ? "" : "s", 1u << v->ring_order,
		  v->ring_order ? "s" : "");
	return 0;
}

static void x_disconnect(void *ctx)
{
	struct blk_disk *d = ctx;
	unsigned int kept = d->pg.nr, released;
	struct blkback_stats st = { 0 };
	char per_q[BLKBACK_MAX_QUEUES * 22] = "";

	for (unsigned int i = 0, at = 0; i < d->nq; i++) {
		blkback_stats_add(&st, &d->q[i].back->stats);
		if (d->nq > 1)
			at += (unsigned int)snprintf(per_q + at, sizeof(per_q) - at, " %lu", d->q[i].served);
	}

	/* Nothing of this frontend is on the disk (each serve call ends so): its kept grants go, then its rings. */
	released = b_unmap_kept(d);
	blk_queues_free(d);
	rt_printf("dom0: blk: disconnected: vbd %u: %lu requests (%lu ok, %lu errors, %lu unsupported), %lu grant copies, "
		  "%lu grant maps, %lu flushes, %lu barriers, %lu indirect, at most %lu on the disk at once, "
		  "largest %lu segments, %lu discards; %lu ms on grants, %lu ms waiting for the disk\n",
		  d->devid, d->served, st.ok, st.error, st.unsupported, d->copies, d->maps, st.flushes, st.barriers,
		  st.indirect, st.max_inflight, st.max_segs, st.discards, d->copy_ns / 1000000, d->wait_ns / 1000000);
	if (per_q[0])
		rt_printf("dom0: blk: vbd %u requests by queue:%s\n", d->devid, per_q);
	if (d->persist)
		rt_printf("dom0: blk: vbd %u had persistent grants: %u kept, %lu segments served from kept ones, "
			  "%u released, %lu evicted when full, %lu not released\n", d->devid, kept, d->pg_hits, released,
			  d->pg_evicted, d->pg_stuck);
	d->copy_ns = d->wait_ns = d->pg_hits = d->pg_evicted = d->pg_stuck = 0;
	d->persist = false;
}

static const struct blkback_xs_ops blk_xs_ops = { x_read, x_write, x_connect, x_disconnect };

/* ---- dom0's hooks ---- */

/* The n-th "blk=" item of the command line into out; false when there are no more. */
static bool blk_item(const char *cmdline, unsigned int nth, char *out, size_t len)
{
	for (const char *p = cmdline; *p; p++) {
		size_t n = 0;

		if ((p != cmdline && p[-1] != ' ') || strncmp(p, "blk=", 4))
			continue;
		if (nth--)
			continue;
		for (p += 4; *p && *p != ' ' && n + 1 < len; p++)
			out[n++] = *p;
		out[n] = 0;
		return true;
	}
	return false;
}

/* "NAME", "NAME:DEVID" (decimal, the host's vdev numbering) or "NAME:DEVID:fua": false if malformed. */
static bool blk_parse_item(struct blk_disk *d, char *item)
{
	char *colon = strchr(item, ':'), *opt = colon ? strchr(colon + 1, ':') : NULL;
	uint64_t id = 0;

	d->devid = BLK_DEVID;
	d->fua = false;
	if (opt) {
		*opt = 0;
		if (strcmp(opt + 1, "fua"))
			return false;
		d->fua = true;
	}
	if (colon) {
		*colon = 0;
		if (!colon[1])
			return false;
		for (const char *c = colon + 1; *c; c++) {
			if (*c < '0' || *c > '9' || (id = id * 10 + (uint64_t)(*c - '0')) > 0xffffffffu)
				return false;
		}
		d->devid = (uint32_t)id;
	}
	if (!item[0] || strlen(item) >= sizeof(d->want))
		return false;
	memcpy(d->want, item, strlen(item) + 1);
	return true;
}

static void blk_open_disk(struct blk_disk *d, unsigned int nth)
{
	int rc = vblk_open_nth(&d->vb, true, nth);

	/* Our requests never exceed what the device takes in one (QEMU's seg_max is its queue size less 2: 254). */
	if (rc == 0 && d->vb.seg_max < BLKBACK_MAX_SEGS)
		rc = -7;
	if (rc == 0)
		vblk_req_init(d->reqs, BLKBACK_MAX_INFLIGHT, blk_hdr_mem, blk_tables);
	if (rc) {
		rt_printf("dom0: blk: no virtio-blk disk %u to serve to %s (step %d)\n", nth, d->pool ? "the pool" : d->want, rc);
		return;
	}
	d->up = true;
	if (d->pool)
		return;
	rt_printf("dom0: blk: virtio-blk disk of %lu sectors%s, for domain %s as vbd %u%s; seg_max %u, %s, %s\n",
		  d->vb.capacity, d->vb.read_only ? " (read-only)" : "", d->want, d->devid, d->fua ? ", barriers and FUA" : "",
		  d->vb.seg_max, d->vb.indirect ? "indirect descriptors" : "no indirect descriptors",
		  blk_discard_ok(d) ? "discard" : "no discard");
}

/* "blkpool=N": the next N virtio-blk devices (after the blk= items' ones) are slots for run-time disks. */
static void blk_pool_init(void)
{
	const char *p = rt_boot.si->cmd_line;
	unsigned int n = 0;

	for (; *p; p++)
		if ((p == rt_boot.si->cmd_line || p[-1] == ' ') && !strncmp(p, "blkpool=", 8))
			break;
	if (!*p)
		return;
	for (p += 8; *p >= '0' && *p <= '9' && n < 1000; p++)
		n = n * 10 + (unsigned int)(*p - '0');
	blk_pool_first = blk_nr_disks;
	while (n-- && blk_nr_disks < BLK_MAX_DISKS) {
		struct blk_disk *d = &blk_disks[blk_nr_disks];

		d->pool = true;
		d->want[0] = 0;
		blk_open_disk(d, blk_nr_disks);
		if (!d->up)
			break;
		blk_nr_disks++;
		blk_pool_nr++;
	}
	rt_printf("dom0: blk: %u run-time disk slots\n", blk_pool_nr);
}

void dom0_blk_init(void)
{
	char item[48];

	for (unsigned int i = 0; i < BLK_IO_PAGES; i++)
		blk_io_pages[i] = blk_io_mem[i];
	for (unsigned int i = 0; i < BLKBACK_MAX_INFLIGHT; i++)
		blk_tables[i] = blk_table_mem[i];
	blk_map = rt_has_word(rt_boot.si->cmd_line, "blk_map");
	blk_nopersist = rt_has_word(rt_boot.si->cmd_line, "blk_nopersist");
	if (blk_map)
		rt_printf("dom0: blk: the disks reach the frontends' pages through grants mapped for the device\n");
	while (blk_nr_disks < BLK_MAX_DISKS && blk_item(rt_boot.si->cmd_line, blk_nr_disks, item, sizeof(item))) {
		struct blk_disk *d = &blk_disks[blk_nr_disks];

		if (!blk_parse_item(d, item)) {
			rt_printf("dom0: blk: bad item blk=%s (NAME, NAME:DEVID or NAME:DEVID:fua): disk %u not served\n", item,
				  blk_nr_disks);
			d->want[0] = 0;
		} else {
			blk_open_disk(d, blk_nr_disks);
		}
		blk_nr_disks++;
	}
	if (blk_item(rt_boot.si->cmd_line, blk_nr_disks, item, sizeof(item)))
		rt_printf("dom0: blk: more than %u disks: the rest are not served\n", BLK_MAX_DISKS);
	blk_pool_init();
}

/* The nodes libxl writes for a vbd: the frontend's directory (the guest's own) and the backend's (ours). */
static int blk_write_nodes(uint32_t domid, uint32_t devid)
{
	struct xs_handle *h = dom0_store_xs();
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	char fe[96], be[96], path[160], val[96];
	static const char *const fe_nodes[][2] = { { "backend-id", "0" }, { "device-type", "disk" }, { "state", "1" } };

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%u", domid, devid);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", domid, devid);
	/*
	 * No directory of an earlier domain with this domid is left here (ids
	 * are reused): dom0_xs_release removed it with that domain, since
	 * xenstored takes the permissions it carries for a released domid as
	 * void, and the new frontend could not read our state.
	 */
	if (!xs_mkdir(h, XBT_NULL, be) || !xs_set_permissions(h, XBT_NULL, be, be_perm, 2) ||
	    !xs_mkdir(h, XBT_NULL, fe) || !xs_set_permissions(h, XBT_NULL, fe, fe_perm, 2))
		return -1;
	snprintf(path, sizeof(path), "%s/backend", fe);
	if (x_write(NULL, path, be))
		return -1;
	snprintf(path, sizeof(path), "%s/virtual-device", fe);
	snprintf(val, sizeof(val), "%u", devid);
	if (x_write(NULL, path, val))
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

/* Another disk already offered to this domain as the same vbd: the frontend would see only one of them. */
static bool blk_devid_taken(const struct blk_disk *d, const struct dom0_domain *dd)
{
	for (unsigned int i = 0; i < blk_nr_disks; i++)
		if (&blk_disks[i] != d && blk_disks[i].dd == dd && blk_disks[i].devid == d->devid)
			return true;
	return false;
}

static void blk_attach_disk(struct blk_disk *d, struct dom0_domain *dd)
{
	if (blk_devid_taken(d, dd)) {
		rt_printf("dom0: blk: d%u already has a vbd %u: this disk is not offered\n", dd->info.domid, d->devid);
		return;
	}
	if (blk_write_nodes(dd->info.domid, d->devid) ||
	    blkback_xb_start(&d->vbd, dd->info.domid, d->devid, d->vb.capacity,
			     (d->vb.read_only ? BLKBACK_XB_READ_ONLY : 0) | (d->fua ? BLKBACK_XB_FUA : 0) |
				     (blk_discard_ok(d) ? BLKBACK_XB_DISCARD : 0) |
				     (blk_nopersist || blk_map ? BLKBACK_XB_NO_PERSIST : 0),
			     BLKBACK_MAX_QUEUES, &blk_xs_ops, d)) {
		rt_printf("dom0: blk: cannot write d%u's vbd nodes\n", dd->info.domid);
		return;
	}
	d->dd = dd;
	rt_printf("dom0: blk: offering vbd %u to d%u (%s)\n", d->devid, dd->info.domid, dd->info.name);
}

void dom0_blk_attach(struct dom0_domain *dd)
{
	for (unsigned int i = 0; i < blk_nr_disks; i++) {
		struct blk_disk *d = &blk_disks[i];

		if (d->up && !d->dd && !strcmp(dd->info.name, d->want))
			blk_attach_disk(d, dd);
	}
}

void blk_let_go(struct blk_disk *d)
{
	if (d->vbd.connected)
		x_disconnect(d);
	d->vbd.connected = false;
	d->dd = NULL;
}

void dom0_blk_detach(struct dom0_domain *dd)
{
	for (unsigned int i = 0; i < blk_nr_disks; i++)
		if (blk_disks[i].dd == dd)
			blk_let_go(&blk_disks[i]);
}

/* The frontend closed (or did not in time): its nodes and ours go, so Linux drops the device, and the slot is free. */
static void blk_detach_done(struct blk_disk *d)
{
	struct xs_handle *h = dom0_store_xs();
	uint32_t domid = d->dd->info.domid;
	char path[96];

	rt_printf("dom0: blk: vbd %u of d%u detached (%s)\n", d->devid, domid,
		  d->vbd.state == XenbusStateClosed ? "the frontend closed" : "the frontend did not close in time");
	blk_let_go(d);
	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd/%u", domid, d->devid);
	xs_rm(h, XBT_NULL, path);
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u", domid, d->devid);
	xs_rm(h, XBT_NULL, path);
	d->detaching = false;
	d->want[0] = 0;
}

/* One budget at most, so that a queue that keeps producing cannot starve the other queues and disks. */
static bool blk_poll_queue(struct blk_queue *q)
{
	struct blk_disk *d = q->d;
	bool notify;
	int n;

	/* A ring given up stays quiet: its frontend's kicks cost us nothing more. */
	if (!q->kicked || q->back->broken)
		return false;
	q->kicked = false;
	n = blkback_serve(q->back, &notify);
	if (notify)
		rt_event_send(q->port);	/* even from a ring given up: what it had started was answered */
	if (n < 0) {
		rt_printf("dom0: blk: d%u's ring indices lie: queue %u no longer served\n", d->dd->info.domid,
			  (unsigned int)(q - d->q));
		return false;
	}
	d->served += (uint64_t)n;
	q->served += (uint64_t)n;
	/* Refs were turned away at the bound: the least used kept ones go (nothing is on the disk between calls). */
	if (d->persist && d->pg.misses) {
		struct blkback_pgnt e[BLKBACK_PGNT_EVICT];

		d->pg_evicted += b_unmap_entries(d, e, blkback_pgnt_evict(&d->pg, e, BLKBACK_PGNT_EVICT), true);
	}
	if (n == (int)blkback_budget(q->back))
		q->kicked = true;	/* a full budget: look again */
	return q->kicked;
}

static bool blk_poll_disk(struct blk_disk *d)
{
	bool again = false;

	blkback_xb_frontend_changed(&d->vbd);
	if (d->vbd.refused) {
		rt_printf("dom0: blk: d%u's vbd %u nodes refused: %s\n", d->dd->info.domid, d->devid, d->vbd.refused);
		d->vbd.refused = NULL;
	}
	if (d->detaching && (d->vbd.state == XenbusStateClosed || rt_now_ns() > d->detach_by_ns)) {
		blk_detach_done(d);
		return false;
	}
	if (!d->vbd.connected)
		return false;
	/*
	 * One budget per disk and round, shared by its busy queues (at least one
	 * request each): a frontend asking for four queues gets no more of dom0
	 * than one with a single queue. Who goes first moves on, so none is
	 * always last.
	 */
	unsigned int busy = 0;

	for (unsigned int k = 0; k < d->nq; k++)
		busy += d->q[k].kicked && !d->q[k].back->broken;
	for (unsigned int k = 0; k < d->nq; k++) {
		struct blk_queue *q = &d->q[(d->next_q + k) % d->nq];

		q->back->serve_cap = busy ? BLKBACK_SERVE_BUDGET / busy : 0;	/* at least 8: 4 queues at most */
		again |= blk_poll_queue(q);
	}
	d->next_q = d->nq ? (d->next_q + 1) % d->nq : 0;
	return again;
}

void dom0_blk_poll(void)
{
	bool again = true;

	if (blk_serving)
		return;
	blk_serving = true;	/* the disks' waits dispatch events: none of them may come back in here */
	/* Round robin; a ring still full after a few rounds is looked at again at dom0's next tick. */
	for (unsigned int round = 0; again && round < 8; round++) {
		again = false;
		for (unsigned int i = 0; i < blk_nr_disks; i++)
			if (blk_disks[i].dd)
				again |= blk_poll_disk(&blk_disks[i]);
	}
	blk_serving = false;
}

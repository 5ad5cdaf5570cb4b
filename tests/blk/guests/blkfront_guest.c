/* SPDX-License-Identifier: MIT */
/*
 * blkfront_guest (domU): a blkif frontend as xen-blkfront behaves, against
 * dom0's blkback (backends/dom0/blk.c) and through it dom0's virtio-blk
 * disk. The xenbus handshake on dom0's xenstored, a one-page ring granted
 * to dom0, data pages granted per request. It reads the host's pattern,
 * writes its own over the write region, flushes, reads it back (the host
 * then checks the file), times both directions, then sends requests a
 * broken or hostile frontend would (bad segment counts, grants it never
 * gave, sectors past the end, unknown operations) and checks that each
 * gets an error and the ring keeps serving. With "persistent" it offers
 * feature-persistent, so dom0 keeps its grants mapped, and then abuses
 * them (persistent_abuse). With "rings" it first offers hostile ring
 * nodes (an order above the offer, a missing or repeated ring-refN, a
 * revoked ring page, bad queue counts, a queue without its nodes, two
 * queues on one channel), each refused with our end closed and the
 * handshake starting over, then connects two queues of four-page rings,
 * fills the big ring, and makes its second queue lie while the first
 * keeps serving (rings).
 */
#include <pvabi/errno.h>
#include <pvabi/event_channel.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/blkif.h>
#include <pvabi/io/ring.h>
#include <pvabi/io/xenbus.h>
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "rt_xs.h"
#include "test.h"
#include "../blk_pattern.h"

#define VBD		"device/vbd/51712"
#define REF_RING	8		/* refs below 8 are the toolstack's */
#define REF_DATA	9
#define NSEG		BLKIF_MAX_SEGMENTS_PER_REQUEST
#define SECT_PER_REQ	(NSEG * 8)
#define GNT_FRAMES	3		/* with "persistent": room for the flood's refs */
#define REF_OTHER	40		/* persistent_abuse's own pages */
#define REF_FLOOD	64		/* the flood's refs, [REF_FLOOD, REF_FLOOD + NFLOOD) */
#define NFLOOD		1320		/* more than dom0 keeps (1056) */

static struct xs_handle *xs;
static volatile struct grant_entry_v1 *gtab;
static struct pvabi_ring ring;
static uint8_t *data[NSEG];
static evtchn_port_t port;
static char be_path[128];
static bool persistent;		/* "persistent": we offer feature-persistent and abuse it */
static bool rings;		/* "rings": hostile ring nodes, then two queues of multi-page rings */

static void on_nap(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Until an event or 20 ms. */
static void nap(void)
{
	static struct rt_timer t;

	rt_timer_arm(&t, rt_now_ns() + 20000000ULL, on_nap, NULL);
	rt_event_block();
	rt_timer_cancel(&t);
}

/* Responses are looked for after every wake-up: the event only ends the nap. */
static void on_ring_event(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
}

static bool read_node(const char *path, char *buf, size_t len)
{
	unsigned int n;
	char *v = xs_read(xs, XBT_NULL, path, &n);
	bool ok = v && n < len;

	if (ok) {
		memcpy(buf, v, n);
		buf[n] = 0;
	}
	xs_free(xs, v);
	return ok;
}

static bool write_node(const char *path, const char *val)
{
	return xs_write(xs, XBT_NULL, path, val, (unsigned int)strlen(val));
}

static uint64_t num(const char *s)
{
	uint64_t n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (uint64_t)(*s - '0');
	return n;
}

/* Waits up to secs for the backend's state to become want. */
static bool backend_state(unsigned int want, unsigned int secs)
{
	char path[160], v[16];
	uint64_t end = rt_now_ns() + secs * 1000000000ULL;

	snprintf(path, sizeof(path), "%s/state", be_path);
	do {
		if (read_node(path, v, sizeof(v)) && num(v) == want)
			return true;
		nap();
	} while (rt_now_ns() < end);
	return false;
}

static void grant(grant_ref_t ref, const void *page)
{
	gtab[ref].domid = 0;
	gtab[ref].frame = (uint32_t)rt_pfn_to_mfn((RT_PTR(page) - RT_VIRT_BASE) >> 12);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gtab[ref].flags = GTF_permit_access;
}

static bool setup_grants(void)
{
	uint64_t frame[GNT_FRAMES] = { 0 };
	unsigned int nr = persistent ? GNT_FRAMES : 1;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr, .frame_list = RT_PTR(frame) };

	if (hyp_grant_table_op(GNTTABOP_setup_table, RT_PTR(&st), 1) || st.status != GNTST_okay)
		return false;
	for (unsigned int f = 0; f < nr; f++) {
		uint8_t *win = rt_window_get();

		/* The window hands out its slots in order: the table is one run of pages. */
		if (!win || (f && win != (uint8_t *)gtab + f * 4096) || rt_window_map(win, frame[f], true))
			return false;
		if (!f)
			gtab = (volatile struct grant_entry_v1 *)win;
	}
	for (unsigned int i = 0; i < NSEG; i++) {
		if (!(data[i] = rt_page_alloc()))
			return false;
		grant(REF_DATA + i, data[i]);
	}
	return true;
}

/* Posts one request and waits for its answer; returns the status (or 99 if none came in 30 s). */
static int16_t request(const struct blkif_request *r)
{
	struct blkif_request *slot = pvabi_front_next_request(&ring);
	struct blkif_response rsp;
	uint64_t end = rt_now_ns() + 30000000000ULL;

	*slot = *r;
	if (pvabi_front_push_requests(&ring))
		rt_event_send(port);
	while (pvabi_front_final_check(&ring) == 0) {
		if (rt_now_ns() > end)
			return 99;
		nap();
	}
	PVABI_FRONT_TAKE(&ring, &rsp);
	if (rsp.id != r->id)
		return 98;
	return rsp.status;
}

static struct blkif_request rw(uint8_t op, uint64_t sector, unsigned int nseg)
{
	static uint64_t id = 1;
	struct blkif_request r = { .operation = op, .nr_segments = (uint8_t)nseg, .id = id++, .sector_number = sector };

	for (unsigned int i = 0; i < nseg && i < NSEG; i++)
		r.seg[i] = (struct blkif_request_segment){ .gref = REF_DATA + i, .first_sect = 0, .last_sect = 7 };
	return r;
}

/* The backend waiting, its offer checked, our grant table and data pages set up, our first channel allocated. */
static bool connect_prepare(void)
{
	char path[160], v[160];
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	uint64_t end = rt_now_ns() + 20000000000ULL;

	while (!read_node(VBD "/backend", be_path, sizeof(be_path))) {
		if (rt_now_ns() > end)
			return false;
		nap();
	}
	if (!backend_state(XenbusStateInitWait, 20))
		return false;
	snprintf(path, sizeof(path), "%s/sectors", be_path);
	tc_check(read_node(path, v, sizeof(v)) && num(v) == BLK_IMAGE_BYTES / 512, "backend sectors = %s", v);
	snprintf(path, sizeof(path), "%s/feature-flush-cache", be_path);
	tc_check(read_node(path, v, sizeof(v)) && num(v) == !rt_has_word(rt_boot.si->cmd_line, "ro"),
		 "the backend offers flush on a writable disk only (%s)", v);
	snprintf(path, sizeof(path), "%s/feature-discard", be_path);
	tc_check(read_node(path, v, sizeof(v)) == !rt_has_word(rt_boot.si->cmd_line, "ro") &&
		 (rt_has_word(rt_boot.si->cmd_line, "ro") || num(v) == 1),
		 "the backend offers discard on a writable disk only");
	if (!setup_grants() || hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)))
		return false;
	port = au.port;
	rt_event_set_handler(port, on_ring_event, NULL);
	rt_event_unmask(port);
	return true;
}

static bool connect(void)
{
	char path[160], v[160];
	uint8_t *rp;

	if (!connect_prepare())
		return false;
	rp = rt_page_alloc();
	if (!rp)
		return false;
	pvabi_sring_init((struct pvabi_sring_hdr *)rp);
	pvabi_ring_attach(&ring, rp, 4096, sizeof(union blkif_sring_entry));
	grant(REF_RING, rp);
	snprintf(v, sizeof(v), "%u", REF_RING);
	write_node(VBD "/ring-ref", v);
	snprintf(v, sizeof(v), "%u", port);
	write_node(VBD "/event-channel", v);
	write_node(VBD "/protocol", "x86_64-abi");
	if (persistent) {
		snprintf(path, sizeof(path), "%s/feature-persistent", be_path);
		tc_check(read_node(path, v, sizeof(v)) && num(v) == 1, "the backend offers persistent grants");
		write_node(VBD "/feature-persistent", "1");
	}
	write_node(VBD "/state", "3");
	return backend_state(XenbusStateConnected, 20);
}

static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t centi = ns ? bytes * 1000000000ULL / ns * 100 / (1 << 20) : 0;

	rt_printf("blkfront: %s: %lu KiB in %lu ms: %lu.%02lu MiB/s\n", what, bytes >> 10, ns / 1000000,
		  centi / 100, centi % 100);
}

/* The whole region in requests of NSEG pages (the last one shorter): read and check, or fill and write. */
static bool pass(uint64_t first, uint64_t nsect, bool write, bool guest_pattern, uint64_t *ns)
{
	*ns = 0;
	for (uint64_t s = first; s < first + nsect; s += SECT_PER_REQ) {
		uint64_t n = first + nsect - s < SECT_PER_REQ ? first + nsect - s : SECT_PER_REQ;
		struct blkif_request r = rw(write ? BLKIF_OP_WRITE : BLKIF_OP_READ, s, (unsigned int)((n + 7) / 8));
		uint64_t t0;
		int16_t st;

		r.seg[r.nr_segments - 1].last_sect = (uint8_t)((n - 1) % 8);
		if (write)
			for (uint64_t k = 0; k < n * 512; k++)
				data[k / 4096][k % 4096] = blk_guest_byte(s + k / 512, (unsigned int)(k % 512));
		t0 = rt_now_ns();
		st = request(&r);
		*ns += rt_now_ns() - t0;
		if (st != BLKIF_RSP_OKAY) {
			tc_fail("%s of sectors %lu+%lu: status %d", write ? "write" : "read", s, n, st);
			return false;
		}
		for (uint64_t k = 0; !write && k < n * 512; k++) {
			uint8_t want = guest_pattern ? blk_guest_byte(s + k / 512, (unsigned int)(k % 512))
						     : blk_host_byte(s + k / 512, (unsigned int)(k % 512));

			if (data[k / 4096][k % 4096] != want) {
				tc_fail("sector %lu byte %lu: 0x%02x, wanted 0x%02x", s + k / 512, k % 512,
					data[k / 4096][k % 4096], want);
				return false;
			}
		}
	}
	return true;
}

static void hostile(void)
{
	struct blkif_request r;

	r = rw(BLKIF_OP_READ, 0, 1);
	r.nr_segments = 12;
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "12 segments");
	r = rw(BLKIF_OP_READ, 0, 0);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a read of no segments");
	r = rw(BLKIF_OP_WRITE, BLK_WRITE_FIRST, 2);
	r.seg[1].gref = 2000;
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a grant we never gave");
	r = rw(BLKIF_OP_READ, 0, 1);
	r.seg[0].gref = 0;		/* the console ring: granted to dom0, but not for this */
	r.seg[0].first_sect = 6;
	r.seg[0].last_sect = 3;
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "first_sect after last_sect");
	r = rw(BLKIF_OP_READ, BLK_IMAGE_BYTES / 512 - 4, 1);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a page reaching past the end of the disk");
	r = rw(BLKIF_OP_READ, 0xfffffffffffffff0ULL, 1);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a sector number that wraps");
	r = rw(BLKIF_OP_DISCARD, 0, 0);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a discard of no sectors");
	r = rw(77, 0, 0);
	tc_expect_eq(request(&r), BLKIF_RSP_EOPNOTSUPP, "an unknown operation");
	r = rw(BLKIF_OP_READ, BLK_IMAGE_BYTES / 512 - 8, 1);
	tc_expect_eq(request(&r), BLKIF_RSP_OKAY, "and the last page of the disk still reads");
}

#define NB	14		/* requests in hostile_batch's batch */

/*
 * Good and bad requests posted together, as one batch dom0 puts on its
 * disk at once: reads, barriers with and without data (the guest's own
 * pattern, so the host's check of the write region still holds), and
 * requests that must fail among them. Each is answered once, by its id,
 * in whatever order; the good ones carry the right data.
 */
static void hostile_batch(void)
{
	struct blkif_request b[NB];
	int16_t want[NB] = { BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR,
			     BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR,
			     BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP };
	struct blkif_request_segment *list = rt_page_alloc();
	static const char *const what[NB] = { "a read", "12 segments", "another read", "a write from a grant never given",
					     "a read past the end", "a barrier with data",
					     "a barrier with a segment past its page", "a barrier without data",
					     "a barrier from a grant never given",
					     "an indirect read whose list page was never granted",
					     "an indirect read of 2 segments", "a discard past the end",
					     "a discard off the 4 KiB granularity", "a secure discard" };
	unsigned int got = 0, answered[NB] = { 0 };
	uint64_t end = rt_now_ns() + 30000000000ULL;

	for (uint64_t k = 0; k < 4096; k++)
		data[1][k] = blk_guest_byte(BLK_WRITE_FIRST + k / 512, (unsigned int)(k % 512));
	memset(data[0], 0, 4096);
	memset(data[2], 0, 4096);
	/* The reads before the barriers are on the disk together; each barrier waits for what came before. */
	b[0] = rw(BLKIF_OP_READ, 0, 1);
	b[1] = rw(BLKIF_OP_READ, 0, 1);
	b[1].nr_segments = 12;
	b[2] = rw(BLKIF_OP_READ, 8, 1);
	b[2].seg[0].gref = REF_DATA + 2;
	b[3] = rw(BLKIF_OP_WRITE, BLK_WRITE_FIRST, 2);
	b[3].seg[1].gref = 2000;
	b[4] = rw(BLKIF_OP_READ, BLK_IMAGE_BYTES / 512 - 4, 1);
	b[5] = rw(BLKIF_OP_WRITE_BARRIER, BLK_WRITE_FIRST, 1);
	b[5].seg[0].gref = REF_DATA + 1;
	b[6] = rw(BLKIF_OP_WRITE_BARRIER, BLK_WRITE_FIRST, 1);
	b[6].seg[0].last_sect = 9;
	b[7] = rw(BLKIF_OP_WRITE_BARRIER, 0, 0);
	b[8] = rw(BLKIF_OP_WRITE_BARRIER, BLK_WRITE_FIRST, 1);
	b[8].seg[0].gref = 3000;
	/* Indirect (feature-max-indirect-segments): the segment list in a page of its own. */
	if (!list) {
		tc_error("no page for an indirect list");
		return;
	}
	list[0] = (struct blkif_request_segment){ .gref = REF_DATA + 4, .first_sect = 0, .last_sect = 7 };
	list[1] = (struct blkif_request_segment){ .gref = REF_DATA + 5, .first_sect = 0, .last_sect = 7 };
	grant(REF_DATA + NSEG, list);
	memset(data[4], 0, 4096);
	memset(data[5], 0, 4096);
	for (unsigned int i = 9; i < NB; i++) {
		struct blkif_request_indirect *ind = (struct blkif_request_indirect *)&b[i];

		b[i] = rw(BLKIF_OP_READ, 0, 0);
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = BLKIF_OP_READ;
		ind->nr_segments = 2;
		ind->sector_number = 16;
		ind->indirect_grefs[0] = i == 9 ? 4000 : REF_DATA + NSEG;
	}
	/* Discards (feature-discard, 4 KiB granules): none of these may reach the disk (the host checks the file). */
	for (unsigned int i = 11; i < NB; i++) {
		struct blkif_request_discard *d = (struct blkif_request_discard *)&b[i];

		b[i] = rw(BLKIF_OP_READ, 0, 0);
		d->operation = BLKIF_OP_DISCARD;
		d->flag = i == 13 ? BLKIF_DISCARD_SECURE : 0;
		d->sector_number = i == 11 ? BLK_IMAGE_BYTES / 512 - 8 : i == 12 ? 3 : 0;
		d->nr_sectors = i == 11 ? 16 : 8;
	}
	for (unsigned int i = 0; i < NB; i++)
		*(struct blkif_request *)pvabi_front_next_request(&ring) = b[i];
	if (pvabi_front_push_requests(&ring))
		rt_event_send(port);
	while (got < NB && rt_now_ns() < end) {
		struct blkif_response rsp;

		if (pvabi_front_final_check(&ring) == 0) {
			nap();
			continue;
		}
		PVABI_FRONT_TAKE(&ring, &rsp);
		for (unsigned int i = 0; i < NB; i++) {
			if (rsp.id != b[i].id)
				continue;
			answered[i]++;
			tc_check(rsp.status == want[i], "in a batch: %s answered %d (got %d)", what[i], want[i],
				 rsp.status);
		}
		got++;
	}
	for (unsigned int i = 0; i < NB; i++)
		tc_check(answered[i] == 1, "in a batch: %s answered once (%u)", what[i], answered[i]);
	for (uint64_t k = 0; k < 4096; k++) {
		if (data[0][k] != blk_host_byte(k / 512, (unsigned int)(k % 512)) ||
		    data[2][k] != blk_host_byte(8 + k / 512, (unsigned int)(k % 512)) ||
		    data[4][k] != blk_host_byte(16 + k / 512, (unsigned int)(k % 512)) ||
		    data[5][k] != blk_host_byte(24 + k / 512, (unsigned int)(k % 512))) {
			tc_fail("in a batch: the reads' data differ from the host's at byte %lu", k);
			return;
		}
	}
	tc_pass("in a batch: the reads carry the host's data");
}

/*
 * For blk.crash_records: numbered one-sector records, each written, then
 * flushed, then acknowledged on the console, until the host kills QEMU.
 * Every record acknowledged must be in the file afterwards.
 */
static void records(void)
{
	for (uint32_t i = 0; i < BLK_WRITE_SECTORS; i++) {
		struct blkif_request w = rw(BLKIF_OP_WRITE, BLK_WRITE_FIRST + i, 1), f = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);

		w.seg[0].last_sect = 0;
		for (unsigned int j = 0; j < 512; j++)
			data[0][j] = blk_guest_byte(BLK_WRITE_FIRST + i, j);
		if (request(&w) != BLKIF_RSP_OKAY || request(&f) != BLKIF_RSP_OKAY) {
			tc_fail("record %u: write or flush failed", i);
			return;
		}
		rt_printf("blk-record %u acknowledged\n", i);
	}
	tc_pass("all %u records written", BLK_WRITE_SECTORS);
}

/* A disk attached read-only ("ro" on our command line): it says so, reads work, nothing writes. */
static void read_only(void)
{
	char path[160], v[16];
	struct blkif_request r;
	uint64_t ns;

	snprintf(path, sizeof(path), "%s/info", be_path);
	tc_check(read_node(path, v, sizeof(v)) && (num(v) & VDISK_READONLY), "the backend says read-only (info %s)", v);
	snprintf(path, sizeof(path), "%s/mode", be_path);
	tc_check(read_node(path, v, sizeof(v)) && !strcmp(v, "r"), "mode r");
	if (pass(0, BLK_READ_SECTORS, false, false, &ns))
		tc_pass("read the host's %u sectors", BLK_READ_SECTORS);
	r = rw(BLKIF_OP_WRITE, BLK_WRITE_FIRST, NSEG);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a write to the read-only disk");
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, BLK_WRITE_FIRST, 1);
	tc_expect_eq(request(&r), BLKIF_RSP_ERROR, "a flush with data");
	r = rw(BLKIF_OP_READ, BLK_WRITE_FIRST, 1);
	tc_expect_eq(request(&r), BLKIF_RSP_OKAY, "reads still work after the refusals");
}

static uint64_t mfn_of(const void *page)
{
	return rt_pfn_to_mfn((RT_PTR(page) - RT_VIRT_BASE) >> 12);
}

/* One page at sector s through ref; status. */
static int16_t one_page(uint8_t op, uint64_t s, grant_ref_t ref)
{
	struct blkif_request r = rw(op, s, 1);

	r.seg[0].gref = ref;
	return request(&r);
}

/*
 * With feature-persistent, dom0 keeps our data grants mapped after the
 * passes. We then re-point a kept ref at another page, revoke another, and
 * name more refs than dom0 keeps. Only we may suffer: a kept ref keeps
 * reaching the page it was kept for (dom0's mapping holds that frame),
 * every request is still served, the data stays right, and the flood only
 * makes dom0 map what it no longer keeps per request (its disconnect line
 * says how many it kept: the bound).
 */
static void persistent_abuse(void)
{
	uint8_t *other = rt_page_alloc(), *back = rt_page_alloc();
	uint64_t s = BLK_WRITE_FIRST;
	unsigned int bad = 0;

	if (!other || !back) {
		tc_error("no pages");
		return;
	}
	/* Re-pointed: the write must come from data[0] (the guest's pattern, kept), not other (0x5a). */
	for (unsigned int k = 0; k < 4096; k++) {
		data[0][k] = blk_guest_byte(s + k / 512, k % 512);
		other[k] = 0x5a;
	}
	gtab[REF_DATA].frame = (uint32_t)mfn_of(other);
	tc_expect_eq(one_page(BLKIF_OP_WRITE, s, REF_DATA), BLKIF_RSP_OKAY, "a write through a re-pointed kept ref");
	grant(REF_OTHER, back);
	tc_expect_eq(one_page(BLKIF_OP_READ, s, REF_OTHER), BLKIF_RSP_OKAY, "reading it back through a new ref");
	for (unsigned int k = 0; k < 4096; k++)
		bad += back[k] != blk_guest_byte(s + k / 512, k % 512);
	tc_check(bad == 0, "the kept mapping still reached the page it was kept for (%u bytes differ)", bad);
	grant(REF_DATA, data[0]);
	/* Revoked while kept: dom0 still holds the frame, the read lands in our own old page. */
	gtab[REF_DATA + 1].flags = 0;
	memset(data[1], 0, 4096);
	tc_expect_eq(one_page(BLKIF_OP_READ, s, REF_DATA + 1), BLKIF_RSP_OKAY, "a read through a revoked kept ref");
	bad = 0;
	for (unsigned int k = 0; k < 4096; k++)
		bad += data[1][k] != blk_guest_byte(s + k / 512, k % 512);
	tc_check(bad == 0, "it landed in our own page, still held by dom0's mapping (%u bytes differ)", bad);
	grant(REF_DATA + 1, data[1]);
	/* The flood: NFLOOD refs, each used once, reading the host's pattern back through them. */
	for (unsigned int i = 0; i < NFLOOD; i++)
		grant(REF_FLOOD + i, data[i % NSEG]);
	bad = 0;
	for (unsigned int i = 0; i + NSEG <= NFLOOD && !bad; i += NSEG) {
		uint64_t first = (uint64_t)(i / NSEG) * SECT_PER_REQ % BLK_READ_SECTORS;
		struct blkif_request r = rw(BLKIF_OP_READ, first, NSEG);

		for (unsigned int j = 0; j < NSEG; j++)
			r.seg[j].gref = REF_FLOOD + i + j;
		if (request(&r) != BLKIF_RSP_OKAY) {
			tc_fail("flood request %u failed", i / NSEG);
			return;
		}
		for (uint64_t k = 0; k < SECT_PER_REQ * 512; k++)
			bad += data[k / 4096][k % 4096] != blk_host_byte(first + k / 512, (unsigned int)(k % 512));
	}
	tc_check(bad == 0, "%u refs, each used once: every read served with the host's data", NFLOOD);
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, false, true, &(uint64_t){ 0 }))
		tc_pass("the kept refs still serve our %u sectors after the abuse", BLK_WRITE_SECTORS);
}

/*
 * Last: a producer index 1000 requests ahead of a 32-slot ring. dom0 must
 * stop serving this ring (and say so) rather than read slots that are not
 * requests or answer more than the ring holds; the handshake still works.
 */
static void lying_producer(void)
{
	struct pvabi_sring_hdr *h = ring.sring;
	uint32_t before = pvabi_read_idx(&h->rsp_prod);

	pvabi_write_idx(&h->req_prod, ring.prod_pvt + 1000);
	rt_event_send(port);
	for (unsigned int i = 0; i < 25; i++)
		nap();
	tc_expect_eq(pvabi_read_idx(&h->rsp_prod), before, "no response to a producer index 1000 ahead");
}

static void disconnect(void)
{
	write_node(VBD "/state", "5");
	tc_check(backend_state(XenbusStateClosing, 20), "the backend follows to Closing");
	write_node(VBD "/state", "6");
	tc_check(backend_state(XenbusStateClosed, 20), "and to Closed");
}

/* ---- "rings": multi-page rings and queues, offered badly and then well ---- */

#define REF_RPAGES	100		/* the rings' pages: queue 0's at 100..103, queue 1's at 104..107 */
#define REF_REVOKED	110
#define REF_ALIAS	111		/* a second grant of queue 0's first ring page */
#define RORDER		2		/* four pages a ring */
#define RPAGES		(1u << RORDER)

static struct pvabi_ring ring1;		/* queue 1 */
static evtchn_port_t port1;

/* The frontend's ring nodes go before each attempt: a stale one must not make a bad set look good. */
static void clear_ring_nodes(void)
{
	static const char *const keys[] = { "ring-ref", "ring-page-order", "multi-queue-num-queues", "event-channel",
					   "queue-0", "queue-1", "queue-2" };
	char path[64];

	for (unsigned int i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), VBD "/%s", keys[i]);
		xs_rm(xs, XBT_NULL, path);
	}
	for (unsigned int i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), VBD "/ring-ref%u", i);
		xs_rm(xs, XBT_NULL, path);
	}
}

static void node_u(const char *dir, const char *key, unsigned int val)
{
	char path[96], v[16];

	snprintf(path, sizeof(path), VBD "/%s%s", dir, key);
	snprintf(v, sizeof(v), "%u", val);
	write_node(path, v);
}

/* A queue's ring-ref0 .. ring-refN-1 from refs (N = 1 << order) and its channel, under dir ("" or "queue-N/"). */
static void queue_nodes(const char *dir, const uint32_t *refs, unsigned int order, evtchn_port_t p)
{
	for (unsigned int i = 0; i < (1u << order); i++) {
		char key[16];

		snprintf(key, sizeof(key), "ring-ref%u", i);
		node_u(dir, key, refs[i]);
	}
	node_u(dir, "event-channel", p);
}

/*
 * The nodes are written, we say Initialised, and the backend must close
 * its end (Closing); we close ours and start over, and it waits again
 * (InitWait). Only we lose: another guest's disk is served meanwhile.
 */
static void refused(const char *what)
{
	write_node(VBD "/protocol", "x86_64-abi");
	write_node(VBD "/state", "3");
	tc_check(backend_state(XenbusStateClosing, 20), "refused: %s", what);
	write_node(VBD "/state", "6");
	tc_check(backend_state(XenbusStateClosed, 20), "and closed after %s", what);
	clear_ring_nodes();
	write_node(VBD "/state", "1");
	tc_check(backend_state(XenbusStateInitWait, 20), "and waits again after %s", what);
}

static void hostile_rings(void)
{
	uint32_t refs[32], q1[RPAGES];

	for (unsigned int i = 0; i < 32; i++)
		refs[i] = REF_RPAGES + i;
	for (unsigned int i = 0; i < RPAGES; i++)
		q1[i] = REF_RPAGES + RPAGES + i;
	node_u("", "ring-page-order", 5);
	queue_nodes("", refs, 5, port);
	refused("ring-page-order 5, above the offer");
	node_u("", "ring-page-order", RORDER);
	queue_nodes("", refs, RORDER, port);
	xs_rm(xs, XBT_NULL, VBD "/ring-ref2");
	refused("ring-ref2 missing");
	refs[2] = refs[0];
	node_u("", "ring-page-order", RORDER);
	queue_nodes("", refs, RORDER, port);
	refused("one page named twice");
	refs[2] = REF_REVOKED;
	grant(REF_REVOKED, rt_page_alloc());
	gtab[REF_REVOKED].flags = 0;
	node_u("", "ring-page-order", RORDER);
	queue_nodes("", refs, RORDER, port);
	refused("a ring page whose grant was revoked");
	refs[2] = 3000;
	node_u("", "ring-page-order", RORDER);
	queue_nodes("", refs, RORDER, port);
	refused("a ring page never granted");
	refs[2] = REF_RPAGES + 2;
	node_u("", "multi-queue-num-queues", 0);
	queue_nodes("", refs, 0, port);
	refused("multi-queue-num-queues 0");
	node_u("", "multi-queue-num-queues", 5);
	for (unsigned int q = 0; q < 5; q++) {
		char dir[16];
		uint32_t r = REF_RPAGES + q;

		snprintf(dir, sizeof(dir), "queue-%u/", q);
		queue_nodes(dir, &r, 0, port + q);
	}
	refused("multi-queue-num-queues 5, above the offer");
	node_u("", "multi-queue-num-queues", 2);
	node_u("", "ring-page-order", RORDER);
	queue_nodes("queue-0/", refs, RORDER, port);
	node_u("queue-1/", "event-channel", port1);
	refused("queue-1 without its ring-refs");
	node_u("", "multi-queue-num-queues", 2);
	node_u("", "ring-page-order", RORDER);
	queue_nodes("queue-0/", refs, RORDER, port);
	queue_nodes("queue-1/", q1, RORDER, port);
	refused("two queues on one event channel");
	/* Queue 0 maps and binds; queue 1's revoked page fails the connection, and queue 0 is let go again. */
	q1[1] = REF_REVOKED;
	node_u("", "multi-queue-num-queues", 2);
	node_u("", "ring-page-order", RORDER);
	queue_nodes("queue-0/", refs, RORDER, port);
	queue_nodes("queue-1/", q1, RORDER, port1);
	refused("queue 1's ring page revoked");
}

/*
 * One page named by two refs (ring-ref2 a second grant of ring-ref0's
 * page): accepted, as blkback compares refs, not frames. dom0 then sees our
 * page 0 again where its page 2 should be, which can only garble our own
 * slots: one read in page 0's slots is served, then 100 requests across
 * all four pages (answers not checked: they are ours to garble), and the
 * connection still closes cleanly. The other guest is served throughout.
 */
static void aliased_ring(uint8_t **rp)
{
	uint32_t refs[RPAGES];

	for (unsigned int i = 0; i < RPAGES; i++)
		refs[i] = REF_RPAGES + i;
	refs[2] = REF_ALIAS;
	grant(REF_ALIAS, rp[0]);
	node_u("", "ring-page-order", RORDER);
	queue_nodes("", refs, RORDER, port);
	write_node(VBD "/protocol", "x86_64-abi");
	write_node(VBD "/state", "3");
	if (!backend_state(XenbusStateConnected, 20)) {
		tc_fail("a ring with one page under two refs: not connected");
		return;
	}
	tc_expect_eq(one_page(BLKIF_OP_READ, 64, REF_DATA), BLKIF_RSP_OKAY, "a read on a ring with one page twice");
	for (unsigned int i = 0; i < 100; i++) {
		struct blkif_request r = rw(BLKIF_OP_READ, 8 * i, 1);

		r.seg[0].gref = REF_DATA;
		*(struct blkif_request *)pvabi_front_next_request(&ring) = r;
	}
	if (pvabi_front_push_requests(&ring))
		rt_event_send(port);
	for (unsigned int i = 0; i < 10; i++)
		nap();
	disconnect();
	clear_ring_nodes();
	gtab[REF_ALIAS].flags = 0;
	write_node(VBD "/state", "1");
	tc_check(backend_state(XenbusStateInitWait, 20), "the aliased ring closed cleanly; the backend waits again");
	/* Our ring starts afresh for the next connection. */
	memset(rp[0], 0, RPAGES * 4096);
	pvabi_sring_init((struct pvabi_sring_hdr *)rp[0]);
	pvabi_ring_attach(&ring, rp[0], RPAGES * 4096, sizeof(union blkif_sring_entry));
}

/* Both rings, initialised and granted: queue 0's four pages at REF_RPAGES, queue 1's after them. */
static bool make_rings(uint8_t **rp)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };

	for (unsigned int i = 0; i < 2 * RPAGES; i++) {
		rp[i] = rt_page_alloc();
		/* The padding hands out pages in order: each ring is one run of pages, as the frontend shares it. */
		if (!rp[i] || (i % RPAGES && rp[i] != rp[i - 1] + 4096))
			return false;
		grant(REF_RPAGES + i, rp[i]);
	}
	pvabi_sring_init((struct pvabi_sring_hdr *)rp[0]);
	pvabi_sring_init((struct pvabi_sring_hdr *)rp[RPAGES]);
	pvabi_ring_attach(&ring, rp[0], RPAGES * 4096, sizeof(union blkif_sring_entry));
	pvabi_ring_attach(&ring1, rp[RPAGES], RPAGES * 4096, sizeof(union blkif_sring_entry));
	if (hyp_event_channel_op(EVTCHNOP_alloc_unbound, RT_PTR(&au)))
		return false;
	port1 = au.port;
	rt_event_set_handler(port1, on_ring_event, NULL);
	rt_event_unmask(port1);
	return true;
}

/* 100 reads posted at once on queue 0: the slots run across the ring's four pages; each answered once. */
static void fill_big_ring(void)
{
	enum { N = 100 };
	unsigned int answered[N] = { 0 }, got = 0, bad = 0;
	uint64_t first = 0, end = rt_now_ns() + 30000000000ULL;

	tc_check(ring.nr_ents == 128, "queue 0's ring of %u pages has %u slots", RPAGES, ring.nr_ents);
	for (unsigned int i = 0; i < N; i++) {
		struct blkif_request r = rw(BLKIF_OP_READ, (i * 8) % BLK_READ_SECTORS, 1);

		if (!i)
			first = r.id;
		r.seg[0].gref = REF_DATA + i % NSEG;
		*(struct blkif_request *)pvabi_front_next_request(&ring) = r;
	}
	if (pvabi_front_push_requests(&ring))
		rt_event_send(port);
	while (got < N && rt_now_ns() < end) {
		struct blkif_response rsp;

		if (pvabi_front_final_check(&ring) == 0) {
			nap();
			continue;
		}
		PVABI_FRONT_TAKE(&ring, &rsp);
		got++;
		if (rsp.id - first < N)
			answered[rsp.id - first]++;
		bad += rsp.status != BLKIF_RSP_OKAY;
	}
	for (unsigned int i = 0; i < N; i++)
		bad += answered[i] != 1;
	tc_check(got == N && bad == 0, "%u reads at once on the four-page ring: each answered once, OKAY (%u bad)", N,
		 bad);
}

/* Runs fn on queue 1: its ring and channel stand in for queue 0's meanwhile. */
static void on_queue1(void (*fn)(void))
{
	struct pvabi_ring r0 = ring;
	evtchn_port_t p0 = port;

	ring = ring1;
	port = port1;
	fn();
	ring1 = ring;
	ring = r0;
	port = p0;
}

static void queue1_read(void)
{
	unsigned int bad = 0;

	memset(data[0], 0, 4096);
	tc_expect_eq(one_page(BLKIF_OP_READ, 64, REF_DATA), BLKIF_RSP_OKAY, "a read on queue 1");
	for (unsigned int k = 0; k < 4096; k++)
		bad += data[0][k] != blk_host_byte(64 + k / 512, k % 512);
	tc_check(bad == 0, "queue 1 carries the host's data (%u bytes differ)", bad);
}

static void rings_main(void)
{
	uint8_t *rp[2 * RPAGES];
	uint32_t refs[RPAGES], q1[RPAGES];
	char path[160], v[16];
	uint64_t ns;

	if (!connect_prepare() || !make_rings(rp)) {
		tc_error("no backend, or no pages for the rings");
		return;
	}
	snprintf(path, sizeof(path), "%s/max-ring-page-order", be_path);
	tc_check(read_node(path, v, sizeof(v)) && num(v) == 4, "the backend offers rings of up to 16 pages (%s)", v);
	snprintf(path, sizeof(path), "%s/multi-queue-max-queues", be_path);
	tc_check(read_node(path, v, sizeof(v)) && num(v) == 4, "and up to 4 queues (%s)", v);
	hostile_rings();
	aliased_ring(rp);
	for (unsigned int i = 0; i < RPAGES; i++) {
		refs[i] = REF_RPAGES + i;
		q1[i] = REF_RPAGES + RPAGES + i;
	}
	node_u("", "multi-queue-num-queues", 2);
	node_u("", "ring-page-order", RORDER);
	queue_nodes("queue-0/", refs, RORDER, port);
	queue_nodes("queue-1/", q1, RORDER, port1);
	write_node(VBD "/protocol", "x86_64-abi");
	write_node(VBD "/state", "3");
	if (!backend_state(XenbusStateConnected, 20)) {
		tc_fail("two queues of %u-page rings: not connected", RPAGES);
		return;
	}
	tc_pass("connected with two queues of %u-page rings", RPAGES);
	if (pass(0, BLK_READ_SECTORS, false, false, &ns))
		tc_pass("read the host's %u sectors through queue 0", BLK_READ_SECTORS);
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, true, true, &ns) &&
	    pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, false, true, &ns))
		tc_pass("wrote and read back our %u sectors through queue 0", BLK_WRITE_SECTORS);
	fill_big_ring();
	on_queue1(queue1_read);
	/* Queue 1 lies about its producer index: it alone is given up. */
	on_queue1(lying_producer);
	if (pass(0, BLK_READ_SECTORS, false, false, &ns))
		tc_pass("queue 0 still serves after queue 1 was given up");
	disconnect();
}

void test_main(void)
{
	uint64_t ns;
	long rc;

	persistent = rt_has_word(rt_boot.si->cmd_line, "persistent");
	if (rt_page_init() || rt_event_init() || rt_timer_init() || !(xs = rt_xs_open(&rc))) {
		tc_error("runtime or xenstore set-up failed");
		return;
	}
	rings = rt_has_word(rt_boot.si->cmd_line, "rings");
	if (rings) {
		rings_main();
		return;
	}
	if (!connect()) {
		tc_fail("no connection to the block backend");
		return;
	}
	tc_pass("connected to dom0's blkback: ring grant %u, port %u", REF_RING, port);
	if (rt_has_word(rt_boot.si->cmd_line, "records")) {
		records();
		return;
	}
	if (rt_has_word(rt_boot.si->cmd_line, "ro")) {
		read_only();
		disconnect();
		return;
	}
	if (pass(0, BLK_READ_SECTORS, false, false, &ns)) {
		tc_pass("read the host's %u sectors through blkback", BLK_READ_SECTORS);
		print_rate("sequential read", (uint64_t)BLK_READ_SECTORS * 512, ns);
	}
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, true, true, &ns)) {
		tc_pass("wrote %u sectors through blkback", BLK_WRITE_SECTORS);
		print_rate("sequential write", (uint64_t)BLK_WRITE_SECTORS * 512, ns);
	}
	{
		struct blkif_request f = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);

		tc_expect_eq(request(&f), BLKIF_RSP_OKAY, "flush");
	}
	if (pass(BLK_WRITE_FIRST, BLK_WRITE_SECTORS, false, true, &ns))
		tc_pass("read our %u sectors back", BLK_WRITE_SECTORS);
	hostile();
	hostile_batch();
	if (persistent)
		persistent_abuse();
	lying_producer();
	/* With kept grants we end without a word to the backend: dom0 must let them go when it sees us gone. */
	if (!persistent)
		disconnect();
}

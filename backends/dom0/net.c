/* SPDX-License-Identifier: MIT */
/* dom0's network backend: the virtio-net uplink and every domain's vifs (netback core) as ports of the learning switch. */
#include <pvabi/errno.h>
#include <pvabi/grant_table.h>
#include <pvabi/io/xenbus.h>
#include "rt.h"
#include "rt_event.h"
#include "rt_grant.h"
#include "rt_page.h"
#include "dom0.h"
#include "dom0_net.h"
#include "l2switch.h"
#include "netback.h"
#include "nb_sched.h"
#include "netback_xs.h"
#include "virtio_net.h"
#include "virtio_os.h"
#include "xs_client.h"

#define NET_DETACH_NS	(10ULL * 1000000000ULL)
#define NET_RX_BUFS	64
#define NET_TX_BUFS	32		/* the uplink's pages: a superframe bound for it waits in the backlog for more */
#define NET_MAX_VIFS	16		/* switch ports for guests: L2SW_MAX_PORTS less the uplink, with room */
_Static_assert(NET_MAX_VIFS <= NB_SCHED_MAX_VIFS, "the uplink share (nb_sched.c) counts every vif");
/*
 * Rounds over the vifs one dom0_net_poll makes before it returns to the
 * event loop: a frontend that refills its ring as fast as we empty it
 * must not keep dom0 from its consoles, store and disks.
 */
#define NET_POLL_ROUNDS	8
/*
 * Broadcasts, multicasts and frames for unknown addresses a guest may have
 * flooded to every other port: plenty for ARP, DHCP and neighbour
 * discovery, while a storm reaches the other guests' rings at this rate
 * at most (the uplink, QEMU's, is not limited).
 */
/*
 * rx buffers of every vif that only frames from the uplink may take: a
 * guest aiming a flood at another's address (or the broadcasts its flood
 * limit lets through) fills that vif's ring down to this and no further,
 * so the victim's traffic from outside still finds buffers.
 */
#define NET_RX_RESERVE	4
#define NET_FLOOD_RATE	1000	/* frames a second */
#define NET_FLOOD_BURST	256

/*
 * One queue of a vif: its tx and rx rings (the frontend's two pages,
 * grant-mapped while it is connected) and its event channel.
 */
struct net_queue {
	struct net_vif *vif;
	bool kicked, more;
	struct nb_vif nb;
	struct nb_platform plat;
	struct rt_grant_map tx_map, rx_map;
	uint64_t tx_mfn, rx_mfn;	/* the ring pages' frames: no two rings of a vif may share one */
	evtchn_port_t port;
	uint64_t copies;
};

/*
 * One vif: declared for a domain by name (its domain file's vif = [...]
 * or net=NAME on dom0's command line), offered when that domain comes up,
 * a port of the switch while it exists. The frontend's pages are reached
 * only by GNTTABOP_copy. Its queues (as many as the frontend asked for,
 * up to NB_MAX_QUEUES) share the switch port: what the guest sends on any
 * of them enters the port, and frames for it go out on one chosen by flow.
 */
struct net_vif {
	char name[XLCFG_NAME_MAX];	/* the domain's; empty: a free slot */
	unsigned int devid;		/* device/vif/<devid> */
	bool mac_set;
	uint8_t mac[6];			/* the file's, or derived from the UUID when the domain comes up */
	bool ip_set;			/* the file's ip=: the guest's IPv4 and ARP must come from it */
	uint32_t ip;
	struct dom0_domain *dd;		/* while offered */
	int sw_port;
	char fe[64], be[64];
	int state;			/* ours, as last written */
	bool connected;
	unsigned int nq;		/* queues, while connected */
	bool detaching;			/* xl network-detach: our state is Closing, the frontend's Closed is awaited */
	uint64_t detach_by_ns;
	struct net_queue q[NB_MAX_QUEUES];
	uint64_t rx_reserved;		/* guests' frames turned away to keep NET_RX_RESERVE buffers for the uplink */
};

/*
 * dom0's packet buffers, one pair for every vif: netback keeps nothing in
 * them across calls, and a frame is switched (and copied out) before the
 * next is taken. In the image, so their frames are the start-of-day
 * region's, as vio_bus_addr expects.
 */
static uint8_t net_tx_buf[NB_BUF_SIZE] __attribute__((aligned(NB_PAGE)));
static uint8_t net_rx_buf[NB_BUF_SIZE] __attribute__((aligned(NB_PAGE)));
static xen_pfn_t net_tx_gmfns[NB_BUF_PAGES], net_rx_gmfns[NB_BUF_PAGES];
/*
 * The rest of a superframe the uplink had no tx pages for (the NIC takes
 * segments, one page each): sent first when pages come back, and while it
 * waits no vif is served, so a second one never needs room.
 */
static uint8_t net_backlog[NET_GSO_MAX_LEN];
static uint8_t net_seg[NET_GSO_MTU_FRAME];

static struct {
	bool started, nic_up;
	struct vnet nic;
	struct l2sw sw;
	int up_port;
	unsigned int next;		/* the queue served first in the next round: nobody always goes first */
	bool serving;
	bool no_gso;			/* net_gso=0 on dom0's command line: TCP GSO not offered (to compare) */
	uint64_t up_dropped, up_segments;
	bool from_guest;		/* the frame being switched came from a vif */
	size_t backlog_len;		/* 0: none */
	unsigned int backlog_next;	/* its first segment not yet sent */
	struct net_gso backlog_gso;
	struct net_vif vifs[NET_MAX_VIFS];
} net;

static int x_read(const char *path, char *buf, size_t len)
{
	unsigned int n;
	char *v = xs_read(dom0_store_xs(), XBT_NULL, path, &n);
	int rc = -1;

	if (v && n < len) {
		memcpy(buf, v, n);
		buf[n] = 0;
		rc = (int)n;
	}
	xs_free(dom0_store_xs(), v);
	return rc;
}

static int x_write(const char *dir, const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(dom0_store_xs(), XBT_NULL, path, val, (unsigned int)strlen(val)) ? 0 : -1;
}

static void set_state(struct net_vif *v, int s)
{
	char val[4];

	snprintf(val, sizeof(val), "%d", s);
	if (x_write(v->be, "state", val) == 0)
		v->state = s;
}

/* nb_front_read's reader: a key of the frontend's directory. */
static int front_read(void *ctx, const char *key, char *buf, size_t size)
{
	struct net_vif *v = ctx;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", v->fe, key);
	return x_read(path, buf, size);
}

/* ---- the platform for the netback core ---- */

static int p_copy(void *ctx, struct gnttab_copy *ops, unsigned int n)
{
	struct net_queue *q = ctx;

	q->copies += n;
	return hyp_grant_table_op(GNTTABOP_copy, RT_PTR(ops), n) ? -1 : 0;
}

static void p_notify(void *ctx)
{
	struct net_queue *q = ctx;

	rt_event_send(q->port);
}

/* ---- the switch's ports ---- */

static int up_emit(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	if (vnet_send(&net.nic, frame, len))
		return -1;
	net.up_segments++;
	return 0;
}

/* Sends what is left of the backlog: true when it is empty. */
static bool backlog_drain(void)
{
	if (!net.backlog_len)
		return true;
	vnet_tx_reclaim(&net.nic.qs);
	net.backlog_next = net_gso_segment(net_backlog, net.backlog_len, &net.backlog_gso, net.backlog_next, net_seg,
					   up_emit, NULL);
	if (net.backlog_next < net.backlog_gso.segs)
		return false;
	net.backlog_len = 0;
	return true;
}

static void up_out(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	unsigned int next;

	(void)arg;
	if (!gso) {
		if (vnet_send(&net.nic, frame, len))
			net.up_dropped++;
		return;
	}
	if (net.backlog_len) {
		net.up_dropped++;	/* no vif is served while one waits: should not happen */
		return;
	}
	/* virtio-net has no offloads negotiated: cut it here, and keep what finds no page. */
	next = net_gso_segment(frame, len, gso, 0, net_seg, up_emit, NULL);
	if (next == gso->segs)
		return;
	memcpy(net_backlog, frame, len);
	net.backlog_len = len;
	net.backlog_gso = *gso;
	net.backlog_next = next;
}

static int vif_emit(void *arg, const uint8_t *frame, size_t len)
{
	struct net_queue *q = arg;

	return nb_rx_deliver(&q->nb, frame, len, NULL);
}

static void vif_out(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	struct net_vif *v = arg;
	struct net_queue *q;
	int64_t posted;
	uint32_t need;

	/* A frontend with no buffer posted loses the frame: a guest that does not read cannot stall the switch. */
	if (!v->connected)
		return;
	q = &v->q[nb_flow_queue(frame, len, v->nq)];
	posted = nb_rx_posted(&q->nb);
	need = nb_rx_slots(&q->nb, len, gso);
	if (posted >= 0 && posted < need + (net.from_guest ? NET_RX_RESERVE : 0)) {
		q->nb.stats.rx_no_buffer++;
		v->rx_reserved += posted >= need;
		return;
	}
	if (gso && !nb_rx_takes_gso(&q->nb, gso))
		net_gso_segment(frame, len, gso, 0, net_seg, vif_emit, q);
	else
		nb_rx_deliver(&q->nb, frame, len, gso);
}

static void up_in(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	l2sw_input(&net.sw, (unsigned int)net.up_port, frame, len, rt_now_ns());
}

static void vif_in(void *arg, const uint8_t *frame, size_t len, const struct net_gso *gso)
{
	struct net_queue *q = arg;

	net.from_guest = true;
	l2sw_input_gso(&net.sw, (unsigned int)q->vif->sw_port, frame, len, gso, rt_now_ns());
	net.from_guest = false;
	if (net.backlog_len)
		q->nb.tx_budget = 0;	/* nothing more for the uplink until the backlog is out */
}

/* ---- connection ---- */

static void vif_event(evtchn_port_t port, void *arg)
{
	struct net_queue *q = arg;

	(void)port;
	q->kicked = true;		/* served from dom0_net_poll */
}

static void queue_close(struct net_queue *q)
{
	rt_event_close(q->port);
	rt_grant_unmap(&q->tx_map);
	rt_grant_unmap(&q->rx_map);
}

/* "a/b/c" of the queues' counters, in buf. */
static const char *per_queue(const struct net_vif *v, size_t off, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < v->nq && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%lu", i ? "/" : "",
				      *(const uint64_t *)((const uint8_t *)&v->q[i].nb.stats + off));
	return buf;
}

static void disconnect(struct net_vif *v)
{
	struct nb_stats t = { 0 };
	uint64_t copies = 0;
	char tx[64], rx[64];

	if (!v->connected)
		return;
	v->connected = false;
	for (unsigned int i = 0; i < v->nq; i++) {
		const struct nb_stats *s = &v->q[i].nb.stats;

		queue_close(&v->q[i]);
		t.tx_packets += s->tx_packets;
		t.tx_gso += s->tx_gso;
		t.tx_errors += s->tx_errors;
		t.tx_spoofed += s->tx_spoofed;
		t.tx_spoofed_ip += s->tx_spoofed_ip;
		t.rx_packets += s->rx_packets;
		t.rx_gso += s->rx_gso;
		t.tx_gso6 += s->tx_gso6;
		t.rx_gso6 += s->rx_gso6;
		t.rx_no_buffer += s->rx_no_buffer;
		copies += v->q[i].copies;
	}
	rt_printf("dom0: net: d%u vif %u disconnected: tx %lu packets (%lu GSO, %lu errors, %lu spoofed, %lu not from "
		  "its ip=, %lu floods over the limit), rx %lu packets (%lu GSO, %lu without a buffer, %lu of them a "
		  "guest's kept off the uplink's reserve), %lu grant copies\n",
		  v->dd->info.domid, v->devid, t.tx_packets, t.tx_gso, t.tx_errors, t.tx_spoofed, t.tx_spoofed_ip,
		  net.sw.ports[v->sw_port].stats.flood_limited, t.rx_packets, t.rx_gso, t.rx_no_buffer, v->rx_reserved,
		  copies);
	rt_printf("dom0: net: d%u vif %u TCPv6 GSO: tx %lu superframes, rx %lu whole\n", v->dd->info.domid, v->devid,
		  t.tx_gso6, t.rx_gso6);
	rt_printf("dom0: net: d%u vif %u had %u queue%s: tx %s, rx %s packets\n", v->dd->info.domid, v->devid, v->nq,
		  v->nq > 1 ? "s" : "", per_queue(v, offsetof(struct nb_stats, tx_packets), tx, sizeof(tx)),
		  per_queue(v, offsetof(struct nb_stats, rx_packets), rx, sizeof(rx)));
	v->nq = 0;
}

/* Maps one queue's rings and binds its channel: 0, or -1 with nothing held. */
static int queue_open(struct net_vif *v, struct net_queue *q, const struct nb_front *f,
		      const struct nb_front_queue *fq)
{
	uint16_t fe = v->dd->info.domid;
	long rc;

	*q = (struct net_queue){ .vif = v };
	if (rt_grant_map_frame(&q->tx_map, fe, fq->tx_ring_ref, false, &q->tx_mfn))
		return -1;
	if (rt_grant_map_frame(&q->rx_map, fe, fq->rx_ring_ref, false, &q->rx_mfn)) {
		rt_grant_unmap(&q->tx_map);
		return -1;
	}
	rc = rt_event_bind_interdomain(fe, fq->evtchn, vif_event, q);
	if (rc < 0) {
		rt_grant_unmap(&q->tx_map);
		rt_grant_unmap(&q->rx_map);
		return -1;
	}
	q->port = (evtchn_port_t)rc;
	q->plat = (struct nb_platform){ p_copy, p_notify, q };
	nb_vif_init(&q->nb, fe, v->mac, q->tx_map.va, q->rx_map.va, &q->plat, vif_in, q, net_tx_buf, net_tx_gmfns,
		    net_rx_buf, net_rx_gmfns);
	q->nb.rx_gso = f->rx_gso;
	q->nb.rx_gso6 = f->rx_gso6;
	q->nb.ip_set = v->ip_set;
	q->nb.ip = v->ip;
	/*
	 * One rx push (and at most one event) per pass, not per frame: Linux
	 * counts an event that finds its responses already taken (by NAPI, or
	 * by the transmit path's clean-up) as spurious, and after a few in a
	 * row holds the event channel masked for up to a second (lateeoi,
	 * XSA-391), which stalled a guest sending bulk TCP for hundreds of ms.
	 */
	q->nb.rx_defer = true;
	q->kicked = true;
	return 0;
}

/*
 * Whether two of the n queues' rings are one frame. nb_front_read already
 * refused a grant reference given twice, but two references may grant
 * the same page: the queues would then read each other's requests and
 * write responses over them, and a ring's tx and rx halves would be one.
 */
static bool rings_share_frame(const struct net_queue *q, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (q[i].tx_mfn == q[i].rx_mfn)
			return true;
		for (unsigned int j = 0; j < i; j++)
			if (q[i].tx_mfn == q[j].tx_mfn || q[i].tx_mfn == q[j].rx_mfn || q[i].rx_mfn == q[j].tx_mfn ||
			    q[i].rx_mfn == q[j].rx_mfn)
				return true;
	}
	return false;
}

static int connect(struct net_vif *v)
{
	struct nb_front f;
	const char *why = "";
	uint16_t fe = v->dd->info.domid;

	if (nb_front_read(front_read, v, NB_MAX_QUEUES, &f, &why)) {
		rt_printf("dom0: net: d%u's vif %u nodes refused: %s\n", fe, v->devid, why);
		return -1;
	}
	for (unsigned int i = 0; i < f.queues; i++) {
		if (queue_open(v, &v->q[i], &f, &f.q[i])) {
			rt_printf("dom0: net: d%u's vif %u queue %u: its ring grants or event channel fail\n",
				  fe, v->devid, i);
			while (i--)
				queue_close(&v->q[i]);
			return -1;
		}
	}
	if (rings_share_frame(v->q, f.queues)) {
		rt_printf("dom0: net: d%u's vif %u refused: two of its rings are one frame under different grants\n", fe,
			  v->devid);
		for (unsigned int i = 0; i < f.queues; i++)
			queue_close(&v->q[i]);
		return -1;
	}
	v->nq = f.queues;
	v->connected = true;
	v->rx_reserved = 0;
	rt_printf("dom0: net: d%u connected: vif %u, tx ring grant %u, rx ring grant %u, port %u%s%s, %u queue%s\n", fe,
		  v->devid, f.q[0].tx_ring_ref, f.q[0].rx_ring_ref, f.q[0].evtchn, f.sg ? ", scatter-gather" : "",
		  f.rx_gso ? (f.rx_gso6 ? ", rx GSO (TCPv4, TCPv6)" : ", rx GSO") : "", f.queues, f.queues > 1 ? "s" : "");
	return 0;
}

/* The frontend's state, as the xenbus protocol moves ours. */
static void frontend_changed(struct net_vif *v)
{
	char path[96], val[8];
	int fs;

	snprintf(path, sizeof(path), "%s/state", v->fe);
	fs = x_read(path, val, sizeof(val)) > 0 ? val[0] - '0' : XenbusStateUnknown;
	switch (fs) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!v->connected && v->state == XenbusStateInitWait) {
			if (connect(v) == 0)
				set_state(v, XenbusStateConnected);
			else
				set_state(v, XenbusStateClosing);
		}
		break;
	case XenbusStateClosing:
		disconnect(v);
		if (v->state != XenbusStateClosing && v->state != XenbusStateClosed)
			set_state(v, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		disconnect(v);
		if (v->state != XenbusStateClosed)
			set_state(v, XenbusStateClosed);
		break;
	case XenbusStateInitialising:
		/* A frontend starting again (a reboot, a reloaded module) finds us waiting. */
		if (v->state == XenbusStateClosed)
			set_state(v, XenbusStateInitWait);
		break;
	default:
		break;
	}
}

/* ---- declarations ---- */

/* The NIC and the switch, at the first vif declared; without a NIC the switch still joins the guests. */
static void net_start(void)
{
	int rc;

	if (net.started)
		return;
	net.started = true;
	for (unsigned int i = 0; i < NB_BUF_PAGES; i++) {
		net_tx_gmfns[i] = vio_bus_addr(net_tx_buf + i * NB_PAGE) >> 12;
		net_rx_gmfns[i] = vio_bus_addr(net_rx_buf + i * NB_PAGE) >> 12;
	}
	l2sw_init(&net.sw, (uint32_t)rt_now_ns());
	net.up_port = -1;
	rc = vnet_open(&net.nic, true, NET_RX_BUFS, NET_TX_BUFS);
	if (rc) {
		rt_printf("dom0: net: no virtio-net NIC (step %d): the switch joins the guests only\n", rc);
		return;
	}
	net.up_port = l2sw_port_add(&net.sw, up_out, NULL);
	net.nic_up = true;
	rt_printf("dom0: net: uplink virtio-net %02x:%02x:%02x:%02x:%02x:%02x (%s)\n", net.nic.mac[0], net.nic.mac[1],
		  net.nic.mac[2], net.nic.mac[3], net.nic.mac[4], net.nic.mac[5], net.nic.irq ? "MSI-X" : "polled");
}

static unsigned int declared(const char *name)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NET_MAX_VIFS; i++)
		n += !strcmp(net.vifs[i].name, name);
	return n;
}

int dom0_net_declare(const char *name, const struct xlcfg_vif *vif)
{
	struct net_vif *v = NULL;

	if (!name[0] || strlen(name) >= XLCFG_NAME_MAX)
		return -1;
	for (unsigned int i = 0; i < NET_MAX_VIFS && !v; i++)
		if (!net.vifs[i].name[0])
			v = &net.vifs[i];
	if (!v) {
		rt_printf("dom0: net: no room for another vif (domain %s)\n", name);
		return -1;
	}
	/* The lowest index this domain's vifs leave free (a detached vif's comes back). */
	for (v->devid = 0;; v->devid++) {
		bool used = false;

		for (unsigned int i = 0; i < NET_MAX_VIFS; i++)
			used |= &net.vifs[i] != v && !strcmp(net.vifs[i].name, name) && net.vifs[i].devid == v->devid;
		if (!used)
			break;
	}
	v->detaching = false;
	v->mac_set = vif && vif->mac_set;
	if (v->mac_set)
		memcpy(v->mac, vif->mac, 6);
	v->ip_set = vif && vif->ip_set;
	v->ip = v->ip_set ? vif->ip : 0;
	v->sw_port = -1;
	v->dd = NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	net_start();
	return 0;
}

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

void dom0_net_init(void)
{
	char want[XLCFG_NAME_MAX];

	/* net=NAME: one vif with the derived address for domain NAME, as before domain files carried vifs. */
	if (arg_value(rt_boot.si->cmd_line, "net=", want, sizeof(want)))
		dom0_net_declare(want, NULL);
	net.no_gso = arg_value(rt_boot.si->cmd_line, "net_gso=", want, sizeof(want)) && !strcmp(want, "0");
}

/* ---- offering a vif ---- */

/* The nodes libxl writes for a vif: the frontend's directory (the guest's own) and the backend's (ours). */
static int write_nodes(struct net_vif *v, uint32_t domid)
{
	struct xs_handle *h = dom0_store_xs();
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	char mac[18], id[12], handle[12];

	snprintf(v->fe, sizeof(v->fe), "/local/domain/%u/device/vif/%u", domid, v->devid);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vif/%u/%u", domid, v->devid);
	nb_mac_format(v->mac, mac);
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(handle, sizeof(handle), "%u", v->devid);
	if (!xs_mkdir(h, XBT_NULL, v->be) || !xs_set_permissions(h, XBT_NULL, v->be, be_perm, 2) ||
	    !xs_mkdir(h, XBT_NULL, v->fe) || !xs_set_permissions(h, XBT_NULL, v->fe, fe_perm, 2))
		return -1;
	if (x_write(v->fe, "backend", v->be) || x_write(v->fe, "backend-id", "0") ||
	    x_write(v->fe, "handle", handle) || x_write(v->fe, "mac", mac) || x_write(v->fe, "state", "1") ||
	    x_write(v->be, "frontend", v->fe) || x_write(v->be, "frontend-id", id) ||
	    x_write(v->be, "handle", handle) || x_write(v->be, "mac", mac) || x_write(v->be, "online", "1"))
		return -1;
	for (const struct nb_node *n = nb_backend_features; n->key; n++)
		if (x_write(v->be, n->key, net.no_gso && !strncmp(n->key, "feature-gso-", 12) ? "0" : n->value))
			return -1;
	snprintf(id, sizeof(id), "%u", NB_MAX_QUEUES);
	if (x_write(v->be, "multi-queue-max-queues", id))
		return -1;
	set_state(v, XenbusStateInitWait);
	return v->state == XenbusStateInitWait ? 0 : -1;
}

static void offer(struct net_vif *v, struct dom0_domain *dd)
{
	char mac[18], ip[64];

	if (!v->mac_set)
		nb_mac_from_uuid(dd->info.handle, v->devid, v->mac);
	v->sw_port = l2sw_port_add(&net.sw, vif_out, v);
	if (v->sw_port >= 0)
		l2sw_port_flood_limit(&net.sw, (unsigned int)v->sw_port, NET_FLOOD_RATE, NET_FLOOD_BURST, rt_now_ns());
	v->state = XenbusStateUnknown;
	if (v->sw_port < 0 || write_nodes(v, dd->info.domid)) {
		rt_printf("dom0: net: cannot offer d%u vif %u\n", dd->info.domid, v->devid);
		if (v->sw_port >= 0)
			l2sw_port_remove(&net.sw, (unsigned int)v->sw_port);
		v->sw_port = -1;
		return;
	}
	v->dd = dd;
	nb_mac_format(v->mac, mac);
	ip[0] = 0;
	if (v->ip_set)
		snprintf(ip, sizeof(ip), ", IPv4 and ARP only from its ip= %u.%u.%u.%u", v->ip >> 24, v->ip >> 16 & 255,
			 v->ip >> 8 & 255, v->ip & 255);
	rt_printf("dom0: net: offering vif %u (%s) to d%u (%s)%s\n", v->devid, mac, dd->info.domid, dd->info.name, ip);
}

void dom0_net_attach(struct dom0_domain *dd)
{
	for (unsigned int i = 0; i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		if (v->name[0] && !v->dd && !strcmp(v->name, dd->info.name))
			offer(v, dd);
	}
}

void dom0_net_detach(struct dom0_domain *dd)
{
	bool had = false;

	for (unsigned int i = 0; i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		if (v->dd != dd)
			continue;
		disconnect(v);
		l2sw_port_remove(&net.sw, (unsigned int)v->sw_port);
		v->sw_port = -1;
		v->dd = NULL;
		had = true;
	}
	if (had && net.nic_up)
		rt_printf("dom0: net: uplink rx %lu frames, tx %lu frames (%lu segments of superframes, %lu dropped: no "
			  "tx page)\n", net.nic.qs.stats.rx_frames, net.nic.qs.stats.tx_frames, net.up_segments,
			  net.up_dropped);
}

void dom0_net_rename(const char *old, const char *name)
{
	for (unsigned int i = 0; old[0] && i < NET_MAX_VIFS; i++)
		if (!strcmp(net.vifs[i].name, old))
			snprintf(net.vifs[i].name, sizeof(net.vifs[i].name), "%s", name);
}

bool dom0_net_declared(const char *name)
{
	return name[0] && declared(name) > 0;
}

void dom0_net_release(const char *name)
{
	for (unsigned int i = 0; name[0] && i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		if (strcmp(v->name, name))
			continue;
		if (v->dd)
			dom0_net_detach(v->dd);
		v->name[0] = 0;		/* the slot and its two pages serve the next declaration */
	}
}

/* ---- serving ---- */

/* Queue i of all (NET_MAX_VIFS * NB_MAX_QUEUES) when it is connected and not cut off, else NULL. */
static struct net_queue *queue_at(unsigned int i)
{
	struct net_vif *v = &net.vifs[i / NB_MAX_QUEUES];
	struct net_queue *q = &v->q[i % NB_MAX_QUEUES];

	return v->connected && i % NB_MAX_QUEUES < v->nq && !q->nb.broken ? q : NULL;
}

#define NET_QUEUES	(NET_MAX_VIFS * NB_MAX_QUEUES)

/* The rx responses of this pass out to every frontend, one notification each at most. */
static void push_all(void)
{
	for (unsigned int i = 0; i < NET_QUEUES; i++) {
		struct net_queue *q = queue_at(i);

		if (q)
			nb_rx_push(&q->nb);
	}
}

/* Serves queue i with at most budget packets for nb_sched_round: the packets taken, or -1 when the uplink is full. */
static int serve_queue(void *arg, unsigned int i, unsigned int budget)
{
	struct net_queue *q = queue_at(i);
	unsigned int took;

	(void)arg;
	if (net.backlog_len)
		return -1;		/* the uplink has no room left this round */
	if (!q)
		return 0;		/* cut off by what another queue's frames did to it this round */
	q->kicked = false;
	q->nb.tx_budget = budget;
	took = nb_tx_poll(&q->nb, &q->more);
	if (net.nic_up)
		vnet_poll(&net.nic, up_in, NULL);	/* replies may already be back */
	return (int)took;
}

/*
 * One round: each connected vif with work takes a share of the uplink's
 * free tx pages, split among its queues with work (back-pressure instead
 * of drops: a dropped frame costs the guest's TCP a retransmission
 * timeout; what stays in its ring waits for the NIC's completion
 * interrupt). The share keeps one busy guest from taking every page, and
 * being per vif, not per queue, keeps a guest from taking more by asking
 * for more queues; the rotating start keeps it from going first. True
 * when some vif still has packets ready.
 */
static bool serve_round(void)
{
	static unsigned int vif_of[NET_QUEUES];
	static bool busy[NET_QUEUES];
	unsigned int nbusy = 0, pages = NB_SCHED_UNLIMITED, share;
	bool more = false;

	for (unsigned int i = 0; i < NET_QUEUES; i++) {
		struct net_queue *q = queue_at(i);

		vif_of[i] = i / NB_MAX_QUEUES;
		busy[i] = q && (q->kicked || q->more);
		nbusy += busy[i];
	}
	if (!nbusy)
		return false;
	if (net.nic_up && !backlog_drain())
		return false;	/* the NIC's completion interrupt brings us back */
	if (net.nic_up) {
		vnet_tx_reclaim(&net.nic.qs);
		pages = net.nic.qs.tx_nfree;
	}
	share = nb_sched_round(NET_QUEUES, vif_of, busy, net.next, pages, NB_TX_BATCH, serve_queue, NULL);
	for (unsigned int i = 0; i < NET_QUEUES; i++) {
		struct net_queue *q = queue_at(i);

		more |= q && q->more;
	}
	push_all();
	net.next = (net.next + 1) % NET_QUEUES;
	/* No tx page free: the NIC's completion interrupt brings us back, not a busy loop. */
	return more && share;
}

/* The frontend closed (or did not in time): the port leaves the switch, the nodes go (Linux drops eth), the slot is free. */
static void detach_done(struct net_vif *v)
{
	struct xs_handle *h = dom0_store_xs();

	rt_printf("dom0: net: vif %u of d%u detached (%s)\n", v->devid, v->dd->info.domid,
		  v->state == XenbusStateClosed ? "the frontend closed" : "the frontend did not close in time");
	disconnect(v);
	if (v->sw_port >= 0)
		l2sw_port_remove(&net.sw, (unsigned int)v->sw_port);
	v->sw_port = -1;
	xs_rm(h, XBT_NULL, v->fe);
	xs_rm(h, XBT_NULL, v->be);
	v->dd = NULL;
	v->detaching = false;
	v->name[0] = 0;
}

int dom0_net_hot_attach(struct dom0_domain *dd, const char *owner, const struct xlcfg_vif *vif, char *err,
			size_t err_len)
{
	if (dom0_net_declare(owner, vif)) {
		snprintf(err, err_len, "no vif slot left (%u in all)", NET_MAX_VIFS);
		return -XEN_ENOSPC;
	}
	if (dd->store_up && dd->info.state == SKIFF_DOMSTATE_running)
		dom0_net_attach(dd);
	return 0;
}

int dom0_net_hot_detach(const struct dom0_domain *dd, unsigned int devid, char *err, size_t err_len)
{
	for (unsigned int i = 0; i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		if (v->dd != dd || v->devid != devid)
			continue;
		if (!v->detaching) {
			v->detaching = true;
			v->detach_by_ns = rt_now_ns() + NET_DETACH_NS;
			set_state(v, XenbusStateClosing);
			rt_printf("dom0: net: taking vif %u from d%u\n", devid, dd->info.domid);
		}
		return 0;
	}
	snprintf(err, err_len, "d%u has no vif %u", dd->info.domid, devid);
	return -XEN_ENODEV;
}

bool dom0_net_poll(void)
{
	bool more = false;

	if (!net.started || net.serving)
		return false;
	net.serving = true;
	for (unsigned int i = 0; i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		if (!v->dd)
			continue;
		frontend_changed(v);
		if (v->detaching && (v->state == XenbusStateClosed || rt_now_ns() > v->detach_by_ns))
			detach_done(v);
	}
	if (net.nic_up) {
		vnet_poll(&net.nic, up_in, NULL);
		backlog_drain();	/* also when no vif has work: a stream's tail may be waiting in it */
	}
	for (unsigned int r = 0; r < NET_POLL_ROUNDS && (more = serve_round()); r++)
		;
	push_all();
	for (unsigned int i = 0; i < NET_MAX_VIFS; i++) {
		struct net_vif *v = &net.vifs[i];

		for (unsigned int k = 0; v->connected && k < v->nq; k++) {
			struct nb_vif *nb = &v->q[k].nb;

			if (nb->broken && nb->broken_why) {
				rt_printf("dom0: net: d%u: %s; no longer served\n", v->dd->info.domid, nb->broken_why);
				nb->broken_why = NULL;
			}
		}
	}
	net.serving = false;
	return more;
}

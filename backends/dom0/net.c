/* dom0's network backend: the virtio-net uplink and one domU's vif (netback core) as ports of the learning switch. */
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
#include "netback_xs.h"
#include "virtio_net.h"
#include "virtio_os.h"
#include "xs_client.h"

#define NET_RX_BUFS	64
#define NET_TX_BUFS	32

/*
 * One uplink, one vif (vif 0 of the domain "net=NAME" names): the skeleton
 * of issue 13's network. The switch learns both sides, so a second vif is
 * one more port. The frontend's pages are reached only by GNTTABOP_copy;
 * its two ring pages are grant-mapped while it is connected.
 */
static struct {
	bool nic_up;
	char want[32];
	struct vnet nic;
	struct l2sw sw;
	int up_port, vif_port;
	struct dom0_domain *dd;
	char fe[64], be[64];
	int state;			/* ours, as last written */
	bool connected, kicked, serving;
	struct nb_vif vif;
	struct rt_grant_map tx_map, rx_map;
	evtchn_port_t port;
	uint8_t *tx_page, *rx_page;
	uint8_t mac[6];
	uint64_t copies, up_dropped;
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

static void set_state(int s)
{
	char v[4];

	snprintf(v, sizeof(v), "%d", s);
	if (x_write(net.be, "state", v) == 0)
		net.state = s;
}

/* nb_front_read's reader: a key of the frontend's directory. */
static int front_read(void *ctx, const char *key, char *buf, size_t size)
{
	char path[128];

	(void)ctx;
	snprintf(path, sizeof(path), "%s/%s", net.fe, key);
	return x_read(path, buf, size);
}

/* ---- the platform for the netback core ---- */

static int p_copy(void *ctx, struct gnttab_copy *ops, unsigned int n)
{
	(void)ctx;
	net.copies += n;
	return hyp_grant_table_op(GNTTABOP_copy, RT_PTR(ops), n) ? -1 : 0;
}

static void p_notify(void *ctx)
{
	(void)ctx;
	rt_event_send(net.port);
}

static const struct nb_platform net_plat = { p_copy, p_notify, NULL };

/* ---- the switch's ports ---- */

static void up_out(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	if (vnet_send(&net.nic, frame, len))
		net.up_dropped++;
}

static void vif_out(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	if (net.connected)
		nb_rx_deliver(&net.vif, frame, len);
}

static void up_in(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	l2sw_input(&net.sw, (unsigned int)net.up_port, frame, len, rt_now_ns());
}

static void vif_in(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	l2sw_input(&net.sw, (unsigned int)net.vif_port, frame, len, rt_now_ns());
}

/* ---- connection ---- */

static void vif_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	net.kicked = true;		/* served from dom0_net_poll */
}

static void disconnect(void)
{
	if (!net.connected)
		return;
	net.connected = false;
	rt_event_close(net.port);
	rt_grant_unmap(&net.tx_map);
	rt_grant_unmap(&net.rx_map);
	rt_printf("dom0: net: d%u disconnected: tx %lu packets (%lu errors, %lu spoofed), rx %lu packets (%lu without "
		  "a buffer), %lu grant copies\n", net.dd->info.domid, net.vif.stats.tx_packets, net.vif.stats.tx_errors,
		  net.vif.stats.tx_spoofed, net.vif.stats.rx_packets, net.vif.stats.rx_no_buffer, net.copies);
}

static int connect(void)
{
	struct nb_front f;
	const char *why = "";
	uint16_t fe = net.dd->info.domid;
	long rc;

	if (nb_front_read(front_read, NULL, &f, &why)) {
		rt_printf("dom0: net: d%u's vif nodes refused: %s\n", fe, why);
		return -1;
	}
	if (rt_grant_map(&net.tx_map, fe, f.tx_ring_ref, false))
		return -1;
	if (rt_grant_map(&net.rx_map, fe, f.rx_ring_ref, false)) {
		rt_grant_unmap(&net.tx_map);
		return -1;
	}
	rc = rt_event_bind_interdomain(fe, f.evtchn, vif_event, NULL);
	if (rc < 0) {
		rt_grant_unmap(&net.tx_map);
		rt_grant_unmap(&net.rx_map);
		return -1;
	}
	net.port = (evtchn_port_t)rc;
	nb_vif_init(&net.vif, fe, net.mac, net.tx_map.va, net.rx_map.va, &net_plat, vif_in, NULL, net.tx_page,
		    vio_bus_addr(net.tx_page) >> 12, net.rx_page, vio_bus_addr(net.rx_page) >> 12);
	net.connected = true;
	net.kicked = true;
	rt_printf("dom0: net: d%u connected: tx ring grant %u, rx ring grant %u, port %u%s\n", fe, f.tx_ring_ref,
		  f.rx_ring_ref, f.evtchn, f.sg ? ", scatter-gather" : "");
	return 0;
}

/* The frontend's state, as the xenbus protocol moves ours. */
static void frontend_changed(void)
{
	char path[96], v[8];
	int fs;

	snprintf(path, sizeof(path), "%s/state", net.fe);
	fs = x_read(path, v, sizeof(v)) > 0 ? v[0] - '0' : XenbusStateUnknown;
	switch (fs) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!net.connected && net.state == XenbusStateInitWait) {
			if (connect() == 0)
				set_state(XenbusStateConnected);
			else
				set_state(XenbusStateClosing);
		}
		break;
	case XenbusStateClosing:
		disconnect();
		if (net.state != XenbusStateClosing && net.state != XenbusStateClosed)
			set_state(XenbusStateClosing);
		break;
	case XenbusStateClosed:
		disconnect();
		if (net.state != XenbusStateClosed)
			set_state(XenbusStateClosed);
		break;
	case XenbusStateInitialising:
		/* A frontend starting again (a reboot, a reloaded module) finds us waiting. */
		if (net.state == XenbusStateClosed)
			set_state(XenbusStateInitWait);
		break;
	default:
		break;
	}
}

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

void dom0_net_init(void)
{
	int rc;

	if (!arg_value(rt_boot.si->cmd_line, "net=", net.want, sizeof(net.want)))
		return;
	rc = vnet_open(&net.nic, true, NET_RX_BUFS, NET_TX_BUFS);
	if (rc == 0 && (!(net.tx_page = rt_page_alloc()) || !(net.rx_page = rt_page_alloc())))
		rc = -6;
	if (rc) {
		rt_printf("dom0: net: no virtio-net NIC to serve (step %d)\n", rc);
		return;
	}
	l2sw_init(&net.sw, (uint32_t)rt_now_ns());
	net.up_port = l2sw_port_add(&net.sw, up_out, NULL);
	net.vif_port = -1;
	net.nic_up = true;
	rt_printf("dom0: net: uplink virtio-net %02x:%02x:%02x:%02x:%02x:%02x (%s), for domain %s\n", net.nic.mac[0],
		  net.nic.mac[1], net.nic.mac[2], net.nic.mac[3], net.nic.mac[4], net.nic.mac[5],
		  net.nic.irq ? "MSI-X" : "polled", net.want);
}

/* The nodes libxl writes for a vif: the frontend's directory (the guest's own) and the backend's (ours). */
static int write_nodes(uint32_t domid)
{
	struct xs_handle *h = dom0_store_xs();
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	char mac[18], id[12];

	snprintf(net.fe, sizeof(net.fe), "/local/domain/%u/device/vif/0", domid);
	snprintf(net.be, sizeof(net.be), "/local/domain/0/backend/vif/%u/0", domid);
	nb_mac_format(net.mac, mac);
	snprintf(id, sizeof(id), "%u", domid);
	if (!xs_mkdir(h, XBT_NULL, net.be) || !xs_set_permissions(h, XBT_NULL, net.be, be_perm, 2) ||
	    !xs_mkdir(h, XBT_NULL, net.fe) || !xs_set_permissions(h, XBT_NULL, net.fe, fe_perm, 2))
		return -1;
	if (x_write(net.fe, "backend", net.be) || x_write(net.fe, "backend-id", "0") ||
	    x_write(net.fe, "handle", "0") || x_write(net.fe, "mac", mac) || x_write(net.fe, "state", "1") ||
	    x_write(net.be, "frontend", net.fe) || x_write(net.be, "frontend-id", id) ||
	    x_write(net.be, "handle", "0") || x_write(net.be, "mac", mac) || x_write(net.be, "online", "1"))
		return -1;
	for (const struct nb_node *n = nb_backend_features; n->key; n++)
		if (x_write(net.be, n->key, n->value))
			return -1;
	set_state(XenbusStateInitWait);
	return net.state == XenbusStateInitWait ? 0 : -1;
}

void dom0_net_attach(struct dom0_domain *dd)
{
	char mac[18];

	if (!net.nic_up || net.dd || strcmp(dd->info.name, net.want))
		return;
	nb_mac_from_uuid(dd->info.handle, 0, net.mac);
	net.vif_port = l2sw_port_add(&net.sw, vif_out, NULL);
	if (net.vif_port < 0 || write_nodes(dd->info.domid)) {
		rt_printf("dom0: net: cannot offer d%u a vif\n", dd->info.domid);
		return;
	}
	net.dd = dd;
	nb_mac_format(net.mac, mac);
	rt_printf("dom0: net: offering vif 0 (%s) to d%u (%s)\n", mac, dd->info.domid, dd->info.name);
}

void dom0_net_detach(struct dom0_domain *dd)
{
	if (net.dd != dd)
		return;
	disconnect();
	l2sw_port_remove(&net.sw, (unsigned int)net.vif_port);
	net.vif_port = -1;
	net.dd = NULL;
	rt_printf("dom0: net: uplink rx %lu frames, tx %lu frames (%lu dropped: no tx page)\n",
		  net.nic.qs.stats.rx_frames, net.nic.qs.stats.tx_frames, net.up_dropped);
}

void dom0_net_poll(void)
{
	bool more = true;

	if (!net.nic_up || net.serving)
		return;
	net.serving = true;
	if (net.dd)
		frontend_changed();
	vnet_poll(&net.nic, up_in, NULL);
	while (net.connected && !net.vif.broken && (net.kicked || more)) {
		/*
		 * Back-pressure: take no more packets from the guest than the uplink
		 * has tx pages for; the rest wait in its ring until the NIC's
		 * completion interrupt brings us back (dropping them here would
		 * cost the guest's TCP a retransmission timeout).
		 */
		vnet_tx_reclaim(&net.nic.qs);
		net.vif.tx_budget = net.nic.qs.tx_nfree;
		if (!net.vif.tx_budget)
			break;
		net.kicked = false;
		nb_tx_poll(&net.vif, &more);
		vnet_poll(&net.nic, up_in, NULL);	/* replies may already be back */
	}
	if (net.connected && net.vif.broken && net.vif.broken_why) {
		rt_printf("dom0: net: d%u: %s; no longer served\n", net.dd->info.domid, net.vif.broken_why);
		net.vif.broken_why = NULL;
	}
	net.serving = false;
}

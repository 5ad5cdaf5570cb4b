/* SPDX-License-Identifier: MIT */
/*
 * net_dom0: a privileged test guest (booted as dom0) that drives QEMU's
 * virtio-net NIC through the device delegation (PCI configuration ports,
 * BARs by mmu_update(DOMID_IO), MSI-X as a pirq event channel, DMA into its
 * own pages) and puts the minimal IPv4 host of backends/net on it as
 * 10.0.2.15/24: it resolves slirp's gateway by ARP, pings it and slirp's
 * DNS address and checks every reply's data, times the round trips, and
 * checks that an address outside (192.0.2.1) gets no answer, since the
 * network is restricted to the machine. With "inbound" on its command line
 * it first waits for datagrams the host sends to its UDP echo port through
 * a slirp host forward (tests/net/inbound-test): slirp must ask for our
 * MAC by ARP first, so this shows dom0 answering ARP on the real path.
 */
#include <pvabi/errno.h>
#include "ipstack.h"
#include "rt_event.h"
#include "rt_page.h"
#include "rt_timer.h"
#include "test.h"
#include "virtio_net.h"
#include "virtio_os.h"
#include "virtio_rt.h"

#define OUR_IP		IPSTACK_ADDR(10, 0, 2, 15)
#define GW_IP		IPSTACK_ADDR(10, 0, 2, 2)
#define DNS_IP		IPSTACK_ADDR(10, 0, 2, 3)
#define OUTSIDE_IP	IPSTACK_ADDR(192, 0, 2, 1)	/* TEST-NET-1: never routed */
#define PING_ID		0x5d0
#define MS		1000000ULL
#define INBOUND_COUNT	5		/* datagrams the host sends (tests/net/inbound-test) */

static struct vnet nic;
static struct ipstack ip;
static uint64_t tx_dropped;

/* The reply we wait for: its sequence number and payload. */
static struct {
	uint16_t seq;
	uint32_t from;
	const uint8_t *data;
	size_t len;
	bool got, bad;
} want;

static void xmit(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	if (vnet_send(&nic, frame, len))
		tx_dropped++;
}

static void rx(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	ipstack_input(&ip, frame, len);
}

static void on_echo(void *arg, uint32_t from, uint16_t id, uint16_t seq, const uint8_t *data, size_t len)
{
	(void)arg;
	if (id != PING_ID || seq != want.seq || from != want.from)
		return;		/* a late reply to an earlier request */
	want.got = true;
	want.bad = len != want.len || memcmp(data, want.data, len) != 0;
}

/* The host's datagrams: "skiff-inbound N" for N = 0, 1, ... */
static unsigned int inbound_ok, inbound_bad;
static bool inbound_done;

static void on_udp(void *arg, uint32_t from, uint16_t port, const uint8_t *data, size_t len)
{
	static const char prefix[] = "skiff-inbound ";

	(void)arg;
	(void)port;
	if (from == GW_IP && len == sizeof(prefix) && !memcmp(data, prefix, sizeof(prefix) - 1) &&
	    data[len - 1] == '0' + inbound_ok)
		inbound_ok++;
	else
		inbound_bad++;
	inbound_done = inbound_ok >= INBOUND_COUNT;
}

static struct rt_timer deadline_timer;
static bool deadline_passed;

static void on_deadline(struct rt_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	deadline_passed = true;
}

/* Polls the NIC until *done or timeout_ns passed, sleeping on its MSI-X event (or the deadline's timer) between. */
static bool wait_for(const bool *done, uint64_t timeout_ns)
{
	deadline_passed = false;
	rt_timer_arm(&deadline_timer, rt_now_ns() + timeout_ns, on_deadline, NULL);
	for (;;) {
		vnet_poll(&nic, rx, NULL);
		if (*done || deadline_passed)
			break;
		vio_wait();
	}
	rt_timer_cancel(&deadline_timer);
	return *done;
}

/* Resolves addr: an ARP request every 500 ms (ipstack_ping sends one while the address is unknown), for 5 s. */
static bool arp_known(uint32_t addr)
{
	static const bool never;

	for (unsigned int i = 0; i < 10; i++) {
		if (ipstack_arp_lookup(&ip, addr))
			return true;
		if (ipstack_ping(&ip, addr, PING_ID, 0, NULL, 0) < 0)
			return false;
		for (uint64_t end = rt_now_ns() + 500 * MS; rt_now_ns() < end && !ipstack_arp_lookup(&ip, addr);)
			wait_for(&never, 20 * MS);
	}
	return ipstack_arp_lookup(&ip, addr) != NULL;
}

/* One echo request with len bytes of data; the round trip in ns, or 0 without a (correct) reply in timeout_ns. */
static uint64_t ping_once(uint32_t dst, uint16_t seq, const uint8_t *data, size_t len, uint64_t timeout_ns)
{
	uint64_t t0 = rt_now_ns();

	want = (typeof(want)){ .seq = seq, .from = dst, .data = data, .len = len };
	if (ipstack_ping(&ip, dst, PING_ID, seq, data, len) != 0)
		return 0;
	if (!wait_for(&want.got, timeout_ns) || want.bad)
		return 0;
	return rt_now_ns() - t0 ?: 1;
}

static void ping_series(const char *name, uint32_t dst, unsigned int count, size_t len, uint16_t *seq)
{
	static uint8_t data[IPSTACK_MAX_PING];
	uint64_t min = ~0ULL, max = 0, sum = 0;
	unsigned int ok = 0;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t rtt;

		for (size_t k = 0; k < len; k++)
			data[k] = (uint8_t)(k * 31 + i);
		rtt = ping_once(dst, ++*seq, data, len, 2000 * MS);
		if (!rtt)
			continue;
		ok++;
		sum += rtt;
		min = rtt < min ? rtt : min;
		max = rtt > max ? rtt : max;
	}
	tc_check(ok == count, "%s: %u of %u echo replies with %zu bytes of data, each as sent", name, ok, count, len);
	if (ok)
		rt_printf("net: ping %s (%zu bytes): %u/%u replies, rtt min/avg/max = %lu/%lu/%lu us\n", name, len, ok,
			  count, min / 1000, sum / ok / 1000, max / 1000);
}

static void print_nic(void)
{
	uint16_t bdf = nic.pci.bdf;

	rt_printf("net: virtio-net at 00:%02x.%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, features 0x%lx, link %s\n",
		  (bdf >> 3) & 31, bdf & 7, nic.mac[0], nic.mac[1], nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5],
		  nic.pci.features, nic.link_up ? "up" : "down");
	rt_printf("net: BAR1 0x%x BAR4 0x%x, MSI-X table at 0x%lx\n", vio_pci_read(bdf, 0x14, 4),
		  vio_pci_read(bdf, 0x20, 4), nic.pci.msix_table_bar);
}

/* Serves the host's datagrams before dom0 has sent a frame: slirp learns our MAC only from our ARP reply. */
static void inbound(void)
{
	rt_printf("net: waiting for the host's datagrams on udp 10.0.2.15:7\n");
	ip.udp_echo = true;
	ip.on_udp_echo = on_udp;
	wait_for(&inbound_done, 120000 * MS);
	tc_check(ip.stats.arp_requests_answered >= 1, "answered slirp's ARP request for 10.0.2.15 (%lu)",
		 ip.stats.arp_requests_answered);
	tc_check(inbound_ok == INBOUND_COUNT && !inbound_bad, "the host's %u datagrams arrived in order (%u, %u bad)",
		 INBOUND_COUNT, inbound_ok, inbound_bad);
	rt_printf("net: inbound: %lu datagrams echoed, %lu ARP requests answered\n", ip.stats.udp_echoed,
		  ip.stats.arp_requests_answered);
}

void test_main(void)
{
	uint16_t seq = 0;
	int rc;

	if (rt_page_init() || rt_event_init() || rt_timer_init()) {
		tc_error("runtime set-up failed");
		return;
	}
	rc = vnet_open(&nic, true, 32, 16);
	if (rc) {
		tc_fail("no virtio-net device driven (step %d)", rc);
		return;
	}
	print_nic();
	tc_check(nic.irq, "MSI-X entry 0 mapped to pirq %d, bound to port %u", vio_rt_stats.pirq, vio_rt_stats.port);
	tc_check((nic.pci.features & (1ULL << VIRTIO_F_VERSION_1)) && (nic.pci.features & (1ULL << VIRTIO_NET_F_MAC)),
		 "VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC negotiated");
	tc_check(!(nic.pci.features & (1ULL << VIRTIO_NET_F_MRG_RXBUF)), "MRG_RXBUF left off (one page per frame)");
	tc_check(nic.link_up, "link up");
	ipstack_init(&ip, nic.mac, OUR_IP, 0xffffff00u, GW_IP, xmit, NULL);
	ip.on_echo_reply = on_echo;
	if (rt_has_word(rt_boot.si->cmd_line, "inbound"))
		inbound();
	if (!arp_known(GW_IP)) {
		tc_fail("no ARP reply from slirp's gateway 10.0.2.2");
		return;
	}
	tc_pass("ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", ipstack_arp_lookup(&ip, GW_IP)->mac[0],
		ipstack_arp_lookup(&ip, GW_IP)->mac[1], ipstack_arp_lookup(&ip, GW_IP)->mac[2],
		ipstack_arp_lookup(&ip, GW_IP)->mac[3], ipstack_arp_lookup(&ip, GW_IP)->mac[4],
		ipstack_arp_lookup(&ip, GW_IP)->mac[5]);
	ping_series("10.0.2.2", GW_IP, 20, 56, &seq);
	ping_series("10.0.2.2", GW_IP, 5, IPSTACK_MAX_PING, &seq);
	tc_check(arp_known(DNS_IP), "ARP: slirp's DNS address 10.0.2.3 answers");
	ping_series("10.0.2.3", DNS_IP, 5, 56, &seq);
	tc_check(ping_once(OUTSIDE_IP, ++seq, NULL, 0, 1000 * MS) == 0,
		 "no reply from 192.0.2.1: restrict=on keeps the traffic inside QEMU");
	tc_check(vio_rt_stats.irqs > 0, "frames arrived by MSI-X event channel: %lu events", vio_rt_stats.irqs);
	tc_expect_eq(nic.qs.stats.rx_bad, 0, "buffers the device returned malformed");
	tc_expect_eq(ip.stats.rx_bad, 0, "malformed frames from slirp");
	tc_expect_eq(tx_dropped, 0, "frames dropped for want of a tx page");
	rt_printf("net: nic rx %lu frames %lu bytes, tx %lu frames %lu bytes (%lu completed); ip: arp answered %lu, "
		  "echo answered %lu, not ours %lu, unhandled %lu; %lu interrupts\n",
		  nic.qs.stats.rx_frames, nic.qs.stats.rx_bytes, nic.qs.stats.tx_frames, nic.qs.stats.tx_bytes,
		  nic.qs.stats.tx_done, ip.stats.arp_requests_answered, ip.stats.echo_requests_answered,
		  ip.stats.rx_not_ours, ip.stats.unhandled, vio_rt_stats.irqs);
}

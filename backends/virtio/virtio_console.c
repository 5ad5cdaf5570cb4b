/* SPDX-License-Identifier: MIT */
/* dom0's virtio-console driver: the multiport handshake on the control queues, one port's bytes in and out. */
#include "virtio_console.h"
#include "virtio_os.h"

#define VCONS_PAGE	4096

static int post_ctrl_rx(struct vcons *c, uint8_t *slot)
{
	struct virtq_seg s = { vio_bus_addr(slot), VCONS_CTRL_BUF, true };

	return virtq_add(&c->ctrl_rx, &s, 1, slot) < 0 ? -1 : 0;
}

static int post_rx(struct vcons *c, void *page)
{
	struct virtq_seg s = { vio_bus_addr(page), VCONS_PAGE, true };

	return virtq_add(&c->rx, &s, 1, page) < 0 ? -1 : 0;
}

/* Waits for the one request in flight on q; false if none came back in time (or a bad entry did). */
static bool wait_done(struct vcons *c, struct virtq *q, void *cookie, uint64_t timeout_ns)
{
	uint64_t end = c->ops.now_ns() + timeout_ns;
	void *got;
	uint32_t len;
	int r;

	for (;;) {
		r = virtq_get(q, &got, &len);
		if (r > 0 && got == cookie)
			return true;
		if (r != 0) {
			c->bad_used++;
			continue;	/* a used entry not in flight: skipped, ours may still come */
		}
		if (c->ops.now_ns() >= end)
			return false;
		if (c->irq)
			vio_wait();
		else
			__asm__ volatile("pause");
	}
}

static int send_ctrl(struct vcons *c, uint32_t id, uint16_t event, uint16_t value)
{
	struct virtq_seg s = { vio_bus_addr(c->ctrl_tx_msg), sizeof(*c->ctrl_tx_msg), false };

	if (c->wedged)
		return -1;
	*c->ctrl_tx_msg = (struct virtio_console_control){ .id = id, .event = event, .value = value };
	if (virtq_add(&c->ctrl_tx, &s, 1, c->ctrl_tx_msg) < 0)
		return -1;
	virtio_pci_notify(&c->pci, VCONS_CTRL_TXQ);
	if (!wait_done(c, &c->ctrl_tx, c->ctrl_tx_msg, 2000000000ULL)) {
		c->wedged = true;
		return -1;
	}
	return 0;
}

int vcons_open(struct vcons *c, uint32_t port, bool with_irq, const struct vcons_ops *ops)
{
	uint64_t wanted = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	int bdf = virtio_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_CONSOLE);
	uint16_t vec;
	uint64_t ba;

	*c = (struct vcons){ .port = port, .ops = *ops };
	if (bdf < 0)
		return -1;
	if (port == 0 || VCONS_PORT_TXQ(port) >= VIRTIO_PCI_MAX_QUEUES)
		return -2;	/* port 0 is a console port (QEMU drops what its host cannot take): not for a stream */
	if (virtio_pci_open(&c->pci, (uint16_t)bdf))
		return -3;
	if (virtio_pci_negotiate(&c->pci, wanted, wanted))
		return -4;
	if (port >= (uint32_t)virtio_pci_cfg_read(&c->pci, 4, 4))
		return -5;	/* max_nr_ports: the device has no such port */
	c->irq = with_irq && c->pci.msix_table_bar && vio_irq_setup((uint16_t)bdf, 0, c->pci.msix_table_bar) == 0;
	vec = c->irq ? 0 : VIRTIO_MSI_NO_VECTOR;
	c->pci.common->msix_config = VIRTIO_MSI_NO_VECTOR;
	if (virtio_pci_queue(&c->pci, VCONS_CTRL_RXQ, VCONS_CTRL_BUFS, vec, &c->ctrl_rx) ||
	    virtio_pci_queue(&c->pci, VCONS_CTRL_TXQ, 8, vec, &c->ctrl_tx) ||
	    virtio_pci_queue(&c->pci, VCONS_PORT_RXQ(port), VCONS_RX_BUFS, vec, &c->rx) ||
	    virtio_pci_queue(&c->pci, VCONS_PORT_TXQ(port), VCONS_TX_PAGES, vec, &c->tx))
		return -6;
	c->ctrl_rx_buf = vio_dma_page(&ba);
	c->ctrl_tx_msg = vio_dma_page(&ba);
	if (!c->ctrl_rx_buf || !c->ctrl_tx_msg)
		return -7;
	for (unsigned int i = 0; i < VCONS_RX_BUFS; i++)
		if (!(c->rx_page[i] = vio_dma_page(&ba)) || post_rx(c, c->rx_page[i]))
			return -7;
	for (unsigned int i = 0; i < VCONS_TX_PAGES; i++)
		if (!(c->tx_page[i] = vio_dma_page(&ba)))
			return -7;
	for (unsigned int i = 0; i < VCONS_CTRL_BUFS && i < c->ctrl_rx.size; i++)
		if (post_ctrl_rx(c, c->ctrl_rx_buf + i * VCONS_CTRL_BUF))
			return -7;
	virtio_pci_driver_ok(&c->pci);
	virtio_pci_notify(&c->pci, VCONS_CTRL_RXQ);
	virtio_pci_notify(&c->pci, VCONS_PORT_RXQ(port));
	/* The device announces its ports (DEVICE_ADD) only after this. */
	return send_ctrl(c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1) ? -8 : 0;
}

/* One message from the device; a port we do not serve is told it is not ready, so it stays closed. */
static void ctrl_message(struct vcons *c, const struct virtio_console_control *m, uint32_t len)
{
	c->ctrl_msgs++;
	if (len < sizeof(*m))
		return;
	switch (m->event) {
	case VIRTIO_CONSOLE_DEVICE_ADD:
		if (send_ctrl(c, m->id, VIRTIO_CONSOLE_PORT_READY, m->id == c->port) == 0 && m->id == c->port &&
		    send_ctrl(c, c->port, VIRTIO_CONSOLE_PORT_OPEN, 1) == 0)
			c->port_added = true;
		break;
	case VIRTIO_CONSOLE_DEVICE_REMOVE:
		if (m->id == c->port && c->port_added) {
			c->port_added = false;
			if (c->host_open && c->ops.on_host)
				c->ops.on_host(c->ops.arg, false);
			c->host_open = false;
		}
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (m->id == c->port && c->host_open != (m->value != 0)) {
			c->host_open = m->value != 0;
			if (c->ops.on_host)
				c->ops.on_host(c->ops.arg, c->host_open);
		}
		break;
	default:
		break;		/* names, console sizes: nothing we use */
	}
}

/* Transmit pages the device has finished with become free; the cookie is the page's index + 1. */
static void reap_tx(struct vcons *c)
{
	void *cookie;
	uint32_t len;
	int r;

	while ((r = virtq_get(&c->tx, &cookie, &len)) != 0) {
		uintptr_t i = (uintptr_t)cookie - 1;

		if (r < 0 || i >= VCONS_TX_PAGES || !(c->tx_busy & (1u << i))) {
			c->bad_used++;
			continue;
		}
		c->tx_busy &= ~(1u << i);
	}
}

size_t vcons_poll(struct vcons *c)
{
	size_t delivered = 0;
	bool repost = false, ctrl_repost = false;
	void *cookie;
	uint32_t len;
	int r;

	while ((r = virtq_get(&c->ctrl_rx, &cookie, &len)) != 0) {
		if (r < 0) {
			c->bad_used++;
			continue;
		}
		ctrl_message(c, cookie, len);
		post_ctrl_rx(c, cookie);
		ctrl_repost = true;
	}
	if (ctrl_repost)
		virtio_pci_notify(&c->pci, VCONS_CTRL_RXQ);
	while ((r = virtq_get(&c->rx, &cookie, &len)) != 0) {
		if (r < 0) {
			c->bad_used++;
			continue;
		}
		if (len > VCONS_PAGE)
			len = VCONS_PAGE;	/* the device may not claim more than the buffer */
		c->rx_bytes += len;
		delivered += len;
		if (len && c->ops.on_rx)
			c->ops.on_rx(c->ops.arg, cookie, len);
		post_rx(c, cookie);
		repost = true;
	}
	if (repost)
		virtio_pci_notify(&c->pci, VCONS_PORT_RXQ(c->port));
	reap_tx(c);
	return delivered;
}

long vcons_send(struct vcons *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t taken = 0;

	if (c->wedged || !c->port_added)
		return -1;
	reap_tx(c);
	for (unsigned int i = 0; i < VCONS_TX_PAGES && taken < len; i++) {
		size_t piece = len - taken < VCONS_PAGE ? len - taken : VCONS_PAGE;
		struct virtq_seg s = { vio_bus_addr(c->tx_page[i]), (uint32_t)piece, false };

		if (c->tx_busy & (1u << i))
			continue;
		for (size_t k = 0; k < piece; k++)
			((uint8_t *)c->tx_page[i])[k] = p[taken + k];
		if (virtq_add(&c->tx, &s, 1, (void *)(uintptr_t)(i + 1)) < 0)
			break;
		c->tx_busy |= 1u << i;
		taken += piece;
	}
	if (taken) {
		virtio_pci_notify(&c->pci, VCONS_PORT_TXQ(c->port));
		c->tx_bytes += taken;
	}
	if (taken < len)
		c->tx_full++;
	return (long)taken;
}

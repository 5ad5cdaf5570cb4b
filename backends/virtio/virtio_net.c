/* SPDX-License-Identifier: MIT */
/* dom0's virtio-net driver: finding the NIC, feature negotiation, its two queues on one MSI-X vector, notification. */
#include "virtio_net.h"
#include "virtio_os.h"

int vnet_open(struct vnet *v, bool with_irq, unsigned int rx_bufs, unsigned int tx_bufs)
{
	uint64_t wanted = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS);
	int bdf = virtio_pci_find(VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET);
	uint16_t vec;

	*v = (struct vnet){ 0 };
	if (bdf < 0)
		return -1;
	if (virtio_pci_open(&v->pci, (uint16_t)bdf))
		return -2;
	if (virtio_pci_negotiate(&v->pci, wanted, 1ULL << VIRTIO_F_VERSION_1))
		return -3;
	v->irq = with_irq && v->pci.msix_table_bar && vio_irq_setup((uint16_t)bdf, 0, v->pci.msix_table_bar) == 0;
	vec = v->irq ? 0 : VIRTIO_MSI_NO_VECTOR;
	v->pci.common->msix_config = VIRTIO_MSI_NO_VECTOR;
	/* Both queues share entry 0: one pirq, one event channel; each poll looks at both rings anyway. */
	if (virtio_pci_queue(&v->pci, VNET_RXQ, VIRTQ_MAX_SIZE, vec, &v->qs.rx) ||
	    virtio_pci_queue(&v->pci, VNET_TXQ, VIRTQ_MAX_SIZE, vec, &v->qs.tx))
		return -4;
	if (vnet_queues_init(&v->qs, rx_bufs, tx_bufs))
		return -5;
	if (v->pci.features & (1ULL << VIRTIO_NET_F_MAC)) {
		for (unsigned int i = 0; i < 6; i++)
			v->mac[i] = (uint8_t)virtio_pci_cfg_read(&v->pci, i, 1);
	} else {
		/* A locally administered address of our own when the device has none to give. */
		static const uint8_t local[6] = { 0x02, 0x53, 0x4b, 0x49, 0x46, 0x46 };

		for (unsigned int i = 0; i < 6; i++)
			v->mac[i] = local[i];
	}
	v->link_up = !(v->pci.features & (1ULL << VIRTIO_NET_F_STATUS)) ||
		     (virtio_pci_cfg_read(&v->pci, 6, 2) & VIRTIO_NET_S_LINK_UP);
	virtio_pci_driver_ok(&v->pci);
	/* The device may use the receive buffers once DRIVER_OK is set; tell it they are there. */
	virtio_pci_notify(&v->pci, VNET_RXQ);
	return 0;
}

unsigned int vnet_poll(struct vnet *v, vnet_rx_fn fn, void *arg)
{
	uint64_t before = v->qs.stats.rx_frames;

	if (vnet_rx_poll(&v->qs, v->qs.rx_nbufs, fn, arg))
		virtio_pci_notify(&v->pci, VNET_RXQ);
	vnet_tx_reclaim(&v->qs);
	return (unsigned int)(v->qs.stats.rx_frames - before);
}

int vnet_send(struct vnet *v, const void *frame, size_t len)
{
	vnet_tx_reclaim(&v->qs);
	if (vnet_tx_post(&v->qs, frame, len))
		return -1;
	virtio_pci_notify(&v->pci, VNET_TXQ);
	return 0;
}

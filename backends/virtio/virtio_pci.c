/* SPDX-License-Identifier: MIT */
/* Modern virtio over PCI (virtio 1.0, 4.1): capabilities, status and feature handshake, queue set-up, notification. */
#include "virtio_os.h"
#include "virtio_pci.h"

#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_STATUS		0x06
#define PCI_STATUS_CAPS		0x10
#define PCI_CAP_PTR		0x34
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_MSIX		0x11

/* virtio_pci_cap.cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4

int virtio_pci_find(uint16_t vendor, uint16_t device)
{
	return virtio_pci_find_nth(vendor, device, 0);
}

int virtio_pci_find_nth(uint16_t vendor, uint16_t device, unsigned int nth)
{
	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		uint32_t id = vio_pci_read((uint16_t)devfn, 0, 4);

		if ((id & 0xffff) == vendor && (id >> 16) == device && nth-- == 0)
			return (int)devfn;
	}
	return -1;
}

static uint64_t bar_addr(uint16_t bdf, unsigned int bar)
{
	uint32_t lo, hi = 0;

	if (bar > 5)
		return 0;
	lo = vio_pci_read(bdf, 0x10 + 4 * bar, 4);
	if (lo & 1)
		return 0;		/* an I/O BAR: modern virtio uses memory only */
	if (((lo >> 1) & 3) == 2 && bar < 5)
		hi = vio_pci_read(bdf, 0x14 + 4 * bar, 4);
	return ((uint64_t)hi << 32) | (lo & ~0xfu);
}

/* One virtio_pci_cap: the region it names, mapped. NULL if the BAR is unusable. */
static volatile uint8_t *cap_region(uint16_t bdf, unsigned int pos)
{
	unsigned int bar = vio_pci_read(bdf, pos + 4, 1);
	uint32_t off = vio_pci_read(bdf, pos + 8, 4), len = vio_pci_read(bdf, pos + 12, 4);
	uint64_t base = bar_addr(bdf, bar);

	if (!base || !len)
		return NULL;
	return vio_map_mmio(base + off, len);
}

static void read_cap(struct virtio_pci *v, unsigned int pos)
{
	switch (vio_pci_read(v->bdf, pos + 3, 1)) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		if (!v->common)
			v->common = (volatile struct virtio_pci_common_cfg *)cap_region(v->bdf, pos);
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		if (!v->notify_base) {
			v->notify_base = cap_region(v->bdf, pos);
			v->notify_mult = vio_pci_read(v->bdf, pos + 16, 4);
		}
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		if (!v->isr)
			v->isr = cap_region(v->bdf, pos);
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		if (!v->device_cfg)
			v->device_cfg = cap_region(v->bdf, pos);
		break;
	default:
		break;		/* the PCI configuration access capability: not needed */
	}
}

static void walk_caps(struct virtio_pci *v)
{
	unsigned int guard = 48;

	if (!(vio_pci_read(v->bdf, PCI_STATUS, 2) & PCI_STATUS_CAPS))
		return;
	for (unsigned int pos = vio_pci_read(v->bdf, PCI_CAP_PTR, 1) & 0xfc; pos >= 0x40 && guard--;
	     pos = vio_pci_read(v->bdf, pos + 1, 1) & 0xfc) {
		unsigned int id = vio_pci_read(v->bdf, pos, 1);

		if (id == PCI_CAP_VENDOR)
			read_cap(v, pos);
		else if (id == PCI_CAP_MSIX)
			v->msix_table_bar = bar_addr(v->bdf, vio_pci_read(v->bdf, pos + 4, 4) & 7);
	}
}

int virtio_pci_open(struct virtio_pci *v, uint16_t bdf)
{
	uint16_t cmd;

	*v = (struct virtio_pci){ .bdf = bdf };
	cmd = (uint16_t)vio_pci_read(bdf, PCI_COMMAND, 2);
	vio_pci_write(bdf, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	walk_caps(v);
	if (!v->common || !v->notify_base || !v->device_cfg)
		return -1;
	v->common->device_status = 0;
	/* A reset is complete when the status reads back 0 (4.1.4.3.2). */
	for (unsigned int i = 0; i < 1000000 && v->common->device_status; i++)
		__asm__ volatile("pause");
	if (v->common->device_status)
		return -1;
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE;
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	return 0;
}

static uint64_t device_features(struct virtio_pci *v)
{
	uint64_t f;

	v->common->device_feature_select = 0;
	f = v->common->device_feature;
	v->common->device_feature_select = 1;
	return f | ((uint64_t)v->common->device_feature << 32);
}

int virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t required)
{
	uint64_t f = device_features(v) & wanted;

	if ((f & required) != required || !(f & (1ULL << VIRTIO_F_VERSION_1)))
		goto failed;
	v->common->driver_feature_select = 0;
	v->common->driver_feature = (uint32_t)f;
	v->common->driver_feature_select = 1;
	v->common->driver_feature = (uint32_t)(f >> 32);
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	if (!(v->common->device_status & VIRTIO_STATUS_FEATURES_OK))
		goto failed;
	v->features = f;
	return 0;
failed:
	v->common->device_status = VIRTIO_STATUS_FAILED;
	return -1;
}

static void write64(volatile uint64_t *p, uint64_t val)
{
	volatile uint32_t *w = (volatile uint32_t *)p;

	w[0] = (uint32_t)val;
	w[1] = (uint32_t)(val >> 32);
}

int virtio_pci_queue(struct virtio_pci *v, uint16_t idx, uint16_t max_size, uint16_t msix, struct virtq *q)
{
	uint64_t desc_ba, avail_ba, used_ba;
	void *desc, *avail, *used;
	uint16_t size;

	if (idx >= VIRTIO_PCI_MAX_QUEUES || idx >= v->common->num_queues)
		return -1;
	v->common->queue_select = idx;
	size = v->common->queue_size;
	while (size > max_size || size > VIRTQ_MAX_SIZE)
		size >>= 1;		/* sizes are powers of two for split queues, so halving stays one */
	desc = vio_dma_page(&desc_ba);
	avail = vio_dma_page(&avail_ba);
	used = vio_dma_page(&used_ba);
	if (!size || !desc || !avail || !used || virtq_init(q, size, desc, avail, used))
		return -1;
	v->common->queue_size = size;
	v->common->queue_msix_vector = msix;
	if (v->common->queue_msix_vector != msix)
		return -1;		/* the device could not take that vector */
	/* 64-bit fields as two 32-bit writes: the access width every transport must accept (4.1.3.1). */
	write64(&v->common->queue_desc, desc_ba);
	write64(&v->common->queue_driver, avail_ba);
	write64(&v->common->queue_device, used_ba);
	v->queue_notify[idx] = (volatile uint16_t *)(v->notify_base + v->common->queue_notify_off * v->notify_mult);
	v->common->queue_enable = 1;
	return 0;
}

void virtio_pci_driver_ok(struct virtio_pci *v)
{
	v->common->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
				   VIRTIO_STATUS_DRIVER_OK;
}

void virtio_pci_notify(struct virtio_pci *v, uint16_t idx)
{
	*v->queue_notify[idx] = idx;
}

uint64_t virtio_pci_cfg_read(struct virtio_pci *v, unsigned int off, unsigned int size)
{
	uint8_t gen;
	uint64_t val;

	do {
		gen = v->common->config_generation;
		if (size == 8)
			val = *(volatile uint32_t *)(v->device_cfg + off) |
			      ((uint64_t)*(volatile uint32_t *)(v->device_cfg + off + 4) << 32);
		else if (size == 4)
			val = *(volatile uint32_t *)(v->device_cfg + off);
		else if (size == 2)
			val = *(volatile uint16_t *)(v->device_cfg + off);
		else
			val = *(v->device_cfg + off);
	} while (gen != v->common->config_generation);
	return val;
}

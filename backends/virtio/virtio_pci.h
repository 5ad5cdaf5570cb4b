/* SPDX-License-Identifier: MIT */
/* Modern virtio over PCI (virtio 1.0, 4.1): finding a device, its capabilities, feature negotiation, queues. */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "virtqueue.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_MODERN_BASE		0x1040	/* + virtio device id: 0x1042 is a block device */

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

#define VIRTIO_F_VERSION_1		32
#define VIRTIO_MSI_NO_VECTOR		0xffff
#define VIRTIO_PCI_MAX_QUEUES		8

/* The common configuration structure (virtio 1.0, 4.1.4.3). */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
};
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio 1.0 common configuration layout");

struct virtio_pci {
	uint16_t bdf;
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *isr;
	volatile uint8_t *device_cfg;
	volatile uint8_t *notify_base;
	uint32_t notify_mult;
	uint64_t msix_table_bar;	/* bus address of the BAR holding the MSI-X table; 0: no MSI-X */
	uint64_t features;		/* negotiated */
	volatile uint16_t *queue_notify[VIRTIO_PCI_MAX_QUEUES];
};

/* Finds the first function on bus 0 with this vendor and device id; its bdf, or -1. */
int virtio_pci_find(uint16_t vendor, uint16_t device);
/* The same for the nth such function (0 is the first), in devfn order. */
int virtio_pci_find_nth(uint16_t vendor, uint16_t device, unsigned int nth);
/* Reads the capabilities, enables memory decoding and bus mastering, maps the regions, resets the device. 0 or -1. */
int virtio_pci_open(struct virtio_pci *v, uint16_t bdf);
/*
 * Offers the device's features intersected with `wanted`, which must
 * include `required` (VIRTIO_F_VERSION_1 at least), and checks
 * FEATURES_OK. 0, or -1 with the device marked FAILED.
 */
int virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t required);
/* Sets queue idx up with at most max_size entries on fresh DMA pages, interrupts on MSI-X entry msix (or none). */
int virtio_pci_queue(struct virtio_pci *v, uint16_t idx, uint16_t max_size, uint16_t msix, struct virtq *q);
void virtio_pci_driver_ok(struct virtio_pci *v);
void virtio_pci_notify(struct virtio_pci *v, uint16_t idx);
/* Device-specific configuration, read with the generation check of virtio 1.0, 4.1.4.3.1. */
uint64_t virtio_pci_cfg_read(struct virtio_pci *v, unsigned int off, unsigned int size);

#endif

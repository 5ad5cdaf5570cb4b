/* SPDX-License-Identifier: MIT */
/* What dom0's virtio drivers need from the kernel they run in: PCI configuration, device memory, DMA pages, waiting. */
#ifndef VIRTIO_OS_H
#define VIRTIO_OS_H

#include <stddef.h>
#include <stdint.h>

/* Configuration space of bus:devfn (bdf); size 1, 2 or 4. A missing device reads all-ones. */
uint32_t vio_pci_read(uint16_t bdf, unsigned int reg, unsigned int size);
void vio_pci_write(uint16_t bdf, unsigned int reg, unsigned int size, uint32_t val);

/* Maps len bytes of device memory at bus address pa uncached; NULL on failure. */
volatile void *vio_map_mmio(uint64_t pa, size_t len);

/* One zeroed page for the device to read or write, with the address the device must use for it. NULL if none. */
void *vio_dma_page(uint64_t *bus_addr);
/* The bus address of a byte of memory vio_dma_page returned. */
uint64_t vio_bus_addr(const void *va);

/*
 * Sets up delivery of MSI-X table entry `entry` of the device: afterwards
 * an interrupt of that entry makes vio_wait return. 0 or a negative error.
 */
int vio_irq_setup(uint16_t bdf, unsigned int entry, uint64_t table_bar);
/* Sleeps until an interrupt set up above may have arrived (or a short time passed). */
void vio_wait(void);

#endif

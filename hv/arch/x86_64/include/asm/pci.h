/* SPDX-License-Identifier: MIT */
/* PCI configuration space through ports 0xCF8/0xCFC: the hypervisor's accessors, and dom0's accesses passed through them. */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <hv/types.h>

struct vcpu;

#define PCI_BDF(bus, devfn)	((uint16_t)(((bus) << 8) | (devfn)))

/* size is 1, 2 or 4 and reg a multiple of it below 256; a missing device reads all-ones. */
uint32_t pci_conf_read(uint16_t bdf, unsigned int reg, unsigned int size);
void pci_conf_write(uint16_t bdf, unsigned int reg, unsigned int size, uint32_t val);

/*
 * Port I/O of the privileged domain to 0xCF8-0xCFF, done for it on the
 * real ports under the hypervisor's lock (so its address/data pairs never
 * interleave with ours). Returns false for any other port or domain: the
 * caller then treats the access as to no device. *val in/out.
 */
bool pci_emulate_port(struct vcpu *v, uint16_t port, unsigned int size, bool write, uint32_t *val);

#endif

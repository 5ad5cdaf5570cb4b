/* SPDX-License-Identifier: MIT */
/* dom0's devices: MSI-X vectors owned by the hypervisor and delivered as pirq event channels (pv/physdev.c). */
#ifndef ASM_PHYSDEV_H
#define ASM_PHYSDEV_H

#include <hv/types.h>

/* Vectors the hypervisor hands to devices: [PIRQ_VECTOR_BASE, + PIRQ_MAX). Below VEC_INT80. */
#define PIRQ_VECTOR_BASE	0x30
#define PIRQ_MAX		32

/* An interrupt on vector: true if it is a device vector (EOI done, its event channel raised). */
bool physdev_irq(unsigned int vector);
/* Does the hypervisor program an MSI-X table of this device (so its BARs must stay where they are)? */
bool physdev_device_in_use(uint16_t bdf);
/* Is [mfn] part of an MSI-X table or PBA the hypervisor programs? */
bool physdev_msix_frame(mfn_t mfn);

struct vcpu;
/* physdev_op's commands but set_iopl for a domain without device rights (pv/physdev_domu.c). */
long physdev_domu_op(struct vcpu *v, uint32_t cmd, uint64_t arg);

#endif

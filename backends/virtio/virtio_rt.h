/* SPDX-License-Identifier: MIT */
/* The runtime side of dom0's virtio drivers: device-memory mapping through mmu_update(DOMID_IO), and its counters. */
#ifndef VIRTIO_RT_H
#define VIRTIO_RT_H

#include <stdbool.h>
#include <stdint.h>

struct vio_rt_stats {
	uint64_t irqs;			/* pirq events handled */
	int32_t pirq;
	uint32_t port;
};
extern struct vio_rt_stats vio_rt_stats;

/* The machine address of the L1 entry mapping va in our tables (0 if none): for mmu_update. */
uint64_t vio_rt_pte_maddr(const void *va);
/* Maps machine frame mfn at va as device memory (uncached) with mmu_update(DOMID_IO); the hypervisor's answer. */
long vio_rt_map_io(void *va, uint64_t mfn, bool writable);

#endif

/* SPDX-License-Identifier: MIT */
/* Device delegation to dom0: which machine frames a domain may map as device memory, and the pirqs of its MSI-X vectors. */
#ifndef HV_IOMEM_H
#define HV_IOMEM_H

#include <hv/types.h>

struct domain;

/*
 * Is machine frame mfn device memory d may map (an L1 entry that holds no
 * frame reference)? Only the privileged domain, only frames that are no
 * RAM the firmware reported, lie outside the frame table and outside the
 * hypervisor's own devices (I/O APIC, HPET, local APIC and the MSI
 * window), and, for a writable mapping, are no MSI-X table or PBA page the
 * hypervisor programs. dom0 is trusted with DMA (there is no IOMMU), so
 * this guards against dom0's mistakes, not against a hostile dom0.
 */
bool iomem_device_frame(const struct domain *d, mfn_t mfn, bool writable);

/*
 * The page-table code's question: may this entry name a device frame?
 * Only inside mmu_update(DOMID_IO), dom0's explicit request (iomem_io_update
 * brackets the one entry it installs, on this CPU), and then only what
 * iomem_device_frame allows. Elsewhere a frame the hypervisor does not
 * manage is refused as before: a mistake, not a device.
 */
bool iomem_frame_ok(const struct domain *d, mfn_t mfn, bool writable);
void iomem_io_update(bool on);

/*
 * Pirqs (arch/x86_64/pv/physdev.c) as event_channel.c sees them. The
 * pirq table's lock is taken before a domain's event-channel lock (the
 * interrupt path sends while holding it), never after.
 *
 * pirq_bind: pirq is d's and not bound to a live channel: record port as
 * its channel. 0, -XEN_EPERM (not d's pirq) or -XEN_EEXIST (bound). Called
 * with no event-channel lock held. Closing the channel needs no call back:
 * every send checks that the port is still bound to that pirq.
 * pirq_domain_destroy: masks and frees every pirq of d (and the domain
 * references they hold), before d's event channels go.
 */
int pirq_bind(struct domain *d, uint32_t pirq, uint32_t port);
void pirq_domain_destroy(struct domain *d);

/* event_channel.c: port of d goes pending if it is still bound to pirq (from the interrupt path). */
void evtchn_send_pirq(struct domain *d, uint32_t port, uint32_t pirq);
/* event_channel.c: is port of d bound to pirq? */
bool evtchn_pirq_bound(struct domain *d, uint32_t port, uint32_t pirq);

#endif

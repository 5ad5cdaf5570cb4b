/* Skiff's privileged domain-control hypercall (pv-abi/include/pvabi/skiff_domctl.h) and dom0's notifications. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <hv/types.h>

struct domain;

long do_skiff_domctl(uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* True once dom0 announced it serves the domUs' console rings: the hypervisor stops draining them. */
bool domctl_console_in_dom0(void);
/*
 * Raises VIRQ_DOM_EXC in d0 (a domain appeared or changed state); nothing
 * unless d0 runs. Takes no domain-list lock: shutdown hooks call it from
 * walks of the domain list.
 */
void domctl_notify_dom0(struct domain *d0);

#endif

/* SPDX-License-Identifier: MIT */
/* The one policy check for hypercalls that act on a domain other than the caller's own, and the domid allocator. */
#ifndef HV_PRIV_H
#define HV_PRIV_H

#include <hv/types.h>
#include <pvabi/xen.h>

struct domain;

/*
 * May caller act on target (map its frames, give it memory, pin its
 * tables, allocate its ports, build and control it)? A domain may always
 * act on itself; the privileged domain on any other (Xen's XSM_TARGET
 * under the dummy policy, which is what Xen 4.17 answers without XSM).
 * Everyone else gets -XEN_EPERM from the caller. Every "may caller act on
 * D" decision in the hypervisor goes through here.
 */
bool priv_may_control(const struct domain *caller, const struct domain *target);
/* May caller use the control interface at all (domctl, machine-wide queries)? */
bool priv_is_control(const struct domain *caller);

/*
 * Domain ids (common/domid.c): a domid is held from domain_create until
 * the domain's memory is freed (its last reference), so no live, dying or
 * still-referenced domain shares its id with a new one. domid_claim(id)
 * takes exactly id (< DOMID_FIRST_RESERVED) or returns -XEN_EEXIST;
 * domid_claim(DOMID_INVALID) takes the lowest free id from 1 on (0 is the
 * boot domain's) or returns -XEN_ENOMEM. Returns the id taken.
 */
int domid_claim(domid_t want);
void domid_release(domid_t id);
bool domid_in_use(domid_t id);

#endif

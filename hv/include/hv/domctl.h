/* SPDX-License-Identifier: MIT */
/* Skiff's privileged domain-control hypercall (pv-abi/include/pvabi/skiff_domctl.h) and dom0's notifications. */
#ifndef HV_DOMCTL_H
#define HV_DOMCTL_H

#include <hv/types.h>
#include <pvabi/xen.h>

struct domain;
struct skiff_domctl_name;
struct vcpu;

long do_skiff_domctl(struct vcpu *v, uint64_t arg, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* True once dom0 announced it serves the domUs' console rings: the hypervisor stops draining them. */
bool domctl_console_in_dom0(void);
/*
 * Raises VIRQ_DOM_EXC in d0 (a domain appeared or changed state); nothing
 * unless d0 runs. Takes no domain-list lock: shutdown hooks call it from
 * walks of the domain list.
 */
void domctl_notify_dom0(struct domain *d0);

/* ---- Between the domctl's files (common/domctl*.c, boot_modules.c) and its arch side ---- */
struct skiff_domctl_create;
struct skiff_domctl_seed;
struct skiff_domctl_module;

/*
 * The domain a command names, with a reference (domain_put it): -XEN_EINVAL
 * for DOMID_SELF, the reserved ids and, unless self_ok, the caller itself;
 * -XEN_ESRCH when no domain has the id; -XEN_EPERM when the policy says no.
 */
int domctl_get_target(struct domain *caller, domid_t id, bool self_ok, struct domain **out);
long domctl_createdomain(struct domain *caller, struct skiff_domctl_create *c);
long domctl_setname(struct domain *d, const struct skiff_domctl_name *n);
long domctl_pause(struct domain *d);
long domctl_unpause(struct domain *d);
long domctl_gnttab_seed(struct domain *d, const struct skiff_domctl_seed *s);
/* With d->lock held: 0 if v's context may be replaced now, -XEN_EBUSY (it runs or may), -XEN_EINVAL (shut down, dying). */
int domctl_vcpu_context_settable(const struct vcpu *v);
/* The boot modules after dom0's kernel and initrd (common/boot_modules.c). */
long boot_module_read(struct skiff_domctl_module *m);
long boot_modules_release(void);
/* Frames release_modules gave to the allocator (the boot code's end-of-run frame count includes them). */
uint64_t boot_modules_freed_frames(void);
/* Whether the boot code has built every boot domain (common/boot_domains.c): until then it uses modules and domids. */
bool boot_domains_all_built(void);

/* Arch side (hv/arch/x86_64/pv/vcpu_context.c). */
void arch_domctl_domain_init(struct domain *d);
long arch_domctl_setvcpucontext(struct domain *d, struct vcpu *v, uint64_t ctxt);
bool arch_vcpu_has_context(const struct vcpu *v);
long arch_domctl_hypercall_init(struct domain *d, uint64_t mfn);
uint64_t arch_vcpu_run_ns(const struct vcpu *v);

#endif

/* SPDX-License-Identifier: MIT */
/* Host unit-test stand-in for fully virtual domains: the host tests build only PV domains. */
#ifndef HOST_ASM_HVM_H
#define HOST_ASM_HVM_H

#include <stddef.h>

struct domain;

#define is_hvm_domain(d)	((void)(d), 0)
#define is_hvm_vcpu(v)		((void)(v), 0)

struct vcpu;

/* Never reached on the host (no vCPU is HVM): the copy fails as a bad pointer would. */
static inline int hvm_copy_guest(struct vcpu *v, void *buf, unsigned long va, size_t len, _Bool to_guest)
{
	(void)v, (void)buf, (void)va, (void)len, (void)to_guest;
	return -14;
}

static inline int hvm_probe_guest(struct vcpu *v, unsigned long va, size_t len, _Bool write)
{
	(void)v, (void)va, (void)len, (void)write;
	return -14;
}

size_t hvm_console_input(struct domain *d, const char *buf, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/* Host unit-test stand-in for the arch part of domains and vCPUs: common code never looks inside it. */
#ifndef HOST_ASM_DOMAIN_H
#define HOST_ASM_DOMAIN_H

struct arch_vcpu { int unused; };
struct arch_domain { int unused; };

#endif

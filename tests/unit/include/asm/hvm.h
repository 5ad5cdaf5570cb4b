/* SPDX-License-Identifier: MIT */
/* Host unit-test stand-in for fully virtual domains: the host tests build only PV domains. */
#ifndef HOST_ASM_HVM_H
#define HOST_ASM_HVM_H

#include <stddef.h>

struct domain;

#define is_hvm_domain(d)	((void)(d), 0)

size_t hvm_console_input(struct domain *d, const char *buf, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/* The PV domain builder: loads a Xen-ABI kernel and lays out its start-of-day address space. */
#ifndef ASM_PV_BUILD_H
#define ASM_PV_BUILD_H

#include <hv/types.h>

struct domain;

struct pv_build_args {
	const uint8_t *image;		/* ELF, or a bzImage wrapping a gzip or xz ELF */
	size_t image_len;
	const uint8_t *initrd;		/* optional */
	size_t initrd_len;
	const char *cmdline;		/* guest command line, may be NULL */
	uint64_t nr_pages;		/* guest RAM */
	/*
	 * dom0 serves consoles and xenstore (boot option @backends): a domU's
	 * console and store pages are granted to dom0 at the reserved refs and
	 * its store port is offered to dom0 too, as Xen's toolstack does.
	 */
	bool dom0_backends;
};

/* Returns 0, or a negative Xen errno with a reason logged; on failure the domain holds whatever it got and must be destroyed. */
int pv_build(struct domain *d, const struct pv_build_args *a);

#endif

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
};

/* Returns 0, or a negative Xen errno with a reason logged; on failure the domain holds whatever it got and must be destroyed. */
int pv_build(struct domain *d, const struct pv_build_args *a);

#endif

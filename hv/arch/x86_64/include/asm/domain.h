/* x86_64 PV state of vCPUs and domains: the guest's registers while it is off the CPU, its page tables and segment bases. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <asm/regs.h>
#include <hv/types.h>

struct arch_vcpu {
	/* Guest registers while the vCPU is not running (on the CPU, they are the frame at the stack top). */
	struct cpu_regs regs;
	bool kernel_mode;		/* guest kernel (true) or guest user mode */
	mfn_t guest_table;		/* kernel L4 */
	mfn_t guest_table_user;		/* user L4 (MMUEXT_NEW_USER_BASEPTR), MFN_INVALID: none */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};

struct arch_domain {
	uint64_t virt_base;		/* guest VA of PFN 0 of the initial region */
	uint64_t nr_pages;		/* pages given at build time */
	mfn_t *p2m;			/* hypervisor copy: PFN -> MFN, nr_pages entries */
	unsigned int p2m_order;		/* heap block order backing p2m */
};

#endif

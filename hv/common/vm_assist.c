/* SPDX-License-Identifier: MIT */
/* vm_assist hypercall: turns the optional assists a 64-bit PV guest may ask for on and off, as Xen 4.17 does. */
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

/*
 * The assist types Xen 4.17 accepts from a 64-bit PV guest. Several of them
 * (4gb_segments, pae_extended_cr3) mean nothing in long mode, but Xen records
 * them anyway and Linux turns some on at boot, so refusing them would break
 * guests that work on Xen.
 */
#define VM_ASSIST_VALID_PV64 ((1UL << VMASST_TYPE_4gb_segments) |		\
			      (1UL << VMASST_TYPE_4gb_segments_notify) |	\
			      (1UL << VMASST_TYPE_writable_pagetables) |	\
			      (1UL << VMASST_TYPE_pae_extended_cr3) |		\
			      (1UL << VMASST_TYPE_architectural_iopl) |		\
			      (1UL << VMASST_TYPE_runstate_update_flag) |	\
			      (1UL << VMASST_TYPE_m2p_strict))

/* Both arguments are 32-bit in the ABI: the upper halves of the registers are ignored, as Xen does. */
long do_vm_assist(struct vcpu *v, uint64_t cmd, uint64_t type, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	uint32_t op = (uint32_t)cmd;
	uint32_t t = (uint32_t)type;
	unsigned long bit;

	(void)a3;
	(void)a4;
	(void)a5;

	/* The type is checked before the command: a bad type is -EINVAL whatever the command. */
	if (t >= 8 * sizeof(unsigned long) || !(VM_ASSIST_VALID_PV64 & (1UL << t)))
		return -XEN_EINVAL;
	bit = 1UL << t;

	switch (op) {
	case VMASST_CMD_enable:
		/* Atomic: another vCPU of the domain may change a different bit at the same time. */
		__atomic_fetch_or(&d->vm_assist, bit, __ATOMIC_SEQ_CST);
		return 0;
	case VMASST_CMD_disable:
		__atomic_fetch_and(&d->vm_assist, ~bit, __ATOMIC_SEQ_CST);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

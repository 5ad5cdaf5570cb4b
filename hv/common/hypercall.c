/* Hypercall table and dispatch: counts every call per domain and vCPU; unknown numbers get -ENOSYS. */
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

static const hypercall_fn hypercall_table[PVABI_NR_HYPERCALLS] = {
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_vm_assist] = do_vm_assist,
	[__HYPERVISOR_event_channel_op] = do_event_channel_op,
	[__HYPERVISOR_event_channel_op_compat] = do_event_channel_op_compat,
#ifndef HV_HOST_TEST
	[__HYPERVISOR_grant_table_op] = do_grant_table_op,
	[__HYPERVISOR_domctl] = do_skiff_domctl,
	[__HYPERVISOR_set_trap_table] = do_set_trap_table,
	[__HYPERVISOR_set_callbacks] = do_set_callbacks,
	[__HYPERVISOR_callback_op] = do_callback_op,
	[__HYPERVISOR_stack_switch] = do_stack_switch,
	[__HYPERVISOR_set_segment_base] = do_set_segment_base,
	[__HYPERVISOR_fpu_taskswitch] = do_fpu_taskswitch,
	[__HYPERVISOR_set_debugreg] = do_set_debugreg,
	[__HYPERVISOR_get_debugreg] = do_get_debugreg,
	[__HYPERVISOR_physdev_op] = do_physdev_op,
	[__HYPERVISOR_mmu_update] = do_mmu_update,
	[__HYPERVISOR_mmuext_op] = do_mmuext_op,
	[__HYPERVISOR_update_va_mapping] = do_update_va_mapping,
	[__HYPERVISOR_update_va_mapping_otherdomain] = do_update_va_mapping_otherdomain,
	[__HYPERVISOR_multicall] = do_multicall,
	[__HYPERVISOR_set_gdt] = do_set_gdt,
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_vcpu_op] = do_vcpu_op,
	[__HYPERVISOR_update_descriptor] = do_update_descriptor,
#endif
};

long hypercall_dispatch(struct vcpu *v, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5)
{
	struct domain *d = v->domain;
	long rc;

	v->hypercalls++;
	if (nr >= PVABI_NR_HYPERCALLS || !hypercall_table[nr]) {
		if (nr < PVABI_NR_HYPERCALLS)
			d->hypercall_count[nr]++;
		else
			d->hypercall_bad++;
		return -XEN_ENOSYS;
	}
	d->hypercall_count[nr]++;
	rc = hypercall_table[nr](a1, a2, a3, a4, a5);
	/* loglvl=debug traces refused hypercalls: the first thing to look at when a guest gives up. */
	if (rc < 0 && log_threshold >= LOG_DEBUG)
		log_debug("d%u: hypercall %lu(%lx, %lx, %lx, %lx) = %ld", d->domid, nr, a1, a2, a3, a4, rc);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/* Core of the Xen x86_64 PV ABI: basic types, hypercall numbers, start_info, shared_info, vcpu_info, MMU ops. */
/* Usable from assembly (with errno.h, elfnote.h, features.h, arch_x86_64.h): only the constants are seen there. */
#ifndef PVABI_XEN_H
#define PVABI_XEN_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif
#include <pvabi/abi_check.h>
#include <pvabi/arch_x86_64.h>

/*
 * A guest handle is the guest-virtual address of a buffer, carried as a
 * plain 64-bit integer so hypervisor code cannot dereference it by
 * accident; it must go through a checked guest copy.
 */
#ifndef __ASSEMBLER__
typedef uint64_t pvabi_handle_t;

typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;
typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;
#endif

/* Hypercall numbers (rax on SYSCALL from guest-kernel mode). */
#define __HYPERVISOR_set_trap_table			0
#define __HYPERVISOR_mmu_update				1
#define __HYPERVISOR_set_gdt				2
#define __HYPERVISOR_stack_switch			3
#define __HYPERVISOR_set_callbacks			4
#define __HYPERVISOR_fpu_taskswitch			5
#define __HYPERVISOR_sched_op_compat			6
#define __HYPERVISOR_platform_op			7
#define __HYPERVISOR_set_debugreg			8
#define __HYPERVISOR_get_debugreg			9
#define __HYPERVISOR_update_descriptor			10
/* 11 is unused */
#define __HYPERVISOR_memory_op				12
#define __HYPERVISOR_multicall				13
#define __HYPERVISOR_update_va_mapping			14
#define __HYPERVISOR_set_timer_op			15
#define __HYPERVISOR_event_channel_op_compat		16
#define __HYPERVISOR_xen_version			17
#define __HYPERVISOR_console_io				18
#define __HYPERVISOR_physdev_op_compat			19
#define __HYPERVISOR_grant_table_op			20
#define __HYPERVISOR_vm_assist				21
#define __HYPERVISOR_update_va_mapping_otherdomain	22
#define __HYPERVISOR_iret				23
#define __HYPERVISOR_vcpu_op				24
#define __HYPERVISOR_set_segment_base			25
#define __HYPERVISOR_mmuext_op				26
#define __HYPERVISOR_xsm_op				27
#define __HYPERVISOR_nmi_op				28
#define __HYPERVISOR_sched_op				29
#define __HYPERVISOR_callback_op			30
#define __HYPERVISOR_xenoprof_op			31
#define __HYPERVISOR_event_channel_op			32
#define __HYPERVISOR_physdev_op				33
#define __HYPERVISOR_hvm_op				34
#define __HYPERVISOR_sysctl				35
#define __HYPERVISOR_domctl				36
#define __HYPERVISOR_kexec_op				37
#define __HYPERVISOR_tmem_op				38
#define __HYPERVISOR_argo_op				39
#define __HYPERVISOR_xenpmu_op				40
#define __HYPERVISOR_dm_op				41
#define __HYPERVISOR_hypfs_op				42
#define __HYPERVISOR_arch_0				48
#define __HYPERVISOR_arch_1				49
#define __HYPERVISOR_arch_2				50
#define __HYPERVISOR_arch_3				51
#define __HYPERVISOR_arch_4				52
#define __HYPERVISOR_arch_5				53
#define __HYPERVISOR_arch_6				54
#define __HYPERVISOR_arch_7				55
#define __HYPERVISOR_mca				__HYPERVISOR_arch_0
/* A dispatch table indexed by number needs this many slots. */
#define PVABI_NR_HYPERCALLS				64

/* Virtual interrupts, bound with EVTCHNOP_bind_virq. */
#define VIRQ_TIMER		0
#define VIRQ_DEBUG		1
#define VIRQ_CONSOLE		2
#define VIRQ_DOM_EXC		3
#define VIRQ_TBUF		4
#define VIRQ_DEBUGGER		6
#define VIRQ_XENOPROF		7
#define VIRQ_CON_RING		8
#define VIRQ_PCPU_STATE		9
#define VIRQ_MEM_EVENT		10
#define VIRQ_ARGO		11
#define VIRQ_ENOMEM		12
#define VIRQ_XENPMU		13
#define VIRQ_ARCH_0		16
#define VIRQ_ARCH_7		23
#define NR_VIRQS		24

/* Reserved domain ids. */
#define DOMID_FIRST_RESERVED	0x7ff0
#define DOMID_SELF		0x7ff0
#define DOMID_IO		0x7ff1
#define DOMID_XEN		0x7ff2
#define DOMID_COW		0x7ff3
#define DOMID_INVALID		0x7ff4
#define DOMID_IDLE		0x7fff
#define DOMID_MASK		0x7fff

/* console_io(cmd, count, buffer) */
#define CONSOLEIO_write		0
#define CONSOLEIO_read		1

/* vm_assist(cmd, type) */
#define VMASST_CMD_enable			0
#define VMASST_CMD_disable			1
#define VMASST_TYPE_4gb_segments		0
#define VMASST_TYPE_4gb_segments_notify		1
#define VMASST_TYPE_writable_pagetables		2
#define VMASST_TYPE_pae_extended_cr3		3
#define VMASST_TYPE_architectural_iopl		4
#define VMASST_TYPE_runstate_update_flag	5
#define VMASST_TYPE_m2p_strict			32
#define MAX_VMASST_TYPE				32

/*
 * The PV MMU. A guest's page tables are its own frames, read-only to it
 * once typed as page tables; every change goes through these hypercalls
 * (or a trapped write to an L1, emulated as one). The hypervisor keeps
 * per-frame type and reference counts: a frame is a page table of one
 * level, a descriptor page or writable, never two at once; every entry
 * installed holds a reference on the frame it maps. Batches of any count
 * below 2^31 stop at the first failing entry, report in *pdone how many
 * were done, and continue through continuations when they take long
 * (MMU_UPDATE_PREEMPTED, bit 31 of count; on such a call the count done so
 * far is read from *pdone, or 0 if it cannot be read). A list that starts
 * outside the guest's half of the address space is -EFAULT before any
 * entry, *pdone untouched; an entry that cannot be read is -EFAULT there.
 *
 * __HYPERVISOR_mmu_update (1): mmu_update(req, count, pdone, foreigndom).
 *   MMU_NORMAL_PT_UPDATE / _PT_UPDATE_PRESERVE_AD / _NO_TRANSLATE: write
 *   val into the page-table entry at machine address ptr, validated as an
 *   entry of that table's level (-EINVAL: a frame not the domain's, a
 *   forbidden flag, a higher-level entry that does not validate, the
 *   hypervisor's slots of an L4; -EPERM: an L1 entry naming a frame that
 *   is not RAM, I/O memory the domain may not map). An entry in an ordinary writable
 *   frame is just stored. MMU_MACHPHYS_UPDATE: the M2P entry of frame
 *   ptr >> 12 becomes val (frames of the page owner only).
 *   foreigndom: DOMID_SELF; for the privileged domain another domain D
 *   (new L1 entries map D's frames, MACHPHYS_UPDATE sets D's M2P), or
 *   DOMID_IO (L1 entries mapping device frames; pv-abi/physdev.h). The
 *   caller's own domid is -ESRCH, as on Xen. The upper 16 bits name the
 *   page tables' owner plus one: the caller itself only (another: -ESRCH).
 * __HYPERVISOR_mmuext_op (26): mmuext_op(ops, count, pdone, foreigndom).
 *   PIN_L{1,2,3,4}_TABLE / UNPIN_TABLE: take or drop a table type for good
 *   (validating the whole tree below; foreigndom D lets the privileged
 *   domain pin D's tables). NEW_BASEPTR / NEW_USER_BASEPTR: the kernel's
 *   and user mode's L4 (0 for none in user mode). TLB_FLUSH_LOCAL /
 *   INVLPG_LOCAL, _MULTI (a vCPU bitmap, read whole first, whatever the
 *   address: -EINVAL if it cannot be, as Xen) and
 *   _ALL. FLUSH_CACHE(_GLOBAL): privileged only. SET_LDT: only 0 entries
 *   (Skiff has no guest LDTs yet). CLEAR_PAGE / COPY_PAGE: frames the
 *   domain may write/read. MARK_SUPER / UNMARK_SUPER: -EOPNOTSUPP, as
 *   Xen 4.17. Every command other than pin/unpin with a foreign
 *   foreigndom: -EPERM. foreigndom is a domid_t: upper bits dropped.
 * __HYPERVISOR_update_va_mapping (14): one L1 entry by virtual address
 *   (the L1 must be reachable through the current tables), then the
 *   flush the flags ask for: UVMF_NONE, _TLB_FLUSH or _INVLPG, on the
 *   local CPU, all CPUs that run the domain (UVMF_ALL), or the vCPUs of a
 *   bitmap whose address is in the upper bits (UVMF_MULTI; -EFAULT if
 *   it cannot be read, after the update). Flush type 3, like 0, flushes
 *   nothing and reads no bitmap.
 *   _otherdomain (22) maps a frame of another domain, privileged only.
 */

/* mmu_update: the low two bits of ptr select the command. */
#define MMU_NORMAL_PT_UPDATE		0
#define MMU_MACHPHYS_UPDATE		1
#define MMU_PT_UPDATE_PRESERVE_AD	2
#define MMU_PT_UPDATE_NO_TRANSLATE	3
#define MMU_UPDATE_CMD_MASK		3ULL
/* In mmu_update's and mmuext_op's count: a continuation; *pdone holds what is done so far. */
#define MMU_UPDATE_PREEMPTED		0x80000000U

#ifndef __ASSEMBLER__
struct mmu_update {
	uint64_t ptr;
	uint64_t val;
};
PVABI_SIZE(struct mmu_update, 16);
PVABI_OFF(struct mmu_update, ptr, 0);
PVABI_OFF(struct mmu_update, val, 8);
#endif

/* mmuext_op commands. */
#define MMUEXT_PIN_L1_TABLE		0
#define MMUEXT_PIN_L2_TABLE		1
#define MMUEXT_PIN_L3_TABLE		2
#define MMUEXT_PIN_L4_TABLE		3
#define MMUEXT_UNPIN_TABLE		4
#define MMUEXT_NEW_BASEPTR		5
#define MMUEXT_TLB_FLUSH_LOCAL		6
#define MMUEXT_INVLPG_LOCAL		7
#define MMUEXT_TLB_FLUSH_MULTI		8
#define MMUEXT_INVLPG_MULTI		9
#define MMUEXT_TLB_FLUSH_ALL		10
#define MMUEXT_INVLPG_ALL		11
#define MMUEXT_FLUSH_CACHE		12
#define MMUEXT_SET_LDT			13
#define MMUEXT_NEW_USER_BASEPTR		15
#define MMUEXT_CLEAR_PAGE		16
#define MMUEXT_COPY_PAGE		17
#define MMUEXT_FLUSH_CACHE_GLOBAL	18
#define MMUEXT_MARK_SUPER		19
#define MMUEXT_UNMARK_SUPER		20

#ifndef __ASSEMBLER__
struct mmuext_op {
	uint32_t cmd;
	uint32_t pad;
	union {
		xen_pfn_t mfn;		/* pin/unpin, baseptr, clear/copy page */
		uint64_t linear_addr;	/* invlpg, set_ldt */
	} arg1;
	union {
		uint32_t nr_ents;	/* set_ldt */
		pvabi_handle_t vcpumask;	/* *_MULTI: bitmap of vCPUs */
		xen_pfn_t src_mfn;	/* copy_page */
	} arg2;
};
PVABI_SIZE(struct mmuext_op, 24);
PVABI_OFF(struct mmuext_op, cmd, 0);
PVABI_OFF(struct mmuext_op, pad, 4);
PVABI_OFF(struct mmuext_op, arg1, 8);
PVABI_OFF(struct mmuext_op, arg1.mfn, 8);
PVABI_OFF(struct mmuext_op, arg1.linear_addr, 8);
PVABI_OFF(struct mmuext_op, arg2, 16);
PVABI_OFF(struct mmuext_op, arg2.nr_ents, 16);
PVABI_OFF(struct mmuext_op, arg2.vcpumask, 16);
PVABI_OFF(struct mmuext_op, arg2.src_mfn, 16);
#endif

/* update_va_mapping flags: flush type in bits 0-1, scope in bit 2 (or a vcpumask pointer). */
#define UVMF_NONE		0ULL
#define UVMF_TLB_FLUSH		1ULL
#define UVMF_INVLPG		2ULL
#define UVMF_FLUSHTYPE_MASK	3ULL
#define UVMF_MULTI		0ULL
#define UVMF_LOCAL		0ULL
#define UVMF_ALL		4ULL

/* One call of a multicall batch. */
#ifndef __ASSEMBLER__
struct multicall_entry {
	uint64_t op;
	uint64_t result;
	uint64_t args[6];
};
PVABI_SIZE(struct multicall_entry, 64);
PVABI_OFF(struct multicall_entry, op, 0);
PVABI_OFF(struct multicall_entry, result, 8);
PVABI_OFF(struct multicall_entry, args, 16);
#endif

/* Per-vCPU clock parameters (pvclock). version is odd while being updated. */
#ifndef __ASSEMBLER__
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};
PVABI_SIZE(struct vcpu_time_info, 32);
PVABI_OFF(struct vcpu_time_info, version, 0);
PVABI_OFF(struct vcpu_time_info, pad0, 4);
PVABI_OFF(struct vcpu_time_info, tsc_timestamp, 8);
PVABI_OFF(struct vcpu_time_info, system_time, 16);
PVABI_OFF(struct vcpu_time_info, tsc_to_system_mul, 24);
PVABI_OFF(struct vcpu_time_info, tsc_shift, 28);
PVABI_OFF(struct vcpu_time_info, flags, 29);
PVABI_OFF(struct vcpu_time_info, pad1, 30);
#endif

#define XEN_PVCLOCK_TSC_STABLE_BIT	(1U << 0)
#define XEN_PVCLOCK_GUEST_STOPPED	(1U << 1)

/* Per-vCPU event state; evtchn_upcall_mask is the guest's virtual IF (1 = disabled). */
#ifndef __ASSEMBLER__
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint8_t pad0[6];
	uint64_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};
PVABI_SIZE(struct vcpu_info, 64);
PVABI_OFF(struct vcpu_info, evtchn_upcall_pending, 0);
PVABI_OFF(struct vcpu_info, evtchn_upcall_mask, 1);
PVABI_OFF(struct vcpu_info, evtchn_pending_sel, 8);
PVABI_OFF(struct vcpu_info, arch, 16);
PVABI_OFF(struct vcpu_info, arch.cr2, 16);
PVABI_OFF(struct vcpu_info, time, 32);
PVABI_OFF(struct vcpu_info, pad0, 2);
#endif

/* 2-level event channels: 64 words of 64 bits. */
#define EVTCHN_2L_WORDS		64
#define EVTCHN_2L_NR_CHANNELS	(EVTCHN_2L_WORDS * 64)

/* The page every domain maps from start_info.shared_info. */
#ifndef __ASSEMBLER__
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	uint64_t evtchn_pending[EVTCHN_2L_WORDS];
	uint64_t evtchn_mask[EVTCHN_2L_WORDS];
	uint32_t wc_version;	/* odd while the wallclock is being updated */
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};
PVABI_SIZE(struct shared_info, 3136);
PVABI_OFF(struct shared_info, vcpu_info, 0);
PVABI_OFF(struct shared_info, evtchn_pending, 2048);
PVABI_OFF(struct shared_info, evtchn_mask, 2560);
PVABI_OFF(struct shared_info, wc_version, 3072);
PVABI_OFF(struct shared_info, wc_sec, 3076);
PVABI_OFF(struct shared_info, wc_nsec, 3080);
PVABI_OFF(struct shared_info, wc_sec_hi, 3084);
PVABI_OFF(struct shared_info, arch, 3088);
PVABI_OFF(struct shared_info, arch.max_pfn, 3088);
PVABI_OFF(struct shared_info, arch.nmi_reason, 3104);
#endif

/* start_info.flags */
#define SIF_PRIVILEGED		(1U << 0)
#define SIF_INITDOMAIN		(1U << 1)
#define SIF_MULTIBOOT_MOD	(1U << 2)
#define SIF_MOD_START_PFN	(1U << 3)
#define SIF_VIRT_P2M_4TOOLS	(1U << 4)
#define SIF_PM_MASK		(0xffU << 8)

#define MAX_GUEST_CMDLINE	1024
#define XEN_START_INFO_MAGIC	"xen-3.0-x86_64"

/* Start-of-day information; rsi points at it on the first guest instruction. */
#ifndef __ASSEMBLER__
struct start_info {
	char magic[32];
	uint64_t nr_pages;
	uint64_t shared_info;		/* machine address */
	uint32_t flags;
	uint32_t pad0;
	xen_pfn_t store_mfn;
	evtchn_port_t store_evtchn;
	uint32_t pad1;
	union {
		struct {
			xen_pfn_t mfn;
			evtchn_port_t evtchn;
			uint32_t pad;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	uint64_t pt_base;		/* VA of the bootstrap L4 */
	uint64_t nr_pt_frames;
	uint64_t mfn_list;		/* VA of the P2M array */
	uint64_t mod_start;		/* VA, or PFN with SIF_MOD_START_PFN */
	uint64_t mod_len;
	char cmd_line[MAX_GUEST_CMDLINE];
	uint64_t first_p2m_pfn;
	uint64_t nr_p2m_frames;
};
PVABI_SIZE(struct start_info, 1168);
PVABI_OFF(struct start_info, magic, 0);
PVABI_OFF(struct start_info, nr_pages, 32);
PVABI_OFF(struct start_info, shared_info, 40);
PVABI_OFF(struct start_info, flags, 48);
PVABI_OFF(struct start_info, store_mfn, 56);
PVABI_OFF(struct start_info, store_evtchn, 64);
PVABI_OFF(struct start_info, console, 72);
PVABI_OFF(struct start_info, console.domU.mfn, 72);
PVABI_OFF(struct start_info, console.domU.evtchn, 80);
PVABI_OFF(struct start_info, console.dom0.info_off, 72);
PVABI_OFF(struct start_info, console.dom0.info_size, 76);
PVABI_OFF(struct start_info, pt_base, 88);
PVABI_OFF(struct start_info, nr_pt_frames, 96);
PVABI_OFF(struct start_info, mfn_list, 104);
PVABI_OFF(struct start_info, mod_start, 112);
PVABI_OFF(struct start_info, mod_len, 120);
PVABI_OFF(struct start_info, cmd_line, 128);
PVABI_OFF(struct start_info, first_p2m_pfn, 1152);
PVABI_OFF(struct start_info, nr_p2m_frames, 1160);
PVABI_OFF(struct start_info, pad0, 52);
PVABI_OFF(struct start_info, pad1, 68);
#endif

#endif

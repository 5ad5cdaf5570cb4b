/* SPDX-License-Identifier: MIT */
/* Skiff's privileged domain-control interface (dom0 only): build, run, list and destroy domains; hand dom0 its boot modules. */
#ifndef PVABI_SKIFF_DOMCTL_H
#define PVABI_SKIFF_DOMCTL_H

#include <stdint.h>
#include <pvabi/abi_check.h>
#include <pvabi/xen.h>

/*
 * Hypercall __HYPERVISOR_domctl (36), one argument: the address of a
 * struct skiff_domctl, read in whole and written back in whole on success.
 * Xen's domctl numbering changes between releases and is not copied: this
 * is Skiff's own interface, told apart by interface_version. A Xen tool
 * that calls it gets -EACCES (wrong version), as Xen answers one built for
 * another release.
 *
 * Who may call: the privileged domain (dom0) only. Everyone else gets
 * -EPERM before the argument is read.
 *
 * Errors common to every command:
 *   -EPERM   the caller is not privileged
 *   -EFAULT  the struct (or a buffer it names) is not the caller's memory
 *   -EACCES  interface_version is not SKIFF_DOMCTL_INTERFACE_VERSION
 *   -ENOSYS  unknown cmd
 *   -EINVAL  a pad or reserved field is not zero
 */
#define SKIFF_DOMCTL_INTERFACE_VERSION	0x534b0002u	/* "SK", 2 */

/*
 * SKIFF_DOMCTL_list_domains: in  u.list.first_domid, u.list.max_entries,
 *                                u.list.buffer (array of max_entries
 *                                struct skiff_dominfo, max_entries <= 64)
 *                            out u.list.nr_entries: entries written, for the
 *                                domains with domid >= first_domid, by domid.
 *   Returns 0. Fewer entries than max_entries means the list is complete;
 *   call again from the last domid + 1 otherwise. -EINVAL: max_entries > 64.
 *
 * SKIFF_DOMCTL_console_backend: no input. dom0 announces that it serves
 *   the console ring of every other domain from now on: the hypervisor
 *   stops reading those rings itself (until then it prints them, so
 *   output before dom0's backend starts is not lost). Returns 0; a second
 *   call is harmless.
 *
 * VIRQ_DOM_EXC (global, dom0 binds it): raised when a domain has been
 * built and whenever one changes state (shut down, destroyed). dom0 then
 * lists the domains again.
 */
#define SKIFF_DOMCTL_list_domains	1
#define SKIFF_DOMCTL_console_backend	2

/*
 * Building a domain (the toolstack in dom0 does it; the hypervisor builds
 * only dom0). The Xen x86_64 PV way, with Xen's own hypercalls where Xen
 * has them, called by dom0 on behalf of another domain:
 *
 *   1. SKIFF_DOMCTL_createdomain          -> a new domid, state created
 *                                            (not runnable), no memory
 *   2. XENMEM_populate_physmap, domid = D  frames for D, up to max_pages;
 *                                            the MFNs come back in
 *                                            extent_start (PV: the list
 *                                            the builder lays out with)
 *   3. mmu_update(..., foreigndom = D)     MMU_NORMAL_PT_UPDATE in dom0's
 *                                            own tables mapping D's frames
 *                                            (to fill them);
 *                                            MMU_MACHPHYS_UPDATE of D's
 *                                            frames (D's M2P entries)
 *   4. mmuext_op(MMUEXT_PIN_L4_TABLE, foreigndom = D)
 *                                            validates and pins D's L4 (the
 *                                            frames must be unmapped from
 *                                            dom0 or mapped read-only, as
 *                                            for any page table)
 *   5. SKIFF_DOMCTL_hypercall_init         fills D's hypercall page
 *   6. EVTCHNOP_alloc_unbound, dom = D, remote_dom = 0
 *                                            D's console and store ports
 *   7. SKIFF_DOMCTL_gnttab_seed            D's grant entries 0 and 1 grant
 *                                            its console and xenstore rings
 *                                            to the backend domain, and the
 *                                            hypervisor learns the rings'
 *                                            ports (for getdomaininfo and
 *                                            list_domains)
 *   8. SKIFF_DOMCTL_setvcpucontext         vCPU 0's registers, cr3 = the
 *                                            pinned L4 (ctrlreg[3], a
 *                                            machine address as Xen's
 *                                            xen_pfn_to_cr3 makes it)
 *   9. SKIFF_DOMCTL_unpausedomain          created -> running
 *
 * Every command below names its domain in u.dom.domid (or the struct that
 * replaces it) and answers -ESRCH for a domid that is not a live domain,
 * -EINVAL for DOMID_SELF, dom0 itself or a reserved domid where the
 * command does not make sense for them (getdomaininfo and max_mem accept
 * the caller's own domid).
 *
 * The foreign forms (steps 2-4, 6) follow Xen 4.17 for the privileged
 * caller. Anyone else naming another domain gets -EPERM (mmu_update: the
 * batch stops at its first entry, done = 0), and a domid no domain has
 * -ESRCH; DOMID_IO and DOMID_XEN name no domain here (-ESRCH; Xen 4.17
 * answers -EINVAL for a pin or machphys update with DOMID_XEN). For the
 * reservation calls Xen answers both cases with 0 extents done (measured
 * for a missing domain: conformance test foreign_nodom); Skiff with these
 * errors (nothing is done either way). mmu_update with
 * foreigndom = D: an L1 entry that maps a frame must map one of D's
 * (-EBUSY otherwise, as for any L1 target the caller may not map); the
 * entry holds the same references a local mapping holds, so the frame
 * cannot become a page table while mapped writable nor leave D while
 * mapped at all. Entries above L1 and entries that map nothing are the
 * caller's own business, as without foreigndom. mmuext_op with
 * foreigndom = D: MMUEXT_PIN_L1..L4_TABLE and MMUEXT_UNPIN_TABLE act on
 * D's tables, validated as D's (every frame they reference must be D's
 * and not mapped writable anywhere); any other command -EPERM.
 * update_va_mapping_otherdomain maps a frame of D at a VA of the caller.
 *
 * SKIFF_DOMCTL_createdomain: in u.create (name unique among live domains,
 *   NUL-terminated, [A-Za-z0-9._-]; handle = the UUID; max_vcpus 1..
 *   SKIFF_MAX_VCPUS; max_pages; grant and maptrack frame limits (0: the
 *   hypervisor's defaults); scheduler weight (0: 256), cap (percent of a
 *   CPU, 0: none), cpumask (hard affinity, 0: every CPU)).
 *   out u.create.domid. -EEXIST: name in use; -ENOMEM: no domid or no
 *   memory for the domain's own structures; -EINVAL: bad field (also
 *   max_pages above the machine's frames, gnttab_frames > 4096,
 *   maptrack_frames > 65536, cap above 100 per online CPU, a cpumask with
 *   no online CPU, a domid from DOMID_FIRST_RESERVED up). In u.create.domid
 *   0 asks for the lowest free id from 1, any other the id itself (as
 *   Xen's; -EEXIST when a domain holds it); never one a domain still holds
 *   in any state (dying included). The new domain is
 *   paused once (pause_count 1) with every vCPU down. -EBUSY while the
 *   hypervisor is still building the boot domains (they take the domids
 *   after dom0's): call again.
 *
 * SKIFF_DOMCTL_destroydomain: u.dom.domid. The domain stops at once (its
 *   vCPUs never run again, its state is dying, VIRQ_DOM_EXC fires) and its
 *   memory is returned. Returning memory can take long: the hypervisor
 *   preempts itself (a hypercall continuation), so the caller sees one
 *   call that returns 0 when the domain is gone. Frames still mapped by
 *   another domain through grants stay allocated until that mapping goes.
 *   While it is being destroyed it is listed with state dying; once the
 *   call returned it is not listed and its domid may be reused (Skiff,
 *   unlike Xen, frees the id before such frames come back). Another
 *   domain's mapping of its pages stays valid until unmapped; new maps and
 *   copies of its grants fail (GNTST_bad_domain / general_error).
 *   -EBUSY for dom0 (the caller itself), -ESRCH for no such domain (also
 *   when someone else finished destroying it before this call).
 *
 * SKIFF_DOMCTL_pausedomain, SKIFF_DOMCTL_unpausedomain: u.dom.domid.
 *   Pause counts nest, as Xen's: a created domain starts with a count of 1
 *   (the toolstack's), each pause adds one (at most 255, then -EOVERFLOW),
 *   each unpause takes one (-EINVAL at 0). The unpause that reaches 0
 *   starts a created domain at vCPU 0, which needs its context set
 *   (-EINVAL otherwise, nothing changes), or lets a paused one run again;
 *   other vCPUs come up by the guest's VCPUOP_up. Pause returns once no
 *   vCPU of the domain is on a CPU. -EINVAL on a domain that has shut down
 *   or is dying.
 *
 * SKIFF_DOMCTL_setvcpucontext: u.vcpuctx: domid, vcpu, and the guest
 *   address of a struct vcpu_guest_context (arch_x86_64.h). Only while
 *   the domain is created (not yet run) or its vCPU is down. The context
 *   is checked as VCPUOP_initialise checks it (selectors, addresses
 *   canonical, cr3 a pinned L4 of that domain, GDT frames). -EINVAL on a
 *   bad context, -EBUSY if the domain or vCPU runs.
 *   What is accepted: flags VGCF_* with VGCF_in_kernel (a vCPU starts in
 *   its kernel); rip, callbacks and trap handlers canonical and outside
 *   the hypervisor's slots; rsp, kernel_sp, fs/gs bases canonical; cs, ss
 *   and kernel_ss Xen's flat kernel selectors (RPL 0 or 3); no LDT
 *   (ldt_ents and ldt_base 0); gdt_ents up to 14 frames' worth, frames of
 *   the domain that pass set_gdt's checks; ctrlreg[3] (and ctrlreg[1], the
 *   user L4, or 0) a pinned, validated L4 of the domain; debug registers as
 *   set_debugreg takes them; with VGCF_i387_valid an fxsave image without
 *   reserved MXCSR bits. vm_assist and the data segment selectors are not
 *   read. "Runs": the domain is running, or paused with this vCPU up or
 *   still on a CPU. -EINVAL for a vcpu >= max_vcpus; -EFAULT for ctxt.
 *
 * SKIFF_DOMCTL_max_mem: u.mem: domid, max_pages. Below tot_pages is
 *   allowed (the guest just cannot grow), as in Xen.
 *
 * SKIFF_DOMCTL_hypercall_init: u.mem: domid, gfn (a frame of that domain,
 *   in max_pages' sense a pfn; for PV the caller passes the MFN, as Xen's
 *   builder does). -EINVAL if the frame is not the domain's or is typed.
 *
 * SKIFF_DOMCTL_gnttab_seed: u.seed: domid, backend domid, console and
 *   xenstore frames (MFNs of the domain's own writable pages) and their
 *   ports (unbound ports of the domain offered to the backend, from
 *   EVTCHNOP_alloc_unbound; 0: none). Writes grant entries 0
 *   (GNTTAB_RESERVED_CONSOLE) and 1 (GNTTAB_RESERVED_XENSTORE) as permits
 *   for the backend to map them read-write; 0 as a frame leaves that entry
 *   empty. Only while the domain is created (-EBUSY once it ran); a second
 *   call replaces the first. -EINVAL: a frame that is not the domain's or
 *   is a page table or descriptor page, a port that is not unbound for the
 *   backend, a reserved backend or the domain itself as its backend. The
 *   console frame is then drained by the hypervisor until dom0 announces
 *   its console backend (as for domains the hypervisor builds).
 *
 * SKIFF_DOMCTL_getdomaininfo: u.info: in domid; out one struct
 *   skiff_dominfo in u.info.buffer (guest address). -ESRCH if none.
 *
 * SKIFF_DOMCTL_boot_module: u.module: in index, offset, buffer,
 *   buffer_len; out size (the module's length), copied (bytes written).
 *   With flag SKIFF_MODULE_cmdline the same reads the module's string
 *   (everything after its path, NUL-terminated; size counts the NUL)
 *   instead of its contents. The boot modules after dom0's kernel (and its
 *   @initrd), in boot order: kernels, ramdisks and domain files for dom0
 *   to build. One call copies at most SKIFF_MODULE_COPY_MAX bytes (copied
 *   says how many; the caller calls again from offset + copied);
 *   offset == size copies nothing. -EINVAL: offset > size, an unknown flag;
 *   -EFAULT: the buffer is not the caller's memory (nothing promised
 *   written).
 *   -ENOENT past the last one or after they were released.
 *
 * SKIFF_DOMCTL_physinfo (struct skiff_physinfo, out): the machine as xl
 *   info shows it: CPUs online, the TSC rate, frames given to the
 *   allocator and how many are free now (a coherent snapshot; frames of
 *   dying domains not yet freed count as used). No input; 0.
 *
 * SKIFF_DOMCTL_setname (struct skiff_domctl_name): renames domain domid
 *   (not the caller) to name: 1-31 characters of [A-Za-z0-9._-], NUL-
 *   terminated, no other live domain's name. -EINVAL: a bad name or pad,
 *   the caller itself; -ESRCH: no such domain; -EEXIST: the name is taken;
 *   -EINVAL for a dying domain. The hypervisor's log uses the new name at
 *   once; xenstore's name nodes are the toolstack's to change.
 *
 * SKIFF_DOMCTL_readconsole (struct skiff_domctl_console): the hypervisor's
 *   console history (its last 64 KiB, every line it printed, guests'
 *   console_io lines included), as Xen's sysctl readconsole serves xl
 *   dmesg. In index: the stream position to read from (0: the oldest
 *   kept), buffer/buffer_len: where to (at most SKIFF_CONSOLE_READ_MAX
 *   bytes a call). Out copied (bytes written), index (the next position:
 *   call again with it until copied is 0), skipped (bytes between the
 *   index asked for and the oldest kept: overwritten or cleared). Flag
 *   SKIFF_CONSOLE_clear: after the read, everything before the index
 *   returned is forgotten (xl dmesg -c: the reader passes the index it
 *   read to, so lines printed since its last read are kept; Xen's clear
 *   forgets them too). -EINVAL: an unknown flag or a pad;
 *   -EFAULT: the buffer is not the caller's (nothing cleared).
 *
 * SKIFF_DOMCTL_release_modules: no input. dom0 has read every module; the
 *   hypervisor gives their memory to its heap. Later boot_module calls get
 *   -ENOENT; a second release is harmless (0). -EBUSY while the hypervisor
 *   is still building boot domains from modules.
 */
#define SKIFF_DOMCTL_createdomain	3
#define SKIFF_DOMCTL_destroydomain	4
#define SKIFF_DOMCTL_pausedomain	5
#define SKIFF_DOMCTL_unpausedomain	6
#define SKIFF_DOMCTL_setvcpucontext	7
#define SKIFF_DOMCTL_max_mem		8
#define SKIFF_DOMCTL_hypercall_init	9
#define SKIFF_DOMCTL_gnttab_seed	10
#define SKIFF_DOMCTL_getdomaininfo	11
#define SKIFF_DOMCTL_boot_module	12
#define SKIFF_DOMCTL_release_modules	13
#define SKIFF_DOMCTL_physinfo		14
#define SKIFF_DOMCTL_setname		15
#define SKIFF_DOMCTL_readconsole	16

#define SKIFF_MAX_VCPUS			64
#define SKIFF_MODULE_cmdline		(1u << 0)
#define SKIFF_MODULE_COPY_MAX		(64u << 10)
#define SKIFF_CONSOLE_clear		(1u << 0)
#define SKIFF_CONSOLE_READ_MAX		4096u

#define SKIFF_DOMCTL_LIST_MAX		64

/* skiff_dominfo.state */
#define SKIFF_DOMSTATE_created		0	/* being built */
#define SKIFF_DOMSTATE_running		1
#define SKIFF_DOMSTATE_paused		2
#define SKIFF_DOMSTATE_shutdown		3	/* shutdown_reason says why */
#define SKIFF_DOMSTATE_dying		4

/* skiff_dominfo.flags */
#define SKIFF_DOMINFO_privileged	(1u << 0)
#define SKIFF_DOMINFO_console		(1u << 1)	/* console ring granted to dom0 at ref console_gref */
#define SKIFF_DOMINFO_store		(1u << 2)	/* xenstore ring granted to dom0 at ref store_gref */
#define SKIFF_DOMINFO_running		(1u << 3)	/* a vCPU is on a CPU now (xl's r) */
#define SKIFF_DOMINFO_blocked		(1u << 4)	/* every online vCPU waits for an event (xl's b) */

/*
 * One domain. The rings are the Xen way: the domain's grant entries
 * GNTTAB_RESERVED_CONSOLE (0) and GNTTAB_RESERVED_XENSTORE (1) grant the
 * ring pages to dom0 (map them with GNTTABOP_map_grant_ref), and the
 * ports are unbound ports of the domain offered to dom0 (bind them with
 * EVTCHNOP_bind_interdomain). A port of 0 means none.
 */
struct skiff_dominfo {
	domid_t domid;
	uint8_t state;
	uint8_t shutdown_reason;	/* SHUTDOWN_*, valid in state shutdown */
	uint32_t flags;
	uint64_t tot_pages;		/* frames the domain owns now */
	uint64_t max_pages;
	uint8_t handle[16];		/* the domain's UUID */
	char name[32];			/* NUL-terminated */
	uint32_t console_gref, console_port;
	uint32_t store_gref, store_port;
	uint64_t console_mfn, store_mfn;	/* the frames behind the grants, for checking */
	uint64_t shared_info_mfn;	/* for start_info.shared_info (a machine address: << 12) */
	uint64_t cpu_time_ns;		/* run time of all its vCPUs, for xl list's Time(s) */
	uint32_t max_vcpus, online_vcpus;
	uint32_t pause_count;
	uint32_t pad;
};
PVABI_SIZE(struct skiff_dominfo, 136);
PVABI_OFF(struct skiff_dominfo, domid, 0);
PVABI_OFF(struct skiff_dominfo, state, 2);
PVABI_OFF(struct skiff_dominfo, shutdown_reason, 3);
PVABI_OFF(struct skiff_dominfo, flags, 4);
PVABI_OFF(struct skiff_dominfo, tot_pages, 8);
PVABI_OFF(struct skiff_dominfo, max_pages, 16);
PVABI_OFF(struct skiff_dominfo, handle, 24);
PVABI_OFF(struct skiff_dominfo, name, 40);
PVABI_OFF(struct skiff_dominfo, console_gref, 72);
PVABI_OFF(struct skiff_dominfo, console_port, 76);
PVABI_OFF(struct skiff_dominfo, store_gref, 80);
PVABI_OFF(struct skiff_dominfo, store_port, 84);
PVABI_OFF(struct skiff_dominfo, console_mfn, 88);
PVABI_OFF(struct skiff_dominfo, store_mfn, 96);
PVABI_OFF(struct skiff_dominfo, shared_info_mfn, 104);
PVABI_OFF(struct skiff_dominfo, cpu_time_ns, 112);
PVABI_OFF(struct skiff_dominfo, max_vcpus, 120);
PVABI_OFF(struct skiff_dominfo, online_vcpus, 124);
PVABI_OFF(struct skiff_dominfo, pause_count, 128);

struct skiff_domctl_create {
	domid_t domid;			/* in: 0 or the id wanted; out: the id */
	uint16_t pad;
	uint32_t max_vcpus;
	uint64_t max_pages;
	uint8_t handle[16];
	char name[32];
	uint32_t gnttab_frames, maptrack_frames;
	uint16_t weight, cap;
	uint32_t pad2;
	uint64_t cpumask;
};
PVABI_SIZE(struct skiff_domctl_create, 88);
PVABI_OFF(struct skiff_domctl_create, domid, 0);
PVABI_OFF(struct skiff_domctl_create, max_vcpus, 4);
PVABI_OFF(struct skiff_domctl_create, max_pages, 8);
PVABI_OFF(struct skiff_domctl_create, handle, 16);
PVABI_OFF(struct skiff_domctl_create, name, 32);
PVABI_OFF(struct skiff_domctl_create, gnttab_frames, 64);
PVABI_OFF(struct skiff_domctl_create, maptrack_frames, 68);
PVABI_OFF(struct skiff_domctl_create, weight, 72);
PVABI_OFF(struct skiff_domctl_create, cap, 74);
PVABI_OFF(struct skiff_domctl_create, cpumask, 80);

struct skiff_domctl_dom {
	domid_t domid;
	uint16_t pad[3];
};
PVABI_SIZE(struct skiff_domctl_dom, 8);

struct skiff_domctl_vcpuctx {
	domid_t domid;
	uint16_t pad;
	uint32_t vcpu;
	uint64_t ctxt;			/* guest address of struct vcpu_guest_context */
};
PVABI_SIZE(struct skiff_domctl_vcpuctx, 16);
PVABI_OFF(struct skiff_domctl_vcpuctx, vcpu, 4);
PVABI_OFF(struct skiff_domctl_vcpuctx, ctxt, 8);

/* max_mem: value = max_pages; hypercall_init: value = the frame. */
struct skiff_domctl_mem {
	domid_t domid;
	uint16_t pad[3];
	uint64_t value;
};
PVABI_SIZE(struct skiff_domctl_mem, 16);
PVABI_OFF(struct skiff_domctl_mem, value, 8);

struct skiff_domctl_seed {
	domid_t domid;
	domid_t backend;
	uint32_t pad;
	uint64_t console_mfn, store_mfn;
	uint32_t console_port, store_port;	/* 0: none */
};
PVABI_SIZE(struct skiff_domctl_seed, 32);
PVABI_OFF(struct skiff_domctl_seed, backend, 2);
PVABI_OFF(struct skiff_domctl_seed, console_mfn, 8);
PVABI_OFF(struct skiff_domctl_seed, store_mfn, 16);
PVABI_OFF(struct skiff_domctl_seed, console_port, 24);
PVABI_OFF(struct skiff_domctl_seed, store_port, 28);

struct skiff_domctl_info {
	domid_t domid;
	uint16_t pad[3];
	uint64_t buffer;		/* guest address of one struct skiff_dominfo */
};
PVABI_SIZE(struct skiff_domctl_info, 16);
PVABI_OFF(struct skiff_domctl_info, buffer, 8);

struct skiff_domctl_module {
	uint32_t index;
	uint32_t flags;			/* SKIFF_MODULE_cmdline */
	uint64_t offset;
	uint64_t buffer;		/* guest address */
	uint64_t buffer_len;
	uint64_t size;			/* out */
	uint64_t copied;		/* out */
};
PVABI_SIZE(struct skiff_domctl_module, 48);
PVABI_OFF(struct skiff_domctl_module, offset, 8);
PVABI_OFF(struct skiff_domctl_module, buffer, 16);
PVABI_OFF(struct skiff_domctl_module, buffer_len, 24);
PVABI_OFF(struct skiff_domctl_module, size, 32);
PVABI_OFF(struct skiff_domctl_module, copied, 40);

struct skiff_domctl_list {
	domid_t first_domid;
	uint16_t pad;
	uint32_t max_entries;
	uint64_t buffer;		/* guest address of struct skiff_dominfo[max_entries] */
	uint32_t nr_entries;		/* out */
	uint32_t pad2;
};
PVABI_SIZE(struct skiff_domctl_list, 24);
PVABI_OFF(struct skiff_domctl_list, first_domid, 0);
PVABI_OFF(struct skiff_domctl_list, max_entries, 4);
PVABI_OFF(struct skiff_domctl_list, buffer, 8);
PVABI_OFF(struct skiff_domctl_list, nr_entries, 16);

struct skiff_domctl_name {
	domid_t domid;
	uint16_t pad[3];
	char name[32];
};
PVABI_SIZE(struct skiff_domctl_name, 40);
PVABI_OFF(struct skiff_domctl_name, name, 8);

struct skiff_physinfo {
	uint32_t nr_cpus;		/* online */
	uint32_t cpu_khz;		/* TSC rate */
	uint64_t total_pages;		/* frames given to the allocator */
	uint64_t free_pages;
	uint64_t hv_pages;		/* of the used ones, the hypervisor's own */
};
PVABI_SIZE(struct skiff_physinfo, 32);
PVABI_OFF(struct skiff_physinfo, cpu_khz, 4);
PVABI_OFF(struct skiff_physinfo, total_pages, 8);
PVABI_OFF(struct skiff_physinfo, free_pages, 16);
PVABI_OFF(struct skiff_physinfo, hv_pages, 24);

struct skiff_domctl_console {
	uint64_t index;			/* in/out */
	uint64_t buffer;
	uint32_t buffer_len;
	uint32_t copied;		/* out */
	uint32_t flags;
	uint32_t pad;
	uint64_t skipped;		/* out */
};
PVABI_SIZE(struct skiff_domctl_console, 40);
PVABI_OFF(struct skiff_domctl_console, buffer, 8);
PVABI_OFF(struct skiff_domctl_console, flags, 24);
PVABI_OFF(struct skiff_domctl_console, skipped, 32);

struct skiff_domctl {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct skiff_domctl_list list;
		struct skiff_domctl_create create;
		struct skiff_domctl_dom dom;
		struct skiff_domctl_vcpuctx vcpuctx;
		struct skiff_domctl_mem mem;
		struct skiff_domctl_seed seed;
		struct skiff_domctl_info info;
		struct skiff_domctl_module module;
		struct skiff_physinfo physinfo;
		struct skiff_domctl_name name;
		struct skiff_domctl_console console;
		uint8_t pad[88];
	} u;
};
PVABI_SIZE(struct skiff_domctl, 96);
PVABI_OFF(struct skiff_domctl, cmd, 0);
PVABI_OFF(struct skiff_domctl, interface_version, 4);
PVABI_OFF(struct skiff_domctl, u, 8);

#endif

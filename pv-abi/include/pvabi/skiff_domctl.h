/* Skiff's privileged domain-control interface (dom0 only): list domains with their rings, announce dom0's backends. */
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
#define SKIFF_DOMCTL_INTERFACE_VERSION	0x534b0001u	/* "SK", 1 */

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
};
PVABI_SIZE(struct skiff_dominfo, 104);
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

struct skiff_domctl {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct skiff_domctl_list list;
		uint8_t pad[56];
	} u;
};
PVABI_SIZE(struct skiff_domctl, 64);
PVABI_OFF(struct skiff_domctl, cmd, 0);
PVABI_OFF(struct skiff_domctl, interface_version, 4);
PVABI_OFF(struct skiff_domctl, u, 8);

#endif

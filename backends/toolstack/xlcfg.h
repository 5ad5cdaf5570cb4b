/* SPDX-License-Identifier: MIT */
/* Domain files in xl.cfg syntax: the parsed form shared by the host checker and dom0's toolstack. */
#ifndef SKIFF_XLCFG_H
#define SKIFF_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One parser, built twice: into the host tool that checks domain files
 * before a machine boots (file:line errors, a libuuid UUID filled in for
 * a file that has none), and into dom0, which reads the same files as
 * boot modules (and later from the control channel) and builds from them.
 * It allocates nothing: the result lives in the struct, strings bounded.
 *
 * Syntax (xl.cfg(5)): KEY = VALUE lines; VALUE a "string" or 'string', a
 * number, or a [ list, of, strings ]; '#' starts a comment; a list may
 * span lines. Keys known to xl that Skiff does not implement are warnings
 * (as xl warns on unknown keys); bad values and missing required keys
 * (name, kernel, memory) are errors.
 */

#define XLCFG_NAME_MAX		32	/* with the NUL, as skiff_domctl_create.name */
#define XLCFG_PATH_MAX		256
#define XLCFG_CMDLINE_MAX	1024
#define XLCFG_MAX_DISKS		16
#define XLCFG_MAX_VIFS		8
#define XLCFG_MAX_DIAG		16
/* An HVM guest's RAM ends below the MMIO hole at 3 GiB (its I/O APIC, local APIC, the builder's limit). */
#define XLCFG_HVM_MEMORY_MAX	3072

enum xlcfg_action {
	XLCFG_ACTION_DESTROY,
	XLCFG_ACTION_RESTART,
	XLCFG_ACTION_PRESERVE,
	XLCFG_ACTION_RENAME_RESTART,
	XLCFG_ACTION_COREDUMP_DESTROY,
	XLCFG_ACTION_COREDUMP_RESTART,
	XLCFG_ACTION_SOFT_RESET,
};

struct xlcfg_disk {
	char target[XLCFG_PATH_MAX];	/* host path (host side) or the backend's name for it (dom0 side) */
	char vdev[16];			/* xvda, xvdb1, ... */
	char format[16];		/* raw (default), qcow2, ... */
	bool writable;			/* access=rw (default) / ro */
	bool cdrom;
	uint32_t line;			/* where the file names it, for later checks (file exists, ...) */
};

#define XLCFG_MAX_FORWARDS	4	/* per vif */

/* forward=tcp:HOSTPORT:GUESTPORT (Skiff's): the host's 127.0.0.1:HOSTPORT reaches the vif's address:GUESTPORT. */
struct xlcfg_forward {
	bool udp;
	uint16_t host_port, guest_port;
};

struct xlcfg_vif {
	uint8_t mac[6];
	bool mac_set;			/* false: derived from the domain's UUID in 00:16:3e */
	bool ip_set;
	uint32_t ip;			/* ip=a.b.c.d, host order: where forwards go (default slirp's first lease) */
	char bridge[32];
	char model[16];
	struct xlcfg_forward forwards[XLCFG_MAX_FORWARDS];
	uint32_t nr_forwards;
};

struct xlcfg_domain {
	char name[XLCFG_NAME_MAX];
	uint8_t uuid[16];
	bool uuid_set;
	uint64_t memory_mib, maxmem_mib;	/* maxmem 0: = memory */
	uint32_t vcpus, maxvcpus;		/* maxvcpus 0: = vcpus */
	uint64_t cpumask;			/* cpus=, 0: all */
	uint32_t weight, cap;			/* 0: defaults */
	char kernel[XLCFG_PATH_MAX];
	char ramdisk[XLCFG_PATH_MAX];
	uint32_t kernel_line, ramdisk_line;	/* where they are set: the host checker reports missing files there */
	char cmdline[XLCFG_CMDLINE_MAX];	/* cmdline=, or root= and extra= joined as xl joins them */
	enum xlcfg_action on_poweroff, on_reboot, on_crash, on_watchdog;
	struct xlcfg_disk disks[XLCFG_MAX_DISKS];
	uint32_t nr_disks;
	struct xlcfg_vif vifs[XLCFG_MAX_VIFS];
	uint32_t nr_vifs;
	bool hvm;				/* type = "hvm" (or builder = "hvm"): fully virtual, built by the hypervisor */
};

struct xlcfg_diag {
	uint32_t line;
	bool is_error;				/* false: a warning */
	char msg[120];
};

struct xlcfg_diags {
	struct xlcfg_diag d[XLCFG_MAX_DIAG];
	uint32_t nr, nr_errors, dropped;
};

/*
 * Parse a whole file; returns 0 if there is no error (warnings may be in
 * diags), -1 otherwise. Diagnostics past XLCFG_MAX_DIAG are counted in
 * dropped (nr_errors counts them all). The parser keeps its ~3 KiB of
 * state in static storage (dom0's stacks are small): not reentrant.
 */
int xlcfg_parse(const char *text, size_t len, struct xlcfg_domain *out, struct xlcfg_diags *diags);

/* xl's defaults: destroy on poweroff, restart on reboot, destroy on crash. */
void xlcfg_defaults(struct xlcfg_domain *out);

/*
 * The vbd number (virtual-device) of a vdev name, as a frontend decodes it:
 * xvdX[N] is 202:(disk*16+N) for the first 16 disks and (1 << 28 | disk
 * << 8 | N) after; sdX[N] 8:(disk*16+N); hda-hdd 3:0, 3:64, 22:0, 22:64
 * plus N. -1 for any other name.
 */
long xlcfg_vdev_devid(const char *vdev);

/* "destroy", "restart", ... as xl.cfg spells them. */
const char *xlcfg_action_name(enum xlcfg_action a);

#endif

/* SPDX-License-Identifier: MIT */
/* Domains from boot modules: the '@' options of a module's string, as the hypervisor's boot code reads them. */
#ifndef TOOLSTACK_BOOTMOD_H
#define TOOLSTACK_BOOTMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A module's string after its path is "[@opt ...] [guest command line]":
 *   @initrd       this module is the initrd of the kernel before it
 *   @mem=SIZE     guest RAM, K/M/G suffixes (default 64 MiB)
 *   @maxmem=SIZE  the most it may balloon up to (default: @mem)
 *   @balloon=SIZE[:SIZE...]  test hook: dom0 writes each size to
 *                 memory/target in turn and waits for the domain's pages
 *                 to follow, and for the guest to report it in
 *                 data/skiff-balloon (at most 4 sizes)
 *   @name=NAME    domain name (default domU<n>)
 *   @gnttab_frames=N, @maptrack_frames=N   grant-table limits (0: defaults)
 *   @weight=N     scheduler weight 1..65535, @cap=N percent, @cpus=LIST
 *   @vcpus=N      vCPUs 1..128 (vCPU 0 starts, the others wait for VCPUOP_up)
 *   @backends, @toolstack   dom0's options; accepted and ignored on a domU
 *   @data         the hypervisor leaves this module to dom0 (while the
 *                 hypervisor still builds the domUs it is not told to leave)
 *   @domfile      a domain file (xl.cfg) for the kernel before it
 *   @uuid=UUID    the domain's handle, 8-4-4-4-12 hex digits
 *   @expect=R[+R] how the domain should end (poweroff, reboot, suspend, crash,
 *                 watchdog, soft_reset, refused, destroyed): dom0 reports
 *                 each domain it built against it
 * These stand in for a domain file until dom0 reads xl.cfg files.
 * Unknown options are reported in unknown (the first one) and skipped.
 */
#define BOOTMOD_NAME_MAX	32
#define BOOTMOD_DEFAULT_MEM	(64ULL << 20)
#define BOOTMOD_MAX_BALLOON	4
#define BOOTMOD_EXPECT_REFUSED		(1u << 16)	/* the build is expected to fail */
#define BOOTMOD_EXPECT_DESTROYED	(1u << 17)	/* dom0 destroys it before it shuts down */

struct bootmod_spec {
	bool is_initrd;
	bool is_data;
	bool is_domfile;
	bool uuid_set;
	uint8_t uuid[16];
	bool sha256_set;		/* @sha256=: the module's digest as the host computed it (a cache key) */
	uint8_t sha256[32];
	uint64_t mem;			/* bytes; 0: not given */
	uint64_t maxmem;		/* bytes; 0: not given */
	uint64_t balloon[BOOTMOD_MAX_BALLOON];	/* bytes, in order */
	uint32_t nr_balloon;
	char name[BOOTMOD_NAME_MAX];	/* empty: not given */
	uint32_t gnttab_frames, maptrack_frames;
	uint32_t weight, cap;		/* 0: default */
	uint64_t cpus;			/* mask of CPUs below 64, 0: all */
	uint32_t vcpus;			/* 0: one */
	uint32_t expect;		/* BOOTMOD_EXPECT_* / 1 << SHUTDOWN_* bits; 0: poweroff */
	bool bad_value;			/* an option's value was malformed (it was ignored) */
	char unknown[32];		/* the first unknown option, or empty */
	const char *cmdline;		/* points into the parsed string */
};

/* Parses s (the module's string after its path); never fails, the string is a hint. */
void bootmod_parse(const char *s, struct bootmod_spec *spec);

#endif

/* SPDX-License-Identifier: MIT */
/* Hypervisor command line: parsed once at boot into one struct; host-testable. */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/types.h>

/* Test switches (test=a,b): deliberate failures the boot tests provoke. */
#define TEST_PAGEFAULT	(1u << 0)	/* write to an unmapped address */
#define TEST_UD		(1u << 1)	/* execute ud2 */
#define TEST_PANIC	(1u << 2)	/* call panic() */
#define TEST_DIVIDE	(1u << 3)	/* divide by zero */
#define TEST_APFAULT	(1u << 4)	/* fault on an application processor */

/* pv_erms=auto|on|off: auto hides ERMS only under QEMU TCG, whose rep string instructions run one element per step. */
#define PV_ERMS_AUTO	0
#define PV_ERMS_ON	1
#define PV_ERMS_OFF	2

struct hv_cmdline {
	int loglvl;			/* LOG_ERR .. LOG_DEBUG */
	char console[16];		/* "com1" or "none" */
	uint64_t dom0_mem;		/* bytes, 0 = default */
	unsigned int maxcpus;		/* 0 = all */
	uint32_t tests;			/* TEST_* */
	unsigned int dump_interval;	/* seconds between vCPU state dumps (0 = never) */
	unsigned int gnttab_max_frames;		/* per-domain default, 0 = built-in (as Xen's option) */
	unsigned int gnttab_max_maptrack_frames;	/* per-domain default, 0 = built-in */
	bool hypercall_profile;		/* TSC cycles per hypercall in the teardown counters */
	int pv_erms;			/* PV_ERMS_*: does PV guests' CPUID show ERMS (fast rep movsb/stosb) */
	unsigned int nr_unknown;	/* options we did not recognise (warned about) */
};

typedef void (*cmdline_warn_fn)(const char *what, const char *tok, size_t len);

/* Never fails: bad or unknown options are reported through warn and ignored. */
void cmdline_parse(const char *s, struct hv_cmdline *out, cmdline_warn_fn warn);

/* "64M", "1G", "4096K", "123" (bytes). Returns false on junk or overflow. */
bool cmdline_parse_size(const char *s, size_t len, uint64_t *bytes);

#endif

/* SPDX-License-Identifier: MIT */
/* Host harness for hypercall handler tests: fake guest memory with holes, fake domains and current vCPU, captured printk. */
#ifndef HC_HARNESS_H
#define HC_HARNESS_H

#include <hv/domain.h>
#include <hv/types.h>

/*
 * Fake guest address space: HC_PAGES pages from HC_BASE. Pages
 * 0 .. HC_PAGE_HOLE-1 are read-write, HC_PAGE_HOLE is not mapped,
 * HC_PAGE_RO is read-only, HC_PAGE_LAST is read-write again. Every other
 * address is unmapped. Copies run byte by byte like a real copy on the
 * guest's page tables: they stop at the first faulting byte (after writing
 * the bytes before it) and return -XEN_EFAULT. One more read-write page,
 * HC_VA_TOP, is the last page of the canonical lower half, so a buffer can
 * start mapped and run into non-canonical addresses.
 */
#define HC_BASE		0x0000000000400000ULL
#define HC_PAGE_HOLE	8
#define HC_PAGE_RO	9
#define HC_PAGE_LAST	10
#define HC_PAGES	11

/* Addresses the tests use for pointers a guest cannot own. */
#define HC_VA_UNMAPPED	0x0000000010000000ULL
#define HC_VA_HV	0xffff800000001000ULL	/* inside the hypervisor's slots */
#define HC_VA_NONCANON	0x0000800000000000ULL
#define HC_VA_HOLE	(HC_BASE + HC_PAGE_HOLE * PAGE_SIZE)
#define HC_VA_RO	(HC_BASE + HC_PAGE_RO * PAGE_SIZE)
#define HC_VA_TOP	0x00007ffffffff000ULL

/* Guest VA of offset off in fake page page, and the host pointer behind a mapped guest VA. */
uint64_t hc_va(unsigned int page, size_t off);
void *hc_host(uint64_t va);

/* Clears guest memory (to 0), domains, the log and the copy counters. Call from each test's setup. */
void hc_reset(void);

/* A fresh domain (at most 4 per test) with one vCPU; made current with hc_set_current. */
struct domain *hc_domain(domid_t domid, const char *name, bool privileged);
void hc_set_current(struct domain *d);

/* The hypervisor command line hv_cmdline_string() returns (NULL: it returns NULL). */
void hc_set_cmdline(const char *s);

/* Captured printk lines (trailing newline removed), oldest first. Thread-safe. */
unsigned int hc_log_count(void);
const char *hc_log_line(unsigned int i);
int hc_log_level(unsigned int i);

/* copy_from_guest calls since hc_reset and the largest length one of them asked for. */
unsigned int hc_copy_from_calls(void);
size_t hc_copy_from_max(void);

#endif

/* SPDX-License-Identifier: MIT */
/* Helpers shared by the security-suite guests: command line, clock, frame lookups, result checks. */
#ifndef SEC_UTIL_H
#define SEC_UTIL_H

#include <stdint.h>
#include "test.h"

#define SEC_NS		1000000000ULL

#define SEC_PTE_P	0x001ULL
#define SEC_PTE_RW	0x002ULL
#define SEC_PTE_US	0x004ULL
#define SEC_PTE_PWT	0x008ULL
#define SEC_PTE_PCD	0x010ULL
#define SEC_PTE_A	0x020ULL
#define SEC_PTE_D	0x040ULL
#define SEC_PTE_PS	0x080ULL
#define SEC_PTE_G	0x100ULL
#define SEC_PTE_ADDR	0x000ffffffffff000ULL
#define SEC_PTE_KRW	(SEC_PTE_P | SEC_PTE_RW | SEC_PTE_A | SEC_PTE_D)
#define SEC_PTE_KRO	(SEC_PTE_P | SEC_PTE_A)
#define SEC_PTE_NX	(1ULL << 63)
/* How the builder maps a data page of the image (NX outside the text): restores put back exactly that. */
#define SEC_PTE_KDATA	(SEC_PTE_KRW | SEC_PTE_NX)

/* The number after key on the command line ("secs=60"), decimal or 0x hex; def when absent. */
uint64_t sec_cmdline_num(const char *key, uint64_t def);

/* Maps shared_info for the pvclock; 0 on failure. */
int sec_clock_init(void);
uint64_t sec_now_ns(void);
/* vCPU 0's vcpu_info: in shared_info until VCPUOP_register_vcpu_info moved it (then say where). */
volatile struct vcpu_info *sec_vcpu_info(void);
void sec_clock_moved(volatile struct vcpu_info *vi);

/* Frame lookups through the start-of-day P2M and the read-only M2P. */
uint64_t sec_mfn_of(const volatile void *va);
uint64_t sec_pfn_of(const volatile void *va);
uint64_t sec_m2p(uint64_t mfn);
uint64_t sec_p2m(uint64_t pfn);
/* The virtual address of an image or table frame (through the M2P and the image mapping). */
volatile uint64_t *sec_va_of_mfn(uint64_t mfn);

/*
 * The page-table frames of the live tree: l4 and, along the path to va,
 * the L3, L2 and L1 (index 4..1). Returns 0 on success.
 */
int sec_walk(uint64_t va, uint64_t mfn_out[5]);

/*
 * Up to n PFNs at the top of the domain's memory that nothing maps and
 * that are no page table, zeroed; returns how many were found.
 */
unsigned int sec_scratch_pfns(uint64_t *pfns, unsigned int n);
/* A domain-owned, unmapped frame mapped at a window page of the image for a moment, zeroed. */
int sec_zero_frame(uint64_t mfn);

/* One mmu_update of one entry; done count checked. */
long sec_mmu1(uint64_t ptr, uint64_t val);
long sec_ext1(uint32_t cmd, uint64_t arg);

/* Checks an exact result; says what was attempted. */
#define sec_expect(rc, want, ...) sec_expect_((long)(rc), (long)(want), __VA_ARGS__)
void sec_expect_(long rc, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));



/* Installs the runtime's trap table again (after a test replaced or cleared it); 0 on success. */
long sec_restore_traps(void);
/* The same with #PF going to the probe handler of pf_probe.S (stores through sec_probe_store are counted, skipped). */
long sec_install_probe(void);
void sec_probe_store(volatile uint64_t *p, uint64_t v);
extern volatile uint64_t sec_probe_faults;
#endif

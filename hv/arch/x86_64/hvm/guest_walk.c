/* SPDX-License-Identifier: MIT */
/* Guest memory by guest-virtual address through the guest's own page tables: the MMIO decoder's instruction fetch, HVM hypercall arguments. */
#include <asm/svm.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <pvabi/errno.h>

#include "hvm_local.h"

#define GPTE_P			1ULL
#define GPTE_RW			2ULL
#define GPTE_PS			(1ULL << 7)
#define GPTE_ADDR		0x000ffffffffff000ULL
#define GUEST_CR0_PG			(1ULL << 31)
#define GUEST_CR0_WP			(1ULL << 16)
#define GUEST_CR4_LA57			(1ULL << 12)
#define CS_ATTR_L		(1u << 9)
#define CS_ATTR_DB		(1u << 10)

/* A 64-bit word of guest RAM, or false outside it (the guest's tables may point anywhere). */
static bool read_gpa64(const struct hvm_domain *hd, uint64_t gpa, uint64_t *out)
{
	if (gpa >= hd->nr_pages << PAGE_SHIFT || (gpa & 7))
		return false;
	*out = *(const uint64_t *)((const uint8_t *)mfn_to_virt(npt_lookup(&hd->npt, gpa & PAGE_MASK)) +
				   (gpa & ~PAGE_MASK));
	return true;
}

/*
 * Linear to guest-physical: identity with paging off, the 4-level walk in
 * long mode (4 KiB, 2 MiB and 1 GiB pages). Legacy 32-bit and PAE paging
 * are not walked: Linux reaches the APIC only in long mode. Nor is 5-level
 * paging: walked as 4 levels, a guest with CR4.LA57 would have its
 * arguments read from (and written to) the wrong page of its own RAM, so
 * it gets -EFAULT and the MMIO decoder no bytes.
 */
static bool translate(const struct vcpu *v, uint64_t la, bool write, uint64_t *gpa)
{
	const struct vmcb *vm = v->arch.hvm->vmcb;
	const struct hvm_domain *hd = v->domain->arch.hvm;
	uint64_t table = vm->cr3 & GPTE_ADDR, e = 0;

	if (!(vm->cr0 & GUEST_CR0_PG)) {
		*gpa = la & 0xffffffffULL;
		return true;
	}
	if (!(vm->efer & EFER_LMA) || (vm->cr4 & GUEST_CR4_LA57) || !is_canonical(la))
		return false;
	/* A write through a read-only entry is refused as the CPU would (supervisor writes honour CR0.WP). */
	write = write && (vm->cr0 & GUEST_CR0_WP);
	for (int level = 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)level;

		if (!read_gpa64(hd, table + ((la >> shift) & 511) * 8, &e) || !(e & GPTE_P) ||
		    (write && !(e & GPTE_RW)))
			return false;
		if (level == 0 || ((level == 1 || level == 2) && (e & GPTE_PS))) {
			uint64_t size = 1ULL << shift;

			*gpa = (e & GPTE_ADDR & ~(size - 1)) | (la & (size - 1));
			return true;
		}
		table = e & GPTE_ADDR;
	}
	return false;
}

bool hvm_code_is_64bit(const struct vcpu *v)
{
	const struct vmcb *vm = v->arch.hvm->vmcb;

	return (vm->efer & EFER_LMA) && (vm->cs.attrib & CS_ATTR_L);
}

bool hvm_code_is_16bit(const struct vcpu *v)
{
	return !hvm_code_is_64bit(v) && !(v->arch.hvm->vmcb->cs.attrib & CS_ATTR_DB);
}

unsigned int hvm_fetch_insn(const struct vcpu *v, uint8_t *buf, unsigned int len)
{
	const struct vmcb *vm = v->arch.hvm->vmcb;
	const struct hvm_domain *hd = v->domain->arch.hvm;
	uint64_t la = hvm_code_is_64bit(v) ? vm->rip : (vm->cs.base + vm->rip) & 0xffffffffULL;
	unsigned int got = 0;

	while (got < len) {
		uint64_t gpa, chunk = MIN(len - got, PAGE_SIZE - ((la + got) & ~PAGE_MASK));

		if (!translate(v, la + got, false, &gpa) || gpa >= hd->nr_pages << PAGE_SHIFT)
			break;
		memcpy(buf + got, (const uint8_t *)mfn_to_virt(npt_lookup(&hd->npt, gpa & PAGE_MASK)) + (gpa & ~PAGE_MASK),
		       chunk);
		got += (unsigned int)chunk;
	}
	return got;
}

/* The byte at va through the guest's tables in a page of its RAM, or NULL (not mapped, not writable, not RAM). */
static uint8_t *guest_byte(const struct vcpu *v, uint64_t va, bool write)
{
	const struct hvm_domain *hd = v->domain->arch.hvm;
	uint64_t gpa;
	mfn_t mfn;

	if (!translate(v, va, write, &gpa) || gpa >= hd->nr_pages << PAGE_SHIFT)
		return NULL;
	mfn = npt_lookup(&hd->npt, gpa & PAGE_MASK);
	if (mfn == MFN_INVALID)
		return NULL;
	return (uint8_t *)mfn_to_virt(mfn) + (gpa & ~PAGE_MASK);
}

/*
 * Hypercall arguments: page by page through the guest's tables to a page
 * of its RAM. The frame behind it stays the domain's while the copy runs
 * (RAM and shared_info are freed only with the domain), even if another
 * vCPU moves shared_info meanwhile: then the copy hits the page it found.
 */
int hvm_copy_guest(struct vcpu *v, void *buf, uint64_t va, size_t len, bool to_guest)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t chunk = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));
		uint8_t *p = guest_byte(v, va, to_guest);

		if (!p)
			return -XEN_EFAULT;
		if (to_guest)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * The same walk without the copy, for callers that write a buffer in parts
 * and must write nothing when any page of it would fault. The guest's other
 * vCPUs may change its tables after this: then the copy fails part way, in
 * the guest's own memory, as it asked for.
 */
int hvm_probe_guest(struct vcpu *v, uint64_t va, size_t len, bool write)
{
	for (; len; va &= PAGE_MASK, va += PAGE_SIZE) {
		uint64_t chunk = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));

		if (!guest_byte(v, va, write))
			return -XEN_EFAULT;
		len -= chunk;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Builds an HVM domain from a boot module (@hvm): RAM and its NPT, an ELF's PT_LOAD segments at their physical addresses, vCPU 0 at reset. */
#include <asm/hvm.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <pvabi/errno.h>

#include "hvm_local.h"

#define ELF_PT_LOAD		1
#define ELF_EM_X86_64		62
#define ELF64_EHDR_SIZE		64
#define ELF64_PHDR_SIZE		56
#define HVM_MAX_LOADS		16
/* Real mode reaches the first MiB: the entry is cs:ip there. */
#define HVM_ENTRY_LIMIT		0x100000

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

struct hvm_load {
	uint64_t off, filesz, memsz, paddr;
};

/* Checks the image as hostile input: every segment inside the file and inside the guest's RAM. Returns the count or -XEN_EINVAL. */
static int parse_elf(const uint8_t *img, size_t len, uint64_t mem, struct hvm_load *loads, uint64_t *entry)
{
	uint64_t phoff;
	unsigned int phnum, n = 0;

	if (len < ELF64_EHDR_SIZE || memcmp(img, "\177ELF", 4) || img[4] != 2 || img[5] != 1 ||
	    rd16(img + 18) != ELF_EM_X86_64 || rd16(img + 54) != ELF64_PHDR_SIZE)
		return -XEN_EINVAL;
	*entry = rd64(img + 24);
	phoff = rd64(img + 32);
	phnum = rd16(img + 56);
	if (phoff > len || phnum > (len - phoff) / ELF64_PHDR_SIZE)
		return -XEN_EINVAL;
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * ELF64_PHDR_SIZE;
		struct hvm_load l = { rd64(ph + 8), rd64(ph + 32), rd64(ph + 40), rd64(ph + 24) };

		if (rd32(ph) != ELF_PT_LOAD || !l.memsz)
			continue;
		if (n == HVM_MAX_LOADS || l.filesz > l.memsz || l.off > len || l.filesz > len - l.off ||
		    l.paddr > mem || l.memsz > mem - l.paddr)
			return -XEN_EINVAL;
		loads[n++] = l;
	}
	return n ? (int)n : -XEN_EINVAL;
}

static mfn_t npt_frame_alloc(void *ctx)
{
	return frame_alloc_zeroed(0, &((struct domain *)ctx)->mem);
}

static uint64_t *npt_frame_table(void *ctx, mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

/* Guest RAM in blocks of up to 2 MiB, charged to d, each 4 KiB page mapped in the NPT in guest-physical order. */
static int alloc_memory(struct domain *d, struct hvm_domain *hd, uint64_t nr_pages)
{
	const struct npt_ops ops = { npt_frame_alloc, npt_frame_table, d };
	uint64_t pfn = 0;
	int rc = npt_init(&hd->npt, &ops);

	while (!rc && pfn < nr_pages) {
		unsigned int order = 9;
		mfn_t mfn;

		while (order && (1ULL << order) > nr_pages - pfn)
			order--;
		while ((mfn = frame_alloc_zeroed(order, &d->mem)) == MFN_INVALID && order)
			order--;
		if (mfn == MFN_INVALID)
			return -XEN_ENOMEM;
		frame_split(mfn, order);
		for (uint64_t i = 0; !rc && i < (1ULL << order); i++, pfn++)
			rc = npt_map(&hd->npt, pfn << PAGE_SHIFT, mfn + i);
	}
	hd->nr_pages = pfn;
	return rc;
}

/* Copies len bytes (zeros when src is NULL) to guest-physical gpa, page by page: frames need not be contiguous. */
static void copy_to_gpa(struct hvm_domain *hd, uint64_t gpa, const uint8_t *src, uint64_t len)
{
	while (len) {
		uint64_t chunk = MIN(len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		uint8_t *dst = (uint8_t *)mfn_to_virt(npt_lookup(&hd->npt, gpa & PAGE_MASK)) + (gpa & ~PAGE_MASK);

		if (src) {
			memcpy(dst, src, chunk);
			src += chunk;
		} else {
			memset(dst, 0, chunk);
		}
		gpa += chunk;
		len -= chunk;
	}
}

int hvm_build(struct domain *d, const struct hvm_build_args *a)
{
	struct hvm_load loads[HVM_MAX_LOADS];
	uint64_t mem = a->nr_pages << PAGE_SHIFT, entry;
	struct hvm_domain *hd;
	int n, rc;

	n = parse_elf(a->image, a->image_len, mem, loads, &entry);
	if (n < 0) {
		log_err("build: HVM image refused: not an x86_64 ELF whose PT_LOAD segments fit in %lu MiB", mem >> 20);
		return n;
	}
	if (entry >= HVM_ENTRY_LIMIT || entry >= mem) {
		log_err("build: HVM image refused: entry %#lx is not in the first MiB of its memory", entry);
		return -XEN_EINVAL;
	}
	rc = hvm_domain_init(d);
	if (rc < 0)
		return rc;
	hd = d->arch.hvm;
	/* The NPT's tables are the domain's frames too: its limit grows by what they can take. */
	frame_owner_set_max(&d->mem, a->nr_pages + npt_tables_needed(a->nr_pages));
	rc = alloc_memory(d, hd, a->nr_pages);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		copy_to_gpa(hd, loads[i].paddr, a->image + loads[i].off, loads[i].filesz);
		copy_to_gpa(hd, loads[i].paddr + loads[i].filesz, NULL, loads[i].memsz - loads[i].filesz);
	}
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		hvm_vcpu_reset(d->vcpu[i], entry);
	log_info("build: d%u HVM: %lu MiB, %d segments, NPT %lu tables, entry %04lx:%04lx in real mode", d->domid,
		 mem >> 20, n, hd->npt.nr_tables, (entry >> 4) & 0xf000, entry & 0xffff);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* Builds an HVM domain from a boot module (@hvm): RAM and its NPT, then an ELF at its physical addresses or a Linux bzImage with its zero page. */
#include <asm/hvm.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/time.h>
#include <pvabi/errno.h>

#include "hvm_firmware.h"
#include "hvm_local.h"
#include "linux_boot.h"

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

/* Page by page: the frames need not be contiguous. */
void hvm_copy_to_gpa(struct hvm_domain *hd, uint64_t gpa, const void *from, uint64_t len)
{
	const uint8_t *src = from;

	while (len) {
		uint64_t chunk = MIN(len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		mfn_t mfn = npt_lookup(&hd->npt, gpa & PAGE_MASK);
		uint8_t *dst = (uint8_t *)mfn_to_virt(mfn) + (gpa & ~PAGE_MASK);

		/* Callers check that what they copy fits in the guest's RAM; past it, nothing is written anywhere. */
		if (mfn == MFN_INVALID) {
			log_err("build: HVM copy to %#lx is outside the guest's memory: stopped", gpa);
			return;
		}
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

/* The RAM and NPT of d, with its limit grown by the tables they need; and the console ring dom0 serves, if asked. */
static int hvm_memory(struct domain *d, const struct hvm_build_args *a)
{
	uint64_t nr_pages = a->nr_pages;
	bool store = a->xen && a->console_ring;
	int rc = hvm_domain_init(d);

	if (rc < 0)
		return rc;
	/* RAM would cover the xenstore page (npt_map: -EEXIST); Linux finds no xenstore without it: not built. */
	if (store && nr_pages > HVM_XEN_STORE_GPFN) {
		log_err("build: d%u HVM @xen guest of %lu MiB: its RAM would cover the xenstore page at %#llx (at most "
			"%llu MiB with @xen and a dom0 that serves xenstore)", d->domid, nr_pages >> 8,
			HVM_XEN_STORE_GPFN << PAGE_SHIFT, HVM_XEN_STORE_GPFN >> 8);
		return -XEN_EINVAL;
	}
	d->arch.hvm->xen = a->xen;
	frame_owner_set_max(&d->mem, nr_pages + npt_tables_needed(nr_pages) + (a->console_ring ? 1 : 0) +
			    (store ? 1 + HVM_XEN_STORE_TABLES : 0));
	rc = alloc_memory(d, d->arch.hvm, nr_pages);
	if (rc >= 0 && a->console_ring)
		rc = hvm_console_ring_init(d);
	/* A @xen guest whose dom0 serves consoles gets xenstore from it too. */
	if (rc >= 0 && store)
		rc = hvm_xen_store_init(d);
	/*
	 * Nothing more is allocated to an HVM domain after this (add_to_physmap
	 * only swaps frames), so its limit becomes what it holds: dom0 then
	 * gives xenstore a target equal to static-max, and Linux's balloon
	 * driver, which subtracts the two, does not try to give memory back.
	 */
	if (rc >= 0 && store)
		frame_owner_set_max(&d->mem, d->mem.frames);
	return rc;
}

/* Linux's bzImage must sit below the decompressed kernel's room, the initrd above it, all below the MMIO holes. */
#define LINUX_MEM_MAX		0xc0000000ULL

/*
 * The command line Linux gets: the module's, and the TSC frequency
 * (tsc_early_khz=) unless it names one. Linux reads the TSC frequency
 * from CPUID 0x15 only on Intel, and otherwise times it against the PIT;
 * there is no PIT here, and an emulated one could not be polled fast
 * enough under nested TCG. Without it the local APIC's TSC-deadline timer
 * has no frequency and Linux falls back to the PIT it does not have.
 */
/* A word of the command line starts with w. */
static bool has_word_prefix(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ') && strncmp(p, w, n) == 0)
			return true;
	return false;
}

static int linux_cmdline(const char *in, char *out, size_t max)
{
	int n;

	in = in ? in : "";
	if (has_word_prefix(in, "tsc_early_khz="))
		n = snprintf(out, max, "%s", in);
	else
		n = snprintf(out, max, "%s%stsc_early_khz=%lu", in, *in ? " " : "", tsc_khz());
	return n < 0 || (size_t)n >= max ? -XEN_E2BIG : n;
}

/* The ACPI tables, the boot GDT and the zero page, built on the heap and copied into the guest. */
static int linux_boot_data(struct domain *d, const struct hvm_build_args *a, const struct linux_bzimage *bz,
			   uint32_t initrd_gpa, const char *cmdline, size_t cmd_len)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct hvm_e820 map[4];
	unsigned int nr_map = hvm_e820_build(a->nr_pages << PAGE_SHIFT, map, 4);
	uint8_t *buf = hv_zalloc(HVM_ACPI_SIZE);
	uint64_t gdt[4];

	if (!buf)
		return -XEN_ENOMEM;
	if (!hvm_acpi_build(buf, HVM_ACPI_SIZE, d->max_vcpus)) {
		hv_free(buf);
		return -XEN_EINVAL;
	}
	hvm_copy_to_gpa(hd, HVM_ACPI_BASE, buf, HVM_ACPI_SIZE);
	linux_zero_page(buf, a->image, bz, LINUX_CMDLINE_GPA, initrd_gpa, (uint32_t)a->initrd_len, map, nr_map);
	hvm_copy_to_gpa(hd, LINUX_ZERO_PAGE_GPA, buf, PAGE_SIZE);
	hv_free(buf);
	linux_boot_gdt(gdt);
	hvm_copy_to_gpa(hd, LINUX_GDT_GPA, gdt, sizeof(gdt));
	hvm_copy_to_gpa(hd, LINUX_CMDLINE_GPA, cmdline, cmd_len + 1);
	return 0;
}

/* A bzImage through the 32-bit boot protocol: flat protected mode at code32_start, esi the zero page. */
static int hvm_build_linux(struct domain *d, const struct hvm_build_args *a)
{
	uint64_t mem = a->nr_pages << PAGE_SHIFT, top, initrd_gpa = 0;
	struct linux_bzimage bz;
	char *cmdline;
	int rc, cmd_len;

	rc = linux_bzimage_parse(a->image, a->image_len, &bz);
	if (rc < 0) {
		log_err("build: HVM bzImage refused: not a bzImage of boot protocol 2.12 or later (error %d)", rc);
		return rc;
	}
	if (mem > LINUX_MEM_MAX || a->initrd_len > mem) {
		log_err("build: HVM Linux refused: %lu MiB of memory or its initrd is too big", mem >> 20);
		return -XEN_EINVAL;
	}
	top = MIN(mem, (uint64_t)bz.initrd_max + 1);
	if (a->initrd_len)
		initrd_gpa = (top - a->initrd_len) & PAGE_MASK;
	if (a->initrd_len > top || (a->initrd_len && (initrd_gpa < LINUX_DECOMPRESS_GPA + bz.init_size ||
	    initrd_gpa < LINUX_KERNEL_GPA + bz.kernel_len)) || mem < LINUX_DECOMPRESS_GPA + bz.init_size ||
	    bz.kernel_len > mem - LINUX_KERNEL_GPA) {
		log_err("build: HVM Linux refused: kernel (%u KiB to decompress) and initrd (%lu KiB) do not fit in %lu MiB",
			bz.init_size >> 10, a->initrd_len >> 10, mem >> 20);
		return -XEN_ENOMEM;
	}
	cmdline = hv_zalloc(LINUX_CMDLINE_MAX);
	if (!cmdline)
		return -XEN_ENOMEM;
	cmd_len = linux_cmdline(a->cmdline, cmdline, MIN((size_t)bz.cmdline_max + 1, LINUX_CMDLINE_MAX));
	rc = cmd_len < 0 ? cmd_len : hvm_memory(d, a);
	if (rc >= 0) {
		hvm_copy_to_gpa(d->arch.hvm, LINUX_KERNEL_GPA, a->image + bz.kernel_off, bz.kernel_len);
		if (a->initrd_len)
			hvm_copy_to_gpa(d->arch.hvm, initrd_gpa, a->initrd, a->initrd_len);
		rc = linux_boot_data(d, a, &bz, (uint32_t)initrd_gpa, cmdline, (size_t)cmd_len);
	}
	if (rc >= 0) {
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			hvm_vcpu_reset(d->vcpu[i], 0);
		hvm_vcpu_enter_protected(d->vcpu[0], LINUX_KERNEL_GPA, LINUX_ZERO_PAGE_GPA, LINUX_GDT_GPA,
					 LINUX_BOOT_CS, LINUX_BOOT_DS);
		log_info("build: d%u HVM Linux: %lu MiB, boot protocol %u.%02u, %lu KiB kernel at %#x, initrd %lu KiB at %#lx, "
			 "ACPI at %#x, entry %#x in 32-bit protected mode; command line: %s", d->domid, mem >> 20,
			 bz.version >> 8, bz.version & 0xff, bz.kernel_len >> 10, LINUX_KERNEL_GPA, a->initrd_len >> 10,
			 initrd_gpa, HVM_ACPI_BASE, LINUX_KERNEL_GPA, cmdline);
	}
	hv_free(cmdline);
	return rc;
}

int hvm_build(struct domain *d, const struct hvm_build_args *a)
{
	struct hvm_load loads[HVM_MAX_LOADS];
	uint64_t mem = a->nr_pages << PAGE_SHIFT, entry;
	struct hvm_domain *hd;
	int n, rc;

	if (linux_is_bzimage(a->image, a->image_len))
		return hvm_build_linux(d, a);
	n = parse_elf(a->image, a->image_len, mem, loads, &entry);
	if (n < 0) {
		log_err("build: HVM image refused: not an x86_64 ELF whose PT_LOAD segments fit in %lu MiB", mem >> 20);
		return n;
	}
	if (entry >= HVM_ENTRY_LIMIT || entry >= mem) {
		log_err("build: HVM image refused: entry %#lx is not in the first MiB of its memory", entry);
		return -XEN_EINVAL;
	}
	/* The NPT's tables are the domain's frames too: its limit grows by what they can take. */
	rc = hvm_memory(d, a);
	if (rc < 0)
		return rc;
	hd = d->arch.hvm;
	for (int i = 0; i < n; i++) {
		hvm_copy_to_gpa(hd, loads[i].paddr, a->image + loads[i].off, loads[i].filesz);
		hvm_copy_to_gpa(hd, loads[i].paddr + loads[i].filesz, NULL, loads[i].memsz - loads[i].filesz);
	}
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		hvm_vcpu_reset(d->vcpu[i], entry);
	log_info("build: d%u HVM: %lu MiB, %d segments, NPT %lu tables, entry %04lx:%04lx in real mode", d->domid,
		 mem >> 20, n, hd->npt.nr_tables, (entry >> 4) & 0xf000, entry & 0xffff);
	return 0;
}

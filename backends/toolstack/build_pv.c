/* SPDX-License-Identifier: MIT */
/* dom0's PV domain builder: unwraps and parses the kernel, computes the start-of-day layout, writes D through the platform. */
#include "build_pv.h"
#include "decompress.h"
#include "elf_image.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <pvabi/elfnote.h>
#include <pvabi/errno.h>
#include <pvabi/features.h>
#include <pvabi/xen.h>

#define PG_SIZE		4096ULL
#define PG_SHIFT	12
#define MiB		(1ULL << 20)
#define MAX_KERNEL	(256 * MiB)	/* decompressed kernel size we accept */

/* x86 page-table entry bits (Intel SDM vol. 3, 4.5). */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_NX		(1ULL << 63)
#define L1_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_A)	/* U/S on: the guest kernel runs in ring 3 */
#define UPPER_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

/* What the hypervisor provides to a domU kernel's FEATURES note (dom0's extra bit is not a domU's). */
#define DOMU_FEATURES	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_writable_descriptor_tables) | \
			 (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_mmu_pt_update_preserve_ad) | \
			 (1u << XENFEAT_gnttab_map_avail_bits))

struct build {
	const struct pvb_platform *p;
	const struct pvb_args *a;
	struct pvb_result *r;
	struct elf_image img;
	struct pvb_layout *lay;
	uint64_t *p2m;				/* PFN -> MFN, the builder's copy */
	size_t p2m_bytes;
	uint8_t *kernel_buf;			/* decompressed kernel, or NULL */
	size_t kernel_cap;
	uint64_t *page;				/* one page of scratch for page tables */
};

static __attribute__((format(printf, 2, 3))) void fail(struct build *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->r->why, sizeof(b->r->why), fmt, ap);
	va_end(ap);
}

static uint64_t page_up(uint64_t x)
{
	return (x + PG_SIZE - 1) & ~(PG_SIZE - 1);
}

uint32_t pvb_hv_features(void)
{
	return DOMU_FEATURES;
}

/* ------------------------------------------------------------ the image -- */

static int decompress(struct build *b, const struct bzimage_info *bz, size_t *out_len)
{
	const uint8_t *in = b->a->image + bz->payload_offset;
	size_t used = 0, wsize = bz->comp == KIMAGE_COMP_XZ ? sizeof(struct unxz_work) : sizeof(struct gunzip_work);
	void *w;
	int rc;

	/* lz4 needs no work area; its stream is followed by the 4-byte size, which its container cannot tell apart. */
	if (bz->comp == KIMAGE_COMP_LZ4) {
		if (bz->payload_len < 8)
			return DECOMP_ETRUNC;
		rc = unlz4_legacy_buf(in, bz->payload_len - 4, b->kernel_buf, b->kernel_cap, out_len, &used,
				      b->p->yield, b->p->ctx);
		if (!rc && *out_len != bz->size_hint)
			rc = DECOMP_ECHECK;
		return rc;
	}
	w = b->p->alloc(b->p->ctx, wsize);
	if (!w)
		return DECOMP_EINVAL;
	if (bz->comp == KIMAGE_COMP_XZ) {
		rc = unxz_buf_progress(in, bz->payload_len, b->kernel_buf, b->kernel_cap, out_len, &used, w, b->p->yield,
				       b->p->ctx);
	} else {
		rc = gunzip_buf_progress(in, bz->payload_len, b->kernel_buf, b->kernel_cap, out_len, &used, w, b->p->yield,
					 b->p->ctx);
	}
	b->p->free(b->p->ctx, w, wsize);
	return rc;
}

/*
 * A kernel prepared on the host for dom0 (skiff-xl create): its ELF
 * compressed with lz4 in the legacy container, followed by the ELF's size
 * as Linux follows its payloads, with no bzImage around it.
 */
static bool prepared_kernel(const uint8_t *image, size_t len, struct bzimage_info *bz)
{
	if (len < 8 || kimage_sniff(image, len) != KIMAGE_COMP_LZ4)
		return false;
	memset(bz, 0, sizeof(*bz));
	bz->comp = KIMAGE_COMP_LZ4;
	bz->payload_offset = 0;
	bz->payload_len = len;
	bz->size_hint = elf_rd32(image + len - 4);
	return true;
}

/* A bzImage's gzip, xz or lz4 payload (or a kernel prepared on the host) is decompressed into scratch memory; a plain ELF is used in place. */
static int unwrap_kernel(struct build *b, const uint8_t **elf, size_t *elf_len)
{
	struct bzimage_info bz;
	const char *why = NULL;
	size_t out_len = 0;
	int rc;

	*elf = b->a->image;
	*elf_len = b->a->image_len;
	rc = bzimage_probe(b->a->image, b->a->image_len, &bz, &why);
	if (rc == ELF_IMG_EMAGIC && prepared_kernel(b->a->image, b->a->image_len, &bz))
		rc = 0;
	else if (rc == ELF_IMG_EMAGIC)
		return 0;	/* not a bzImage: the ELF parser will judge it */
	if (rc < 0)
		return fail(b, "bzImage refused: %s", why), -XEN_EINVAL;
	/* Linux appends the uncompressed size to its payloads; the decoder checks it for gzip and lz4, the cap bounds xz. */
	b->kernel_cap = bz.size_hint && bz.size_hint <= MAX_KERNEL ? page_up(bz.size_hint) : MAX_KERNEL;
	b->kernel_buf = b->p->alloc(b->p->ctx, b->kernel_cap);
	if (!b->kernel_buf)
		return fail(b, "no memory for a %zu KiB kernel", b->kernel_cap >> 10), -XEN_ENOMEM;
	rc = decompress(b, &bz, &out_len);
	if (rc < 0)
		return fail(b, "%s %s payload: %s", bz.payload_offset ? "bzImage" : "prepared kernel",
			    kimage_comp_name(bz.comp), decompress_strerror(rc)), -XEN_EINVAL;
	*elf = b->kernel_buf;
	*elf_len = out_len;
	return 0;
}

int pvb_unwrap(const struct pvb_platform *p, const uint8_t *image, size_t len, uint8_t **elf, size_t *elf_len,
	       size_t *cap, struct pvb_result *r)
{
	struct pvb_args a = { .image = image, .image_len = len };
	struct build b = { .p = p, .a = &a, .r = r };
	const uint8_t *out;
	int rc;

	memset(r, 0, sizeof(*r));
	*elf = NULL;
	rc = unwrap_kernel(&b, &out, elf_len);
	if (rc < 0) {
		if (b.kernel_buf)
			p->free(p->ctx, b.kernel_buf, b.kernel_cap);
		return rc;
	}
	*elf = b.kernel_buf;
	*cap = b.kernel_cap;
	return 0;
}

static int parse_kernel(struct build *b)
{
	const uint8_t *elf;
	size_t len;
	const char *why = "?";
	int rc = unwrap_kernel(b, &elf, &len);

	if (rc < 0)
		return rc;
	b->r->kernel_len = len;
	if (elf_image_parse(&b->img, elf, len, &why) < 0 ||
	    elf_image_check_features(&b->img, DOMU_FEATURES, &why) < 0)
		return fail(b, "kernel image refused: %s", why), -XEN_EINVAL;
	return 0;
}

/* ----------------------------------------------------------- the layout -- */

/*
 * INIT_P2M is honoured when the list fits one guest L4 slot of the lower
 * half other than the kernel's: then one L3 of its own suffices. Anything
 * else falls back to the list inside the region, which Linux also accepts.
 */
static bool init_p2m_usable(const struct build *b, uint64_t bytes)
{
	uint64_t va = b->img.notes.init_p2m, end = va + page_up(bytes);

	if (!xen_notes_have(&b->img.notes, XEN_ELFNOTE_INIT_P2M) || !va)
		return false;
	return !((va & (PG_SIZE - 1)) || end < va || (end - 1) >> 47 || (va >> 39) != ((end - 1) >> 39) ||
		 (va >> 39) == ((b->img.virt_base >> 39) & 511));
}

/* The list, then its L3, L2s and L1s, from PFN first on. */
static void layout_init_p2m(struct pvb_layout *l, uint64_t va, uint64_t bytes, uint64_t first)
{
	l->init_p2m = true;
	l->p2m = va;
	l->p2m_end = va + page_up(bytes);
	l->p2m_pfn = first;
	l->p2m_pages = page_up(bytes) >> PG_SHIFT;
	l->p2m_nr_l2 = ((l->p2m_end - 1) >> 30) - (va >> 30) + 1;
	l->p2m_nr_l1 = ((l->p2m_end - 1) >> 21) - (va >> 21) + 1;
	l->pfn_end = first + l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1;
}

/* The page tables map up to a 4 MiB-rounded end that depends on their own number: iterate until it is stable. */
static void layout_page_tables(struct pvb_layout *l)
{
	uint64_t nr_l1 = 1;

	for (;;) {
		l->nr_pt = 3 + nr_l1;
		l->stack = l->pt + l->nr_pt * PG_SIZE;
		l->end = (l->stack + PG_SIZE + 512 * 1024 + 4 * MiB - 1) & ~(4 * MiB - 1);
		if ((l->end - l->vbase + 2 * MiB - 1) / (2 * MiB) <= nr_l1)
			break;
		nr_l1 = (l->end - l->vbase + 2 * MiB - 1) / (2 * MiB);
	}
	l->nr_l1 = nr_l1;
}

static int compute_layout(struct build *b)
{
	struct pvb_layout *l = b->lay;
	uint64_t v, p2m_bytes = b->a->nr_pages * sizeof(uint64_t);
	bool init_p2m = init_p2m_usable(b, p2m_bytes);
	bool unmapped_initrd = b->a->initrd_len && b->img.notes.mod_start_pfn &&
			       xen_notes_have(&b->img.notes, XEN_ELFNOTE_MOD_START_PFN);

	l->vbase = b->img.virt_base;
	l->kstart = b->img.virt_kstart & ~(PG_SIZE - 1);
	l->kend = page_up(b->img.virt_kend);
	l->entry = b->img.virt_entry;
	if (xen_notes_have(&b->img.notes, XEN_ELFNOTE_HYPERCALL_PAGE))
		l->hypercall_page = b->img.notes.hypercall_page;
	if ((l->vbase & (2 * MiB - 1)) || l->kstart < l->vbase)
		return fail(b, "VIRT_BASE %llx must be 2 MiB aligned and below the image",
			    (unsigned long long)l->vbase), -XEN_EINVAL;
	v = l->kend;
	if (b->a->initrd_len && !unmapped_initrd) {
		l->initrd = v;
		l->initrd_end = v = page_up(v + b->a->initrd_len);
	}
	if (!init_p2m) {
		l->p2m = v;
		l->p2m_end = v = page_up(v + p2m_bytes);
	}
	l->start_info = v;
	l->store = v + PG_SIZE;
	l->console = v + 2 * PG_SIZE;
	l->pt = v + 3 * PG_SIZE;
	layout_page_tables(l);
	if (l->end - l->vbase > (1ULL << 30) || (l->vbase >> 30) != ((l->end - 1) >> 30))
		return fail(b, "initial region %llx-%llx does not fit one 1 GiB L2", (unsigned long long)l->vbase,
			    (unsigned long long)l->end), -XEN_EINVAL;
	l->pfn_end = (l->end - l->vbase) >> PG_SHIFT;
	if (init_p2m)
		layout_init_p2m(l, b->img.notes.init_p2m, p2m_bytes, l->pfn_end);
	if (unmapped_initrd) {
		l->initrd_pfn = l->pfn_end;
		l->pfn_end += page_up(b->a->initrd_len) >> PG_SHIFT;
	}
	if (l->pfn_end > b->a->nr_pages)
		return fail(b, "%llu pages are too few for a %llu KiB start-of-day layout",
			    (unsigned long long)b->a->nr_pages, (unsigned long long)(l->pfn_end << PG_SHIFT) >> 10),
		       -XEN_ENOMEM;
	return 0;
}

/* ------------------------------------------------------ writing D's RAM -- */

static uint64_t pfn_of(const struct build *b, uint64_t va)
{
	return (va - b->lay->vbase) >> PG_SHIFT;
}

/* Copies len bytes to consecutive PFNs of D from byte off of PFN pfn; one mapping at a time. */
static int copy_to_pfns(struct build *b, uint64_t pfn, uint64_t off, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	pfn += off >> PG_SHIFT;
	off &= PG_SIZE - 1;
	for (unsigned int n = 1; len; pfn++, off = 0, n++) {
		uint64_t chunk = len < PG_SIZE - off ? len : PG_SIZE - off;
		uint8_t *d;

		if (b->p->yield && n % PVB_YIELD_PAGES == 0)
			b->p->yield(b->p->ctx);
		d = b->p->map(b->p->ctx, b->p2m[pfn]);

		if (!d)
			return fail(b, "cannot map PFN %llx (MFN %llx) of the new domain", (unsigned long long)pfn,
				    (unsigned long long)b->p2m[pfn]), -XEN_EFAULT;
		memcpy(d + off, s, chunk);
		b->p->unmap(b->p->ctx, d);
		s += chunk;
		len -= chunk;
	}
	return 0;
}

static int copy_to_va(struct build *b, uint64_t va, const void *src, uint64_t len)
{
	return copy_to_pfns(b, pfn_of(b, va & ~(PG_SIZE - 1)), va & (PG_SIZE - 1), src, len);
}

/* Frames come zeroed, so only each segment's file bytes are copied. */
static int load_kernel(struct build *b)
{
	int rc = 0;

	for (uint32_t i = 0; i < b->img.nr_loads && !rc; i++) {
		const struct elf_img_load *ld = &b->img.loads[i];

		rc = copy_to_va(b, ld->va, b->img.buf + ld->file_off, ld->filesz);
	}
	if (!rc && b->lay->initrd)
		rc = copy_to_va(b, b->lay->initrd, b->a->initrd, b->a->initrd_len);
	else if (!rc && b->lay->initrd_pfn)
		rc = copy_to_pfns(b, b->lay->initrd_pfn, 0, b->a->initrd, b->a->initrd_len);
	return rc;
}

static int alloc_memory(struct build *b)
{
	int rc;

	b->p2m_bytes = b->a->nr_pages * sizeof(uint64_t);
	b->p2m = b->p->alloc(b->p->ctx, b->p2m_bytes);
	if (!b->p2m)
		return fail(b, "no memory for a %zu KiB P2M", b->p2m_bytes >> 10), -XEN_ENOMEM;
	rc = b->p->populate(b->p->ctx, b->a->nr_pages, b->p2m);
	if (rc < 0)
		return fail(b, "populate_physmap of %llu pages: error %d", (unsigned long long)b->a->nr_pages, rc), rc;
	rc = b->p->set_m2p(b->p->ctx, b->p2m, 0, b->a->nr_pages);
	if (rc < 0)
		return fail(b, "M2P updates: error %d", rc), rc;
	return 0;
}

/* --------------------------------------------------------- page tables -- */

/* Executable only where an executable segment of the image lies: everything else the builder maps is NX. */
static bool va_is_text(const struct build *b, uint64_t va)
{
	for (uint32_t i = 0; i < b->img.nr_loads; i++) {
		const struct elf_img_load *ld = &b->img.loads[i];

		if ((ld->flags & ELF_PF_X) && va + PG_SIZE > ld->va && va < ld->va + ld->memsz)
			return true;
	}
	return false;
}

static uint64_t pfn_entry(const struct build *b, uint64_t pfn, uint64_t flags)
{
	return (b->p2m[pfn] << PG_SHIFT) | flags;
}

/* Writes the scratch page to PFN pfn and clears it for the next table. */
static int flush_table(struct build *b, uint64_t pfn)
{
	int rc = copy_to_pfns(b, pfn, 0, b->page, PG_SIZE);

	memset(b->page, 0, PG_SIZE);
	return rc;
}

/* L1 number i of the region: the page-table pages read-only (the guest changes them through the hypervisor). */
static void fill_region_l1(const struct build *b, uint64_t i)
{
	const struct pvb_layout *l = b->lay;
	uint64_t pt_end = l->pt + l->nr_pt * PG_SIZE;

	for (unsigned int j = 0; j < 512; j++) {
		uint64_t va = l->vbase + ((i * 512 + j) << PG_SHIFT);

		if (va >= l->end)
			break;
		b->page[j] = pfn_entry(b, pfn_of(b, va), L1_FLAGS);
		if (va >= l->pt && va < pt_end)
			b->page[j] &= ~PTE_RW;
		/*
		 * Nothing but the image's text executable: the padding past the
		 * boot stack stays mapped after Linux's clean-up, and writable and
		 * executable it fails Linux's W+X check.
		 */
		if (!va_is_text(b, va))
			b->page[j] |= PTE_NX;
	}
}

/*
 * The INIT_P2M mapping: the list's pages RW and NX through its own L3, L2s
 * and L1s, which are written here; the L4 entry is the caller's.
 */
static int write_p2m_tables(struct build *b)
{
	const struct pvb_layout *l = b->lay;
	uint64_t l3_pfn = l->p2m_pfn + l->p2m_pages, l2_pfn = l3_pfn + 1, l1_pfn = l2_pfn + l->p2m_nr_l2;
	uint64_t first = l->p2m >> 21, last = (l->p2m_end - 1) >> 21;
	int rc = 0;

	for (uint64_t k = 0; k < l->p2m_nr_l2; k++)
		b->page[((l->p2m >> 30) + k) & 511] = pfn_entry(b, l2_pfn + k, UPPER_FLAGS);
	rc = flush_table(b, l3_pfn);
	for (uint64_t k = 0; k < l->p2m_nr_l2 && !rc; k++) {
		for (uint64_t m = first; m <= last; m++)
			if ((m >> 9) == (l->p2m >> 30) + k)
				b->page[m & 511] = pfn_entry(b, l1_pfn + (m - first), UPPER_FLAGS);
		rc = flush_table(b, l2_pfn + k);
	}
	for (uint64_t m = first; m <= last && !rc; m++) {
		for (unsigned int j = 0; j < 512; j++) {
			uint64_t va = ((m << 9) + j) << PG_SHIFT;

			if (va >= l->p2m && va < l->p2m_end)
				b->page[j] = pfn_entry(b, l->p2m_pfn + ((va - l->p2m) >> PG_SHIFT), L1_FLAGS | PTE_NX);
		}
		rc = flush_table(b, l1_pfn + (m - first));
	}
	return rc;
}

/*
 * L4, L3, L2 and L1s of the initial region. The hypervisor's L4 slots are
 * left empty: pinning fills them, as Xen's does for a toolstack's tables.
 */
static int write_page_tables(struct build *b)
{
	const struct pvb_layout *l = b->lay;
	uint64_t pt = pfn_of(b, l->pt);
	int rc;

	b->page[(l->vbase >> 39) & 511] = pfn_entry(b, pt + 1, UPPER_FLAGS);
	if (l->init_p2m)
		b->page[(l->p2m >> 39) & 511] = pfn_entry(b, l->p2m_pfn + l->p2m_pages, UPPER_FLAGS);
	rc = flush_table(b, pt);
	b->page[(l->vbase >> 30) & 511] = pfn_entry(b, pt + 2, UPPER_FLAGS);
	if (!rc)
		rc = flush_table(b, pt + 1);
	for (uint64_t i = 0; i < l->nr_l1; i++)
		b->page[((l->vbase >> 21) & 511) + i] = pfn_entry(b, pt + 3 + i, UPPER_FLAGS);
	if (!rc)
		rc = flush_table(b, pt + 2);
	for (uint64_t i = 0; i < l->nr_l1 && !rc; i++) {
		fill_region_l1(b, i);
		rc = flush_table(b, pt + 3 + i);
	}
	if (!rc && l->init_p2m)
		rc = write_p2m_tables(b);
	return rc;
}

/* ------------------------------------------------ start info and events -- */

/*
 * The console and store pages are granted to the backend domain at the
 * reserved refs (what Xen's toolstack seeds) and each gets a port offered
 * to it. The guest owns its table from its first instruction on; it may
 * revoke the entries, which only cuts off its own console and store.
 */
static int connect_rings(struct build *b)
{
	struct pvb_result *r = b->r;
	int rc;

	r->console_mfn = b->p2m[pfn_of(b, b->lay->console)];
	r->store_mfn = b->p2m[pfn_of(b, b->lay->store)];
	rc = b->p->alloc_unbound(b->p->ctx, &r->console_port);
	if (rc < 0)
		return fail(b, "console port: error %d", rc), rc;
	rc = b->p->alloc_unbound(b->p->ctx, &r->store_port);
	if (rc < 0)
		return fail(b, "store port: error %d", rc), rc;
	/* The ports first: the seed tells the hypervisor which of D's unbound ports is which ring's. */
	rc = b->p->gnttab_seed(b->p->ctx, r->console_mfn, r->store_mfn, r->console_port, r->store_port);
	if (rc < 0)
		return fail(b, "gnttab_seed: error %d", rc), rc;
	return 0;
}

static int write_start_info(struct build *b)
{
	const struct pvb_layout *l = b->lay;
	struct start_info *si = (struct start_info *)b->page;
	int rc;

	memcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(XEN_START_INFO_MAGIC));
	si->nr_pages = b->a->nr_pages;
	si->shared_info = b->a->shared_info_mfn << PG_SHIFT;
	si->store_mfn = b->r->store_mfn;
	si->store_evtchn = b->r->store_port;
	si->console.domU.mfn = b->r->console_mfn;
	si->console.domU.evtchn = b->r->console_port;
	si->pt_base = l->pt;
	si->nr_pt_frames = l->nr_pt;
	si->mfn_list = l->p2m;
	if (l->initrd) {
		si->mod_start = l->initrd;
		si->mod_len = b->a->initrd_len;
	} else if (l->initrd_pfn) {
		si->flags |= SIF_MOD_START_PFN;
		si->mod_start = l->initrd_pfn;
		si->mod_len = b->a->initrd_len;
	}
	snprintf(si->cmd_line, sizeof(si->cmd_line), "%s", b->a->cmdline ? b->a->cmdline : "");
	if (l->init_p2m) {
		si->first_p2m_pfn = l->p2m_pfn;
		si->nr_p2m_frames = l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1;
	}
	rc = flush_table(b, pfn_of(b, l->start_info));
	/* The guest sees its own P2M list: it lists every PFN's machine frame. */
	if (!rc && l->init_p2m)
		rc = copy_to_pfns(b, l->p2m_pfn, 0, b->p2m, b->p2m_bytes);
	else if (!rc)
		rc = copy_to_va(b, l->p2m, b->p2m, b->p2m_bytes);
	return rc;
}

/* ------------------------------------------------------------- the vCPU -- */

static int start_vcpu0(struct build *b)
{
	struct vcpu_guest_context *c = b->p->alloc(b->p->ctx, sizeof(*c));
	int rc;

	if (!c)
		return fail(b, "no memory for a vCPU context"), -XEN_ENOMEM;
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel | VGCF_online;
	c->user_regs.rip = b->lay->entry;
	c->user_regs.rsp = b->lay->stack + PG_SIZE;
	c->user_regs.rsi = b->lay->start_info;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = 0x202;	/* IF: real interrupts stay on; events are masked in vcpu_info */
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = c->user_regs.rsp;
	c->ctrlreg[3] = b->r->l4_mfn << PG_SHIFT;
	rc = b->p->set_vcpu_context(b->p->ctx, c);
	b->p->free(b->p->ctx, c, sizeof(*c));
	if (rc < 0)
		return fail(b, "setvcpucontext: error %d", rc), rc;
	return 0;
}

/* Hypercall page and grants before the pin: after it, D's frames carry types the hypervisor checks. */
static int finish(struct build *b)
{
	int rc = 0;

	b->r->l4_mfn = b->p2m[pfn_of(b, b->lay->pt)];
	if (b->lay->hypercall_page) {
		rc = b->p->hypercall_init(b->p->ctx, b->p2m[pfn_of(b, b->lay->hypercall_page)]);
		if (rc < 0)
			return fail(b, "hypercall_init: error %d", rc), rc;
	}
	rc = b->p->pin_l4(b->p->ctx, b->r->l4_mfn);
	if (rc < 0)
		return fail(b, "the bootstrap page tables fail validation: error %d", rc), rc;
	return start_vcpu0(b);
}

int pvb_build(const struct pvb_platform *p, const struct pvb_args *a, struct pvb_result *r)
{
	struct build b = { .p = p, .a = a, .r = r, .lay = &r->lay };
	int rc;

	memset(r, 0, sizeof(*r));
	if (!a->image || !a->nr_pages || (a->initrd_len && !a->initrd))
		return fail(&b, "no kernel, no memory or no initrd data"), -XEN_EINVAL;
	rc = parse_kernel(&b);
	if (!rc)
		rc = compute_layout(&b);
	if (!rc) {
		b.page = p->alloc(p->ctx, PG_SIZE);
		rc = b.page ? alloc_memory(&b) : (fail(&b, "no scratch page"), -XEN_ENOMEM);
	}
	if (!rc) {
		memset(b.page, 0, PG_SIZE);
		rc = load_kernel(&b);
	}
	if (!rc)
		rc = connect_rings(&b);
	if (!rc)
		rc = write_start_info(&b);
	if (!rc)
		rc = write_page_tables(&b);
	if (!rc)
		rc = finish(&b);
	if (b.page)
		p->free(p->ctx, b.page, PG_SIZE);
	if (b.p2m)
		p->free(p->ctx, b.p2m, b.p2m_bytes);
	if (b.kernel_buf)
		p->free(p->ctx, b.kernel_buf, b.kernel_cap);
	return rc;
}

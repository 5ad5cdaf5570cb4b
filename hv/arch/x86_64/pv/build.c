/* SPDX-License-Identifier: MIT */
/* PV domain builder: ELF kernels, the start-of-day layout the x86_64 PV ABI promises, vCPU 0's entry state. */
#include <asm/domain.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/pv_build.h>
#include <asm/x86.h>
#include <hv/domain.h>
#include <elf_image.h>
#include <hv/event_channel.h>
#include <hv/grant_table.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pv_mm.h>
#include <pvabi/arch_x86_64.h>
#include <pvabi/elfnote.h>
#include <pvabi/errno.h>
#include <pvabi/features.h>
#include <pvabi/grant_table.h>

#define MiB		(1ULL << 20)
#define L1_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_A)	/* U/S forced on: the guest kernel runs in ring 3 */
#define UPPER_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

/* Features the builder and hypervisor provide to a kernel's FEATURES note. */
#define HV_FEATURES	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_writable_descriptor_tables) | \
			 (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_mmu_pt_update_preserve_ad) | \
			 (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_dom0))

/*
 * Guest virtual layout of the initial region, in the ABI's order. Two
 * things may live outside it, in PFNs after it, when the kernel asks
 * (as Linux does) and Xen's builder would honour it:
 *   XEN_ELFNOTE_INIT_P2M: the P2M list at the note's address, with page
 *     tables of its own; [first_p2m_pfn, +nr_p2m_frames) holds the list,
 *     then its L3, L2s and L1s. It keeps the 1 GiB kernel window small
 *     however large the guest.
 *   XEN_ELFNOTE_MOD_START_PFN: the initrd unmapped, after everything else,
 *     passed as a PFN with SIF_MOD_START_PFN.
 */
struct pv_layout {
	uint64_t vbase;				/* PFN 0 */
	uint64_t kstart, kend;			/* kernel image, page-rounded */
	uint64_t initrd, initrd_end;		/* 0 when unmapped */
	uint64_t p2m, p2m_end;			/* VA, in the region or at the INIT_P2M address */
	uint64_t start_info;
	uint64_t store, console;		/* domU only, else 0 */
	uint64_t pt, nr_pt;			/* L4, L3, L2, then L1s */
	uint64_t stack;
	uint64_t end;				/* 4 MiB aligned, >= 512 KiB past the stack */
	uint64_t nr_l1;
	bool init_p2m;
	uint64_t p2m_pfn, p2m_pages;		/* with init_p2m: the list's PFNs */
	uint64_t p2m_nr_l2, p2m_nr_l1;		/* its tables follow: one L3, the L2s, the L1s */
	uint64_t initrd_pfn;			/* unmapped initrd, 0: mapped or none */
	uint64_t pfn_end;			/* first PFN past everything the builder placed */
};

struct build {
	struct domain *d;
	const struct pv_build_args *a;
	struct elf_image img;
	struct pv_layout lay;
	mfn_t *p2m;				/* PFN -> MFN while building (the guest keeps its own copy) */
	unsigned int p2m_order;
};

static inline uint64_t pfn_of(const struct build *b, uint64_t va)
{
	return (va - b->lay.vbase) >> PAGE_SHIFT;
}

static void *pfn_ptr(const struct build *b, uint64_t pfn)
{
	return mfn_to_virt(b->p2m[pfn]);
}

static void *va_ptr(const struct build *b, uint64_t va)
{
	return (char *)pfn_ptr(b, pfn_of(b, va)) + (va & ~PAGE_MASK);
}

/*
 * The hypervisor loads plain ELF only (dom0, and the domUs of a test dom0):
 * bzImages are unwrapped by dom0's toolstack or on the host
 * (tools/prepare-kernel).
 */
static int parse_kernel(struct build *b)
{
	const char *why = "?";

	if (elf_image_parse(&b->img, b->a->image, b->a->image_len, &why) < 0 ||
	    elf_image_check_features(&b->img, HV_FEATURES, &why) < 0) {
		log_err("build: kernel image refused: %s", why);
		return -XEN_EINVAL;
	}
	if (b->img.notes.hypercall_page)
		log_info("build: image asks for a hypercall page at %lx", b->img.notes.hypercall_page);
	return 0;
}

static uint64_t page_up(uint64_t x)
{
	return ALIGN_UP(x, PAGE_SIZE);
}

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
	if ((va & ~PAGE_MASK) || end < va || (end - 1) >> 47 || (va >> 39) != ((end - 1) >> 39) ||
	    (va >> 39) == ((b->img.virt_base >> 39) & 511)) {
		log_warn("build: INIT_P2M %lx unusable for a %lu KiB list: P2M stays in the region",
			 va, bytes >> 10);
		return false;
	}
	return true;
}

/* The list, then its L3, L2s and L1s, from PFN first on. */
static void layout_init_p2m(struct pv_layout *l, uint64_t va, uint64_t bytes, uint64_t first)
{
	l->init_p2m = true;
	l->p2m = va;
	l->p2m_end = va + page_up(bytes);
	l->p2m_pfn = first;
	l->p2m_pages = page_up(bytes) >> PAGE_SHIFT;
	l->p2m_nr_l2 = ((l->p2m_end - 1) >> 30) - (va >> 30) + 1;
	l->p2m_nr_l1 = ((l->p2m_end - 1) >> 21) - (va >> 21) + 1;
	l->pfn_end = first + l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1;
}

/* Page tables and the 4 MiB-rounded end depend on each other: iterate until the table count is stable. */
static int compute_layout(struct build *b)
{
	struct pv_layout *l = &b->lay;
	uint64_t v, nr_l1 = 1, p2m_bytes = b->a->nr_pages * sizeof(uint64_t);
	bool init_p2m = init_p2m_usable(b, p2m_bytes);
	bool unmapped_initrd = b->a->initrd_len && b->img.notes.mod_start_pfn &&
			       xen_notes_have(&b->img.notes, XEN_ELFNOTE_MOD_START_PFN);

	l->vbase = b->img.virt_base;
	l->kstart = ALIGN_DOWN(b->img.virt_kstart, PAGE_SIZE);
	l->kend = page_up(b->img.virt_kend);
	if ((l->vbase & (2 * MiB - 1)) || l->kstart < l->vbase) {
		log_err("build: VIRT_BASE %lx must be 2 MiB aligned and below the image", l->vbase);
		return -XEN_EINVAL;
	}
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
	v += PAGE_SIZE;
	if (!b->d->is_privileged) {
		l->store = v;
		l->console = v + PAGE_SIZE;
		v += 2 * PAGE_SIZE;
	}
	l->pt = v;
	for (;;) {
		l->nr_pt = 3 + nr_l1;
		l->stack = l->pt + l->nr_pt * PAGE_SIZE;
		l->end = ALIGN_UP(l->stack + PAGE_SIZE + 512 * 1024, 4 * MiB);
		if ((l->end - l->vbase + 2 * MiB - 1) / (2 * MiB) <= nr_l1)
			break;
		nr_l1 = (l->end - l->vbase + 2 * MiB - 1) / (2 * MiB);
	}
	l->nr_l1 = nr_l1;
	if (l->end - l->vbase > (1ULL << 30) || (l->vbase >> 30) != ((l->end - 1) >> 30)) {
		log_err("build: initial region %lx-%lx does not fit one 1 GiB L2", l->vbase, l->end);
		return -XEN_EINVAL;
	}
	l->pfn_end = pfn_of(b, l->end);
	if (init_p2m)
		layout_init_p2m(l, b->img.notes.init_p2m, p2m_bytes, l->pfn_end);
	if (unmapped_initrd) {
		l->initrd_pfn = l->pfn_end;
		l->pfn_end += page_up(b->a->initrd_len) >> PAGE_SHIFT;
	}
	if (l->pfn_end > b->a->nr_pages) {
		log_err("build: %lu pages are too few for a %lu KiB start-of-day layout", b->a->nr_pages,
			(l->pfn_end << PAGE_SHIFT) >> 10);
		return -XEN_ENOMEM;
	}
	return 0;
}

/*
 * With dom0's backends, the console and store pages are granted to dom0 at
 * the reserved refs (what Xen's toolstack seeds), and the store gets a
 * port offered to dom0. The guest owns its table from its first
 * instruction on; it may revoke the entries, which only cuts off its own
 * console and store. PV grant frames are MFNs.
 */
static int seed_dom0_grants(const struct build *b, mfn_t console, mfn_t store)
{
	struct grant_entry_v1 *e;
	int port, rc = gnttab_grow(b->d, 1);

	if (rc)
		return rc;
	port = evtchn_alloc_unbound_port(b->d, 0);
	if (port <= 0)
		return port < 0 ? port : -XEN_ENOSPC;
	e = mfn_to_virt(gnttab_shared_mfn(b->d, 0));
	e[GNTTAB_RESERVED_CONSOLE].domid = 0;
	e[GNTTAB_RESERVED_CONSOLE].frame = (uint32_t)console;
	e[GNTTAB_RESERVED_XENSTORE].domid = 0;
	e[GNTTAB_RESERVED_XENSTORE].frame = (uint32_t)store;
	/* Flags last: an entry is valid only once its domid and frame are in place. */
	__atomic_store_n(&e[GNTTAB_RESERVED_CONSOLE].flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
	__atomic_store_n(&e[GNTTAB_RESERVED_XENSTORE].flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
	b->d->store_mfn = store;
	b->d->store_evtchn = (uint32_t)port;
	return 0;
}

/* Guest RAM in the largest blocks available; PFN order follows allocation order. */
static int alloc_memory(struct build *b)
{
	uint64_t n = b->a->nr_pages, pfn = 0;
	while ((PAGE_SIZE << b->p2m_order) < n * sizeof(mfn_t))
		b->p2m_order++;
	{
		mfn_t m = frame_alloc(b->p2m_order, &frame_owner_hv);

		if (m == MFN_INVALID)
			return -XEN_ENOMEM;
		b->p2m = mfn_to_virt(m);
	}
	b->d->arch.nr_pages = 0;
	while (pfn < n) {
		unsigned int order = 9;
		mfn_t mfn;

		while (order && (1ULL << order) > n - pfn)
			order--;
		while ((mfn = frame_alloc_zeroed(order, &b->d->mem)) == MFN_INVALID && order)
			order--;
		if (mfn == MFN_INVALID) {
			log_err("build: out of memory after %lu of %lu pages", pfn, n);
			return -XEN_ENOMEM;
		}
		frame_split(mfn, order);
		for (uint64_t i = 0; i < (1ULL << order); i++, pfn++) {
			b->p2m[pfn] = mfn + i;
			m2p_set(mfn + i, pfn);
		}
		b->d->arch.nr_pages = pfn;
	}
	return 0;
}

/* Copies bytes into consecutive guest PFNs from the start of pfn: frames need not be machine-contiguous. */
static void copy_to_pfns(const struct build *b, uint64_t pfn, const uint8_t *src, uint64_t len)
{
	for (; len; pfn++) {
		uint64_t chunk = MIN(len, PAGE_SIZE);

		memcpy(pfn_ptr(b, pfn), src, chunk);
		src += chunk;
		len -= chunk;
	}
}

/* Copies bytes into the guest region page by page: guest frames need not be machine-contiguous. */
static void copy_in(const struct build *b, uint64_t va, const uint8_t *src, uint64_t len)
{
	while (len) {
		uint64_t chunk = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));

		memcpy(va_ptr(b, va), src, chunk);
		va += chunk;
		src += chunk;
		len -= chunk;
	}
}

static void load_kernel(const struct build *b)
{
	for (uint32_t i = 0; i < b->img.nr_loads; i++) {
		const struct elf_img_load *ld = &b->img.loads[i];

		/* Memory is zeroed at allocation, so only the file bytes need copying. */
		copy_in(b, ld->va, b->img.buf + ld->file_off, ld->filesz);
	}
	if (b->lay.initrd)
		copy_in(b, b->lay.initrd, b->a->initrd, b->a->initrd_len);
	else if (b->lay.initrd_pfn)
		copy_to_pfns(b, b->lay.initrd_pfn, b->a->initrd, b->a->initrd_len);
}

/* The hypercall page, for images that ask for one (pv_hypercall_page_fill). */
static void fill_hypercall_page(const struct build *b)
{
	if (xen_notes_have(&b->img.notes, XEN_ELFNOTE_HYPERCALL_PAGE))
		pv_hypercall_page_fill(va_ptr(b, b->img.notes.hypercall_page));
}

/* Executable only where an executable segment of the image lies: everything else the builder maps is NX. */
static bool va_is_text(const struct build *b, uint64_t va)
{
	for (uint32_t i = 0; i < b->img.nr_loads; i++) {
		const struct elf_img_load *ld = &b->img.loads[i];

		if ((ld->flags & ELF_PF_X) && va + PAGE_SIZE > ld->va && va < ld->va + ld->memsz)
			return true;
	}
	return false;
}

static uint64_t pfn_entry(const struct build *b, uint64_t pfn, uint64_t flags)
{
	return (b->p2m[pfn] << PAGE_SHIFT) | flags;
}

/* The INIT_P2M mapping: the list's pages RW and NX through its own L3, L2s and L1s. */
static void build_p2m_tables(const struct build *b, uint64_t *l4)
{
	const struct pv_layout *l = &b->lay;
	uint64_t l3_pfn = l->p2m_pfn + l->p2m_pages, l2_pfn = l3_pfn + 1, l1_pfn = l2_pfn + l->p2m_nr_l2;
	uint64_t *l3 = pfn_ptr(b, l3_pfn);

	l4[(l->p2m >> 39) & 511] = pfn_entry(b, l3_pfn, UPPER_FLAGS);
	for (uint64_t i = 0; i < l->p2m_pages; i++) {
		uint64_t va = l->p2m + (i << PAGE_SHIFT);
		uint64_t k = (va >> 30) - (l->p2m >> 30), m = (va >> 21) - (l->p2m >> 21);
		uint64_t *l2 = pfn_ptr(b, l2_pfn + k), *l1 = pfn_ptr(b, l1_pfn + m);

		l3[(va >> 30) & 511] = pfn_entry(b, l2_pfn + k, UPPER_FLAGS);
		l2[(va >> 21) & 511] = pfn_entry(b, l1_pfn + m, UPPER_FLAGS);
		l1[(va >> 12) & 511] = pfn_entry(b, l->p2m_pfn + i, L1_FLAGS | PTE_NX);
	}
}

static void build_page_tables(const struct build *b)
{
	const struct pv_layout *l = &b->lay;
	uint64_t *l4 = va_ptr(b, l->pt), *l3 = va_ptr(b, l->pt + PAGE_SIZE);
	uint64_t *l2 = va_ptr(b, l->pt + 2 * PAGE_SIZE);
	const uint64_t *idle = paddr_to_virt(idle_pg_table_pa);
	uint64_t pt_end = l->pt + l->nr_pt * PAGE_SIZE;

	/* The hypervisor's slots, exactly as every CPU has them. */
	for (unsigned int i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++)
		l4[i] = idle[i];
	l4[(l->vbase >> 39) & 511] = (b->p2m[pfn_of(b, l->pt + PAGE_SIZE)] << PAGE_SHIFT) | UPPER_FLAGS;
	l3[(l->vbase >> 30) & 511] = (b->p2m[pfn_of(b, l->pt + 2 * PAGE_SIZE)] << PAGE_SHIFT) | UPPER_FLAGS;
	for (uint64_t i = 0; i < l->nr_l1; i++) {
		uint64_t l1_va = l->pt + (3 + i) * PAGE_SIZE;
		uint64_t *l1 = va_ptr(b, l1_va);

		l2[((l->vbase >> 21) & 511) + i] = (b->p2m[pfn_of(b, l1_va)] << PAGE_SHIFT) | UPPER_FLAGS;
		for (unsigned int j = 0; j < 512; j++) {
			uint64_t va = l->vbase + ((i * 512 + j) << PAGE_SHIFT);

			if (va >= l->end)
				break;
			/* Page-table pages are mapped read-only: the guest changes them through the hypervisor. */
			l1[j] = (b->p2m[pfn_of(b, va)] << PAGE_SHIFT) | L1_FLAGS;
			if (va >= l->pt && va < pt_end)
				l1[j] &= ~(uint64_t)PTE_RW;
			/*
			 * Nothing but the image's text executable: the padding past the
			 * boot stack stays mapped after Linux's clean-up, and writable
			 * and executable it fails Linux's W+X check.
			 */
			if (!va_is_text(b, va))
				l1[j] |= PTE_NX;
		}
	}
	if (l->init_p2m)
		build_p2m_tables(b, l4);
}

static int fill_start_info(const struct build *b)
{
	const struct pv_layout *l = &b->lay;
	struct start_info *si = va_ptr(b, l->start_info);
	const char *cmd = b->a->cmdline ? b->a->cmdline : "";
	int rc_cons, rc = 0;

	memcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(XEN_START_INFO_MAGIC));
	si->nr_pages = b->a->nr_pages;
	si->shared_info = (uint64_t)b->d->shared_info_mfn << PAGE_SHIFT;
	si->flags = b->d->is_privileged ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
	if (l->store) {
		si->store_mfn = b->p2m[pfn_of(b, l->store)];
		si->console.domU.mfn = b->p2m[pfn_of(b, l->console)];
		/*
		 * The boot CPU reads this ring and writes its out_cons every tick:
		 * a writable reference, dropped at teardown, keeps the guest from
		 * handing the frame back or retyping it while that goes on.
		 */
		rc = get_page_and_type(mfn_to_page(si->console.domU.mfn), b->d, PAGE_TYPE_WRITABLE);
		if (rc == 0)
			b->d->console_mfn = si->console.domU.mfn;
		/*
		 * The console port, offered to dom0 where the console backend
		 * lives (the hypervisor drains the ring until dom0 announces it).
		 * A xenstore port only when dom0 runs xenstored: with one, Linux's
		 * xenbus waits for replies.
		 */
		rc_cons = evtchn_alloc_unbound_port(b->d, 0);
		si->console.domU.evtchn = rc_cons > 0 ? (uint32_t)rc_cons : 0;
		b->d->console_evtchn = si->console.domU.evtchn;
		if (rc == 0 && b->a->dom0_backends) {
			rc = seed_dom0_grants(b, si->console.domU.mfn, si->store_mfn);
			si->store_evtchn = b->d->store_evtchn;
		}
	}
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
	snprintf(si->cmd_line, sizeof(si->cmd_line), "%s", cmd);
	/* The guest sees its own P2M list: it lists every PFN's machine frame. */
	if (l->init_p2m) {
		si->first_p2m_pfn = l->p2m_pfn;
		si->nr_p2m_frames = l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1;
		copy_to_pfns(b, l->p2m_pfn, (const uint8_t *)b->p2m, b->a->nr_pages * sizeof(uint64_t));
	} else {
		copy_in(b, l->p2m, (const uint8_t *)b->p2m, b->a->nr_pages * sizeof(uint64_t));
	}
	return rc;
}

/*
 * The bootstrap L4 is pinned like any guest table: validation walks the
 * whole tree and takes every reference its entries need, so the builder's
 * tables obey the same rules as the guest's (and a builder bug shows here).
 * vCPU 0's base pointer holds its own L4 reference.
 */
static int pin_page_tables(const struct build *b)
{
	mfn_t l4 = b->p2m[pfn_of(b, b->lay.pt)];
	int rc = pv_mm_pin_table(b->d, l4, 4);

	if (rc < 0) {
		log_err("build: the bootstrap page tables fail validation (%d)", rc);
		return rc;
	}
	rc = get_page_and_type(mfn_to_page(l4), b->d, PAGE_TYPE_L4);
	if (rc < 0)
		return rc;
	b->d->vcpu[0]->arch.guest_table = l4;
	pv_l4_kernel_base(b->d, l4);
	return 0;
}

static void setup_vcpu0(const struct build *b)
{
	struct vcpu *v = b->d->vcpu[0];
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	r->rip = b->img.virt_entry;
	r->rsp = b->lay.stack + PAGE_SIZE;
	r->rsi = b->lay.start_info;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	r->rflags = 0x202;		/* IF: real interrupts stay on; events are masked in vcpu_info */
	v->arch.kernel_mode = true;
	v->arch.guest_table_user = MFN_INVALID;
}

static void log_layout(const struct build *b)
{
	const struct pv_layout *l = &b->lay;

	log_info("build: d%u: kernel %lx-%lx entry %lx, p2m %lx, start_info %lx, %lu page tables at %lx, "
		 "stack %lx, end %lx, %lu pages", b->d->domid, l->kstart, l->kend, b->img.virt_entry,
		 l->p2m, l->start_info, l->nr_pt, l->pt, l->stack, l->end, b->a->nr_pages);
	if (l->init_p2m)
		log_info("build: d%u: P2M at %lx (INIT_P2M): PFNs %lx-%lx with its %lu page tables", b->d->domid,
			 l->p2m, l->p2m_pfn, l->p2m_pfn + l->p2m_pages + 1 + l->p2m_nr_l2 + l->p2m_nr_l1 - 1,
			 1 + l->p2m_nr_l2 + l->p2m_nr_l1);
	if (l->initrd_pfn)
		log_info("build: d%u: initrd unmapped at PFN %lx (MOD_START_PFN), %zu bytes", b->d->domid,
			 l->initrd_pfn, b->a->initrd_len);
}

int pv_build(struct domain *d, const struct pv_build_args *a)
{
	struct build *b = hv_zalloc(sizeof(*b));
	int rc;

	if (!b)
		return -XEN_ENOMEM;
	b->d = d;
	b->a = a;
	rc = parse_kernel(b);
	if (!rc)
		rc = compute_layout(b);
	if (!rc)
		rc = alloc_memory(b);
	if (!rc) {
		load_kernel(b);
		fill_hypercall_page(b);
		build_page_tables(b);
		rc = fill_start_info(b);
	}
	if (!rc)
		rc = pin_page_tables(b);
	if (!rc) {
		setup_vcpu0(b);
		pv_domain_time_init(d);
		pv_update_time(d->vcpu[0]);
		snprintf(d->cmdline, sizeof(d->cmdline), "%s", a->cmdline ? a->cmdline : "");
		d->arch.virt_base = b->lay.vbase;
		log_layout(b);
	}
	if (b->p2m)
		frame_free(virt_to_mfn(b->p2m), b->p2m_order);
	hv_free(b);
	return rc;
}
